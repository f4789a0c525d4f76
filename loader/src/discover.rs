//! Finding a running process's SO_REUSEPORT groups.

use std::{
    collections::BTreeMap,
    fmt, io,
    net::{IpAddr, SocketAddr},
    os::fd::AsFd,
    str::FromStr,
};

use socket2::{SockRef, Type};

use crate::{sys, Group, GroupSummary, LoadError, Protocol, TakenSocket};

/// Takes every socket of process `pid` (through `/proc/PID/fd` and
/// `pidfd_getfd`) and returns its reuseport groups: bound UDP sockets and
/// listening TCP sockets with SO_REUSEPORT, grouped by protocol and local
/// address, each group ordered by the target's fd number. The same socket open
/// at two fds counts once (at its lowest fd). Groups come ordered by their
/// first fd.
pub fn discover(pid: i32) -> Result<Vec<Group>, LoadError> {
    if pid <= 0 {
        return Err(LoadError::NoSuchProcess { pid });
    }
    let pidfd = sys::pidfd_open(pid).map_err(|e| match e.raw_os_error() {
        Some(libc::ESRCH) => LoadError::NoSuchProcess { pid },
        Some(libc::EPERM) | Some(libc::EACCES) => {
            LoadError::ProcessPermission { pid, action: "open a pidfd", source: e }
        }
        _ => LoadError::Discovery { pid, what: "pidfd_open".into(), source: e },
    })?;

    let dir = format!("/proc/{pid}/fd");
    let entries = std::fs::read_dir(&dir).map_err(|e| match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ESRCH) => LoadError::NoSuchProcess { pid },
        Some(libc::EPERM) | Some(libc::EACCES) => {
            LoadError::ProcessPermission { pid, action: "list the descriptors", source: e }
        }
        _ => LoadError::Discovery { pid, what: format!("reading {dir}"), source: e },
    })?;

    // (target fd, inode) of every socket descriptor, lowest fd first.
    let mut socket_fds: Vec<(i32, u64)> = Vec::new();
    // A descriptor whose link the kernel will not show us (EACCES: ptrace rules).
    let mut refused: Option<io::Error> = None;
    for entry in entries {
        let Ok(entry) = entry else { continue };
        let Some(fd) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        // A descriptor closed meanwhile is simply not there any more.
        let link = match std::fs::read_link(entry.path()) {
            Ok(link) => link,
            Err(e) => {
                if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)) {
                    refused = Some(e);
                }
                continue;
            }
        };
        if let Some(inode) = parse_socket_link(&link.to_string_lossy()) {
            socket_fds.push((fd, inode));
        }
    }
    socket_fds.sort_unstable();
    if let (true, Some(e)) = (socket_fds.is_empty(), refused) {
        return Err(LoadError::ProcessPermission { pid, action: "read the descriptors", source: e });
    }

    let mut seen_inodes = std::collections::HashSet::new();
    let mut groups: BTreeMap<(Protocol, SocketAddr), Vec<TakenSocket>> = BTreeMap::new();
    let mut inspected = 0usize;
    for (target_fd, inode) in socket_fds {
        if !seen_inodes.insert(inode) {
            continue;
        }
        inspected += 1;
        let fd = match sys::pidfd_getfd(pidfd.as_fd(), target_fd) {
            Ok(fd) => fd,
            Err(e) if e.raw_os_error() == Some(libc::EBADF) => continue,
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Err(LoadError::NoSuchProcess { pid }),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)) => {
                return Err(LoadError::ProcessPermission { pid, action: "take the sockets (pidfd_getfd)", source: e })
            }
            Err(e) => {
                return Err(LoadError::Discovery { pid, what: format!("pidfd_getfd of fd {target_fd}"), source: e })
            }
        };
        match classify(&fd) {
            Ok(Some((protocol, local, cookie))) => {
                log::debug!("pid {pid} fd {target_fd}: {protocol} {local} cookie {cookie}");
                groups.entry((protocol, local)).or_default().push(TakenSocket {
                    pid,
                    target_fd,
                    inode,
                    cookie,
                    local,
                    fd,
                });
            }
            Ok(None) => {}
            Err(e) => {
                log::debug!("pid {pid} fd {target_fd}: cannot inspect: {e}");
            }
        }
    }

    if groups.is_empty() {
        return Err(LoadError::NoReuseportSocket { pid, inspected });
    }
    let mut out: Vec<Group> =
        groups.into_iter().map(|((protocol, local), sockets)| Group { protocol, local, sockets }).collect();
    out.sort_by_key(|g| g.sockets[0].target_fd);
    Ok(out)
}

