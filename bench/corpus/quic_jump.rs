//! Jump consistent hash of a short header's 8-byte DCID over the workers; see quic_jump.md.
use std::balance;
use std::quic;

const WORKERS: u32 = 6;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;
    if quic::is_long_header(first) {
        return select(SOCKETS, pkt.hash % WORKERS);
    }
    let key = pkt.payload.be64(1)?;
    try_select(SOCKETS, balance::jump(key, WORKERS));
    Verdict::Pass
}
