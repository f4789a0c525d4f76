//! `Verdict::Drop` after a successful selection drops (the Rust test
//! `drop_after_a_selection_keeps_the_selection` checks that the selection was still made).
#[map]
static SOCKETS: SockArray<4>;
#[steer]
fn route(pkt: Packet) -> Verdict {
    let _sel = try_select(SOCKETS, 2);
    if pkt.len > 8 { Verdict::Drop } else { Verdict::Pass }
}

#[test]
fn drop_wins_over_the_selection() {
    SOCKETS.fill(4);
    assert_eq!(route(Packet::udp4().payload(b"x")), Verdict::Drop);
    assert_selected!(route(Packet::udp4()), SOCKETS, 2);
}
