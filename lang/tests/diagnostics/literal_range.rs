#[steer]
fn route(pkt: Packet) -> Verdict {
    let a: u8 = 300;
    let b: u32 = -1;
    let c = 128i8;
    let d = -129i8;
    let e: i8 = -128;
    let f = 0x1_0000u16;
    Verdict::Pass
}
