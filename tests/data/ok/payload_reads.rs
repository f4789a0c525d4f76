//! Region reads against a known payload, `ABCDEFGH` (8 bytes): each check sets one bit of
//! the socket index, so a datagram reaching socket 15 passed all four.

#[map]
static SOCKETS: SockArray<16>;

#[steer]
fn reads(pkt: Packet) -> Verdict {
    let mut bits: u32 = 0;
    if pkt.payload.u8(0)? == b'A' && pkt.payload.be16(1)? == 0x4243 && pkt.l4.u8(8)? == b'A' {
        bits |= 1;
    }
    if pkt.payload.le32(0)? == 0x4443_4241 && pkt.payload.le16(6)? == 0x4847 && pkt.payload.le64(0)? == 0x4847_4645_4443_4241 {
        bits |= 2;
    }
    // The IPv4 header: version 4 in the high nibble of byte 0, protocol 17 at byte 9.
    if pkt.net.u8(0)? >> 4 == 4 && pkt.net.u8(9)? == 17 && pkt.net.be32(12)? == pkt.src_ip4 {
        bits |= 4;
    }
    let tail = pkt.payload.bytes::<4>(4)?;
    if pkt.payload.be64(0)? == 0x4142_4344_4546_4748 && pkt.payload.u8(8).is_none() && tail == [b'E', b'F', b'G', b'H'] {
        bits |= 8;
    }
    select(SOCKETS, bits)
}
