//! The state of a named load in bpffs: `/sys/fs/bpf/rsteer/NAME/` holds the program
//! (`program`), every map of the policy (`maps/MAP`) and the record (`load.json`).
//!
//! bpffs holds only BPF objects (a regular file cannot be created there), so the record is
//! a pinned one-entry BPF array whose value is the JSON text, prefixed by its length. It is
//! replaced atomically: a new array is written in full, pinned beside the old one and
//! renamed over it, so a reader sees the old record or the new one, never half of one.

use std::{
    io,
    os::fd::{AsFd, OwnedFd},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use crate::{sys, LoadError, Protocol};

/// Where named loads live.
pub const STATE_ROOT: &str = "/sys/fs/bpf/rsteer";
/// The record's value size: a 4-byte length and up to this much JSON less 4.
const RECORD_BYTES: u32 = 256 * 1024;
const MAP_TYPE_ARRAY: u32 = 2;
/// The record's schema version.
pub const RECORD_VERSION: u32 = 1;

/// One socket a named load has taken into its maps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSocket {
    /// Its index in its generation (the key of the index maps when it joined).
    pub index: u32,
    pub pid: i32,
    pub fd: i32,
    pub cookie: u64,
    pub inode: u64,
    /// 0 for the sockets of the first load, 1 for the first `join`, and so on.
    pub generation: u32,
}

/// One map of the loaded policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMap {
    pub name: String,
    /// `sockarray`, `sockmap`, `sockhash`, or the kernel's map type number for other maps.
    pub kind: String,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub id: u32,
}

/// The record of a named load (`load_json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    pub name: String,
    /// The policy file, when the load came from one.
    pub policy: Option<String>,
    /// FNV-1a 64 of the policy source, as 16 hex digits.
    pub policy_hash: Option<String>,
    /// FNV-1a 64 of the loaded object.
    pub object_hash: String,
    pub program_id: u32,
    pub program_name: String,
    pub proto: Protocol,
    pub address: String,
    pub port: u16,
    /// The network namespace of the group (`/proc/PID/ns/net` inode), when known.
    pub netns: Option<u64>,
    /// The owner of the group's sockets: the kernel puts only one user's sockets in a group.
    pub uid: Option<u32>,
    /// Every pid that gave sockets, in order.
    pub pids: Vec<i32>,
    /// The socket map that gives the table (index order).
    pub socket_map: String,
    pub maps: Vec<RecordMap>,
    pub sockets: Vec<RecordSocket>,
    /// Unix seconds.
    pub loaded_at: u64,
    pub joined_at: Option<u64>,
    pub replaced_at: Option<u64>,
    /// The newest generation of sockets.
    pub generation: u32,
}

impl Record {
    /// The group's local address and port.
    pub fn local(&self) -> Result<std::net::SocketAddr, LoadError> {
        let ip: std::net::IpAddr = self.address.parse().map_err(|_| LoadError::BadRecord {
            name: self.name.clone(),
            reason: format!("its address `{}` is not an IP address", self.address),
        })?;
        Ok(std::net::SocketAddr::new(ip, self.port))
    }

    /// The sockets of the newest generation, in index order.
    pub fn current(&self) -> Vec<&RecordSocket> {
        let mut v: Vec<&RecordSocket> = self.sockets.iter().filter(|s| s.generation == self.generation).collect();
        v.sort_by_key(|s| s.index);
        v
    }
}

/// FNV-1a 64: a stable fingerprint (not a security hash) of a source or object.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `/sys/fs/bpf/rsteer/NAME`.
pub fn load_dir(name: &str) -> PathBuf {
    Path::new(STATE_ROOT).join(name)
}

pub fn program_pin(name: &str) -> PathBuf {
    load_dir(name).join("program")
}

pub fn map_pin(name: &str, map: &str) -> PathBuf {
    load_dir(name).join("maps").join(map)
}

fn record_pin(name: &str) -> PathBuf {
    load_dir(name).join("load_json")
}

/// A name is a path component of letters, digits, `-` and `_` (bpffs refuses dots).
pub fn check_name(name: &str) -> Result<(), LoadError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(LoadError::BadName { name: name.to_string() })
    }
}

fn state_err(what: String, source: io::Error) -> LoadError {
    LoadError::State { what, source }
}

