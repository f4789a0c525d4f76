//! TCP SYNs by client /24 (IPv4) or /64 (IPv6); see tcp_source.md.
use std::hash::{fnv1a_32_8, mix32};

#[map]
static SOCKETS: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if !pkt.is_tcp() {
        return Verdict::Pass;
    }
    let h = if pkt.is_ipv4() {
        mix32(pkt.src_ip4 >> 8)
    } else if pkt.is_ipv6() {
        let a = pkt.src_ip6;
        fnv1a_32_8([a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]])
    } else {
        return Verdict::Pass;
    };
    try_select(SOCKETS, h % 4);
    Verdict::Pass
}
