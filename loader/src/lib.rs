//! rsteer-loader: puts a compiled SK_REUSEPORT object into the kernel and onto
//! a running server's SO_REUSEPORT sockets.
//!
//! The flow is [`discover`] (take the server's sockets with `pidfd_getfd`),
//! [`select`] (pick the reuseport group a [`GroupQuery`] names: port, protocol,
//! local address; [`find_group`] does both), then [`load`] (load the program
//! with aya, fill its socket map, attach) or [`detach`].
//!
//! A server's life under a name — [`lifecycle::load_named`], [`lifecycle::join`] (a restart
//! or more workers), [`lifecycle::replace`], [`lifecycle::status`],
//! [`lifecycle::detach_named`] — keeps its state in bpffs ([`state`]); [`doctor`] tells what
//! the machine offers.
//!
//! # A server that owns its sockets
//!
//! A server can steer its own sockets with no files and no toolchain: compile a policy from
//! a string, make a group from the sockets it holds ([`lifecycle::own_group`]), load, read
//! and write the maps ([`attached_program`]), detach. (A QUIC library that takes a program
//! fd for its reuseport option would be handed the program this attaches.)
//!
//! ```no_run
//! use std::os::fd::AsFd;
//! use socket2::{Domain, Socket, Type};
//!
//! const POLICY: &str = r#"
//! #[map]
//! static SOCKETS: SockArray<2>;
//!
//! #[steer]
//! fn by_first_byte(pkt: Packet) -> Verdict {
//!     select(SOCKETS, pkt.payload.u8(0)? as u32 % 2)
//! }
//! "#;
//!
//! // Compile at run time: the policy language's checker and code generator are libraries.
//! let mut db = rsteer_lang::SourceDb::new();
//! let main = db.add("policy.rs".to_string(), POLICY.to_string());
//! let (program, diags) = rsteer_lang::check(&mut db, main, &rsteer_lang::CheckOptions::default());
//! let program = program.filter(|_| !diags.iter().any(|d| d.is_error())).expect("the policy checks");
//! let object = rsteer_codegen::compile(&program, &db).expect("the policy compiles").object;
//!
//! // Two reuseport sockets of our own, on one port.
//! let mut sockets = Vec::new();
//! let mut addr: std::net::SocketAddr = "127.0.0.1:0".parse()?;
//! for _ in 0..2 {
//!     let s = Socket::new(Domain::IPV4, Type::DGRAM, None)?;
//!     s.set_reuse_port(true)?;
//!     s.bind(&addr.into())?;
//!     addr = s.local_addr()?.as_socket().unwrap();
//!     sockets.push(std::net::UdpSocket::from(s));
//! }
//!
//! // Load and attach: map index i holds sockets[i].
//! let fds: Vec<_> = sockets.iter().map(|s| s.as_fd()).collect();
//! let group = rsteer_loader::lifecycle::own_group(&fds)?;
//! let loaded = rsteer_loader::load(&object, &group, &rsteer_loader::LoadOptions::default())?;
//! println!("program {} steers {addr}", loaded.program_id);
//!
//! // The program's maps, as bytes.
//! let attached = rsteer_loader::attached_program(&group)?;
//! for map in &attached.maps {
//!     println!("{}: {} entries", map.name, map.entries(1024)?.len());
//! }
//!
//! rsteer_loader::detach(&group)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! This crate and the CLI are the only parts of rsteer that touch the kernel.
//! It never prints: it returns data and [`LoadError`]s and logs through `log`.
#![deny(unsafe_op_in_unsafe_fn)]

mod attach;
pub mod counts;
mod discover;
pub mod doctor;
pub mod errno;
mod error;
pub mod lifecycle;
mod maps;
pub mod poll;
pub mod state;
mod sys;
pub mod verifier;

use std::{fmt, net::SocketAddr, os::fd::OwnedFd};

pub use attach::{attached_holder, detach, load, verify, LoadOptions, Loaded, Row, SocketMapKind};
pub use discover::{discover, find_group, select, select_group, GroupQuery, LocalAddr};
pub use error::{ErrorKind, GroupSummary, LoadError};
pub use maps::{attached_program, named_map, named_program, AttachedMap, AttachedProgram, MapTypes};

/// The transport protocol of a reuseport group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Udp,
    Tcp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Udp => "udp",
            Protocol::Tcp => "tcp",
        })
    }
}

impl std::str::FromStr for Protocol {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "udp" => Ok(Protocol::Udp),
            "tcp" => Ok(Protocol::Tcp),
            other => Err(format!("unknown protocol `{other}` (expected udp or tcp)")),
        }
    }
}

/// One socket of another process, taken with `pidfd_getfd`.
#[derive(Debug)]
pub struct TakenSocket {
    /// The process we took it from.
    pub pid: i32,
    /// Its descriptor number in that process.
    pub target_fd: i32,
    /// The socket's inode (`socket:[INODE]`).
    pub inode: u64,
    /// The kernel's socket cookie (`SO_COOKIE`), as a socket map reads back.
    pub cookie: u64,
    /// The bound local address.
    pub local: SocketAddr,
    /// Our copy of the descriptor: the same open socket.
    pub fd: OwnedFd,
}

/// The sockets of one process that share a protocol and local address: one
/// SO_REUSEPORT group, as the kernel sees it.
#[derive(Debug)]
pub struct Group {
    pub protocol: Protocol,
    pub local: SocketAddr,
    /// Ordered by the target's fd number; map index i holds `sockets[i]`.
    pub sockets: Vec<TakenSocket>,
}

impl Group {
    /// The pid the sockets were taken from (0 for an empty group).
    pub fn pid(&self) -> i32 {
        self.sockets.first().map_or(0, |s| s.pid)
    }

    /// A one-line description for listings and errors.
    pub fn summary(&self) -> GroupSummary {
        GroupSummary { protocol: self.protocol, local: self.local, sockets: self.sockets.len() }
    }
}
