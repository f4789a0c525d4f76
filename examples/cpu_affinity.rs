//! CPU affinity: a datagram handled on CPU `c` goes to socket `c % WORKERS`, so each worker
//! (pinned to its CPU) sees the packets its CPU received. Counts selections per CPU.

const WORKERS: u32 = 2;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// Datagrams steered, per CPU.
#[map]
static STEERED: PerCpuArray<u64, 1>;

#[steer]
fn by_cpu(_pkt: Packet) -> Verdict {
    let cpu = cpu();
    if try_select(SOCKETS, cpu % WORKERS) {
        STEERED.add(0, 1);
        return Verdict::Pass;
    }
    Verdict::Pass
}

#[test]
fn each_cpu_has_its_socket() {
    SOCKETS.fill(2);
    assert_selected!(by_cpu(Packet::udp4().cpu(0)), SOCKETS, 0);
    assert_selected!(by_cpu(Packet::udp4().cpu(1)), SOCKETS, 1);
    assert_selected!(by_cpu(Packet::udp4().cpu(5)), SOCKETS, 1);
}

#[test]
fn without_sockets_the_kernel_picks() {
    assert_eq!(by_cpu(Packet::udp4().cpu(1)), Verdict::Pass);
}
