//! Shared helpers of the whole-toolchain tests: run the CLI, start the test server, send
//! traffic, and clean up pins and programs.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

#[macro_use]
mod skip;
#[allow(unused_imports)]
pub use skip::kernel_ready;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example(name: &str) -> PathBuf {
    root().join("examples").join(name)
}

/// The commands a clap `--help` text lists under `Commands:`, but `help`.
pub fn help_commands(help: &str) -> Vec<&str> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect()
}

pub fn rsteer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rsteer"))
}

/// Runs `rsteer` with `args`; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out: Output = rsteer().args(args).output().expect("rsteer runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `rsteer ARGS...`, which must exit with `code`; returns its standard error.
pub fn exits_with(args: &[&str], code: i32) -> String {
    let (got, _, err) = run(args);
    assert_eq!(got, code, "rsteer {}: {err}", args.join(" "));
    err
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name unique to this test process and call, for pins and temp files.
pub fn unique(tag: &str) -> String {
    format!("rsteer_t{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), tag)
}

/// A temp directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(unique(tag));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A bpffs pin directory of our own, removed (with the programs pinned in it) on drop.
pub struct Pin(pub PathBuf);

impl Pin {
    pub fn new(tag: &str) -> Pin {
        Pin(PathBuf::from("/sys/fs/bpf").join(unique(tag)))
    }
}

impl Drop for Pin {
    fn drop(&mut self) {
        // `bpftool prog loadall` pins a directory, `bpftool prog load` a single file.
        if std::fs::remove_dir_all(&self.0).is_err() {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// Compiles an example to an object in `dir`; panics with the diagnostics on failure.
pub fn compile(policy: &Path, dir: &Path) -> PathBuf {
    let out = dir.join(policy.file_stem().unwrap()).with_extension("o");
    let (code, _, err) = run(&["compile", policy.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "compile {} failed:\n{err}", policy.display());
    out
}

/// `rsteer load POLICY --pid PID ARGS...` must succeed; returns its stdout.
pub fn load(policy: &Path, pid: impl ToString, args: &[&str]) -> String {
    let pid = pid.to_string();
    let mut all = vec!["load", policy.to_str().unwrap(), "--pid", &pid];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "rsteer {}:\n{out}\n{err}", all.join(" "));
    out
}

/// `n` TCP listeners of this process in one reuseport group on a free loopback port
/// (backlog 64), which never accept; and their address.
pub fn reuseport_listeners(n: usize) -> (Vec<std::net::TcpListener>, SocketAddr) {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let listeners = (0..n)
        .map(|_| {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            s.set_reuse_port(true).unwrap();
            s.bind(&addr.into()).unwrap();
            s.listen(64).unwrap();
            addr = s.local_addr().unwrap().as_socket().unwrap();
            s.into()
        })
        .collect();
    (listeners, addr)
}

/// The project's test server, as a child process; killed and reaped on drop.
pub struct Server {
    pub child: Child,
    pub pid: i32,
    pub port: u16,
    stdin: Option<ChildStdin>,
    pub lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    pub fn start(proto: &str, sockets: u32) -> Server {
        Server::start_on(proto, sockets, "127.0.0.1")
    }

    /// A server with the example `name` loaded onto it (`rsteer load examples/NAME --pid
    /// PID ARGS...`, which must succeed).
    pub fn with_example(proto: &str, sockets: u32, name: &str, args: &[&str]) -> Server {
        let server = Server::start(proto, sockets);
        load(&example(name), server.pid, args);
        server
    }

    /// A server bound to `addr` (`127.0.0.1` or `::1`).
    pub fn start_on(proto: &str, sockets: u32, addr: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rsteer-testserver"))
            .args(["--proto", proto, "--sockets", &sockets.to_string(), "--addr", addr, "--duration-secs", "120"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("test server starts");
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        let (pid, port) = read_ready(&mut reader);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Server { child, pid, port, stdin, lines: rx }
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The group keeps its program while a socket lives: detach first (errors ignored:
        // the test may have detached already), then end the server.
        let _ = rsteer().args(["detach", "--pid", &self.pid.to_string()]).output();
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `payload` from an unconnected socket and returns the index of the server socket
/// that answered, or `None` when nothing answered within `wait`.
pub fn udp_probe(client: &UdpSocket, to: SocketAddr, payload: &[u8], wait: Duration) -> Option<u32> {
    udp_probe_split(client, to, payload, None, wait)
}

/// Sends one datagram; with `Some(k)`, in two pieces, the first `k` bytes with `MSG_MORE`
/// (UDP corking). On loopback the corked datagram arrives with only its first piece in the
/// linear part of the skb (`data_end - data` is 8 + k) and the rest in a page fragment, so a
/// policy's reads past it take the `bpf_skb_load_bytes` path.
pub fn send_udp(client: &UdpSocket, to: SocketAddr, payload: &[u8], split: Option<usize>) {
    let Some(k) = split.map(|k| k.min(payload.len())) else {
        client.send_to(payload, to).expect("send");
        return;
    };
    let addr = socket2::SockAddr::from(to);
    let sock = socket2::SockRef::from(client);
    let send = |bytes: &[u8], flags: i32| {
        sock.send_to_with_flags(bytes, &addr, flags).expect("sendto");
    };
    send(&payload[..k], libc::MSG_MORE);
    send(&payload[k..], 0);
}

/// [`udp_probe`] with the datagram sent by [`send_udp`].
pub fn udp_probe_split(
    client: &UdpSocket,
    to: SocketAddr,
    payload: &[u8],
    split: Option<usize>,
    wait: Duration,
) -> Option<u32> {
    client.set_read_timeout(Some(wait)).unwrap();
    send_udp(client, to, payload, split);
    let mut buf = [0u8; 64];
    loop {
        match client.recv_from(&mut buf) {
            Ok((n, _)) => {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                return text.trim().strip_prefix("sock=").and_then(|v| v.parse().ok());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // A drop makes the kernel answer with ICMP port unreachable; an unconnected
            // socket ignores it, so a drop shows up as a timeout.
            Err(_) => return None,
        }
    }
}

/// Connects over TCP and returns the index of the listener that accepted.
pub fn tcp_probe(to: SocketAddr) -> (u16, Option<u32>) {
    let mut s = std::net::TcpStream::connect_timeout(&to, Duration::from_secs(2)).expect("connect");
    let port = s.local_addr().unwrap().port();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    (port, text.trim().strip_prefix("sock=").and_then(|v| v.parse().ok()))
}

/// Runs a shell command and returns (success, stdout + stderr).
pub fn sh(cmd: &str) -> (bool, String) {
    let out = Command::new("sh").arg("-c").arg(cmd).output().expect("sh runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// `loader/tests/fixtures/reuseport_server.py`: a server that is not part of the project,
/// with one reuseport group per spec (`udp:4`, `tcp:2`, `udp6=:4`...); killed on drop.
pub struct ForeignServer {
    child: Child,
    pub pid: String,
    /// One port per group spec, in order.
    pub ports: Vec<u16>,
}

impl ForeignServer {
    pub fn start(specs: &[&str]) -> ForeignServer {
        let script = root().join("loader/tests/fixtures/reuseport_server.py");
        let (child, line, _) = spawn_ready(Command::new("python3").arg(script).args(specs));
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.first(), Some(&"READY"), "{line}");
        let ports = f[2..].iter().map(|p| p.parse().expect("a port")).collect();
        ForeignServer { child, pid: f[1].to_string(), ports }
    }
}

impl Drop for ForeignServer {
    fn drop(&mut self) {
        let _ = rsteer().args(["detach", "--pid", &self.pid]).output();
        for port in &self.ports {
            let _ = rsteer().args(["detach", "--pid", &self.pid, "--port", &port.to_string()]).output();
        }
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns a server with its stdin and stdout piped (stderr dropped) and reads its first line
/// (`READY ...`): the child, that line, and the rest of its stdout.
pub fn spawn_ready(cmd: &mut Command) -> (Child, String, BufReader<ChildStdout>) {
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("the server starts");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).expect("READY line");
    (child, line, reader)
}

/// The value of `KEY=value` in a server's READY line.
pub fn ready_field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key}= in READY line {line:?}"))
}

/// Reads the test server's first line, `READY pid=P port=N ...`, and returns the pid and port.
pub fn read_ready(reader: &mut impl std::io::BufRead) -> (i32, u16) {
    let mut ready = String::new();
    reader.read_line(&mut ready).expect("READY line");
    let field = |k: &str| {
        ready
            .split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_else(|| panic!("bad READY line: {ready:?}"))
    };
    (field("pid") as i32, field("port") as u16)
}

/// An nginx configuration under `dir` with two workers serving 127.0.0.1:`port` with
/// `reuseport`; each answer names its worker in an `X-Worker` header.
pub fn nginx_conf(dir: &str, port: u16) -> String {
    let d = dir;
    format!(
        "worker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log;\nevents {{ worker_connections 64; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
         server {{ listen 127.0.0.1:{port} reuseport;\n location / {{ add_header X-Worker $pid; return 200 \"ok\\n\"; }} }}\n}}\n"
    )
}
