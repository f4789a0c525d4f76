//! Userspace access to the maps of the program attached to a reuseport group
//! (`rsteer map`): list them, read, write and delete entries as raw bytes.
//!
//! The attached program is found as `load` finds it (`attached_holder`: the SK_REUSEPORT
//! program whose socket map holds the group's sockets); its maps come from the kernel by id.
//! Keys and values are bytes here: the CLI encodes and decodes them with the policy's types.

use crate::attach::{attached_holder, PROG_TYPE_SK_REUSEPORT};
use crate::error::LoadError;
use crate::{state, sys, Group};
use rsteer_bpf::btf::Btf;
use rsteer_bpf::MapType;
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

/// A key and its value, as bytes.
pub type Entry = (Vec<u8>, Vec<u8>);

/// The key and value types of a map, as the kernel keeps them: the BTF the map was created
/// with and the ids of its key and value types in it.
#[derive(Clone, Debug)]
pub struct MapTypes {
    pub btf: Arc<Btf>,
    pub key: u32,
    pub value: u32,
}

/// One map of the attached program.
pub struct AttachedMap {
    pub id: u32,
    /// The map's name: the policy's full name for a named load, else the kernel's (15
    /// characters at most).
    pub name: String,
    /// `enum bpf_map_type`.
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    /// Its key and value types, when it was created with BTF.
    pub types: Option<MapTypes>,
    fd: OwnedFd,
    cpus: usize,
}

/// The attached program of a group and its maps.
pub struct AttachedProgram {
    pub id: u32,
    pub name: String,
    pub maps: Vec<AttachedMap>,
}

fn kernel_error(what: String, e: impl std::fmt::Display) -> LoadError {
    LoadError::Kernel { what, source: io::Error::other(e.to_string()) }
}

/// Parsed BTF blobs by id, so the maps of one program parse theirs once.
#[derive(Default)]
struct BtfCache(HashMap<u32, Option<Arc<Btf>>>);

impl BtfCache {
    fn get(&mut self, id: u32) -> Option<Arc<Btf>> {
        self.0
            .entry(id)
            .or_insert_with(|| {
                let blob = sys::btf_by_id(id).map_err(|e| log::debug!("cannot read BTF {id}: {e}")).ok()?;
                Btf::parse(&blob).map_err(|e| log::debug!("cannot parse BTF {id}: {e}")).ok().map(Arc::new)
            })
            .clone()
    }
}

fn cpus() -> Result<usize, LoadError> {
    aya::util::nr_cpus().map_err(|(what, e)| kernel_error(what.to_string(), e))
}

impl AttachedMap {
    /// The map behind `fd`, called `name` (default: the kernel's name).
    fn open(fd: OwnedFd, name: Option<String>, cpus: usize, cache: &mut BtfCache) -> Result<AttachedMap, LoadError> {
        let info = sys::map_info(fd.as_fd())
            .map_err(|source| LoadError::Kernel { what: "reading a map's info".into(), source })?;
        let types = (info.btf_id != 0 && info.btf_value_type_id != 0)
            .then(|| cache.get(info.btf_id))
            .flatten()
            .map(|btf| MapTypes { btf, key: info.btf_key_type_id, value: info.btf_value_type_id });
        Ok(AttachedMap {
            id: info.id,
            name: name.unwrap_or(info.name),
            map_type: info.map_type,
            key_size: info.key_size,
            value_size: info.value_size,
            max_entries: info.max_entries,
            types,
            fd,
            cpus,
        })
    }
}

/// The program attached to `group` and every map it uses.
pub fn attached_program(group: &Group) -> Result<AttachedProgram, LoadError> {
    let Some((prog_id, _)) = attached_holder(group)? else {
        return Err(LoadError::NothingAttached { pid: group.pid(), local: group.local });
    };
    let cpus = cpus()?;
    let mut cache = BtfCache::default();
    for prog in aya::programs::loaded_programs().flatten() {
        if prog.id() != prog_id || prog.program_type() as u32 != PROG_TYPE_SK_REUSEPORT {
            continue;
        }
        let name = prog.name_as_str().unwrap_or("?").to_string();
        let ids = prog.map_ids().map_err(|e| kernel_error(format!("reading program {prog_id}'s maps"), e))?;
        let mut maps = Vec::new();
        for id in ids.unwrap_or_default() {
            let info = aya::maps::MapInfo::from_id(id).map_err(|e| kernel_error(format!("reading map {id}"), e))?;
            let fd = info.fd().map_err(|e| kernel_error(format!("opening map {id}"), e))?;
            let fd = fd
                .as_fd()
                .try_clone_to_owned()
                .map_err(|source| LoadError::Kernel { what: format!("opening map {id}"), source })?;
            maps.push(AttachedMap::open(fd, None, cpus, &mut cache)?);
        }
        maps.sort_by(|a, b| a.name.cmp(&b.name));
        return Ok(AttachedProgram { id: prog_id, name, maps });
    }
    Err(LoadError::NothingAttached { pid: group.pid(), local: group.local })
}

