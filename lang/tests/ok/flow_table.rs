//! A flow table keyed by a struct, with every statement form.
use std::hash::{mix32, fnv1a_32_8};
use std::balance;

const WORKERS: u32 = 4 * 2;
const MASK: u8 = 0x80;

struct Flow {
    addr: u32,
    port: u16,
}

#[map]
static SOCKETS: SockHash<u32, 64>;

#[map]
static FLOWS: LruHashMap<Flow, u32, 1024>;

#[map]
static STATS: Array<u64, 4>;

fn worker_of(pkt: Packet, salt: u32) -> Option<u32> {
    let dcid = pkt.payload.bytes::<8>(1)?;
    Some(balance::jump(mix32(fnv1a_32_8(dcid) ^ salt) as u64, WORKERS))
}

fn class(b: u8) -> u32 {
    match b {
        0 => 0,
        1 | 2 => 1,
        3..=9 => 2,
        _ => 3,
    }
}

#[steer(migrate, fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    if pkt.migrating {
        return Verdict::Pass;
    }
    let key = Flow { addr: pkt.src_ip4, port: pkt.src_port };
    if let Some(w) = FLOWS.get(key) {
        return select(SOCKETS, w);
    }
    let Some(first) = pkt.payload.u8(0) else {
        return Verdict::Pass;
    };
    let mut sum: u32 = 0;
    for i in 0..4 {
        if i == 3 {
            break;
        }
        let b = pkt.payload.u8(i).unwrap_or(0);
        if b & MASK != 0 {
            continue;
        }
        sum += b as u32;
    }
    sum <<= 1;
    STATS.add(class(first), 1);
    let w = worker_of(pkt, sum)?;
    let _ok = FLOWS.insert(key, w);
    let bytes = b"ab";
    let same = bytes == [b'a', 0x62];
    let level: i32 = if same { -1 } else if sum > 10 { 1 } else { 0 };
    let delta = -128i8;
    let _x = (level as u32) + (delta as u32) + (now_ns() as u32) + random();
    select(SOCKETS, w)
}
