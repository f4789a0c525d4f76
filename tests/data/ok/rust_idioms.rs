//! Forms a Rust user writes without thinking: `match` on an `Option`, block arms without
//! commas, `return` without a semicolon, `pub fn`, suffixed literals.

const N: u32 = 4;
const MASK: u32 = N - 1;

#[map]
static SOCKETS: SockArray<N>;

#[map]
static HITS: PerCpuArray<u64, 4>;

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
