//! The standard library's `mix32` (murmur3's finaliser) and `balance::jump` (Lamping and
//! Veach's jump consistent hash into 1000 buckets), compiled; expected values were computed
//! once with the reference algorithms in Rust.
use std::hash::mix32;
use std::balance;
#[map]
static OUT: Array<u32, 2>;
#[steer]
fn route(pkt: Packet) -> Verdict {
    let x = pkt.payload.le32(0)?;
    OUT.set(0, mix32(x));
    OUT.set(1, balance::jump(pkt.payload.le64(0)?, 1000));
    Verdict::Pass
}

#[test]
fn match_the_reference_algorithms() {
    // seed 0x0
    assert_eq!(route(Packet::udp4().payload(b"\x00\x00\x00\x00\x00\x00\x00\x00")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0x0));
    assert_eq!(OUT.get(1), Some(0));
    // seed 0x1
    assert_eq!(route(Packet::udp4().payload(b"\x01\x00\x00\x00\x00\x00\x00\x00")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0x514e28b7));
    assert_eq!(OUT.get(1), Some(549));
    // seed 0xdeadbeef0badf00d
    assert_eq!(route(Packet::udp4().payload(b"\x0d\xf0\xad\x0b\xef\xbe\xad\xde")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0x79372d68));
    assert_eq!(OUT.get(1), Some(17));
    // seed 0xffffffffffffffff
    assert_eq!(route(Packet::udp4().payload(b"\xff\xff\xff\xff\xff\xff\xff\xff")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0x81f16f39));
    assert_eq!(OUT.get(1), Some(313));
    // seed 0xb3a73ce2ff2
    assert_eq!(route(Packet::udp4().payload(b"\xf2\x2f\xce\x73\x3a\x0b\x00\x00")), Verdict::Pass);
    assert_eq!(OUT.get(0), Some(0xf157f450));
    assert_eq!(OUT.get(1), Some(649));
}
