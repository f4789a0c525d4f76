//! A later selection replaces an earlier one; a failed selection keeps it.
#[map]
static SOCKETS: SockArray<8>;
#[steer]
fn route(pkt: Packet) -> Verdict {
    let a = try_select(SOCKETS, 1);
    let b = try_select(SOCKETS, pkt.payload.u8(0)? as u32);
    if !a { return Verdict::Drop; }
    if b { Verdict::Pass } else { Verdict::Pass }
}

#[test]
fn the_last_successful_selection_counts() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().payload(b"\x03")), SOCKETS, 3);
    // Empty slot 6: the selection stays 1.
    assert_selected!(route(Packet::udp4().payload(b"\x06")), SOCKETS, 1);
    // Past the array: -ENOENT, the selection stays 1.
    assert_selected!(route(Packet::udp4().payload([200])), SOCKETS, 1);
    // `?` on an empty payload returns Pass after the first selection.
    assert_selected!(route(Packet::udp4()), SOCKETS, 1);
}
