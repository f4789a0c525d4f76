//! A policy whose tests show what a failure looks like: two pass, two fail.

#[map]
static SOCKETS: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(SOCKETS, pkt.payload.u8(0)? as u32 % 4)
}

#[test]
fn byte_two_goes_to_socket_two() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().payload(b"\x02")), SOCKETS, 2);
}

#[test]
fn wrong_socket_expected() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().payload(b"\x02")), SOCKETS, 3);
}

#[test]
fn wrong_verdict_expected() {
    SOCKETS.fill(4);
    assert_eq!(route(Packet::udp4().payload(b"\x01")), Verdict::Drop);
}

#[test]
fn arithmetic_holds() {
    let x: u8 = 250;
    assert_eq!(x + 10, 4);
    assert!(x > 200);
}
