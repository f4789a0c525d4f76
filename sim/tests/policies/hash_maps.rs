//! Hash maps of two entries. Entry `route`: insert, get, remove, a full map, and userspace
//! writes that the program sees. Entry `recent`: an LRU hash map, where a lookup makes an
//! entry recent and an insert evicts the other. Entry `spill`: a compiler bug the simulator
//! found (and the kernel confirms, see tests/differential.rs): the register allocator spilled
//! `key` retroactively into the spill slot that `op` left free at a later position, though
//! both are live between `key`'s definition and `op`'s last use; `op` then read back as the
//! source port. With op 1 and no flow the packet must drop.
#[map]
static SOCKETS: SockArray<4>;
#[map]
static FLOWS: HashMap<u16, u32, 2>;
#[map]
static RECENT: LruHashMap<u32, u32, 2>;
#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    let key = pkt.src_port;
    match pkt.payload.u8(0)? {
        0 => if FLOWS.insert(key, pkt.payload.u8(1)? as u32) { select(SOCKETS, 0) } else { select(SOCKETS, 1) },
        1 => if let Some(w) = FLOWS.get(key) { select(SOCKETS, w) } else { Verdict::Drop },
        _ => if FLOWS.remove(key) { select(SOCKETS, 2) } else { select(SOCKETS, 3) },
    }
}

#[test]
fn insert_get_remove_and_full() {
    SOCKETS.fill(4);
    assert_eq!(route(Packet::udp4().src("1.1.1.1:10").dst("1.1.1.2:2").payload(b"\x01")), Verdict::Drop);
    assert_selected!(route(Packet::udp4().src("1.1.1.1:10").dst("1.1.1.2:2").payload(b"\x00\x03")), SOCKETS, 0);
    assert_selected!(route(Packet::udp4().src("1.1.1.1:10").dst("1.1.1.2:2").payload(b"\x01")), SOCKETS, 3);
    assert_selected!(route(Packet::udp4().src("1.1.1.1:11").dst("1.1.1.2:2").payload(b"\x00\x02")), SOCKETS, 0);
    // Full: a third key does not fit, an existing one is overwritten.
    assert_selected!(route(Packet::udp4().src("1.1.1.1:12").dst("1.1.1.2:2").payload(b"\x00\x01")), SOCKETS, 1);
    assert_selected!(route(Packet::udp4().src("1.1.1.1:11").dst("1.1.1.2:2").payload(b"\x00\x01")), SOCKETS, 0);
    assert_selected!(route(Packet::udp4().src("1.1.1.1:11").dst("1.1.1.2:2").payload(b"\x01")), SOCKETS, 1);
    assert_selected!(route(Packet::udp4().src("1.1.1.1:10").dst("1.1.1.2:2").payload(b"\x02")), SOCKETS, 2);
    assert_selected!(route(Packet::udp4().src("1.1.1.1:10").dst("1.1.1.2:2").payload(b"\x02")), SOCKETS, 3);
    // The map holds exactly 11 -> 1: 10 and 12 are absent, and of two new keys only one fits.
    assert_eq!(FLOWS.get(11), Some(1));
    assert!(!FLOWS.contains(10));
    assert!(!FLOWS.contains(12));
    // Userspace writes are seen by the program.
    assert!(FLOWS.insert(12, 2));
    assert!(!FLOWS.insert(13, 0));
    assert_selected!(route(Packet::udp4().src("1.1.1.1:12").dst("1.1.1.2:2").payload(b"\x01")), SOCKETS, 2);
}

#[steer(fallback = Drop)]
fn recent(pkt: Packet) -> Verdict {
    let k = pkt.payload.u8(0)? as u32;
    if let Some(w) = RECENT.get(k) { return select(SOCKETS, w); }
    let _ins = RECENT.insert(k, k % 4);
    Verdict::Drop
}

#[test]
fn the_least_recent_goes() {
    SOCKETS.fill(4);
    assert_eq!(recent(Packet::udp4().payload(b"\x01")), Verdict::Drop);
    assert_eq!(recent(Packet::udp4().payload(b"\x02")), Verdict::Drop);
    // 1 is now more recent than 2 ...
    assert_selected!(recent(Packet::udp4().payload(b"\x01")), SOCKETS, 1);
    // ... so 3 evicts 2.
    assert_eq!(recent(Packet::udp4().payload(b"\x03")), Verdict::Drop);
    assert_selected!(recent(Packet::udp4().payload(b"\x01")), SOCKETS, 1);
    assert_selected!(recent(Packet::udp4().payload(b"\x03")), SOCKETS, 3);
    assert_eq!(recent(Packet::udp4().payload(b"\x02")), Verdict::Drop);
}

#[steer(fallback = Drop)]
fn spill(pkt: Packet) -> Verdict {
    let op = pkt.payload.u8(0)?;
    let key = pkt.src_port;
    if op == 1 {
        let Some(w) = FLOWS.get(key) else { return Verdict::Drop; };
        return select(SOCKETS, w);
    }
    if FLOWS.remove(key) { select(SOCKETS, 2) } else { select(SOCKETS, 3) }
}

#[test]
fn op_one_without_a_flow_drops() {
    SOCKETS.fill(4);
    assert_eq!(spill(Packet::udp4().src("1.1.1.1:10").dst("1.1.1.2:2").payload(b"\x01")), Verdict::Drop);
}
