//! The table policy with another value type for TENANTS: `rsteer map --policy` with this
//! file must be refused against a load of table.rs.

#[map]
static SOCKETS: SockArray<4>;

#[map]
static TENANTS: HashMap<u16, u32, 64>;

#[map]
static SLOTS: Array<u32, 8>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(SOCKETS, pkt.src_port as u32 % 4)
}
