const A: u32 = B + 1;
const B: u32 = A * 2;
const C: u32 = 10 / 0;
const D: u32 = cpu();
const E: Option<u32> = 1;
const F: u8 = 255 + 1;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let x = pkt.hash / 0;
    Verdict::Pass
}
