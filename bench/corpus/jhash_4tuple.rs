//! The kernel's jhash_3words of the IPv4 4-tuple; see jhash_4tuple.md.
use std::hash::jhash_3words;

const WORKERS: u32 = 8;
const SEED: u32 = 0x5eed;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if !pkt.is_ipv4() {
        return Verdict::Pass;
    }
    let ports = pkt.l4.be32(0)?;
    let h = jhash_3words(pkt.src_ip4, pkt.dst_ip4, ports, SEED);
    try_select(SOCKETS, h % WORKERS);
    Verdict::Pass
}
