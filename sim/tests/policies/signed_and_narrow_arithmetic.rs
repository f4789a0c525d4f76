//! Signed division, remainder and shift on `i8`, wrapping `u8` addition, a widening shift and
//! a negated product, through the compiler; expected values were computed once with Rust's own
//! operators (`wrapping_div`, `wrapping_rem`; division by zero gives 0, remainder by zero the
//! dividend, as BPF does).
#[map]
static OUT: Array<u64, 6>;
#[steer]
fn route(pkt: Packet) -> Verdict {
    let a = pkt.payload.u8(0)? as i8;
    let b = pkt.payload.u8(1)? as i8;
    OUT.set(0, (a / b) as i64 as u64);
    OUT.set(1, (a % b) as i64 as u64);
    OUT.set(2, (a >> 1) as i64 as u64);
    let c = pkt.payload.u8(0)?;
    OUT.set(3, (c + 200) as u64);
    OUT.set(4, ((c as u16) << 9) as u64);
    OUT.set(5, (-(a as i64) * 3) as u64);
    Verdict::Pass
}

#[test]
fn matches_rusts_operators() {
    // -7 and 2
    assert_eq!(route(Packet::udp4().payload(b"\xf9\x02")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0xfffffffffffffffd));
    assert_eq!(OUT.get(1), Some(0xffffffffffffffff));
    assert_eq!(OUT.get(2), Some(0xfffffffffffffffc));
    assert_eq!(OUT.get(3), Some(0xc1));
    assert_eq!(OUT.get(4), Some(0xf200));
    assert_eq!(OUT.get(5), Some(0x15));
    // 100 and -3
    assert_eq!(route(Packet::udp4().payload(b"\x64\xfd")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0xffffffffffffffdf));
    assert_eq!(OUT.get(1), Some(0x1));
    assert_eq!(OUT.get(2), Some(0x32));
    assert_eq!(OUT.get(3), Some(0x2c));
    assert_eq!(OUT.get(4), Some(0xc800));
    assert_eq!(OUT.get(5), Some(0xfffffffffffffed4));
    // -128 and -1
    assert_eq!(route(Packet::udp4().payload(b"\x80\xff")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0xffffffffffffff80));
    assert_eq!(OUT.get(1), Some(0x0));
    assert_eq!(OUT.get(2), Some(0xffffffffffffffc0));
    assert_eq!(OUT.get(3), Some(0x48));
    assert_eq!(OUT.get(4), Some(0x0));
    assert_eq!(OUT.get(5), Some(0x180));
    // 5 and 0
    assert_eq!(route(Packet::udp4().payload(b"\x05\x00")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0x0));
    assert_eq!(OUT.get(1), Some(0x5));
    assert_eq!(OUT.get(2), Some(0x2));
    assert_eq!(OUT.get(3), Some(0xcd));
    assert_eq!(OUT.get(4), Some(0xa00));
    assert_eq!(OUT.get(5), Some(0xfffffffffffffff1));
    // -5 and 0
    assert_eq!(route(Packet::udp4().payload(b"\xfb\x00")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0x0));
    assert_eq!(OUT.get(1), Some(0xfffffffffffffffb));
    assert_eq!(OUT.get(2), Some(0xfffffffffffffffd));
    assert_eq!(OUT.get(3), Some(0xc3));
    assert_eq!(OUT.get(4), Some(0xf600));
    assert_eq!(OUT.get(5), Some(0xf));
}
