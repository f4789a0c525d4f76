//! The modelled input of one program run: the packet (built into real IPv4/IPv6 and UDP/TCP
//! header bytes) and the context values the kernel fills in beside it.

use std::net::{IpAddr, SocketAddr};

/// The transport protocol of the packet (and of the reuseport group's sockets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    Udp,
    Tcp,
}

impl Proto {
    /// The IP protocol number (`IPPROTO_UDP` 17, `IPPROTO_TCP` 6).
    pub fn number(self) -> u8 {
        match self {
            Proto::Udp => 17,
            Proto::Tcp => 6,
        }
    }
}

/// What the L4 checksum field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Checksum {
    /// 0 (for UDP over IPv4: "no checksum").
    #[default]
    Zero,
    /// The one's-complement sum of the pseudo-header only, not complemented: what Linux leaves
    /// in the field of a `CHECKSUM_PARTIAL` packet, which is what a receiver on loopback sees
    /// (`udp4_hwcsum`: `uh->check = ~csum_tcpudp_magic(saddr, daddr, len, proto, 0)`).
    LoopbackPartial,
    /// The full, valid checksum over pseudo-header, header and payload.
    Full,
}

/// One run's input: a UDP datagram or TCP SYN as the reuseport lookup sees it, plus the
/// values the kernel puts in `struct sk_reuseport_md` and returns from helpers.
///
/// Build one with [`SimPacket::udp`], [`SimPacket::tcp`] or [`SimPacket::migration`] and
/// change fields with struct update syntax: `SimPacket { cpu: 1, ..SimPacket::udp(a, b, p) }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimPacket {
    pub protocol: Proto,
    /// Source and destination; both IPv4 or both IPv6 (an IPv4-mapped IPv6 address counts as
    /// IPv6).
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// The L4 payload (after the UDP header, or after the 20-byte TCP header: TCP Fast Open).
    pub payload: Vec<u8>,
    /// `ctx->hash`: the kernel's 4-tuple hash (seeded per boot, so any value is realistic).
    pub hash: u32,
    /// `bpf_get_smp_processor_id()`; also picks the copy of a per-CPU map.
    pub cpu: u32,
    /// The first `bpf_get_prandom_u32()`; later calls in the same run continue a xorshift
    /// stream seeded by it.
    pub random: u32,
    /// `bpf_ktime_get_ns()`; `bpf_ktime_get_coarse_ns()` returns it rounded down to a 4 ms tick.
    pub now_ns: u64,
    /// `ctx->bind_inany`: the group is bound to 0.0.0.0 / ::.
    pub bind_inany: bool,
    /// A migration run without a packet (a listener closed with pending requests): `len` is 0,
    /// `eth_protocol` is 0 and every packet read fails. `migrating_sk` is set (its cookie is
    /// `migrating_cookie`, or [`DEFAULT_MIGRATING_COOKIE`]).
    pub migrating: bool,
    /// Cookie of `ctx->sk`, the group socket the lookup found first.
    pub sk_cookie: u64,
    /// Cookie of `ctx->migrating_sk`; `Some` without `migrating` models the migration of a
    /// request when its final ACK (this packet) arrives.
    pub migrating_cookie: Option<u64>,
    /// What the UDP/TCP checksum field holds.
    pub checksum: Checksum,
    /// The IPv4 identification field. Linux fills it from a hashed per-destination counter
    /// even when DF is set (seen on 6.18 over loopback), so a real packet's id cannot be
    /// predicted; the default is 0.
    pub ip_id: u16,
    /// How many bytes from the L4 header are in the linear part of the packet (`ctx->data_end -
    /// ctx->data`); the rest is in page fragments, which only `bpf_skb_load_bytes` reads.
    /// `None`: all of it (a small datagram). The kernel pulls the whole UDP or TCP header into
    /// the linear part before the lookup, so the model never makes it shorter than that
    /// ([`SimPacket::linear_len`]). On loopback a datagram of more than about 16 KB, or one
    /// sent in pieces with `MSG_MORE`, arrives with only its first piece linear.
    pub linear: Option<usize>,
    /// The packet's real bytes, when it was read from a capture (`rsteer simulate --pcap`):
    /// the header reads see them as they were on the wire (TCP options, TTL, flow label...)
    /// instead of the headers built from the fields above, which then describe the same
    /// packet. `None` for a built packet.
    pub wire: Option<Wire>,
}

/// A captured packet's bytes from its IP header to the end of the IP packet (link-layer
/// header and padding cut off).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wire {
    pub net: Vec<u8>,
    /// Where the L4 (UDP or TCP) header starts in `net`: after the IPv4 header and its
    /// options, or the IPv6 header and its extension headers.
    pub l4_at: usize,
}

