//! Loading a program, filling its socket map, attaching and detaching.

use std::{
    collections::HashSet,
    io,
    net::SocketAddr,
    os::fd::{AsFd, BorrowedFd},
    time::{Duration, Instant},
};

use aya::{
    maps::{Map, MapData, MapInfo},
    programs::{Program, SkReuseport},
    EbpfLoader,
};

use crate::{error::full_message, sys, Group, LoadError};

use rsteer_bpf::MapType;
pub(crate) use rsteer_bpf::PROG_TYPE_SK_REUSEPORT;

/// How long a map insert that meets EBUSY is retried. Right after a detach the
/// old program's sockarray still holds the sockets until an RCU grace period
/// frees it; a live program's map holds them for good.
const BUSY_RETRY_FOR: Duration = Duration::from_millis(1000);
const BUSY_RETRY_SLEEP: Duration = Duration::from_millis(20);

/// Which program and map of the object to use.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The SK_REUSEPORT program to attach; default: the object's only one.
    pub program: Option<String>,
    /// The socket map to fill with the group; default: the only
    /// REUSEPORT_SOCKARRAY, else the only SOCKMAP or SOCKHASH.
    pub map: Option<String>,
    /// Replace the program already attached to the group: the new program takes over the
    /// live socket map (same name and shape), so no socket changes index and no packet is
    /// steered to an empty map; the swap itself is one atomic `setsockopt`.
    pub replace: bool,
}

/// One entry of the filled socket map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The map index (for a SOCKHASH: the position in the group).
    pub index: u32,
    pub pid: i32,
    pub target_fd: i32,
    pub local: SocketAddr,
    /// The cookie the map holds for this entry, read back from the kernel
    /// (or `SO_COOKIE` when the map's 4-byte values cannot be read back).
    pub cookie: u64,
}

/// The result of a successful [`load`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The kernel's id of the attached program.
    pub program_id: u32,
    /// The program's name in the object.
    pub program_name: String,
    /// The socket map that was filled.
    pub map_name: String,
    /// The kind of that map.
    pub map_kind: SocketMapKind,
    pub rows: Vec<Row>,
    /// The other socket maps filled with the same group (a policy with only SOCKMAPs and
    /// SOCKHASHes gets all of them filled).
    pub also_filled: Vec<String>,
}

/// The three map types that can hold a reuseport group's sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketMapKind {
    /// REUSEPORT_SOCKARRAY, keyed by index.
    SockArray,
    /// SOCKMAP, keyed by index.
    SockMap,
    /// SOCKHASH, keyed by the socket cookie (u64).
    SockHash,
}

impl SocketMapKind {
    fn from_type(t: u32) -> Option<Self> {
        match MapType::from_u32(t)? {
            MapType::ReuseportSockarray => Some(Self::SockArray),
            MapType::Sockmap => Some(Self::SockMap),
            MapType::Sockhash => Some(Self::SockHash),
            _ => None,
        }
    }
}

fn socket_map_data(map: &Map) -> Option<(&MapData, SocketMapKind)> {
    match map {
        Map::ReusePortSockArray(d) => Some((d, SocketMapKind::SockArray)),
        Map::SockMap(d) => Some((d, SocketMapKind::SockMap)),
        Map::SockHash(d) => Some((d, SocketMapKind::SockHash)),
        _ => None,
    }
}

/// The socket map of the attached program, pinned for the time of a replacement so that
/// the new program's map of the same name resolves to it.
struct LiveMap {
    name: String,
    pin: std::path::PathBuf,
}

