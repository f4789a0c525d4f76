#[map]
static SOCKETS: SockArray<8>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(SOCKETS, pkt.payload.u8(1)? as u32 % 8)
}

#[test]
fn routes_by_second_byte() {
    let p = Packet::udp4().src("10.0.0.7:5000").dst("10.0.0.1:443").payload(b"\x40\x07");
    SOCKETS.fill(8);
    assert_selected!(route(p), SOCKETS, 7);
}

#[test]
fn plain_arithmetic() {
    let x = 1 + 2;
    let y: u8 = x;
}
