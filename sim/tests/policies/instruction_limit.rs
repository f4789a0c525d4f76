//! A loop of 64 rounds: it runs to the end under the default instruction limit (the Rust
//! test `instruction_limit_stops_a_run` also runs it under a limit of 50).
#[map]
static SOCKETS: SockArray<4>;
#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut x: u32 = 0;
    for i in 0..64 { x += i; }
    select(SOCKETS, x % 4)
}

#[test]
fn the_loop_runs_to_the_end() {
    SOCKETS.fill(4);
    // 0 + 1 + ... + 63 = 2016, and 2016 % 4 == 0.
    assert_selected!(route(Packet::udp4()), SOCKETS, 0);
}
