//! `std::hash::jhash` against values computed with the kernel's algorithm, in the test
//! body (source semantics) and through an entry (compiled bytecode).
use std::hash::jhash;

#[map]
static SOCKETS: SockArray<4>;

#[steer]
fn by_jhash(pkt: Packet) -> Verdict {
    let data = pkt.payload.bytes::<16>(0)?;
    select(SOCKETS, jhash(data, 13, 0x1234) % 4)
}

#[test]
fn known_values() {
    let data = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    assert_eq!(jhash(data, 0, 0x1234), 3735933219);
    assert_eq!(jhash(data, 1, 0x1234), 1027859104);
    assert_eq!(jhash(data, 4, 0x1234), 1830016108);
    assert_eq!(jhash(data, 5, 0x1234), 1195158187);
    assert_eq!(jhash(data, 12, 0x1234), 1720986066);
    assert_eq!(jhash(data, 13, 0x1234), 131106990);
    assert_eq!(jhash(data, 16, 0x1234), 4136663738);
}

#[test]
fn the_compiled_entry_agrees() {
    SOCKETS.fill(4);
    let p = Packet::udp4().payload([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    // 131106990 % 4 == 2
    assert_selected!(by_jhash(p), SOCKETS, 2);
}