impl LiveMap {
    fn pin(map_id: u32, object: &[u8]) -> Result<LiveMap, LoadError> {
        let kernel = |what: String, e: &dyn std::fmt::Display| LoadError::Kernel {
            what,
            source: io::Error::other(e.to_string()),
        };
        let data = MapData::from_id(map_id).map_err(|e| kernel(format!("opening map {map_id}"), &full_message(&e)))?;
        let info = data.info().map_err(|e| kernel(format!("reading map {map_id}"), &full_message(&e)))?;
        let live_name = info.name_as_str().unwrap_or("").to_string();
        // The kernel keeps 15 characters of a map's name: find the object's map it was.
        let parsed = parse_object(object)?;
        let Some((name, def)) =
            parsed.maps.iter().find(|(n, _)| **n == live_name || (live_name.len() == 15 && n.starts_with(&live_name)))
        else {
            return Err(LoadError::MapUse {
                map: live_name.clone(),
                reason: "the new object has no map of that name to take it over; detach, then load".into(),
            });
        };
        let same = def.map_type() == info.map_type().map(|t| t as u32).unwrap_or(u32::MAX)
            && def.key_size() == info.key_size()
            && def.value_size() == info.value_size()
            && def.max_entries() == info.max_entries();
        if !same {
            return Err(LoadError::MapUse {
                map: name.clone(),
                reason: format!(
                    "a replacement keeps the live map, whose shape differs (type {}, key {} B, value {} B, {} entries); detach, then load",
                    info.map_type().map(|t| t as u32).unwrap_or(0),
                    info.key_size(),
                    info.value_size(),
                    info.max_entries()
                ),
            });
        }
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let pin = std::path::PathBuf::from(format!("/sys/fs/bpf/rsteer_replace_{}_{stamp}", std::process::id()));
        data.pin(&pin).map_err(|e| kernel(format!("pinning map `{name}` at {}", pin.display()), &e))?;
        Ok(LiveMap { name: name.clone(), pin })
    }
}

impl Drop for LiveMap {
    fn drop(&mut self) {
        // The programs that use the map keep it alive; the pin was only for the loader.
        let _ = std::fs::remove_file(&self.pin);
    }
}

/// The table of a live socket map, matched to the group's sockets by cookie: every key the
/// map holds (an index map may have holes where sockets closed; a SockHash is keyed by
/// cookie), with the socket that sits there.
fn read_rows(data: &MapData, kind: SocketMapKind, map_name: &str, group: &Group) -> Result<Vec<Row>, LoadError> {
    let fd = data.fd().as_fd();
    let key_size = match kind {
        SocketMapKind::SockHash => 8,
        _ => 4,
    };
    let mut rows = Vec::new();
    let mut key = vec![0u8; key_size];
    let mut next = vec![0u8; key_size];
    let mut first = true;
    let mut position = 0u32;
    for _ in 0..(1 << 20) {
        if sys::map_next_key(fd, (!first).then_some(&key[..]), &mut next).is_err() {
            break;
        }
        first = false;
        std::mem::swap(&mut key, &mut next);
        let mut out = [0u8; 8];
        if sys::map_lookup(fd, &key, &mut out).is_err() {
            continue; // an empty slot of an index map
        }
        let cookie = u64::from_ne_bytes(out);
        let Some(holder) = group.sockets.iter().find(|s| s.cookie == cookie) else {
            log::debug!("map `{map_name}` holds cookie {cookie}, which is not in the group");
            continue;
        };
        let index = match kind {
            SocketMapKind::SockHash => position,
            _ => u32::from_ne_bytes([key[0], key[1], key[2], key[3]]),
        };
        position += 1;
        rows.push(Row { index, pid: holder.pid, target_fd: holder.target_fd, local: holder.local, cookie });
    }
    if rows.is_empty() {
        log::warn!("the live map `{map_name}` holds none of the group's sockets");
    }
    Ok(rows)
}

/// Reads `object` and creates its maps in the kernel (not yet its programs).
fn open_object(loader: &mut EbpfLoader<'_>, object: &[u8]) -> Result<aya::Ebpf, LoadError> {
    loader.load(object).map_err(|e| {
        let message = full_message(&e);
        match e {
            aya::EbpfError::ProgramError(_) | aya::EbpfError::MapError(_) => {
                // Keep the errno's kind (EPERM/EACCES → PermissionDenied) so that the CLI
                // reports a permission problem as one, with the full aya message.
                let kind = errno_in_chain(&e).map(|n| io::Error::from_raw_os_error(n).kind());
                LoadError::Kernel {
                    what: "loading the object".into(),
                    source: io::Error::new(kind.unwrap_or(io::ErrorKind::Other), message),
                }
            }
            _ => LoadError::Object { message },
        }
    })
}

