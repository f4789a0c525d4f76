#[map]
static SOCKETS: SockArray<8>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let worker = pkt.hash % 8;
    select(SOCKET, wroker)
}
