//! Steer by the client's source port: port `p` goes to socket `p % WORKERS`, so one client
//! socket always reaches the same worker.

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

#[steer]
fn by_source_port(pkt: Packet) -> Verdict {
    let port = pkt.src_port as u32;
    select(SOCKETS, port % WORKERS)
}

#[test]
fn source_port_picks_the_socket() {
    SOCKETS.fill(4);
    assert_selected!(by_source_port(Packet::udp4().src("10.0.0.7:5000")), SOCKETS, 0);
    assert_selected!(by_source_port(Packet::udp4().src("10.0.0.7:5001")), SOCKETS, 1);
    assert_selected!(by_source_port(Packet::tcp4().src("10.0.0.7:40003")), SOCKETS, 3);
    assert_selected!(by_source_port(Packet::udp6().src("[2001:db8::7]:6")), SOCKETS, 2);
}
