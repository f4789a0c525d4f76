//! Random spreading for heavy senders. The kernel's own pick hashes the 4-tuple, so one
//! sender (one address and port) always reaches one socket, and a sender that sends a
//! large share of the traffic (a resolver forwarding for a whole network, a load tester)
//! overloads one worker. Senders listed in `HEAVY` (by IPv4 address) are spread over every
//! worker at random, datagram by datagram; everyone else keeps the kernel's pick.
//! List one with `rsteer map --pid P set HEAVY 0x7f000001 1` (127.0.0.1).
//!
//! Use it for stateless UDP (DNS, syslog, metrics) where any worker can answer any
//! datagram; never for protocols with per-flow state in the worker.

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// Senders to spread, by IPv4 address (host order); the value is unused.
#[map]
static HEAVY: HashMap<u32, u8, 256>;

#[steer]
fn spread_heavy(pkt: Packet) -> Verdict {
    if HEAVY.contains(pkt.src_ip4) {
        return select(SOCKETS, random() % WORKERS);
    }
    Verdict::Pass
}

#[test]
fn heavy_senders_are_spread() {
    SOCKETS.fill(4);
    HEAVY.insert(0x0a00_0007, 1);
    assert_selected!(spread_heavy(Packet::udp4().src("10.0.0.7:53").random(6)), SOCKETS, 2);
    assert_selected!(spread_heavy(Packet::udp4().src("10.0.0.7:53").random(7)), SOCKETS, 3);
}

#[test]
fn others_keep_the_kernel_pick() {
    SOCKETS.fill(4);
    HEAVY.insert(0x0a00_0007, 1);
    assert_eq!(spread_heavy(Packet::udp4().src("10.0.0.8:53").random(6)), Verdict::Pass);
}
