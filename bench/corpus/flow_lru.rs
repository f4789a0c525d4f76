//! An LRU table of clients, each placed on a random worker the first time; see flow_lru.md.
const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[map]
static CLIENTS: LruHashMap<u32, u32, 16384>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if !pkt.is_ipv4() {
        return Verdict::Pass;
    }
    let a = pkt.src_ip4;
    let i = if let Some(i) = CLIENTS.get(a) {
        i
    } else {
        let i = random() % WORKERS;
        CLIENTS.insert(a, i);
        i
    };
    try_select(SOCKETS, i);
    Verdict::Pass
}
