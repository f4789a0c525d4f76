//! Calls every function of the standard library, so that each one is compiled and verified.
use std::hash::{fnv1a_32, fnv1a_32_4, fnv1a_32_8, fnv1a_64, fnv1a_64_8, jhash_3words, mix32, mix64, rol32};
use std::balance;
use std::quic;
use std::net;
use std::dns;

#[map]
static SOCKETS: SockArray<8>;

#[map]
static SEEN: Array<u64, 8>;

#[steer]
fn everything(pkt: Packet) -> Verdict {
    let d16 = pkt.payload.bytes::<16>(0).unwrap_or([0; 16]);
    let d8 = pkt.payload.bytes::<8>(0).unwrap_or([0; 8]);
    let d4 = pkt.payload.bytes::<4>(0).unwrap_or([0; 4]);
    let mut h = fnv1a_32(d16, pkt.len % 17) ^ fnv1a_32_4(d4) ^ fnv1a_32_8(d8);
    h ^= (fnv1a_64(d16, 16) ^ fnv1a_64_8(d8) ^ mix64(pkt.len as u64)) as u32;
    h = mix32(h) ^ rol32(h, 7) ^ jhash_3words(h, pkt.hash, pkt.src_port as u32, 0x9e37);
    let first = pkt.payload.u8(0).unwrap_or(0);
    if quic::is_long_header(first) && quic::has_fixed_bit(first) {
        let v = quic::version(pkt).unwrap_or(0);
        let n = quic::long_dcid_len(pkt).unwrap_or(0) as u32;
        let id = quic::long_dcid_8(pkt).unwrap_or([0; 8]);
        h ^= v ^ n ^ fnv1a_32_8(id);
    } else if quic::is_short_header(first) {
        let id = quic::short_dcid_8(pkt).unwrap_or([0; 8]);
        h ^= fnv1a_32_8(id) ^ quic::dcid_byte(pkt, 3).unwrap_or(0) as u32;
    }
    if pkt.is_ipv4() {
        let src = pkt.src_ip4;
        if net::in_prefix4(src, 0x0a00_0000, 8) || net::is_private4(src) || net::is_loopback4(src) {
            h ^= net::prefix_mask4(24);
        }
    } else {
        let src = pkt.src_ip6;
        let lo = [0u8; 16];
        if net::in_prefix6(src, lo, 64) {
            h ^= 1;
        }
    }
    if dns::is_query(pkt).unwrap_or(false) {
        h ^= dns::query_id(pkt).unwrap_or(0) as u32 ^ dns::flags(pkt).unwrap_or(0) as u32;
        h ^= dns::opcode(pkt).unwrap_or(0) as u32 ^ dns::qdcount(pkt).unwrap_or(0) as u32;
    }
    SEEN.add(h % 8, 1);
    let pick = balance::jump(h as u64, 8) ^ balance::modulo(h, 8) ^ balance::reduce(h, 8);
    select(SOCKETS, pick % 8)
}
