//! `rsteer simulate`: a run of packets (a capture's, or random ones) through one compiled
//! entry, counted as a [`Distribution`], and the source lines one packet's run went through.

use crate::capture::{flow_hash, mix};
use crate::maps::{MapError, Maps};
use crate::{hash_pick, run_with, CompiledProgram, Delivery, Outcome, Proto, RunOptions, SimError, SimPacket};
use rsteer_value::counts::Distribution;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Puts the sockets of one group of `sockets` sockets in every socket map, as `rsteer load`
/// does with a group of that size (default: as many as the smallest socket map holds, the
/// map's capacity when there is one); returns each socket map's name and socket count.
pub fn fill_socket_maps(maps: &mut Maps, sockets: Option<u32>) -> Result<Vec<(String, u32)>, MapError> {
    let socket_maps: Vec<(String, u32)> =
        maps.maps.iter().filter(|m| m.is_socket_map()).map(|m| (m.spec.name.clone(), m.spec.max_entries)).collect();
    let smallest = socket_maps.iter().map(|(_, c)| *c).min().unwrap_or(0);
    let mut filled = Vec::new();
    for (name, capacity) in socket_maps {
        let n = sockets.unwrap_or(smallest);
        if n > capacity {
            return Err(MapError::Full(name));
        }
        maps.fill_sockets(&name, n)?;
        filled.push((name, n));
    }
    Ok(filled)
}

/// A distribution with no packets yet, with a zero count for every socket of `filled`.
pub fn empty_distribution(filled: &[(String, u32)]) -> Distribution {
    let mut d = Distribution::default();
    for (name, n) in filled {
        d.selected.insert(name.clone(), vec![0; *n as usize]);
    }
    d
}

/// Counts one run's outcome.
pub fn count(d: &mut Distribution, outcome: &Outcome) {
    d.packets += 1;
    match (outcome.delivery(), &outcome.selected) {
        (Delivery::Socket(i), Some(s)) => {
            let per_socket = d.selected.entry(s.map.clone()).or_default();
            if per_socket.len() <= i as usize {
                per_socket.resize(i as usize + 1, 0);
            }
            per_socket[i as usize] += 1;
        }
        (Delivery::Dropped, _) => d.drop += 1,
        _ => d.pass += 1,
    }
}

/// The packet as it reaches the program: on the CPU that its flow hash spreads it to (as RSS
/// spreads flows over receive queues).
pub fn on_its_cpu(pkt: &SimPacket, cpus: u32) -> SimPacket {
    SimPacket { cpu: hash_pick(pkt.hash, cpus), ..pkt.clone() }
}

/// A run that the simulator stopped (a compiler bug or a gap in the simulator), and the number
/// of the packet it stopped on.
#[derive(Clone, Debug)]
pub struct Stopped {
    pub packet: usize,
    pub error: SimError,
}

/// What [`simulate`] found: the distribution, and the run of the packet it was asked to trace.
#[derive(Clone, Debug)]
pub struct Replayed {
    pub distribution: Distribution,
    pub traced: Option<Traced>,
}

/// One packet's traced run.
#[derive(Clone, Debug)]
pub struct Traced {
    pub number: usize,
    /// The packet as the program saw it (on its CPU).
    pub packet: SimPacket,
    pub outcome: Outcome,
    pub steps: Vec<LineStep>,
}

/// Runs each `(number, packet)` through `prog`, the maps carrying over from packet to packet,
/// and counts the outcomes; the packet numbered `trace` is also traced source line by line.
pub fn simulate<'p>(
    prog: &CompiledProgram,
    maps: &mut Maps,
    filled: &[(String, u32)],
    packets: impl IntoIterator<Item = (usize, &'p SimPacket)>,
    trace: Option<usize>,
) -> Result<Replayed, Stopped> {
    let mut distribution = empty_distribution(filled);
    let mut traced = None;
    let plain = RunOptions::default();
    let tracing = RunOptions { trace: true, ..RunOptions::default() };
    for (number, pkt) in packets {
        let pkt = on_its_cpu(pkt, maps.cpus());
        let opts = if trace == Some(number) { &tracing } else { &plain };
        let outcome = run_with(prog, maps, &pkt, opts).map_err(|error| Stopped { packet: number, error })?;
        count(&mut distribution, &outcome);
        maps.compact();
        if trace == Some(number) {
            let steps = source_path(prog, &outcome.path);
            traced = Some(Traced { number, packet: pkt, outcome, steps });
        }
    }
    Ok(Replayed { distribution, traced })
}

/// `n` random packets of protocol `proto` from seed `seed`: a quarter IPv6, sources spread
/// over a documentation prefix (198.51.100.0/24, 2001:db8:1::/64) with random ports, to
/// port 443 of 192.0.2.1 or 2001:db8::1, payloads of 0 to 64 random bytes, one millisecond
/// apart. The same seed gives the same packets.
pub fn random_packets(n: usize, seed: u64, proto: Proto) -> Vec<SimPacket> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    (0..n)
        .map(|i| {
            let v6 = next() % 4 == 0;
            let port = 1024 + (next() % (65536 - 1024)) as u16;
            let (src, dst) = if v6 {
                let host = next();
                let src = Ipv6Addr::new(
                    0x2001,
                    0xdb8,
                    1,
                    0,
                    (host >> 48) as u16,
                    (host >> 32) as u16,
                    (host >> 16) as u16,
                    host as u16,
                );
                (IpAddr::V6(src), IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)))
            } else {
                (IpAddr::V4(Ipv4Addr::new(198, 51, 100, next() as u8)), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))
            };
            let (src, dst) = (SocketAddr::new(src, port), SocketAddr::new(dst, 443));
            let len = (next() % 65) as usize;
            let payload: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let base = match proto {
                Proto::Udp => SimPacket::udp(src, dst, &payload),
                Proto::Tcp => SimPacket::tcp(src, dst, &payload),
            };
            let hash = flow_hash(&src, &dst, proto);
            SimPacket { hash, random: mix(next() as u32), now_ns: 1_000_000_000 + i as u64 * 1_000_000, ..base }
        })
        .collect()
}

/// One source line of a traced run: where it is, its text, and how many instructions of it
/// ran before the run went on to another line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineStep {
    pub file: String,
    pub line: u32,
    pub text: String,
    pub insns: usize,
}

/// The source lines that the executed instruction slots `path` belong to (from the program's
/// line info), a line run by several instructions in a row shown once.
pub fn source_path(prog: &CompiledProgram, path: &[usize]) -> Vec<LineStep> {
    let mut out: Vec<LineStep> = Vec::new();
    for &pc in path {
        let at = prog.lines.partition_point(|l| l.insn <= pc);
        let Some(info) = at.checked_sub(1).and_then(|i| prog.lines.get(i)) else { continue };
        match out.last_mut() {
            Some(last) if last.file == info.file_name && last.line == info.line => last.insns += 1,
            _ => out.push(LineStep {
                file: info.file_name.clone(),
                line: info.line,
                text: info.line_text.trim().to_string(),
                insns: 1,
            }),
        }
    }
    out
}
