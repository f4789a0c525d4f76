//! Where the language's concepts meet the BPF ABI: the kernel map type of each map kind.
//!
//! The language knows nothing of BPF; this is the one place that ties its map kinds to
//! `enum bpf_map_type` numbers.

use rsteer_bpf::MapType;
use rsteer_lang::hir::MapKind;

/// The kernel map type that implements map kind `kind`.
pub fn map_type(kind: MapKind) -> MapType {
    match kind {
        MapKind::HashMap => MapType::Hash,
        MapKind::Array => MapType::Array,
        MapKind::PerCpuArray => MapType::PercpuArray,
        MapKind::LruHashMap => MapType::LruHash,
        MapKind::SockMap => MapType::Sockmap,
        MapKind::SockHash => MapType::Sockhash,
        MapKind::SockArray => MapType::ReuseportSockarray,
        MapKind::LpmTrie => MapType::LpmTrie,
    }
}

/// The creation flags the kernel needs for maps of kind `kind`: an LPM trie must be created
/// without preallocation.
pub fn map_flags(kind: MapKind) -> u32 {
    match kind {
        MapKind::LpmTrie => rsteer_bpf::map::BPF_F_NO_PREALLOC,
        _ => 0,
    }
}

/// The map kind a kernel map type implements, when one does (the inverse of [`map_type`]).
pub fn map_kind(ty: MapType) -> Option<MapKind> {
    [
        MapKind::HashMap,
        MapKind::Array,
        MapKind::PerCpuArray,
        MapKind::LruHashMap,
        MapKind::SockMap,
        MapKind::SockHash,
        MapKind::SockArray,
        MapKind::LpmTrie,
    ]
    .into_iter()
    .find(|k| map_type(*k) == ty)
}
