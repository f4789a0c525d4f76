//! Route QUIC short-header packets to the worker whose id is the first DCID byte.
use std::quic;

const WORKERS: u32 = 8;

/// Sockets of the reuseport group, one per worker; filled by the loader.
#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;            // `?`: a short packet takes the fallback
    if quic::is_long_header(first) {
        return Verdict::Pass;                   // new connection: let the kernel hash it
    }
    let worker = pkt.payload.u8(1)? as u32;     // first byte of the destination CID
    select(SOCKETS, worker % WORKERS)
}
