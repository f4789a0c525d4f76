//! QUIC v1/v2 to workers 1..3, other versions to the negotiation worker 0; see
//! quic_version.md.
use std::quic;

#[map]
static SOCKETS: SockArray<4>;

#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;
    if !quic::has_fixed_bit(first) {
        return Verdict::Drop;
    }
    let index = if quic::is_long_header(first) {
        match pkt.payload.be32(1)? {
            0x0000_0001 | 0x6b33_43cf => 1 + pkt.hash % 3,
            _ => 0,
        }
    } else {
        1 + pkt.payload.u8(1)? as u32 % 3
    };
    select(SOCKETS, index)
}