/// Loads every SK_REUSEPORT program of `object` into the kernel, so that the verifier
/// checks each one, and attaches none: everything is unloaded again when this returns
/// (nothing is pinned). Returns the names of the programs, sorted.
pub fn verify(object: &[u8]) -> Result<Vec<String>, LoadError> {
    let mut ebpf = open_object(&mut EbpfLoader::new(), object)?;
    let mut names: Vec<String> =
        ebpf.programs().filter(|(_, p)| matches!(p, Program::SkReuseport(_))).map(|(n, _)| n.to_string()).collect();
    names.sort();
    for name in &names {
        let program: &mut SkReuseport = ebpf.program_mut(name).expect("program listed above").try_into().map_err(
            |e: aya::programs::ProgramError| LoadError::ProgramLoad {
                program: name.clone(),
                message: full_message(&e),
            },
        )?;
        program.load().map_err(|e| LoadError::ProgramLoad { program: name.clone(), message: full_message(&e) })?;
    }
    Ok(names)
}

/// Loads `object` (an ELF with an SK_REUSEPORT program), fills its socket map
/// with the group's sockets (index i = `group.sockets[i]`; for a SOCKHASH the
/// key is the socket cookie) and attaches the program to the group.
///
/// Refuses a group that already has a program (see [`attached_holder`] for
/// how that is told). The group keeps the program alive after this returns;
/// nothing is detached on drop.
pub fn load(object: &[u8], group: &Group, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    validate(object)?;
    let loaded = contain(|| load_checked(object, group, opts))?;
    // A target that exited while we loaded leaves only our copies of its sockets: the load
    // did not take, whatever the kernel said.
    if let Some(pid) = crate::discover::first_exited(group) {
        if !opts.replace {
            let _ = detach(group);
        }
        return Err(LoadError::ProcessExited { pid, verb: "load" });
    }
    Ok(loaded)
}

/// Refuses an object that is not a BPF ELF object with programs and a BTF header that holds
/// together, before aya sees it (aya-obj trusts what it parses).
pub(crate) fn validate(object: &[u8]) -> Result<(), LoadError> {
    let info = rsteer_bpf::object::read(object).map_err(|message| LoadError::Object { message })?;
    // A type of a kind the reader does not know is left to aya; a broken header is refused.
    if let Some(e) = info.btf_header_error {
        return Err(LoadError::Object { message: e });
    }
    if info.programs.is_empty() {
        return Err(LoadError::Object {
            message: "it has no program (no global function in an executable section)".into(),
        });
    }
    Ok(())
}

/// Runs `f`, turning a panic inside it (in aya or aya-obj, on an object they cannot parse)
/// into [`LoadError::Object`] with the panic's message; nothing is printed for it.
pub(crate) fn contain<T>(f: impl FnOnce() -> Result<T, LoadError>) -> Result<T, LoadError> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the parser failed".into());
        Err(LoadError::Object { message: format!("it does not hold together ({what})") })
    })
}

/// aya-obj's parse of `object`, a panic contained.
pub(crate) fn parse_object(object: &[u8]) -> Result<aya_obj::Object, LoadError> {
    contain(|| aya_obj::Object::parse(object).map_err(|e| LoadError::Object { message: e.to_string() }))
}

