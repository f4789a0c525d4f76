#[steer]
fn route(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;
    let class = match first {
        0 => 1,
        1 | 2 => 2,
        3 => 3,
    };
    let small = match pkt.ip_protocol as i8 {
        -128..=-1 => 0,
        1..=100 => 1,
        50..=60 => 2,
    };
    let port = match pkt.src_port {
        0..=1023 => 0,
        1024..=65535 => 1,
    };
    Verdict::Pass
}
