#[map]
static SOCKETS: SockArrray<8>;

#[map]
static FLOWS: HashMap<u32, 1024>;

#[map]
static EMPTY: Array<u64, 0>;

#[map]
static KEYED: HashMap<Option<u32>, u32, 16>;

static PLAIN: Array<u32, 4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    Verdict::Pass
}
