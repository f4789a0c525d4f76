// Constant tables: a byte-string label, a rank table, a zero array; indexed with constant
// and run-time indices, compared and passed to functions.
const ZONE: [u8; 8] = b"\x07example";
const RANK: [u32; 8] = [3, 1, 2, 0, 3, 2, 1, 0];
const ZERO: [u8; 16] = [0u8; 16];
const THIRD: u32 = RANK[2];
const SAME: bool = ZONE == b"\x07example";

#[map]
static SOCKETS: SockArray<4>;

fn rank(i: u32) -> u32 {
    RANK[i]
}

fn is_zone(label: [u8; 8]) -> bool {
    label == ZONE
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let label = pkt.payload.bytes::<8>(12)?;
    if is_zone(label) && SAME {
        return select(SOCKETS, THIRD + RANK[1]);
    }
    let r = rank(pkt.hash % 8);
    select(SOCKETS, r)
}

#[test]
fn zone_goes_to_three() {
    SOCKETS.fill(4);
    let mut p = [0u8; 20];
    for i in 0..8 {
        p[12 + i] = ZONE[i];
    }
    let run = route(Packet::udp4().payload(p));
    assert_selected!(run, SOCKETS, 3);
    assert_eq!(ZERO[15], 0);
    assert!(ZONE != [0u8; 8]);
}
