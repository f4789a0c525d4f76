//! A TCP payload starts after the header length the segment gives (`doff`).
#[map]
static SOCKETS: SockArray<4>;
#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    select(SOCKETS, (pkt.payload.u8(0)? % 4) as u32)
}

#[test]
fn first_payload_byte_of_a_syn() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::tcp4().src("10.0.0.7:5000").dst("10.0.0.1:443").payload(b"\x03")), SOCKETS, 3);
    assert_eq!(route(Packet::tcp4().src("10.0.0.7:5000").dst("10.0.0.1:443")), Verdict::Drop);
}
