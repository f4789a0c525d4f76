//! Userspace access to the maps of the program attached to a reuseport group
//! (`rsteer map`): list them, read, write and delete entries as raw bytes.
//!
//! The attached program is found as `load` finds it (`attached_holder`: the SK_REUSEPORT
//! program whose socket map holds the group's sockets); its maps come from the kernel by id.
//! Keys and values are bytes here: the CLI encodes and decodes them with the policy's types.

use crate::attach::{attached_holder, PROG_TYPE_SK_REUSEPORT};
use crate::error::LoadError;
use crate::{sys, Group};
use aya::maps::{MapFd, MapInfo};
use rsteer_bpf::MapType;
use std::io;
use std::os::fd::AsFd;

/// A key and its value, as bytes.
pub type Entry = (Vec<u8>, Vec<u8>);

/// One map of the attached program.
pub struct AttachedMap {
    pub id: u32,
    pub name: String,
    /// `enum bpf_map_type`.
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    fd: MapFd,
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

/// The program attached to `group` and every map it uses.
pub fn attached_program(group: &Group) -> Result<AttachedProgram, LoadError> {
    let Some((prog_id, _)) = attached_holder(group) else {
        return Err(LoadError::NothingAttached { pid: group.pid(), local: group.local });
    };
    let cpus = aya::util::nr_cpus().map_err(|(what, e)| kernel_error(what.to_string(), e))?;
    for prog in aya::programs::loaded_programs().flatten() {
        if prog.id() != prog_id || prog.program_type() as u32 != PROG_TYPE_SK_REUSEPORT {
            continue;
        }
        let name = prog.name_as_str().unwrap_or("?").to_string();
        let ids = prog.map_ids().map_err(|e| kernel_error(format!("reading program {prog_id}'s maps"), e))?;
        let mut maps = Vec::new();
        for id in ids.unwrap_or_default() {
            let info = MapInfo::from_id(id).map_err(|e| kernel_error(format!("reading map {id}"), e))?;
            let fd = info.fd().map_err(|e| kernel_error(format!("opening map {id}"), e))?;
            maps.push(AttachedMap {
                id,
                name: info.name_as_str().unwrap_or("?").to_string(),
                map_type: info.map_type().map(|t| t as u32).unwrap_or(0),
                key_size: info.key_size(),
                value_size: info.value_size(),
                max_entries: info.max_entries(),
                fd,
                cpus,
            });
        }
        maps.sort_by(|a, b| a.name.cmp(&b.name));
        return Ok(AttachedProgram { id: prog_id, name, maps });
    }
    Err(LoadError::NothingAttached { pid: group.pid(), local: group.local })
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

    fn check_key(&self, key: &[u8]) -> Result<(), LoadError> {
        if key.len() != self.key_size as usize {
            return Err(LoadError::MapUse {
                map: self.name.clone(),
                reason: format!("its keys have {} bytes, not {}", self.key_size, key.len()),
            });
        }
        Ok(())
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
        self.check_key(key)?;
        if self.is_socket_map() {
            return Err(LoadError::MapUse {
                map: self.name.clone(),
                reason: "it holds sockets, which `rsteer load` puts there from the server".into(),
            });
        }
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
        sys::map_update(self.fd.as_fd(), key, &full, 0).map_err(|e| LoadError::MapWrite {
            map: self.name.clone(),
            key: hex(key),
            source: e,
        })
    }

    /// Deletes `key`; `false` when it was not there.
    pub fn delete(&self, key: &[u8]) -> Result<bool, LoadError> {
        self.check_key(key)?;
        match sys::map_delete(self.fd.as_fd(), key) {
            Ok(()) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(false),
            Err(e) => Err(LoadError::MapWrite { map: self.name.clone(), key: hex(key), source: e }),
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
