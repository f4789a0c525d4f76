//! Drop datagrams whose payload is shorter than 4 bytes; leave the rest to the kernel's
//! hash pick. A UDP header is 8 bytes, so `pkt.len` counts them too.

const MIN_PAYLOAD: u32 = 4;

#[map]
static SOCKETS: SockArray<4>;

#[steer(fallback = Drop)]
fn drop_short(pkt: Packet) -> Verdict {
    // The read fails, and the fallback drops, when the payload is shorter than 4 bytes.
    let _magic = pkt.payload.be32(0)?;
    if pkt.len < 8 + MIN_PAYLOAD {
        return Verdict::Drop;
    }
    Verdict::Pass
}

#[test]
fn short_payloads_are_dropped() {
    assert_eq!(drop_short(Packet::udp4()), Verdict::Drop);
    assert_eq!(drop_short(Packet::udp4().payload(b"abc")), Verdict::Drop);
}

#[test]
fn longer_payloads_take_the_kernel_hash() {
    assert_eq!(drop_short(Packet::udp4().payload(b"abcd")), Verdict::Pass);
    assert_eq!(drop_short(Packet::udp4().payload([7; 64])), Verdict::Pass);
}
