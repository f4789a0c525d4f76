#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut y = pkt.hash;
    y /= 0;
    y %= 0;
    y /= 2;
    select(S, y % 4)
}
