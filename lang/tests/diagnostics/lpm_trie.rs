// Prefix tables: keys that are not addresses, methods a program cannot use on them, and
// the test-only fill methods outside a test.
struct Key { addr: u32, port: u16 }

#[map]
static SOCKETS: SockArray<4>;
#[map]
static BY_PORT: LpmTrie<u16, u32, 64>;
#[map]
static BY_KEY: LpmTrie<Key, u32, 64>;
#[map]
static FLAGS: LpmTrie<bool, u32, 64>;
#[map]
static NETS: LpmTrie<u32, u32, 64>;
#[map]
static COUNTS: HashMap<u32, u32, 64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    NETS.insert(pkt.src_ip4, 1);
    NETS.insert_prefix(pkt.src_ip4, 24, 1);
    let i = NETS.get(pkt.src_port)?;
    select(SOCKETS, i)
}

#[test]
fn fills() {
    COUNTS.insert_prefix(1, 8, 1);
    NETS.remove_prefix(std::net::ip4(10, 0, 0, 0));
}
