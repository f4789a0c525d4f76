#[steer]
fn route(pkt: Packet) -> Verdict {
    let a = 0b102;
    let b = 1e5;
    let c = 99999999999999999999;
    let d = 0x;
    let e = b'\q';
    Verdict::Pass
}
