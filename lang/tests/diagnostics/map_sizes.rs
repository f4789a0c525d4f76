struct Empty {}

#[map]
static A: Array<Empty, 4>;

#[map]
static B: HashMap<[u8; 0], u32, 16>;

#[map]
static S: SockArray<4294967295>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, 0)
}
