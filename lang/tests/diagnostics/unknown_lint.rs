#[map]
static SOCKETS: SockArray<4>;

#[allow(unused_variable)]
#[steer]
fn route(pkt: Packet) -> Verdict {
    let x = 1u32;
    select(SOCKETS, pkt.hash % 4)
}