/// Cookie of `migrating_sk` in a migration run that names none.
pub const DEFAULT_MIGRATING_COOKIE: u64 = 0x7000;

/// The cookie [`crate::Maps::fill_sockets`] gives socket `index` of the group.
pub fn socket_cookie(index: u32) -> u64 {
    0x1000 + index as u64
}

impl SimPacket {
    fn base(protocol: Proto, src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> SimPacket {
        SimPacket {
            protocol,
            src,
            dst,
            payload: payload.to_vec(),
            hash: 0x9e37_79b9,
            cpu: 0,
            random: 0x1234_5678,
            now_ns: 1_000_000_000,
            bind_inany: false,
            migrating: false,
            sk_cookie: socket_cookie(0),
            migrating_cookie: None,
            checksum: Checksum::Zero,
            ip_id: 0,
            linear: None,
            wire: None,
        }
    }

    /// A UDP datagram from `src` to `dst` carrying `payload`.
    pub fn udp(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> SimPacket {
        SimPacket::base(Proto::Udp, src, dst, payload)
    }

    /// A TCP SYN (20-byte header, no options) from `src` to `dst`; `payload` is Fast Open data.
    pub fn tcp(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> SimPacket {
        SimPacket::base(Proto::Tcp, src, dst, payload)
    }

    /// A TCP migration run without a packet: the request from `src` to `dst` moves off the
    /// closing listener whose cookie is `migrating_cookie`.
    pub fn migration(src: SocketAddr, dst: SocketAddr, migrating_cookie: u64) -> SimPacket {
        SimPacket {
            migrating: true,
            migrating_cookie: Some(migrating_cookie),
            ..SimPacket::base(Proto::Tcp, src, dst, &[])
        }
    }

    /// Whether the packet is IPv6 (else IPv4).
    pub fn is_ipv6(&self) -> bool {
        matches!(self.src.ip(), IpAddr::V6(_))
    }

    /// The bytes from the L4 header to the end (what `bpf_skb_load_bytes` reads); empty in a
    /// migration run without a packet.
    pub fn l4_bytes(&self) -> Vec<u8> {
        if self.migrating {
            return Vec::new();
        }
        if let Some(w) = &self.wire {
            return w.net[w.l4_at.min(w.net.len())..].to_vec();
        }
        let mut out = match self.protocol {
            Proto::Udp => {
                let len = (8 + self.payload.len()) as u16;
                let mut h = Vec::with_capacity(8);
                h.extend_from_slice(&self.src.port().to_be_bytes());
                h.extend_from_slice(&self.dst.port().to_be_bytes());
                h.extend_from_slice(&len.to_be_bytes());
                h.extend_from_slice(&[0, 0]);
                h
            }
            Proto::Tcp => {
                let mut h = Vec::with_capacity(20);
                h.extend_from_slice(&self.src.port().to_be_bytes());
                h.extend_from_slice(&self.dst.port().to_be_bytes());
                h.extend_from_slice(&0x0100_0000u32.to_be_bytes()); // sequence number
                h.extend_from_slice(&0u32.to_be_bytes()); // acknowledgment number
                h.push(5 << 4); // data offset 5 (20 bytes), no options
                h.push(0x02); // SYN
                h.extend_from_slice(&65535u16.to_be_bytes()); // window
                h.extend_from_slice(&[0, 0]); // checksum
                h.extend_from_slice(&[0, 0]); // urgent pointer
                h
            }
        };
        let check_at = match self.protocol {
            Proto::Udp => 6,
            Proto::Tcp => 16,
        };
        out.extend_from_slice(&self.payload);
        let check = match self.checksum {
            Checksum::Zero => 0,
            Checksum::LoopbackPartial => fold(self.pseudo_header_sum(out.len())),
            Checksum::Full => {
                let c = !fold(self.pseudo_header_sum(out.len()) + sum16(&out));
                // UDP sends a computed 0 as 0xffff (0 means "no checksum").
                if c == 0 && self.protocol == Proto::Udp {
                    0xffff
                } else {
                    c
                }
            }
        };
        out[check_at..check_at + 2].copy_from_slice(&check.to_be_bytes());
        out
    }

    /// The length of the linear part from the L4 header, at most the packet's length and at
    /// least its L4 header's (see [`SimPacket::linear`]).
    pub fn linear_len(&self) -> usize {
        let total = self.l4_len();
        let header = match self.protocol {
            Proto::Udp => 8,
            Proto::Tcp => 20,
        };
        self.linear.map_or(total, |n| n.max(header).min(total))
    }

    /// The length from the L4 header to the end (`ctx->len`).
    fn l4_len(&self) -> usize {
        match (self.migrating, self.protocol) {
            (true, _) => 0,
            (false, Proto::Udp) => 8 + self.payload.len(),
            (false, Proto::Tcp) => 20 + self.payload.len(),
        }
    }

    /// The bytes from the IP header to the end (what `bpf_skb_load_bytes_relative` with
    /// `BPF_HDR_START_NET` reads): a 20-byte IPv4 header (no options, DF, TTL 64, id `ip_id`,
    /// valid checksum — what Linux sends from an unconnected socket) or a 40-byte IPv6 header (flow
    /// label 0, hop limit 64), then the L4 bytes. Empty in a migration run without a packet.
    pub fn net_bytes(&self) -> Vec<u8> {
        if self.migrating {
            return Vec::new();
        }
        if let Some(w) = &self.wire {
            return w.net.clone();
        }
        let l4 = self.l4_bytes();
        let mut out = Vec::with_capacity(40 + l4.len());
        match (self.src.ip(), self.dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let total = (20 + l4.len()) as u16;
                out.extend_from_slice(&[0x45, 0]);
                out.extend_from_slice(&total.to_be_bytes());
                out.extend_from_slice(&self.ip_id.to_be_bytes());
                out.extend_from_slice(&[0x40, 0, 64, self.protocol.number(), 0, 0]);
                out.extend_from_slice(&s.octets());
                out.extend_from_slice(&d.octets());
                let c = !fold(sum16(&out));
                out[10..12].copy_from_slice(&c.to_be_bytes());
            }
            (s, d) => {
                let (s, d) = (v6(s), v6(d));
                out.extend_from_slice(&[0x60, 0, 0, 0]);
                out.extend_from_slice(&(l4.len() as u16).to_be_bytes());
                out.extend_from_slice(&[self.protocol.number(), 64]);
                out.extend_from_slice(&s);
                out.extend_from_slice(&d);
            }
        }
        out.extend_from_slice(&l4);
        out
    }

    /// `skb->protocol` as the kernel stores it (network byte order, in host memory).
    pub(crate) fn eth_protocol_raw(&self) -> u16 {
        if self.migrating {
            0
        } else if self.is_ipv6() {
            u16::from_ne_bytes(0x86DDu16.to_be_bytes())
        } else {
            u16::from_ne_bytes(0x0800u16.to_be_bytes())
        }
    }

    /// The one's-complement sum (unfolded) of the pseudo-header for `l4_len` bytes.
    fn pseudo_header_sum(&self, l4_len: usize) -> u64 {
        let mut bytes = Vec::new();
        match (self.src.ip(), self.dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                bytes.extend_from_slice(&s.octets());
                bytes.extend_from_slice(&d.octets());
                bytes.extend_from_slice(&[0, self.protocol.number()]);
                bytes.extend_from_slice(&(l4_len as u16).to_be_bytes());
            }
            (s, d) => {
                bytes.extend_from_slice(&v6(s));
                bytes.extend_from_slice(&v6(d));
                bytes.extend_from_slice(&(l4_len as u32).to_be_bytes());
                bytes.extend_from_slice(&[0, 0, 0, self.protocol.number()]);
            }
        }
        sum16(&bytes)
    }
}

fn v6(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V6(a) => a.octets(),
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
    }
}

