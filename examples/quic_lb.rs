//! QUIC-LB plaintext server ids (draft-ietf-quic-load-balancers): each worker is a "server"
//! with a one-byte server id equal to its index, and writes its connection IDs as
//! `first | server id | nonce...`, where the top three bits of `first` are the config
//! rotation (`CONFIG`). A packet whose destination ID carries a server id of this config
//! reaches that worker; an ID of another config, an unroutable one (`0b111`) or a client's
//! own first ID goes by the kernel's hash.
//!
//! Use it when a QUIC stack already speaks QUIC-LB (the same IDs a hardware load balancer in
//! front of the fleet routes on), so that the host and the fleet agree on the encoding.
use std::quic;

const WORKERS: u32 = 4;

/// The config rotation codepoint the workers use (0 to 6).
const CONFIG: u8 = 0;

/// Server id length in bytes.
const SID_LEN: u32 = 1;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn by_server_id(pkt: Packet) -> Verdict {
    let sid = quic::lb_server_id(pkt, CONFIG, SID_LEN)?;
    if sid >= WORKERS as u64 {
        // A server id of another host: the kernel's hash.
        return Verdict::Pass;
    }
    select(SOCKETS, sid as u32)
}

#[test]
fn the_server_id_names_the_worker() {
    SOCKETS.fill(4);
    // Short header: DCID 0x07 (config 0, length 8) | server id 3 | nonce.
    assert_selected!(by_server_id(Packet::udp4().payload(b"\x40\x07\x03\x91\x92\x93\x94\x95\x96")), SOCKETS, 3);
    // Long header with the same ID.
    let long = Packet::udp4().payload(b"\xc0\x00\x00\x00\x01\x08\x07\x01\x91\x92\x93\x94\x95\x96");
    assert_selected!(by_server_id(long), SOCKETS, 1);
}

#[test]
fn other_ids_take_the_kernel_hash() {
    SOCKETS.fill(4);
    // Config 1 (0x27), unroutable (0xe7), a server id past the workers, an empty payload.
    assert_eq!(by_server_id(Packet::udp4().payload(b"\x40\x27\x03\x91")), Verdict::Pass);
    assert_eq!(by_server_id(Packet::udp4().payload(b"\x40\xe7\x03\x91")), Verdict::Pass);
    assert_eq!(by_server_id(Packet::udp4().payload(b"\x40\x07\x09\x91")), Verdict::Pass);
    assert_eq!(by_server_id(Packet::udp4()), Verdict::Pass);
}
