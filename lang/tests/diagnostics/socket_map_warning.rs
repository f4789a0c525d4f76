#[map]
static FRONT: SockArray<8>;

#[map]
static BACK: SockArray<8>;

#[map]
static BY_COOKIE: SockHash<u64, 64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if try_select(BY_COOKIE, pkt.cookie()) {
        return Verdict::Pass;
    }
    if try_select(BACK, pkt.hash % 8) {
        return Verdict::Pass;
    }
    select(FRONT, pkt.hash % 8)
}