/// Sum of big-endian 16-bit words (an odd last byte is padded with zero).
fn sum16(bytes: &[u8]) -> u64 {
    bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]) as u64).sum()
}

/// Folds a sum into 16 bits with end-around carry.
fn fold(mut s: u64) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_udp_headers() {
        let p = SimPacket::udp("10.0.0.7:5000".parse().unwrap(), "10.0.0.1:443".parse().unwrap(), b"hi");
        let net = p.net_bytes();
        assert_eq!(net.len(), 30);
        assert_eq!(&net[..10], &[0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17]);
        // A valid IPv4 header checksum sums to 0xffff.
        assert_eq!(fold(sum16(&net[..20])), 0xffff);
        assert_eq!(&net[20..28], &[0x13, 0x88, 0x01, 0xbb, 0, 10, 0, 0]);
        assert_eq!(&net[28..], b"hi");
        let full = SimPacket { checksum: Checksum::Full, ..p.clone() };
        let l4 = full.l4_bytes();
        assert_eq!(fold(full.pseudo_header_sum(l4.len()) + sum16(&l4)), 0xffff);
    }

    #[test]
    fn ipv6_tcp_headers() {
        let p = SimPacket::tcp("[::1]:4000".parse().unwrap(), "[::1]:80".parse().unwrap(), b"");
        let net = p.net_bytes();
        assert_eq!(net.len(), 60);
        assert_eq!(&net[..8], &[0x60, 0, 0, 0, 0, 20, 6, 64]);
        assert_eq!(net[40 + 12] >> 4, 5);
        assert_eq!(p.eth_protocol_raw().to_ne_bytes(), [0x86, 0xdd]);
    }
}
