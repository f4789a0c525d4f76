//! QUIC steering as nginx does it (`quic_bpf on`): each worker puts the cookie of its own
//! socket in the first 8 bytes of the connection IDs it issues, so a packet's destination
//! connection ID names the socket that owns the connection. A packet whose ID names no
//! socket (a new connection: the client chose the ID) goes by the kernel's hash, through
//! the index map so that every worker gets its share.
use std::quic;

const WORKERS: u32 = 4;

/// The group's sockets keyed by socket cookie; `rsteer load` fills it.
#[map]
static BY_COOKIE: SockHash<u64, 64>;

/// The same sockets by index; `rsteer load` fills it too.
#[map]
static BY_INDEX: SockMap<WORKERS>;

#[steer]
fn quic_route(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;
    // The connection ID: after the first byte (short header), or after the version and
    // the length byte (long header). Its first 8 bytes, as the worker wrote them.
    let offset: u32 = if quic::is_long_header(first) { 6 } else { 1 };
    let cookie = pkt.payload.le64(offset)?;
    if !try_select(BY_COOKIE, cookie) {
        try_select(BY_INDEX, pkt.hash % WORKERS);
    }
    Verdict::Pass
}

#[test]
fn a_known_connection_id_reaches_its_socket() {
    BY_COOKIE.fill(4);
    BY_INDEX.fill(4);
    // Socket 2's cookie is 0x1002 in the simulator; short header, then the ID.
    let p = Packet::udp4().payload(b"\x40\x02\x10\x00\x00\x00\x00\x00\x00rest");
    assert_selected!(quic_route(p), BY_COOKIE, 0x1002);
}

#[test]
fn a_long_header_reads_the_id_after_the_version() {
    BY_COOKIE.fill(4);
    BY_INDEX.fill(4);
    let p = Packet::udp4().payload(b"\xc0\x00\x00\x00\x01\x08\x03\x10\x00\x00\x00\x00\x00\x00");
    assert_selected!(quic_route(p), BY_COOKIE, 0x1003);
}

#[test]
fn an_unknown_id_goes_by_the_hash() {
    BY_COOKIE.fill(4);
    BY_INDEX.fill(4);
    let p = Packet::udp4().hash(7).payload(b"\x40\xaa\xbb\xcc\xdd\xee\xff\x00\x11");
    assert_selected!(quic_route(p), BY_INDEX, 3);
}
