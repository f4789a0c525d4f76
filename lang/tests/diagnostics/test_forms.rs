#[map]
static SOCKETS: SockArray<8>;

#[map]
static COUNTS: Array<u32, 8>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(SOCKETS, pkt.payload.u8(1)? as u32 % 8)
}

#[test]
fn mistakes_in_tests() {
    let p = Packet::udp5().src("10.0.0.7:5000");
    let q = Packet::udp4().src("10.0.0.7").dst("10.0.0.1:443").payload(7);
    COUNTS.fill(8);
    assert_selected!(route(q), COUNTS.get(1), 7);
    assert_eq!(route(q), 3);
    let s = "hello";
}

#[steer]
fn not_a_test(pkt: Packet) -> Verdict {
    assert!(pkt.len > 0);
    Verdict::Pass
}
