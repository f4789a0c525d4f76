//! A HashMap flow table: known flows keep their worker, new ones take the hash's and are
//! recorded; see flow_pin.md.
const WORKERS: u32 = 8;

struct Flow {
    addr: u32,
    port: u16,
}

#[map]
static SOCKETS: SockArray<WORKERS>;

#[map]
static FLOWS: HashMap<Flow, u32, 65536>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if !pkt.is_ipv4() {
        return Verdict::Pass;
    }
    let key = Flow { addr: pkt.src_ip4, port: pkt.src_port };
    if let Some(i) = FLOWS.get(key) {
        if try_select(SOCKETS, i) {
            return Verdict::Pass;
        }
    }
    let i = pkt.hash % WORKERS;
    FLOWS.insert(key, i);
    try_select(SOCKETS, i);
    Verdict::Pass
}
