#[steer]
fn route(pkt: Packet) -> Verdict {
    let x = 1;
    x = 2;
    let mut flag = true;
    flag += 1;
    pkt.hash = 3;
    let Some(b) = pkt.payload.u8(0) else {
        let y = 1;
    };
    Verdict::Pass
}
