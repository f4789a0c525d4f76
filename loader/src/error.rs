//! The loader's error type: each variant names what is at fault (pid, fd,
//! socket, map or program) and can suggest what to do next.

use std::{io, net::SocketAddr};

use thiserror::Error;

use crate::{LocalAddr, Protocol};

/// A broad class of failure, so that the CLI can choose an exit code without
/// matching on every variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request cannot be satisfied as asked: an ambiguous or unknown
    /// group, program or map, a policy the loader refuses, too many sockets,
    /// or a group that already has a program. Changing the command fixes it.
    Usage,
    /// The thing asked about does not exist: no such process, no reuseport
    /// socket in it, nothing attached to detach.
    NotFound,
    /// The kernel refused for lack of privilege (EPERM / EACCES).
    Permission,
    /// Any other system or kernel failure, including a verifier rejection.
    System,
}

/// A row of the group listing carried by selection errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub protocol: Protocol,
    pub local: SocketAddr,
    pub sockets: usize,
}

impl std::fmt::Display for GroupSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let noun = if self.sockets == 1 { "socket" } else { "sockets" };
        write!(f, "{} {} ({} {noun})", self.protocol, self.local, self.sockets)
    }
}

fn listing(groups: &[GroupSummary]) -> String {
    if groups.is_empty() {
        return "none".to_string();
    }
    groups.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ")
}

/// Everything that can go wrong while discovering, loading or detaching.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("no process with pid {pid}")]
    NoSuchProcess { pid: i32 },

    #[error("not allowed to {action} of pid {pid}: {}", crate::errno::words(source))]
    ProcessPermission {
        pid: i32,
        action: &'static str,
        #[source]
        source: io::Error,
    },

    #[error(
        "pid {pid} has no SO_REUSEPORT socket (no bound UDP or listening TCP socket with SO_REUSEPORT among its {inspected} sockets)"
    )]
    NoReuseportSocket { pid: i32, inspected: usize },

    #[error("{what} of pid {pid}: {}", crate::errno::words(source))]
    Discovery {
        pid: i32,
        what: String,
        #[source]
        source: io::Error,
    },

    #[error("pid {pid} has {} reuseport groups; choose one: {}", groups.len(), listing(groups))]
    AmbiguousGroup { pid: i32, groups: Vec<GroupSummary> },

    #[error("no reuseport group of pid {pid} matches {wanted}; groups found: {}", listing(groups))]
    NoMatchingGroup { pid: i32, wanted: String, groups: Vec<GroupSummary> },

    #[error("--local: `{text}` is not an address")]
    BadLocal { text: String },

    #[error("no reuseport group of pid {pid} is bound to {local}")]
    NotBoundTo { pid: i32, local: LocalAddr, groups: Vec<(Protocol, SocketAddr)> },

    #[error("cannot parse the BPF object: {message}")]
    Object { message: String },

    #[error("the object has no SK_REUSEPORT program")]
    NoProgram,

    #[error("the object has several SK_REUSEPORT programs ({}); choose one", names.join(", "))]
    AmbiguousProgram { names: Vec<String> },

    #[error("the object has no SK_REUSEPORT program named `{name}` (programs: {})", available.join(", "))]
    UnknownProgram { name: String, available: Vec<String> },

    #[error("the program `{program}` was rejected by the kernel: {message}")]
    ProgramLoad { program: String, message: String },

    /// The verifier refused the program: its complaint, instruction and source line.
    #[error("{0}")]
    Verifier(Box<crate::verifier::Rejection>),

    #[error("the object has no socket map (REUSEPORT_SOCKARRAY, SOCKMAP or SOCKHASH) to fill")]
    NoSocketMap,

    #[error("the object has no socket map named `{name}` (socket maps: {})", available.join(", "))]
    UnknownMap { name: String, available: Vec<String> },

    #[error("the object has several socket maps ({}); choose one", names.join(", "))]
    AmbiguousMap { names: Vec<String> },

    #[error(
        "the object declares {} REUSEPORT_SOCKARRAY maps ({}): a socket can be in one sockarray only, so only one of them could ever hold the group",
        names.len(), names.join(", ")
    )]
    SeveralSockArrays { names: Vec<String> },

    #[error("map `{map}` cannot be filled: {reason}")]
    MapShape { map: String, reason: String },

    #[error("map `{map}`: {reason}")]
    MapUse { map: String, reason: String },

    #[error("index {index} is out of range: {map} has {max_entries} entries")]
    MapIndex { map: String, index: String, max_entries: u32 },

    #[error("cannot add an entry to `{map}`: the map is full ({max_entries} entries)")]
    MapFull { map: String, max_entries: u32 },

    #[error("map `{map}` has {max_entries} entries but the group {local} has {sockets} sockets")]
    TooManySockets { map: String, max_entries: u32, sockets: usize, local: SocketAddr },

    #[error("the reuseport group {local} already has a program attached{}", describe_holder(*program_id, *map_id))]
    AlreadyAttached { local: SocketAddr, program_id: Option<u32>, map_id: Option<u32> },

    #[error(
        "cannot put socket fd {target_fd} of pid {pid} ({local}) at key {key} of map `{map}`: {}",
        crate::errno::words(source)
    )]
    MapUpdate {
        map: String,
        key: String,
        pid: i32,
        target_fd: i32,
        local: SocketAddr,
        #[source]
        source: io::Error,
    },

    #[error("cannot read back key {key} of map `{map}`: {}", crate::errno::words(source))]
    MapLookup {
        map: String,
        key: String,
        #[source]
        source: io::Error,
    },

    #[error("cannot write key {key} of map `{map}`: {}", crate::errno::words(source))]
    MapWrite {
        map: String,
        key: String,
        #[source]
        source: io::Error,
    },

    #[error(
        "cannot attach program `{program}` to the reuseport group {local} through fd {target_fd} of pid {pid}: {}",
        crate::errno::words(source)
    )]
    Attach {
        program: String,
        pid: i32,
        target_fd: i32,
        local: SocketAddr,
        #[source]
        source: io::Error,
    },

    #[error("the reuseport group {local} of pid {pid} has no program attached")]
    NothingAttached { pid: i32, local: SocketAddr },

    #[error("cannot detach the program of the reuseport group {local} of pid {pid}: {}", crate::errno::words(source))]
    Detach {
        pid: i32,
        local: SocketAddr,
        #[source]
        source: io::Error,
    },

    #[error("the group is empty: it holds no socket")]
    EmptyGroup,

    #[error("`{name}` is not a load name: use letters, digits, `-` and `_` (at most 64; bpffs refuses dots)")]
    BadName { name: String },

    #[error("a load named `{name}` exists already")]
    NameTaken { name: String },

    #[error("no load named `{name}`{}", if loads.is_empty() { " (there are no named loads)".to_string() } else { format!(" (loads: {})", loads.join(", ")) })]
    NoSuchLoad { name: String, loads: Vec<String> },

    #[error("the record of load `{name}` is damaged: {reason}")]
    BadRecord { name: String, reason: String },

    #[error("{what}: {}", crate::errno::words(source))]
    State {
        what: String,
        #[source]
        source: io::Error,
    },

    #[error("pid {pid} cannot join load `{name}`: {reason}")]
    NotInGroup { name: String, pid: i32, reason: String },

    #[error("pid {pid} exited during the {verb}; nothing was left behind")]
    ProcessExited { pid: i32, verb: &'static str },

    #[error("no socket of load `{name}` is open any more: its group has gone")]
    GroupGone { name: String },

    #[error("socket map `{map}` cannot be taken over: the live one is {live}, the new policy's is {new}")]
    SocketMapShape { map: String, live: String, new: String },

    #[error("fd {fd} cannot be steered: {reason}")]
    OwnSocket { fd: i32, reason: String },

    #[error("{what}: {}", crate::errno::words(source))]
    Kernel {
        what: String,
        #[source]
        source: io::Error,
    },
}

