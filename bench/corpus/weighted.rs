//! Weighted spreading of the kernel's hash over 4 workers; see weighted.md.
const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[map]
static WEIGHTS: Array<[u32; 4], 1>;

fn pick(w: [u32; 4], hash: u32) -> u32 {
    let total = w[0] as u64 + w[1] as u64 + w[2] as u64 + w[3] as u64;
    if total == 0 {
        return hash % WORKERS;
    }
    let point = (hash as u64 * total) >> 32;
    let mut sum: u64 = 0;
    for i in 0..3 {
        sum += w[i] as u64;
        if point < sum {
            return i;
        }
    }
    3
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let i = if let Some(w) = WEIGHTS.get(0) { pick(w, pkt.hash) } else { pkt.hash % WORKERS };
    try_select(SOCKETS, i);
    Verdict::Pass
}
