struct Key {
    addr: u32,
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let a = true + 1;
    let b = -pkt.hash;
    let c = pkt.is_tcp() as bool;
    let d = Key { addr: 1, port: 2 };
    let k = Key { addr: 1 };
    let f = k.adr;
    let g = pkt.payload.u8(0) as u32;
    let h = [1u8, 2, 3];
    let i = h[3];
    Verdict::Pass
}