fn describe_holder(program_id: Option<u32>, map_id: Option<u32>) -> String {
    match (program_id, map_id) {
        (Some(p), Some(m)) => {
            format!(" (program id {p} holds the group's sockets in its map id {m})")
        }
        (Some(p), None) => format!(" (program id {p})"),
        (None, Some(m)) => format!(" (map id {m} already holds the group's sockets)"),
        (None, None) => String::new(),
    }
}

fn is_permission(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)) || e.kind() == io::ErrorKind::PermissionDenied
}

impl LoadError {
    /// The broad class of this error (for exit codes).
    pub fn kind(&self) -> ErrorKind {
        use LoadError::*;
        match self {
            NoSuchProcess { .. } | NoReuseportSocket { .. } | NothingAttached { .. } => ErrorKind::NotFound,
            ProcessPermission { .. } => ErrorKind::Permission,
            AmbiguousGroup { .. }
            | NoMatchingGroup { .. }
            | BadLocal { .. }
            | NotBoundTo { .. }
            | NoProgram
            | AmbiguousProgram { .. }
            | UnknownProgram { .. }
            | NoSocketMap
            | UnknownMap { .. }
            | AmbiguousMap { .. }
            | SeveralSockArrays { .. }
            | MapShape { .. }
            | MapUse { .. }
            | MapIndex { .. }
            | MapFull { .. }
            | TooManySockets { .. }
            | AlreadyAttached { .. }
            | EmptyGroup
            | BadName { .. }
            | NameTaken { .. }
            | BadRecord { .. }
            | NotInGroup { .. }
            | SocketMapShape { .. }
            | OwnSocket { .. }
            | Object { .. } => ErrorKind::Usage,
            NoSuchLoad { .. } | ProcessExited { .. } | GroupGone { .. } => ErrorKind::NotFound,
            // EACCES from the verifier is a rejection, not a permission problem.
            Verifier(_) => ErrorKind::System,
            ProgramLoad { message, .. } => {
                permission_if(message.contains("Operation not permitted") || message.contains("Permission denied"))
            }
            // The rest carry the I/O error behind them (`io_source` lists them).
            _ => permission_if(self.io_source().is_some_and(is_permission)),
        }
    }

