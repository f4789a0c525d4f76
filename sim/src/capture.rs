//! Packets from a capture file, as the reuseport lookup would see them (`rsteer simulate
//! --pcap`).
//!
//! Pure: it takes the file's bytes. The containers (pcap with micro- or nanosecond stamps in
//! either byte order, and pcapng) are read by the `pcap-file` crate, the headers (Ethernet
//! with VLAN tags, Linux cooked SLL, IPv4 with options, IPv6 with extension headers, UDP, TCP)
//! by `etherparse` (a Linux cooked header is skipped first, see [`SLL`]). Link types: Ethernet, Linux cooked (SLL and SLL2), raw IP (IPv4 or
//! IPv6) and BSD loopback. Every UDP datagram and every TCP SYN (SYN without ACK: the packet a listener's
//! reuseport group steers) becomes a [`SimPacket`] carrying its real bytes from the IP header
//! on ([`crate::Wire`]); every other frame is kept as a [`Skip`] saying why it is not run.

use crate::packet::{SimPacket, Wire};
use crate::Proto;
use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgReader};
use pcap_file::{DataLink, PcapError};
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// One frame of a capture: a packet to run, or why it is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Packet(SimPacket),
    Skipped(Skip),
}

/// Why a frame is not run through the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skip {
    /// IP, but neither UDP nor a TCP SYN (ICMP, a TCP segment of an established connection...).
    NotUdpOrSyn,
    /// Not IPv4 or IPv6 (ARP, LLDP...), or headers the reader cannot make sense of.
    NotIp,
    /// A fragment of an IP datagram: the reuseport lookup sees the datagram once reassembled.
    Fragment,
    /// Cut short by the capture's snap length.
    Truncated,
    /// The interface's link type is not Ethernet, Linux cooked, raw IP or BSD loopback.
    LinkType,
}

impl Skip {
    /// What the note about skipped frames calls these.
    pub fn describe(self) -> &'static str {
        match self {
            Skip::NotUdpOrSyn => "neither UDP nor a TCP SYN",
            Skip::NotIp => "not IPv4 or IPv6",
            Skip::Fragment => "IP fragments",
            Skip::Truncated => "cut short by the snap length",
            Skip::LinkType => "of a link type other than Ethernet, Linux cooked, raw IP or BSD loopback",
        }
    }
}

/// A capture's frames in file order (frame `k` of tcpdump and Wireshark is `frames[k - 1]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capture {
    pub frames: Vec<Frame>,
    /// The file ends inside a frame (a capture that was still being written).
    pub cut_short: bool,
}

impl Capture {
    /// The packets to run, with their frame numbers (1-based).
    pub fn packets(&self) -> impl Iterator<Item = (usize, &SimPacket)> {
        self.frames.iter().enumerate().filter_map(|(i, f)| match f {
            Frame::Packet(p) => Some((i + 1, p)),
            Frame::Skipped(_) => None,
        })
    }

    /// How many frames were skipped, by reason (reasons with none left out).
    pub fn skipped(&self) -> Vec<(Skip, u64)> {
        let mut counts = std::collections::BTreeMap::new();
        for f in &self.frames {
            if let Frame::Skipped(s) = f {
                *counts.entry(*s).or_insert(0u64) += 1;
            }
        }
        counts.into_iter().collect()
    }
}

/// A file that cannot be read as a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureError {
    pub message: String,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CaptureError {}

const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const PCAP_MAGICS: [[u8; 4]; 4] =
    [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d]];

/// Reads a pcap or pcapng capture.
pub fn read_capture(bytes: &[u8]) -> Result<Capture, CaptureError> {
    let magic: [u8; 4] = bytes.get(..4).and_then(|m| m.try_into().ok()).unwrap_or([0; 4]);
    if magic == PCAPNG_MAGIC {
        read_pcapng(bytes)
    } else if PCAP_MAGICS.contains(&magic) {
        read_pcap(bytes)
    } else {
        Err(CaptureError {
            message: format!(
                "not a pcap or pcapng capture (it starts with {})",
                bytes.iter().take(4).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
            ),
        })
    }
}

