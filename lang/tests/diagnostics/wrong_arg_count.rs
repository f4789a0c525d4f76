#[map]
static SOCKETS: SockArray<8>;

fn pick(hash: u32, n: u32) -> u32 {
    hash % n
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let w = pick(pkt.hash);
    let c = cpu(1);
    select(SOCKETS, w + c, 3)
}
