//! QUIC header forms and connection IDs (RFC 9000 §17).
//!
//! A long header (handshakes) is `first | version(4) | dcid_len(1) | dcid | ...`; a short
//! header (1-RTT data) is `first | dcid | ...` where the DCID length is the one the server
//! chose, so the caller knows it.

/// The header form bit: set for long headers.
pub fn is_long_header(first: u8) -> bool {
    first & 0x80 != 0
}

/// The header form bit is clear: a short header (1-RTT data).
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

/// Where the destination connection ID starts in the payload: byte 6 of a long header
/// (after the version and the length byte), byte 1 of a short header.
pub fn dcid_offset(pkt: Packet) -> Option<u32> {
    let first = pkt.payload.u8(0)?;
    if is_long_header(first) {
        Some(6)
    } else {
        Some(1)
    }
}

/// The DCID length: the length byte of a long header, or `short_len`, the length the
/// server chose for its connection IDs, for a short header (which does not carry it).
pub fn dcid_len(pkt: Packet, short_len: u8) -> Option<u8> {
    let first = pkt.payload.u8(0)?;
    if is_long_header(first) {
        long_dcid_len(pkt)
    } else {
        Some(short_len)
    }
}

/// The config rotation codepoint of a QUIC-LB connection ID (draft-ietf-quic-load-balancers
/// §3): the top 3 bits of its first byte, which say which configuration (keys, server-id
/// length) issued it.
pub fn lb_config_rotation(first_cid_byte: u8) -> u8 {
    first_cid_byte >> 5
}

/// The config rotation value that marks a connection ID no load balancer can route
/// (`0b111`): such a packet goes by the kernel's hash.
pub const LB_UNROUTABLE: u8 = 7;

/// The length a QUIC-LB connection ID says it has in the low 5 bits of its first byte
/// (the length self-description: the CID length minus one).
pub fn lb_self_length(first_cid_byte: u8) -> u8 {
    (first_cid_byte & 0x1f) + 1
}

/// The server id of a QUIC-LB plaintext connection ID (draft-ietf-quic-load-balancers §5.2):
/// `sid_len` bytes (1 to 8) right after the first byte of the DCID, read big-endian. `None`
/// when the packet is too short, the config rotation is `LB_UNROUTABLE` or not `config`,
/// the DCID of a long header is shorter than `1 + sid_len`, or `sid_len` is out of range.
pub fn lb_server_id(pkt: Packet, config: u8, sid_len: u32) -> Option<u64> {
    if sid_len == 0 || sid_len > 8 {
        return None;
    }
    let at = dcid_offset(pkt)?;
    let first = pkt.payload.u8(0)?;
    if is_long_header(first) {
        let n = long_dcid_len(pkt)?;
        if (n as u32) < 1 + sid_len {
            return None;
        }
    }
    let cid0 = pkt.payload.u8(at)?;
    let rotation = lb_config_rotation(cid0);
    if rotation == LB_UNROUTABLE || rotation != config {
        return None;
    }
    let mut id: u64 = 0;
    for i in 0..8 {
        if i < sid_len {
            id = (id << 8) | pkt.payload.u8(at + 1 + i)? as u64;
        }
    }
    Some(id)
}

#[test]
fn header_forms() {
    assert!(is_long_header(0xc0));
    assert!(!is_long_header(0x40));
    assert!(is_short_header(0x40));
    assert!(!is_short_header(0x80));
    assert!(has_fixed_bit(0x40));
    assert!(!has_fixed_bit(0x80));
    assert_eq!(MAX_CID_LEN, 20);
}

#[test]
fn long_header_fields() {
    // Initial, version 1, an 8-byte DCID 0x11..0x18, then a 0-byte SCID.
    let p = Packet::udp4().payload(b"\xc0\x00\x00\x00\x01\x08\x11\x12\x13\x14\x15\x16\x17\x18\x00");
    assert_eq!(version(p), Some(1));
    assert_eq!(long_dcid_len(p), Some(8));
    assert_eq!(dcid_len(p, 4), Some(8));
    assert_eq!(dcid_offset(p), Some(6));
    assert_eq!(dcid_byte(p, 0), Some(0x11));
    assert_eq!(dcid_byte(p, 7), Some(0x18));
    assert_eq!(dcid_byte(p, 8), None);
    assert_eq!(long_dcid_8(p), Some([0x11u8, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]));
    // A length over 20 is not QUIC version 1.
    let bad = Packet::udp4().payload(b"\xc0\x00\x00\x00\x01\x15\x11");
    assert_eq!(long_dcid_len(bad), None);
    let short_id = Packet::udp4().payload(b"\xc0\x00\x00\x00\x01\x04\x11\x12\x13\x14");
    assert_eq!(long_dcid_8(short_id), None);
}

#[test]
fn short_header_fields() {
    let p = Packet::udp4().payload(b"\x40\x21\x22\x23\x24\x25\x26\x27\x28rest");
    assert_eq!(dcid_offset(p), Some(1));
    assert_eq!(dcid_len(p, 8), Some(8));
    assert_eq!(dcid_byte(p, 0), Some(0x21));
    assert_eq!(short_dcid_8(p), Some([0x21u8, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28]));
    assert_eq!(dcid_offset(Packet::udp4()), None);
}

#[test]
fn quic_lb_plaintext_server_ids() {
    // Config rotation 1 (0b001), self-described length 8 (0b00111): first byte 0x27.
    assert_eq!(lb_config_rotation(0x27), 1);
    assert_eq!(lb_self_length(0x27), 8);
    assert_eq!(lb_config_rotation(0xff), LB_UNROUTABLE);
    // Short header: DCID 27 | 0a 0b | nonce...
    let short = Packet::udp4().payload(b"\x40\x27\x0a\x0b\x99\x98\x97\x96\x95");
    assert_eq!(lb_server_id(short, 1, 2), Some(0x0a0b));
    assert_eq!(lb_server_id(short, 1, 1), Some(0x0a));
    assert_eq!(lb_server_id(short, 0, 2), None);
    assert_eq!(lb_server_id(short, 1, 0), None);
    assert_eq!(lb_server_id(short, 1, 9), None);
    // Long header: the same DCID after the version and the length byte.
    let long = Packet::udp4().payload(b"\xc0\x00\x00\x00\x01\x08\x27\x0a\x0b\x99\x98\x97\x96\x95");
    assert_eq!(lb_server_id(long, 1, 2), Some(0x0a0b));
    // A DCID too short for the server id, and an unroutable one.
    let tiny = Packet::udp4().payload(b"\xc0\x00\x00\x00\x01\x02\x27\x0a\x0b");
    assert_eq!(lb_server_id(tiny, 1, 2), None);
    let unroutable = Packet::udp4().payload(b"\x40\xe7\x0a\x0b\x99");
    assert_eq!(lb_server_id(unroutable, 7, 2), None);
}
