// Constant tables, address constants and prefix tables together: a DNS-style label compared
// with the payload, a rank table read at run time, and clients looked up by prefix.
const ZONE: [u8; 8] = b"\x07example";
const RANK: [u32; 8] = [3, 1, 2, 0, 3, 2, 1, 0];
const LOOPBACK: u32 = std::net::ip4(127, 0, 0, 0);
const DOC6: [u8; 16] = std::net::ip6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);

#[map]
static SOCKETS: SockArray<4>;
#[map]
static NETS: LpmTrie<u32, u32, 256>;
#[map]
static NETS6: LpmTrie<[u8; 16], u32, 256>;
#[map]
static LABELS: LpmTrie<[u8; 8], u32, 64>;

fn rank_of(i: u32) -> u32 {
    RANK[i % 8]
}

#[steer]
fn route(pkt: Packet) -> Verdict {
    if pkt.payload.bytes::<8>(12)? == ZONE {
        return select(SOCKETS, RANK[3]);
    }
    if let Some(i) = LABELS.get(pkt.payload.bytes::<8>(12)?) {
        return select(SOCKETS, i);
    }
    if pkt.is_ipv6() {
        if pkt.src_ip6 == DOC6 {
            return select(SOCKETS, 1);
        }
        let i = NETS6.get(pkt.src_ip6)?;
        return select(SOCKETS, i);
    }
    if pkt.src_ip4 & 0xff00_0000 == LOOPBACK {
        let i = NETS.get(pkt.src_ip4).unwrap_or(rank_of(pkt.hash));
        return select(SOCKETS, i);
    }
    select(SOCKETS, rank_of(pkt.payload.u8(0)? as u32))
}
