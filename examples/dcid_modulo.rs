//! QUIC steering as Envoy does it: the first four bytes of the destination connection ID,
//! read as a big-endian number, modulo the worker count. Each worker issues connection IDs
//! whose first four bytes are a multiple of the worker count plus its own index, so every
//! 1-RTT packet (short header) of its connections comes back to it, whatever the client's
//! address does.
//!
//! Use it when the server chooses its connection IDs but cannot learn its socket's cookie
//! (`quic_cookie.rs` needs it) or must not depend on it. Long-header packets carry an ID
//! the *client* chose, so a client could aim every handshake at one worker; they go by a
//! keyed hash instead (`hash::siphash13`, key in `KEY`, set it with
//! `rsteer map --pid P set KEY 0 0x...` and `... KEY 1 0x...` at load time).
use std::hash;
use std::quic;

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// The SipHash key for client-chosen IDs: two 64-bit words, secret to the operator.
#[map]
static KEY: Array<u64, 2>;

#[steer]
fn by_dcid(pkt: Packet) -> Verdict {
    let first = pkt.payload.u8(0)?;
    if quic::is_short_header(first) {
        // The ID the worker chose: its first four bytes name the worker.
        let word = pkt.payload.be32(1)?;
        return select(SOCKETS, word % WORKERS);
    }
    // A handshake: hash the ID the client chose (at most 16 bytes of it) with the secret key.
    let len = quic::long_dcid_len(pkt)? as u32;
    let id = pkt.payload.bytes::<16>(6).unwrap_or([0; 16]);
    let k0 = KEY.get(0).unwrap_or(0);
    let k1 = KEY.get(1).unwrap_or(0);
    let h = hash::siphash13(k0, k1, id, len);
    select(SOCKETS, (h % WORKERS as u64) as u32)
}

#[test]
fn short_headers_go_by_the_first_four_id_bytes() {
    SOCKETS.fill(4);
    // 0x00000006 % 4 == 2; 0x0a0b0c0d % 4 == 1.
    assert_selected!(by_dcid(Packet::udp4().payload(b"\x40\x00\x00\x00\x06rest")), SOCKETS, 2);
    assert_selected!(by_dcid(Packet::udp4().payload(b"\x40\x0a\x0b\x0c\x0drest")), SOCKETS, 1);
    // Fewer than four ID bytes: the kernel's hash.
    assert_eq!(by_dcid(Packet::udp4().payload(b"\x40\x01")), Verdict::Pass);
}

#[test]
fn long_headers_go_by_the_keyed_hash() {
    SOCKETS.fill(4);
    KEY.set(0, 0x0706_0504_0302_0100);
    KEY.set(1, 0x0f0e_0d0c_0b0a_0908);
    // An 8-byte ID 00 01 .. 07: SipHash-1-3 of it under this key is the reference vector
    // 0x369095118d299a8e, which is 2 modulo 4.
    let p = Packet::udp4().payload(b"\xc0\x00\x00\x00\x01\x08\x00\x01\x02\x03\x04\x05\x06\x07\x00\x00\x00\x00\x00\x00\x00\x00");
    assert_selected!(by_dcid(p), SOCKETS, 2);
    // A length over 20 is no QUIC version 1 packet: the kernel's hash.
    assert_eq!(by_dcid(Packet::udp4().payload(b"\xc0\x00\x00\x00\x01\x30\x00")), Verdict::Pass);
}
