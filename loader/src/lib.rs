//! rsteer-loader: puts a compiled SK_REUSEPORT object into the kernel and onto
//! a running server's SO_REUSEPORT sockets.
//!
//! The flow is [`discover`] (take the server's sockets with `pidfd_getfd`),
//! [`select_group`] (pick the reuseport group to steer), then [`load`] (load
//! the program with aya, fill its socket map, attach) or [`detach`].
//!
//! This crate and the CLI are the only parts of rsteer that touch the kernel.
//! It never prints: it returns data and [`LoadError`]s and logs through `log`.
#![deny(unsafe_op_in_unsafe_fn)]

mod attach;
mod discover;
pub mod doctor;
mod error;
pub mod lifecycle;
mod maps;
pub mod state;
mod sys;

use std::{fmt, net::SocketAddr, os::fd::OwnedFd};

pub use attach::{attached_holder, detach, load, LoadOptions, Loaded, Row, SocketMapKind};
pub use discover::{discover, select_group};
pub use error::{ErrorKind, GroupSummary, LoadError};
pub use maps::{attached_program, AttachedMap, AttachedProgram};

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
