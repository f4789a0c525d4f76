//! Per-socket counters: how many datagrams (and TCP connections) each socket of the group
//! was given, and how many packets took the kernel's own pick, counted per CPU so that no
//! two CPUs write one counter. Steering is the kernel's 4-tuple hash through the map, so
//! the counts show how even it is. Read them while the server runs:
//! `rsteer map --pid P dump COUNTS` (the sum over CPUs).
//!
//! Use it to see how a group's load splits before choosing a policy, or as the counting
//! half of one: any policy can `COUNTS.add(index, 1)` after its `select`.

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// Index `i < WORKERS`: packets given to socket `i`; index `WORKERS`: packets whose
/// selection failed (an empty slot), left to the kernel's pick.
#[map]
static COUNTS: PerCpuArray<u64, 5>;

#[steer]
fn count(pkt: Packet) -> Verdict {
    let index = pkt.hash % WORKERS;
    if try_select(SOCKETS, index) {
        COUNTS.add(index, 1);
    } else {
        COUNTS.add(WORKERS, 1);
    }
    Verdict::Pass
}

#[test]
fn each_selection_is_counted() {
    SOCKETS.fill(4);
    for h in 0..10 {
        assert_selected!(count(Packet::udp4().hash(h)), SOCKETS, h % 4);
    }
    assert_eq!(COUNTS.get(0), Some(3));
    assert_eq!(COUNTS.get(1), Some(3));
    assert_eq!(COUNTS.get(2), Some(2));
    assert_eq!(COUNTS.get(3), Some(2));
    assert_eq!(COUNTS.get(4), Some(0));
}

#[test]
fn an_empty_slot_counts_as_the_kernels_pick() {
    SOCKETS.fill(2);
    assert_eq!(count(Packet::udp4().hash(3)), Verdict::Pass);
    assert_eq!(COUNTS.get(4), Some(1));
}
