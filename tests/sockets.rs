//! `rsteer sockets --pid MASTER` tells which worker polls which socket: Debian's nginx with
//! two workers and `reuseport`; each socket is polled by one worker, and the worker a client
//! reaches through index i (by source-port parity, with `src_port_mod.rs` loaded) is the one
//! `sockets` names for index i.

#[macro_use]
mod common;

use common::*;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

/// nginx under `dir` with two workers on 127.0.0.1:`port` (reuseport); TERM on drop.
struct Nginx {
    dir: TempDir,
    master: i32,
}

impl Nginx {
    fn start(port: u16) -> Nginx {
        let dir = TempDir::new("nginx_sockets");
        let d = dir.path().display().to_string();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        let conf = nginx_conf(&d, port);
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let out = Command::new("nginx").args(["-p", &d, "-c", conf_path.to_str().unwrap()]).output().unwrap();
        assert!(out.status.success(), "nginx: {}", String::from_utf8_lossy(&out.stderr));
        let pid_file = dir.path().join("nginx.pid");
        let mut master = 0;
        for _ in 0..100 {
            if let Some(p) = std::fs::read_to_string(&pid_file).ok().and_then(|t| t.trim().parse().ok()) {
                master = p;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(master > 0, "no nginx.pid");
        Nginx { dir, master }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = rsteer().args(["detach", "--pid", &self.master.to_string()]).output();
        let _ = Command::new("kill").args(["-TERM", &self.master.to_string()]).status();
        let _ = &self.dir;
    }
}

/// The worker (its pid, from the X-Worker header) that answers a client bound to `client_port`.
fn worker_for(port: u16, client_port: u16) -> Option<i32> {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.set_reuse_address(true).unwrap();
    s.bind(&SocketAddr::from(([127, 0, 0, 1], client_port)).into()).ok()?;
    s.connect(&SocketAddr::from(([127, 0, 0, 1], port)).into()).ok()?;
    let mut s = std::net::TcpStream::from(s);
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.lines().find_map(|l| l.strip_prefix("X-Worker: ")).and_then(|w| w.trim().parse().ok())
}

#[test]
fn sockets_names_the_worker_that_polls_each_index() {
    require_kernel!("nginx");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nginx = Nginx::start(port);
    let master = nginx.master.to_string();
    // The workers start polling once they run.
    let mut groups = serde_json::Value::Null;
    for _ in 0..50 {
        let (code, out, err) = run(&["sockets", "--pid", &master, "--json"]);
        assert_eq!(code, 0, "{err}");
        groups = serde_json::from_str(&out).unwrap();
        if groups[0]["sockets"].as_array().unwrap().iter().all(|s| s["polled_by"].as_array().unwrap().len() == 1) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let sockets = groups[0]["sockets"].as_array().unwrap().clone();
    assert_eq!(sockets.len(), 2, "{groups}");
    let owner: Vec<i32> = sockets
        .iter()
        .map(|s| {
            let by = s["polled_by"].as_array().unwrap();
            assert_eq!(by.len(), 1, "one worker polls each socket: {groups}");
            by[0].as_i64().unwrap() as i32
        })
        .collect();
    assert_ne!(owner[0], owner[1], "{groups}");
    for w in &owner {
        let stat = std::fs::read_to_string(format!("/proc/{w}/stat")).unwrap();
        let ppid = stat[stat.rfind(')').unwrap() + 1..].split_whitespace().nth(1).unwrap().to_string();
        assert_eq!(ppid, master, "pid {w} is a worker of the master");
    }
    let (_, human, _) = run(&["sockets", "--pid", &master]);
    assert!(human.contains("polled by") && human.contains(&owner[0].to_string()), "{human}");

    // Index i by source-port parity: the worker that answers is the one `sockets` names.
    let name = unique("sockets").replace('_', "-");
    let policy = example("src_port_mod.rs");
    let (code, _, err) =
        run(&["load", policy.to_str().unwrap(), "--const", "WORKERS=2", "--pid", &master, "--name", &name]);
    assert_eq!(code, 0, "{err}");
    let base = 30_000 + (std::process::id() % 15_000) as u16;
    let mut checked = 0;
    for i in 0..12u16 {
        let client = base + i;
        if let Some(w) = worker_for(port, client) {
            assert_eq!(w, owner[(client % 2) as usize], "client port {client}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} clients could connect");
    let _ = run(&["detach", &name]);
}
