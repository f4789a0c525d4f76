//! Steer by the client's source port: port `p` goes to socket `p % WORKERS`, so one client
//! socket always reaches the same worker.

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn by_source_port(pkt: Packet) -> Verdict {
    let port = pkt.src_port as u32;
    select(SOCKETS, port % WORKERS)
}
