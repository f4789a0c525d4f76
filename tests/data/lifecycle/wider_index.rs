//! `examples/quic_cookie.rs` with an index map of 8 instead of 4: a replace must refuse to
//! take over the live BY_INDEX, whose shape differs.
use std::quic;

#[map]
static BY_COOKIE: SockHash<u64, 64>;

#[map]
static BY_INDEX: SockMap<8>;

#[steer]
fn quic_route(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;
    let offset: u32 = if quic::is_long_header(first) { 6 } else { 1 };
    let cookie = pkt.payload.le64(offset)?;
    if !try_select(BY_COOKIE, cookie) {
        try_select(BY_INDEX, pkt.hash % 8);
    }
    Verdict::Pass
}
