struct Small {
    a: u8,
}

#[map]
static SOCKETS: SockArray<8>;

#[map]
static BYTES: Array<u8, 8>;

#[map]
static FLOWS: HashMap<u32, u64, 64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let s = SOCKETS.get(0);
    BYTES.add(0, 1);
    FLOWS.set(1, 2);
    BYTES.insert(1, 2);
    FLOWS.put(1, 2);
    let key: u16 = 7;
    FLOWS.contains(key);
    select(FLOWS, 1)
}
