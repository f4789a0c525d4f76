#[steer]
fn route(pkt: Packet) -> Verdict {
    if pkt.migrating {
        return Verdict::Drop;
    }
    if pkt.is_tcp {
        return Verdict::Drop;
    }
    let r = pkt.payload;
    let v = pkt.payload.be24(0)?;
    Verdict::Pass
}
