//! Source and destination addresses of both families, through `std::net`.
use std::net;
#[map]
static SOCKETS: SockArray<4>;
#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    if pkt.is_ipv6() {
        let a = pkt.src_ip6;
        return select(SOCKETS, (a[15] % 4) as u32);
    }
    if net::is_private4(pkt.src_ip4) && pkt.dst_ip4 == 0x0a00_0001 {
        return select(SOCKETS, 1);
    }
    select(SOCKETS, 2)
}

#[test]
fn private_public_and_v6() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().src("10.0.0.7:5000").dst("10.0.0.1:443")), SOCKETS, 1);
    assert_selected!(route(Packet::udp4().src("8.8.8.8:53").dst("10.0.0.1:53")), SOCKETS, 2);
    assert_selected!(route(Packet::udp6().src("[2001:db8::7]:53").dst("[2001:db8::1]:53")), SOCKETS, 3);
}
