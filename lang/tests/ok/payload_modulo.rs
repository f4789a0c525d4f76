//! The first payload byte picks the worker.
const N: u32 = 4;

#[map]
static SOCKETS: SockArray<N>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let b = pkt.payload.u8(0)?;
    select(SOCKETS, b as u32 % N)
}
