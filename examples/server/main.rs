//! A UDP server that steers its own sockets with an embedded policy: no policy file, no
//! `rsteer` binary, no `pidfd_getfd`. It compiles the policy at start-up, binds N reuseport
//! sockets, loads the program onto them through `rsteer_loader`, and answers each datagram
//! with the index of the socket that received it.
//!
//! ```text
//! cargo run --example steering_server -- 4 0      # 4 sockets, a free port
//! ```
//!
//! It prints `READY port=PORT`, serves until standard input closes, then detaches.

use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsFd;

use socket2::{Domain, Socket, Type};

/// The policy: the first payload byte picks the socket; an empty datagram goes by the
/// kernel's hash. `WORKERS` is set from the command line with a constant override.
const POLICY: &str = r#"
const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<64>;

#[steer]
fn by_first_byte(pkt: Packet) -> Verdict {
    select(SOCKETS, pkt.payload.u8(0)? as u32 % WORKERS)
}
"#;

/// Compiles the embedded policy for `workers` sockets through rsteer's compile facade: no
/// files, no toolchain, only the library.
fn compile(workers: usize) -> Result<Vec<u8>, String> {
    let source = rsteer::build::PolicySource::text("embedded.rs", POLICY);
    let options = rsteer::build::BuildOptions {
        consts: vec![("WORKERS".to_string(), workers.to_string())],
        ..Default::default()
    };
    match rsteer::build::compile_policy(&source, &options) {
        Ok(built) => Ok(built.object().to_vec()),
        Err(failed) => Err(failed.render_plain()),
    }
}

fn bind(workers: usize, port: u16) -> std::io::Result<Vec<UdpSocket>> {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut out = Vec::new();
    for _ in 0..workers {
        let s = Socket::new(Domain::IPV4, Type::DGRAM, None)?;
        s.set_reuse_port(true)?;
        s.bind(&addr.into())?;
        addr = s.local_addr()?.as_socket().expect("an IPv4 address");
        out.push(UdpSocket::from(s));
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let workers: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(4);
    let port: u16 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(0);

    let object = compile(workers)?;
    let sockets = bind(workers, port)?;
    let fds: Vec<_> = sockets.iter().map(|s| s.as_fd()).collect();
    let group = rsteer_loader::lifecycle::own_group(&fds)?;
    let loaded = rsteer_loader::load(&object, &group, &rsteer_loader::LoadOptions::default())?;
    eprintln!("steering_server: program {} on {} ({} sockets)", loaded.program_id, group.local, workers);

    for (index, socket) in sockets.iter().enumerate() {
        let socket = socket.try_clone()?;
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while let Ok((_, from)) = socket.recv_from(&mut buf) {
                let _ = socket.send_to(format!("sock={index}").as_bytes(), from);
            }
        });
    }
    println!("READY port={}", group.local.port());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    rsteer_loader::detach(&group)?;
    Ok(())
}
