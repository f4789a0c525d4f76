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
    /// The first Linux version whose `bpf_sk_select_reuseport` selects from it (for a
    /// socket map), or that has it at all.
    pub since: KernelVersion,
}

const ARRAY_METHODS: &[&str] = &["get", "set", "add"];
const HASH_METHODS: &[&str] = &["get", "add", "insert", "remove", "contains"];

/// Every map kind, in the order the diagnostics list them.
pub const MAP_KINDS: [MapKindInfo; 7] = [
    MapKindInfo {
        name: "SockArray",
        kind: MapKind::SockArray,
        signature: "SockArray<N>",
        generics: 1,
        key: Slot::Index,
        value: Slot::Socket,
        socket: true,
        methods: &[],
        since: SK_REUSEPORT,
    },
    MapKindInfo {
        name: "SockMap",
        kind: MapKind::SockMap,
        signature: "SockMap<N>",
        generics: 1,
        key: Slot::Index,
        value: Slot::Socket,
        socket: true,
        methods: &[],
        since: SOCKMAP_SELECT,
    },
    MapKindInfo {
        name: "SockHash",
        kind: MapKind::SockHash,
        signature: "SockHash<K, N>",
        generics: 2,
        key: Slot::Generic(0),
        value: Slot::Socket,
        socket: true,
        methods: &[],
        since: SOCKMAP_SELECT,
    },
    MapKindInfo {
        name: "Array",
        kind: MapKind::Array,
        signature: "Array<V, N>",
        generics: 2,
        key: Slot::Index,
        value: Slot::Generic(0),
        socket: false,
        methods: ARRAY_METHODS,
        since: SK_REUSEPORT,
    },
    MapKindInfo {
        name: "PerCpuArray",
        kind: MapKind::PerCpuArray,
        signature: "PerCpuArray<V, N>",
        generics: 2,
        key: Slot::Index,
        value: Slot::Generic(0),
        socket: false,
        methods: ARRAY_METHODS,
        since: SK_REUSEPORT,
    },
    MapKindInfo {
        name: "HashMap",
        kind: MapKind::HashMap,
        signature: "HashMap<K, V, N>",
        generics: 3,
        key: Slot::Generic(0),
        value: Slot::Generic(1),
        socket: false,
        methods: HASH_METHODS,
        since: SK_REUSEPORT,
    },
    MapKindInfo {
        name: "LruHashMap",
        kind: MapKind::LruHashMap,
        signature: "LruHashMap<K, V, N>",
        generics: 3,
        key: Slot::Generic(0),
        value: Slot::Generic(1),
        socket: false,
        methods: HASH_METHODS,
        since: SK_REUSEPORT,
    },
];

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