/// The map `map` of the named load `load`, from its pin.
pub fn named_map(load: &str, map: &str) -> Result<AttachedMap, LoadError> {
    let fd = state::open_pin(&state::map_pin(load, map))?;
    AttachedMap::open(fd, Some(map.to_string()), cpus()?, &mut BtfCache::default())
}

/// The program and maps of the named load `name`, from its pins (full map names, as the
/// policy spells them).
pub fn named_program(name: &str) -> Result<AttachedProgram, LoadError> {
    let record = state::read_record(name)?;
    let cpus = cpus()?;
    let mut cache = BtfCache::default();
    let mut maps = Vec::new();
    for m in &record.maps {
        let fd = state::open_pin(&state::map_pin(name, &m.name))?;
        maps.push(AttachedMap::open(fd, Some(m.name.clone()), cpus, &mut cache)?);
    }
    maps.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(AttachedProgram { id: record.program_id, name: record.program_name, maps })
}

impl AttachedMap {
    pub fn is_per_cpu(&self) -> bool {
        MapType::from_u32(self.map_type).is_some_and(MapType::is_per_cpu)
    }

    /// Socket maps: userspace reads cookies; writes need a socket, which only `load` has.
    pub fn is_socket_map(&self) -> bool {
        MapType::from_u32(self.map_type).is_some_and(MapType::holds_sockets)
    }

    /// Bytes of one value as userspace reads it: one 8-byte-aligned copy per CPU for a
    /// per-CPU map.
    fn read_size(&self) -> usize {
        if self.is_per_cpu() {
            (self.value_size as usize).div_ceil(8) * 8 * self.cpus
        } else {
            self.value_size as usize
        }
    }

    /// Splits a per-CPU read into each CPU's copy (one copy for other maps).
    pub fn copies(&self, raw: &[u8]) -> Vec<Vec<u8>> {
        if !self.is_per_cpu() {
            return vec![raw.to_vec()];
        }
        let stride = (self.value_size as usize).div_ceil(8) * 8;
        raw.chunks(stride).map(|c| c[..self.value_size as usize].to_vec()).collect()
    }

    /// Whether the map is keyed by a `u32` index below `max_entries` (the array kinds).
    pub fn is_indexed(&self) -> bool {
        matches!(
            MapType::from_u32(self.map_type),
            Some(MapType::Array | MapType::PercpuArray | MapType::ReuseportSockarray | MapType::Sockmap)
        )
    }

