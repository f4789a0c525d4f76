//! The source port picks the worker; sockets in a SockMap.
const N: u32 = 16;

#[map]
static SOCKETS: SockMap<N>;

#[steer(fallback = Drop)]
fn by_port(pkt: Packet) -> Verdict {
    let port = pkt.src_port as u32;
    if try_select(SOCKETS, port % N) {
        Verdict::Pass
    } else {
        Verdict::Drop
    }
}