fn load_checked(object: &[u8], group: &Group, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let first = group.sockets.first().ok_or(LoadError::EmptyGroup)?;
    let pid = first.pid;

    // Refuse before loading anything when a live program holds the sockets, unless asked
    // to replace it; then pin its socket map so the new program's map is that map.
    let holder = attached_holder(group)?;
    let live = match (holder, opts.replace) {
        (Some((program_id, map_id)), false) => {
            return Err(LoadError::AlreadyAttached {
                local: group.local,
                program_id: Some(program_id),
                map_id: Some(map_id),
            })
        }
        (None, true) => return Err(LoadError::NothingAttached { pid, local: group.local }),
        (Some((_, map_id)), true) => Some(LiveMap::pin(map_id, object)?),
        (None, false) => None,
    };
    let mut loader = EbpfLoader::new();
    if let Some(live) = &live {
        loader.map_pin_path(&live.name, live.pin.as_path());
    }
    let mut ebpf = open_object(&mut loader, object)?;

    // Choose the program.
    let mut programs: Vec<String> =
        ebpf.programs().filter(|(_, p)| matches!(p, Program::SkReuseport(_))).map(|(n, _)| n.to_string()).collect();
    programs.sort();
    let program_name = match &opts.program {
        Some(name) => {
            if !programs.iter().any(|p| p == name) {
                return Err(LoadError::UnknownProgram { name: name.clone(), available: programs });
            }
            name.clone()
        }
        None => match programs.len() {
            0 => return Err(LoadError::NoProgram),
            1 => programs[0].clone(),
            _ => return Err(LoadError::AmbiguousProgram { names: programs }),
        },
    };

    // Load the program (the verifier runs here), before the map is chosen: an object the
    // verifier refuses is reported as that, whatever maps it has.
    let program: &mut SkReuseport = ebpf.program_mut(&program_name).expect("program listed above").try_into().map_err(
        |e: aya::programs::ProgramError| LoadError::ProgramLoad {
            program: program_name.clone(),
            message: full_message(&e),
        },
    )?;
    program.load().map_err(|e| program_load_error(&program_name, e, object))?;
    let program_id = program
        .info()
        .map_err(|e| LoadError::Kernel {
            what: format!("reading the id of program `{program_name}`"),
            source: io::Error::other(full_message(&e)),
        })?
        .id();

    // Choose the map.
    let mut socket_maps: Vec<(String, SocketMapKind)> =
        ebpf.maps().filter_map(|(n, m)| socket_map_data(m).map(|(_, k)| (n.to_string(), k))).collect();
    socket_maps.sort_by(|a, b| a.0.cmp(&b.0));
    let sockarrays: Vec<String> =
        socket_maps.iter().filter(|(_, k)| *k == SocketMapKind::SockArray).map(|(n, _)| n.clone()).collect();
    if sockarrays.len() > 1 {
        return Err(LoadError::SeveralSockArrays { names: sockarrays });
    }
    let map_name = match (&live, &opts.map) {
        (Some(live), _) => live.name.clone(),
        (None, Some(name)) => {
            if !socket_maps.iter().any(|(n, _)| n == name) {
                return Err(LoadError::UnknownMap {
                    name: name.clone(),
                    available: socket_maps.into_iter().map(|(n, _)| n).collect(),
                });
            }
            name.clone()
        }
        (None, None) => {
            if let Some(name) = sockarrays.first() {
                name.clone()
            } else {
                // Only SOCKMAPs and SOCKHASHes: a socket may sit in several of them, so
                // every one is filled; the first by name gives the table.
                match socket_maps.first() {
                    None => return Err(LoadError::NoSocketMap),
                    Some((name, _)) => name.clone(),
                }
            }
        }
    };

    // Fill the map through its raw fd (8-byte values so cookies read back).
    let map = ebpf.map(&map_name).expect("map listed above");
    let (data, kind) = socket_map_data(map).expect("a socket map");
    // A replacement keeps the live map's sockets where they are.
    let rows =
        if live.is_some() { read_rows(data, kind, &map_name, group)? } else { fill(data, kind, &map_name, group)? };
    let mut also_filled = Vec::new();
    if live.is_none() && opts.map.is_none() && sockarrays.is_empty() {
        for (name, _) in socket_maps.iter().filter(|(n, _)| *n != map_name) {
            let map = ebpf.map(name).expect("map listed above");
            let (data, kind) = socket_map_data(map).expect("a socket map");
            fill(data, kind, name, group)?;
            also_filled.push(name.clone());
        }
    }

    // Attach through the first socket: the whole group gets the program.
    let program: &SkReuseport =
        ebpf.program(&program_name).expect("program listed above").try_into().expect("checked SkReuseport");
    let prog_fd = program.fd().map_err(|e| LoadError::Kernel {
        what: format!("the fd of program `{program_name}`"),
        source: io::Error::other(full_message(&e)),
    })?;
    sys::attach_reuseport_prog(first.fd.as_fd(), prog_fd.as_fd()).map_err(|source| LoadError::Attach {
        program: program_name.clone(),
        pid,
        target_fd: first.target_fd,
        local: group.local,
        source,
    })?;
    log::info!(
        "attached program `{program_name}` (id {program_id}) to {} {} of pid {pid} with {} sockets in `{map_name}`",
        group.protocol,
        group.local,
        rows.len()
    );
    // Dropping `ebpf` closes our fds; the group's reference keeps the program
    // and, through it, the map alive.
    Ok(Loaded { program_id, program_name, map_name, map_kind: kind, rows, also_filled })
}

