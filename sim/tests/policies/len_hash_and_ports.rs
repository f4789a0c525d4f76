//! `pkt.len` (the L4 length), `pkt.hash` and both ports, written where the test reads them.
#[map]
static SOCKETS: SockArray<4>;
#[map]
static SEEN: Array<u32, 4>;
#[steer]
fn route(pkt: Packet) -> Verdict {
    SEEN.set(0, pkt.len);
    SEEN.set(1, pkt.hash);
    SEEN.set(2, pkt.src_port as u32);
    SEEN.set(3, pkt.dst_port as u32);
    Verdict::Pass
}

#[test]
fn the_program_sees_the_packet() {
    let p = Packet::udp4().src("10.0.0.7:5000").dst("10.0.0.1:443").payload(b"hello").hash(0xdead_beef);
    assert_eq!(route(p), Verdict::Pass);
    assert_eq!(SEEN.get(0), Some(13));
    assert_eq!(SEEN.get(1), Some(0xdead_beef));
    assert_eq!(SEEN.get(2), Some(5000));
    assert_eq!(SEEN.get(3), Some(443));
    // A SYN's length counts its 20-byte header.
    let _ = route(Packet::tcp4().src("10.0.0.7:5000").dst("10.0.0.1:443").payload(b"tfo"));
    assert_eq!(SEEN.get(0), Some(23));
}
