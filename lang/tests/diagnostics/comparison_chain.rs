#[steer]
fn route(pkt: Packet) -> Verdict {
    let a = 1;
    let b = 2;
    let c = 3;
    if a < b < c {
        return Verdict::Drop;
    }
    Verdict::Pass
}
