//! `LpmTrie`: IPv4 keys (`u32` in host order) and IPv6 keys (`[u8; 16]`); a lookup finds
//! the longest stored prefix; `insert_prefix` and `remove_prefix` fill the table in tests.
#[map]
static SOCKETS: SockArray<4>;
#[map]
static TENANTS: LpmTrie<u32, u32, 64>;
#[map]
static TENANTS6: LpmTrie<[u8; 16], u32, 64>;
/// IPv4 source addresses as the network header's bytes.
#[map]
static BY_BYTES: LpmTrie<[u8; 4], u32, 64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let tenant = if pkt.is_ipv6() { TENANTS6.get(pkt.src_ip6)? } else { TENANTS.get(pkt.src_ip4)? };
    select(SOCKETS, tenant)
}

#[test]
fn longest_prefix_wins() {
    SOCKETS.fill(4);
    assert!(TENANTS.insert_prefix(std::net::ip4(10, 0, 0, 0), 8, 1));
    assert!(TENANTS.insert_prefix(std::net::ip4(10, 1, 0, 0), 16, 2));
    assert!(TENANTS.insert_prefix(std::net::ip4(10, 1, 2, 3), 32, 3));
    assert_selected!(route(Packet::udp4().src("10.9.9.9:5000")), SOCKETS, 1);
    assert_selected!(route(Packet::udp4().src("10.1.9.9:5000")), SOCKETS, 2);
    assert_selected!(route(Packet::udp4().src("10.1.2.3:5000")), SOCKETS, 3);
    // No prefix holds it: `?` takes the fallback (Pass).
    assert_eq!(route(Packet::udp4().src("11.0.0.1:5000")), Verdict::Pass);
    assert_eq!(TENANTS.get(std::net::ip4(10, 1, 7, 7)), Some(2));
    assert_eq!(TENANTS.get(std::net::ip4(12, 0, 0, 1)), None);
}

#[test]
fn host_bits_past_the_length_are_ignored_and_removal_falls_back() {
    SOCKETS.fill(4);
    // 10.1.255.255/16 is the prefix 10.1.0.0/16.
    assert!(TENANTS.insert_prefix(std::net::ip4(10, 1, 255, 255), 16, 2));
    assert!(TENANTS.insert_prefix(std::net::ip4(0, 0, 0, 0), 0, 0));
    assert_selected!(route(Packet::udp4().src("10.1.0.1:5000")), SOCKETS, 2);
    assert!(TENANTS.remove_prefix(std::net::ip4(10, 1, 0, 0), 16));
    assert!(!TENANTS.remove_prefix(std::net::ip4(10, 1, 0, 0), 16));
    // The default route /0 holds every address.
    assert_selected!(route(Packet::udp4().src("10.1.0.1:5000")), SOCKETS, 0);
}

#[steer]
fn by_header_bytes(pkt: Packet) -> Verdict {
    let src = pkt.net.bytes::<4>(12)?;
    select(SOCKETS, BY_BYTES.get(src)?)
}

#[test]
fn byte_keys_match_from_the_first_bit() {
    SOCKETS.fill(4);
    assert!(BY_BYTES.insert_prefix([10, 1, 0, 0], 16, 1));
    assert!(BY_BYTES.insert_prefix([10, 1, 128, 0], 17, 2));
    assert_selected!(by_header_bytes(Packet::udp4().src("10.1.5.5:5000")), SOCKETS, 1);
    assert_selected!(by_header_bytes(Packet::udp4().src("10.1.200.5:5000")), SOCKETS, 2);
    assert_eq!(BY_BYTES.get([10, 1, 127, 255]), Some(1));
    assert!(!BY_BYTES.insert_prefix([10, 1, 0, 0], 33, 1));
}

#[test]
fn ipv6_prefixes() {
    SOCKETS.fill(4);
    assert!(TENANTS6.insert_prefix(std::net::ip6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, 1));
    assert!(TENANTS6.insert_prefix(std::net::ip6(0x2001, 0xdb8, 0x77, 0, 0, 0, 0, 0), 48, 3));
    assert_selected!(route(Packet::udp6().src("[2001:db8::7]:53")), SOCKETS, 1);
    assert_selected!(route(Packet::udp6().src("[2001:db8:77::7]:53")), SOCKETS, 3);
    assert_eq!(route(Packet::udp6().src("[2001:db9::7]:53")), Verdict::Pass);
}
