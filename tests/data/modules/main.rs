//! A policy split over two files: `mod util;` loads `util.rs` beside this file.
mod util;

#[map]
static SOCKETS: SockArray<util::WORKERS>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let key = util::Key { port: pkt.src_port, proto: pkt.ip_protocol };
    select(SOCKETS, util::bucket(key))
}

#[test]
fn buckets_by_port() {
    SOCKETS.fill(4);
    assert_selected!(route(Packet::udp4().src("10.0.0.7:4099")), SOCKETS, 3);
}
