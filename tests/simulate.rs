//! `rsteer simulate` against distributions computed here, independently of the simulator:
//! the shipped captures (tests/data/pcap/, made by its make.sh with tcpdump on loopback) are
//! read by a small reader of this test's own, and each policy's rule is written out in Rust.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn pcap(name: &str) -> PathBuf {
    root().join("tests/data/pcap").join(name)
}

/// One packet the policy runs on, as this test reads it from the capture.
#[derive(Debug, Clone)]
struct Seen {
    /// 1-based frame number.
    frame: usize,
    tcp: bool,
    src_port: u16,
    payload: Vec<u8>,
    v6: bool,
    /// The IPv4 TTL or IPv6 hop limit.
    hops: u8,
    /// The L4 header and payload.
    l4: Vec<u8>,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// The UDP datagrams and TCP SYNs of a classic pcap file (little-endian, microseconds) with
/// Ethernet (1), raw IP (101), BSD loopback (0), Linux cooked v1 (113) or v2 (276) frames; IPv4 without options
/// and IPv6 without extension headers, which is what the shipped captures hold.
fn read_pcap(name: &str) -> (usize, Vec<Seen>) {
    let data = std::fs::read(pcap(name)).unwrap();
    assert_eq!(&data[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "{name}: a little-endian pcap");
    let link = u32::from_le_bytes(data[20..24].try_into().unwrap());
    let (mut at, mut frames, mut seen) = (24, 0, Vec::new());
    while at + 16 <= data.len() {
        let len = u32::from_le_bytes(data[at + 8..at + 12].try_into().unwrap()) as usize;
        let frame = &data[at + 16..at + 16 + len];
        at += 16 + len;
        frames += 1;
        let (ethertype, ip) = match link {
            1 => (be16(frame, 12), &frame[14..]),
            101 => (if frame[0] >> 4 == 6 { 0x86dd } else { 0x0800 }, frame),
            0 => (if frame[4] >> 4 == 6 { 0x86dd } else { 0x0800 }, &frame[4..]),
            113 => (be16(frame, 14), &frame[16..]),
            276 => (be16(frame, 0), &frame[20..]),
            other => panic!("link type {other}"),
        };
        let (proto, hops, l4) = match ethertype {
            0x0800 => (ip[9], ip[8], &ip[20..be16(ip, 2) as usize]),
            0x86dd => (ip[6], ip[7], &ip[40..40 + be16(ip, 4) as usize]),
            _ => continue,
        };
        let (tcp, payload_at) = match proto {
            17 => (false, 8),
            // A SYN without ACK; the payload starts after the data offset's words.
            6 if l4[13] & 0x12 == 0x02 => (true, (l4[12] >> 4) as usize * 4),
            _ => continue,
        };
        seen.push(Seen {
            frame: frames,
            tcp,
            src_port: be16(l4, 0),
            payload: l4[payload_at..].to_vec(),
            v6: ethertype == 0x86dd,
            hops,
            l4: l4.to_vec(),
        });
    }
    (frames, seen)
}

/// The distribution of a rule that maps a packet to `Some(index)` (a selection in `SOCKETS`
/// that has `sockets` sockets; an index past them is the fallback, a pass) or `None` (a pass).
fn expected(packets: &[Seen], sockets: usize, rule: impl Fn(&Seen) -> Option<usize>) -> Value {
    let mut per = vec![0u64; sockets];
    let mut pass = 0;
    for p in packets {
        match rule(p) {
            Some(i) if i < sockets => per[i] += 1,
            _ => pass += 1,
        }
    }
    json!({ "packets": packets.len(), "pass": pass, "drop": 0, "selected": { "SOCKETS": per } })
}

fn simulate_json(args: &[&str]) -> Value {
    let mut all = vec!["simulate"];
    all.extend_from_slice(args);
    all.push("--json");
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "rsteer {}: {err}", all.join(" "));
    // Exactly one JSON object on standard output.
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one line of JSON:\n{out}");
    serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// `rsteer simulate POLICY --pcap CAPTURE ARGS... --json`, the one JSON distribution.
fn simulate_capture(policy: &Path, capture: &str, args: &[&str]) -> Value {
    let capture = pcap(capture);
    let mut all = vec![policy.to_str().unwrap(), "--pcap", capture.to_str().unwrap()];
    all.extend_from_slice(args);
    simulate_json(&all)
}

/// On every shipped capture, `policy` puts the packets where `rule` says (4 sockets).
fn distribution_on_every_capture(policy: &Path, rule: impl Fn(&Seen) -> Option<usize> + Copy) {
    for name in CAPTURES {
        let (_, seen) = read_pcap(name);
        assert_eq!(simulate_capture(policy, name, &[]), expected(&seen, 4, rule), "{name}");
    }
}

const CAPTURES: [&str; 5] = ["lo.pcap", "any_sll.pcap", "any_sll2.pcap", "raw.pcap", "null.pcap"];

#[test]
fn the_shipped_captures_hold_udp_over_both_families_and_tcp_syns() {
    for name in CAPTURES {
        let (frames, seen) = read_pcap(name);
        assert_eq!(frames, 78, "{name}");
        assert_eq!(seen.iter().filter(|p| !p.tcp).count(), 66, "{name}: UDP datagrams");
        assert_eq!(seen.iter().filter(|p| p.tcp).count(), 6, "{name}: TCP SYNs");
    }
}

#[test]
fn first_byte_distribution_is_exact_on_every_link_type() {
    distribution_on_every_capture(&example("payload_mod.rs"), |p| p.payload.first().map(|b| *b as usize % 4));
}

#[test]
fn pcapng_gives_the_same_distribution_as_the_pcap_it_was_converted_from() {
    let policy = example("src_port_mod.rs");
    let (_, seen) = read_pcap("any_sll2.pcap");
    let want = expected(&seen, 4, |p| Some(p.src_port as usize % 4));
    for name in ["any_sll2.pcap", "any_sll2.pcapng"] {
        assert_eq!(simulate_capture(&policy, name, &[]), want, "{name}");
    }
}

#[test]
fn the_program_reads_the_packets_real_header_bytes() {
    // TCP options make a SYN's data offset 10 words; the TTL and hop limit are the sender's.
    let policy = root().join("tests/data/simulate/wire_bytes.rs");
    for name in CAPTURES {
        let (_, seen) = read_pcap(name);
        assert!(seen.iter().any(|p| p.tcp && p.l4[12] >> 4 == 10), "{name}: SYNs with options");
    }
    distribution_on_every_capture(&policy, |p| {
        Some(match (p.tcp, p.v6) {
            (true, _) => (p.l4[12] >> 4) as usize % 4,
            (false, false) => p.hops as usize % 4,
            (false, true) => p.hops as usize % 4 + 1,
        })
    });
}

#[test]
fn fewer_sockets_send_the_rest_to_the_fallback() {
    let policy = example("src_port_mod.rs");
    let (_, seen) = read_pcap("lo.pcap");
    let want = expected(&seen, 3, |p| Some(p.src_port as usize % 4));
    let got = simulate_capture(&policy, "lo.pcap", &["--sockets", "3"]);
    assert_eq!(got, want);
}

#[test]
fn set_preloads_a_table() {
    // OVERRIDES: source port -> socket; every other packet goes by its first byte.
    let policy = example("override_table.rs");
    let (_, seen) = read_pcap("lo.pcap");
    let (a, b) = (seen[0].src_port, seen[1].src_port);
    let rule = |p: &Seen| {
        if p.src_port == a {
            Some(3)
        } else if p.src_port == b {
            Some(6 % 4)
        } else {
            p.payload.first().map(|x| *x as usize % 4)
        }
    };
    let want = expected(&seen, 4, rule);
    let (a, b) = (a.to_string(), b.to_string());
    let got = simulate_capture(&policy, "lo.pcap", &["--set", "OVERRIDES", &a, "3", "--set", "OVERRIDES", &b, "0x6"]);
    assert_eq!(got, want);
}

#[test]
fn trace_shows_the_source_lines_of_one_packet() {
    let policy = example("payload_mod.rs");
    let (_, seen) = read_pcap("lo.pcap");
    let p = &seen[4];
    let (policy, capture, frame) = (policy.to_str().unwrap(), pcap("lo.pcap"), p.frame.to_string());
    let traced = |json: &[&str]| {
        let args = [&["simulate", policy, "--pcap", capture.to_str().unwrap(), "--trace", &frame], json].concat();
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        (out, err)
    };
    let (out, _) = traced(&[]);
    let trace: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("packet ")).collect();
    assert!(trace[0].starts_with(&format!("packet {}: UDP ", p.frame)), "{out}");
    assert!(trace[0].contains(&format!(":{} ->", p.src_port)), "{out}");
    let lines: Vec<&str> = trace.iter().filter_map(|l| l.split_once("payload_mod.rs:").map(|(_, rest)| rest)).collect();
    assert!(lines.iter().any(|l| l.contains("pkt.payload.u8(0)?")), "the read's line:\n{out}");
    assert!(lines.iter().any(|l| l.contains("select(SOCKETS, first % WORKERS)")), "the select's line:\n{out}");
    let index = p.payload[0] % 4;
    assert!(trace.last().unwrap().trim().starts_with(&format!("-> SOCKETS[{index}] after ")), "{out}");
    // With --json the distribution stays alone on standard output; the trace goes to stderr.
    let (out, err) = traced(&["--json"]);
    assert!(serde_json::from_str::<Value>(out.trim()).is_ok(), "{out}");
    assert!(err.contains(&format!("-> SOCKETS[{index}]")), "{err}");
}

#[test]
fn skipped_frames_are_counted_in_a_note() {
    let policy = example("payload_mod.rs");
    let err = exits_with(&["simulate", policy.to_str().unwrap(), "--pcap", pcap("lo.pcap").to_str().unwrap()], 0);
    // The six RSTs that answered the SYNs.
    assert!(err.contains("note: skipped 6 of 78 frames: 6 neither UDP nor a TCP SYN"), "{err}");
}

#[test]
fn every_socket_map_holds_the_same_group() {
    // quic_cookie: a SockHash of 64 by cookie and a SockMap of 4 by index; the group has 4
    // sockets, as a load would give both.
    let got = simulate_json(&[example("quic_cookie.rs").to_str().unwrap(), "--packets", "100"]);
    assert_eq!(got["selected"]["BY_COOKIE"].as_array().unwrap().len(), 4, "{got}");
    assert_eq!(got["selected"]["BY_INDEX"].as_array().unwrap().len(), 4, "{got}");
    let got = simulate_json(&[example("quic_cookie.rs").to_str().unwrap(), "--packets", "100", "--sockets", "2"]);
    assert_eq!(got["selected"]["BY_COOKIE"].as_array().unwrap().len(), 2, "{got}");
}

#[test]
fn random_packets_are_reproducible_and_all_counted() {
    let policy = example("payload_mod.rs");
    let a = simulate_json(&[policy.to_str().unwrap(), "--packets", "300", "--seed", "7"]);
    let b = simulate_json(&[policy.to_str().unwrap(), "--packets", "300", "--seed", "7"]);
    let c = simulate_json(&[policy.to_str().unwrap(), "--packets", "300", "--seed", "8"]);
    assert_eq!(a, b);
    assert_ne!(a, c);
    let selected: u64 = a["selected"]["SOCKETS"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(a["packets"], 300);
    assert_eq!(selected + a["pass"].as_u64().unwrap() + a["drop"].as_u64().unwrap(), 300);
    let tcp = simulate_json(&[policy.to_str().unwrap(), "--packets", "50", "--proto", "tcp"]);
    assert_eq!(tcp["packets"], 50);
}

#[test]
fn bad_input_is_a_usage_error_with_a_reason() {
    let policy = example("payload_mod.rs");
    let p = policy.to_str().unwrap();
    let lo = pcap("lo.pcap");
    let lo = lo.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--pcap", policy.to_str().unwrap()], "not a pcap or pcapng capture"),
        (&["--pcap", "/nonexistent.pcap"], "cannot read /nonexistent.pcap"),
        (&["--pcap", lo, "--sockets", "5"], "--sockets 5"),
        (&["--pcap", lo, "--set", "NOPE", "1", "2"], "no map `NOPE`"),
        (&["--pcap", lo, "--trace", "1000"], "the capture has 78 frames"),
        (&["--pcap", "/tmp"], "not a regular file"),
    ];
    for (args, message) in cases {
        let mut all = vec!["simulate", p];
        all.extend_from_slice(args);
        let (code, _, err) = run(&all);
        assert_eq!(code, 2, "rsteer {}: {err}", all.join(" "));
        assert!(err.contains(message), "rsteer {}: expected `{message}` in:\n{err}", all.join(" "));
    }
    let big = root().join("sim/tests/budgets/big_arrays.rs");
    let err = exits_with(&["simulate", big.to_str().unwrap(), "--packets", "1"], 2);
    assert!(err.contains("take 1024 MiB in the simulator, over its budget of 256 MiB"), "{err}");
    // A skipped frame cannot be traced: the first RST.
    let (_, seen) = read_pcap("lo.pcap");
    let rst = (1..=78).find(|f| !seen.iter().any(|p| p.frame == *f)).unwrap();
    let err = exits_with(&["simulate", p, "--pcap", lo, "--trace", &rst.to_string()], 2);
    assert!(err.contains("neither UDP nor a TCP SYN"), "{err}");
}

#[test]
fn the_book_shows_simulate_on_a_shipped_capture_with_its_real_output() {
    let page = std::fs::read_to_string(root().join("book/src/simulate.md")).unwrap();
    let listings: [&[&str]; 3] = [
        &["examples/payload_mod.rs", "--pcap", "tests/data/pcap/lo.pcap"],
        &["examples/src_port_mod.rs", "--pcap", "tests/data/pcap/any_sll2.pcapng", "--sockets", "3", "--json"],
        &["examples/payload_mod.rs", "--pcap", "tests/data/pcap/lo.pcap", "--trace", "5"],
    ];
    for args in listings {
        let out = rsteer().arg("simulate").args(args).current_dir(root()).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        // The trace listing elides the table above it.
        let text = if args.contains(&"--trace") { &text[text.find("packet ").unwrap()..] } else { &text[..] };
        assert!(
            page.contains(&format!("$ rsteer simulate {}", args.join(" "))) && page.contains(text.trim_end()),
            "book/src/simulate.md does not quote the real output of `rsteer simulate {}`:\n{text}",
            args.join(" ")
        );
    }
}
