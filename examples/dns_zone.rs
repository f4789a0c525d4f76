//! DNS zone routing: a query whose name starts with a label the operator listed in `ZONES`
//! goes to the worker the table names (a worker that holds that zone's data, or a
//! dedicated one for a noisy tenant); any other query is spread by its query id. Labels are
//! compared in lower case, on their first 8 bytes, zero-padded:
//! `rsteer map --pid P --policy dns_zone.rs set ZONES 'b"api\0\0\0\0\0"' 2` sends
//! `api.example.com` (and `API.example.com`) to worker 2.
//!
//! Use it for an authoritative or caching DNS server with one socket per worker, where some
//! zones must stay on one worker. Responses (QR set) and datagrams too short for a DNS
//! header take the kernel's hash.
use std::dns;

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// First label (lower case, first 8 bytes, zero-padded) → worker.
#[map]
static ZONES: HashMap<[u8; 8], u32, 1024>;

/// The first label as `ZONES` keys it.
fn label_key(pkt: Packet) -> [u8; 8] {
    let mut key = [0u8; 8];
    for i in 0..8 {
        if let Some(b) = dns::first_label_byte(pkt, i) {
            key[i] = b;
        }
    }
    key
}

#[steer]
fn by_zone(pkt: Packet) -> Verdict {
    if !dns::is_query(pkt)? {
        return Verdict::Pass;
    }
    if let Some(worker) = ZONES.get(label_key(pkt)) {
        return select(SOCKETS, worker % WORKERS);
    }
    let id = dns::query_id(pkt)? as u32;
    select(SOCKETS, id % WORKERS)
}

#[test]
fn a_listed_zone_goes_to_its_worker() {
    SOCKETS.fill(4);
    ZONES.insert(b"api\0\0\0\0\0", 2);
    // id 0x1235 (which would be worker 1), `API.example.com`.
    let q = Packet::udp4().payload(b"\x12\x35\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03API\x07example\x03com\x00\x00\x01\x00\x01");
    assert_selected!(by_zone(q), SOCKETS, 2);
}

#[test]
fn other_queries_go_by_query_id() {
    SOCKETS.fill(4);
    ZONES.insert(b"api\0\0\0\0\0", 2);
    let q = Packet::udp4().payload(b"\x12\x35\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01");
    assert_selected!(by_zone(q), SOCKETS, 1);
    // A label longer than 8 bytes is keyed by its first 8.
    ZONES.insert(b"longlabe", 3);
    let long = Packet::udp4().payload(b"\x00\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x0alonglabel1\x00");
    assert_selected!(by_zone(long), SOCKETS, 3);
}

#[test]
fn responses_and_short_datagrams_take_the_kernel_hash() {
    SOCKETS.fill(4);
    assert_eq!(by_zone(Packet::udp4().payload(b"\x12\x35\x81\x80\x00\x01")), Verdict::Pass);
    assert_eq!(by_zone(Packet::udp4().payload(b"\x12")), Verdict::Pass);
}
