//! `Array::add` on unsigned and signed values (an index out of range adds nothing), and
//! struct values read back and rewritten. The Rust test beside it checks the struct's bytes.
struct Stat { hits: u64, last: u16, flag: bool }
#[map]
static SOCKETS: SockArray<4>;
#[map]
static COUNTS: Array<u64, 4>;
#[map]
static SIGNED: Array<i32, 1>;
#[map]
static STATS: Array<Stat, 2>;
#[steer]
fn route(pkt: Packet) -> Verdict {
    let b = pkt.payload.u8(0)? as u32;
    COUNTS.add(b % 4, 10);
    COUNTS.add(9, 1);
    SIGNED.add(0, -3);
    let old = STATS.get(b % 2).unwrap_or(Stat { hits: 0, last: 0, flag: false });
    STATS.set(b % 2, Stat { hits: old.hits + 1, last: pkt.src_port, flag: true });
    Verdict::Pass
}

#[test]
fn adds_and_struct_updates() {
    assert_eq!(route(Packet::udp4().src("10.0.0.7:5000").payload(b"\x00")), Verdict::Pass);
    assert_eq!(route(Packet::udp4().src("10.0.0.7:5000").payload(b"\x01")), Verdict::Pass);
    assert_eq!(route(Packet::udp4().src("10.0.0.7:5000").payload(b"\x01")), Verdict::Pass);
    assert_eq!(route(Packet::udp4().src("10.0.0.7:5000").payload(b"\x03")), Verdict::Pass);
    assert_eq!(route(Packet::udp4().src("10.0.0.7:5000").payload(b"\x05")), Verdict::Pass);
    assert_eq!(COUNTS.get(0), Some(10));
    assert_eq!(COUNTS.get(1), Some(30));
    assert_eq!(COUNTS.get(2), Some(0));
    assert_eq!(COUNTS.get(3), Some(10));
    assert_eq!(SIGNED.get(0), Some(-15));
    let s0 = STATS.get(0).unwrap_or(Stat { hits: 0, last: 0, flag: false });
    assert_eq!(s0.hits, 1);
    assert_eq!(s0.last, 5000);
    assert!(s0.flag);
    let s1 = STATS.get(1).unwrap_or(Stat { hits: 0, last: 0, flag: false });
    assert_eq!(s1.hits, 4);
    assert_eq!(s1.last, 5000);
    assert!(s1.flag);
}
