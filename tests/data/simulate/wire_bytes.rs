// Reads what only a packet's real bytes hold: a TCP SYN's data offset (Linux sends options, so
// 10 words on loopback) and the IP header's hop limit / TTL (64). UDP goes by its TTL.

#[map]
static SOCKETS: SockArray<4>;

#[steer(fallback = Drop)]
fn by_headers(pkt: Packet) -> Verdict {
    if pkt.is_tcp() {
        let words = pkt.l4.u8(12)? >> 4;
        select(SOCKETS, words as u32 % 4)
    } else if pkt.is_ipv4() {
        select(SOCKETS, pkt.net.u8(8)? as u32 % 4)
    } else {
        select(SOCKETS, pkt.net.u8(7)? as u32 % 4 + 1)
    }
}
