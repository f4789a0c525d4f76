//! rsteer-testserver: a small SO_REUSEPORT server for tests and demos.
//!
//! It binds N reuseport sockets on one address and port, prints
//! `READY pid=<pid> port=<port>`, then reports which socket received each
//! datagram or connection (on stdout, and to the client itself) until stdin
//! closes, the duration ends or SIGTERM arrives.

use std::{
    io::{Read, Write},
    net::{IpAddr, SocketAddr, TcpListener, UdpSocket},
    sync::mpsc,
    time::Duration,
};

use clap::{Parser, ValueEnum};
use nix::sys::signal::{SigSet, Signal};
use socket2::{Domain, Protocol, Socket, Type};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Proto {
    Udp,
    Tcp,
}

/// A test server with N SO_REUSEPORT sockets on one address and port.
#[derive(Debug, Parser)]
#[command(name = "rsteer-testserver")]
struct Args {
    /// Transport protocol.
    #[arg(long, value_enum)]
    proto: Proto,
    /// Number of sockets in the reuseport group.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    sockets: u32,
    /// Port; 0 picks a free one (the first socket binds 0, the rest join it).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Local address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    addr: IpAddr,
    /// Stop after this many seconds (default: until stdin closes or SIGTERM).
    #[arg(long)]
    duration_secs: Option<u64>,
    /// Add `tag=TAG` to every reply, so that a client tells two server processes apart.
    #[arg(long)]
    tag: Option<String>,
}

/// Receive buffer asked for with SO_RCVBUFFORCE, so that a test counting
/// every datagram does not lose any to a full buffer.
const RCVBUF: usize = 4 << 20;

fn open_socket(args: &Args, port: u16) -> std::io::Result<Socket> {
    let addr = SocketAddr::new(args.addr, port);
    let (ty, proto) = match args.proto {
        Proto::Udp => (Type::DGRAM, Protocol::UDP),
        Proto::Tcp => (Type::STREAM, Protocol::TCP),
    };
    let socket = Socket::new(Domain::for_address(addr), ty, Some(proto))?;
    // SO_REUSEPORT must be set before bind(2) to join the group.
    socket.set_reuse_port(true)?;
    if nix::sys::socket::setsockopt(&socket, nix::sys::socket::sockopt::RcvBufForce, &RCVBUF).is_err() {
        // Not root: take what the ordinary limit allows.
        let _ = socket.set_recv_buffer_size(RCVBUF);
    }
    socket.bind(&addr.into())?;
    if args.proto == Proto::Tcp {
        socket.listen(1024)?;
    }
    Ok(socket)
}

fn first_byte_hex(data: &[u8]) -> String {
    data.first().map_or_else(|| "-".to_string(), |b| format!("{b:02x}"))
}

fn serve_udp(index: usize, socket: UdpSocket, tag: Option<String>) {
    let reply = match &tag {
        Some(t) => format!("sock={index} tag={t}"),
        None => format!("sock={index}"),
    };
    let mut buf = vec![0u8; 65536];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                println!("RECV sock={index} len={n} from={from} first={}", first_byte_hex(&buf[..n]));
                // The reply tells the client which socket got its datagram.
                let _ = socket.send_to(reply.as_bytes(), from);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("rsteer-testserver: sock={index}: recv: {e}");
                return;
            }
        }
    }
}

fn serve_tcp(index: usize, listener: TcpListener) {
    loop {
        match listener.accept() {
            Ok((mut conn, from)) => {
                println!("ACCEPT sock={index} from={from}");
                let _ = conn.write_all(format!("sock={index}\n").as_bytes());
                // Dropping `conn` closes the connection.
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("rsteer-testserver: sock={index}: accept: {e}");
                return;
            }
        }
    }
}

fn main() {
    let args = Args::parse();

    // Block SIGTERM in every thread (threads inherit the mask) and wait for it
    // in one of them, so that SIGTERM ends the server with a clean exit.
    let mut term = SigSet::empty();
    term.add(Signal::SIGTERM);
    term.add(Signal::SIGINT);
    if let Err(e) = term.thread_block() {
        eprintln!("rsteer-testserver: cannot block SIGTERM: {e}");
    }

    // Open the sockets in index order so that their fd numbers ascend: the
    // loader orders a group by fd, so map index i is socket i here.
    let mut sockets = Vec::with_capacity(args.sockets as usize);
    let mut port = args.port;
    for i in 0..args.sockets {
        match open_socket(&args, port) {
            Ok(s) => {
                if i == 0 {
                    port = s.local_addr().ok().and_then(|a| a.as_socket()).map_or(port, |a| a.port());
                }
                sockets.push(s);
            }
            Err(e) => {
                eprintln!("rsteer-testserver: socket {i} on {}: {e}", SocketAddr::new(args.addr, port));
                std::process::exit(1);
            }
        }
    }

    let (stop_tx, stop_rx) = mpsc::channel::<&'static str>();
    for (index, socket) in sockets.into_iter().enumerate() {
        match args.proto {
            Proto::Udp => {
                let tag = args.tag.clone();
                std::thread::spawn(move || serve_udp(index, socket.into(), tag));
            }
            Proto::Tcp => {
                std::thread::spawn(move || serve_tcp(index, socket.into()));
            }
        }
    }
    {
        let tx = stop_tx.clone();
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 4096];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => continue,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
            let _ = tx.send("stdin closed");
        });
    }
    {
        let tx = stop_tx.clone();
        std::thread::spawn(move || {
            if let Ok(sig) = term.wait() {
                let _ = tx.send(if sig == Signal::SIGTERM { "SIGTERM" } else { "SIGINT" });
            }
        });
    }
    if let Some(secs) = args.duration_secs {
        let tx = stop_tx.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(secs));
            let _ = tx.send("duration ended");
        });
    }
    drop(stop_tx);

    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "READY pid={} port={port}", std::process::id());
        let _ = out.flush();
    }

    let reason = stop_rx.recv().unwrap_or("no more stop sources");
    eprintln!("rsteer-testserver: stopping: {reason}");
    let _ = std::io::stdout().flush();
    std::process::exit(0);
}
