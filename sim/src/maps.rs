//! The state of an object's maps, as BPF programs and userspace see it.

use crate::packet::socket_cookie;
use rsteer_bpf::map::{BPF_EXIST, BPF_NOEXIST};
use rsteer_bpf::MapType;
use rsteer_codegen::object::MapSpec;
use std::collections::BTreeMap;
use std::fmt;

/// A key and its value, as bytes.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// A socket of the reuseport group as a socket map holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SimSocket {
    /// Its position in the group (what the test server reports as `sock=<index>`).
    pub index: u32,
    pub cookie: u64,
}

/// A userspace map operation that the kernel would refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapError {
    NoSuchMap(String),
    /// Key or value of the wrong length.
    Size {
        map: String,
        what: &'static str,
        expected: usize,
        got: usize,
    },
    /// The map is full, or an array index is out of range (`E2BIG`).
    Full(String),
    /// The operation does not apply to this kind of map (e.g. deleting from an array).
    Kind {
        map: String,
        what: &'static str,
    },
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::NoSuchMap(m) => write!(f, "no map named `{m}`"),
            MapError::Size { map, what, expected, got } => {
                write!(f, "map `{map}`: {what} is {got} bytes, expected {expected}")
            }
            MapError::Full(m) => write!(f, "map `{m}` is full or the index is out of range"),
            MapError::Kind { map, what } => write!(f, "map `{map}`: {what}"),
        }
    }
}

impl std::error::Error for MapError {}

#[derive(Clone, Debug)]
pub(crate) struct HashEntry {
    /// Index in the arena of the current value.
    slot: usize,
    /// Last use, for LRU eviction.
    used: u64,
}

#[derive(Clone, Debug)]
pub(crate) enum Store {
    /// ARRAY (one copy) or PERCPU_ARRAY (one per CPU); each `max_entries * value_size` bytes.
    Array { copies: Vec<Vec<u8>> },
    /// HASH / LRU_HASH. An update allocates a fresh value (as the kernel's element
    /// replacement does), so a pointer to the old value keeps reading the old bytes.
    Hash { arena: Vec<Vec<u8>>, index: BTreeMap<Vec<u8>, HashEntry>, lru: bool, tick: u64 },
    /// LPM_TRIE: values by prefix (the key's 4-byte length, then the address with the bits
    /// past the length cleared); a lookup finds the longest stored prefix of its address.
    Lpm { arena: Vec<Vec<u8>>, index: BTreeMap<Vec<u8>, usize> },
    /// REUSEPORT_SOCKARRAY, SOCKMAP (key: u32 index) and SOCKHASH (any key).
    Sockets { slots: BTreeMap<Vec<u8>, SimSocket> },
    /// A map type the simulator does not model; any use from a program is a `SimError`.
    Unmodelled,
}

/// One map: its declaration and its contents.
#[derive(Clone, Debug)]
pub struct SimMap {
    pub spec: MapSpec,
    pub(crate) store: Store,
}

impl SimMap {
    pub fn key_size(&self) -> usize {
        self.spec.key.size() as usize
    }
    pub fn value_size(&self) -> usize {
        self.spec.value.size() as usize
    }
    pub fn is_socket_map(&self) -> bool {
        matches!(self.store, Store::Sockets { .. })
    }
    fn max(&self) -> usize {
        self.spec.max_entries as usize
    }
}

/// Result codes of the map helpers (negative errno, as the kernel returns them).
pub(crate) const ENOENT: i64 = -2;
pub(crate) const E2BIG: i64 = -7;
pub(crate) const EEXIST: i64 = -17;
pub(crate) const EINVAL: i64 = -22;
pub(crate) const ENOSPC: i64 = -28;

/// An LPM trie key's prefix length and address, the address's bits past the length cleared;
/// `None` when the length exceeds the address.
fn prefix_of(key: &[u8]) -> Option<(u32, Vec<u8>)> {
    let len = u32::from_le_bytes(key.get(..4)?.try_into().ok()?);
    let mut data = key[4..].to_vec();
    if len as usize > data.len() * 8 {
        return None;
    }
    for (i, b) in data.iter_mut().enumerate() {
        let bit = i as u32 * 8;
        if bit + 8 > len {
            *b &= if bit >= len { 0 } else { 0xffu8 << (8 - (len - bit)) };
        }
    }
    Some((len, data))
}

