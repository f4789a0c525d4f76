// Tests that would run for ever or take gigabytes without the harness's budgets.

#[map]
static SOCKETS: SockArray<4>;

#[map]
static BIG: HashMap<u32, u64, 16777216>;

#[steer]
fn pick(pkt: Packet) -> Verdict {
    select(SOCKETS, pkt.src_port as u32 % 4)
}

// 2^32 rounds.
#[test]
fn endless() {
    let mut n: u64 = 0;
    for i in 0..65536u64 {
        for j in 0..65536u64 {
            n += i ^ j;
        }
    }
    assert!(n > 0);
}

// 2^32 rounds of an empty body.
#[test]
fn endless_and_empty() {
    for i in 0..65536u32 {
        for j in 0..65536u32 {}
    }
}

// 16M inserts.
#[test]
fn many_inserts() {
    for i in 0..4096u32 {
        for j in 0..4096u32 {
            BIG.insert(i * 4096 + j, 1);
        }
    }
}

// 65,536 runs of the entry: well within the budget.
#[test]
fn many_runs() {
    SOCKETS.fill(4);
    for port in 0..65535u16 {
        assert_selected!(pick(Packet::udp4().src("10.0.0.7:5000").payload(b"x")), SOCKETS, 0);
    }
}
