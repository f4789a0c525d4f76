//! Envoy-style QUIC steering: 4 DCID bytes modulo the worker count; see quic_envoy.md.
const WORKERS: u32 = 6;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let n = pkt.len - 8;
    let mut key = pkt.hash;
    if n >= 9 {
        let first = pkt.payload.u8(0).unwrap_or(0);
        if first & 0x80 == 0 {
            key = pkt.payload.be32(1).unwrap_or(pkt.hash);
        } else if n >= 14 {
            key = pkt.payload.be32(6).unwrap_or(pkt.hash);
        }
    }
    try_select(SOCKETS, key % WORKERS);
    Verdict::Pass
}
