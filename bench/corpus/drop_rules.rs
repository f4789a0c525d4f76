//! Drop rules (short datagrams, reflection source ports, bogus sources, a zero first byte)
//! in front of hash spreading; see drop_rules.md.
#[map]
static SOCKETS: SockArray<4>;

#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    if pkt.len < 16 {
        return Verdict::Drop;
    }
    match pkt.src_port {
        0 | 19 | 53 | 123 | 1900 | 11211 => return Verdict::Drop,
        _ => {}
    }
    if pkt.is_ipv4() {
        let top = pkt.src_ip4 >> 24;
        if top == 0 || top >= 240 {
            return Verdict::Drop;
        }
    }
    if pkt.payload.u8(0)? == 0 {
        return Verdict::Drop;
    }
    select(SOCKETS, pkt.hash % 4)
}
