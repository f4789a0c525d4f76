//! rsteer-loader against the real kernel: a Python server that is not part of
//! the project opens the SO_REUSEPORT sockets, a C fixture compiled with clang
//! at test time is the SK_REUSEPORT program, and real datagrams and
//! connections on loopback show where the kernel steered them.
//!
//! Needs root (CAP_BPF, CAP_NET_ADMIN), bpffs, clang and python3; otherwise each
//! test reports itself skipped (tests/common/skip.rs). Every test uses its own server on fresh ports, so
//! the tests run in parallel; killing the server closes its sockets, which
//! destroys the group and frees the program, so nothing is left behind.

use std::{
    io::{BufRead, BufReader, Read},
    net::{SocketAddr, TcpStream, UdpSocket},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

#[macro_use]
#[path = "../../tests/common/skip.rs"]
mod skip;
use skip::kernel_ready;

use rsteer_loader::{detach, discover, load, select_group, ErrorKind, LoadError, LoadOptions, Protocol, SocketMapKind};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Compiles the C fixture with the given `-D` definitions and returns the ELF.
fn compile(defines: &[&str]) -> Vec<u8> {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "rsteer-loader-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("select_by_byte.o");
    let mut cmd = Command::new("clang");
    cmd.args(["-O2", "-g", "-target", "bpf", "-c"]);
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    let result = cmd.arg(fixtures().join("select_by_byte.c")).arg("-o").arg(&out).output().unwrap();
    assert!(result.status.success(), "clang failed: {}", String::from_utf8_lossy(&result.stderr));
    let bytes = std::fs::read(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    bytes
}

/// The Python server; dropping it closes its stdin and kills it.
struct Server {
    child: Child,
    pid: i32,
    ports: Vec<u16>,
}

impl Server {
    fn start(specs: &[&str]) -> Server {
        let mut child = Command::new("python3")
            .arg(fixtures().join("reuseport_server.py"))
            .args(specs)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let mut words = line.split_whitespace();
        assert_eq!(words.next(), Some("READY"), "server said {line:?}");
        let pid = words.next().unwrap().parse().unwrap();
        let ports = words.map(|w| w.parse().unwrap()).collect();
        Server { child, pid, ports }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one datagram from a fresh unconnected socket and returns the index
/// of the server socket that answered.
fn udp_which(port: u16, payload: &[u8]) -> usize {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    client.send_to(payload, ("127.0.0.1", port)).unwrap();
    let mut buf = [0u8; 64];
    let (n, _) = client.recv_from(&mut buf).expect("no reply from the server");
    parse_sock(&buf[..n])
}

fn tcp_which(port: u16) -> usize {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut buf = Vec::new();
    conn.read_to_end(&mut buf).unwrap();
    parse_sock(buf.trim_ascii())
}

fn parse_sock(reply: &[u8]) -> usize {
    let text = std::str::from_utf8(reply).unwrap();
    text.strip_prefix("sock=").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("unexpected reply {text:?}"))
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[test]
fn udp_discover_load_steer_refuse_detach_reload() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["udp:4"]);
    let port = server.ports[0];

    let groups = discover(server.pid).unwrap();
    assert_eq!(groups.len(), 1);
    let group = select_group(groups, None, None).unwrap();
    assert_eq!(group.protocol, Protocol::Udp);
    assert_eq!(group.local, local(port));
    assert_eq!(group.sockets.len(), 4);
    assert!(group.sockets.windows(2).all(|w| w[0].target_fd < w[1].target_fd));
    assert!(group.sockets.iter().all(|s| s.pid == server.pid && s.cookie != 0));

    let object = compile(&["NUM_SOCKETS=4"]);
    let loaded = load(&object, &group, &LoadOptions::default()).unwrap();
    assert!(loaded.program_id > 0);
    assert_eq!(loaded.map_name, "SOCKETS");
    assert_eq!(loaded.program_name, "select_by_byte");
    assert_eq!(loaded.map_kind, SocketMapKind::SockArray);
    assert_eq!(loaded.rows.len(), 4);
    for (i, (row, socket)) in loaded.rows.iter().zip(&group.sockets).enumerate() {
        assert_eq!(row.index as usize, i);
        assert_eq!(row.cookie, socket.cookie, "map index {i} holds the wrong socket");
        assert_eq!(row.target_fd, socket.target_fd);
        assert_eq!(row.pid, server.pid);
        assert_eq!(row.local, local(port));
    }

    // Real traffic: first byte k goes to socket k % 4.
    for k in 0..16u8 {
        assert_eq!(udp_which(port, &[k, 0xAA]), k as usize % 4, "first byte {k}");
    }

    // A second load while attached is refused, naming the live program.
    let err = load(&object, &group, &LoadOptions::default()).unwrap_err();
    match &err {
        LoadError::AlreadyAttached { program_id, .. } => {
            assert_eq!(*program_id, Some(loaded.program_id))
        }
        other => panic!("expected AlreadyAttached, got {other}"),
    }
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert!(err.hint().unwrap().contains("detach"), "{:?}", err.hint());
    // Steering still works: the refused load changed nothing.
    assert_eq!(udp_which(port, &[7]), 3);

    detach(&group).unwrap();
    let err = detach(&group).unwrap_err();
    assert!(matches!(err, LoadError::NothingAttached { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::NotFound);

    // Loading right after a detach works (the old sockarray frees under RCU).
    let again = load(&object, &group, &LoadOptions::default()).unwrap();
    assert_ne!(again.program_id, loaded.program_id);
    let cookies: Vec<u64> = again.rows.iter().map(|r| r.cookie).collect();
    let expected: Vec<u64> = group.sockets.iter().map(|s| s.cookie).collect();
    assert_eq!(cookies, expected);
    for k in [1u8, 2, 3, 4, 5] {
        assert_eq!(udp_which(port, &[k]), k as usize % 4);
    }
    detach(&group).unwrap();
}

#[test]
fn repeated_detach_and_load_cycles() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["udp:2"]);
    let group = select_group(discover(server.pid).unwrap(), None, None).unwrap();
    let object = compile(&["NUM_SOCKETS=2"]);
    for _ in 0..5 {
        load(&object, &group, &LoadOptions::default()).unwrap();
        assert_eq!(udp_which(server.ports[0], &[1]), 1);
        detach(&group).unwrap();
    }
}

#[test]
fn sockhash_keyed_by_cookie() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["udp:3"]);
    let port = server.ports[0];
    let group = select_group(discover(server.pid).unwrap(), Some(port), None).unwrap();
    let object = compile(&["USE_SOCKHASH"]);
    let loaded = load(&object, &group, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.map_kind, SocketMapKind::SockHash);
    let cookies: Vec<u64> = loaded.rows.iter().map(|r| r.cookie).collect();
    let expected: Vec<u64> = group.sockets.iter().map(|s| s.cookie).collect();
    assert_eq!(cookies, expected);
    // The first 8 payload bytes name the socket by its cookie.
    for (j, socket) in group.sockets.iter().enumerate().rev() {
        assert_eq!(udp_which(port, &socket.cookie.to_ne_bytes()), j);
    }
    detach(&group).unwrap();
}

