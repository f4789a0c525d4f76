//! DNS message header fields (RFC 1035 §4.1.1) of a UDP payload.

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
