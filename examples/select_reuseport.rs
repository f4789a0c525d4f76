//! The kernel's own reuseport selftest policy (`test_select_reuseport_kern.c` in
//! tools/testing/selftests/bpf): each datagram carries a command, two host-order `u32`s
//! `{ reuseport_index, pass_on_failure }`; the program selects that index, and when the
//! selection fails (an index with no socket) it passes to the kernel's own pick if
//! `pass_on_failure` is set and drops otherwise. A payload too short for the command is
//! dropped. `RESULTS` counts each outcome as the selftest's `result_map` does.
//!
//! Use it to check a kernel, a loader or a server's group by hand: the sender says which
//! socket each datagram must reach.

#[map]
static SOCKETS: SockArray<4>;

/// Outcomes: 0 selected, 1 dropped (short payload), 2 dropped (selection failed),
/// 3 passed after a failed selection.
#[map]
static RESULTS: Array<u32, 4>;

#[steer(fallback = Drop)]
fn select_by_cmd(pkt: Packet) -> Verdict {
    let Some(index) = pkt.payload.le32(0) else {
        RESULTS.add(1, 1);
        return Verdict::Drop;
    };
    let Some(pass_on_failure) = pkt.payload.le32(4) else {
        RESULTS.add(1, 1);
        return Verdict::Drop;
    };
    if try_select(SOCKETS, index) {
        RESULTS.add(0, 1);
        return Verdict::Pass;
    }
    if pass_on_failure != 0 {
        RESULTS.add(3, 1);
        return Verdict::Pass;
    }
    RESULTS.add(2, 1);
    Verdict::Drop
}

#[test]
fn pass() {
    SOCKETS.fill(4);
    for i in 0..4 {
        let cmd = [i as u8, 0, 0, 0, 0, 0, 0, 0];
        assert_selected!(select_by_cmd(Packet::udp4().payload(cmd)), SOCKETS, i);
    }
    assert_eq!(RESULTS.get(0), Some(4));
}

#[test]
fn drop_err_skb_data() {
    SOCKETS.fill(4);
    assert_eq!(select_by_cmd(Packet::udp4().payload(b"\x01\x00\x00")), Verdict::Drop);
    assert_eq!(RESULTS.get(1), Some(1));
}

#[test]
fn drop_err_sk_select_reuseport() {
    SOCKETS.fill(4);
    assert_eq!(select_by_cmd(Packet::udp4().payload(b"\x09\x00\x00\x00\x00\x00\x00\x00")), Verdict::Drop);
    assert_eq!(RESULTS.get(2), Some(1));
}

#[test]
fn pass_err_sk_select_reuseport() {
    SOCKETS.fill(4);
    assert_eq!(select_by_cmd(Packet::udp4().payload(b"\x09\x00\x00\x00\x01\x00\x00\x00")), Verdict::Pass);
    assert_eq!(RESULTS.get(3), Some(1));
}
