#[map]
static SOCKETS: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let a = match pkt.payload.u8(0) {
        Some(v) => v,
    };
    let b = match pkt.payload.u8(1) {
        Some(v) => v,
        None => 0,
        _ => 1,
    };
    let c = match pkt.payload.u8(2) {
        3 => 1,
        _ => 0,
    };
    select(SOCKETS, (a + b + c) as u32 % 4)
}
