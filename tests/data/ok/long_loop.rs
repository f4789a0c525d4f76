//! A loop near the verifier's budget: 32768 rounds of a short body. The kernel accepts it;
//! twice as many rounds is refused at compile time (E0804), as the kernel would refuse it.

#[map]
static SOCKETS: SockArray<64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut acc: u32 = pkt.hash;
    for i in 0..32768 {
        acc = acc * 31 + i;
    }
    select(SOCKETS, acc % 64)
}
