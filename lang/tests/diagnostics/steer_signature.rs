#[steer]
fn route(pkt: Packet, n: u32) -> u32 {
    n
}

#[steer(migrat, fallback = Reject)]
fn other(pkt: Packet) -> Verdict {
    Verdict::Pass
}

#[stear]
fn helper() {}
