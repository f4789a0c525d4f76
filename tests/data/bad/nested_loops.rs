#[map]
static SOCKETS: SockArray<64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut acc: u32 = pkt.hash;
    for i in 0..1000 {
        for j in 0..1000 {
            acc ^= i * j;
        }
    }
    select(SOCKETS, acc % 64)
}
