//! `table_a.rs` with a counter map of its own: the same steering (written with `unwrap_or`), one more map, so that a
//! replace keeps SOCKETS and OVERRIDES and makes SEEN anew.

#[map]
static SOCKETS: SockArray<8>;

#[map]
static OVERRIDES: HashMap<u16, u32, 1024>;

#[map]
static SEEN: Array<u64, 8>;

#[steer]
fn by_table(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)? as u32;
    let index = OVERRIDES.get(pkt.src_port).unwrap_or(first) % 8;
    SEEN.add(index, 1);
    select(SOCKETS, index)
}
