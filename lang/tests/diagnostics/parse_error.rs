#[steer]
fn route(pkt: Packet) -> Verdict {
    let x = pkt.hash +;
    Verdict::Pass
}

fn helper(a: u32 -> u32 {
    a
}

const N: u32 = 4