/// The stored key of prefix `len`/`data`.
fn prefix_key(len: u32, data: &[u8]) -> Vec<u8> {
    let mut k = len.to_le_bytes().to_vec();
    k.extend_from_slice(data);
    k
}

/// The longest stored prefix that holds `key`'s address within `key`'s length, as the
/// kernel's `trie_lookup_elem` finds it: the arena slot of its value.
fn longest_prefix(index: &BTreeMap<Vec<u8>, usize>, key: &[u8]) -> Option<usize> {
    let (len, _) = prefix_of(key)?;
    (0..=len).rev().find_map(|l| {
        let mut k = key.to_vec();
        k[..4].copy_from_slice(&l.to_le_bytes());
        let (_, data) = prefix_of(&k)?;
        index.get(&prefix_key(l, &data)).copied()
    })
}

/// The state of every map of an object. Programs change it through helpers; tests read and
/// write it like userspace does through the map fd. It carries over between runs.
#[derive(Clone, Debug)]
pub struct Maps {
    pub(crate) maps: Vec<SimMap>,
    cpus: u32,
}

/// What [`Maps::bytes`] counts for one hash or socket map entry beside its key and value
/// (the index's node and the allocations of key and value: about what it takes in memory).
pub const ENTRY_OVERHEAD: u64 = 144;

/// Number of CPUs (per-CPU map copies) of [`Maps::new`].
pub const DEFAULT_CPUS: u32 = 8;

impl Maps {
    /// Empty maps of the given shapes (from `rsteer_codegen::map_specs`), with
    /// [`DEFAULT_CPUS`] CPUs.
    pub fn new(specs: &[MapSpec]) -> Maps {
        Maps::with_cpus(specs, DEFAULT_CPUS)
    }

    /// Empty maps for a machine with `cpus` CPUs (at least 1).
    pub fn with_cpus(specs: &[MapSpec], cpus: u32) -> Maps {
        let cpus = cpus.max(1);
        let maps = specs
            .iter()
            .map(|spec| {
                let size = spec.max_entries as usize * spec.value.size() as usize;
                let store = match MapType::from_u32(spec.map_type) {
                    Some(MapType::Array) => Store::Array { copies: vec![vec![0; size]] },
                    Some(MapType::PercpuArray) => Store::Array { copies: vec![vec![0; size]; cpus as usize] },
                    Some(t @ (MapType::Hash | MapType::LruHash)) => {
                        Store::Hash { arena: Vec::new(), index: BTreeMap::new(), lru: t == MapType::LruHash, tick: 0 }
                    }
                    Some(MapType::LpmTrie) => Store::Lpm { arena: Vec::new(), index: BTreeMap::new() },
                    Some(t) if t.holds_sockets() => Store::Sockets { slots: BTreeMap::new() },
                    _ => Store::Unmodelled,
                };
                SimMap { spec: spec.clone(), store }
            })
            .collect();
        Maps { maps, cpus }
    }

    pub fn cpus(&self) -> u32 {
        self.cpus
    }

    /// The map called `name`.
    pub fn map(&self, name: &str) -> Option<&SimMap> {
        self.maps.iter().find(|m| m.spec.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.maps.iter().map(|m| m.spec.name.as_str())
    }

    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.maps.iter().position(|m| m.spec.name == name)
    }

    fn find(&self, name: &str) -> Result<usize, MapError> {
        self.index_of(name).ok_or_else(|| MapError::NoSuchMap(name.to_string()))
    }

    fn check_key(&self, m: usize, key: &[u8]) -> Result<(), MapError> {
        let map = &self.maps[m];
        if key.len() != map.key_size() {
            return Err(MapError::Size {
                map: map.spec.name.clone(),
                what: "the key",
                expected: map.key_size(),
                got: key.len(),
            });
        }
        Ok(())
    }

