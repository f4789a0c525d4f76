//! Every example three ways against the real kernel: libbpf loads our object and its BTF,
//! `rsteer load --pid` attaches it to a real reuseport group, and real datagrams (and one
//! TCP case) land on the socket the policy names.

#[macro_use]
mod common;

use common::*;
use std::net::UdpSocket;
use std::time::Duration;

/// libbpf (through bpftool) loads example `ex`, the kernel takes its BTF, and the xlated
/// dump shows the policy's own source lines; `entry` is its `#[steer]` function, as BTF and
/// bpftool name it.
fn libbpf_loads(ex: &str, entry: &str) {
    require_kernel!("bpftool");
    let tmp = TempDir::new("libbpf");
    let obj = compile(&example(ex), tmp.path());
    let obj_s = obj.to_str().unwrap();

    let (ok, btf) = sh(&format!("bpftool btf dump file {obj_s}"));
    assert!(ok, "bpftool btf dump failed for {ex}:\n{btf}");
    assert!(btf.contains("DATASEC '.maps'"), "{ex}: no .maps DATASEC:\n{btf}");
    assert!(btf.contains("VAR 'SOCKETS'"), "{ex}: no SOCKETS map VAR:\n{btf}");
    assert!(btf.contains(&format!("FUNC '{}'", entry)), "{ex}: no FUNC:\n{btf}");

    let pin = Pin::new("ex");
    let pin_s = pin.0.to_str().unwrap();
    let (ok, log) = sh(&format!("bpftool prog loadall {obj_s} {pin_s}"));
    assert!(ok, "libbpf rejected {ex} (a compiler bug):\n{log}");
    let prog = format!("{pin_s}/{}", entry);
    let (ok, show) = sh(&format!("bpftool -j prog show pinned {prog}"));
    assert!(ok, "{show}");
    let info: serde_json::Value = serde_json::from_str(&show).expect("bpftool json");
    assert!(info.get("btf_id").is_some(), "{ex}: the kernel dropped our BTF: {show}");
    assert_eq!(info["type"], "sk_reuseport");

    let (ok, xlated) = sh(&format!("bpftool prog dump xlated pinned {prog} linum"));
    assert!(ok, "{xlated}");
    let source = std::fs::read_to_string(example(ex)).unwrap();
    let steer_line = source.lines().find(|l| l.contains("fn ") && l.contains("pkt: Packet")).unwrap();
    assert!(
        xlated.contains(steer_line.trim())
            || source.lines().filter(|l| l.contains("pkt.") || l.contains("select")).any(|l| xlated.contains(l.trim())),
        "{ex}: the xlated dump shows none of the policy's lines:\n{xlated}"
    );
    assert!(xlated.contains(ex), "{ex}: line info does not name the file:\n{xlated}");
}

/// One test per example for [`libbpf_loads`].
macro_rules! libbpf_cases {
    ($($test:ident: $ex:literal => $entry:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                libbpf_loads($ex, $entry);
            }
        )*
    };
}

libbpf_cases! {
    libbpf_loads_payload_mod: "payload_mod.rs" => "by_first_byte",
    libbpf_loads_src_port_mod: "src_port_mod.rs" => "by_source_port",
    libbpf_loads_cpu_affinity: "cpu_affinity.rs" => "by_cpu",
    libbpf_loads_short_drop: "short_drop.rs" => "drop_short",
    libbpf_loads_tenants: "tenants.rs" => "by_tenant",
}

/// Payload first byte modulo 4: every datagram lands on socket `byte % 4`.
#[test]
fn payload_mod_steers_udp() {
    require_kernel!();
    let server = Server::start("udp", 4);
    let out = load(&example("payload_mod.rs"), server.pid, &[]);
    assert!(out.contains("SOCKETS"), "{out}");
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for byte in 0u8..64 {
        let got = udp_probe(&client, server.addr(), &[byte, 1, 2, 3], Duration::from_secs(2));
        assert_eq!(got, Some(byte as u32 % 4), "datagram with first byte {byte}");
    }
    let (code, out, err) = run(&["detach", "--pid", &server.pid.to_string()]);
    assert_eq!(code, 0, "{out}{err}");
}