/// Mounts bpffs at /sys/fs/bpf when it is not there, and makes the state root.
pub fn ensure_root() -> Result<(), LoadError> {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mounted = mounts.lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        f.len() > 2 && f[1] == "/sys/fs/bpf" && f[2] == "bpf"
    });
    if !mounted {
        std::fs::create_dir_all("/sys/fs/bpf").map_err(|e| state_err("creating /sys/fs/bpf".into(), e))?;
        sys::mount_bpffs(Path::new("/sys/fs/bpf")).map_err(|e| state_err("mounting bpffs at /sys/fs/bpf".into(), e))?;
        log::info!("mounted bpffs at /sys/fs/bpf");
    }
    std::fs::create_dir_all(STATE_ROOT).map_err(|e| state_err(format!("creating {STATE_ROOT}"), e))
}

/// Where the locks of named loads live: bpffs cannot hold the lock files.
pub const LOCK_ROOT: &str = "/run/rsteer";

/// An exclusive lock on the load `name`, held until dropped: two commands that change one
/// load (two deploys joining at once) run one after the other, and neither loses the
/// other's record update.
pub struct Lock(#[allow(dead_code)] std::fs::File);

pub fn lock(name: &str) -> Result<Lock, LoadError> {
    lock_for(name, false)
}

/// [`lock`]; with `new` false a load that does not exist is [`LoadError::NoSuchLoad`] and
/// no lock file is made for it.
pub fn lock_for(name: &str, new: bool) -> Result<Lock, LoadError> {
    check_name(name)?;
    if !new && !exists(name) {
        return Err(LoadError::NoSuchLoad { name: name.to_string(), loads: names() });
    }
    std::fs::create_dir_all(LOCK_ROOT).map_err(|e| state_err(format!("creating {LOCK_ROOT}"), e))?;
    let path = Path::new(LOCK_ROOT).join(format!("{name}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| state_err(format!("opening {}", path.display()), e))?;
    sys::flock_exclusive(file.as_fd()).map_err(|e| state_err(format!("locking {}", path.display()), e))?;
    Ok(Lock(file))
}

/// Whether a load of this name exists (its directory does).
pub fn exists(name: &str) -> bool {
    load_dir(name).exists()
}

/// The names of every named load, sorted.
pub fn names() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(STATE_ROOT) else {
        return Vec::new();
    };
    let mut v: Vec<String> =
        dir.flatten().filter(|e| e.path().is_dir()).filter_map(|e| e.file_name().to_str().map(String::from)).collect();
    v.sort();
    v
}

/// Makes `NAME/` and `NAME/maps/`; refuses a taken name.
pub fn create_dir(name: &str) -> Result<(), LoadError> {
    check_name(name)?;
    ensure_root()?;
    let dir = load_dir(name);
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(LoadError::NameTaken { name: name.to_string() })
        }
        Err(e) => return Err(state_err(format!("creating {}", dir.display()), e)),
    }
    std::fs::create_dir(dir.join("maps")).map_err(|e| state_err(format!("creating {}/maps", dir.display()), e))
}

/// Removes `NAME/` and everything pinned in it; the objects live on while something else
/// (an attached group, a program) holds them.
pub fn remove(name: &str) -> Result<(), LoadError> {
    // The lock file goes with the state (a command waiting on it finds no load then).
    let _ = std::fs::remove_file(Path::new(LOCK_ROOT).join(format!("{name}.lock")));
    let dir = load_dir(name);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(state_err(format!("removing {}", dir.display()), e)),
    }
}

/// Pins a program or map descriptor at `path`, replacing what is there atomically.
pub fn pin_replacing(fd: std::os::fd::BorrowedFd<'_>, path: &Path) -> Result<(), LoadError> {
    // bpffs refuses names with a dot.
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!("_tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    sys::obj_pin(fd, &tmp).map_err(|e| state_err(format!("pinning at {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        state_err(format!("renaming {} to {}", tmp.display(), path.display()), e)
    })
}

/// A descriptor of the object pinned at `path`.
pub fn open_pin(path: &Path) -> Result<OwnedFd, LoadError> {
    sys::obj_get(path).map_err(|e| state_err(format!("opening {}", path.display()), e))
}

