//! Tenants by client prefix, from a constant table, dual stack; see tenant_prefix.md.
use std::net::{in_prefix4, in_prefix6};

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

fn tenant4(a: u32) -> Option<u32> {
    if in_prefix4(a, 0x0a01_0000, 16) {
        Some(0)
    } else if in_prefix4(a, 0x0a02_0000, 16) {
        Some(1)
    } else if in_prefix4(a, 0xc0a8_0700, 24) {
        Some(2)
    } else if in_prefix4(a, 0xac10_0000, 12) {
        Some(3)
    } else if in_prefix4(a, 0x7f00_0000, 8) {
        Some(2)
    } else {
        None
    }
}

fn tenant6(a: [u8; 16]) -> Option<u32> {
    let t1: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let t2: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    if in_prefix6(a, t1, 48) {
        Some(0)
    } else if in_prefix6(a, t2, 48) {
        Some(1)
    } else {
        None
    }
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let tenant = if pkt.is_ipv4() {
        tenant4(pkt.src_ip4)
    } else if pkt.is_ipv6() {
        tenant6(pkt.src_ip6)
    } else {
        None
    };
    try_select(SOCKETS, tenant.unwrap_or(pkt.hash % WORKERS));
    Verdict::Pass
}
