//! `struct sk_reuseport_md`, the read-only context of an SK_REUSEPORT program, by name.
//!
//! The layout and the loads the verifier allows on each field (`sk_reuseport_is_valid_access`
//! in `net/core/filter.c`) are one table, so the compiler's context loads, the BTF of the
//! context type and the simulator's context all agree.

/// What a field holds, for the BTF of the struct and for the simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// A `__bpf_md_ptr(void *, ...)` into the packet.
    PacketPtr,
    /// A `__u32`.
    U32,
    /// A `__bpf_md_ptr(struct bpf_sock *, ...)`.
    SockPtr,
}

/// One field of `struct sk_reuseport_md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// Byte offset in the struct.
    pub off: i16,
    /// Size in bytes.
    pub size: u32,
    pub ty: FieldType,
    /// The load sizes the verifier accepts; a load smaller than the field may start at any
    /// offset inside it that is aligned to its size.
    pub loads: &'static [u32],
}

impl Field {
    /// The field's byte offset as an index into the context.
    pub fn range(self) -> std::ops::Range<usize> {
        self.off as usize..self.off as usize + self.size as usize
    }
}

/// Start of the L4 (UDP/TCP) header.
pub const DATA: Field = Field { name: "data", off: 0, size: 8, ty: FieldType::PacketPtr, loads: &[8] };
/// End of the linear part of the packet.
pub const DATA_END: Field = Field { name: "data_end", off: 8, size: 8, ty: FieldType::PacketPtr, loads: &[8] };
/// Bytes from the L4 header to the end of the packet.
pub const LEN: Field = Field { name: "len", off: 16, size: 4, ty: FieldType::U32, loads: &[1, 2, 4] };
/// The network protocol, in network byte order (0x0800 IPv4, 0x86DD IPv6).
pub const ETH_PROTOCOL: Field = Field { name: "eth_protocol", off: 20, size: 4, ty: FieldType::U32, loads: &[2, 4] };
/// The socket's protocol (6 TCP, 17 UDP).
pub const IP_PROTOCOL: Field = Field { name: "ip_protocol", off: 24, size: 4, ty: FieldType::U32, loads: &[1, 2, 4] };
/// Whether the group is bound to the wildcard address.
pub const BIND_INANY: Field = Field { name: "bind_inany", off: 28, size: 4, ty: FieldType::U32, loads: &[1, 2, 4] };
/// The kernel's 4-tuple hash.
pub const HASH: Field = Field { name: "hash", off: 32, size: 4, ty: FieldType::U32, loads: &[4] };
/// A socket of the group (Linux 5.14+).
pub const SK: Field = Field { name: "sk", off: 40, size: 8, ty: FieldType::SockPtr, loads: &[8] };
/// The socket being migrated, or NULL (Linux 5.14+).
pub const MIGRATING_SK: Field = Field { name: "migrating_sk", off: 48, size: 8, ty: FieldType::SockPtr, loads: &[8] };

/// Every field, in offset order. Bytes 36..40 are padding before the 8-byte aligned socket
/// pointers.
pub const FIELDS: [Field; 9] = [DATA, DATA_END, LEN, ETH_PROTOCOL, IP_PROTOCOL, BIND_INANY, HASH, SK, MIGRATING_SK];

/// `sizeof(struct sk_reuseport_md)`.
pub const SIZE: u32 = 56;

/// The field a load of `size` bytes at `off` reads, when the verifier allows that load.
pub fn load(off: i64, size: u32) -> Option<Field> {
    if off < 0 || size == 0 || off % size as i64 != 0 {
        return None;
    }
    FIELDS.into_iter().find(|f| {
        let start = f.off as i64;
        off >= start && off + size as i64 <= start + f.size as i64 && f.loads.contains(&size)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_packed_in_order() {
        let mut end = 0;
        for f in FIELDS {
            let start = f.off as u32;
            assert!(start >= end, "{} overlaps its predecessor", f.name);
            assert_eq!(start % f.size, 0, "{} is misaligned", f.name);
            end = start + f.size;
        }
        assert_eq!(end, SIZE);
    }

    #[test]
    fn allowed_loads() {
        assert_eq!(load(16, 4), Some(LEN));
        assert_eq!(load(18, 2), Some(LEN));
        assert_eq!(load(19, 1), Some(LEN));
        assert_eq!(load(16, 8), None);
        assert_eq!(load(20, 2), Some(ETH_PROTOCOL));
        assert_eq!(load(20, 1), None);
        assert_eq!(load(32, 4), Some(HASH));
        assert_eq!(load(32, 2), None);
        assert_eq!(load(36, 4), None, "padding");
        assert_eq!(load(40, 8), Some(SK));
        assert_eq!(load(40, 4), None);
        assert_eq!(load(4, 4), None);
        assert_eq!(load(18, 4), None, "misaligned");
        assert_eq!(load(-8, 8), None);
        assert_eq!(load(56, 8), None);
    }
}
