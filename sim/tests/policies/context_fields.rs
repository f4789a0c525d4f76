//! Every context field the kernel hands a program, by address family and protocol (entry
//! `route`); `pkt.len` (the L4 length), `pkt.hash` and both ports, written where the test
//! reads them (entry `record`).
#[map]
static SOCKETS: SockArray<8>;
#[map]
static SEEN: Array<u32, 4>;
#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    let mut k: u32 = 0;
    if pkt.eth_protocol == 0x0800 && pkt.is_ipv4() { k |= 1; }
    if pkt.eth_protocol == 0x86DD && pkt.is_ipv6() { k |= 2; }
    if pkt.ip_protocol == 6 && pkt.is_tcp() { k |= 4; }
    if pkt.bind_inany { k = 7; }
    select(SOCKETS, k)
}

#[test]
fn each_field_sets_its_bit() {
    SOCKETS.fill(8);
    assert_selected!(route(Packet::udp4().src("10.0.0.7:5000").dst("10.0.0.1:443")), SOCKETS, 1);
    assert_selected!(route(Packet::udp6().src("[2001:db8::1]:5").dst("[::1]:6")), SOCKETS, 2);
    assert_selected!(route(Packet::tcp6().src("[2001:db8::1]:5").dst("[::1]:6")), SOCKETS, 6);
    assert_selected!(route(Packet::tcp4().src("1.2.3.4:5").dst("1.2.3.5:6")), SOCKETS, 5);
    assert_selected!(route(Packet::udp4().bind_inany(true)), SOCKETS, 7);
}

#[steer]
fn record(pkt: Packet) -> Verdict {
    SEEN.set(0, pkt.len);
    SEEN.set(1, pkt.hash);
    SEEN.set(2, pkt.src_port as u32);
    SEEN.set(3, pkt.dst_port as u32);
    Verdict::Pass
}

#[test]
fn the_program_sees_the_packet() {
    let p = Packet::udp4().src("10.0.0.7:5000").dst("10.0.0.1:443").payload(b"hello").hash(0xdead_beef);
    assert_eq!(record(p), Verdict::Pass);
    assert_eq!(SEEN.get(0), Some(13));
    assert_eq!(SEEN.get(1), Some(0xdead_beef));
    assert_eq!(SEEN.get(2), Some(5000));
    assert_eq!(SEEN.get(3), Some(443));
    // A SYN's length counts its 20-byte header.
    let _ = record(Packet::tcp4().src("10.0.0.7:5000").dst("10.0.0.1:443").payload(b"tfo"));
    assert_eq!(SEEN.get(0), Some(23));
}
