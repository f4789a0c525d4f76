//! Tenants by client prefix from a table the operator fills; see tenant_table.md.
use std::net::in_prefix4;

const WORKERS: u32 = 8;

struct Tenant {
    net: u32,
    len: u32,
    index: u32,
    on: u32,
}

#[map]
static SOCKETS: SockArray<WORKERS>;

#[map]
static TENANTS: Array<Tenant, 16>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if !pkt.is_ipv4() {
        return Verdict::Pass;
    }
    let a = pkt.src_ip4;
    for i in 0..16 {
        let Some(t) = TENANTS.get(i) else {
            continue;
        };
        if t.on != 0 && t.len <= 32 && in_prefix4(a, t.net, t.len) {
            if try_select(SOCKETS, t.index) {
                return Verdict::Pass;
            }
            return Verdict::Drop;
        }
    }
    try_select(SOCKETS, pkt.hash % WORKERS);
    Verdict::Pass
}
