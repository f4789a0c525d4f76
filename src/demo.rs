//! `rsteer demo`: the whole toolchain on one screen.
//!
//! Opens a 4-socket SO_REUSEPORT UDP server on a free loopback port inside this process,
//! compiles the bundled `examples/payload_mod.rs`, loads it onto the group (through the same
//! pid-based discovery `rsteer load --pid` uses), sends datagrams whose first byte names the
//! socket, and prints per socket how many were expected and how many arrived. It detaches
//! and closes everything before it returns.

use crate::report::{Failure, Reporter, EXIT_SYSTEM};
use rsteer::build::{compile_policy, BuildOptions, PolicySource};
use rsteer_loader::{GroupQuery, LoadOptions, Protocol};
use socket2::{Domain, Socket, Type};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const POLICY_NAME: &str = "examples/payload_mod.rs";
const POLICY: &str = include_str!("../examples/payload_mod.rs");
const SOCKETS: usize = 4;

fn sys(message: impl Into<String>) -> Failure {
    Failure::system(message)
}

fn reuseport_socket(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, None)?;
    s.set_reuse_port(true)?;
    s.bind(&addr.into())?;
    s.set_read_timeout(Some(Duration::from_millis(50)))?;
    Ok(s.into())
}

pub fn run(report: &Reporter, count: u32) -> Result<(), Failure> {
    // 1. Compile the bundled policy, from memory.
    let built = report.built(compile_policy(&PolicySource::text(POLICY_NAME, POLICY), &BuildOptions::default()))?;
    report.line(format_args!(
        "compiled {POLICY_NAME}: {} BPF instructions, {} bytes of ELF",
        built.instructions(),
        built.object().len()
    ));

    // 2. The server: SOCKETS sockets on one free port, a receiving thread each.
    let first = reuseport_socket("127.0.0.1:0".parse().expect("literal address"))
        .map_err(|e| sys(format!("cannot open a UDP socket: {e}")))?;
    let addr = first.local_addr().map_err(|e| sys(e.to_string()))?;
    let mut sockets = vec![first];
    for _ in 1..SOCKETS {
        sockets.push(reuseport_socket(addr).map_err(|e| sys(format!("cannot bind {addr}: {e}")))?);
    }
    report.line(format_args!("server: {SOCKETS} SO_REUSEPORT UDP sockets on {addr} (pid {})", std::process::id()));

    // 3. Load through pid-based discovery, exactly as `rsteer load --pid` does.
    let pid = std::process::id() as i32;
    let query = GroupQuery { port: Some(addr.port()), protocol: Some(Protocol::Udp), local: None };
    let group = rsteer_loader::find_group(pid, &query).map_err(|e| sys(e.to_string()))?;
    let loaded = rsteer_loader::load(built.object(), &group, &LoadOptions::default())
        .map_err(|e| Failure::Message { code: EXIT_SYSTEM, message: e.to_string(), hint: e.hint() })?;
    report.line(format_args!(
        "loaded `{}` (prog id {}), map {} filled with {} sockets",
        loaded.program_name,
        loaded.program_id,
        loaded.map_name,
        loaded.rows.len()
    ));

    let counts: Arc<Vec<AtomicU64>> = Arc::new((0..SOCKETS).map(|_| AtomicU64::new(0)).collect());
    let wrong = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for (i, s) in sockets.iter().enumerate() {
        let s = s.try_clone().map_err(|e| sys(e.to_string()))?;
        let (counts, wrong, stop) = (counts.clone(), wrong.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            while !stop.load(Ordering::Relaxed) {
                if let Ok((n, _)) = s.recv_from(&mut buf) {
                    counts[i].fetch_add(1, Ordering::Relaxed);
                    if n == 0 || buf[0] as usize % SOCKETS != i {
                        wrong.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }

    // 4. Traffic from an unconnected client socket: byte k is meant for socket k % 4.
    let client = UdpSocket::bind("127.0.0.1:0").map_err(|e| sys(e.to_string()))?;
    let mut expected = [0u64; SOCKETS];
    for k in 0..count {
        let byte = (k % 251) as u8;
        expected[byte as usize % SOCKETS] += 1;
        client.send_to(&[byte, b'r', b's', b't'], addr).map_err(|e| sys(format!("send: {e}")))?;
        if k % 64 == 63 {
            // Pace the sender so the demo never measures receive-buffer overflow.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let total: u64 = expected.iter().sum();
    let deadline = Instant::now() + Duration::from_secs(3);
    while counts.iter().map(|c| c.load(Ordering::Relaxed)).sum::<u64>() < total && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }

    // 5. Clean up before printing, so nothing stays attached even if printing fails.
    let detached = rsteer_loader::detach(&group);
    drop(group);
    drop(sockets);

    let rows: Vec<[String; 3]> = (0..SOCKETS)
        .map(|i| [i.to_string(), expected[i].to_string(), counts[i].load(Ordering::Relaxed).to_string()])
        .collect();
    report.table(&["socket", "expected", "arrived"], &rows);
    let arrived: u64 = counts.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    let misrouted = wrong.load(Ordering::Relaxed);
    if let Err(e) = detached {
        return Err(sys(format!("could not detach: {e}")));
    }
    if arrived == total && misrouted == 0 {
        report.line(format_args!("all {total} datagrams reached the socket the policy chose; detached and closed"));
        Ok(())
    } else {
        Err(sys(format!("{arrived} of {total} datagrams arrived, {misrouted} at the wrong socket")))
    }
}
