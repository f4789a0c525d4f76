//! The map kinds: one table of their surface names, generic arguments, key and value
//! rules, methods and the kernel version selecting from them needs. Read by the item pass
//! (declarations), the body checker (methods), the kernel-version check and the HIR.
//!
//! A new map kind needs, besides its row in [`MAP_KINDS`] and its [`MapKind`] variant: its
//! kernel map type in `codegen/src/abi.rs` (`map_type`, from `rsteer_bpf::map::MapType`),
//! its lowering where it differs from its family in `codegen/src/lower.rs` (map methods,
//! `select`), its model in `sim/src/maps.rs`, and, for `rsteer map` and the loader, the
//! map type's row in `bpf/src/map.rs`. Its explanation belongs in the book's maps chapter
//! and E0400's text (`diag::CODES`).

use crate::version::{KernelVersion, SK_REUSEPORT, SOCKMAP_SELECT};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapKind {
    SockArray,
    SockMap,
    SockHash,
    Array,
    PerCpuArray,
    HashMap,
    LruHashMap,
    LpmTrie,
}

/// Where a map's key or value type comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// `u32`: an array index.
    Index,
    /// `u64`: a socket, seen from userspace as its cookie.
    Socket,
    /// The declaration's generic argument at this position.
    Generic(usize),
}

/// One row of the map-kind table.
#[derive(Clone, Copy, Debug)]
pub struct MapKindInfo {
    /// The surface name, `SockArray`.
    pub name: &'static str,
    pub kind: MapKind,
    /// How a declaration is written, `SockHash<K, N>`.
    pub signature: &'static str,
    /// Generic arguments, the capacity (last) included.
    pub generics: usize,
    pub key: Slot,
    pub value: Slot,
    /// A socket map: `select`/`try_select` read it, the loader fills it.
    pub socket: bool,
    /// The methods a body may call on it (besides the test-only ones).
    pub methods: &'static [&'static str],
    /// The key is an address matched by its longest stored prefix (`u32` or `[u8; M]`); the
    /// kernel's key is a prefix length and the address in network order.
    pub prefix_key: bool,
    /// The first Linux version whose `bpf_sk_select_reuseport` selects from it (for a
    /// socket map), or that has it at all.
    pub since: KernelVersion,
}

const ARRAY_METHODS: &[&str] = &["get", "set", "add"];
const HASH_METHODS: &[&str] = &["get", "add", "insert", "remove", "contains"];

/// A socket map: `u64` socket values, filled by the loader, read by `select`.
const fn socket(
    name: &'static str,
    kind: MapKind,
    signature: &'static str,
    key: Slot,
    since: KernelVersion,
) -> MapKindInfo {
    let generics = if matches!(key, Slot::Generic(_)) { 2 } else { 1 };
    MapKindInfo {
        name,
        kind,
        signature,
        generics,
        key,
        value: Slot::Socket,
        socket: true,
        methods: &[],
        prefix_key: false,
        since,
    }
}

/// An array of values `V`, indexed by `u32`.
const fn array(name: &'static str, kind: MapKind, signature: &'static str) -> MapKindInfo {
    let value = Slot::Generic(0);
    MapKindInfo {
        name,
        kind,
        signature,
        generics: 2,
        key: Slot::Index,
        value,
        socket: false,
        methods: ARRAY_METHODS,
        prefix_key: false,
        since: SK_REUSEPORT,
    }
}

/// A hash table from keys `K` to values `V`.
const fn hash(name: &'static str, kind: MapKind, signature: &'static str) -> MapKindInfo {
    let (key, value) = (Slot::Generic(0), Slot::Generic(1));
    MapKindInfo {
        name,
        kind,
        signature,
        generics: 3,
        key,
        value,
        socket: false,
        methods: HASH_METHODS,
        prefix_key: false,
        since: SK_REUSEPORT,
    }
}

/// A longest-prefix-match table from addresses `K` to values `V`. Programs only read it;
/// tests fill it with `insert_prefix`/`remove_prefix`, operators with `rsteer map set`.
const fn prefix_table(name: &'static str, kind: MapKind, signature: &'static str) -> MapKindInfo {
    MapKindInfo {
        name,
        kind,
        signature,
        generics: 3,
        key: Slot::Generic(0),
        value: Slot::Generic(1),
        socket: false,
        methods: &["get"],
        prefix_key: true,
        since: SK_REUSEPORT,
    }
}

/// Every map kind, in the order the diagnostics list them.
pub const MAP_KINDS: [MapKindInfo; 8] = [
    socket("SockArray", MapKind::SockArray, "SockArray<N>", Slot::Index, SK_REUSEPORT),
    socket("SockMap", MapKind::SockMap, "SockMap<N>", Slot::Index, SOCKMAP_SELECT),
    socket("SockHash", MapKind::SockHash, "SockHash<K, N>", Slot::Generic(0), SOCKMAP_SELECT),
    array("Array", MapKind::Array, "Array<V, N>"),
    array("PerCpuArray", MapKind::PerCpuArray, "PerCpuArray<V, N>"),
    hash("HashMap", MapKind::HashMap, "HashMap<K, V, N>"),
    hash("LruHashMap", MapKind::LruHashMap, "LruHashMap<K, V, N>"),
    prefix_table("LpmTrie", MapKind::LpmTrie, "LpmTrie<K, V, N>"),
];

/// The test-only methods of a prefix table: `T.insert_prefix(addr, len, v)` and
/// `T.remove_prefix(addr, len)`.
pub const PREFIX_TEST_METHODS: [&str; 2] = ["insert_prefix", "remove_prefix"];

/// The row of the map kind called `name`.
pub fn lookup(name: &str) -> Option<&'static MapKindInfo> {
    MAP_KINDS.iter().find(|k| k.name == name)
}

impl MapKind {
    /// This kind's row.
    pub fn info(self) -> &'static MapKindInfo {
        MAP_KINDS.iter().find(|k| k.kind == self).expect("every map kind has a row")
    }

    pub fn is_socket_map(self) -> bool {
        self.info().socket
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }
}
