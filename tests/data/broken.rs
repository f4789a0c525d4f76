const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let port: u16 = pkt.src_port;
    let idx = port % WORKERS;
    select(SOCKETS, idx)
}
