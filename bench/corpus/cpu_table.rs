//! CPU -> worker table, unmapped CPUs modulo the workers; see cpu_table.md.
const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[map]
static CPU_WORKER: Array<u32, 64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let c = cpu();
    let v = CPU_WORKER.get(c).unwrap_or(0);
    let i = if v >= 1 && v <= WORKERS { v - 1 } else { c % WORKERS };
    try_select(SOCKETS, i);
    Verdict::Pass
}
