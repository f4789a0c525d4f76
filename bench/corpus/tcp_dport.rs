//! TCP SYNs by destination port; see tcp_dport.md.
#[map]
static SOCKETS: SockArray<4>;

#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    if !pkt.is_tcp() {
        return Verdict::Pass;
    }
    let index = match pkt.dst_port {
        80 | 8080 => 0,
        443 | 8443 => 1,
        22 => 2,
        1024..=4999 => 3,
        _ => pkt.hash % 4,
    };
    select(SOCKETS, index)
}
