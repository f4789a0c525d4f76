//! Random spreading, with the kernel's hash when the random slot is empty; see
//! random_spread.md.
const WORKERS: u32 = 8;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if !try_select(SOCKETS, random() % WORKERS) {
        try_select(SOCKETS, pkt.hash % WORKERS);
    }
    Verdict::Pass
}
