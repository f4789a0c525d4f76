//! Eight sockets by the first byte, unless the operator's table names a socket for the
//! client's port. The 100-replace test swaps this policy and `table_b.rs` in turn.

#[map]
static SOCKETS: SockArray<8>;

#[map]
static OVERRIDES: HashMap<u16, u32, 1024>;

#[steer]
fn by_table(pkt: Packet) -> Verdict {
    let index = if let Some(i) = OVERRIDES.get(pkt.src_port) {
        i % 8
    } else {
        pkt.payload.u8(0)? as u32 % 8
    };
    select(SOCKETS, index)
}
