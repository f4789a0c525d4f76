use std::hash;
use std::quic::{is_long_header, version};

const USED: u32 = 4;
const UNUSED: u32 = 5;
#[allow(dead_code)]
const ALLOWED: u32 = 6;

#[map]
static COUNTS: Array<u32, 4>;

#[map]
static SOCKETS: SockArray<4>;

fn helper(x: u32) -> u32 {
    x + 1
}

#[allow(dead_code, unused_variables)]
fn quiet(y: u32) -> u32 {
    let z = 3u32;
    7
}

#[steer]
fn route(pkt: Packet, ) -> Verdict {
    let port = pkt.src_port;
    let _ignored = pkt.dst_port;
    #[allow(unused_variables)]
    let silenced = 1u32;
    if is_long_header(7) {
        return Verdict::Drop;
        let after = 2u32;
    }
    for i in 0..USED {
        continue;
    }
    select(SOCKETS, pkt.hash % USED)
}

#[test]
fn t() {
    let unused_in_test = 1u32;
}
