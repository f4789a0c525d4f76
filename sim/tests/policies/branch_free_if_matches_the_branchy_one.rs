//! `if a CMP b { x op= k }` compiles without a branch (`k` times the comparison's bit): each
//! comparison, unsigned and signed, with `|=`, `+=`, `^=` and `-=`, run as bytecode against
//! the same function interpreted from the source.
#[map]
static SOCKETS: SockArray<4>;
#[map]
static OUT: Array<u32, 2>;

fn flags(a: u8, b: u8, c: i8, d: i8) -> u32 {
    let mut k: u32 = 0;
    if a < b { k |= 1; }
    if a <= b { k |= 2; }
    if a > b { k += 4; }
    if a >= b { k ^= 8; }
    if a == b { k |= 16; }
    if a != b { k |= 32; }
    if c < d { k |= 64; }
    if c <= d { k |= 128; }
    if c > d { k += 256; }
    if c >= d { k ^= 512; }
    if c == d { k |= 1024; }
    if c != d { k |= 2048; }
    k
}

fn signed_sum(c: i8, d: i8) -> i32 {
    let mut s: i32 = 7;
    let step: i32 = 1000;
    if c < d { s -= 5; }
    if d < c { s += step; }
    if c == 0 { s ^= -1; }
    s
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let a = pkt.payload.u8(0)?;
    let b = pkt.payload.u8(1)?;
    let c = pkt.payload.u8(2)? as i8;
    let d = pkt.payload.u8(3)? as i8;
    OUT.set(0, flags(a, b, c, d));
    OUT.set(1, signed_sum(c, d) as u32);
    Verdict::Pass
}

#[test]
fn every_comparison_agrees_with_the_source() {
    for i in 0..5 {
        for j in 0..5 {
            let x = (i * 64) as u8;
            let y = (j * 64) as u8;
            let p = Packet::udp4().payload([x, y, y, x]);
            assert_eq!(route(p), Verdict::Pass);
            assert_eq!(OUT.get(0), Some(flags(x, y, y as i8, x as i8)));
            assert_eq!(OUT.get(1), Some(signed_sum(y as i8, x as i8) as u32));
        }
    }
}