/// Source port modulo 4, over UDP: each client socket's port decides.
#[test]
fn src_port_mod_steers_udp() {
    require_kernel!();
    let server = Server::start("udp", 4);
    load(&example("src_port_mod.rs"), server.pid, &["--port", &server.port.to_string()]);
    for _ in 0..24 {
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = client.local_addr().unwrap().port() as u32;
        let got = udp_probe(&client, server.addr(), b"hello", Duration::from_secs(2));
        assert_eq!(got, Some(port % 4), "client port {port}");
    }
}

/// Source port modulo 4, over TCP: the listener that accepts is `port % 4`.
#[test]
fn src_port_mod_steers_tcp() {
    require_kernel!();
    let server = Server::with_example("tcp", 4, "src_port_mod.rs", &[]);
    for _ in 0..16 {
        let (port, got) = tcp_probe(server.addr());
        assert_eq!(got, Some(port as u32 % 4), "client port {port}");
    }
}

/// CPU affinity: a sender pinned to CPU c reaches socket c % 2 (loopback runs the program
/// on the sender's CPU).
#[test]
fn cpu_affinity_steers_by_sender_cpu() {
    require_kernel!();
    let server = Server::with_example("udp", 2, "cpu_affinity.rs", &[]);
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(2);
    let addr = server.addr();
    for cpu in 0..cpus {
        let got = std::thread::spawn(move || {
            let mut set = nix::sched::CpuSet::new();
            set.set(cpu).unwrap();
            nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set).expect("pin the sender thread");
            let client = UdpSocket::bind("127.0.0.1:0").unwrap();
            (0..16).map(|_| udp_probe(&client, addr, b"cpu", Duration::from_secs(2))).collect::<Vec<_>>()
        })
        .join()
        .unwrap();
        for g in got {
            assert_eq!(g, Some(cpu as u32 % 2), "sender pinned to CPU {cpu}");
        }
    }
}

/// Payloads shorter than 4 bytes are dropped; longer ones are delivered (kernel hash pick).
#[test]
fn short_drop_drops_short_payloads() {
    require_kernel!();
    let server = Server::with_example("udp", 4, "short_drop.rs", &[]);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for len in 0..4usize {
        let got = udp_probe(&client, server.addr(), &vec![7u8; len], Duration::from_millis(300));
        assert_eq!(got, None, "a {len}-byte payload should be dropped");
    }
    for len in [4usize, 5, 64, 512] {
        let got = udp_probe(&client, server.addr(), &vec![7u8; len], Duration::from_secs(2));
        assert!(matches!(got, Some(0..=3)), "a {len}-byte payload should be delivered, got {got:?}");
    }
}

