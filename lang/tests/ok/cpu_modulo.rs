//! Keep a flow on the CPU that received it, and count packets per CPU.
const WORKERS: u32 = 8;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// Packets seen per worker.
#[map]
static COUNTS: PerCpuArray<u64, WORKERS>;

#[steer]
fn by_cpu(_pkt: Packet) -> Verdict {
    let w = cpu() % WORKERS;
    COUNTS.add(w, 1);
    select(SOCKETS, w)
}