/// The file ends inside a record.
fn ends_early(e: &PcapError) -> bool {
    match e {
        PcapError::IncompleteBuffer => true,
        PcapError::IoError(io) => io.kind() == std::io::ErrorKind::UnexpectedEof,
        _ => false,
    }
}

fn container_error(frame: usize, e: PcapError) -> CaptureError {
    CaptureError { message: format!("frame {frame}: {e}") }
}

fn read_pcap(bytes: &[u8]) -> Result<Capture, CaptureError> {
    let mut reader =
        PcapReader::new(bytes).map_err(|e| CaptureError { message: format!("the pcap file header: {e}") })?;
    let link = reader.header().datalink;
    let mut capture = Capture::default();
    while let Some(next) = reader.next_packet() {
        let frame = capture.frames.len() + 1;
        match next {
            Ok(p) => {
                let cut = (p.data.len() as u64) < p.orig_len as u64;
                capture.frames.push(frame_of(link, &p.data, cut, p.timestamp.as_nanos() as u64, frame));
            }
            Err(e) if ends_early(&e) => {
                capture.cut_short = true;
                break;
            }
            Err(e) => return Err(container_error(frame, e)),
        }
    }
    Ok(capture)
}

fn read_pcapng(bytes: &[u8]) -> Result<Capture, CaptureError> {
    let mut reader =
        PcapNgReader::new(bytes).map_err(|e| CaptureError { message: format!("the pcapng section header: {e}") })?;
    let mut capture = Capture::default();
    // Each interface of the current section: its link type and timestamp resolution.
    let mut links: Vec<(DataLink, u8)> = Vec::new();
    while let Some(next) = reader.next_block() {
        let frame = capture.frames.len() + 1;
        let block = match next {
            Ok(b) => b,
            Err(e) if ends_early(&e) => {
                capture.cut_short = true;
                break;
            }
            Err(e) => return Err(container_error(frame, e)),
        };
        let iface = |id: u32, links: &[(DataLink, u8)]| {
            links
                .get(id as usize)
                .copied()
                .ok_or_else(|| CaptureError { message: format!("frame {frame}: interface {id} is not described") })
        };
        let (link, data, orig_len, ns) = match &block {
            // Each section numbers its interfaces from 0.
            Block::SectionHeader(_) => {
                links.clear();
                continue;
            }
            Block::InterfaceDescription(i) => {
                let resolution = i.options.iter().find_map(|o| match o {
                    InterfaceDescriptionOption::IfTsResol(r) => Some(*r),
                    _ => None,
                });
                links.push((i.linktype, resolution.unwrap_or(6)));
                continue;
            }
            Block::EnhancedPacket(p) => {
                let (link, resolution) = iface(p.interface_id, &links)?;
                // `pcap-file` hands over the raw count of the interface's time units.
                (link, &p.data, p.original_len, to_ns(p.timestamp.as_nanos() as u64, resolution))
            }
            Block::SimplePacket(p) => (iface(0, &links)?.0, &p.data, p.original_len, 0),
            Block::Packet(p) => {
                let (link, resolution) = iface(p.interface_id as u32, &links)?;
                (link, &p.data, p.original_len, to_ns(p.timestamp, resolution))
            }
            _ => continue,
        };
        let cut = (data.len() as u64) < orig_len as u64;
        let f = frame_of(link, data, cut, ns, frame);
        capture.frames.push(f);
    }
    Ok(capture)
}

/// A pcapng timestamp of `units` in resolution `if_tsresol` (10^-n seconds, or 2^-n with the
/// top bit set; 6, microseconds, when the interface names none) in nanoseconds.
fn to_ns(units: u64, resolution: u8) -> u64 {
    let per_second: u128 = if resolution & 0x80 == 0 {
        10u128.saturating_pow(resolution as u32)
    } else {
        1u128.checked_shl((resolution & 0x7f) as u32).unwrap_or(u128::MAX)
    };
    (units as u128 * 1_000_000_000 / per_second.max(1)).min(u64::MAX as u128) as u64
}

