use std::hsah;
use std::quic::{is_long_header, dcid};
use core::mem;
mod missing;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let x = balance::jump(1, 2);
    Verdict::Pass
}
