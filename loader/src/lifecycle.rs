//! A server's life under one named load: [`load_named`] pins everything under
//! `/sys/fs/bpf/rsteer/NAME/` and writes the record, [`join`] brings a new process's sockets
//! into the load's maps (a restart or a scale-out), [`replace`] swaps the policy keeping the
//! live maps, [`status`] tells what is alive, [`detach_named`] ends it.
//!
//! Everything that changes the steering is one atomic kernel operation: a map entry written
//! over (`BPF_MAP_UPDATE_ELEM` replaces in place) or a program swapped with one
//! `SO_ATTACH_REUSEPORT_EBPF`. There is no moment without a program.

use std::{
    collections::HashSet,
    io,
    net::SocketAddr,
    os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd},
    path::Path,
};

use aya::{
    maps::MapInfo,
    programs::{Program, SkReuseport},
    EbpfLoader,
};

use crate::discover::{first_exited, holds};
use crate::{
    attach::{errno_in_chain, update_retrying_busy, PROG_TYPE_SK_REUSEPORT},
    error::full_message,
    state::{self, Record, RecordMap, RecordSocket},
    sys, Group, LoadError, LoadOptions, Loaded, Protocol, TakenSocket,
};

const MAP_TYPE_SOCKMAP: u32 = 15;
const MAP_TYPE_SOCKHASH: u32 = 18;
const MAP_TYPE_REUSEPORT_SOCKARRAY: u32 = 20;

/// Where a named load's program came from, for its record.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The policy file, if any.
    pub policy: Option<String>,
    /// The policy's source text, fingerprinted in the record.
    pub source: Option<String>,
}

/// A group from sockets the calling process holds itself (a server that owns its sockets
/// and steers them, without `pidfd_getfd`): each must be a bound UDP or listening TCP socket
/// with SO_REUSEPORT, all of one protocol and address. Map index i holds `sockets[i]`; the
/// descriptors are duplicated, so the caller keeps its own.
///
/// ```no_run
/// use std::os::fd::AsFd;
/// let a = std::net::UdpSocket::bind("127.0.0.1:0")?; // with SO_REUSEPORT in a real server
/// let group = rsteer_loader::lifecycle::own_group(&[a.as_fd()])?;
/// assert_eq!(group.sockets.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn own_group(sockets: &[BorrowedFd<'_>]) -> Result<Group, LoadError> {
    let pid = std::process::id() as i32;
    let mut taken: Vec<TakenSocket> = Vec::new();
    let mut protocol = None;
    for sock in sockets {
        let target_fd = sock.as_raw_fd();
        let refuse = |reason: String| LoadError::OwnSocket { fd: target_fd, reason };
        let fd = sock.try_clone_to_owned().map_err(|e| refuse(format!("it cannot be duplicated: {e}")))?;
        let inode = {
            use std::os::unix::fs::MetadataExt as _;
            let copy = fd.try_clone().map_err(|e| refuse(format!("it cannot be duplicated: {e}")))?;
            std::fs::File::from(copy).metadata().map(|m| m.ino()).unwrap_or(0)
        };
        match crate::discover::classify(&fd) {
            Ok(Some((p, local, cookie))) => {
                if let Some(first) = taken.first() {
                    if first.local != local || protocol != Some(p) {
                        return Err(refuse(format!(
                            "it is {p} {local}, the group's first socket {} {}",
                            protocol.unwrap_or(p),
                            first.local
                        )));
                    }
                }
                protocol = Some(p);
                taken.push(TakenSocket { pid, target_fd, inode, cookie, local, fd });
            }
            Ok(None) => return Err(refuse("it is not a bound UDP or listening TCP socket with SO_REUSEPORT".into())),
            Err(e) => return Err(refuse(format!("it cannot be inspected: {e}"))),
        }
    }
    let (Some(protocol), Some(first)) = (protocol, taken.first()) else {
        return Err(LoadError::EmptyGroup);
    };
    let local = first.local;
    Ok(Group { protocol, local, sockets: taken })
}

/// The default name of a load: the policy's file stem and the port (`by_match-4433`).
pub fn default_name(policy: &Path, port: u16) -> String {
    let stem = policy.file_stem().and_then(|s| s.to_str()).unwrap_or("policy");
    let stem: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') { c } else { '_' }).collect();
    format!("{stem}-{port}")
}

fn kind_name(map_type: u32) -> String {
    match map_type {
        MAP_TYPE_REUSEPORT_SOCKARRAY => "sockarray".into(),
        MAP_TYPE_SOCKMAP => "sockmap".into(),
        MAP_TYPE_SOCKHASH => "sockhash".into(),
        t => format!("type{t}"),
    }
}