fn fill(data: &MapData, kind: SocketMapKind, map_name: &str, group: &Group) -> Result<Vec<Row>, LoadError> {
    let info = data.info().map_err(|e| LoadError::Kernel {
        what: format!("reading the shape of map `{map_name}`"),
        source: io::Error::other(full_message(&e)),
    })?;
    let (key_size, value_size, max_entries) = (info.key_size(), info.value_size(), info.max_entries());
    let shape_err = |reason: String| LoadError::MapShape { map: map_name.to_string(), reason };
    match kind {
        SocketMapKind::SockArray | SocketMapKind::SockMap if key_size != 4 => {
            return Err(shape_err(format!("its key is {key_size} bytes, expected 4 (an index)")))
        }
        SocketMapKind::SockHash if key_size != 8 => {
            return Err(shape_err(format!("its key is {key_size} bytes, expected 8 (the socket cookie)")))
        }
        _ => {}
    }
    if value_size != 4 && value_size != 8 {
        return Err(shape_err(format!("its value is {value_size} bytes, expected 4 or 8")));
    }
    if group.sockets.len() > max_entries as usize {
        return Err(LoadError::TooManySockets {
            map: map_name.to_string(),
            max_entries,
            sockets: group.sockets.len(),
            local: group.local,
        });
    }

    let map_fd = data.fd().as_fd();
    let mut rows = Vec::with_capacity(group.sockets.len());
    for (index, socket) in group.sockets.iter().enumerate() {
        let index = index as u32;
        let key: Vec<u8> = match kind {
            SocketMapKind::SockHash => socket.cookie.to_ne_bytes().to_vec(),
            _ => index.to_ne_bytes().to_vec(),
        };
        let raw_fd = std::os::fd::AsRawFd::as_raw_fd(&socket.fd) as u64;
        let value = raw_fd.to_ne_bytes();
        let value = &value[..value_size as usize];
        let key_text = key_text(kind, index, socket.cookie);
        update_retrying_busy(map_fd, &key, value).map_err(|source| {
            if source.raw_os_error() == Some(libc::EBUSY) {
                // Still busy after the grace period: another live socket
                // map holds this socket, so a program is (almost surely)
                // attached to the group.
                LoadError::AlreadyAttached { local: group.local, program_id: None, map_id: None }
            } else {
                LoadError::MapUpdate {
                    map: map_name.to_string(),
                    key: key_text.clone(),
                    pid: socket.pid,
                    target_fd: socket.target_fd,
                    local: socket.local,
                    source,
                }
            }
        })?;
        let cookie = if value_size == 8 {
            let mut out = [0u8; 8];
            sys::map_lookup(map_fd, &key, &mut out).map_err(|source| LoadError::MapLookup {
                map: map_name.to_string(),
                key: key_text.clone(),
                source,
            })?;
            u64::from_ne_bytes(out)
        } else {
            socket.cookie
        };
        if cookie != socket.cookie {
            log::warn!(
                "map `{map_name}` key {key_text} reads back cookie {cookie}, but fd {} of pid {} has cookie {}",
                socket.target_fd,
                socket.pid,
                socket.cookie
            );
        }
        rows.push(Row { index, pid: socket.pid, target_fd: socket.target_fd, local: socket.local, cookie });
    }
    Ok(rows)
}

