//! FNV-1a over the IPv4 4-tuple in packet order; see fnv_4tuple.md.
use std::hash::{fnv1a_32_step, FNV32_OFFSET};

const WORKERS: u32 = 8;

#[map]
static SOCKETS: SockArray<WORKERS>;

fn fnv_u32(h: u32, w: u32) -> u32 {
    let h1 = fnv1a_32_step(h, (w >> 24) as u8);
    let h2 = fnv1a_32_step(h1, (w >> 16) as u8);
    let h3 = fnv1a_32_step(h2, (w >> 8) as u8);
    fnv1a_32_step(h3, w as u8)
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    if !pkt.is_ipv4() {
        return select(SOCKETS, pkt.hash % WORKERS);
    }
    let ports = pkt.l4.be32(0)?;
    let h = fnv_u32(fnv_u32(fnv_u32(FNV32_OFFSET, pkt.src_ip4), pkt.dst_ip4), ports);
    try_select(SOCKETS, h % WORKERS);
    Verdict::Pass
}
