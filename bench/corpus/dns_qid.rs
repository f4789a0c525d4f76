//! DNS: query id modulo 4 workers, short datagrams dropped; see dns_qid.md.
use std::dns;

#[map]
static SOCKETS: SockArray<4>;

#[steer(fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    if pkt.len < 8 + 12 {
        return Verdict::Drop;
    }
    let id = dns::query_id(pkt)?;
    select(SOCKETS, id as u32 % 4)
}
