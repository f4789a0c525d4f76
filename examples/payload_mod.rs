//! Steer each UDP datagram by the first byte of its payload: byte `b` goes to socket
//! `b % WORKERS`. A datagram with an empty payload takes the kernel's own hash pick.

const WORKERS: u32 = 4;

/// The reuseport group, one socket per worker; `rsteer load` fills it.
#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn by_first_byte(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)? as u32;
    select(SOCKETS, first % WORKERS)
}