/// `socket:[12345]` → 12345.
fn parse_socket_link(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
}

/// Returns the protocol, local address and cookie of a reuseport UDP socket
/// that is bound or a reuseport TCP socket that listens; None for any other
/// socket.
pub(crate) fn classify(fd: &std::os::fd::OwnedFd) -> io::Result<Option<(Protocol, SocketAddr, u64)>> {
    let sock = SockRef::from(fd);
    let Some(local) = sock.local_addr()?.as_socket() else {
        return Ok(None); // not AF_INET / AF_INET6
    };
    let ty = sock.r#type()?;
    let proto = sock.protocol()?;
    let protocol = if ty == Type::DGRAM && proto == Some(socket2::Protocol::UDP) {
        Protocol::Udp
    } else if ty == Type::STREAM && proto == Some(socket2::Protocol::TCP) {
        Protocol::Tcp
    } else {
        return Ok(None);
    };
    if !sock.reuse_port()? || local.port() == 0 {
        return Ok(None);
    }
    if protocol == Protocol::Tcp && !sock.is_listener()? {
        return Ok(None);
    }
    Ok(Some((protocol, local, sock.cookie()?)))
}

/// The local address a group is bound to, as `--local` names it: an IP address with or
/// without a port (`0.0.0.0`, `::1`, `[::1]`, `[::]:443`). A dual-stack server has an IPv4
/// and an IPv6 group on the same port; this tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddr {
    pub ip: IpAddr,
    /// `None` matches the address on any port.
    pub port: Option<u16>,
}

impl LocalAddr {
    fn matches(&self, local: SocketAddr) -> bool {
        local.ip() == self.ip && self.port.is_none_or(|p| local.port() == p)
    }
}

impl fmt::Display for LocalAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => SocketAddr::new(self.ip, port).fmt(f),
            None => self.ip.fmt(f),
        }
    }
}

impl FromStr for LocalAddr {
    type Err = LoadError;

    fn from_str(text: &str) -> Result<Self, LoadError> {
        if let Ok(a) = text.parse::<SocketAddr>() {
            return Ok(LocalAddr { ip: a.ip(), port: Some(a.port()) });
        }
        match text.trim_matches(|c| c == '[' || c == ']').parse::<IpAddr>() {
            Ok(ip) => Ok(LocalAddr { ip, port: None }),
            Err(_) => Err(LoadError::BadLocal { text: text.to_string() }),
        }
    }
}

/// Which reuseport group of a process to steer: every field that is set must match, and
/// exactly one group may be left. An empty query picks a process's only group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupQuery {
    pub port: Option<u16>,
    /// Narrows a port that UDP and TCP share.
    pub protocol: Option<Protocol>,
    /// Narrows a port that IPv4 and IPv6 (or two addresses) share.
    pub local: Option<LocalAddr>,
}

/// Discovers the reuseport groups of `pid` and picks the one `query` names.
pub fn find_group(pid: i32, query: &GroupQuery) -> Result<Group, LoadError> {
    select(discover(pid)?, query)
}

/// Picks the group `query` names among `groups` (as [`discover`] returns them). The local
/// address is applied first, so that the errors about port and protocol list only the
/// groups bound to it.
pub fn select(mut groups: Vec<Group>, query: &GroupQuery) -> Result<Group, LoadError> {
    if let Some(local) = query.local {
        let pid = groups.first().map_or(0, |g| g.pid());
        let found: Vec<(Protocol, SocketAddr)> = groups.iter().map(|g| (g.protocol, g.local)).collect();
        groups.retain(|g| local.matches(g.local));
        if groups.is_empty() {
            return Err(LoadError::NotBoundTo { pid, local, groups: found });
        }
    }
    select_group(groups, query.port, query.protocol)
}

