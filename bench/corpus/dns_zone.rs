//! DNS: the zone example.com (apex and one label below) to workers 0 and 1, the rest
//! spread over 2 and 3; see dns_zone.md.
#[map]
static SOCKETS: SockArray<4>;

fn zone_worker(pkt: Packet) -> Option<u32> {
    let zone = b"\x07example\x03com\x00";
    let name = pkt.payload.bytes::<13>(12)?;
    if name == zone {
        return Some(0);
    }
    let len = name[0] as u32;
    if len >= 1 && len <= 63 && pkt.payload.bytes::<13>(13 + len)? == zone {
        return Some(1);
    }
    None
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    let index = zone_worker(pkt).unwrap_or(2 + pkt.hash % 2);
    try_select(SOCKETS, index);
    Verdict::Pass
}
