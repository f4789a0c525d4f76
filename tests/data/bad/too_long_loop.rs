#[map]
static SOCKETS: SockArray<64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut acc: u32 = pkt.hash;
    for i in 0..65536 {
        acc = acc * 31 + i;
        acc ^= acc >> 7;
        acc += i * 3;
        acc ^= acc << 5;
    }
    select(SOCKETS, acc % 64)
}
