//! 25 levels of `a_k(x) = a_k+1(x) + a_k+1(x ^ 1)`: 2^25 copies of the leaf when inlined (E0805).
#[map]
static SOCKETS: SockArray<4>;

fn a0(x: u32) -> u32 { a1(x) + a1(x ^ 1) }
fn a1(x: u32) -> u32 { a2(x) + a2(x ^ 1) }
fn a2(x: u32) -> u32 { a3(x) + a3(x ^ 1) }
fn a3(x: u32) -> u32 { a4(x) + a4(x ^ 1) }
fn a4(x: u32) -> u32 { a5(x) + a5(x ^ 1) }
fn a5(x: u32) -> u32 { a6(x) + a6(x ^ 1) }
fn a6(x: u32) -> u32 { a7(x) + a7(x ^ 1) }
fn a7(x: u32) -> u32 { a8(x) + a8(x ^ 1) }
fn a8(x: u32) -> u32 { a9(x) + a9(x ^ 1) }
fn a9(x: u32) -> u32 { a10(x) + a10(x ^ 1) }
fn a10(x: u32) -> u32 { a11(x) + a11(x ^ 1) }
fn a11(x: u32) -> u32 { a12(x) + a12(x ^ 1) }
fn a12(x: u32) -> u32 { a13(x) + a13(x ^ 1) }
fn a13(x: u32) -> u32 { a14(x) + a14(x ^ 1) }
fn a14(x: u32) -> u32 { a15(x) + a15(x ^ 1) }
fn a15(x: u32) -> u32 { a16(x) + a16(x ^ 1) }
fn a16(x: u32) -> u32 { a17(x) + a17(x ^ 1) }
fn a17(x: u32) -> u32 { a18(x) + a18(x ^ 1) }
fn a18(x: u32) -> u32 { a19(x) + a19(x ^ 1) }
fn a19(x: u32) -> u32 { a20(x) + a20(x ^ 1) }
fn a20(x: u32) -> u32 { a21(x) + a21(x ^ 1) }
fn a21(x: u32) -> u32 { a22(x) + a22(x ^ 1) }
fn a22(x: u32) -> u32 { a23(x) + a23(x ^ 1) }
fn a23(x: u32) -> u32 { a24(x) + a24(x ^ 1) }
fn a24(x: u32) -> u32 { a25(x) + a25(x ^ 1) }
fn a25(x: u32) -> u32 { x * 3 }

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(SOCKETS, a0(pkt.hash) % 4)
}
