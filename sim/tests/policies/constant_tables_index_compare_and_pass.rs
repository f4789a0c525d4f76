//! Array constants: a byte-string label compared with payload bytes and passed to a
//! function, a rank table read with constant and run-time indices, `[0u8; N]`.
const ZONE: [u8; 8] = b"\x07example";
const RANK: [u32; 8] = [3, 1, 2, 0, 3, 2, 1, 0];
const EMPTY: [u8; 4] = [0u8; 4];
const SECOND: u32 = RANK[1];

#[map]
static SOCKETS: SockArray<4>;

fn is_zone(label: [u8; 8]) -> bool {
    label == ZONE
}

#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    let label = pkt.payload.bytes::<8>(0)?;
    if is_zone(label) {
        return select(SOCKETS, SECOND);
    }
    if pkt.payload.bytes::<4>(0)? == EMPTY {
        return Verdict::Pass;
    }
    // A run-time index: bounds-checked; past the end, the fallback (Drop).
    let i = pkt.payload.u8(0)? as u32;
    select(SOCKETS, RANK[i])
}

#[test]
fn constant_reads() {
    assert_eq!(SECOND, 1);
    assert_eq!(RANK[7], 0);
    assert_eq!(ZONE[0], 7);
    assert!(ZONE != [0u8; 8]);
    assert!(EMPTY == [0, 0, 0, 0]);
}

#[test]
fn zone_label_goes_to_the_second_rank() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().payload(b"\x07example\x03com\x00")), SOCKETS, 1);
}

#[test]
fn run_time_index_reads_the_table() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().payload(b"\x00abcdefgh")), SOCKETS, 3);
    assert_selected!(route(Packet::udp4().payload(b"\x02abcdefgh")), SOCKETS, 2);
    assert_selected!(route(Packet::udp4().payload(b"\x05abcdefgh")), SOCKETS, 2);
    assert_eq!(route(Packet::udp4().payload(b"\x08abcdefgh")), Verdict::Drop);
    assert_eq!(route(Packet::udp4().payload(b"\x00\x00\x00\x00abcd")), Verdict::Pass);
}
