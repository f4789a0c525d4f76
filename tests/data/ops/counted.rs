//! Every verdict kind, for the counters: the first payload byte picks the socket, 255 drops,
//! 254 passes without a selection, an empty payload takes the fallback (pass).

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let b = pkt.payload.u8(0)?;
    if b == 255 {
        return Verdict::Drop;
    }
    if b == 254 {
        return Verdict::Pass;
    }
    select(SOCKETS, b as u32 % WORKERS)
}

#[test]
fn each_verdict() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().payload(b"\x06")), SOCKETS, 2);
    assert_eq!(route(Packet::udp4().payload(b"\xff")), Verdict::Drop);
    assert_eq!(route(Packet::udp4().payload(b"\xfe")), Verdict::Pass);
}