/// The Linux cooked headers (`LINKTYPE_LINUX_SLL`, `LINKTYPE_LINUX_SLL2`): their size and
/// where their protocol field (an EtherType, network order) sits. v1: packet type (2 bytes),
/// ARPHRD type (2), address length (2), address (8), protocol (2); v2: protocol (2), reserved
/// (2), interface index (4), ARPHRD type (2), packet type (1), address length (1), address (8).
/// The header is skipped here (etherparse's own SLL reader refuses the loopback device's
/// ARPHRD type, what `tcpdump -i any` records for traffic on `lo`) and etherparse reads the
/// rest from that EtherType on.
const SLL: (usize, usize) = (16, 14);
const SLL2: (usize, usize) = (20, 0);

/// One frame's bytes, link header included, as a packet to run or a skip.
fn frame_of(link: DataLink, data: &[u8], cut: bool, now_ns: u64, frame: usize) -> Frame {
    if cut {
        return Frame::Skipped(Skip::Truncated);
    }
    let sliced = match link {
        DataLink::ETHERNET => SlicedPacket::from_ethernet(data),
        DataLink::LINUX_SLL | DataLink::LINUX_SLL2 => {
            let (size, at) = if link == DataLink::LINUX_SLL { SLL } else { SLL2 };
            if data.len() < size {
                return Frame::Skipped(Skip::NotIp);
            }
            SlicedPacket::from_ether_type(EtherType(u16::from_be_bytes([data[at], data[at + 1]])), &data[size..])
        }
        DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => SlicedPacket::from_ip(data),
        // BSD loopback (a 4-byte address family, then the IP packet: what macOS's `lo0` records).
        DataLink::NULL | DataLink::LOOP => match data.get(4..) {
            Some(ip) => SlicedPacket::from_ip(ip),
            None => return Frame::Skipped(Skip::NotIp),
        },
        _ => return Frame::Skipped(Skip::LinkType),
    };
    let Ok(sliced) = sliced else { return Frame::Skipped(Skip::NotIp) };
    match packet_of(data, &sliced, now_ns, frame) {
        Ok(p) => Frame::Packet(p),
        Err(skip) => Frame::Skipped(skip),
    }
}

/// Where `part` starts within `whole` (a slice of it).
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

fn packet_of(data: &[u8], sliced: &SlicedPacket<'_>, now_ns: u64, frame: usize) -> Result<SimPacket, Skip> {
    // The IP packet: from its header to the end of its payload (link padding cut off).
    let (src, dst, header, payload) = match &sliced.net {
        Some(NetSlice::Ipv4(ip)) => (
            IpAddr::V4(ip.header().source_addr()),
            IpAddr::V4(ip.header().destination_addr()),
            ip.header().slice(),
            ip.payload(),
        ),
        Some(NetSlice::Ipv6(ip)) => (
            IpAddr::V6(ip.header().source_addr()),
            IpAddr::V6(ip.header().destination_addr()),
            ip.header().slice(),
            ip.payload(),
        ),
        _ => return Err(Skip::NotIp),
    };
    if payload.fragmented {
        return Err(Skip::Fragment);
    }
    let (proto, sport, dport, body) = match &sliced.transport {
        Some(TransportSlice::Udp(u)) => (Proto::Udp, u.source_port(), u.destination_port(), u.payload()),
        Some(TransportSlice::Tcp(t)) if t.syn() && !t.ack() => {
            (Proto::Tcp, t.source_port(), t.destination_port(), t.payload())
        }
        _ => return Err(Skip::NotUdpOrSyn),
    };
    // Both slices point into the frame: the IP packet runs from its header to the end of its
    // payload (IPv4 options and IPv6 extension headers between them, link padding cut off).
    let ip_at = offset_in(data, header);
    let l4_at = offset_in(data, payload.payload);
    let end = (l4_at + payload.payload.len()).min(data.len());
    if ip_at > l4_at || l4_at > end {
        return Err(Skip::NotIp);
    }
    let net = data[ip_at..end].to_vec();
    let l4_at = l4_at - ip_at;
    let src = SocketAddr::new(src, sport);
    let dst = SocketAddr::new(dst, dport);
    let hash = flow_hash(&src, &dst, proto);
    let base = match proto {
        Proto::Udp => SimPacket::udp(src, dst, body),
        Proto::Tcp => SimPacket::tcp(src, dst, body),
    };
    Ok(SimPacket {
        hash,
        random: mix(hash ^ (frame as u32).wrapping_mul(0x9e37_79b9)),
        now_ns,
        wire: Some(Wire { net, l4_at }),
        ..base
    })
}

