//! Forms a Rust user writes without thinking: `match` on an `Option`, block arms without
//! commas, `return` without a semicolon, `pub fn`, suffixed literals (entry `route`); and
//! more habits: `let _ = ...`, shadowing, nested block comments, `else if` after an early
//! `return`, `return` as the last statement (entry `habits`).
/* a block comment /* nested */ still a comment */

const N: u32 = 4;
const MASK: u32 = N - 1;

#[map]
static SOCKETS: SockArray<N>;

#[map]
static HITS: PerCpuArray<u64, 4>;

#[map]
static COUNT: Array<u64, 1>;

pub fn pick(x: u32) -> u32 {
    return x & MASK;
}

fn classify(b: u8) -> u32 {
    match b {
        0 => { 0 }
        1..=9 => 1,
        _ => {
            let y = b as u32;
            y % 2 + 2
        }
    }
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let b: u8 = match pkt.payload.u8(0) {
        Some(v) => v,
        None => return Verdict::Pass,
    };
    let mut acc = 0u32;
    for i in 0..N {
        acc += i;
    }
    let c = classify(b);
    HITS.add(c, 1);
    if c == 3 { return Verdict::Drop }
    select(SOCKETS, pick(acc + c))
}
#[test]
fn t() {
    SOCKETS.fill(4);
    assert_eq!(route(Packet::udp4()), Verdict::Pass);
    assert_selected!(route(Packet::udp4().payload(b"\x05")), SOCKETS, 3);
    assert_eq!(route(Packet::udp4().payload(b"\x0b")), Verdict::Drop);
}

#[steer]
fn habits(pkt: Packet) -> Verdict {
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
    assert_selected!(habits(Packet::udp4()), SOCKETS, 1);
    assert_eq!(COUNT.get(0), Some(1));
    assert_eq!(habits(Packet::tcp4()), Verdict::Pass);
}