    /// Puts sockets `0..n` of the group at indices `0..n` of socket map `map` (for a SOCKHASH
    /// with 8-byte keys: keyed by cookie, as the loader does); socket `i` has cookie
    /// [`socket_cookie`]`(i)`.
    pub fn fill_sockets(&mut self, map: &str, n: u32) -> Result<(), MapError> {
        let m = self.find(map)?;
        let is_hash = self.maps[m].spec.map_type == MapType::Sockhash.number();
        for i in 0..n {
            let socket = SimSocket { index: i, cookie: socket_cookie(i) };
            let key = if is_hash { socket.cookie.to_le_bytes().to_vec() } else { i.to_le_bytes().to_vec() };
            let mut key = key;
            key.resize(self.maps[m].key_size(), 0);
            self.set_socket(map, &key, socket)?;
        }
        Ok(())
    }

    /// Puts `socket` at `key` of socket map `map`.
    pub fn set_socket(&mut self, map: &str, key: &[u8], socket: SimSocket) -> Result<(), MapError> {
        let m = self.find(map)?;
        self.check_key(m, key)?;
        let map_ref = &mut self.maps[m];
        let name = map_ref.spec.name.clone();
        let indexed = map_ref.spec.map_type != MapType::Sockhash.number();
        let max = map_ref.max();
        let Store::Sockets { slots } = &mut map_ref.store else {
            return Err(MapError::Kind { map: name, what: "not a socket map" });
        };
        let fits = if indexed {
            (u32::from_le_bytes(key[..4].try_into().unwrap()) as usize) < max
        } else {
            slots.contains_key(key) || slots.len() < max
        };
        if !fits {
            return Err(MapError::Full(name));
        }
        slots.insert(key.to_vec(), socket);
        Ok(())
    }

    /// The socket at `key` of socket map `map`.
    pub fn socket(&self, map: &str, key: &[u8]) -> Result<Option<SimSocket>, MapError> {
        let m = self.find(map)?;
        self.check_key(m, key)?;
        match &self.maps[m].store {
            Store::Sockets { slots } => Ok(slots.get(key).copied()),
            _ => Err(MapError::Kind { map: map.to_string(), what: "not a socket map" }),
        }
    }

    /// The value at `key` (for a per-CPU map: CPU 0's copy; see [`Maps::get_percpu`]).
    pub fn get(&self, map: &str, key: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
        Ok(self.get_percpu(map, key)?.map(|mut v| v.swap_remove(0)))
    }

    /// Every CPU's copy of the value at `key` (one copy for a map that is not per-CPU).
    pub fn get_percpu(&self, map: &str, key: &[u8]) -> Result<Option<Vec<Vec<u8>>>, MapError> {
        let m = self.find(map)?;
        self.check_key(m, key)?;
        let sm = &self.maps[m];
        let vs = sm.value_size();
        match &sm.store {
            Store::Array { copies } => {
                let i = u32::from_le_bytes(key[..4].try_into().unwrap()) as usize;
                if i >= sm.max() {
                    return Ok(None);
                }
                Ok(Some(copies.iter().map(|c| c[i * vs..(i + 1) * vs].to_vec()).collect()))
            }
            Store::Hash { arena, index, .. } => Ok(index.get(key).map(|e| vec![arena[e.slot].clone()])),
            Store::Lpm { arena, index } => Ok(longest_prefix(index, key).map(|s| vec![arena[s].clone()])),
            _ => Err(MapError::Kind { map: map.to_string(), what: "holds sockets or is not modelled; see `socket`" }),
        }
    }

    /// Inserts or overwrites (`BPF_ANY`); for a per-CPU map, every CPU's copy.
    pub fn insert(&mut self, map: &str, key: &[u8], value: &[u8]) -> Result<(), MapError> {
        let m = self.find(map)?;
        self.check_key(m, key)?;
        let vs = self.maps[m].value_size();
        if value.len() != vs {
            return Err(MapError::Size { map: map.to_string(), what: "the value", expected: vs, got: value.len() });
        }
        match self.update(m, key, value, 0, None) {
            0 => Ok(()),
            E2BIG | ENOSPC => Err(MapError::Full(map.to_string())),
            _ => Err(MapError::Kind { map: map.to_string(), what: "cannot be updated this way" }),
        }
    }

    /// Removes `key`; `Ok(false)` when it was absent.
    pub fn remove(&mut self, map: &str, key: &[u8]) -> Result<bool, MapError> {
        let m = self.find(map)?;
        self.check_key(m, key)?;
        if let Store::Sockets { slots } = &mut self.maps[m].store {
            return Ok(slots.remove(key).is_some());
        }
        match self.delete(m, key) {
            0 => Ok(true),
            ENOENT => Ok(false),
            _ => Err(MapError::Kind { map: map.to_string(), what: "arrays have no delete" }),
        }
    }

