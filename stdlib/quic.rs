//! QUIC header forms and connection IDs (RFC 9000 §17).
//!
//! A long header (handshakes) is `first | version(4) | dcid_len(1) | dcid | ...`; a short
//! header (1-RTT data) is `first | dcid | ...` where the DCID length is the one the server
//! chose, so the caller knows it.

/// The header form bit: set for long headers.
pub fn is_long_header(first: u8) -> bool {
    first & 0x80 != 0
}

pub fn is_short_header(first: u8) -> bool {
    first & 0x80 == 0
}

/// The fixed bit, which RFC 9000 requires to be 1 in every version-1 packet.
pub fn has_fixed_bit(first: u8) -> bool {
    first & 0x40 != 0
}

/// The largest connection ID length RFC 9000 allows.
pub const MAX_CID_LEN: u8 = 20;

/// The version field of a long-header packet.
pub fn version(pkt: Packet) -> Option<u32> {
    pkt.payload.be32(1)
}

/// The destination connection ID length of a long-header packet; `None` when the packet is
/// short or the length is invalid.
pub fn long_dcid_len(pkt: Packet) -> Option<u8> {
    let n = pkt.payload.u8(5)?;
    if n > MAX_CID_LEN {
        return None;
    }
    Some(n)
}

/// Byte `i` of the destination connection ID, for either header form. A short header
/// carries no length: `i` must be below the length the server chose.
pub fn dcid_byte(pkt: Packet, i: u32) -> Option<u8> {
    let first = pkt.payload.u8(0)?;
    if is_long_header(first) {
        let n = long_dcid_len(pkt)?;
        if i >= n as u32 {
            return None;
        }
        pkt.payload.u8(6 + i)
    } else {
        pkt.payload.u8(1 + i)
    }
}

/// The first 8 bytes of the destination connection ID of a short-header packet.
pub fn short_dcid_8(pkt: Packet) -> Option<[u8; 8]> {
    pkt.payload.bytes::<8>(1)
}

/// The first 8 bytes of the destination connection ID of a long-header packet whose DCID is
/// at least 8 bytes long.
pub fn long_dcid_8(pkt: Packet) -> Option<[u8; 8]> {
    let n = long_dcid_len(pkt)?;
    if n < 8 {
        return None;
    }
    pkt.payload.bytes::<8>(6)
}
