#[map]
static SOCKETS: SockArray<8>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let port: u32 = pkt.src_port;
    let first = pkt.payload.u8(0);
    select(SOCKETS, first)
}
