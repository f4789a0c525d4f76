//! Hash spreading with per-CPU counters per worker; see counted_hash.md.
const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[map]
static COUNTS: PerCpuArray<u64, 5>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let i = pkt.hash % WORKERS;
    if try_select(SOCKETS, i) {
        COUNTS.add(i, 1);
    } else {
        COUNTS.add(WORKERS, 1);
    }
    Verdict::Pass
}