/// `ctx->hash` of a captured packet: the kernel's 4-tuple hash is seeded at boot, so the
/// simulator uses a fixed hash of the same tuple (FNV-1a over addresses, ports and protocol),
/// the same for every packet of a flow.
pub fn flow_hash(src: &SocketAddr, dst: &SocketAddr, proto: Proto) -> u32 {
    let mut bytes = Vec::with_capacity(40);
    for a in [src, dst] {
        match a.ip() {
            IpAddr::V4(ip) => bytes.extend_from_slice(&ip.octets()),
            IpAddr::V6(ip) => bytes.extend_from_slice(&ip.octets()),
        }
        bytes.extend_from_slice(&a.port().to_be_bytes());
    }
    bytes.push(proto.number());
    let h = bytes.iter().fold(0x811c_9dc5u32, |h, b| (h ^ *b as u32).wrapping_mul(0x0100_0193));
    mix(h)
}

/// A 32-bit finaliser (murmur3's), to spread the bits of a hash or seed.
pub fn mix(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^= x >> 13;
    x = x.wrapping_mul(0xc2b2_ae35);
    x ^ (x >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LO: &[u8] = include_bytes!("../../tests/data/pcap/lo.pcap");

    #[test]
    fn a_capture_cut_inside_a_frame_keeps_the_frames_before() {
        let whole = read_capture(LO).unwrap();
        assert_eq!((whole.frames.len(), whole.cut_short), (78, false));
        // The file header, the first record (16 bytes and the frame), then 10 bytes of the second.
        let first = u32::from_le_bytes(LO[24 + 8..24 + 12].try_into().unwrap()) as usize;
        let cut = read_capture(&LO[..24 + 16 + first + 10]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((cut.frames.len(), cut.cut_short), (1, true));
        assert_eq!(cut.frames[0], whole.frames[0]);
    }

    #[test]
    fn a_udp_datagram_carries_its_wire_bytes_and_fields() {
        let c = read_capture(LO).unwrap();
        let Frame::Packet(p) = &c.frames[0] else { panic!("frame 1 is a datagram") };
        assert_eq!(
            (p.protocol, p.src.ip().to_string(), p.payload.as_slice()),
            (Proto::Udp, "127.0.0.1".into(), &[0u8][..])
        );
        let w = p.wire.as_ref().unwrap();
        assert_eq!((w.net.len(), w.l4_at, w.net[0] >> 4), (29, 20, 4));
        assert_eq!(p.l4_bytes().len(), 9);
        assert_eq!(p.net_bytes(), w.net);
        assert_eq!(p.hash, flow_hash(&p.src, &p.dst, Proto::Udp));
    }

    #[test]
    fn pcapng_timestamps_follow_the_interfaces_resolution() {
        assert_eq!(to_ns(1_500_000, 6), 1_500_000_000);
        assert_eq!(to_ns(7, 9), 7);
        assert_eq!(to_ns(1 << 20, 0x80 | 20), 1_000_000_000);
        // The shipped pcapng (nanoseconds) and the pcap it was made from (microseconds).
        let ng = read_capture(include_bytes!("../../tests/data/pcap/any_sll2.pcapng")).unwrap();
        let pcap = read_capture(include_bytes!("../../tests/data/pcap/any_sll2.pcap")).unwrap();
        let (Frame::Packet(a), Frame::Packet(b)) = (&ng.frames[0], &pcap.frames[0]) else { panic!("datagrams") };
        assert_eq!(a.now_ns, b.now_ns);
        assert!(a.now_ns > 1_700_000_000_000_000_000, "a time in 2023 or later: {}", a.now_ns);
    }

    #[test]
    fn what_is_not_a_capture_is_refused_in_words() {
        for bytes in [&b""[..], b"#[steer]\nfn f", &[0x0a, 0x0d, 0x0d, 0x0a, 1, 2]] {
            let e = read_capture(bytes).unwrap_err();
            assert!(!e.message.is_empty());
        }
        assert!(read_capture(b"GIF89a").unwrap_err().message.starts_with("not a pcap or pcapng capture"));
    }
}