    /// A suggestion for the user, when there is one.
    pub fn hint(&self) -> Option<String> {
        use LoadError::*;
        Some(match self {
            NoSuchProcess { .. } => "check the pid: the process may have exited".into(),
            ProcessPermission { .. } => {
                "taking another process's sockets follows ptrace rules: run as the same user or with CAP_SYS_PTRACE (and check kernel.yama.ptrace_scope)".into()
            }
            NoReuseportSocket { .. } => {
                "the server must set SO_REUSEPORT on its sockets before bind(2)".into()
            }
            AmbiguousGroup { .. } => {
                "pass --port (and --proto if UDP and TCP share it, --local if IPv4 and IPv6 do)".into()
            }
            NoMatchingGroup { .. } => "pass a --port/--proto of one of the groups found".into(),
            BadLocal { .. } => "for example: --local 0.0.0.0, --local [::]:443".into(),
            NotBoundTo { groups, .. } if groups.is_empty() => "its groups: none".into(),
            NotBoundTo { groups, .. } => {
                let found: Vec<String> = groups.iter().map(|(protocol, local)| format!("{protocol} {local}")).collect();
                format!("its groups: {}", found.join(", "))
            }
            AmbiguousProgram { .. } | UnknownProgram { .. } => {
                "pass --program with one of the names listed".into()
            }
            AmbiguousMap { .. } | UnknownMap { .. } => {
                "pass --map with one of the names listed".into()
            }
            SeveralSockArrays { .. } => {
                "use one REUSEPORT_SOCKARRAY, or a SOCKMAP plus a SOCKHASH if the policy needs both an index and a key".into()
            }
            TooManySockets { .. } => "raise the map's max_entries in the policy".into(),
            MapIndex { max_entries, .. } => format!("the indices are 0 to {}", max_entries.saturating_sub(1)),
            MapFull { .. } => "delete entries first, or raise the map's capacity in the policy and load it again".into(),
            AlreadyAttached { .. } => {
                "detach the current program first (`rsteer detach`), then load again".into()
            }
            NothingAttached { .. } => return None,
            NameTaken { name } => format!(
                "choose another name with --name, replace the policy with `rsteer replace {name} POLICY`, or remove the load with `rsteer detach {name}`"
            ),
            NoSuchLoad { .. } => "`rsteer status` lists the named loads".into(),
            BadRecord { name, .. } => format!(
                "rsteer writes the record itself and never half of one: it was changed by hand or by another tool; detach the group with `rsteer detach --pid PID`, then remove {}/{name}",
                crate::state::STATE_ROOT
            ),
            NotInGroup { .. } => {
                "a process joins a group by binding the same protocol, address and port with SO_REUSEPORT, as the same user, in the same network namespace".into()
            }
            SocketMapShape { map, .. } => format!(
                "keep `{map}`'s kind, key, value and capacity in the new policy, or detach and load again (a new socket map empties the table)"
            ),
            GroupGone { name } => format!("`rsteer detach {name}` removes its state"),
            Verifier(r) if r.ours => format!(
                "rsteer's own output should always pass the verifier: this is a compiler bug; please report it with the policy, `rsteer --version` and the verifier's log (`-v` prints it){}",
                r.at.as_ref().map(|a| format!(", naming {}:{}", a.file, a.line)).unwrap_or_default()
            ),
            Verifier(_) => "the verifier follows every path: check each packet read against its end, and each map value against NULL, before using it; `-v` prints the verifier's log".into(),
            e @ ProgramLoad { .. } if e.kind() == ErrorKind::Permission => {
                "loading BPF programs needs CAP_BPF (and CAP_NET_ADMIN for SOCKMAP/SOCKHASH); run as root".into()
            }
            ProgramLoad { .. } => {
                "a verifier rejection of rsteer's own output is a compiler bug: please report it with the log above".into()
            }
            MapUpdate { source, .. } if source.raw_os_error() == Some(libc::EBUSY) => {
                "the socket is held by another socket map: detach the current program first".into()
            }
            e if e.kind() == ErrorKind::Permission => {
                "loading BPF programs needs CAP_BPF (and CAP_NET_ADMIN for SOCKMAP/SOCKHASH); run as root".into()
            }
            e => return e.io_source().and_then(crate::errno::hint),
        })
    }
}

impl LoadError {
    /// The I/O error behind this one, if any.
    fn io_source(&self) -> Option<&io::Error> {
        use LoadError::*;
        match self {
            ProcessPermission { source, .. }
            | Discovery { source, .. }
            | MapUpdate { source, .. }
            | MapLookup { source, .. }
            | MapWrite { source, .. }
            | Attach { source, .. }
            | Detach { source, .. }
            | State { source, .. }
            | Kernel { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A permission problem when `permission`, else a system error.
fn permission_if(permission: bool) -> ErrorKind {
    if permission {
        ErrorKind::Permission
    } else {
        ErrorKind::System
    }
}

/// Renders an error and all its sources on one line, so that nothing (such as
/// a verifier log inside an aya error) is lost.
pub(crate) fn full_message(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}
