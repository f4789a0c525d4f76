//! QUIC-LB plaintext connection IDs: config id 0, 2-byte server id after the first CID
//! octet, server id -> socket in SERVERS; see quic_lb.md.
use std::quic;

const WORKERS: u32 = 4;
const CONFIG_ID: u8 = 0;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[map]
static SERVERS: HashMap<u16, u32, 256>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;
    let mut cid: u32 = 1;
    let mut routable = true;
    if quic::is_long_header(first) {
        if pkt.payload.u8(5)? < 3 {
            routable = false;
        }
        cid = 6;
    }
    if routable && pkt.payload.u8(cid)? >> 5 == CONFIG_ID {
        let sid = pkt.payload.be16(cid + 1)?;
        if let Some(i) = SERVERS.get(sid) {
            if try_select(SOCKETS, i) {
                return Verdict::Pass;
            }
        }
    }
    try_select(SOCKETS, pkt.hash % WORKERS);
    Verdict::Pass
}
