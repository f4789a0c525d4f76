//! Verdict counters (`load --count`) against known real traffic: `status --json` counts
//! exactly what the policy implies for each datagram, in the shape `simulate --json` predicts;
//! `top NAME --once` shows the live rates per socket with its pid and fd.

#[macro_use]
mod common;

use common::*;
use std::net::UdpSocket;
use std::time::Duration;

struct Named(String);

impl Drop for Named {
    fn drop(&mut self) {
        let _ = rsteer().args(["detach", &self.0]).output();
    }
}

fn counted_load(server: &Server) -> (String, Named) {
    let name = unique("count").replace('_', "-");
    let policy = root().join("tests/data/ops/counted.rs");
    let pid = server.pid.to_string();
    let (code, _, err) = run(&["load", policy.to_str().unwrap(), "--pid", &pid, "--name", &name, "--count"]);
    assert_eq!(code, 0, "load --count: {err}");
    (name.clone(), Named(name))
}

fn counts(name: &str) -> serde_json::Value {
    let (code, out, err) = run(&["status", name, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v[0]["counts"].clone()
}

#[test]
fn counts_of_a_live_load_are_exact() {
    require_kernel!();
    let server = Server::start("udp", 4);
    let (name, _guard) = counted_load(&server);
    assert_eq!(
        counts(&name),
        serde_json::json!({"packets": 0, "pass": 0, "drop": 0, "selected": {"SOCKETS": [0, 0, 0, 0]}})
    );
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut want = [0u64; 4];
    let (mut pass, mut drop) = (0u64, 0u64);
    // 200 datagrams whose first byte picks the socket; each one answered proves it arrived.
    for i in 0..200u32 {
        let b = ((i * 7) % 13) as u8;
        assert_eq!(udp_probe(&client, server.addr(), &[b], Duration::from_secs(2)), Some(u32::from(b) % 4));
        want[(b % 4) as usize] += 1;
    }
    // Passed with no selection: the kernel's pick answers; dropped: nothing answers.
    for payload in [&b"\xfe"[..], b"", b"\xfe", b""] {
        assert!(udp_probe(&client, server.addr(), payload, Duration::from_secs(2)).is_some());
        pass += 1;
    }
    for _ in 0..3 {
        assert_eq!(udp_probe(&client, server.addr(), b"\xff", Duration::from_millis(200)), None);
        drop += 1;
    }
    let total = want.iter().sum::<u64>() + pass + drop;
    assert_eq!(
        counts(&name),
        serde_json::json!({"packets": total, "pass": pass, "drop": drop, "selected": {"SOCKETS": want}})
    );
    // The human status says the same.
    let (_, out, _) = run(&["status", &name]);
    let line = format!(
        "counts: {total} packets; pass {pass}, drop {drop}; SOCKETS {} {} {} {}",
        want[0], want[1], want[2], want[3]
    );
    assert!(out.contains(&line), "{out}");
}

#[test]
fn top_once_shows_the_live_rates() {
    require_kernel!();
    let server = Server::start("udp", 4);
    let (name, _guard) = counted_load(&server);
    let addr = server.addr();
    // Traffic for the whole sample: socket 1 gets three datagrams for each one socket 3 gets.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let client = UdpSocket::bind("127.0.0.1:0").unwrap();
            let mut i = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                client.send_to(&[if i % 4 == 3 { 3 } else { 1 }], addr).unwrap();
                i += 1;
                std::thread::sleep(Duration::from_micros(500));
            }
        })
    };
    let (code, out, err) = run(&["top", &name, "--once"]);
    let (jcode, json, jerr) = run(&["top", &name, "--json", "--interval", "0.5"]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    sender.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("load `{name}` `route` on udp 127.0.0.1:{}", server.port)), "{out}");
    let pid = server.pid.to_string();
    let row = |index: &str, fd: &str| {
        out.lines()
            .find(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.len() >= 6 && w[0] == "SOCKETS" && w[1] == index && w[2] == pid && w[3] == fd
            })
            .unwrap_or_else(|| panic!("no row for index {index}: {out}"))
            .to_string()
    };
    let share = |l: &str| l.split_whitespace().nth(5).unwrap().trim_end_matches('%').parse::<f64>().unwrap();
    let (one, three) = (row("1", "4"), row("3", "6"));
    assert!(one.contains('█'), "{one}");
    assert!((share(&one) - 75.0).abs() < 10.0 && (share(&three) - 25.0).abs() < 10.0, "{out}");
    assert!(out.contains("pass (no socket selected) 0/s, drop 0/s"), "{out}");
    assert_eq!(jcode, 0, "{jerr}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["name"], name.as_str());
    assert!(v[0]["packets_per_s"].as_f64().unwrap() > 100.0, "{json}");
    assert_eq!(v[0]["sockets"][1]["pid"], server.pid);
    // A load without counters is said so.
    exits_with(&["top", "no-such-load-h-ops", "--once"], 3);
}

/// A `SockHash` selection counts at the index of the socket whose cookie it selected:
/// `examples/quic_cookie.rs`, connection IDs that carry each socket's cookie.
#[test]
fn sockhash_selections_count_by_socket() {
    require_kernel!();
    let server = Server::start("udp", 4);
    let name = unique("qcount").replace('_', "-");
    let _guard = Named(name.clone());
    let policy = example("quic_cookie.rs");
    let pid = server.pid.to_string();
    let (code, out, err) =
        run(&["load", policy.to_str().unwrap(), "--pid", &pid, "--name", &name, "--count", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut want = [0u64; 4];
    for (n, row) in v["sockets"].as_array().unwrap().iter().enumerate() {
        let index = row["index"].as_u64().unwrap() as usize;
        let mut short = vec![0x40u8];
        short.extend_from_slice(&row["cookie"].as_u64().unwrap().to_le_bytes());
        for _ in 0..=n {
            assert_eq!(udp_probe(&client, server.addr(), &short, Duration::from_secs(2)), Some(index as u32));
            want[index] += 1;
        }
    }
    let c = counts(&name);
    assert_eq!(c["selected"]["BY_COOKIE"], serde_json::json!(want), "{c}");
    assert_eq!(c["selected"]["BY_INDEX"], serde_json::json!([0, 0, 0, 0]), "{c}");
    assert_eq!((c["packets"].as_u64(), c["pass"].as_u64()), (Some(want.iter().sum()), Some(0)), "{c}");
}
