//! Which processes poll a socket: the epoll instances of a process and its descendants, read
//! from `/proc/PID/fdinfo` (each watched file is a `tfd: ... ino:HEX` line), matched to the
//! sockets by inode. A prefork server's workers share every socket the master opened, but
//! each polls only its own: this tells which worker owns which index.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// `pid` and every process descended from it, `pid` first, then by pid.
pub fn family(pid: i32) -> Vec<i32> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
            if let Some(ppid) = parent_of(p) {
                children.entry(ppid).or_default().push(p);
            }
        }
    }
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() && out.len() < 1 << 16 {
        let mut kids = children.get(&out[i]).cloned().unwrap_or_default();
        kids.sort_unstable();
        out.extend(kids);
        i += 1;
    }
    out
}

/// The parent of `pid` (`/proc/PID/stat`'s fourth field; the command name may hold spaces).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// The inodes process `pid` watches in its epoll instances.
pub fn polled_inodes(pid: i32) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return out };
    for e in dir.flatten() {
        let is_epoll = std::fs::read_link(e.path()).is_ok_and(|l| l.to_string_lossy() == "anon_inode:[eventpoll]");
        if !is_epoll {
            continue;
        }
        let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", e.file_name().to_string_lossy()));
        out.extend(info.unwrap_or_default().lines().filter_map(tfd_inode));
    }
    out
}

/// `tfd:        5 events:       19 data:  ...  pos:0 ino:1a2b sdev:8` → 0x1a2b.
fn tfd_inode(line: &str) -> Option<u64> {
    let rest = line.trim_start().strip_prefix("tfd:")?;
    let ino = rest.split_whitespace().find_map(|w| w.strip_prefix("ino:"))?;
    u64::from_str_radix(ino, 16).ok()
}

/// For each of `inodes`, the processes of `pid`'s family that poll it, in pid order.
pub fn pollers(pid: i32, inodes: &[u64]) -> BTreeMap<u64, Vec<i32>> {
    let mut out: BTreeMap<u64, Vec<i32>> = inodes.iter().map(|i| (*i, Vec::new())).collect();
    let mut procs = family(pid);
    procs.sort_unstable();
    for p in procs {
        for ino in polled_inodes(p) {
            if let Some(v) = out.get_mut(&ino) {
                v.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fdinfo_lines() {
        assert_eq!(
            tfd_inode("tfd:        5 events:       19 data:                5  pos:0 ino:1a2b sdev:8"),
            Some(0x1a2b)
        );
        assert_eq!(tfd_inode("pos:\t0"), None);
    }
}
