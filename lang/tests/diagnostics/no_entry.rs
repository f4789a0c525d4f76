//! A policy that forgot its entry.
const N: u32 = 4;

fn pick(pkt: Packet) -> u32 {
    pkt.hash % N
}
