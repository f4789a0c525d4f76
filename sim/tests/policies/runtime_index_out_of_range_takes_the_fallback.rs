//! An array index past the end, known only at run time, ends the run with the fallback.
#[map]
static SOCKETS: SockArray<4>;
#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    let table = [3u32, 2, 1, 0];
    let i = pkt.payload.u8(0)? as u32;
    select(SOCKETS, table[i])
}

#[test]
fn in_range_and_past_the_end() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().payload(b"\x00")), SOCKETS, 3);
    assert_selected!(route(Packet::udp4().payload(b"\x03")), SOCKETS, 0);
    assert_eq!(route(Packet::udp4().payload(b"\x04")), Verdict::Drop);
}
