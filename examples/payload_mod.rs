//! Steer each UDP datagram by the first byte of its payload: byte `b` goes to socket
//! `b % WORKERS`. A datagram with an empty payload takes the kernel's own hash pick.

const WORKERS: u32 = 4;

/// The reuseport group, one socket per worker; `rsteer load` fills it.
#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn by_first_byte(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)? as u32;
    select(SOCKETS, first % WORKERS)
}

#[test]
fn first_byte_picks_the_socket() {
    SOCKETS.fill(4);
    for b in 0..8 {
        let p = Packet::udp4().src("10.0.0.7:5000").dst("10.0.0.1:443").payload([b as u8, 0xff]);
        assert_selected!(by_first_byte(p), SOCKETS, b % 4);
    }
}

#[test]
fn empty_payload_takes_the_kernel_hash() {
    SOCKETS.fill(4);
    assert_eq!(by_first_byte(Packet::udp4()), Verdict::Pass);
}

#[test]
fn empty_slot_falls_back_to_the_kernel_hash() {
    // Only sockets 0 and 1 are in the map: byte 3 names an empty slot.
    SOCKETS.fill(2);
    assert_eq!(by_first_byte(Packet::udp4().payload(b"\x03")), Verdict::Pass);
    assert_selected!(by_first_byte(Packet::udp4().payload(b"\x05")), SOCKETS, 1);
}
