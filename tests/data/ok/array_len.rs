//! `a.len()` of an array is a constant: a loop to it has a constant bound.
#[map]
static S: SockArray<8>;
#[steer]
fn r(pkt: Packet) -> Verdict {
    let id = pkt.payload.bytes::<8>(1)?;
    let mut x: u32 = 0;
    for i in 0..id.len() { x += id[i] as u32; }
    select(S, x % id.len())
}
#[test]
fn t() { S.fill(8); assert_selected!(r(Packet::udp4().payload(b"\x00\x01\x01\x01\x01\x01\x01\x01\x02")), S, 1); }