/// Writes the record atomically (a new array, pinned and renamed over the old).
pub fn write_record(record: &Record) -> Result<(), LoadError> {
    let json = serde_json::to_vec_pretty(record).expect("a record serialises");
    if json.len() + 4 > RECORD_BYTES as usize {
        return Err(state_err(
            format!("writing the record of `{}`", record.name),
            io::Error::other(format!("it has {} bytes, more than {} fit", json.len(), RECORD_BYTES - 4)),
        ));
    }
    let fd = sys::map_create(MAP_TYPE_ARRAY, 4, RECORD_BYTES, 1, "rsteer_record")
        .map_err(|e| state_err("creating the record map".into(), e))?;
    let mut value = vec![0u8; RECORD_BYTES as usize];
    value[..4].copy_from_slice(&(json.len() as u32).to_le_bytes());
    value[4..4 + json.len()].copy_from_slice(&json);
    sys::map_update(fd.as_fd(), &0u32.to_ne_bytes(), &value, sys::BPF_ANY)
        .map_err(|e| state_err("writing the record map".into(), e))?;
    pin_replacing(fd.as_fd(), &record_pin(&record.name))
}

/// Writes raw bytes as the record of `name` (for tests of damaged records).
#[doc(hidden)]
pub fn write_raw_record(name: &str, bytes: &[u8]) -> Result<(), LoadError> {
    let fd = sys::map_create(MAP_TYPE_ARRAY, 4, RECORD_BYTES, 1, "rsteer_record")
        .map_err(|e| state_err("creating the record map".into(), e))?;
    let mut value = vec![0u8; RECORD_BYTES as usize];
    let n = bytes.len().min(RECORD_BYTES as usize - 4);
    value[..4].copy_from_slice(&(n as u32).to_le_bytes());
    value[4..4 + n].copy_from_slice(&bytes[..n]);
    sys::map_update(fd.as_fd(), &0u32.to_ne_bytes(), &value, sys::BPF_ANY)
        .map_err(|e| state_err("writing the record map".into(), e))?;
    pin_replacing(fd.as_fd(), &record_pin(name))
}

/// Reads the record of `name`. A missing load is [`LoadError::NoSuchLoad`]; a record that
/// cannot be read or parsed is [`LoadError::BadRecord`], naming what is wrong.
pub fn read_record(name: &str) -> Result<Record, LoadError> {
    if !exists(name) {
        return Err(LoadError::NoSuchLoad { name: name.to_string(), loads: names() });
    }
    let path = record_pin(name);
    let bad = |reason: String| LoadError::BadRecord { name: name.to_string(), reason };
    let fd = match sys::obj_get(&path) {
        Ok(fd) => fd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(bad("it has no load_json".into())),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)) => {
            return Err(state_err(format!("opening {}", path.display()), e))
        }
        Err(e) => return Err(bad(format!("{} cannot be opened: {e}", path.display()))),
    };
    let mut value = vec![0u8; RECORD_BYTES as usize];
    if let Err(e) = sys::map_lookup(fd.as_fd(), &0u32.to_ne_bytes(), &mut value) {
        return Err(bad(format!("{} is not a record rsteer wrote ({e})", path.display())));
    }
    let len = u32::from_le_bytes([value[0], value[1], value[2], value[3]]) as usize;
    if len == 0 || len > value.len() - 4 {
        return Err(bad(format!("its length field says {len} bytes")));
    }
    let record: Record = serde_json::from_slice(&value[4..4 + len]).map_err(|e| bad(format!("its JSON: {e}")))?;
    if record.version != RECORD_VERSION {
        return Err(bad(format!("it has version {}, this rsteer reads version {RECORD_VERSION}", record.version)));
    }
    if record.name != name {
        return Err(bad(format!("it names the load `{}`", record.name)));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_path_components() {
        assert!(check_name("by_match-4433").is_ok());
        assert!(check_name("../x").is_err());
        assert!(check_name("").is_err());
        assert!(check_name(".hidden").is_err());
        assert!(check_name("a.b").is_err());
        assert!(check_name("a/b").is_err());
    }

    #[test]
    fn fingerprints_are_stable() {
        assert_eq!(fingerprint(b""), "cbf29ce484222325");
        assert_ne!(fingerprint(b"a"), fingerprint(b"b"));
    }
}