#[test]
fn tcp_listeners() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["tcp:3"]);
    let port = server.ports[0];
    let groups = discover(server.pid).unwrap();
    let group = select_group(groups, Some(port), Some(Protocol::Tcp)).unwrap();
    assert_eq!(group.sockets.len(), 3);
    let object = compile(&["NUM_SOCKETS=3", "TCP_INDEX=2"]);
    let loaded = load(&object, &group, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.rows.len(), 3);
    for _ in 0..6 {
        assert_eq!(tcp_which(port), 2);
    }
    detach(&group).unwrap();
}

#[test]
fn two_sockarrays_are_refused() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["udp:2"]);
    let group = select_group(discover(server.pid).unwrap(), None, None).unwrap();
    let err = load(&compile(&["TWO_ARRAYS"]), &group, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, LoadError::SeveralSockArrays { .. }), "{err}");
    assert!(err.to_string().contains("one sockarray only"), "{err}");
    assert_eq!(err.kind(), ErrorKind::Usage);
    // Nothing was attached.
    assert!(matches!(detach(&group), Err(LoadError::NothingAttached { .. })));
}

#[test]
fn more_sockets_than_entries() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["udp:9"]);
    let group = select_group(discover(server.pid).unwrap(), None, None).unwrap();
    let err = load(&compile(&[]), &group, &LoadOptions::default()).unwrap_err();
    match err {
        LoadError::TooManySockets { max_entries, sockets, .. } => assert_eq!((max_entries, sockets), (8, 9)),
        other => panic!("expected TooManySockets, got {other}"),
    }
}

