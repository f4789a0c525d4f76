//! The packet: its fields, its regions and the reads of a region, one table each, read by
//! the type checker, the kernel-version check, codegen and the simulator.
//!
//! A new packet field needs, besides its row in [`FIELDS`] and its [`PacketField`] variant:
//! its lowering in `codegen/src/lower.rs` (`packet_field`, which dispatches on the row's
//! [`Read`]; a `Read::Context` field also needs its `sk_reuseport_md` entry in
//! `bpf/src/ctx.rs`), and its model in the simulator: the test-body read in
//! `sim/src/harness.rs` (`packet_field`) and, when the packet must carry something new,
//! `sim/src/packet.rs` (`SimPacket`) and the VM's context in `sim/src/vm.rs`. A new read
//! kind needs its row in [`READS`] and its byte order in codegen's `region_read` and the
//! harness's `region_read`; a new region its row in [`REGIONS`] and the same two places.

use crate::version::{KernelVersion, ValueTy, MIGRATE, SK_REUSEPORT};

/// Fields of the packet context. Reads of `SrcPort`..`DstIp4` can fail (migration run,
/// wrong address family); a failure ends the program with the entry's fallback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketField {
    Len,
    Hash,
    EthProtocol,
    IpProtocol,
    BindInany,
    IsIpv4,
    IsIpv6,
    IsTcp,
    IsUdp,
    SrcPort,
    DstPort,
    SrcIp4,
    DstIp4,
    SrcIp6,
    DstIp6,
    Migrating,
    Cookie,
    MigratingCookie,
}

/// How a packet field is written in the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `pkt.name`
    Field,
    /// `pkt.name()`
    Method,
}

/// How a packet field is read, in language terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// A field of the program's context (`sk_reuseport_md`), by its name there.
    Context(&'static str),
    /// Big-endian bytes of the L4 header at `offset`; fails (fallback) in a migration run.
    L4 { offset: u32, kind: ReadKind },
    /// Big-endian bytes of the IP header at `offset`, of an IPv4 (`v6: false`) or IPv6
    /// packet only; the other family fails (fallback).
    Net { offset: u32, kind: ReadKind, v6: bool },
    /// Computed from context fields or a helper call.
    Derived,
}

/// One row of the packet-field table.
#[derive(Clone, Copy, Debug)]
pub struct FieldInfo {
    pub name: &'static str,
    pub field: PacketField,
    pub access: Access,
    pub ty: ValueTy,
    /// The first Linux version that can read it.
    pub since: KernelVersion,
    pub read: Read,
}

const fn row(name: &'static str, field: PacketField, access: Access, ty: ValueTy, read: Read) -> FieldInfo {
    FieldInfo { name, field, access, ty, since: SK_REUSEPORT, read }
}

const fn migrate(info: FieldInfo) -> FieldInfo {
    FieldInfo { since: MIGRATE, ..info }
}

use Access::{Field as F, Method as M};

/// Every packet field, `pkt.x` fields first, in the order suggestions list them.
pub const FIELDS: [FieldInfo; 18] = [
    row("len", PacketField::Len, F, ValueTy::U32, Read::Context("len")),
    row("hash", PacketField::Hash, F, ValueTy::U32, Read::Context("hash")),
    row("eth_protocol", PacketField::EthProtocol, F, ValueTy::U16, Read::Context("eth_protocol")),
    row("ip_protocol", PacketField::IpProtocol, F, ValueTy::U8, Read::Context("ip_protocol")),
    row("bind_inany", PacketField::BindInany, F, ValueTy::Bool, Read::Context("bind_inany")),
    row("src_port", PacketField::SrcPort, F, ValueTy::U16, Read::L4 { offset: 0, kind: ReadKind::Be16 }),
    row("dst_port", PacketField::DstPort, F, ValueTy::U16, Read::L4 { offset: 2, kind: ReadKind::Be16 }),
    row("src_ip4", PacketField::SrcIp4, F, ValueTy::U32, Read::Net { offset: 12, kind: ReadKind::Be32, v6: false }),
    row("dst_ip4", PacketField::DstIp4, F, ValueTy::U32, Read::Net { offset: 16, kind: ReadKind::Be32, v6: false }),
    row(
        "src_ip6",
        PacketField::SrcIp6,
        F,
        ValueTy::Bytes(16),
        Read::Net { offset: 8, kind: ReadKind::Bytes(16), v6: true },
    ),
    row(
        "dst_ip6",
        PacketField::DstIp6,
        F,
        ValueTy::Bytes(16),
        Read::Net { offset: 24, kind: ReadKind::Bytes(16), v6: true },
    ),
    migrate(row("migrating", PacketField::Migrating, F, ValueTy::Bool, Read::Context("migrating_sk"))),
    row("is_ipv4", PacketField::IsIpv4, M, ValueTy::Bool, Read::Derived),
    row("is_ipv6", PacketField::IsIpv6, M, ValueTy::Bool, Read::Derived),
    row("is_tcp", PacketField::IsTcp, M, ValueTy::Bool, Read::Derived),
    row("is_udp", PacketField::IsUdp, M, ValueTy::Bool, Read::Derived),
    migrate(row("cookie", PacketField::Cookie, M, ValueTy::U64, Read::Derived)),
    migrate(row("migrating_cookie", PacketField::MigratingCookie, M, ValueTy::U64, Read::Derived)),
];