fn key_text(kind: SocketMapKind, index: u32, cookie: u64) -> String {
    match kind {
        SocketMapKind::SockHash => format!("cookie {cookie}"),
        _ => index.to_string(),
    }
}

pub(crate) fn update_retrying_busy(map: BorrowedFd<'_>, key: &[u8], value: &[u8]) -> io::Result<()> {
    let start = Instant::now();
    loop {
        match sys::map_update(map, key, value, sys::BPF_ANY) {
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && start.elapsed() < BUSY_RETRY_FOR => {
                log::debug!("map insert met EBUSY; retrying (a detached map may still be freeing)");
                std::thread::sleep(BUSY_RETRY_SLEEP);
            }
            other => return other,
        }
    }
}

/// Tells whether a live SK_REUSEPORT program holds the group's sockets, and
/// returns (program id, map id) if so.
///
/// The kernel offers no getsockopt for a group's reuseport program
/// (`sk->sk_reuseport_cb->prog` is reachable only from inside the kernel), and
/// `SO_DETACH_REUSEPORT_BPF`, the only socket option that reveals it, destroys
/// it. So we look from the other side: every loaded program of type
/// SK_REUSEPORT (`BPF_PROG_GET_NEXT_ID`), every socket map it uses
/// (REUSEPORT_SOCKARRAY, SOCKMAP, SOCKHASH with 8-byte values), every entry's
/// cookie (a lookup from userspace returns the socket cookie) compared with
/// the group's `SO_COOKIE`s. A program whose map holds our sockets is the
/// attached one in practice: a socket sits in one such map at a time. Right
/// after a detach the old program has already left the id table (its last
/// reference is dropped synchronously), so this does not misfire then.
///
/// Not seen by this scan: programs that select without a socket map (they
/// can only return PASS/DROP), maps with 4-byte values, and classic BPF
/// (`SO_ATTACH_REUSEPORT_CBPF`). The map fill adds a second check: an insert
/// that stays EBUSY past the RCU grace period means another live map holds
/// the socket, reported as the same error.
///
/// A listing the kernel refuses (EPERM without CAP_BPF) is an error, not "nothing attached".
pub fn attached_holder(group: &Group) -> Result<Option<(u32, u32)>, LoadError> {
    let cookies: HashSet<u64> = group.sockets.iter().map(|s| s.cookie).collect();
    let mut seen_maps = HashSet::new();
    for prog in aya::programs::loaded_programs() {
        let prog = match prog {
            Ok(p) => p,
            Err(e) => {
                let errno = errno_in_chain(&e);
                if matches!(errno, Some(libc::EPERM) | Some(libc::EACCES)) {
                    return Err(LoadError::Kernel {
                        what: "listing the loaded BPF programs".into(),
                        source: io::Error::from_raw_os_error(errno.unwrap_or(libc::EPERM)),
                    });
                }
                log::debug!("cannot list loaded programs: {}", full_message(&e));
                continue;
            }
        };
        if prog.program_type() as u32 != PROG_TYPE_SK_REUSEPORT {
            continue;
        }
        let Ok(Some(map_ids)) = prog.map_ids() else {
            continue;
        };
        for map_id in map_ids {
            if !seen_maps.insert(map_id) {
                continue;
            }
            let Ok(info) = MapInfo::from_id(map_id) else {
                continue;
            };
            if let Some(true) = map_holds_any(&info, &cookies) {
                return Ok(Some((prog.id(), map_id)));
            }
        }
    }
    Ok(None)
}

