//! TCP listener migration (Linux 5.14+). When a listener closes (a worker exits, a server
//! restarts), the connections waiting in its accept queue would be reset. With a
//! `#[steer(migrate)]` entry the kernel runs the policy once more for each of them
//! (`pkt.migrating` is true, and there is no packet to read) and moves the connection to
//! the listener it selects. Here new connections are spread by the kernel's hash, and a
//! migrating one goes to the first live listener after its hash: the closed listener has
//! already left `SOCKETS`, so selecting it fails and the next index is tried. `MOVED`
//! counts the connections moved.
//!
//! Use it for any TCP server that closes listeners while it runs: a rolling restart, a
//! worker that exits, scaling down.

const WORKERS: u32 = 4;

#[map]
static SOCKETS: SockArray<WORKERS>;

/// Connections migrated away from a closed listener.
#[map]
static MOVED: Array<u64, 1>;

#[steer(migrate)]
fn route_or_migrate(pkt: Packet) -> Verdict {
    if !pkt.migrating {
        return select(SOCKETS, pkt.hash % WORKERS);
    }
    for i in 0..WORKERS {
        if try_select(SOCKETS, (pkt.hash + i) % WORKERS) {
            MOVED.add(0, 1);
            return Verdict::Pass;
        }
    }
    // No listener left: the kernel resets the connection.
    Verdict::Pass
}

#[test]
fn new_connections_go_by_the_hash() {
    SOCKETS.fill(4);
    assert_selected!(route_or_migrate(Packet::tcp4().hash(6)), SOCKETS, 2);
    assert_eq!(MOVED.get(0), Some(0));
}

#[test]
fn a_migrating_connection_goes_to_the_next_live_listener() {
    // Only listeners 0 and 1 are left: hash 2 tries 2, 3, then 0.
    SOCKETS.fill(2);
    assert_selected!(route_or_migrate(Packet::tcp4().migrating().hash(2)), SOCKETS, 0);
    assert_selected!(route_or_migrate(Packet::tcp4().migrating().hash(1)), SOCKETS, 1);
    assert_eq!(MOVED.get(0), Some(2));
}

#[test]
fn with_no_listener_left_nothing_is_selected() {
    assert_eq!(route_or_migrate(Packet::tcp4().migrating().hash(2)), Verdict::Pass);
    assert_eq!(MOVED.get(0), Some(0));
}
