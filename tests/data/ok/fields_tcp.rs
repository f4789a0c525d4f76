//! Packet fields against what the kernel sees for a TCP SYN to a listener on 127.0.0.1:
//! each check sets one bit of the listener index, so a connection accepted by listener 15
//! passed all four.

#[map]
static SOCKETS: SockArray<16>;

#[steer]
fn syn_fields(pkt: Packet) -> Verdict {
    let mut bits: u32 = 0;
    if pkt.is_tcp() && pkt.ip_protocol == 6 && pkt.is_ipv4() {
        bits |= 1;
    }
    // A SYN carries no payload: `len` is the TCP header, `doff * 4` bytes with options.
    let doff = (pkt.l4.u8(12)? >> 4) as u32;
    if pkt.len == doff * 4 && doff >= 5 {
        bits |= 2;
    }
    if pkt.payload.u8(0).is_none() {
        bits |= 4;
    }
    // Flags byte: SYN (0x02) set, ACK (0x10) clear.
    let flags = pkt.l4.u8(13)?;
    if flags & 0x02 != 0 && flags & 0x10 == 0 && pkt.dst_port == pkt.l4.be16(2)? {
        bits |= 8;
    }
    select(SOCKETS, bits)
}
