//! A struct-valued table the operator fills with `rsteer map`: a client source port listed in
//! TENANTS goes to the socket its rule names while the rule is on; everyone else by SLOTS.

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

struct Rule {
    net: u32,
    len: u8,
    on: bool,
    weight: i16,
}

#[map]
static TENANTS: HashMap<u16, Rule, 64>;

#[map]
static SLOTS: Array<u32, 8>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if let Some(r) = TENANTS.get(pkt.src_port) {
        if r.on {
            return select(SOCKETS, r.net % WORKERS);
        }
    }
    let i = pkt.payload.u8(0)? as u32 % 8;
    if let Some(s) = SLOTS.get(i) {
        return select(SOCKETS, s % WORKERS);
    }
    Verdict::Pass
}