    /// The keys and values of a hash map, in key order (for a per-CPU array: CPU 0's).
    pub fn entries(&self, map: &str) -> Result<Vec<KeyValue>, MapError> {
        let m = self.find(map)?;
        let sm = &self.maps[m];
        let vs = sm.value_size();
        Ok(match &sm.store {
            Store::Array { copies } => (0..sm.max())
                .map(|i| ((i as u32).to_le_bytes().to_vec(), copies[0][i * vs..(i + 1) * vs].to_vec()))
                .collect(),
            Store::Hash { arena, index, .. } => index.iter().map(|(k, e)| (k.clone(), arena[e.slot].clone())).collect(),
            Store::Lpm { arena, index } => index.iter().map(|(k, s)| (k.clone(), arena[*s].clone())).collect(),
            Store::Sockets { slots } => {
                slots.iter().map(|(k, s)| (k.clone(), s.cookie.to_le_bytes().to_vec())).collect()
            }
            Store::Unmodelled => Vec::new(),
        })
    }

    // ----- the helpers' semantics (keys and values already checked for size) -------------

    /// `bpf_map_lookup_elem` on a data map: (cpu, element) of the value, or `None`.
    pub(crate) fn lookup(&mut self, m: usize, key: &[u8], cpu: u32) -> Option<(u32, u32)> {
        let sm = &mut self.maps[m];
        let max = sm.max();
        match &mut sm.store {
            Store::Array { copies } => {
                let i = u32::from_le_bytes(key[..4].try_into().unwrap());
                if i as usize >= max {
                    return None;
                }
                let cpu = if copies.len() == 1 { 0 } else { cpu };
                Some((cpu, i))
            }
            Store::Hash { index, tick, .. } => {
                *tick += 1;
                let e = index.get_mut(key)?;
                e.used = *tick;
                Some((0, e.slot as u32))
            }
            Store::Lpm { index, .. } => longest_prefix(index, key).map(|s| (0, s as u32)),
            _ => None,
        }
    }