/// The row of `pkt.name` (`Access::Field`) or `pkt.name()` (`Access::Method`).
pub fn lookup(name: &str, access: Access) -> Option<&'static FieldInfo> {
    FIELDS.iter().find(|f| f.name == name && f.access == access)
}

/// The names written with `access`, in table order.
pub fn names(access: Access) -> impl Iterator<Item = &'static str> {
    FIELDS.iter().filter(move |f| f.access == access).map(|f| f.name)
}

/// The row of `f`.
pub fn info(f: PacketField) -> &'static FieldInfo {
    FIELDS.iter().find(|r| r.field == f).expect("every packet field has a row")
}

impl FieldInfo {
    /// How the field is written: `` `pkt.len` `` or `` `pkt.cookie()` ``.
    pub fn written(&self) -> String {
        match self.access {
            Access::Field => format!("`pkt.{}`", self.name),
            Access::Method => format!("`pkt.{}()`", self.name),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// Bytes after the L4 header (UDP: +8, TCP: +doff*4).
    Payload,
    /// Bytes from the L4 header.
    L4,
    /// Bytes from the IP header (`bpf_skb_load_bytes_relative`, BPF_HDR_START_NET).
    Net,
}

/// The regions, `pkt.payload`, `pkt.l4` and `pkt.net`.
pub const REGIONS: [(&str, Region); 3] = [("payload", Region::Payload), ("l4", Region::L4), ("net", Region::Net)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadKind {
    U8,
    Be16,
    Be32,
    Be64,
    Le16,
    Le32,
    Le64,
    /// `r.bytes::<N>(off)`: `[u8; N]`.
    Bytes(u32),
}

/// Byte order of a read of more than one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Big,
    Little,
}

/// One row of the read table: the method name, its size in bytes and its byte order.
#[derive(Clone, Copy, Debug)]
pub struct ReadInfo {
    pub method: &'static str,
    pub kind: ReadKind,
    pub size: u32,
    pub endian: Endian,
}

const fn read(method: &'static str, kind: ReadKind, size: u32, endian: Endian) -> ReadInfo {
    ReadInfo { method, kind, size, endian }
}

/// The integer reads of a region; `bytes::<N>` is the one read with a length, and not a row.
pub const READS: [ReadInfo; 7] = [
    read("u8", ReadKind::U8, 1, Endian::Big),
    read("be16", ReadKind::Be16, 2, Endian::Big),
    read("be32", ReadKind::Be32, 4, Endian::Big),
    read("be64", ReadKind::Be64, 8, Endian::Big),
    read("le16", ReadKind::Le16, 2, Endian::Little),
    read("le32", ReadKind::Le32, 4, Endian::Little),
    read("le64", ReadKind::Le64, 8, Endian::Little),
];

impl ReadKind {
    /// Bytes read.
    pub fn size(self) -> u32 {
        match self {
            ReadKind::Bytes(n) => n,
            k => k.info().size,
        }
    }

    /// The value read: an integer of the read's size, or `[u8; N]`.
    pub fn value_ty(self) -> ValueTy {
        match self {
            ReadKind::Bytes(n) => ValueTy::Bytes(n),
            k => match k.size() {
                1 => ValueTy::U8,
                2 => ValueTy::U16,
                4 => ValueTy::U32,
                _ => ValueTy::U64,
            },
        }
    }

    /// Byte order; `bytes::<N>` keeps the packet's order, which is reported as big-endian.
    pub fn endian(self) -> Endian {
        match self {
            ReadKind::Bytes(_) => Endian::Big,
            k => k.info().endian,
        }
    }

    fn info(self) -> &'static ReadInfo {
        READS.iter().find(|r| r.kind == self).expect("every integer read has a row")
    }
}
