//! nginx-style QUIC steering: the first 8 bytes of the DCID are the owning socket's cookie
//! (big-endian); see quic_nginx.md.
use std::quic;

const SERVER_CID_LEN: u32 = 20;

#[map]
static SOCKETS: SockHash<u64, 64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;
    let mut start: u32 = 1;
    let mut len: u32 = SERVER_CID_LEN;
    if quic::is_long_header(first) {
        len = pkt.payload.u8(5)? as u32;
        if len < 8 {
            return Verdict::Pass;
        }
        start = 6;
    }
    // The whole DCID must be there: pkt.len counts the 8-byte UDP header.
    if pkt.len < 8 + start + len {
        return Verdict::Pass;
    }
    let key = pkt.payload.be64(start)?;
    try_select(SOCKETS, key);
    Verdict::Pass
}
