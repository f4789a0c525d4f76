//! DNS: FNV-1a of the first label (up to 16 bytes, case-folded) picks the worker; see
//! dns_label.md.
use std::hash::{fnv1a_32_step, FNV32_OFFSET};

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let len = pkt.payload.u8(12)? as u32;
    if len == 0 || len > 63 {
        return select(SOCKETS, pkt.hash % WORKERS);
    }
    let mut h = FNV32_OFFSET;
    for i in 0..16 {
        if i >= len {
            break;
        }
        let mut b = pkt.payload.u8(13 + i)?;
        if b >= b'A' && b <= b'Z' {
            b |= 0x20;
        }
        h = fnv1a_32_step(h, b);
    }
    select(SOCKETS, h % WORKERS)
}