#[test]
fn unknown_program_and_map_names() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["udp:1"]);
    let group = select_group(discover(server.pid).unwrap(), None, None).unwrap();
    let object = compile(&[]);
    let opts = LoadOptions { program: Some("nope".into()), map: None, replace: false };
    let err = load(&object, &group, &opts).unwrap_err();
    assert!(err.to_string().contains("select_by_byte"), "{err}");
    let opts = LoadOptions { program: None, map: Some("nope".into()), replace: false };
    let err = load(&object, &group, &opts).unwrap_err();
    assert!(err.to_string().contains("SOCKETS"), "{err}");
}

#[test]
fn no_reuseport_socket() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["udpplain:2"]);
    let err = discover(server.pid).unwrap_err();
    assert!(matches!(err, LoadError::NoReuseportSocket { .. }), "{err}");
    assert!(err.to_string().contains(&server.pid.to_string()), "{err}");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn no_such_process() {
    require_kernel!("clang", "python3");
    // Above any pid_max the kernel allows (2^22).
    let pid = 0x7fff_fff0;
    let err = discover(pid).unwrap_err();
    assert!(matches!(err, LoadError::NoSuchProcess { pid: p } if p == pid), "{err}");
    assert!(err.to_string().contains(&pid.to_string()));
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn two_groups_need_a_port() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["udp:2", "udp:3", "tcp:1", "udpplain:1"]);
    let (a, b, t) = (server.ports[0], server.ports[1], server.ports[2]);
    let groups = discover(server.pid).unwrap();
    assert_eq!(groups.len(), 3, "{groups:?}");

    let err = select_group(discover(server.pid).unwrap(), None, None).unwrap_err();
    assert!(matches!(err, LoadError::AmbiguousGroup { .. }), "{err}");
    let text = err.to_string();
    for expected in [
        format!("udp 127.0.0.1:{a} (2 sockets)"),
        format!("udp 127.0.0.1:{b} (3 sockets)"),
        format!("tcp 127.0.0.1:{t} (1 socket)"),
    ] {
        assert!(text.contains(&expected), "{text} lacks {expected}");
    }
    assert!(err.hint().unwrap().contains("--port"));

    let g = select_group(discover(server.pid).unwrap(), Some(b), None).unwrap();
    assert_eq!((g.local.port(), g.sockets.len()), (b, 3));
    let g = select_group(discover(server.pid).unwrap(), None, Some(Protocol::Tcp)).unwrap();
    assert_eq!(g.local.port(), t);
    let err = select_group(discover(server.pid).unwrap(), Some(a), Some(Protocol::Tcp)).unwrap_err();
    assert!(matches!(err, LoadError::NoMatchingGroup { .. }), "{err}");
}

#[test]
fn same_socket_at_two_fds_counts_once() {
    require_kernel!("clang", "python3");
    let server = Server::start(&["udp:2", "dup"]);
    let group = select_group(discover(server.pid).unwrap(), None, None).unwrap();
    assert_eq!(group.sockets.len(), 2);
    // The dup has a higher fd; the socket is kept at its lowest one.
    let fds: Vec<i32> = group.sockets.iter().map(|s| s.target_fd).collect();
    let links: Vec<String> = fds
        .iter()
        .map(|fd| std::fs::read_link(format!("/proc/{}/fd/{fd}", server.pid)).unwrap().to_string_lossy().into_owned())
        .collect();
    assert_ne!(links[0], links[1]);
    assert!(fds[0] < fds[1]);
}

