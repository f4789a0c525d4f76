//! A compiler bug the simulator found (and the kernel confirms, see tests/differential.rs):
//! the register allocator spilled `key` retroactively into the spill slot that `op` left
//! free at a later position, though both are live between `key`'s definition and `op`'s last
//! use; `op` then read back as the source port. With op 1 and no flow the packet must drop.
#[map]
static SOCKETS: SockArray<4>;
#[map]
static FLOWS: HashMap<u16, u32, 2>;
#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    let op = pkt.payload.u8(0)?;
    let key = pkt.src_port;
    if op == 1 {
        let Some(w) = FLOWS.get(key) else { return Verdict::Drop; };
        return select(SOCKETS, w);
    }
    if FLOWS.remove(key) { select(SOCKETS, 2) } else { select(SOCKETS, 3) }
}

#[test]
fn op_one_without_a_flow_drops() {
    SOCKETS.fill(4);
    assert_eq!(route(Packet::udp4().src("1.1.1.1:10").dst("1.1.1.2:2").payload(b"\x01")), Verdict::Drop);
}
