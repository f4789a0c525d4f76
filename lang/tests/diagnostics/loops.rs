#[steer]
fn route(pkt: Packet) -> Verdict {
    let n = pkt.payload.u8(0)? as u32;
    let mut sum = 0;
    for i in 0..n {
        sum += i;
    }
    for j in 0..100000 {
        sum += j;
    }
    break;
    Verdict::Pass
}
