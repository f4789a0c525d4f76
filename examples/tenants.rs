//! Tenants by client prefix: each customer's address block is served by the worker the
//! operator assigns it; every other client is spread over the workers by the kernel's hash.
//!
//! When to use it: a multi-tenant service where one tenant's traffic should stay on its
//! own worker (its caches, its rate limits, a noisy tenant kept away from the others) and
//! tenants are known by their source networks. The table is a longest-prefix match, so a
//! /24 inside a /16 can go elsewhere, and it changes while the server runs, without a
//! reload: `rsteer map --pid PID set TENANTS 10.1.0.0/16 2` (IPv6: `set TENANTS6
//! 2001:db8::/32 1`), `rsteer map --pid PID delete TENANTS 10.1.0.0/16`, and
//! `rsteer map --pid PID dump TENANTS` lists the prefixes.

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// IPv4 client prefix → worker (socket index).
#[map]
static TENANTS: LpmTrie<u32, u32, 1024>;

/// IPv6 client prefix → worker (socket index).
#[map]
static TENANTS6: LpmTrie<[u8; 16], u32, 1024>;

#[steer]
fn by_tenant(pkt: Packet) -> Verdict {
    let tenant = if pkt.is_ipv6() { TENANTS6.get(pkt.src_ip6) } else { TENANTS.get(pkt.src_ip4) };
    let worker = tenant.unwrap_or(WORKERS);
    if worker < WORKERS {
        return select(SOCKETS, worker);
    }
    select(SOCKETS, pkt.hash % WORKERS)
}

#[test]
fn a_tenant_goes_to_its_worker() {
    SOCKETS.fill(WORKERS);
    TENANTS.insert_prefix(std::net::ip4(10, 1, 0, 0), 16, 2);
    let p = Packet::udp4().src("10.1.7.9:5000").hash(1);
    assert_selected!(by_tenant(p), SOCKETS, 2);
}

#[test]
fn the_longest_prefix_wins() {
    SOCKETS.fill(WORKERS);
    TENANTS.insert_prefix(std::net::ip4(10, 1, 0, 0), 16, 2);
    TENANTS.insert_prefix(std::net::ip4(10, 1, 9, 0), 24, 3);
    assert_selected!(by_tenant(Packet::udp4().src("10.1.9.200:5000")), SOCKETS, 3);
    assert_selected!(by_tenant(Packet::udp4().src("10.1.8.200:5000").hash(1)), SOCKETS, 2);
    TENANTS.remove_prefix(std::net::ip4(10, 1, 9, 0), 24);
    assert_selected!(by_tenant(Packet::udp4().src("10.1.9.200:5000").hash(1)), SOCKETS, 2);
}

#[test]
fn others_are_spread_by_the_hash() {
    SOCKETS.fill(WORKERS);
    TENANTS.insert_prefix(std::net::ip4(10, 1, 0, 0), 16, 2);
    assert_selected!(by_tenant(Packet::udp4().src("192.0.2.7:5000").hash(5)), SOCKETS, 1);
    assert_selected!(by_tenant(Packet::udp4().src("192.0.2.7:5000").hash(7)), SOCKETS, 3);
}

#[test]
fn a_worker_past_the_group_is_ignored() {
    SOCKETS.fill(WORKERS);
    TENANTS.insert_prefix(std::net::ip4(10, 1, 0, 0), 16, 9);
    assert_selected!(by_tenant(Packet::udp4().src("10.1.0.1:5000").hash(6)), SOCKETS, 2);
}

#[test]
fn ipv6_tenants() {
    SOCKETS.fill(WORKERS);
    TENANTS6.insert_prefix(std::net::ip6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, 1);
    assert_selected!(by_tenant(Packet::udp6().src("[2001:db8:5::7]:53").hash(0)), SOCKETS, 1);
    assert_selected!(by_tenant(Packet::udp6().src("[2001:db9::7]:53").hash(0)), SOCKETS, 0);
}
