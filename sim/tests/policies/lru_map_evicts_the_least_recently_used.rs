//! An LRU hash map of two entries: a lookup makes an entry recent, an insert evicts the other.
#[map]
static SOCKETS: SockArray<4>;
#[map]
static FLOWS: LruHashMap<u32, u32, 2>;
#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    let k = pkt.payload.u8(0)? as u32;
    if let Some(w) = FLOWS.get(k) { return select(SOCKETS, w); }
    let _ins = FLOWS.insert(k, k % 4);
    Verdict::Drop
}

#[test]
fn the_least_recent_goes() {
    SOCKETS.fill(4);
    assert_eq!(route(Packet::udp4().payload(b"\x01")), Verdict::Drop);
    assert_eq!(route(Packet::udp4().payload(b"\x02")), Verdict::Drop);
    // 1 is now more recent than 2 ...
    assert_selected!(route(Packet::udp4().payload(b"\x01")), SOCKETS, 1);
    // ... so 3 evicts 2.
    assert_eq!(route(Packet::udp4().payload(b"\x03")), Verdict::Drop);
    assert_selected!(route(Packet::udp4().payload(b"\x01")), SOCKETS, 1);
    assert_selected!(route(Packet::udp4().payload(b"\x03")), SOCKETS, 3);
    assert_eq!(route(Packet::udp4().payload(b"\x02")), Verdict::Drop);
}
