//! Clients listed in OVERRIDES go to their worker, the rest by the kernel's hash; see
//! override_src.md.
const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[map]
static OVERRIDES: HashMap<u32, u32, 1024>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if pkt.is_ipv4() {
        if let Some(v) = OVERRIDES.get(pkt.src_ip4) {
            if v < WORKERS {
                if try_select(SOCKETS, v) {
                    return Verdict::Pass;
                }
                return Verdict::Drop;
            }
        }
    }
    try_select(SOCKETS, pkt.hash % WORKERS);
    Verdict::Pass
}
