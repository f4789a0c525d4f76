//! The examples added for the policies people run, each against the real kernel: loaded
//! onto a real reuseport group with `rsteer load`, driven with real datagrams (or TCP
//! connections), and the socket that answered compared with what the policy says. (The
//! first six examples are driven by `tests/kernel.rs`.)

#[macro_use]
mod common;

use common::*;
use std::hash::Hasher;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(2);
const DROPPED: Duration = Duration::from_millis(300);

/// `rsteer load examples/EX --pid PID ARGS...` must succeed; returns its stdout.
fn load_example(ex: &str, pid: impl ToString, args: &[&str]) -> String {
    load(&example(ex), pid, args)
}

/// `rsteer map --pid PID ARGS...` must succeed; returns its stdout.
fn map(pid: i32, args: &[&str]) -> String {
    let pid = pid.to_string();
    let all = [&["map", "--pid", pid.as_str()], args].concat();
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "rsteer {}:\n{out}\n{err}", all.join(" "));
    out
}

/// The integer values of an `Array`/`PerCpuArray` by index, from `rsteer map --json dump`
/// (the sum over CPUs for a per-CPU one).
fn dump_counts(pid: i32, name: &str) -> Vec<u64> {
    let out = map(pid, &["--json", "dump", name]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v.as_array().unwrap().iter().map(|e| e["value"].as_u64().unwrap_or_else(|| panic!("{out}"))).collect()
}

/// A short-header QUIC datagram whose destination connection ID starts with `dcid`.
fn short_header(dcid: &[u8]) -> Vec<u8> {
    let mut p = vec![0x40u8];
    p.extend_from_slice(dcid);
    p.extend_from_slice(b"protected payload");
    p
}

/// A long-header (Initial, version 1) datagram with destination connection ID `dcid`.
fn long_header(dcid: &[u8]) -> Vec<u8> {
    let mut p = vec![0xc0u8, 0, 0, 0, 1, dcid.len() as u8];
    p.extend_from_slice(dcid);
    p.push(0); // an empty source connection ID
    p.resize(64, 0);
    p
}

/// Envoy-style: the first four DCID bytes, big-endian, modulo 4 for short headers; the
/// keyed SipHash-1-3 of the client's DCID for long headers, with the key the operator set.
#[test]
fn dcid_modulo_steers_by_the_connection_id() {
    require_kernel!();
    let server = Server::with_example("udp", 4, "dcid_modulo.rs", &[]);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for word in [0u32, 1, 2, 3, 6, 0x0a0b_0c0d, 0xffff_fffe, 0x8000_0001] {
        let got = udp_probe(&client, server.addr(), &short_header(&word.to_be_bytes()), WAIT);
        assert_eq!(got, Some(word % 4), "short header, DCID word {word:#x}");
    }
    let (k0, k1) = (0x0706_0504_0302_0100u64, 0x0f0e_0d0c_0b0a_0908u64);
    map(server.pid, &["set", "KEY", "0", &k0.to_string()]);
    map(server.pid, &["set", "KEY", "1", &k1.to_string()]);
    for seed in 0u8..24 {
        let dcid: Vec<u8> = (0..8 + seed % 9).map(|i| i.wrapping_mul(37).wrapping_add(seed)).collect();
        let mut h = siphasher::sip::SipHasher13::new_with_keys(k0, k1);
        h.write(&dcid);
        let want = (h.finish() % 4) as u32;
        let got = udp_probe(&client, server.addr(), &long_header(&dcid), WAIT);
        assert_eq!(got, Some(want), "long header, DCID {dcid:02x?}");
    }
}

/// QUIC-LB plaintext server ids of config 0: server id k reaches socket k, in short and
/// long headers; another config and an unroutable ID are delivered by the kernel's pick.
#[test]
fn quic_lb_steers_by_server_id() {
    require_kernel!();
    let server = Server::with_example("udp", 4, "quic_lb.rs", &[]);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for sid in 0u8..4 {
        let dcid = [0x07, sid, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96];
        assert_eq!(udp_probe(&client, server.addr(), &short_header(&dcid), WAIT), Some(sid as u32), "short, sid {sid}");
        assert_eq!(udp_probe(&client, server.addr(), &long_header(&dcid), WAIT), Some(sid as u32), "long, sid {sid}");
    }
    for first in [0x27u8, 0xe7] {
        let got = udp_probe(&client, server.addr(), &short_header(&[first, 3, 0x91, 0x92]), WAIT);
        assert!(matches!(got, Some(0..=3)), "first CID byte {first:#x}: delivered by the kernel's pick, got {got:?}");
    }
}

/// murmur3's fmix64, as `std::hash::mix64`.
fn mix64(x: u64) -> u64 {
    let mut h = x;
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// Jump consistent hash as the paper writes it (floating point).
fn jump(mut key: u64, buckets: u32) -> u32 {
    let (mut b, mut j) = (-1i64, 0i64);
    while j < buckets as i64 {
        b = j;
        key = key.wrapping_mul(2862933555777941757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b as u32
}

/// Consistent hashing: with 4 of 5 sockets live every flow lands where jump hash on its
/// 4-tuple says; when the operator makes the fifth live, only the flows jump hash gives it
/// move, about a fifth, and every one of them moves to the new socket.
#[test]
fn jump_hash_moves_few_flows_when_a_worker_is_added() {
    require_kernel!();
    let server = Server::with_example("udp", 5, "jump_hash.rs", &["--const", "WORKERS=5"]);
    map(server.pid, &["set", "LIVE", "0", "4"]);
    let clients: Vec<UdpSocket> = (0..200).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
    let key = |c: &UdpSocket| {
        let (lo, sport, dport) = (0x7f00_0001u64, c.local_addr().unwrap().port() as u64, server.port as u64);
        mix64((lo << 32 | lo) ^ mix64(sport << 16 | dport))
    };
    let before: Vec<u32> = clients
        .iter()
        .map(|c| {
            let got = udp_probe(c, server.addr(), b"flow", WAIT).expect("an answer");
            assert_eq!(got, jump(key(c), 4), "4 live workers, client port {}", c.local_addr().unwrap().port());
            got
        })
        .collect();
    map(server.pid, &["set", "LIVE", "0", "5"]);
    let mut moved = 0;
    for (c, was) in clients.iter().zip(&before) {
        let now = udp_probe(c, server.addr(), b"flow", WAIT).expect("an answer");
        assert_eq!(now, jump(key(c), 5), "5 live workers");
        if now != *was {
            assert_eq!(now, 4, "a flow moved between two old workers");
            moved += 1;
        }
    }
    eprintln!("adding a fifth worker moved {moved} of 200 flows (modulo would move about 160)");
    assert!((15..=70).contains(&moved), "{moved} of 200 flows moved; jump hash moves about 40");
}

/// The kernel selftest's cases over UDP: PASS (each index), DROP_ERR_SKB_DATA,
/// DROP_ERR_SK_SELECT_REUSEPORT and PASS_ERR_SK_SELECT_REUSEPORT, counted in `RESULTS`.
#[test]
fn select_reuseport_runs_the_selftest_cases() {
    require_kernel!();
    let server = Server::with_example("udp", 4, "select_reuseport.rs", &[]);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let cmd = |index: u32, pass_on_failure: u32| [index.to_ne_bytes(), pass_on_failure.to_ne_bytes()].concat();
    for round in 0..3 {
        for i in 0..4 {
            assert_eq!(udp_probe(&client, server.addr(), &cmd(i, round % 2), WAIT), Some(i), "PASS index {i}");
        }
    }
    assert_eq!(udp_probe(&client, server.addr(), &cmd(1, 0)[..5], DROPPED), None, "DROP_ERR_SKB_DATA");
    assert_eq!(udp_probe(&client, server.addr(), &cmd(9, 0), DROPPED), None, "DROP_ERR_SK_SELECT_REUSEPORT");
    assert_eq!(udp_probe(&client, server.addr(), &cmd(4, 0), DROPPED), None, "an index past the group");
    let got = udp_probe(&client, server.addr(), &cmd(9, 1), WAIT);
    assert!(matches!(got, Some(0..=3)), "PASS_ERR_SK_SELECT_REUSEPORT: the kernel's pick, got {got:?}");
    assert_eq!(dump_counts(server.pid, "RESULTS"), [12, 1, 2, 1]);
}

/// A DNS query: 12-byte header (id, a standard query, one question), then the name.
fn dns_query(id: u16, labels: &[&str]) -> Vec<u8> {
    let mut p = id.to_be_bytes().to_vec();
    p.extend_from_slice(&[0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
    for l in labels {
        p.push(l.len() as u8);
        p.extend_from_slice(l.as_bytes());
    }
    p.extend_from_slice(&[0, 0, 1, 0, 1]);
    p
}

/// Zone routing: a zone the operator lists reaches its worker whatever the case and query
/// id; other queries go by query id; responses by the kernel's pick.
#[test]
fn dns_zone_routes_listed_zones() {
    require_kernel!();
    let server = Server::with_example("udp", 4, "dns_zone.rs", &[]);
    let policy = example("dns_zone.rs");
    let policy = policy.to_str().unwrap();
    map(server.pid, &["--policy", policy, "set", "ZONES", r#"b"api\0\0\0\0\0""#, "2"]);
    map(server.pid, &["--policy", policy, "set", "ZONES", r#"b"internal""#, "3"]);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for id in [0u16, 1, 0x1235, 0xffff] {
        let q = dns_query(id, &["API", "example", "com"]);
        assert_eq!(udp_probe(&client, server.addr(), &q, WAIT), Some(2), "api., id {id}");
        let q = dns_query(id, &["internal", "corp"]);
        assert_eq!(udp_probe(&client, server.addr(), &q, WAIT), Some(3), "internal., id {id}");
        let q = dns_query(id, &["www", "example", "com"]);
        assert_eq!(udp_probe(&client, server.addr(), &q, WAIT), Some(id as u32 % 4), "www., id {id}");
    }
    let mut response = dns_query(7, &["www"]);
    response[2] |= 0x80;
    assert!(udp_probe(&client, server.addr(), &response, WAIT).is_some(), "a response is delivered");
}

/// One sender (one 4-tuple) reaches one socket by the kernel's hash; listed as heavy, its
/// datagrams spread over all four.
#[test]
fn random_spread_spreads_a_heavy_sender() {
    require_kernel!();
    let server = Server::with_example("udp", 4, "random_spread.rs", &[]);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let spread = |n: usize| {
        let mut seen = [0u32; 4];
        for _ in 0..n {
            let got = udp_probe(&client, server.addr(), b"metrics", WAIT).expect("an answer");
            seen[got as usize] += 1;
        }
        seen
    };
    let pinned = spread(100);
    assert_eq!(pinned.iter().filter(|n| **n > 0).count(), 1, "the kernel's hash pins one sender: {pinned:?}");
    map(server.pid, &["set", "HEAVY", "0x7f000001", "1"]);
    let spread_out = spread(200);
    eprintln!("one sender, 200 datagrams: kernel hash {pinned:?}, spread {spread_out:?}");
    assert!(spread_out.iter().all(|n| *n >= 20), "a heavy sender reaches every worker: {spread_out:?}");
}

/// Per-socket counters: the counts `rsteer map dump` reads are the datagrams each socket
/// answered.
#[test]
fn socket_counters_count_what_each_socket_got() {
    require_kernel!();
    let server = Server::with_example("udp", 4, "socket_counters.rs", &[]);
    let mut seen = [0u64; 4];
    for _ in 0..120 {
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        seen[udp_probe(&client, server.addr(), b"count me", WAIT).expect("an answer") as usize] += 1;
    }
    let counts = dump_counts(server.pid, "COUNTS");
    assert_eq!(&counts[..4], &seen, "COUNTS against the answers");
    assert_eq!(counts[4], 0, "no selection failed");
}

/// The selftest's migration case (`migrate_reuseport`): connections wait in the accept
/// queues of two listeners that never accept; closing one moves its queue to the other,
/// which accepts every connection, and `MOVED` counts the moved ones.
#[test]
fn tcp_migrate_moves_a_closed_listeners_queue() {
    require_kernel!();
    let (mut listeners, addr) = reuseport_listeners(2);
    let me = std::process::id() as i32;
    let name = unique("migrate").replace('_', "-");
    load_example("tcp_migrate.rs", me, &["--port", &addr.port().to_string(), "--name", &name, "--const", "WORKERS=2"]);
    let clients: Vec<TcpStream> = (0..16).map(|_| TcpStream::connect_timeout(&addr, WAIT).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let survivor = listeners.remove(0);
    survivor.set_nonblocking(true).unwrap();
    let accept_all = |deadline: Duration| {
        let mut n = 0;
        let end = std::time::Instant::now() + deadline;
        while std::time::Instant::now() < end {
            match survivor.accept() {
                Ok(_) => n += 1,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => panic!("accept: {e}"),
            }
        }
        n
    };
    // Listener 0's own share, before anything closes.
    let own = accept_all(Duration::from_millis(300));
    drop(listeners); // listener 1 closes with the rest queued
    let migrated = accept_all(Duration::from_secs(1));
    let accepted = own + migrated;
    let moved = dump_counts(me, "MOVED")[0];
    let (code, out, err) = run(&["detach", &name]);
    assert_eq!(code, 0, "{out}{err}");
    eprintln!(
        "listener 0 had {own} of 16 connections; {migrated} migrated to it when listener 1 closed (MOVED = {moved})"
    );
    assert_eq!(accepted, clients.len(), "the surviving listener accepts every queued connection");
    assert!(migrated >= 1, "listener 1 had none of 16 connections: the hash put all on listener 0");
    assert_eq!(moved, migrated as u64, "MOVED counts exactly the migrated connections");
}

/// A test server on `port` (0: a free one) whose replies carry `tag=TAG`; its pid and port.
fn tagged_server(port: u16, tag: &str) -> (std::process::Child, i32, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rsteer-testserver"))
        .args(["--proto", "udp", "--sockets", "4", "--port", &port.to_string(), "--tag", tag, "--duration-secs", "60"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let (pid, port) = read_ready(&mut reader);
    std::thread::spawn(move || for _ in reader.lines().map_while(Result::ok) {});
    (child, pid, port)
}

/// The reply to one datagram: (socket index, tag) or `None`.
fn reply(client: &UdpSocket, to: SocketAddr, payload: &[u8]) -> Option<(u32, String)> {
    client.set_read_timeout(Some(WAIT)).unwrap();
    client.send_to(payload, to).unwrap();
    let mut buf = [0u8; 128];
    let n = client.recv(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    let field = |k: &str| text.split_whitespace().find_map(|w| w.strip_prefix(k)).map(str::to_string);
    Some((field("sock=")?.parse().ok()?, field("tag=").unwrap_or_default()))
}

/// A restart by generations: sessions of the old process stay with their sockets after the
/// new one joins, new sessions go to the new process, and when the old process exits its
/// sessions start over on the new one.
#[test]
fn generations_keep_sessions_across_a_restart() {
    require_kernel!();
    let (mut old, old_pid, port) = tagged_server(0, "old");
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let name = unique("gen").replace('_', "-");
    let out = load_example("generations.rs", old_pid, &["--name", &name, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cookies: Vec<(u32, u64)> = v["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap() as u32, r["cookie"].as_u64().unwrap()))
        .collect();
    let session = |cookie: u64| [&[1u8][..], &cookie.to_ne_bytes(), b"state"].concat();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_eq!(reply(&client, to, b"\x00hello").map(|r| r.1), Some("old".to_string()));
    for (index, cookie) in &cookies {
        assert_eq!(
            reply(&client, to, &session(*cookie)),
            Some((*index, "old".to_string())),
            "session of socket {index}"
        );
    }

    let (mut new, new_pid, _) = tagged_server(port, "new");
    let (code, out, err) = run(&["join", &name, "--pid", &new_pid.to_string()]);
    assert_eq!(code, 0, "{out}{err}");
    for _ in 0..8 {
        let fresh = UdpSocket::bind("127.0.0.1:0").unwrap();
        assert_eq!(
            reply(&fresh, to, b"\x00hello").map(|r| r.1),
            Some("new".to_string()),
            "a new session after the join"
        );
    }
    for (index, cookie) in &cookies {
        assert_eq!(
            reply(&client, to, &session(*cookie)),
            Some((*index, "old".to_string())),
            "an old session after the join"
        );
    }

    let _ = old.kill();
    let _ = old.wait();
    std::thread::sleep(Duration::from_millis(100));
    for (_, cookie) in &cookies {
        assert_eq!(
            reply(&client, to, &session(*cookie)).map(|r| r.1),
            Some("new".to_string()),
            "a session of a gone socket"
        );
    }
    let (code, out, err) = run(&["detach", &name]);
    assert_eq!(code, 0, "{out}{err}");
    let _ = new.kill();
    let _ = new.wait();
}
