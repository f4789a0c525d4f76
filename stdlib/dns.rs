//! DNS message header fields (RFC 1035 §4.1.1) and the question's first label, of a UDP
//! payload.
use std::hash;

/// The query id.
pub fn query_id(pkt: Packet) -> Option<u16> {
    pkt.payload.be16(0)
}

/// The flags word: QR, opcode, AA, TC, RD, RA, Z, RCODE.
pub fn flags(pkt: Packet) -> Option<u16> {
    pkt.payload.be16(2)
}

/// Whether the message is a query (QR bit clear).
pub fn is_query(pkt: Packet) -> Option<bool> {
    let f = flags(pkt)?;
    Some(f & 0x8000 == 0)
}

/// The opcode (0 a standard query).
pub fn opcode(pkt: Packet) -> Option<u8> {
    let f = flags(pkt)?;
    Some(((f >> 11) & 0xf) as u8)
}

/// The number of questions.
pub fn qdcount(pkt: Packet) -> Option<u16> {
    pkt.payload.be16(4)
}

/// The offset of the question's name: right after the 12-byte header.
pub const QNAME: u32 = 12;

/// The longest label DNS allows.
pub const MAX_LABEL: u8 = 63;

/// The length of the first label of the question name (`www` in `www.example.com`); `None`
/// when the payload is too short or the byte is not a label length (a compression pointer
/// or a length over 63). 0 is the root name.
pub fn first_label_len(pkt: Packet) -> Option<u8> {
    let n = pkt.payload.u8(QNAME)?;
    if n > MAX_LABEL {
        return None;
    }
    Some(n)
}

/// ASCII lower case, as DNS compares names (RFC 4343).
pub fn lower(b: u8) -> u8 {
    if b >= b'A' && b <= b'Z' {
        b + 32
    } else {
        b
    }
}

/// FNV-1a (32 bits) of the first label of the question name, in lower case, so that
/// `WWW` and `www` hash alike; the same as `hash::fnv1a_32` of the label's bytes in lower
/// case. `None` when the payload ends inside the label.
pub fn first_label_hash(pkt: Packet) -> Option<u32> {
    let n = first_label_len(pkt)? as u32;
    let mut h = hash::FNV32_OFFSET;
    for i in 0..63 {
        if i < n {
            h = hash::fnv1a_32_step(h, lower(pkt.payload.u8(QNAME + 1 + i)?));
        }
    }
    Some(h)
}

/// Byte `i` of the first label, in lower case; `None` past its end.
pub fn first_label_byte(pkt: Packet, i: u32) -> Option<u8> {
    let n = first_label_len(pkt)? as u32;
    if i >= n {
        return None;
    }
    Some(lower(pkt.payload.u8(QNAME + 1 + i)?))
}

#[test]
fn header_fields() {
    // id 0x1234, flags 0x0100 (a standard query, recursion desired), one question.
    let q = Packet::udp4().payload(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01");
    assert_eq!(query_id(q), Some(0x1234));
    assert_eq!(flags(q), Some(0x0100));
    assert_eq!(is_query(q), Some(true));
    assert_eq!(opcode(q), Some(0));
    assert_eq!(qdcount(q), Some(1));
    // A response (QR set), opcode 2 (status).
    let r = Packet::udp4().payload(b"\x12\x34\x90\x00\x00\x00");
    assert_eq!(is_query(r), Some(false));
    assert_eq!(opcode(r), Some(2));
    assert_eq!(query_id(Packet::udp4().payload(b"\x12")), None);
}

#[test]
fn the_first_label() {
    let q = Packet::udp4().payload(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03WwW\x07example\x03com\x00");
    assert_eq!(first_label_len(q), Some(3));
    assert_eq!(first_label_byte(q, 0), Some(b'w'));
    assert_eq!(first_label_byte(q, 2), Some(b'w'));
    assert_eq!(first_label_byte(q, 3), None);
    let www = [b'w', b'w', b'w', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(first_label_hash(q), Some(hash::fnv1a_32(www, 3)));
    assert_eq!(lower(b'A'), b'a');
    assert_eq!(lower(b'-'), b'-');
    assert_eq!(MAX_LABEL, 63);
    // A compression pointer (0xc0) is not a label; a label cut short has no hash.
    let ptr = Packet::udp4().payload(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c");
    assert_eq!(first_label_len(ptr), None);
    let cut = Packet::udp4().payload(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05ab");
    assert_eq!(first_label_hash(cut), None);
    assert_eq!(QNAME, 12);
}
