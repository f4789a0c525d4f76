//! More Rust habits: `let _ = ...`, shadowing, nested block comments, `else if` after an
//! early `return`, `return` as the last statement.
/* a block comment /* nested */ still a comment */
#[map]
static SOCKETS: SockArray<4>;

#[map]
static COUNT: Array<u64, 1>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let _ = COUNT.get(0);
    let x = pkt.len;
    let x = x + 1;
    let arr = [1u32, 2, 3, 4];
    let i = (x % 4) as u32;
    let v = arr[i];
    let ok = !pkt.is_tcp() && (pkt.is_ipv4() || pkt.is_ipv6());
    if !ok {
        return Verdict::Pass;
    } else if v > 100 {
        return Verdict::Drop;
    }
    COUNT.add(0, 1);
    return select(SOCKETS, v - 1);
}

#[test]
fn counts_and_steers() {
    SOCKETS.fill(4);
    // An empty UDP datagram: len 8, x 9, index 1, arr[1] == 2, socket 1.
    assert_selected!(route(Packet::udp4()), SOCKETS, 1);
    assert_eq!(COUNT.get(0), Some(1));
    assert_eq!(route(Packet::tcp4()), Verdict::Pass);
}
