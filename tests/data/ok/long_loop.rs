//! A long loop: 32768 rounds of a short body, well inside the verifier's budget. A loop
//! whose rounds times body length passes it is refused at compile time (E0804; see
//! tests/data/bad/too_long_loop.rs).

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