#[test]
fn busy_sockets_are_refused_when_the_scan_cannot_see_them() {
    require_kernel!("clang", "python3");
    // A live program whose sockarray has 4-byte values: its cookies cannot be
    // read back, so only the insert's lasting EBUSY tells that it is there.
    let server = Server::start(&["udp:2"]);
    let port = server.ports[0];
    let group = select_group(discover(server.pid).unwrap(), None, None).unwrap();
    let first = load(&compile(&["NUM_SOCKETS=2", "VALUE32"]), &group, &LoadOptions::default()).unwrap();
    // The cookie column falls back to SO_COOKIE for 4-byte values.
    let cookies: Vec<u64> = first.rows.iter().map(|r| r.cookie).collect();
    let expected: Vec<u64> = group.sockets.iter().map(|s| s.cookie).collect();
    assert_eq!(cookies, expected);
    assert_eq!(udp_which(port, &[1]), 1);

    let err = load(&compile(&["NUM_SOCKETS=2"]), &group, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, LoadError::AlreadyAttached { program_id: None, .. }), "{err}");
    assert!(err.hint().unwrap().contains("detach"));
    // The refused load left the first program in place.
    assert_eq!(udp_which(port, &[0]), 0);
    assert_eq!(udp_which(port, &[3]), 1);
    detach(&group).unwrap();
}

/// The project's own test server (`rsteer-testserver`, a binary of the root
/// package), built on demand into the target dir these tests run from. The
/// root package depends on every crate of the workspace; while one of them
/// does not compile, an existing binary is used, and without one the test
/// that needs it is skipped with the reason.
fn testserver() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/kernel-HASH → target/debug, target
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let target_dir = profile_dir.parent().unwrap();
    let binary = profile_dir.join("rsteer-testserver");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let build = Command::new(cargo)
        .args(["build", "--quiet", "--bin", "rsteer-testserver", "--target-dir"])
        .arg(target_dir)
        .current_dir(workspace)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if build.status.success() || binary.exists() {
        Ok(binary)
    } else {
        Err(format!("rsteer-testserver does not build: {}", String::from_utf8_lossy(&build.stderr)))
    }
}

#[test]
fn rsteer_testserver_over_ipv6() {
    require_kernel!("clang", "python3");
    let server = match testserver() {
        Ok(path) => path,
        Err(reason) => {
            skip::report(&reason);
            return;
        }
    };
    let mut child = Command::new(server)
        .args(["--proto", "udp", "--sockets", "3", "--addr", "::1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let rest = line.trim().strip_prefix("READY pid=").expect(&line);
    let (pid, port) = rest.split_once(" port=").unwrap();
    let (pid, port): (i32, u16) = (pid.parse().unwrap(), port.parse().unwrap());
    assert_eq!(pid as u32, child.id());

    let group = select_group(discover(pid).unwrap(), Some(port), Some(Protocol::Udp)).unwrap();
    assert_eq!(
        group.local,
        "[::1]:0"
            .parse::<SocketAddr>()
            .map(|mut a| {
                a.set_port(port);
                a
            })
            .unwrap()
    );
    load(&compile(&["NUM_SOCKETS=3"]), &group, &LoadOptions::default()).unwrap();

    let client = UdpSocket::bind("[::1]:0").unwrap();
    client.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    for k in 0..6u8 {
        client.send_to(&[k], ("::1", port)).unwrap();
        let mut buf = [0u8; 64];
        let (n, _) = client.recv_from(&mut buf).unwrap();
        assert_eq!(parse_sock(&buf[..n]), k as usize % 3);
        let mut report = String::new();
        out.read_line(&mut report).unwrap();
        assert!(
            report.starts_with(&format!("RECV sock={} len=1 from=", k % 3))
                && report.trim_end().ends_with(&format!("first={k:02x}")),
            "{report:?}"
        );
    }
    detach(&group).unwrap();
    // Closing stdin ends the server cleanly.
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}
