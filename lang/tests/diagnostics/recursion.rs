fn even(n: u32) -> bool {
    if n == 0 { true } else { odd(n - 1) }
}

fn odd(n: u32) -> bool {
    if n == 0 { false } else { even(n - 1) }
}

fn forever(n: u32) -> u32 {
    forever(n + 1)
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    if even(pkt.hash) && forever(1) > 0 { Verdict::Pass } else { Verdict::Drop }
}