    /// `bpf_map_update_elem`: 0 or a negative errno. From a program (`cpu` set), a per-CPU
    /// array's update changes that CPU's copy only; from userspace, every copy.
    pub(crate) fn update(&mut self, m: usize, key: &[u8], value: &[u8], flags: u64, cpu: Option<u32>) -> i64 {
        if flags > BPF_EXIST {
            return EINVAL;
        }
        let sm = &mut self.maps[m];
        let (max, vs) = (sm.max(), sm.value_size());
        match &mut sm.store {
            Store::Array { copies } => {
                let i = u32::from_le_bytes(key[..4].try_into().unwrap()) as usize;
                if i >= max {
                    return E2BIG;
                }
                if flags == BPF_NOEXIST {
                    return EEXIST;
                }
                let n = copies.len();
                for (c, copy) in copies.iter_mut().enumerate() {
                    if n == 1 || cpu.is_none() || cpu == Some(c as u32) {
                        copy[i * vs..(i + 1) * vs].copy_from_slice(value);
                    }
                }
                0
            }
            Store::Hash { arena, index, lru, tick } => {
                *tick += 1;
                let exists = index.contains_key(key);
                if flags == BPF_NOEXIST && exists {
                    return EEXIST;
                }
                if flags == BPF_EXIST && !exists {
                    return ENOENT;
                }
                if !exists && index.len() >= max {
                    if !*lru {
                        return E2BIG;
                    }
                    // The kernel's LRU is approximate (per-CPU lists); evict the least recently
                    // used entry.
                    let victim = index.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone());
                    if let Some(k) = victim {
                        index.remove(&k);
                    }
                }
                match (index.get_mut(key), cpu) {
                    // From userspace no program holds a pointer to the old value: overwrite it.
                    (Some(e), None) => {
                        arena[e.slot].copy_from_slice(value);
                        e.used = *tick;
                    }
                    _ => {
                        arena.push(value.to_vec());
                        index.insert(key.to_vec(), HashEntry { slot: arena.len() - 1, used: *tick });
                    }
                }
                0
            }
            Store::Lpm { arena, index } => {
                let Some((len, data)) = prefix_of(key) else { return EINVAL };
                let k = prefix_key(len, &data);
                let exists = index.contains_key(&k);
                if flags == BPF_NOEXIST && exists {
                    return EEXIST;
                }
                if flags == BPF_EXIST && !exists {
                    return ENOENT;
                }
                if !exists && index.len() >= max {
                    return ENOSPC;
                }
                arena.push(value.to_vec());
                index.insert(k, arena.len() - 1);
                0
            }
            _ => EINVAL,
        }
    }

    /// `bpf_map_delete_elem`: 0, -ENOENT, or -EINVAL for arrays.
    pub(crate) fn delete(&mut self, m: usize, key: &[u8]) -> i64 {
        match &mut self.maps[m].store {
            Store::Hash { index, .. } => {
                if index.remove(key).is_some() {
                    0
                } else {
                    ENOENT
                }
            }
            Store::Lpm { index, .. } => match prefix_of(key) {
                Some((len, data)) if index.remove(&prefix_key(len, &data)).is_some() => 0,
                Some(_) => ENOENT,
                None => EINVAL,
            },
            _ => EINVAL,
        }
    }

    /// `bpf_sk_select_reuseport`'s lookup: the socket at `key`, if any.
    pub(crate) fn socket_at(&self, m: usize, key: &[u8]) -> Option<SimSocket> {
        match &self.maps[m].store {
            Store::Sockets { slots } => slots.get(key).copied(),
            _ => None,
        }
    }

    /// Frees the values that no entry holds any more (a program's update leaves the old value
    /// for the pointers of its run); call it between runs.
    pub fn compact(&mut self) {
        for m in &mut self.maps {
            if let Store::Hash { arena, index, .. } = &mut m.store {
                if arena.len() > 2 * index.len() + 64 {
                    let mut fresh = Vec::with_capacity(index.len());
                    for e in index.values_mut() {
                        fresh.push(std::mem::take(&mut arena[e.slot]));
                        e.slot = fresh.len() - 1;
                    }
                    *arena = fresh;
                }
            }
        }
    }

    /// The memory the maps' contents take, about: every array copy, and per hash entry its
    /// key, its values and [`ENTRY_OVERHEAD`].
    pub fn bytes(&self) -> u64 {
        self.maps
            .iter()
            .map(|m| match &m.store {
                Store::Array { copies } => copies.iter().map(|c| c.len() as u64).sum(),
                Store::Hash { arena, index, .. } => {
                    arena.len() as u64 * m.value_size() as u64
                        + index.len() as u64 * (m.key_size() as u64 + ENTRY_OVERHEAD)
                }
                Store::Lpm { arena, index } => {
                    arena.len() as u64 * m.value_size() as u64
                        + index.len() as u64 * (m.key_size() as u64 + ENTRY_OVERHEAD)
                }
                Store::Sockets { slots } => slots.len() as u64 * (m.key_size() as u64 + ENTRY_OVERHEAD),
                Store::Unmodelled => 0,
            })
            .sum()
    }

    /// What [`Maps::with_cpus`] allocates up front for `specs`: the arrays, every CPU's copy.
    pub fn preallocated_bytes(specs: &[MapSpec], cpus: u32) -> u64 {
        specs
            .iter()
            .map(|spec| {
                let size = spec.max_entries as u64 * spec.value.size() as u64;
                match MapType::from_u32(spec.map_type) {
                    Some(MapType::Array) => size,
                    Some(MapType::PercpuArray) => size * cpus.max(1) as u64,
                    _ => 0,
                }
            })
            .sum()
    }

    /// The bytes of one value (the target of a map-value pointer).
    pub(crate) fn value_bytes(&mut self, m: usize, cpu: u32, elem: u32) -> &mut [u8] {
        let sm = &mut self.maps[m];
        let vs = sm.value_size();
        match &mut sm.store {
            Store::Array { copies } => {
                let e = elem as usize;
                &mut copies[cpu as usize][e * vs..(e + 1) * vs]
            }
            Store::Hash { arena, .. } | Store::Lpm { arena, .. } => &mut arena[elem as usize],
            _ => &mut [],
        }
    }
}
