//! Signed division, remainder and shift on `i8`, wrapping `u8` addition, a widening shift and
//! a negated product, through the compiler; expected values were computed once with Rust's own
//! operators (`wrapping_div`, `wrapping_rem`; division by zero gives 0, remainder by zero the
//! dividend, as BPF does).
#[map]
static OUT: Array<u64, 6>;
#[steer]
fn route(pkt: Packet) -> Verdict {
    let a = pkt.payload.u8(0)? as i8;
    let b = pkt.payload.u8(1)? as i8;
    OUT.set(0, (a / b) as i64 as u64);
    OUT.set(1, (a % b) as i64 as u64);
    OUT.set(2, (a >> 1) as i64 as u64);
    let c = pkt.payload.u8(0)?;
    OUT.set(3, (c + 200) as u64);
    OUT.set(4, ((c as u16) << 9) as u64);
    OUT.set(5, (-(a as i64) * 3) as u64);
    Verdict::Pass
}

#[test]
fn matches_rusts_operators() {
    // Each row: the payload bytes `a` and `b`, then the six results.
    let cases: [[u64; 8]; 5] = [
        // -7 and 2
        [0xf9, 0x02, 0xfffffffffffffffd, 0xffffffffffffffff, 0xfffffffffffffffc, 0xc1, 0xf200, 0x15],
        // 100 and -3
        [0x64, 0xfd, 0xffffffffffffffdf, 0x1, 0x32, 0x2c, 0xc800, 0xfffffffffffffed4],
        // -128 and -1
        [0x80, 0xff, 0xffffffffffffff80, 0x0, 0xffffffffffffffc0, 0x48, 0x0, 0x180],
        // 5 and 0
        [0x05, 0x00, 0x0, 0x5, 0x2, 0xcd, 0xa00, 0xfffffffffffffff1],
        // -5 and 0
        [0xfb, 0x00, 0x0, 0xfffffffffffffffb, 0xfffffffffffffffd, 0xc3, 0xf600, 0xf],
    ];
    for k in 0..5 {
        let c = cases[k];
        assert_eq!(route(Packet::udp4().payload([c[0] as u8, c[1] as u8])), Verdict::Pass);
        for i in 0..6 {
            assert_eq!(OUT.get(i), Some(c[i + 2]));
        }
    }
}
