#[map]
static SOCKETS: SockArray<8>;

fn first_byte(pkt: Packet) -> u32 {
    pkt.payload.u8(0)? as u32
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let w = pkt.hash?;
    select(SOCKETS, first_byte(pkt) + w)
}