/// Picks the group to steer. `port` may be omitted when the process has a
/// single group; `protocol` narrows a port that UDP and TCP share.
pub fn select_group(groups: Vec<Group>, port: Option<u16>, protocol: Option<Protocol>) -> Result<Group, LoadError> {
    let pid = groups.first().map_or(0, |g| g.pid());
    let summaries: Vec<GroupSummary> = groups.iter().map(Group::summary).collect();
    if groups.is_empty() {
        return Err(LoadError::NoReuseportSocket { pid, inspected: 0 });
    }
    let mut matching: Vec<Group> = groups
        .into_iter()
        .filter(|g| port.is_none_or(|p| g.local.port() == p))
        .filter(|g| protocol.is_none_or(|p| g.protocol == p))
        .collect();
    match matching.len() {
        1 => Ok(matching.pop().expect("one group")),
        0 => {
            let mut wanted = Vec::new();
            if let Some(p) = protocol {
                wanted.push(p.to_string());
            }
            if let Some(p) = port {
                wanted.push(format!("port {p}"));
            }
            Err(LoadError::NoMatchingGroup { pid, wanted: wanted.join(" "), groups: summaries })
        }
        _ => Err(LoadError::AmbiguousGroup { pid, groups: matching.iter().map(Group::summary).collect() }),
    }
}

/// Whether process `pid` still holds the socket `inode` at descriptor `fd`.
pub fn holds(pid: i32, fd: i32, inode: u64) -> bool {
    std::fs::read_link(format!("/proc/{pid}/fd/{fd}"))
        .ok()
        .and_then(|l| l.to_str().map(|s| s == format!("socket:[{inode}]")))
        .unwrap_or(false)
}

/// Which pids in `group` no longer hold the socket we took from them.
pub(crate) fn first_exited(group: &Group) -> Option<i32> {
    group.sockets.iter().find(|s| !holds(s.pid, s.target_fd, s.inode)).map(|s| s.pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_links() {
        assert_eq!(parse_socket_link("socket:[4242]"), Some(4242));
        assert_eq!(parse_socket_link("pipe:[4242]"), None);
        assert_eq!(parse_socket_link("/dev/null"), None);
    }

    #[test]
    fn empty_selection_is_an_error() {
        let e = select_group(Vec::new(), None, None).unwrap_err();
        assert!(matches!(e, LoadError::NoReuseportSocket { .. }));
    }

    #[test]
    fn local_addresses_with_and_without_a_port() {
        let any4: LocalAddr = "0.0.0.0".parse().unwrap();
        assert_eq!(any4, LocalAddr { ip: [0, 0, 0, 0].into(), port: None });
        let six: LocalAddr = "[::1]".parse().unwrap();
        assert_eq!((six.ip, six.port), ("::1".parse().unwrap(), None));
        let with_port: LocalAddr = "[::]:443".parse().unwrap();
        assert_eq!((with_port.to_string(), with_port.port), ("[::]:443".to_string(), Some(443)));
        assert!(with_port.matches("[::]:443".parse().unwrap()));
        assert!(!with_port.matches("[::]:80".parse().unwrap()));
        assert!(any4.matches("0.0.0.0:80".parse().unwrap()));
        assert!(!any4.matches("[::]:80".parse().unwrap()));
        let e = "localhost".parse::<LocalAddr>().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Usage);
        assert_eq!(e.to_string(), "--local: `localhost` is not an address");
    }

    #[test]
    fn a_local_address_no_group_has_lists_the_groups() {
        let query = GroupQuery { local: Some("::1".parse().unwrap()), ..GroupQuery::default() };
        // With no groups at all, the local filter reports what it found: nothing.
        let e = select(Vec::new(), &query).unwrap_err();
        assert_eq!(e.to_string(), "no reuseport group of pid 0 is bound to ::1");
        assert_eq!(e.hint().as_deref(), Some("its groups: none"));
    }
}
