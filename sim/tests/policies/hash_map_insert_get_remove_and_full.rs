//! A hash map of two entries: insert, get, remove, a full map, and userspace writes that the
//! program sees.
#[map]
static SOCKETS: SockArray<4>;
#[map]
static FLOWS: HashMap<u16, u32, 2>;
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
