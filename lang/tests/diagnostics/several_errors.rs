//! Several independent mistakes, each reported once, in one run.
use std::quic;

const WORKERS: u32 = 8;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;
    if quic::is_long_heade(first) {
        return Verdict::Pas;
    }
    let worker: u16 = first as u32;
    let unused = undefined_thing + worker;
    let flag = first & 0x80 != 0 == true;
    select(SOCKETS, worker % WORKERS)
}