fn is_socket_kind(kind: &str) -> bool {
    matches!(kind, "sockarray" | "sockmap" | "sockhash")
}

/// A map's shape in words: `SockHash with 8-byte keys (the socket cookie) and 8-byte values, 64 entries`.
fn shape_words(map_type: u32, key: u32, value: u32, max: u32) -> String {
    let kind = match map_type {
        MAP_TYPE_REUSEPORT_SOCKARRAY => "a SockArray (REUSEPORT_SOCKARRAY)",
        MAP_TYPE_SOCKMAP => "a SockMap",
        MAP_TYPE_SOCKHASH => "a SockHash",
        1 => "a HashMap",
        2 => "an Array",
        6 => "a PerCpuArray",
        9 => "an LruHashMap",
        11 => "an LpmTrie",
        _ => "a map",
    };
    let key_words = match (map_type, key) {
        (MAP_TYPE_SOCKHASH, 8) => "8-byte keys (a u64, the socket cookie)".to_string(),
        (MAP_TYPE_REUSEPORT_SOCKARRAY | MAP_TYPE_SOCKMAP | 2 | 6, 4) => "4-byte keys (a u32 index)".to_string(),
        (_, k) => format!("{k}-byte keys"),
    };
    format!("{kind} with {key_words}, {value}-byte values and {max} entries")
}

fn kernel(what: String, e: &dyn std::fmt::Display) -> LoadError {
    LoadError::Kernel { what, source: io::Error::other(e.to_string()) }
}

fn state_io(what: String, source: io::Error) -> LoadError {
    LoadError::State { what, source }
}

/// `/proc/PID/ns/net`'s inode.
fn netns_of(pid: i32) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()?;
    link.to_str()?.strip_prefix("net:[")?.strip_suffix(']')?.parse().ok()
}

/// The owner of a socket (the sockfs inode's uid is the socket's `sk_uid`).
fn socket_uid(fd: &OwnedFd) -> Option<u32> {
    use std::os::unix::fs::MetadataExt as _;
    let file = std::fs::File::from(fd.try_clone().ok()?);
    file.metadata().ok().map(|m| m.uid())
}

/// The sockets of `pids` in the reuseport group `protocol` `local`: ordered by the order of
/// `pids`, then by fd; a socket open in several processes counts once (by inode), under the
/// first pid that has it. A pid with no socket in that group is refused, saying why.
pub fn collect_group(name: &str, protocol: Protocol, local: SocketAddr, pids: &[i32]) -> Result<Group, LoadError> {
    let mut sockets: Vec<TakenSocket> = Vec::new();
    let mut seen = HashSet::new();
    for &pid in pids {
        let groups = crate::discover(pid).map_err(|e| match e {
            LoadError::NoReuseportSocket { pid, .. } => LoadError::NotInGroup {
                name: name.to_string(),
                pid,
                reason: format!("it has no SO_REUSEPORT socket, and the load's group is {protocol} {local}"),
            },
            other => other,
        })?;
        let listing: Vec<String> = groups.iter().map(|g| g.summary().to_string()).collect();
        let Some(group) = groups.into_iter().find(|g| g.protocol == protocol && g.local == local) else {
            return Err(LoadError::NotInGroup {
                name: name.to_string(),
                pid,
                reason: format!(
                    "none of its sockets is in the group {protocol} {local} (its reuseport groups: {})",
                    listing.join(", ")
                ),
            });
        };
        for s in group.sockets {
            if seen.insert(s.inode) {
                sockets.push(s);
            }
        }
    }
    if sockets.is_empty() {
        return Err(LoadError::EmptyGroup);
    }
    Ok(Group { protocol, local, sockets })
}

/// Adds the sockets of `more` pids to `group` (prefork: the workers of several processes in
/// one table), in the order of the pids, a shared socket once.
pub fn extend_group(mut group: Group, more: &[i32]) -> Result<Group, LoadError> {
    if more.is_empty() {
        return Ok(group);
    }
    let extra = collect_group("(new)", group.protocol, group.local, more)?;
    let mut seen: HashSet<u64> = group.sockets.iter().map(|s| s.inode).collect();
    for s in extra.sockets {
        if seen.insert(s.inode) {
            group.sockets.push(s);
        }
    }
    Ok(group)
}

