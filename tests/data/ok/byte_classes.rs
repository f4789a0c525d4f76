//! Steer by the class of the first payload byte: digits' codes below 10 to socket 0, other
//! small values to 1, lowercase letters to 2, the rest to 3; an empty datagram is dropped.

const N: u32 = 4;

#[map]
static SOCKETS: SockArray<N>;

fn class(b: u8) -> u32 {
    match b {
        0..=9 => 0,
        10..=99 => 1,
        b'a'..=b'z' => 2,
        _ => 3,
    }
}

#[steer(fallback = Drop)]
fn by_class(pkt: Packet) -> Verdict {
    let Some(first) = pkt.payload.u8(0) else {
        return Verdict::Drop;
    };
    let mut idx = class(first);
    if pkt.len > 8 + 32 {
        // Long datagrams skip one socket ahead, wrapping around.
        idx = (idx + 1) % N;
    }
    select(SOCKETS, idx)
}

#[test]
fn classes() {
    SOCKETS.fill(4);
    assert_selected!(by_class(Packet::udp4().payload(b"\x05")), SOCKETS, 0);
    assert_selected!(by_class(Packet::udp4().payload(b"\x40")), SOCKETS, 1);
    assert_selected!(by_class(Packet::udp4().payload(b"q")), SOCKETS, 2);
    assert_selected!(by_class(Packet::udp4().payload(b"Q")), SOCKETS, 1);
    assert_selected!(by_class(Packet::udp4().payload(b"~")), SOCKETS, 3);
    assert_selected!(by_class(Packet::udp4().payload([b'q'; 40])), SOCKETS, 3);
    assert_eq!(by_class(Packet::udp4()), Verdict::Drop);
}