    /// The map's kind as a policy names it (`Array`, `HashMap`), for messages.
    pub fn kind_name(&self) -> &'static str {
        match MapType::from_u32(self.map_type) {
            Some(MapType::Hash) => "HashMap",
            Some(MapType::Array) => "Array",
            Some(MapType::PercpuHash) => "PerCpuHashMap",
            Some(MapType::PercpuArray) => "PerCpuArray",
            Some(MapType::LruHash) => "LruHashMap",
            Some(MapType::LruPercpuHash) => "LruPerCpuHashMap",
            Some(MapType::LpmTrie) => "LpmTrie",
            Some(MapType::Sockmap) => "SockMap",
            Some(MapType::Sockhash) => "SockHash",
            Some(MapType::ReuseportSockarray) => "SockArray",
            None => "map",
        }
    }

    /// Checks a key's size and, for the array kinds, its range.
    fn check_key(&self, key: &[u8]) -> Result<(), LoadError> {
        if key.len() != self.key_size as usize {
            return Err(LoadError::MapUse {
                map: self.name.clone(),
                reason: format!("its keys have {} bytes, not {}", self.key_size, key.len()),
            });
        }
        if self.is_indexed() && key.len() == 4 {
            let index = u32::from_le_bytes([key[0], key[1], key[2], key[3]]);
            if index >= self.max_entries {
                return Err(self.out_of_range(index.to_string()));
            }
        }
        Ok(())
    }

    /// "index 9 is out of range: SLOTS has 8 entries", with the index as the user wrote it.
    pub fn out_of_range(&self, index: String) -> LoadError {
        LoadError::MapIndex { map: self.name.clone(), index, max_entries: self.max_entries }
    }

    /// Socket maps are read-only here: only `rsteer load` and `join` hold the sockets.
    fn refuse_socket_map(&self, verb: &str) -> Result<(), LoadError> {
        if self.is_socket_map() {
            return Err(LoadError::MapUse {
                map: self.name.clone(),
                reason: format!(
                    "it is a {} and read-only here: its sockets are {verb} by `rsteer load`, `join` and `detach`",
                    self.kind_name()
                ),
            });
        }
        Ok(())
    }

    /// A failed write in words: a full hash map, an index past an array's end.
    fn write_error(&self, key: &[u8], source: io::Error) -> LoadError {
        match source.raw_os_error() {
            Some(libc::E2BIG) if self.is_indexed() => self.out_of_range(hex(key)),
            Some(libc::E2BIG) => LoadError::MapFull { map: self.name.clone(), max_entries: self.max_entries },
            _ => LoadError::MapWrite { map: self.name.clone(), key: hex(key), source },
        }
    }

    /// The value at `key` (all CPUs' copies, concatenated, for a per-CPU map), or `None`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, LoadError> {
        self.check_key(key)?;
        let mut value = vec![0u8; self.read_size()];
        match sys::map_lookup(self.fd.as_fd(), key, &mut value) {
            Ok(()) => Ok(Some(value)),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
            Err(e) => Err(LoadError::MapLookup { map: self.name.clone(), key: hex(key), source: e }),
        }
    }

    /// Writes `value` at `key` (every CPU's copy for a per-CPU map).
    pub fn set(&self, key: &[u8], value: &[u8]) -> Result<(), LoadError> {
        self.refuse_socket_map("written")?;
        self.check_key(key)?;
        if value.len() != self.value_size as usize {
            return Err(LoadError::MapUse {
                map: self.name.clone(),
                reason: format!("its values have {} bytes, not {}", self.value_size, value.len()),
            });
        }
        let full = if self.is_per_cpu() {
            let stride = (self.value_size as usize).div_ceil(8) * 8;
            let mut all = vec![0u8; stride * self.cpus];
            for c in 0..self.cpus {
                all[c * stride..c * stride + value.len()].copy_from_slice(value);
            }
            all
        } else {
            value.to_vec()
        };
        sys::map_update(self.fd.as_fd(), key, &full, 0).map_err(|e| self.write_error(key, e))
    }

    /// Deletes `key`; `false` when it was not there. The entries of an array cannot be
    /// deleted (they always exist), nor those of a socket map here.
    pub fn delete(&self, key: &[u8]) -> Result<bool, LoadError> {
        self.refuse_socket_map("removed")?;
        self.check_key(key)?;
        if self.is_indexed() {
            return Err(LoadError::MapUse {
                map: self.name.clone(),
                reason: format!("entries of {} cannot be deleted; set them to zero", with_article(self.kind_name())),
            });
        }
        match sys::map_delete(self.fd.as_fd(), key) {
            Ok(()) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(false),
            Err(e) => Err(self.write_error(key, e)),
        }
    }

    /// Every entry, in the kernel's key order, at most `limit` of them.
    pub fn entries(&self, limit: usize) -> Result<Vec<Entry>, LoadError> {
        let ks = self.key_size as usize;
        let mut out = Vec::new();
        let mut key = vec![0u8; ks];
        let mut next = vec![0u8; ks];
        let mut first = true;
        while out.len() < limit {
            if sys::map_next_key(self.fd.as_fd(), (!first).then_some(&key[..]), &mut next).is_err() {
                break;
            }
            first = false;
            std::mem::swap(&mut key, &mut next);
            // An array lists every index; socket arrays answer ENOENT for empty slots.
            if let Some(v) = self.get(&key)? {
                out.push((key.clone(), v));
            }
        }
        Ok(out)
    }
}

/// "an Array", "a HashMap".
fn with_article(kind: &str) -> String {
    let an = kind.starts_with(['A', 'E', 'I', 'O', 'U', 'L']) && !kind.starts_with("Lru");
    format!("{} {kind}", if an { "an" } else { "a" })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
