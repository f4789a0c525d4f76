//! Packet fields against what the kernel sees for a UDP/IPv4 datagram from 127.0.0.1: each
//! check sets one bit of the socket index, so a datagram reaching socket 15 passed all four.

#[map]
static SOCKETS: SockArray<16>;

#[steer]
fn fields(pkt: Packet) -> Verdict {
    let mut bits: u32 = 0;
    if pkt.eth_protocol == 0x0800 && pkt.is_ipv4() && !pkt.is_ipv6() {
        bits |= 1;
    }
    if pkt.ip_protocol == 17 && pkt.is_udp() && !pkt.is_tcp() && !pkt.bind_inany {
        bits |= 2;
    }
    if pkt.src_ip4 == 0x7f00_0001 && pkt.dst_ip4 == 0x7f00_0001 {
        bits |= 4;
    }
    // The UDP header: ports, then the length, which counts the header and the payload.
    let udp_len = pkt.l4.be16(4)? as u32;
    if pkt.src_port == pkt.l4.be16(0)? && pkt.dst_port == pkt.l4.be16(2)? && pkt.len == udp_len {
        bits |= 8;
    }
    select(SOCKETS, bits)
}
