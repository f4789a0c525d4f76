//! `std::net::ip4` and `ip6` without a `use`: computed at compile time in constants and
//! calls with constant arguments, and by the language's own definition with run-time ones.
const LOOPBACK_NET: u32 = std::net::ip4(127, 1, 0, 0);
const DOC: [u8; 16] = std::net::ip6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);

#[map]
static SOCKETS: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if pkt.is_ipv6() {
        if pkt.src_ip6 == DOC {
            return select(SOCKETS, 3);
        }
        return Verdict::Pass;
    }
    if pkt.src_ip4 & 0xffff_0000 == LOOPBACK_NET {
        return select(SOCKETS, 1);
    }
    if pkt.src_ip4 == std::net::ip4(10, 0, 0, 7) {
        return select(SOCKETS, 2);
    }
    Verdict::Pass
}

#[test]
fn constants_are_the_addresses_they_spell() {
    assert_eq!(LOOPBACK_NET, 0x7f01_0000);
    assert_eq!(std::net::ip4(255, 255, 255, 255), u32::MAX);
    assert_eq!(DOC, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(std::net::ip6(0xfe80, 0, 0, 0, 0, 0, 0, 0xabcd)[14], 0xab);
}

#[test]
fn run_time_arguments_give_the_same_addresses() {
    // Mutable, so that they are not constants: the calls run the language's definitions.
    let mut a = 126u8;
    let mut b = 0u8;
    let mut g = 0x2000u16;
    a += 1;
    b += 1;
    g += 1;
    assert_eq!(std::net::ip4(a, b, 0, 0), LOOPBACK_NET);
    assert_eq!(std::net::ip4(a, 0, 0, b), 0x7f00_0001);
    assert_eq!(std::net::ip6(g, 0xdb8, 0, 0, 0, 0, 0, 1), DOC);
}

#[test]
fn packets_steer_by_constant_addresses() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().src("127.1.9.9:5000")), SOCKETS, 1);
    assert_selected!(route(Packet::udp4().src("10.0.0.7:5000")), SOCKETS, 2);
    assert_selected!(route(Packet::udp6().src("[2001:db8::1]:53")), SOCKETS, 3);
    assert_eq!(route(Packet::udp4().src("127.2.0.1:5000")), Verdict::Pass);
}
