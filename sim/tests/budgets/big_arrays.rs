// Arrays the simulator would have to allocate up front: 16M u64 on each of its 8 CPUs, 1 GiB.

#[map]
static SOCKETS: SockArray<4>;

#[map]
static COUNTS: PerCpuArray<u64, 16777216>;

#[steer]
fn pick(pkt: Packet) -> Verdict {
    COUNTS.add(0, 1);
    select(SOCKETS, 0)
}

#[test]
fn counts() {
    SOCKETS.fill(4);
    assert_selected!(pick(Packet::udp4()), SOCKETS, 0);
}
