//! Weighted steering: WEIGHTS (written by the operator) gives each socket a share of the
//! hash space; `std::balance::weighted` picks by the kernel's 4-tuple hash.
use std::balance;

const N: u32 = 4;

#[map]
static SOCKETS: SockArray<N>;

/// Relative weight of each socket.
#[map]
static WEIGHTS: Array<u32, N>;

#[steer]
fn by_weight(pkt: Packet) -> Verdict {
    let mut w = [0u32; 16];
    for i in 0..N {
        w[i] = WEIGHTS.get(i).unwrap_or(0);
    }
    select(SOCKETS, balance::weighted(w, N, pkt.hash))
}

#[test]
fn shares_follow_the_weights() {
    SOCKETS.fill(4);
    WEIGHTS.set(0, 1);
    WEIGHTS.set(1, 0);
    WEIGHTS.set(2, 3);
    WEIGHTS.set(3, 0);
    // Total 4: hashes in the first quarter pick socket 0, the rest socket 2.
    assert_selected!(by_weight(Packet::udp4().hash(0x1000_0000)), SOCKETS, 0);
    assert_selected!(by_weight(Packet::udp4().hash(0x4000_0000)), SOCKETS, 2);
    assert_selected!(by_weight(Packet::udp4().hash(0xffff_ffff)), SOCKETS, 2);
}

#[test]
fn no_weights_picks_socket_zero() {
    SOCKETS.fill(4);
    assert_selected!(by_weight(Packet::udp4().hash(0x8000_0000)), SOCKETS, 0);
}