/// Whether a socket map's entries include one of `cookies`; None when it is
/// not a socket map whose cookies can be read back.
fn map_holds_any(info: &MapInfo, cookies: &HashSet<u64>) -> Option<bool> {
    let map_type = SocketMapKind::from_type(info.map_type().ok()? as u32)?;
    let _ = map_type;
    if info.value_size() != 8 {
        return None;
    }
    let fd = info.fd().ok()?;
    let key_size = info.key_size() as usize;
    let mut key = vec![0u8; key_size];
    let mut next = vec![0u8; key_size];
    let mut first = true;
    // Bounded: array maps list every index, even empty ones.
    for _ in 0..=info.max_entries().min(1 << 20) {
        let r = sys::map_next_key(fd.as_fd(), (!first).then_some(&key[..]), &mut next);
        if r.is_err() {
            break; // ENOENT: no more keys
        }
        first = false;
        std::mem::swap(&mut key, &mut next);
        let mut value = [0u8; 8];
        if sys::map_lookup(fd.as_fd(), &key, &mut value).is_ok() && cookies.contains(&u64::from_ne_bytes(value)) {
            return Some(true);
        }
    }
    Some(false)
}

/// Detaches the group's program (`SO_DETACH_REUSEPORT_BPF` through its first
/// socket). A group with no program gives [`LoadError::NothingAttached`].
pub fn detach(group: &Group) -> Result<(), LoadError> {
    let first = group.sockets.first().ok_or(LoadError::EmptyGroup)?;
    sys::detach_reuseport_prog(first.fd.as_fd()).map_err(|source| {
        if source.raw_os_error() == Some(libc::ENOENT) {
            LoadError::NothingAttached { pid: first.pid, local: group.local }
        } else {
            LoadError::Detach { pid: first.pid, local: group.local, source }
        }
    })?;
    log::info!("detached the program of {} {} of pid {}", group.protocol, group.local, first.pid);
    Ok(())
}

/// A failed `BPF_PROG_LOAD` in words: a verifier rejection (placed at its source line through
/// the log or the object's line info) or the call's own refusal (EPERM: a capability).
pub(crate) fn program_load_error(program: &str, e: aya::programs::ProgramError, object: &[u8]) -> LoadError {
    if let aya::programs::ProgramError::LoadError { io_error, verifier_log } = &e {
        let errno = io_error.raw_os_error().unwrap_or(0);
        let log = verifier_log.to_string();
        if crate::verifier::is_rejection(errno, &log) {
            let info = rsteer_bpf::object::read(object).ok();
            return LoadError::Verifier(Box::new(crate::verifier::rejection(program, errno, &log, info.as_ref())));
        }
        if errno == libc::EPERM {
            // The call itself was refused: a capability is missing (the hint names them).
            return LoadError::Kernel {
                what: format!("loading program `{program}`"),
                source: io::Error::from_raw_os_error(libc::EPERM),
            };
        }
    }
    LoadError::ProgramLoad { program: program.to_string(), message: full_message(&e) }
}

/// The first OS error number in an error's source chain.
pub(crate) fn errno_in_chain(e: &(dyn std::error::Error + 'static)) -> Option<i32> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(n) = err.downcast_ref::<io::Error>().and_then(io::Error::raw_os_error) {
            return Some(n);
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_dependency_is_an_object_error() {
        let e = contain(|| -> Result<(), LoadError> { panic!("index out of range in btf.rs") }).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot parse the BPF object: it does not hold together (index out of range in btf.rs)"
        );
        assert_eq!(e.kind(), crate::ErrorKind::Usage);
        assert!(validate(b"\x7fELF not really").is_err());
        assert!(matches!(validate(&[]), Err(LoadError::Object { .. })));
    }
}
