//! Two listeners by the connection hash, and in a migration run (a listener closing with
//! connections in its queue) the same choice among the sockets of the newest generation.

#[map]
static SOCKETS: SockArray<2>;

#[steer(migrate)]
fn route_or_migrate(pkt: Packet) -> Verdict {
    select(SOCKETS, pkt.hash % 2)
}
