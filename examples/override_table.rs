//! A table the operator keeps: clients listed in OVERRIDES (by source port) go to the socket
//! the table names; everyone else is spread by the first payload byte. Counts per socket.
//! Fill the table while the server runs: `rsteer map --pid P set OVERRIDES 5000 3`.

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// Source port → socket index, written from userspace with `rsteer map`.
#[map]
static OVERRIDES: HashMap<u16, u32, 1024>;

/// Datagrams steered to each socket.
#[map]
static STEERED: Array<u64, WORKERS>;

#[steer]
fn with_overrides(pkt: Packet) -> Verdict {
    let index = if let Some(i) = OVERRIDES.get(pkt.src_port) {
        i % WORKERS
    } else {
        pkt.payload.u8(0)? as u32 % WORKERS
    };
    STEERED.add(index, 1);
    select(SOCKETS, index)
}

#[test]
fn the_table_wins() {
    SOCKETS.fill(4);
    OVERRIDES.insert(5000, 3);
    let p = Packet::udp4().src("10.0.0.7:5000").payload(b"\x01");
    assert_selected!(with_overrides(p), SOCKETS, 3);
    assert_eq!(STEERED.get(3), Some(1));
}

#[test]
fn others_go_by_first_byte() {
    SOCKETS.fill(4);
    OVERRIDES.insert(5000, 3);
    let p = Packet::udp4().src("10.0.0.7:5001").payload(b"\x01");
    assert_selected!(with_overrides(p), SOCKETS, 1);
    assert_eq!(STEERED.get(3), Some(0));
}
