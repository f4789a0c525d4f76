//! A server's life under a named load, on the real kernel with real traffic: restarts by
//! generations, prefork workers in two processes, `status --json`, `detach NAME`, a target
//! that exits during the load, an unprivileged user, damaged records, and 100 named
//! replaces under load. Each asserts the message and the exit code.

#[macro_use]
mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A test server whose replies carry a tag (`sock=N tag=T`), so that a client tells two
/// processes on one port apart. Killed on drop.
struct Tagged {
    child: Child,
    pid: i32,
    port: u16,
    _stdin: Option<ChildStdin>,
}

impl Tagged {
    fn start(sockets: u32, port: u16, tag: &str) -> Tagged {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rsteer-testserver"))
            .args(["--proto", "udp", "--sockets", &sockets.to_string(), "--port", &port.to_string()])
            .args(["--tag", tag, "--duration-secs", "300"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("test server starts");
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let (pid, port) = read_ready(&mut reader);
        // Drain stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines().map_while(Result::ok) {});
        let stdin = child.stdin.take();
        Tagged { child, pid, port, _stdin: stdin }
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Tagged {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Detaches a named load on drop (errors ignored: the test may have detached it).
struct Named(String);

impl Drop for Named {
    fn drop(&mut self) {
        let _ = rsteer().args(["detach", &self.0]).output();
    }
}

/// A fresh load name (load names take `-`, not `_`) and the guard that detaches it when the
/// test ends, passed or failed.
fn fresh_name(tag: &str) -> (String, Named) {
    let name = unique(tag).replace('_', "-");
    (name.clone(), Named(name))
}

/// `rsteer load examples/EXAMPLE --pid PID --name NAME`: (exit code, stdout, stderr).
fn load_named(example_file: &str, pid: impl ToString, name: &str) -> (i32, String, String) {
    let policy = example(example_file);
    run(&["load", policy.to_str().unwrap(), "--pid", &pid.to_string(), "--name", name])
}

/// Loads examples/EXAMPLE onto PID under a fresh name, which must succeed: the name, its
/// detach guard and the load's stdout.
fn load_fresh(tag: &str, example_file: &str, pid: impl ToString) -> (String, Named, String) {
    let (name, guard) = fresh_name(tag);
    let (code, out, err) = load_named(example_file, pid, &name);
    assert_eq!(code, 0, "{out}{err}");
    (name, guard, out)
}

/// Sends one datagram and returns (socket index, tag) of the reply.
fn probe(client: &UdpSocket, to: SocketAddr, payload: &[u8]) -> Option<(u32, String)> {
    client.send_to(payload, to).expect("send");
    let mut buf = [0u8; 128];
    loop {
        match client.recv_from(&mut buf) {
            Ok((n, _)) => {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                let mut sock = None;
                let mut tag = String::new();
                for w in text.split_whitespace() {
                    if let Some(v) = w.strip_prefix("sock=") {
                        sock = v.parse().ok();
                    }
                    if let Some(v) = w.strip_prefix("tag=") {
                        tag = v.to_string();
                    }
                }
                return sock.map(|s| (s, tag));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
}

fn client() -> UdpSocket {
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    c
}

fn status_json(name: &str) -> serde_json::Value {
    let (code, out, err) = run(&["status", name, "--json"]);
    assert_eq!(code, 0, "status {name}: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("status --json is JSON");
    v[0].clone()
}

/// The cookie at `index` of generation `gen` in a load's status.
fn cookie_of(status: &serde_json::Value, gen: u64, index: u64) -> u64 {
    status["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["generation"] == gen && s["index"] == index)
        .and_then(|s| s["cookie"].as_u64())
        .unwrap_or_else(|| panic!("no socket {index} of generation {gen}: {status}"))
}

/// A short-header QUIC-like datagram whose connection id starts with `cookie`.
fn quic(cookie: u64) -> Vec<u8> {
    let mut p = vec![0x40];
    p.extend_from_slice(&cookie.to_le_bytes());
    p.extend_from_slice(b"payload");
    p
}

fn state_dir(name: &str) -> PathBuf {
    PathBuf::from("/sys/fs/bpf/rsteer").join(name)
}

fn program_loaded(id: u64) -> bool {
    let (_, out) = sh(&format!("bpftool prog show id {id} 2>&1"));
    out.contains("sk_reuseport")
}

/// The restart by generations (the nginx / udpgrm pattern) with `examples/quic_cookie.rs`:
/// established flows carry their socket's cookie and stay on it after the new process
/// joins; new flows go to the new process after the join; when the old process exits, its
/// flows fall back to the new one. Every datagram is answered: nothing is lost.
#[test]
fn restart_by_generations_keeps_old_flows_and_moves_new_ones() {
    require_kernel!();
    let mut old = Tagged::start(4, 0, "old");
    let (name, _guard, out) = load_fresh("gen", "quic_cookie.rs", old.pid);
    assert!(out.contains(&format!("load `{name}`")), "{out}");
    let status = status_json(&name);
    let old_cookies: Vec<u64> = (0..4).map(|i| cookie_of(&status, 0, i)).collect();
    let to = old.addr();

    // Established flows of the old generation: each names its socket by cookie.
    let c = client();
    for (i, cookie) in old_cookies.iter().enumerate() {
        assert_eq!(probe(&c, to, &quic(*cookie)), Some((i as u32, "old".into())));
    }

    // Stream established and new flows while the new process starts and joins.
    let joined = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let (joined, stop, old_cookies) = (joined.clone(), stop.clone(), old_cookies.clone());
        std::thread::spawn(move || {
            let c = client();
            let (mut sent, mut lost, mut wrong) = (0u64, 0u64, Vec::new());
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let after_join = joined.load(Ordering::Relaxed);
                n += 1;
                let (payload, want_old) = if n.is_multiple_of(2) {
                    let i = (n / 2 % 4) as usize;
                    (quic(old_cookies[i]), Some(i as u32))
                } else {
                    // A new flow: a connection id no socket has.
                    (quic(0xdead_0000_0000 + n), None)
                };
                sent += 1;
                match (probe(&c, to, &payload), want_old) {
                    (None, _) => lost += 1,
                    (Some((s, tag)), Some(i)) if s != i || tag != "old" => {
                        wrong.push(format!("old flow {i} -> {tag} {s}"))
                    }
                    (Some((_, tag)), None) if after_join && tag != "new" => wrong.push(format!("new flow -> {tag}")),
                    _ => {}
                }
            }
            (sent, lost, wrong)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let new = Tagged::start(4, old.port, "new");
    std::thread::sleep(Duration::from_millis(200));
    let (code, out, err) = run(&["join", &name, "--pid", &new.pid.to_string()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("generation 1 has 4 sockets"), "{out}");
    joined.store(true, Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(700));
    stop.store(true, Ordering::Relaxed);
    let (sent, lost, wrong) = sender.join().unwrap();
    assert!(sent > 100, "only {sent} datagrams");
    assert_eq!(lost, 0, "{lost} of {sent} datagrams lost");
    assert!(wrong.is_empty(), "{} of {sent} misrouted: {:?}", wrong.len(), &wrong[..wrong.len().min(5)]);

    // The status shows both generations, the old one only in the cookie map.
    let status = status_json(&name);
    assert_eq!(status["generation"], 1);
    let socks = status["sockets"].as_array().unwrap();
    assert_eq!(socks.len(), 8, "{status}");
    assert!(socks.iter().all(|s| s["alive"] == true), "{status}");
    for s in socks.iter().filter(|s| s["generation"] == 0) {
        assert_eq!(s["maps"], serde_json::json!(["BY_COOKIE"]), "{status}");
    }

    // The old process exits: its sockets show gone, its flows now reach the new process.
    old.stop();
    std::thread::sleep(Duration::from_millis(100));
    let status = status_json(&name);
    let socks = status["sockets"].as_array().unwrap();
    for s in socks {
        assert_eq!(s["alive"], s["generation"] == 1, "{status}");
    }
    assert_eq!(status["state"], "live");
    for cookie in &old_cookies {
        let got = probe(&c, to, &quic(*cookie));
        assert!(matches!(&got, Some((_, t)) if t == "new"), "an old flow after the old process exited: {got:?}");
    }
    let (code, out, err) = run(&["detach", &name]);
    assert_eq!((code, out.trim()), (0, format!("detached load `{name}` and removed its state").as_str()), "{err}");
    assert!(!state_dir(&name).exists());
    drop(new);
}

/// Prefork: two processes with two sockets each, one SockArray of four, ordered by the
/// order of the `--pid` flags; every datagram lands where the policy says.
#[test]
fn prefork_two_processes_share_one_map() {
    require_kernel!();
    let a = Tagged::start(2, 0, "a");
    let b = Tagged::start(2, a.port, "b");
    let (name, _guard) = fresh_name("pre");
    let policy = example("payload_mod.rs");
    let (code, out, err) = run(&[
        "load",
        policy.to_str().unwrap(),
        "--pid",
        &a.pid.to_string(),
        "--pid",
        &b.pid.to_string(),
        "--name",
        &name,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("map SOCKETS holds 4 sockets"), "{out}");
    assert!(out.contains(&format!("of pid {}, {}", a.pid, b.pid)), "{out}");
    let c = client();
    for byte in 0u8..32 {
        let want = match byte % 4 {
            0 => (0, "a"),
            1 => (1, "a"),
            2 => (0, "b"),
            _ => (1, "b"),
        };
        assert_eq!(probe(&c, a.addr(), &[byte, 1]), Some((want.0, want.1.to_string())), "first byte {byte}");
    }
    let status = status_json(&name);
    let pids: Vec<i64> = status["sockets"].as_array().unwrap().iter().map(|s| s["pid"].as_i64().unwrap()).collect();
    assert_eq!(pids, vec![a.pid as i64, a.pid as i64, b.pid as i64, b.pid as i64]);
}

/// `status --json` of a live load has the documented fields; `detach NAME` leaves no pins,
/// no record and no program.
#[test]
fn status_json_of_a_live_load_and_detach_by_name_leaves_no_state() {
    require_kernel!();
    let server = Tagged::start(4, 0, "s");
    let policy = example("payload_mod.rs");
    // The default name: the policy's stem and the port.
    let name = format!("payload_mod-{}", server.port);
    let _guard = Named(name.clone());
    let (code, out, err) = run(&["load", policy.to_str().unwrap(), "--pid", &server.pid.to_string()]);
    assert_eq!(code, 0, "{out}{err}");
    let s = status_json(&name);
    assert_eq!(s["name"], name.as_str());
    assert_eq!(s["state"], "live");
    assert_eq!(s["proto"], "udp");
    assert_eq!(s["address"], "127.0.0.1");
    assert_eq!(s["port"], server.port);
    let id = s["program_id"].as_u64().expect("program_id");
    assert!(program_loaded(id));
    let socks = s["sockets"].as_array().unwrap();
    assert_eq!(socks.len(), 4);
    for (i, sock) in socks.iter().enumerate() {
        assert_eq!(sock["index"], i as u64);
        assert_eq!(sock["pid"], server.pid);
        assert!(sock["fd"].as_u64().is_some() && sock["cookie"].as_u64().is_some());
        assert_eq!(sock["alive"], true);
    }
    // A second load under the same name is refused with a hint.
    let err = exits_with(&["load", policy.to_str().unwrap(), "--pid", &server.pid.to_string()], 2);
    assert!(err.contains(&format!("a load named `{name}` exists already")), "{err}");
    assert!(err.contains("--name") && err.contains(&format!("rsteer detach {name}")), "{err}");

    let (code, out, err) = run(&["detach", &name]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("detached load `{name}` and removed its state"));
    assert!(!state_dir(&name).exists(), "pins left behind");
    std::thread::sleep(Duration::from_millis(100));
    assert!(!program_loaded(id), "program {id} is still loaded");
    let err = exits_with(&["detach", &name], 3);
    assert!(err.contains(&format!("no load named `{name}`")), "{err}");
    let (code, out, _) = run(&["status", "--json"]);
    assert_eq!(code, 0);
    assert!(!out.contains(&name), "{out}");
}

/// A load whose group has gone: status says gone, detach removes the state, says so, exits 0.
#[test]
fn detach_of_a_gone_group_removes_its_state() {
    require_kernel!();
    let mut server = Tagged::start(2, 0, "g");
    let (name, _guard, _) = load_fresh("gone", "payload_mod.rs", server.pid);
    server.stop();
    assert_eq!(status_json(&name)["state"], "gone");
    let (code, out, _) = run(&["status", &name]);
    assert_eq!(code, 0);
    assert!(out.contains("gone (no socket of the group is open)"), "{out}");
    let (code, out, err) = run(&["detach", &name]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("the group of load `{name}` had gone (no socket open); removed its state"));
    assert!(!state_dir(&name).exists());
}

/// Runs `rsteer ARGS` slowed down between taking the sockets and loading, stops `server`
/// meanwhile, and returns the standard error of the refusal (exit 3, asserted).
fn killed_midway(args: &[&str], server: &mut Tagged) -> String {
    let child = rsteer()
        .args(args)
        .env("RSTEER_TEST_PAUSE_MS", "1500")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    server.stop();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(3), "{err}");
    err
}

/// The target exits while `load` runs (between taking its sockets and attaching): a clear
/// error, exit 3, and no pins or record left.
#[test]
fn target_exiting_during_load_leaves_nothing() {
    require_kernel!();
    let mut server = Tagged::start(2, 0, "x");
    let (name, _guard) = fresh_name("exit");
    let policy = example("payload_mod.rs");
    let err = killed_midway(
        &["load", policy.to_str().unwrap(), "--pid", &server.pid.to_string(), "--name", &name],
        &mut server,
    );
    assert!(err.contains(&format!("pid {} exited during the load; nothing was left behind", server.pid)), "{err}");
    assert!(!state_dir(&name).exists(), "state left behind");

    // The same during a join.
    let first = Tagged::start(2, 0, "y");
    exits_with(&["load", policy.to_str().unwrap(), "--pid", &first.pid.to_string(), "--name", &name], 0);
    let before = status_json(&name);
    let mut second = Tagged::start(2, first.port, "z");
    let err = killed_midway(&["join", &name, "--pid", &second.pid.to_string()], &mut second);
    assert!(err.contains(&format!("pid {} exited during the join; nothing was left behind", second.pid)), "{err}");
    let after = status_json(&name);
    assert_eq!(before["sockets"], after["sockets"], "the record changed");
}

/// An unprivileged user: `load`, `join`, `replace` and `detach` are refused with exit 3
/// naming the missing capabilities, and nothing changes; `check`, `compile` and `test` work.
#[test]
fn an_unprivileged_user_is_refused_and_nothing_changes() {
    require_kernel!("setpriv");
    let server = Tagged::start(2, 0, "u");
    let (name, _guard) = fresh_name("priv");
    let policy = example("payload_mod.rs");
    let p = policy.to_str().unwrap();
    exits_with(&["load", p, "--pid", &server.pid.to_string(), "--name", &name], 0);
    let before = status_json(&name);
    let bin = env!("CARGO_BIN_EXE_rsteer");
    let tmp = std::env::temp_dir().join(unique("unpriv.o"));
    let nobody = |args: &[&str]| {
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", bin])
            .args(args)
            .output()
            .unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let pid = server.pid.to_string();
    for args in [
        vec!["load", p, "--pid", &pid, "--name", "other"],
        vec!["join", &name, "--pid", &pid],
        vec!["replace", &name, p],
        vec!["detach", &name],
        vec!["detach", "--pid", &pid],
    ] {
        let (code, err) = nobody(&args);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(
            err.contains("needs CAP_BPF and CAP_NET_ADMIN; this process lacks CAP_BPF and CAP_NET_ADMIN"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(status_json(&name), before, "an unprivileged command changed the load");
    let (code, err) = nobody(&["check", p]);
    assert_eq!(code, 0, "{err}");
    let (code, err) = nobody(&["compile", p, "-o", tmp.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let _ = std::fs::remove_file(&tmp);
    let (code, err) = nobody(&["test", p]);
    assert_eq!(code, 0, "{err}");
}

/// `join` refuses a process whose sockets are not in the load's group, saying which; a
/// damaged record is a clear error (exit 2), never a panic.
#[test]
fn join_refuses_other_groups_and_damaged_records_are_errors() {
    require_kernel!();
    let server = Tagged::start(2, 0, "j");
    let other = Tagged::start(2, 0, "o");
    let (name, _guard, _) = load_fresh("join", "payload_mod.rs", server.pid);
    let err = exits_with(&["join", &name, "--pid", &other.pid.to_string()], 2);
    assert!(
        err.contains(&format!(
            "pid {} cannot join load `{name}`: none of its sockets is in the group udp 127.0.0.1:{}",
            other.pid, server.port
        )),
        "{err}"
    );
    assert!(err.contains(&format!("127.0.0.1:{}", other.port)), "the error lists its groups: {err}");
    let err = exits_with(&["join", "no-such-load", "--pid", &other.pid.to_string()], 3);
    assert!(err.contains("no load named `no-such-load`"), "{err}");

    rsteer_loader::state::write_raw_record(&name, b"{\"version\": 1, \"name\": ").unwrap();
    for args in [vec!["status", &name], vec!["join", &name, "--pid", &server.pid.to_string()]] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(&format!("the record of load `{name}` is damaged: its JSON")), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // The listing shows it as damaged and goes on.
    let (code, out, _) = run(&["status", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let me = v.as_array().unwrap().iter().find(|l| l["name"] == name.as_str()).expect("listed");
    assert_eq!(me["state"], "damaged");
    // Clean up by pid: the group's program and the damaged state go.
    exits_with(&["detach", "--pid", &server.pid.to_string()], 0);
    rsteer_loader::state::remove(&name).unwrap();
}

/// `replace` refuses a socket map of another shape, both shapes in words, and changes
/// nothing; a replace of the same shape keeps the socket maps.
#[test]
fn replace_refuses_a_socket_map_of_another_shape() {
    require_kernel!();
    let server = Tagged::start(4, 0, "r");
    let (name, _guard, _) = load_fresh("shape", "quic_cookie.rs", server.pid);
    let before = status_json(&name);
    // The same policy with 8 workers: its BY_INDEX has 8 entries where the live one has 4.
    let policy = example("quic_cookie.rs");
    let err = exits_with(&["replace", &name, policy.to_str().unwrap(), "--const", "WORKERS=8"], 2);
    assert!(
        err.contains(
            "socket map `BY_INDEX` cannot be taken over: the live one is a SockMap with 4-byte keys (a u32 index), 8-byte values and 4 entries, the new policy's is a SockMap with 4-byte keys (a u32 index), 8-byte values and 8 entries"
        ),
        "{err}"
    );
    assert_eq!(status_json(&name), before);
    let (code, out, err) = run(&["replace", &name, example("quic_cookie.rs").to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("kept (live, same name and shape): BY_COOKIE, BY_INDEX"), "{out}");
    let after = status_json(&name);
    assert_ne!(after["program_id"], before["program_id"]);
    assert_eq!(after["sockets"], before["sockets"]);
}

/// 100 named replaces (two policies in turn) under at least 200,000 datagrams to an
/// 8-socket group: nothing lost, every socket keeps its index, and an operator table entry
/// set before the swaps still steers after them.
#[test]
fn a_hundred_named_replaces_under_load() {
    require_kernel!();
    let server = Tagged::start(8, 0, "h");
    let (name, _guard) = fresh_name("hundred");
    let a = root().join("tests/data/lifecycle/table_a.rs");
    let b = root().join("tests/data/lifecycle/table_b.rs");
    let pid = server.pid.to_string();
    exits_with(&["load", a.to_str().unwrap(), "--pid", &pid, "--name", &name], 0);
    // The operator's table: this client goes to socket 5 whatever its first byte.
    let pinned = client();
    let pinned_port = pinned.local_addr().unwrap().port().to_string();
    exits_with(&["map", "--pid", &pid, "set", "OVERRIDES", &pinned_port, "5"], 0);
    let to = server.addr();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let senders: Vec<_> = (0..2)
        .map(|t| {
            let (stop, sent) = (stop.clone(), sent.clone());
            let pinned = if t == 0 { Some(pinned.try_clone().unwrap()) } else { None };
            std::thread::spawn(move || {
                let c = pinned.unwrap_or_else(client);
                let (mut lost, mut wrong, mut n) = (0u64, Vec::new(), 0u32);
                while !stop.load(Ordering::Relaxed) {
                    n = n.wrapping_add(1);
                    let byte = (n % 251) as u8;
                    let want = if t == 0 { 5 } else { byte as u32 % 8 };
                    sent.fetch_add(1, Ordering::Relaxed);
                    match probe(&c, to, &[byte, 7, 7]) {
                        None => lost += 1,
                        Some((s, _)) if s != want => wrong.push((byte, s)),
                        _ => {}
                    }
                }
                (lost, wrong)
            })
        })
        .collect();
    let started = Instant::now();
    for round in 0..100 {
        let policy = if round % 2 == 0 { &b } else { &a };
        let (code, out, err) = run(&["replace", &name, policy.to_str().unwrap()]);
        assert_eq!(code, 0, "replace {round}: {out}{err}");
        assert!(out.contains("kept (live, same name and shape): OVERRIDES, SOCKETS"), "{out}");
    }
    while sent.load(Ordering::Relaxed) < 200_000 && started.elapsed() < Duration::from_secs(240) {
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    let total = sent.load(Ordering::Relaxed);
    for s in senders {
        let (lost, wrong) = s.join().unwrap();
        assert_eq!(lost, 0, "{lost} datagrams lost");
        assert!(wrong.is_empty(), "{} misrouted, e.g. {:?}", wrong.len(), &wrong[..wrong.len().min(5)]);
    }
    assert!(total >= 200_000, "only {total} datagrams in {:?}", started.elapsed());
    let s = status_json(&name);
    let socks = s["sockets"].as_array().unwrap();
    assert_eq!(socks.len(), 8);
    for (i, sock) in socks.iter().enumerate() {
        assert_eq!(sock["index"], i as u64);
        assert_eq!(sock["maps"], serde_json::json!(["SOCKETS"]), "{s}");
    }
    eprintln!("{total} datagrams across 100 named replaces in {:?}", started.elapsed());
}

/// `doctor --json` reports every check with a fix for each failure.
#[test]
fn doctor_reports_the_machine() {
    let (code, out, err) = run(&["doctor", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("doctor --json");
    let names: Vec<&str> = v["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    for want in
        ["kernel", "bpffs", "cap_bpf", "cap_net_admin", "cap_sys_ptrace", "ptrace_scope", "jit", "select_or_migrate"]
    {
        assert!(names.contains(&want), "no `{want}` check: {names:?}");
    }
    for c in v["checks"].as_array().unwrap() {
        assert_eq!(c["ok"] == false, c["fix"].is_string(), "{c}");
    }
}

/// Debian's nginx, two workers with `reuseport`, through a named load on the master: the
/// client's source port picks the worker, and still does after `nginx -s reload` and after
/// a binary upgrade (`USR2`, then `join` of the new master, then `QUIT` to the old one).
#[test]
fn nginx_steers_by_client_port_through_reload_and_binary_upgrade() {
    require_kernel!("nginx");
    let dir = TempDir::new("nginx");
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let d = dir.path().display().to_string();
    let conf = nginx_conf(&d, port);
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    // The full path: a binary upgrade executes argv[0] again, without a PATH search.
    let (_, bin) = sh("command -v nginx");
    let bin = bin.trim().to_string();
    let nginx = |extra: &[&str]| {
        let out = Command::new(&bin).args(["-p", &d, "-c", conf_path.to_str().unwrap()]).args(extra).output().unwrap();
        assert!(out.status.success(), "nginx {extra:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let master_of = |file: &str| -> i32 {
        let path = dir.path().join(file);
        for _ in 0..100 {
            if let Some(pid) = std::fs::read_to_string(&path).ok().and_then(|t| t.trim().parse().ok()) {
                return pid;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("no {}", path.display());
    };
    nginx(&[]);
    let master = master_of("nginx.pid");
    // Stop every nginx this test started, whatever happens.
    struct Stop(PathBuf);
    impl Drop for Stop {
        fn drop(&mut self) {
            for f in ["nginx.pid", "nginx.pid.oldbin"] {
                if let Some(pid) =
                    std::fs::read_to_string(self.0.join(f)).ok().and_then(|t| t.trim().parse::<i32>().ok())
                {
                    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
                }
            }
        }
    }
    let _stop = Stop(dir.path().to_path_buf());
    let (name, _guard) = fresh_name("nginx");
    let policy = example("src_port_mod.rs");
    let (code, out, err) =
        run(&["load", policy.to_str().unwrap(), "--const", "WORKERS=2", "--pid", &master.to_string(), "--name", &name]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("map SOCKETS holds 2 sockets"), "{out}");

    // Which worker answers each source-port parity: one worker per parity, two workers.
    let workers_by_parity = || -> [String; 2] {
        let mut seen: [std::collections::BTreeSet<String>; 2] = Default::default();
        // Consecutive source ports (the kernel's own choice for bind(0) favours one parity).
        let base = 20_000 + (std::process::id() % 20_000) as u16 + (rand_ish() % 8000) as u16;
        for i in 0..24u16 {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            s.set_reuse_address(true).unwrap();
            if s.bind(&SocketAddr::from(([127, 0, 0, 1], base + i)).into()).is_err() {
                continue;
            }
            let client_port = base + i;
            s.connect(&SocketAddr::from(([127, 0, 0, 1], port)).into()).unwrap();
            let mut s = std::net::TcpStream::from(s);
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            use std::io::{Read, Write};
            s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
            let mut text = String::new();
            let _ = s.read_to_string(&mut text);
            let worker = text
                .lines()
                .find_map(|l| l.strip_prefix("X-Worker: "))
                .unwrap_or_else(|| panic!("no X-Worker header: {text:?}"))
                .trim()
                .to_string();
            seen[(client_port % 2) as usize].insert(worker);
        }
        assert!(seen.iter().all(|s| s.len() == 1), "a parity reached several workers: {seen:?}");
        let w = [seen[0].iter().next().unwrap().clone(), seen[1].iter().next().unwrap().clone()];
        assert_ne!(w[0], w[1], "both parities reached one worker");
        w
    };
    let first = workers_by_parity();

    // A reload: new workers on the master's same sockets; the load is untouched.
    nginx(&["-s", "reload"]);
    std::thread::sleep(Duration::from_millis(800));
    let reloaded = workers_by_parity();
    assert!(reloaded.iter().all(|w| !first.contains(w)), "the workers did not change: {first:?} {reloaded:?}");
    assert_eq!(status_json(&name)["state"], "live");

    // A binary upgrade: the new master inherits the sockets and joins; the old one quits.
    let _ = std::fs::remove_file(dir.path().join("nginx.pid.oldbin"));
    assert!(Command::new("kill").args(["-USR2", &master.to_string()]).status().unwrap().success());
    let _ = master_of("nginx.pid.oldbin");
    let mut new_master = master;
    for _ in 0..100 {
        new_master = master_of("nginx.pid");
        if new_master != master {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_ne!(new_master, master, "no new master");
    std::thread::sleep(Duration::from_millis(300));
    let (code, out, err) = run(&["join", &name, "--pid", &new_master.to_string()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("generation 1 has 2 sockets"), "{out}");
    assert!(Command::new("kill").args(["-QUIT", &master.to_string()]).status().unwrap().success());
    std::thread::sleep(Duration::from_millis(800));
    let upgraded = workers_by_parity();
    assert!(upgraded.iter().all(|w| !reloaded.contains(w)), "{reloaded:?} {upgraded:?}");
    let s = status_json(&name);
    assert_eq!(s["pids"], serde_json::json!([master, new_master]));
    exits_with(&["detach", &name], 0);
}

/// A number that differs between calls, for spreading ports.
fn rand_ish() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}

/// A worker socket closes while steering: its entry vanishes, its traffic takes the
/// fallback (the kernel's hash among the sockets left), and `status` shows it gone. The
/// sockets here are this test process's own.
#[test]
fn a_closed_worker_socket_shows_gone_and_its_traffic_falls_back() {
    require_kernel!();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut sockets: Vec<Option<UdpSocket>> = (0..4)
        .map(|_| {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
            s.set_reuse_port(true).unwrap();
            s.bind(&addr.into()).unwrap();
            addr = s.local_addr().unwrap().as_socket().unwrap();
            s.set_nonblocking(true).unwrap();
            Some(UdpSocket::from(s))
        })
        .collect();
    let (name, _guard) = fresh_name("close");
    let me = std::process::id().to_string();
    let policy = example("payload_mod.rs");
    let (code, out, err) =
        run(&["load", policy.to_str().unwrap(), "--pid", &me, "--port", &addr.port().to_string(), "--name", &name]);
    assert_eq!(code, 0, "{out}{err}");
    let lands = |sockets: &[Option<UdpSocket>], byte: u8| -> Option<usize> {
        let c = UdpSocket::bind("127.0.0.1:0").unwrap();
        c.send_to(&[byte], addr).unwrap();
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut buf = [0u8; 16];
        while Instant::now() < deadline {
            for (i, s) in sockets.iter().enumerate() {
                if s.as_ref().is_some_and(|s| s.recv_from(&mut buf).is_ok()) {
                    return Some(i);
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        None
    };
    for byte in 0..8u8 {
        assert_eq!(lands(&sockets, byte), Some(byte as usize % 4));
    }
    sockets[2] = None; // closes it
    std::thread::sleep(Duration::from_millis(50));
    for byte in [2u8, 6, 10, 14] {
        let got = lands(&sockets, byte);
        assert!(matches!(got, Some(0 | 1 | 3)), "byte {byte} after socket 2 closed: {got:?}");
    }
    assert_eq!(lands(&sockets, 1), Some(1));
    let s = status_json(&name);
    let alive: Vec<bool> = s["sockets"].as_array().unwrap().iter().map(|x| x["alive"].as_bool().unwrap()).collect();
    assert_eq!(alive, vec![true, true, false, true], "{s}");
    assert_eq!(s["sockets"][2]["maps"], serde_json::json!([]), "{s}");
    let (code, out, _) = run(&["status", &name]);
    assert_eq!(code, 0);
    assert!(out.lines().filter(|l| l.contains(" gone ")).count() == 1, "{out}");
    exits_with(&["detach", &name], 0);
}

fn netstat(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/net/netstat").unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("TcpExt:")).collect();
    if lines.len() < 2 {
        return 0;
    }
    let names: Vec<&str> = lines[0].split_whitespace().collect();
    let values: Vec<&str> = lines[1].split_whitespace().collect();
    names.iter().position(|n| *n == field).and_then(|i| values.get(i)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// A TCP restart with migration: the old listeners (this test's own, which never accept)
/// hold established connections in their queues when the new process joins; then they
/// close, and the `#[steer(migrate)]` policy moves every pending connection to the new
/// generation: none is reset, every client is answered by the new process.
#[test]
fn tcp_restart_migrates_pending_connections() {
    require_kernel!();
    let (old, addr) = reuseport_listeners(2);
    let (name, _guard) = fresh_name("migrate");
    let policy = root().join("tests/data/lifecycle/migrate.rs");
    let me = std::process::id().to_string();
    let (code, out, err) =
        run(&["load", policy.to_str().unwrap(), "--pid", &me, "--port", &addr.port().to_string(), "--name", &name]);
    assert_eq!(code, 0, "{out}{err}");
    // Connections complete their handshake and wait in the old listeners' queues.
    let clients: Vec<std::net::TcpStream> =
        (0..8).map(|_| std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let (success, failure) = (netstat("TCPMigrateReqSuccess"), netstat("TCPMigrateReqFailure"));

    // The new process: two listeners that accept and answer `sock=N`.
    let (mut new, ready, reader) = spawn_ready(Command::new(env!("CARGO_BIN_EXE_rsteer-testserver")).args([
        "--proto",
        "tcp",
        "--sockets",
        "2",
        "--port",
        &addr.port().to_string(),
        "--duration-secs",
        "60",
    ]));
    std::thread::spawn(move || for _ in reader.lines().map_while(Result::ok) {});
    let new_pid = ready_field(&ready, "pid");
    let (code, out, err) = run(&["join", &name, "--pid", new_pid]);
    assert_eq!(code, 0, "{out}{err}");

    drop(old); // the old generation closes its listeners with 8 connections pending
    let mut answered = 0;
    for mut c in clients {
        use std::io::Read;
        c.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut text = String::new();
        match c.read_to_string(&mut text) {
            Ok(_) if text.starts_with("sock=") => answered += 1,
            other => panic!("a pending connection was not migrated: {other:?} {text:?}"),
        }
    }
    assert_eq!(answered, 8);
    assert!(netstat("TCPMigrateReqSuccess") >= success + 8, "TCPMigrateReqSuccess did not count 8 migrations");
    assert_eq!(netstat("TCPMigrateReqFailure"), failure, "a migration failed");
    let _ = run(&["detach", &name]);
    let _ = new.kill();
    let _ = new.wait();
}

/// A process in another network namespace binds the same address and port: its sockets are
/// in another group, where the program does not run, and `join` refuses it, saying so.
#[test]
fn join_refuses_a_process_of_another_network_namespace() {
    require_kernel!("unshare", "ip");
    let server = Tagged::start(2, 0, "n");
    let (name, _guard, _) = load_fresh("netns", "payload_mod.rs", server.pid);
    let script = format!(
        "ip link set lo up && exec {} --proto udp --sockets 2 --port {} --duration-secs 60",
        env!("CARGO_BIN_EXE_rsteer-testserver"),
        server.port
    );
    let (mut other, ready, _) = spawn_ready(Command::new("unshare").args(["-n", "sh", "-c", &script]));
    let pid = ready_field(&ready, "pid");
    let (code, _, err) = run(&["join", &name, "--pid", pid]);
    let _ = other.kill();
    let _ = other.wait();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("pid {pid} cannot join load `{name}`: it is in network namespace net:[")), "{err}");
    assert!(err.contains("the load's group in net:["), "{err}");
}

/// The book documents every lifecycle verb and every field of the stable `status --json`.
#[test]
fn the_book_documents_the_lifecycle() {
    let page = |p: &str| std::fs::read_to_string(root().join("book/src").join(p)).unwrap();
    let cli = page("cli.md");
    for verb in ["join", "replace", "status", "doctor", "detach <NAME>"] {
        assert!(cli.contains(&format!("rsteer {verb}")), "book/src/cli.md lacks `rsteer {verb}`");
    }
    let ops = page("operating.md");
    for field in ["`name`", "`program_id`", "`proto`", "`address`", "`port`", "`sockets`", "`state`", "`generation`"] {
        assert!(ops.contains(field), "book/src/operating.md does not document {field}");
    }
    for f in ["index", "pid", "fd", "cookie", "alive"] {
        assert!(ops.contains(&format!("{f},")) || ops.contains(&format!("{f}}}")), "socket field {f}");
    }
    let summary = page("SUMMARY.md");
    assert!(summary.contains("(restarting.md)") && summary.contains("(operating.md)"));
}
