//! The integer types' constants (`u32::MAX`, `i16::MIN`, `u64::BITS`) and methods
//! (`min`, `max`, `wrapping_add/sub/mul`), in an entry (bytecode) and a test (source).
#[map]
static SOCKETS: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let a = u32::MAX;
    let h = pkt.hash.wrapping_mul(31);
    let c = (pkt.len as u64).min(10).max(2);
    let s = (-5i32).max(i32::MIN).min(-1);
    if s != -5 { return Verdict::Drop; }
    select(SOCKETS, ((a ^ h) as u64 + c) as u32 % 4)
}

#[test]
fn t() {
    SOCKETS.fill(4);
    assert_eq!(3u32.min(7), 3);
    assert_eq!(3u32.max(7), 7);
    assert_eq!(u8::MAX, 255);
    assert_eq!(i16::MIN, -32768);
    assert_eq!(u64::BITS, 64);
    // hash 1: h = 31, a ^ h = 0xffffffe0, len = 8 (empty UDP) -> c = 8; (0xffffffe0 + 8) % 4 = 0
    assert_selected!(route(Packet::udp4().hash(1)), SOCKETS, 0);
    // 3 payload bytes: len 11 -> c = 10; (0xffffffe0 + 10) % 4 = 2
    assert_selected!(route(Packet::udp4().hash(1).payload(b"abc")), SOCKETS, 2);
}
