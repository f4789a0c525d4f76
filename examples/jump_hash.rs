//! Consistent hashing over a changing worker set: the flow's 4-tuple, mixed to 64 bits, is
//! placed on one of `LIVE` workers with jump consistent hash. Growing from n to n + 1
//! workers moves only about 1/(n + 1) of the flows, all to the new worker; plain `% n`
//! would move almost all of them. The live count is a map entry the operator changes
//! (`rsteer map --pid P set LIVE 0 5`) as workers start; 0 means all `WORKERS`.
//!
//! Use it for per-flow state that is costly to move (a UDP session table, a cache per
//! worker) when workers are added or removed at the end. To remove any worker, not just the
//! last, see `balance::rendezvous_alive`.
use std::balance;
use std::hash;

const WORKERS: u32 = 8;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// How many of the sockets, from index 0, take new flows.
#[map]
static LIVE: Array<u32, 1>;

/// The flow key: both addresses (IPv4) and both ports, mixed so that nearby ports spread.
fn key_of(src: u32, dst: u32, sport: u16, dport: u16) -> u64 {
    let addrs = (src as u64) << 32 | dst as u64;
    let ports = (sport as u64) << 16 | dport as u64;
    hash::mix64(addrs ^ hash::mix64(ports))
}

fn flow_key(pkt: Packet) -> u64 {
    key_of(pkt.src_ip4, pkt.dst_ip4, pkt.src_port, pkt.dst_port)
}

#[steer]
fn by_flow(pkt: Packet) -> Verdict {
    let mut n = LIVE.get(0).unwrap_or(0);
    if n == 0 || n > WORKERS {
        n = WORKERS;
    }
    select(SOCKETS, balance::jump(flow_key(pkt), n))
}

#[test]
fn a_flow_stays_on_its_worker() {
    SOCKETS.fill(8);
    LIVE.set(0, 4);
    let p = Packet::udp4().src("10.0.0.7:5000").dst("10.0.0.1:443");
    let w = balance::jump(flow_key(p), 4);
    assert!(w < 4);
    assert_selected!(by_flow(p), SOCKETS, w);
    assert_selected!(by_flow(p), SOCKETS, w);
}

#[test]
fn adding_a_worker_moves_few_flows() {
    // 256 flows from one client address (ports 5000 to 5255): growing from 4 to 5 workers
    // moves only those the new worker takes, about a fifth; `% n` would move four fifths.
    let mut moved = 0;
    let mut moved_by_modulo = 0;
    for port in 0..256 {
        let key = key_of(0x0a00_0007, 0x0a00_0001, 5000 + port as u16, 443);
        let before = balance::jump(key, 4);
        let after = balance::jump(key, 5);
        if before != after {
            assert_eq!(after, 4);
            moved += 1;
        }
        if key % 4 != key % 5 {
            moved_by_modulo += 1;
        }
    }
    assert!(moved > 25 && moved < 80);
    assert!(moved_by_modulo > 150);
}

#[test]
fn zero_live_means_every_worker() {
    SOCKETS.fill(8);
    let p = Packet::udp4().src("10.0.0.7:5000").dst("10.0.0.1:443");
    assert_selected!(by_flow(p), SOCKETS, balance::jump(flow_key(p), 8));
}
