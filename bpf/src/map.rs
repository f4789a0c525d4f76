//! Map types (`enum bpf_map_type`) and flags.

/// The map types rsteer creates or meets in the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum MapType {
    Hash = 1,
    Array = 2,
    PercpuHash = 5,
    PercpuArray = 6,
    LruHash = 9,
    LruPercpuHash = 10,
    LpmTrie = 11,
    Sockmap = 15,
    Sockhash = 18,
    ReuseportSockarray = 20,
}

impl MapType {
    /// Every type this enum knows, in number order.
    pub const ALL: [MapType; 10] = [
        MapType::Hash,
        MapType::Array,
        MapType::PercpuHash,
        MapType::PercpuArray,
        MapType::LruHash,
        MapType::LruPercpuHash,
        MapType::LpmTrie,
        MapType::Sockmap,
        MapType::Sockhash,
        MapType::ReuseportSockarray,
    ];

    /// The kernel's number for this type.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// The type whose number is `n`, when this enum knows it.
    pub fn from_u32(n: u32) -> Option<MapType> {
        MapType::ALL.into_iter().find(|t| t.number() == n)
    }

    /// The UAPI name, `BPF_MAP_TYPE_...`.
    pub fn kernel_name(self) -> &'static str {
        match self {
            MapType::Hash => "BPF_MAP_TYPE_HASH",
            MapType::Array => "BPF_MAP_TYPE_ARRAY",
            MapType::PercpuHash => "BPF_MAP_TYPE_PERCPU_HASH",
            MapType::PercpuArray => "BPF_MAP_TYPE_PERCPU_ARRAY",
            MapType::LruHash => "BPF_MAP_TYPE_LRU_HASH",
            MapType::LruPercpuHash => "BPF_MAP_TYPE_LRU_PERCPU_HASH",
            MapType::LpmTrie => "BPF_MAP_TYPE_LPM_TRIE",
            MapType::Sockmap => "BPF_MAP_TYPE_SOCKMAP",
            MapType::Sockhash => "BPF_MAP_TYPE_SOCKHASH",
            MapType::ReuseportSockarray => "BPF_MAP_TYPE_REUSEPORT_SOCKARRAY",
        }
    }

    /// Whether userspace reads and writes one copy of each value per possible CPU.
    pub fn is_per_cpu(self) -> bool {
        matches!(self, MapType::PercpuHash | MapType::PercpuArray | MapType::LruPercpuHash)
    }

    /// Whether the map holds sockets (written as fds, read back as cookies), so that
    /// `bpf_sk_select_reuseport` can select from it.
    pub fn holds_sockets(self) -> bool {
        matches!(self, MapType::Sockmap | MapType::Sockhash | MapType::ReuseportSockarray)
    }
}

/// Update flag: create or replace.
pub const BPF_ANY: u64 = 0;
/// Update flag: create only.
pub const BPF_NOEXIST: u64 = 1;
/// Update flag: replace only.
pub const BPF_EXIST: u64 = 2;

/// Map creation flag: no preallocated elements (required for LPM_TRIE).
pub const BPF_F_NO_PREALLOC: u32 = 1 << 0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for t in MapType::ALL {
            assert_eq!(MapType::from_u32(t.number()), Some(t));
        }
        assert_eq!(MapType::from_u32(0), None);
        assert_eq!(MapType::from_u32(3), None);
        assert_eq!(MapType::ReuseportSockarray.number(), 20);
        assert_eq!(MapType::Sockhash.kernel_name(), "BPF_MAP_TYPE_SOCKHASH");
    }

    #[test]
    fn kinds() {
        let per_cpu: Vec<u32> = MapType::ALL.into_iter().filter(|t| t.is_per_cpu()).map(MapType::number).collect();
        assert_eq!(per_cpu, [5, 6, 10]);
        let sockets: Vec<u32> = MapType::ALL.into_iter().filter(|t| t.holds_sockets()).map(MapType::number).collect();
        assert_eq!(sockets, [15, 18, 20]);
    }
}