/// Loading onto a group that has a program is refused with a hint; detach then load works.
#[test]
fn load_refuses_attached_group_and_reloads_after_detach() {
    require_kernel!();
    let server = Server::start("udp", 4);
    let pid = server.pid.to_string();
    let policy = example("payload_mod.rs");
    let policy = policy.to_str().unwrap();
    exits_with(&["load", policy, "--pid", &pid], 0);
    let (code, _, err) = run(&["load", policy, "--pid", &pid]);
    assert_ne!(code, 0);
    assert!(err.contains("detach"), "the refusal should hint at detach: {err}");
    exits_with(&["detach", "--pid", &pid], 0);
    let (code, _, err) = run(&["detach", "--pid", &pid]);
    assert_eq!(code, 3, "a second detach has nothing to detach: {err}");
    let (code, out, err) = run(&["load", policy, "--pid", &pid, "--json"]);
    assert_eq!(code, 0, "load right after detach: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("--json output");
    assert_eq!(v["sockets"].as_array().map(Vec::len), Some(4));
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_eq!(udp_probe(&client, server.addr(), &[6], Duration::from_secs(2)), Some(2));
}

/// System errors exit with 3 and name the pid.
#[test]
fn load_errors_name_the_process() {
    require_kernel!();
    let policy = example("payload_mod.rs");
    let err = exits_with(&["load", policy.to_str().unwrap(), "--pid", "999999999"], 3);
    assert!(err.contains("999999999"), "{err}");
    // This test process has no reuseport socket.
    let me = std::process::id().to_string();
    let err = exits_with(&["load", policy.to_str().unwrap(), "--pid", &me], 3);
    assert!(err.contains(&me), "{err}");
}

/// `rsteer demo` runs end to end and leaves nothing attached.
#[test]
fn demo_runs() {
    require_kernel!();
    let (code, out, err) = run(&["demo", "--count", "200"]);
    assert_eq!(code, 0, "demo failed:\n{out}\n{err}");
    assert!(out.contains("expected") && out.contains("arrived"), "{out}");
}

/// Packet fields and region reads return what the kernel sees: each policy sets one bit of
/// the socket index per check, so every datagram (and, over TCP, every connection) must
/// land on socket 15.
fn lands_on_socket_15(proto: &str, policy: &str, payload: &[u8]) {
    require_kernel!();
    let server = Server::start(proto, 16);
    load(&root().join("tests/data/ok").join(policy), server.pid, &[]);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..4 {
        let got = match proto {
            "tcp" => tcp_probe(server.addr()).1,
            _ => udp_probe(&client, server.addr(), payload, Duration::from_secs(2)),
        };
        assert_eq!(got, Some(15), "{policy}: the checks that passed are the bits of {got:?}");
    }
}

#[test]
fn udp_fields_match_the_wire() {
    lands_on_socket_15("udp", "fields_udp.rs", b"hello");
}

#[test]
fn payload_reads_match_the_wire() {
    lands_on_socket_15("udp", "payload_reads.rs", b"ABCDEFGH");
}

/// The same for a TCP SYN.
#[test]
fn tcp_syn_fields_match_the_wire() {
    lands_on_socket_15("tcp", "fields_tcp.rs", b"");
}
/// Against a server that is not part of the project (a Python program with a UDP group and
/// a TCP group): `rsteer load --port` picks the UDP group, and every datagram lands where
/// `tests/data/ok/byte_classes.rs` says.
#[test]
fn foreign_server_steers_as_the_policy_says() {
    require_kernel!("python3");
    let server = ForeignServer::start(&["udp:4", "tcp:2"]);
    let (pid, udp_port) = (server.pid.clone(), server.ports[0]);
    let policy = root().join("tests/data/ok/byte_classes.rs");
    // Two groups: without --port the load is refused with the groups listed.
    let err = exits_with(&["load", policy.to_str().unwrap(), "--pid", &pid], 2);
    assert!(err.contains(&udp_port.to_string()), "the error lists the groups: {err}");
    let (code, out, err) = run(&["load", policy.to_str().unwrap(), "--pid", &pid, "--port", &udp_port.to_string()]);
    assert_eq!(code, 0, "{out}{err}");
    let to = std::net::SocketAddr::from(([127, 0, 0, 1], udp_port));
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let cases: [(&[u8], Option<u32>); 8] = [
        (b"\x05", Some(0)),
        (b"\x40", Some(1)),
        (b"q", Some(2)),
        (b"Q", Some(1)),
        (b"~", Some(3)),
        (&[b'q'; 40], Some(3)),
        (b"\xff", Some(3)),
        (b"", None),
    ];
    for (payload, want) in cases {
        let wait = if want.is_some() { Duration::from_secs(2) } else { Duration::from_millis(300) };
        assert_eq!(udp_probe(&client, to, payload, wait), want, "payload {payload:?}");
    }
}

/// `rsteer map` on a running server: a table entry written from userspace steers that
/// client, the program's counter shows it, and deleting the entry restores the default.
#[test]
fn map_command_reads_and_writes_the_live_tables() {
    require_kernel!();
    let server = Server::start("udp", 4);
    let pid = server.pid.to_string();
    let policy = example("override_table.rs");
    let policy = policy.to_str().unwrap();
    let (code, out, err) = run(&["load", policy, "--pid", &pid]);
    assert_eq!(code, 0, "{out}{err}");
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = client.local_addr().unwrap().port().to_string();
    // The first byte says socket 1 ...
    assert_eq!(udp_probe(&client, server.addr(), &[1], Duration::from_secs(2)), Some(1));
    // ... until the table names socket 3 for this client.
    let (code, out, err) = run(&["map", "--pid", &pid, "set", "OVERRIDES", &port, "3"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(udp_probe(&client, server.addr(), &[1], Duration::from_secs(2)), Some(3));
    let (code, out, _) = run(&["map", "--pid", &pid, "--policy", policy, "get", "OVERRIDES", &port]);
    assert_eq!((code, out.trim()), (0, "3"));
    let (code, out, _) = run(&["map", "--pid", &pid, "--json", "dump", "STEERED"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("--json");
    let count = |i: usize| v[i]["value"].as_u64();
    assert_eq!((count(1), count(3)), (Some(1), Some(1)), "{out}");
    let (code, _, _) = run(&["map", "--pid", &pid, "delete", "OVERRIDES", &port]);
    assert_eq!(code, 0);
    assert_eq!(udp_probe(&client, server.addr(), &[1], Duration::from_secs(2)), Some(1));
    // Socket maps belong to `rsteer load`.
    exits_with(&["map", "--pid", &pid, "set", "SOCKETS", "0", "1"], 2);
}

/// `rsteer map --policy` reads and writes values in the policy's types: a struct named field
/// by field (a missing or misspelt field is refused), integers in any base, a signed integer
/// below zero, a byte array as `b"..."`; `--json` prints them as numbers and objects.
#[test]
fn map_command_speaks_the_policys_types() {
    require_kernel!();
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("routes.rs");
    std::fs::write(
        &policy,
        "struct Route { net: [u8; 4], len: u8, port: u16 }\n\
         #[map]\nstatic SOCKETS: SockArray<4>;\n\
         #[map]\nstatic ROUTES: HashMap<u32, Route, 16>;\n\
         #[map]\nstatic OFFSETS: Array<i16, 4>;\n\
         #[steer]\nfn pick(pkt: Packet) -> Verdict {\n\
             let mut i: u32 = 0;\n\
             if let Some(r) = ROUTES.get(pkt.src_port as u32) { i = r.len as u32; }\n\
             if let Some(o) = OFFSETS.get(0) { if o < 0 { i = i + 1; } }\n\
             select(SOCKETS, i % 4)\n}\n",
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let server = Server::start("udp", 4);
    let pid = server.pid.to_string();
    let (code, out, err) = run(&["load", policy, "--pid", &pid]);
    assert_eq!(code, 0, "{out}{err}");
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = client.local_addr().unwrap().port().to_string();
    let map = |args: &[&str]| run(&[&["map", "--pid", &pid, "--policy", policy], args].concat());
    let (code, out, err) = map(&["set", "ROUTES", &port, r#"net=b"\x0a\0\0\0",len=0b10,port=0x50"#]);
    assert_eq!(
        (code, out.trim()),
        (0, format!(r#"ROUTES[{port}] = net=b"\n\x00\x00\x00",len=2,port=80"#).as_str()),
        "{err}"
    );
    assert_eq!(udp_probe(&client, server.addr(), b"x", Duration::from_secs(2)), Some(2));
    let (code, out, _) = map(&["--json", "get", "ROUTES", &port]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("--json");
    assert_eq!(code, 0);
    assert_eq!(v["key"], port.parse::<u64>().unwrap());
    assert_eq!(v["value"], serde_json::json!({ "net": [10, 0, 0, 0], "len": 2, "port": 80 }));
    // A struct must name every field; a misspelt one gets a suggestion.
    let (code, _, err) = map(&["set", "ROUTES", "1", "len=3"]);
    assert_eq!(code, 2);
    assert!(err.contains("does not name fields `net` and `port`"), "{err}");
    let (code, _, err) = map(&["set", "ROUTES", "1", r#"net=b"abcd",len=3,prot=1"#]);
    assert_eq!(code, 2);
    assert!(err.contains("no field `prot`") && err.contains("did you mean `port`?"), "{err}");
    // Signed values, range-checked for their type.
    let (code, out, err) = map(&["set", "OFFSETS", "0o0", "-0x1"]);
    assert_eq!((code, out.trim()), (0, "OFFSETS[0o0] = -1"), "the key as written; {err}");
    assert_eq!(udp_probe(&client, server.addr(), b"x", Duration::from_secs(2)), Some(3));
    assert_eq!(map(&["get", "OFFSETS", "0"]).1.trim(), "-1");
    let (code, _, err) = map(&["set", "OFFSETS", "0", "40000"]);
    assert_eq!(code, 2);
    assert!(err.contains("`40000` does not fit in `i16` (-32768..=32767)"), "{err}");
}

/// The same policy on an IPv6 group (`[::1]`): ports are read from the L4 header whatever
/// the address family.
#[test]
fn src_port_mod_steers_udp_over_ipv6() {
    require_kernel!();
    let server = Server::start_on("udp", 4, "::1");
    load(&example("src_port_mod.rs"), server.pid, &[]);
    let to: std::net::SocketAddr = format!("[::1]:{}", server.port).parse().unwrap();
    for _ in 0..12 {
        let client = UdpSocket::bind("[::1]:0").unwrap();
        let port = client.local_addr().unwrap().port() as u32;
        assert_eq!(udp_probe(&client, to, b"six", Duration::from_secs(2)), Some(port % 4), "client port {port}");
    }
}

/// nginx-style QUIC steering: `rsteer load` fills the SockHash by cookie and the SockMap by
/// index; a datagram whose connection ID starts with socket k's cookie reaches socket k.
#[test]
fn quic_cookie_steers_by_connection_id() {
    require_kernel!();
    let server = Server::start("udp", 4);
    let out = load(&example("quic_cookie.rs"), server.pid, &["--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("--json");
    assert_eq!(v["map"], "BY_COOKIE");
    assert_eq!(v["also_filled"][0], "BY_INDEX", "{out}");
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for row in v["sockets"].as_array().unwrap() {
        let index = row["index"].as_u64().unwrap() as u32;
        let cookie = row["cookie"].as_u64().unwrap();
        let mut short = vec![0x40u8];
        short.extend_from_slice(&cookie.to_le_bytes());
        short.extend_from_slice(b"payload");
        assert_eq!(udp_probe(&client, server.addr(), &short, Duration::from_secs(2)), Some(index), "short header");
        let mut long = vec![0xc0u8, 0, 0, 0, 1, 8];
        long.extend_from_slice(&cookie.to_le_bytes());
        assert_eq!(udp_probe(&client, server.addr(), &long, Duration::from_secs(2)), Some(index), "long header");
    }
    // An ID that names no socket still reaches one, through the index map.
    let unknown = [0x40u8, 1, 2, 3, 4, 5, 6, 7, 8];
    assert!(udp_probe(&client, server.addr(), &unknown, Duration::from_secs(2)).is_some());
}

/// `rsteer load --replace` swaps policies on a live group while a client sends: the new
/// program takes over the live sockarray, so every datagram reaches a socket one of the two
/// policies chose (never the kernel's hash pick of an empty map), and none is lost.
#[test]
fn replace_swaps_policies_under_traffic() {
    require_kernel!();
    let server = Server::start("udp", 4);
    let pid = server.pid.to_string();
    let by_byte = example("payload_mod.rs");
    let by_port = example("src_port_mod.rs");
    exits_with(&["load", by_byte.to_str().unwrap(), "--pid", &pid], 0);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let addr = server.addr();
    let sender = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let client = UdpSocket::bind("127.0.0.1:0").unwrap();
            let port = client.local_addr().unwrap().port() as u32;
            // A first byte whose socket differs from the port's, so the two policies differ.
            let byte = ((port + 1) % 4) as u8;
            let (mut sent, mut wrong) = (0u32, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && sent < 500_000 {
                let got = udp_probe(&client, addr, &[byte, 9, 9], Duration::from_secs(2));
                sent += 1;
                if got != Some(byte as u32) && got != Some(port % 4) {
                    wrong.push(got);
                }
            }
            (sent, wrong)
        })
    };
    for round in 0..10 {
        let policy = if round % 2 == 0 { &by_port } else { &by_byte };
        let (code, out, err) = run(&["load", policy.to_str().unwrap(), "--pid", &pid, "--replace"]);
        assert_eq!(code, 0, "replace {round}:\n{out}{err}");
        assert!(out.contains("swapped in"), "{out}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (sent, wrong) = sender.join().unwrap();
    assert!(sent > 10, "the client sent only {sent} datagrams");
    assert!(wrong.is_empty(), "{} of {sent} datagrams went elsewhere: {:?}", wrong.len(), &wrong[..wrong.len().min(5)]);
    // A replacement needs an attached program, and the same map shape.
    let (code, _, err) = run(&["load", example("cpu_affinity.rs").to_str().unwrap(), "--pid", &pid, "--replace"]);
    assert_eq!(code, 2, "cpu_affinity's SockArray<2> cannot take over a SockArray<4>: {err}");
    let (code, _, _) = run(&["detach", "--pid", &pid]);
    assert_eq!(code, 0);
    let (code, _, err) = run(&["load", by_byte.to_str().unwrap(), "--pid", &pid, "--replace"]);
    assert_eq!(code, 3, "nothing to replace: {err}");
    // The loader pins the live map only while it loads; no pin stays behind.
    let left: Vec<String> = std::fs::read_dir("/sys/fs/bpf")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("rsteer_replace_"))
        .collect();
    assert!(left.is_empty(), "pins left behind: {left:?}");
    eprintln!("{sent} datagrams across 10 swaps, all steered by one of the two policies");
}

/// A dual-stack server (IPv4 and IPv6 groups on one port): `--port` alone is ambiguous and
/// the error lists both; `--local ::1` picks the IPv6 group, which then steers.
#[test]
fn local_picks_one_group_of_a_dual_stack_server() {
    require_kernel!("python3");
    let server = ForeignServer::start(&["udp:4", "udp6=:4"]);
    let (pid, port) = (server.pid.clone(), server.ports[0].to_string());
    let policy = example("payload_mod.rs");
    let err = exits_with(&["load", policy.to_str().unwrap(), "--pid", &pid, "--port", &port], 2);
    assert!(err.contains("[::1]") && err.contains("127.0.0.1") && err.contains("--local"), "{err}");
    let (code, out, err) = run(&["load", policy.to_str().unwrap(), "--pid", &pid, "--local", "::1"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("[::1]"), "{out}");
    let to: std::net::SocketAddr = format!("[::1]:{port}").parse().unwrap();
    let client = UdpSocket::bind("[::1]:0").unwrap();
    for byte in 0u8..8 {
        assert_eq!(udp_probe(&client, to, &[byte], Duration::from_secs(2)), Some(byte as u32 % 4));
    }
    let _ = run(&["detach", "--pid", &pid, "--local", "::1"]);
}

/// `rsteer map --pid PID ARGS...` must succeed; returns its stdout.
fn map_cmd(pid: i32, args: &[&str]) -> String {
    let pid = pid.to_string();
    let mut all = vec!["map", "--pid", &pid];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "rsteer {}:\n{out}\n{err}", all.join(" "));
    out
}

/// The index of the socket that answers a datagram from a fresh client bound to `src`
/// (any 127.x.y.z is a loopback address of this machine).
fn probe_from(src: &str, to: std::net::SocketAddr) -> Option<u32> {
    let client = UdpSocket::bind((src, 0)).unwrap_or_else(|e| panic!("bind a client to {src}: {e}"));
    udp_probe(&client, to, b"tenant", Duration::from_secs(2))
}

/// Tenants by client prefix: `rsteer map set` fills the `LpmTrie` (created by the loader
/// with BPF_F_NO_PREALLOC) while the server runs, and datagrams from 127.1.x.y land on the
/// worker of their longest prefix; a deleted prefix falls back to the shorter one.
#[test]
fn tenants_steer_by_client_prefix() {
    require_kernel!();
    let server = Server::with_example("udp", 4, "tenants.rs", &[]);
    let out = map_cmd(server.pid, &["set", "TENANTS", "127.1.0.0/16", "0"]);
    assert_eq!(out.trim(), "TENANTS[127.1.0.0/16] = 0");
    let list = map_cmd(server.pid, &["list"]);
    assert!(list.lines().any(|l| l.contains("TENANTS ") && l.contains("LpmTrie")), "{list}");
    // A prefix longer than the address is refused in words, and nothing is written.
    let pid = server.pid.to_string();
    let err = exits_with(&["map", "--pid", &pid, "set", "TENANTS", "127.1.0.0/33", "1"], 2);
    assert!(err.contains("prefix length 33 is longer than the address's 32 bits"), "{err}");
    // Host bits past the length are cleared, as the kernel's trie ignores them.
    let out = map_cmd(server.pid, &["set", "TENANTS", "127.1.9.77/24", "3"]);
    assert_eq!(out.trim(), "TENANTS[127.1.9.0/24] = 3");
    for (src, want) in [("127.1.2.3", 0), ("127.1.200.7", 0), ("127.1.9.1", 3), ("127.1.9.250", 3)] {
        for _ in 0..4 {
            assert_eq!(probe_from(src, server.addr()), Some(want), "a datagram from {src}");
        }
    }
    let dump: serde_json::Value =
        serde_json::from_str(&map_cmd(server.pid, &["--json", "dump", "TENANTS"])).expect("dump --json");
    let mut keys: Vec<&str> = dump.as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, ["127.1.0.0/16", "127.1.9.0/24"], "{dump}");
    assert_eq!(map_cmd(server.pid, &["get", "TENANTS", "127.1.9.8"]).trim(), "3", "a lookup is a longest-prefix match");
    // `--addr` (before or after the action) prints every `u32` as an address, values too.
    assert_eq!(map_cmd(server.pid, &["get", "--addr", "TENANTS", "127.1.9.8"]).trim(), "0.0.0.3");
    map_cmd(server.pid, &["delete", "TENANTS", "127.1.9.0/24"]);
    for _ in 0..4 {
        assert_eq!(probe_from("127.1.9.1", server.addr()), Some(0), "after the /24 is deleted, the /16 holds");
    }
    // Clients of no tenant are spread by the kernel's hash over all four workers.
    let others: std::collections::BTreeSet<u32> =
        (0..64).filter_map(|_| probe_from("127.0.0.1", server.addr())).collect();
    assert!(others.len() > 1 && others.iter().all(|i| *i < 4), "untenanted clients: {others:?}");
}

/// The IPv6 table of the same policy on a `[::1]` group: the key is the address's 16 bytes
/// after a 128-bit prefix length.
#[test]
fn tenants_steer_ipv6_by_prefix() {
    require_kernel!();
    let server = Server::start_on("udp", 4, "::1");
    load(&example("tenants.rs"), server.pid, &[]);
    let out = map_cmd(server.pid, &["set", "TENANTS6", "::1/128", "2"]);
    assert_eq!(out.trim(), "TENANTS6[::1/128] = 2");
    let to: std::net::SocketAddr = format!("[::1]:{}", server.port).parse().unwrap();
    for _ in 0..8 {
        assert_eq!(probe_from("::1", to), Some(2));
    }
    let out = map_cmd(server.pid, &["--json", "dump", "TENANTS6"]);
    assert!(out.contains("\"::1/128\""), "{out}");
}
