//! Graceful restart by generations, for a UDP protocol with sessions. The first datagram
//! of a session starts with `0x00`; the worker that gets it answers with its socket's
//! cookie (`SO_COOKIE`), and every later datagram of the session starts with `0x01` and
//! that cookie (8 bytes, the machine's byte order). `BY_COOKIE` keeps every socket of every
//! generation, so a session stays with its worker while that worker lives; `NEWEST` holds
//! only the newest generation, so new sessions go to it.
//!
//! A restart: start the new process on the same port, then
//! `rsteer join NAME --pid NEW`. `join` adds the new sockets to `BY_COOKIE` (the old ones
//! stay) and rewrites `NEWEST` with them; when the old process exits, its sockets leave
//! both maps by themselves. A session whose worker has gone starts over.
//!
//! Use it for any server whose sessions outlive one process: game servers, VPN and RTP
//! relays, QUIC stacks that cannot put the cookie at the start of their connection IDs.

const WORKERS: u32 = 4;

/// Every socket of every generation, by cookie; `rsteer load` and `rsteer join` fill it.
#[map]
static BY_COOKIE: SockHash<u64, 256>;

/// The newest generation, by index; `rsteer join` rewrites it.
#[map]
static NEWEST: SockMap<WORKERS>;

#[steer]
fn by_generation(pkt: Packet) -> Verdict {
    let kind = pkt.payload.u8(0)?;
    if kind == 1 {
        let cookie = pkt.payload.le64(1)?;
        if try_select(BY_COOKIE, cookie) {
            return Verdict::Pass;
        }
        // The session's worker has gone: the session starts over on the newest generation.
    }
    select(NEWEST, pkt.hash % WORKERS)
}

#[test]
fn a_session_stays_with_its_socket() {
    BY_COOKIE.fill(8);
    NEWEST.fill(4);
    // Socket 6's cookie is 0x1006 in the simulator.
    assert_selected!(by_generation(Packet::udp4().payload(b"\x01\x06\x10\x00\x00\x00\x00\x00\x00data")), BY_COOKIE, 0x1006);
}

#[test]
fn new_sessions_go_to_the_newest_generation() {
    BY_COOKIE.fill(8);
    NEWEST.fill(4);
    assert_selected!(by_generation(Packet::udp4().hash(5).payload(b"\x00hello")), NEWEST, 1);
    // A cookie no socket has any more: the newest generation.
    assert_selected!(by_generation(Packet::udp4().hash(6).payload(b"\x01\xff\xff\x00\x00\x00\x00\x00\x00")), NEWEST, 2);
}

#[test]
fn an_empty_datagram_takes_the_kernel_hash() {
    assert_eq!(by_generation(Packet::udp4()), Verdict::Pass);
}