/// Refuses sockets of another network namespace or user than the record's: the kernel keeps
/// them in another group, where the program does not run.
fn check_same_group(record: &Record, group: &Group) -> Result<(), LoadError> {
    for s in &group.sockets {
        if let (Some(want), Some(got)) = (record.netns, netns_of(s.pid)) {
            if want != got {
                return Err(LoadError::NotInGroup {
                    name: record.name.clone(),
                    pid: s.pid,
                    reason: format!("it is in network namespace net:[{got}], the load's group in net:[{want}]"),
                });
            }
        }
        if let (Some(want), Some(got)) = (record.uid, socket_uid(&s.fd)) {
            if want != got {
                return Err(LoadError::NotInGroup {
                    name: record.name.clone(),
                    pid: s.pid,
                    reason: format!(
                        "its socket fd {} belongs to uid {got}, the group's to uid {want}: the kernel puts one user's sockets in a group",
                        s.target_fd
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The maps of a loaded program, by id, with the object's full names (the kernel keeps 15
/// characters of a name).
fn program_maps(program_id: u32, object: &[u8]) -> Result<Vec<RecordMap>, LoadError> {
    let parsed = crate::attach::parse_object(object)?;
    let names: Vec<String> = parsed.maps.keys().cloned().collect();
    let prog = aya::programs::loaded_programs()
        .flatten()
        .find(|p| p.id() == program_id)
        .ok_or_else(|| kernel(format!("finding program {program_id}"), &"it is not loaded"))?;
    let ids = prog.map_ids().map_err(|e| kernel(format!("reading program {program_id}'s maps"), &e))?;
    let mut out = Vec::new();
    for id in ids.unwrap_or_default() {
        let info = MapInfo::from_id(id).map_err(|e| kernel(format!("reading map {id}"), &e))?;
        let live = info.name_as_str().unwrap_or("").to_string();
        let name =
            names.iter().find(|n| **n == live || (live.len() == 15 && n.starts_with(&live))).cloned().unwrap_or(live);
        out.push(RecordMap {
            name,
            kind: kind_name(info.map_type().map(|t| t as u32).unwrap_or(0)),
            key_size: info.key_size(),
            value_size: info.value_size(),
            max_entries: info.max_entries(),
            id,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn pin_program_and_maps(name: &str, program_id: u32, maps: &[RecordMap]) -> Result<(), LoadError> {
    let prog = aya::programs::loaded_programs()
        .flatten()
        .find(|p| p.id() == program_id)
        .ok_or_else(|| kernel(format!("finding program {program_id}"), &"it is not loaded"))?;
    let fd = prog.fd().map_err(|e| kernel(format!("opening program {program_id}"), &e))?;
    state::pin_replacing(fd.as_fd(), &state::program_pin(name))?;
    for m in maps {
        let info = MapInfo::from_id(m.id).map_err(|e| kernel(format!("reading map {}", m.id), &e))?;
        let fd = info.fd().map_err(|e| kernel(format!("opening map {}", m.id), &e))?;
        state::pin_replacing(fd.as_fd(), &state::map_pin(name, &m.name))?;
    }
    Ok(())
}

fn unique_pids(sockets: &[TakenSocket]) -> Vec<i32> {
    let mut pids = Vec::new();
    for s in sockets {
        if !pids.contains(&s.pid) {
            pids.push(s.pid);
        }
    }
    pids
}

/// Loads `object` onto `group` as [`crate::load`] does, under `name`: the program, every
/// map and the record are pinned under `/sys/fs/bpf/rsteer/NAME/`. A taken name is refused
/// before anything is loaded; a failure at any step (a target process that exits during the
/// load among them) leaves no pins, no record and no program attached.
///
/// ```no_run
/// # let object: Vec<u8> = Vec::new();
/// let group = rsteer_loader::select_group(rsteer_loader::discover(1234)?, Some(4433), None)?;
/// let origin = rsteer_loader::lifecycle::Origin::default();
/// let opts = rsteer_loader::LoadOptions::default();
/// let (loaded, record) = rsteer_loader::lifecycle::load_named(&object, &group, &opts, "by_match-4433", &origin)?;
/// println!("{} sockets under {}", loaded.rows.len(), rsteer_loader::state::load_dir(&record.name).display());
/// # Ok::<(), rsteer_loader::LoadError>(())
/// ```
pub fn load_named(
    object: &[u8],
    group: &Group,
    opts: &LoadOptions,
    name: &str,
    origin: &Origin,
) -> Result<(Loaded, Record), LoadError> {
    if opts.replace {
        return Err(LoadError::MapUse {
            map: "-".into(),
            reason: "a named load replaces with `replace`, not with `load --replace`".into(),
        });
    }
    let _lock = state::lock_for(name, true)?;
    state::create_dir(name)?;
    let result = (|| {
        let loaded = crate::load(object, group, opts)?;
        let finish = || -> Result<Record, LoadError> {
            let maps = program_maps(loaded.program_id, object)?;
            pin_program_and_maps(name, loaded.program_id, &maps)?;
            if let Some(pid) = first_exited(group) {
                return Err(LoadError::ProcessExited { pid, verb: "load" });
            }
            let sockets = group
                .sockets
                .iter()
                .enumerate()
                .map(|(i, s)| RecordSocket {
                    index: i as u32,
                    pid: s.pid,
                    fd: s.target_fd,
                    cookie: s.cookie,
                    inode: s.inode,
                    generation: 0,
                })
                .collect();
            let record = Record {
                version: state::RECORD_VERSION,
                name: name.to_string(),
                policy: origin.policy.clone(),
                policy_hash: origin.source.as_ref().map(|s| state::fingerprint(s.as_bytes())),
                object_hash: state::fingerprint(object),
                program_id: loaded.program_id,
                program_name: loaded.program_name.clone(),
                proto: group.protocol,
                address: group.local.ip().to_string(),
                port: group.local.port(),
                netns: netns_of(group.pid()),
                uid: group.sockets.first().and_then(|s| socket_uid(&s.fd)),
                pids: unique_pids(&group.sockets),
                socket_map: loaded.map_name.clone(),
                maps,
                sockets,
                loaded_at: state::now(),
                joined_at: None,
                replaced_at: None,
                generation: 0,
            };
            state::write_record(&record)?;
            Ok(record)
        };
        match finish() {
            Ok(record) => Ok((loaded, record)),
            Err(e) => {
                // Undo the attach: the group must not keep a program nobody has a name for.
                let _ = crate::detach(group);
                Err(e)
            }
        }
    })();
    if result.is_err() {
        let _ = state::remove(name);
    }
    result
}

/// Takes the sockets of the record back from their processes: those still open, newest
/// generation first.
fn retake(record: &Record) -> Vec<TakenSocket> {
    let mut order: Vec<&RecordSocket> = record.sockets.iter().collect();
    order.sort_by_key(|s| (std::cmp::Reverse(s.generation), s.index));
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for s in order {
        if !seen.insert(s.inode) || !holds(s.pid, s.fd, s.inode) {
            continue;
        }
        let Ok(pidfd) = sys::pidfd_open(s.pid) else { continue };
        let Ok(fd) = sys::pidfd_getfd(pidfd.as_fd(), s.fd) else { continue };
        let local = socket2::SockRef::from(&fd).local_addr().ok().and_then(|a| a.as_socket());
        let Some(local) = local else { continue };
        out.push(TakenSocket { pid: s.pid, target_fd: s.fd, inode: s.inode, cookie: s.cookie, local, fd });
    }
    out
}

fn write_socket(
    map: BorrowedFd<'_>,
    map_name: &str,
    key: &[u8],
    value_size: u32,
    s: &TakenSocket,
) -> Result<(), LoadError> {
    let raw = (s.fd.as_raw_fd() as u64).to_ne_bytes();
    update_retrying_busy(map, key, &raw[..value_size as usize]).map_err(|source| LoadError::MapUpdate {
        map: map_name.to_string(),
        key: if key.len() == 8 {
            format!("cookie {}", u64::from_ne_bytes(key.try_into().unwrap_or([0; 8])))
        } else {
            format!("{:?}", key)
        },
        pid: s.pid,
        target_fd: s.target_fd,
        local: s.local,
        source,
    })
}

/// The cookie at an index of a socket map with 8-byte values, if any.
fn cookie_at(map: BorrowedFd<'_>, key: &[u8]) -> Option<u64> {
    let mut out = [0u8; 8];
    sys::map_lookup(map, key, &mut out).ok().map(|_| u64::from_ne_bytes(out))
}

/// Fills a socket map with `sockets`: a SockHash gains them by cookie (and keeps what it
/// holds); an index map gets them at 0..n, each entry written over in place, and loses the
/// entries past n, so that new flows go to these sockets.
fn fill_map(map: BorrowedFd<'_>, m: &RecordMap, sockets: &[TakenSocket]) -> Result<(), LoadError> {
    if sockets.len() > m.max_entries as usize {
        return Err(LoadError::TooManySockets {
            map: m.name.clone(),
            max_entries: m.max_entries,
            sockets: sockets.len(),
            local: sockets[0].local,
        });
    }
    match m.kind.as_str() {
        "sockhash" => {
            for s in sockets {
                write_socket(map, &m.name, &s.cookie.to_ne_bytes(), m.value_size, s)?;
            }
        }
        _ => {
            for (i, s) in sockets.iter().enumerate() {
                let key = (i as u32).to_ne_bytes();
                if m.value_size == 8 && cookie_at(map, &key) == Some(s.cookie) {
                    continue; // already there (a process that joins with the sockets it inherited)
                }
                if m.kind == "sockarray" {
                    // A socket sits in one sockarray slot at most: move it if it is elsewhere.
                    for j in 0..m.max_entries {
                        let k = j.to_ne_bytes();
                        if j as usize != i && cookie_at(map, &k) == Some(s.cookie) {
                            let _ = sys::map_delete(map, &k);
                        }
                    }
                }
                write_socket(map, &m.name, &key, m.value_size, s)?;
            }
            for j in sockets.len() as u32..m.max_entries {
                let _ = sys::map_delete(map, &j.to_ne_bytes());
            }
        }
    }
    Ok(())
}

/// `join NAME --pid PID...`: takes the group's sockets of `pids` and writes them into the
/// load's socket maps (SockHash: added by cookie, the old ones kept; SockArray and SockMap:
/// the new sockets at 0..n). The program is attached again through a new socket (the same
/// program: an atomic no-op when the group still has it, and the program of a group whose
/// old sockets have all closed). Returns the updated record.
///
/// A restarted server brings its own new sockets in (after binding them with SO_REUSEPORT
/// on the same address and port):
///
/// ```no_run
/// let me = std::process::id() as i32;
/// let record = rsteer_loader::lifecycle::join("by_match-4433", &[me])?;
/// println!("generation {} has {} sockets", record.generation, record.current().len());
/// # Ok::<(), rsteer_loader::LoadError>(())
/// ```
pub fn join(name: &str, pids: &[i32]) -> Result<Record, LoadError> {
    let record = state::read_record(name)?;
    let group = collect_group(name, record.proto, record.local()?, pids)?;
    join_group(name, &group)
}

/// [`join`] with a group the caller made: a server that owns its sockets joins its new
/// generation with [`own_group`] of the new sockets only.
pub fn join_group(name: &str, group: &Group) -> Result<Record, LoadError> {
    let _lock = state::lock(name)?;
    let mut record = state::read_record(name)?;
    let local = group.local;
    if group.protocol != record.proto
        || group.local.port() != record.port
        || group.local.ip().to_string() != record.address
    {
        return Err(LoadError::NotInGroup {
            name: name.to_string(),
            pid: group.pid(),
            reason: format!(
                "its sockets are {} {}, the load's group is {} {}:{}",
                group.protocol, group.local, record.proto, record.address, record.port
            ),
        });
    }
    check_same_group(&record, group)?;
    let prog = state::open_pin(&state::program_pin(name))?;
    // Every map must take the group before any is written: a refusal changes nothing.
    for m in record.maps.iter().filter(|m| is_socket_kind(&m.kind) && m.kind != "sockhash") {
        if group.sockets.len() > m.max_entries as usize {
            return Err(LoadError::TooManySockets {
                map: m.name.clone(),
                max_entries: m.max_entries,
                sockets: group.sockets.len(),
                local: group.local,
            });
        }
    }
    // A process that exited since its sockets were taken would leave only our copies in
    // the maps, gone when we exit: refuse before anything is written.
    if let Some(pid) = first_exited(group) {
        return Err(LoadError::ProcessExited { pid, verb: "join" });
    }
    for m in record.maps.iter().filter(|m| is_socket_kind(&m.kind)) {
        let fd = state::open_pin(&state::map_pin(name, &m.name))?;
        fill_map(fd.as_fd(), m, &group.sockets)?;
    }
    let first = &group.sockets[0];
    sys::attach_reuseport_prog(first.fd.as_fd(), prog.as_fd()).map_err(|source| LoadError::Attach {
        program: record.program_name.clone(),
        pid: first.pid,
        target_fd: first.target_fd,
        local,
        source,
    })?;
    if let Some(pid) = first_exited(group) {
        return Err(LoadError::ProcessExited { pid, verb: "join" });
    }
    let generation = record.generation + 1;
    let inodes: HashSet<u64> = group.sockets.iter().map(|s| s.inode).collect();
    record.sockets.retain(|s| !inodes.contains(&s.inode));
    for (i, s) in group.sockets.iter().enumerate() {
        record.sockets.push(RecordSocket {
            index: i as u32,
            pid: s.pid,
            fd: s.target_fd,
            cookie: s.cookie,
            inode: s.inode,
            generation,
        });
    }
    for pid in unique_pids(&group.sockets) {
        if !record.pids.contains(&pid) {
            record.pids.push(pid);
        }
    }
    record.generation = generation;
    record.joined_at = Some(state::now());
    state::write_record(&record)?;
    Ok(record)
}

/// What [`replace`] did with each map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub record: Record,
    /// Live maps the new program took over.
    pub kept: Vec<String>,
    /// Maps that start empty (new in the policy, of another shape, or `--fresh`).
    pub fresh: Vec<String>,
    /// Socket maps that start with the current sockets.
    pub filled: Vec<String>,
    /// Live maps the new policy no longer has.
    pub dropped: Vec<String>,
}

/// `replace NAME POLICY`: loads `object`, hands it every live map of the same name and shape
/// (except those in `fresh`), fills its new socket maps with the current sockets, swaps it in
/// with one `SO_ATTACH_REUSEPORT_EBPF` and updates the pins and the record. A socket map of
/// the same name whose shape differs is refused, both shapes in words; nothing changes then.
pub fn replace(
    name: &str,
    object: &[u8],
    fresh: &[String],
    program: Option<&str>,
    origin: &Origin,
) -> Result<Replaced, LoadError> {
    crate::attach::validate(object)?;
    crate::attach::contain(|| replace_checked(name, object, fresh, program, origin))
}

fn replace_checked(
    name: &str,
    object: &[u8],
    fresh: &[String],
    program: Option<&str>,
    origin: &Origin,
) -> Result<Replaced, LoadError> {
    let _lock = state::lock(name)?;
    let mut record = state::read_record(name)?;
    for f in fresh {
        if !record.maps.iter().any(|m| &m.name == f) {
            return Err(LoadError::UnknownMap {
                name: f.clone(),
                available: record.maps.iter().map(|m| m.name.clone()).collect(),
            });
        }
    }
    let sockets = retake(&record);
    if sockets.is_empty() {
        return Err(LoadError::GroupGone { name: name.to_string() });
    }
    let parsed = crate::attach::parse_object(object)?;
    let mut kept = Vec::new();
    let mut new_maps = Vec::new();
    let mut pins = Vec::new();
    for (map_name, def) in parsed.maps.iter() {
        let pin = state::map_pin(name, map_name);
        let live = record.maps.iter().find(|m| &m.name == map_name);
        let info = live.and_then(|_| MapInfo::from_pin(&pin).ok());
        let want = (def.map_type(), def.key_size(), def.value_size(), def.max_entries());
        match info {
            Some(info) if !fresh.contains(map_name) => {
                let have = (
                    info.map_type().map(|t| t as u32).unwrap_or(0),
                    info.key_size(),
                    info.value_size(),
                    info.max_entries(),
                );
                if have == want {
                    kept.push(map_name.clone());
                    pins.push((map_name.clone(), pin));
                } else if is_socket_kind(&kind_name(have.0)) || is_socket_kind(&kind_name(want.0)) {
                    return Err(LoadError::SocketMapShape {
                        map: map_name.clone(),
                        live: shape_words(have.0, have.1, have.2, have.3),
                        new: shape_words(want.0, want.1, want.2, want.3),
                    });
                } else {
                    new_maps.push(map_name.clone());
                }
            }
            _ => new_maps.push(map_name.clone()),
        }
    }
    let mut loader = EbpfLoader::new();
    for (n, p) in &pins {
        loader.map_pin_path(n.as_str(), p.as_path());
    }
    let mut ebpf = loader.load(object).map_err(|e| {
        let message = full_message(&e);
        let kind = errno_in_chain(&e).map(|n| io::Error::from_raw_os_error(n).kind());
        LoadError::Kernel {
            what: "loading the object".into(),
            source: io::Error::new(kind.unwrap_or(io::ErrorKind::Other), message),
        }
    })?;
    let mut programs: Vec<String> =
        ebpf.programs().filter(|(_, p)| matches!(p, Program::SkReuseport(_))).map(|(n, _)| n.to_string()).collect();
    programs.sort();
    let program_name = match program {
        Some(p) if programs.iter().any(|q| q == p) => p.to_string(),
        Some(p) => return Err(LoadError::UnknownProgram { name: p.to_string(), available: programs }),
        None if programs.len() == 1 => programs[0].clone(),
        None if programs.contains(&record.program_name) => record.program_name.clone(),
        None if programs.is_empty() => return Err(LoadError::NoProgram),
        None => return Err(LoadError::AmbiguousProgram { names: programs }),
    };
    // New socket maps start with the current sockets, as a load would fill them.
    let mut filled = Vec::new();
    let current: Vec<TakenSocket> = {
        let gen: HashSet<u64> = record.current().iter().map(|s| s.inode).collect();
        sockets
            .iter()
            .filter(|s| gen.contains(&s.inode))
            .map(|s| TakenSocket {
                pid: s.pid,
                target_fd: s.target_fd,
                inode: s.inode,
                cookie: s.cookie,
                local: s.local,
                fd: s.fd.try_clone().expect("dup a socket"),
            })
            .collect()
    };
    let fill_with = if current.is_empty() { &sockets } else { &current };
    for n in &new_maps {
        let Some(map) = ebpf.map(n) else { continue };
        let def = &parsed.maps[n];
        let t = def.map_type();
        if !is_socket_kind(&kind_name(t)) {
            continue;
        }
        let m = RecordMap {
            name: n.clone(),
            kind: kind_name(t),
            key_size: def.key_size(),
            value_size: def.value_size(),
            max_entries: def.max_entries(),
            id: 0,
        };
        let fd = map_fd_of(map).ok_or_else(|| kernel(format!("opening map `{n}`"), &"no descriptor"))?;
        fill_map(fd.as_fd(), &m, fill_with)?;
        filled.push(n.clone());
    }
    let prog: &mut SkReuseport =
        ebpf.program_mut(&program_name).expect("listed").try_into().map_err(|e: aya::programs::ProgramError| {
            LoadError::ProgramLoad { program: program_name.clone(), message: full_message(&e) }
        })?;
    prog.load().map_err(|e| crate::attach::program_load_error(&program_name, e, object))?;
    let program_id = prog.info().map_err(|e| kernel(format!("reading the id of `{program_name}`"), &e))?.id();
    let prog_fd = prog.fd().map_err(|e| kernel(format!("the descriptor of `{program_name}`"), &e))?;
    let first = &sockets[0];
    // The swap: one setsockopt replaces the group's program atomically.
    sys::attach_reuseport_prog(first.fd.as_fd(), prog_fd.as_fd()).map_err(|source| LoadError::Attach {
        program: program_name.clone(),
        pid: first.pid,
        target_fd: first.target_fd,
        local: first.local,
        source,
    })?;
    state::pin_replacing(prog_fd.as_fd(), &state::program_pin(name))?;
    let maps = program_maps(program_id, object)?;
    for m in &maps {
        if kept.contains(&m.name) {
            continue;
        }
        let info = MapInfo::from_id(m.id).map_err(|e| kernel(format!("reading map {}", m.id), &e))?;
        let fd = info.fd().map_err(|e| kernel(format!("opening map {}", m.id), &e))?;
        state::pin_replacing(fd.as_fd(), &state::map_pin(name, &m.name))?;
    }
    let mut dropped = Vec::new();
    for old in &record.maps {
        if !maps.iter().any(|m| m.name == old.name) {
            let _ = std::fs::remove_file(state::map_pin(name, &old.name));
            dropped.push(old.name.clone());
        }
    }
    let mut fresh_maps: Vec<String> = new_maps.into_iter().filter(|n| !filled.contains(n)).collect();
    kept.sort();
    fresh_maps.sort();
    filled.sort();
    dropped.sort();
    record.program_id = program_id;
    record.program_name = program_name;
    record.object_hash = state::fingerprint(object);
    if origin.policy.is_some() {
        record.policy = origin.policy.clone();
    }
    record.policy_hash = origin.source.as_ref().map(|s| state::fingerprint(s.as_bytes()));
    if !maps.iter().any(|m| m.name == record.socket_map) {
        if let Some(m) = maps.iter().find(|m| is_socket_kind(&m.kind)) {
            record.socket_map = m.name.clone();
        }
    }
    record.maps = maps;
    record.replaced_at = Some(state::now());
    state::write_record(&record)?;
    Ok(Replaced { record, kept, fresh: fresh_maps, filled, dropped })
}

fn map_fd_of(map: &aya::maps::Map) -> Option<OwnedFd> {
    use aya::maps::Map;
    let data = match map {
        Map::ReusePortSockArray(d) | Map::SockMap(d) | Map::SockHash(d) => d,
        _ => return None,
    };
    data.fd().as_fd().try_clone_to_owned().ok()
}

/// One socket of a load, as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketStatus {
    pub socket: RecordSocket,
    /// Its process still holds it open.
    pub alive: bool,
    /// The socket maps that hold it now.
    pub maps: Vec<String>,
}

/// A named load, as `status` shows it.
#[derive(Debug, Clone)]
pub struct Status {
    pub record: Record,
    /// The program's tag (hex), when it is still loaded.
    pub tag: Option<String>,
    pub sockets: Vec<SocketStatus>,
    /// No socket of the group is open any more.
    pub gone: bool,
}

/// The status of the load `name`.
///
/// ```no_run
/// for name in rsteer_loader::state::names() {
///     let s = rsteer_loader::lifecycle::status(&name)?;
///     let alive = s.sockets.iter().filter(|x| x.alive).count();
///     println!("{name}: prog {} on port {}, {alive} sockets alive", s.record.program_id, s.record.port);
/// }
/// # Ok::<(), rsteer_loader::LoadError>(())
/// ```
pub fn status(name: &str) -> Result<Status, LoadError> {
    let record = state::read_record(name)?;
    let tag = aya::programs::loaded_programs()
        .flatten()
        .find(|p| p.id() == record.program_id && p.program_type() as u32 == PROG_TYPE_SK_REUSEPORT)
        .map(|p| format!("{:016x}", p.tag()));
    let mut map_fds = Vec::new();
    for m in record.maps.iter().filter(|m| is_socket_kind(&m.kind) && m.value_size == 8) {
        if let Ok(fd) = sys::obj_get(&state::map_pin(name, &m.name)) {
            map_fds.push((m, fd));
        }
    }
    let mut sockets: Vec<SocketStatus> = record
        .sockets
        .iter()
        .map(|s| {
            let alive = holds(s.pid, s.fd, s.inode);
            let maps = map_fds
                .iter()
                .filter(|(m, fd)| {
                    if m.kind == "sockhash" {
                        cookie_at(fd.as_fd(), &s.cookie.to_ne_bytes()) == Some(s.cookie)
                    } else {
                        cookie_at(fd.as_fd(), &s.index.to_ne_bytes()) == Some(s.cookie)
                    }
                })
                .map(|(m, _)| m.name.clone())
                .collect();
            SocketStatus { socket: s.clone(), alive, maps }
        })
        .collect();
    sockets.sort_by_key(|s| (std::cmp::Reverse(s.socket.generation), s.socket.index));
    let gone = !sockets.iter().any(|s| s.alive);
    Ok(Status { record, tag, sockets, gone })
}

/// How [`detach_named`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detached {
    /// The program was detached from the group, and the state removed.
    Detached,
    /// The group had gone (no socket open): only the state was removed.
    GroupGone,
    /// The group lives but has no program any more (detached by other means): the state was removed.
    NothingAttached,
}

/// `detach NAME`: detaches the program from the load's group and removes its pins and record.
pub fn detach_named(name: &str) -> Result<Detached, LoadError> {
    let _lock = state::lock(name)?;
    let record = state::read_record(name)?;
    let sockets = retake(&record);
    let outcome = match sockets.first() {
        None => Detached::GroupGone,
        Some(s) => match sys::detach_reuseport_prog(s.fd.as_fd()) {
            Ok(()) => Detached::Detached,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Detached::NothingAttached,
            Err(source) => return Err(LoadError::Detach { pid: s.pid, local: s.local, source }),
        },
    };
    state::remove(name)?;
    Ok(outcome)
}

/// The named load whose program is `program_id`, if any (for `detach --pid` and
/// `load --replace` on a group that has a name).
pub fn name_of_program(program_id: u32) -> Option<String> {
    state::names().into_iter().find(|n| state::read_record(n).is_ok_and(|r| r.program_id == program_id))
}

/// The named load of a group: the record of the same protocol and address whose sockets
/// include one of the group's (by inode). Found this way rather than through the attached
/// program, whose socket map may not be readable (4-byte values).
pub fn name_of_group(group: &Group) -> Option<String> {
    let inodes: HashSet<u64> = group.sockets.iter().map(|s| s.inode).collect();
    state::names().into_iter().find(|n| {
        state::read_record(n).is_ok_and(|r| {
            r.proto == group.protocol
                && r.port == group.local.port()
                && r.address == group.local.ip().to_string()
                && r.sockets.iter().any(|s| inodes.contains(&s.inode))
        })
    })
}

/// Removes the state of a load (after its group was detached by pid).
pub fn forget(name: &str) -> Result<(), LoadError> {
    state::remove(name).map_err(|e| match e {
        LoadError::State { what, source } => state_io(what, source),
        other => other,
    })
}
