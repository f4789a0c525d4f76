// Each missing `;` is one error at the end of its statement; the rest of the function is
// still checked (the mismatch on line 9 is real), and nothing else follows from it.
#[map]
static SOCKETS: SockArray<4>;

fn spread(h: u32) -> u32 {
    let mixed = h ^ (h >> 16)
    let wide: u64 = mixed as u64;
    let narrow: u16 = wide;
    mixed % 4
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let idx = spread(pkt.hash)
    select(SOCKETS, idx)
}
