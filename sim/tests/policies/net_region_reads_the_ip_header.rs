//! `pkt.net` reads the IP header: the version nibble, the IPv4 TTL and the IPv6 hop limit.
#[map]
static SOCKETS: SockArray<4>;
#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    let ttl = pkt.net.u8(8)?;
    let version = pkt.net.u8(0)? >> 4;
    if ttl == 64 && version == 4 { return select(SOCKETS, 1); }
    if version == 6 && pkt.net.u8(7)? == 64 { return select(SOCKETS, 2); }
    Verdict::Drop
}

#[test]
fn version_and_hop_limit() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().src("10.0.0.7:5000").dst("10.0.0.1:443")), SOCKETS, 1);
    assert_selected!(route(Packet::udp6().src("[::1]:1").dst("[::1]:2")), SOCKETS, 2);
}
