//! Drop payloads shorter than 4 bytes, else let the kernel pick.
#[steer]
fn guard(pkt: Packet) -> Verdict {
    if pkt.payload.be32(0).is_none() {
        return Verdict::Drop;
    }
    Verdict::Pass
}
