//! CPU affinity: a datagram handled on CPU `c` goes to socket `c % WORKERS`, so each worker
//! (pinned to its CPU) sees the packets its CPU received. Counts selections per CPU.

const WORKERS: u32 = 2;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// Datagrams steered, per CPU.
#[map]
static STEERED: PerCpuArray<u64, 1>;

#[steer]
fn by_cpu(pkt: Packet) -> Verdict {
    let cpu = cpu();
    if try_select(SOCKETS, cpu % WORKERS) {
        STEERED.add(0, 1);
        return Verdict::Pass;
    }
    Verdict::Pass
}
