//! Differential test: the simulator (`rsteer-sim`) against the real kernel.
//!
//! Generated policies (tests/common/policy_gen.rs, deterministic mode: no CPU, random, clock
//! or kernel hash inputs) are compiled in-process for the simulator and loaded with
//! `rsteer load --pid` onto a 4-socket UDP test server; then datagrams with random payloads
//! go from fresh unconnected client sockets, and for each one, in order, the kernel's outcome
//! (the socket that replied, or no reply = dropped) must equal the simulator's for the same
//! packet, with map state carried from packet to packet. A mismatch prints the seed, the
//! policy, the packet, both outcomes and the simulator's trace. A disagreement is either a
//! simulator bug or a compiler bug the simulator models faithfully: read the trace.
//!
//! Without CAP_BPF the kernel half is skipped (with the reason printed) and the simulator
//! still runs every policy: any `SimError` is a compiler bug or a gap in the simulator.
//!
//! `RSTEER_DIFF_CASES=N` runs more policies (default 12); `RSTEER_DIFF_SEED=S` starts
//! elsewhere; `RSTEER_DIFF_POLICY=path.rs` runs one policy file instead (it must declare
//! `SOCKETS: SockArray<4>` and one `#[steer]` entry).

mod common;
#[path = "common/policy_gen.rs"]
mod policy_gen;

use common::*;
use policy_gen::{Gen, Mode, Rng};
use rsteer_codegen::object::MapSpec;
use rsteer_codegen::CompiledProgram;
use rsteer_lang::{CheckOptions, SourceDb};
use rsteer_sim::{Checksum, Delivery, Maps, RunOptions, SimPacket};
use std::fmt::Write as _;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

const SOCKETS: u32 = 4;
const DATAGRAMS: usize = 24;
/// How long a datagram the simulator delivers may take to be answered.
const REPLY_WAIT: Duration = Duration::from_millis(300);

/// Compiles `src` in-process, as `rsteer compile` does: the entry and the maps' shapes.
fn compile_for_sim(src: &str) -> Result<(CompiledProgram, Vec<MapSpec>), String> {
    let mut db = SourceDb::new();
    let main = db.add("policy.rs", src);
    let (program, diags) = rsteer_lang::check(&mut db, main, &CheckOptions::default());
    let program = match program {
        Some(p) if !diags.iter().any(|d| d.is_error()) => p,
        _ => return Err(format!("does not check: {diags:#?}")),
    };
    let compiled = rsteer_codegen::compile(&program, &db).map_err(|d| format!("does not compile: {d:#?}"))?;
    let prog = compiled.programs.into_iter().next().ok_or("no #[steer] entry")?;
    Ok((prog, rsteer_codegen::map_specs(&program)))
}

/// The packet as the kernel sees it on loopback: the UDP checksum field holds the
/// pseudo-header sum (`CHECKSUM_PARTIAL`), the IPv4 header has DF, TTL 64 and id 0.
fn sim_packet(client: SocketAddr, server: SocketAddr, payload: &[u8]) -> SimPacket {
    SimPacket { checksum: Checksum::LoopbackPartial, ..SimPacket::udp(client, server, payload) }
}

/// The same packet sent in two pieces (`send_udp`): only the UDP header and the first `split`
/// payload bytes are in the linear part.
fn sim_packet_split(client: SocketAddr, server: SocketAddr, payload: &[u8], split: Option<usize>) -> SimPacket {
    SimPacket { linear: split.map(|k| 8 + k.min(payload.len())), ..sim_packet(client, server, payload) }
}

/// Every third datagram is sent in two pieces, split at a random point, so that reads past
/// the split take the helper path while those before it read the linear part directly.
fn splits(seed: u64, payloads: &[Vec<u8>]) -> Vec<Option<usize>> {
    let mut rng = Rng(seed ^ 0x5b11_7000_0000_0003);
    payloads.iter().enumerate().map(|(j, p)| (j % 3 == 2).then(|| rng.below(p.len() as u64 + 1) as usize)).collect()
}

/// Random payloads, lengths 0..40 with short ones (0..4) a quarter of the time.
fn payloads(seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed ^ 0xd1ff_5eed_0000_0001);
    (0..n)
        .map(|_| {
            let len = if rng.chance(25) { rng.below(4) } else { rng.below(41) } as usize;
            (0..len).map(|_| rng.next() as u8).collect()
        })
        .collect()
}

fn show(d: Option<Delivery>) -> String {
    match d {
        None => "dropped (no reply)".into(),
        Some(Delivery::Dropped) => "dropped".into(),
        Some(Delivery::Socket(i)) => format!("socket {i}"),
        Some(Delivery::HashPick) => "passed without a selection (the kernel's hash pick)".into(),
    }
}

/// The simulator's and the kernel's outcome of one datagram, for a mismatch's line.
fn outcomes(sim: Delivery, kernel: Option<u32>) -> String {
    format!("simulator {}, kernel {}", show(Some(sim)), show(kernel.map(Delivery::Socket)))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// One datagram's expected and observed outcome.
struct Probe {
    client: UdpSocket,
    port: u16,
    payload: Vec<u8>,
    /// Where the datagram was split (`send_udp`), if it was.
    split: Option<usize>,
    sim: Delivery,
    /// The maps before this packet, to replay it with a trace.
    maps_before: Maps,
    kernel: Option<Option<u32>>,
}

fn agrees(sim: Delivery, kernel: Option<u32>) -> bool {
    match (sim, kernel) {
        (Delivery::Dropped, None) => true,
        (Delivery::Socket(i), Some(k)) => i == k,
        (Delivery::HashPick, Some(k)) => k < SOCKETS,
        _ => false,
    }
}

/// A hand-written policy compiled for the simulator, with its socket array filled, and
/// loaded onto a 4-socket UDP test server when the kernel can take it.
struct Rig {
    prog: CompiledProgram,
    maps: Maps,
    server: Option<Server>,
    /// The server's address (a stand-in for the simulator without a kernel).
    server_addr: SocketAddr,
    _tmp: TempDir,
}

impl Rig {
    /// `label` names the case when the kernel half is skipped; `tag` its scratch directory.
    fn new(label: &str, tag: &str, src: &str) -> Rig {
        let (prog, specs) = compile_for_sim(src).unwrap();
        let kernel = kernel_ready(&[]);
        if !kernel {
            eprintln!("{label}: running the simulator only");
        }
        let tmp = TempDir::new(tag);
        let server = kernel.then(|| Server::start("udp", SOCKETS));
        if let Some(s) = &server {
            let path = tmp.path().join(format!("{tag}.rs"));
            std::fs::write(&path, src).unwrap();
            let (code, out, err) = run(&["load", path.to_str().unwrap(), "--pid", &s.pid.to_string()]);
            assert_eq!(code, 0, "load failed:\n{out}{err}");
        }
        let server_addr =
            server.as_ref().map(Server::addr).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 40_000)));
        let mut maps = Maps::new(&specs);
        maps.fill_sockets("SOCKETS", SOCKETS).unwrap();
        Rig { prog, maps, server, server_addr, _tmp: tmp }
    }
}

/// Runs one policy through the simulator and, when `kernel`, through the real kernel;
/// returns a report of every disagreement (empty when they agree).
fn check_policy(label: &str, seed: u64, src: &str, kernel: bool, tmp: &TempDir) -> String {
    let (prog, specs) = match compile_for_sim(src) {
        Ok(x) => x,
        Err(e) => return format!("{label}: seed {seed:#x}: a well-typed policy {e}\n--- policy ---\n{src}\n"),
    };
    let mut maps = Maps::new(&specs);
    if let Err(e) = maps.fill_sockets("SOCKETS", SOCKETS) {
        return format!("{label}: the policy needs a SOCKETS map of {SOCKETS}: {e}\n{src}");
    }
    let server = if kernel {
        let server = Server::start("udp", SOCKETS);
        let path = tmp.path().join(format!("{label}.rs"));
        std::fs::write(&path, src).unwrap();
        let (code, out, err) = run(&["load", path.to_str().unwrap(), "--pid", &server.pid.to_string()]);
        if code != 0 {
            return format!("{label}: seed {seed:#x}: `rsteer load` failed:\n{out}{err}\n--- policy ---\n{src}\n");
        }
        Some(server)
    } else {
        None
    };
    let server_addr = server.as_ref().map(Server::addr).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 40_000)));

    let mut probes: Vec<Probe> = Vec::new();
    let mut report = String::new();
    let mut last_drop_sent = None;
    let all = payloads(seed, DATAGRAMS);
    let cuts = splits(seed, &all);
    for (j, (payload, split)) in all.into_iter().zip(cuts).enumerate() {
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = client.local_addr().unwrap().port();
        let pkt = sim_packet_split(SocketAddr::from(([127, 0, 0, 1], port)), server_addr, &payload, split);
        let maps_before = maps.clone();
        let sim = match rsteer_sim::run(&prog, &mut maps, &pkt) {
            Ok(o) => o.delivery(),
            Err(e) => {
                let _ = writeln!(
                    report,
                    "{label}: seed {seed:#x}: datagram {j} (from port {port}, payload [{}]): the simulator failed: {e}\n\
                     (a compiler bug, or a gap in the simulator)\n--- policy ---\n{src}\n--- asm ---\n{}",
                    hex(&payload),
                    prog.disasm()
                );
                return report;
            }
        };
        let kernel_seen = match (&server, sim) {
            (None, _) => None,
            // Expected drops are checked together at the end: no reply is a wait.
            (Some(s), Delivery::Dropped) => {
                send_udp(&client, s.addr(), &payload, split);
                last_drop_sent = Some(Instant::now());
                None
            }
            // An expected delivery may wait longer: a busy CI machine must not turn a slow
            // reply into a disagreement (an answer comes back at once when all is well).
            (Some(s), _) => Some(udp_probe_split(&client, s.addr(), &payload, split, Duration::from_secs(2))),
        };
        probes.push(Probe { client, port, payload, split, sim, maps_before, kernel: kernel_seen });
    }
    if server.is_some() {
        if let Some(t) = last_drop_sent {
            std::thread::sleep(REPLY_WAIT.saturating_sub(t.elapsed()));
        }
        for p in probes.iter_mut().filter(|p| p.kernel.is_none()) {
            p.client.set_nonblocking(true).unwrap();
            let mut buf = [0u8; 64];
            p.kernel = Some(match p.client.recv_from(&mut buf) {
                Ok((n, _)) => {
                    String::from_utf8_lossy(&buf[..n]).trim().strip_prefix("sock=").and_then(|v| v.parse().ok())
                }
                Err(_) => None,
            });
        }
    }
    let mut first = true;
    for (j, p) in probes.iter().enumerate() {
        let Some(k) = p.kernel else { continue };
        if agrees(p.sim, k) {
            continue;
        }
        if first {
            let _ = writeln!(
                report,
                "{label}: seed {seed:#x}: the simulator and the kernel disagree\n--- policy ---\n{src}"
            );
        }
        let _ = writeln!(
            report,
            "datagram {j}: 127.0.0.1:{} -> {server_addr}, payload ({} bytes{}) [{}]\n  simulator: {}\n  kernel:    {}",
            p.port,
            p.payload.len(),
            p.split.map(|k| format!(", linear part 8 + {k}")).unwrap_or_default(),
            hex(&p.payload),
            show(Some(p.sim)),
            show(k.map(Delivery::Socket))
        );
        if first {
            // The first disagreement's trace; later ones may follow from diverged map state.
            let mut maps = p.maps_before.clone();
            let pkt = sim_packet_split(SocketAddr::from(([127, 0, 0, 1], p.port)), server_addr, &p.payload, p.split);
            let opts = RunOptions { trace: true, ..Default::default() };
            if let Ok(o) = rsteer_sim::run_with(&prog, &mut maps, &pkt, &opts) {
                let _ = writeln!(report, "--- simulator trace of datagram {j} ---\n{}", o.trace.join("\n"));
            }
            first = false;
        }
    }
    report
}

#[test]
fn simulator_agrees_with_the_kernel_on_generated_policies() {
    let cases: u64 = std::env::var("RSTEER_DIFF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let seed0: u64 = std::env::var("RSTEER_DIFF_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0xd1ff);
    let kernel = kernel_ready(&[]);
    if !kernel {
        eprintln!("differential: running the simulator only");
    }
    let tmp = TempDir::new("diff");
    let started = Instant::now();
    let mut reports = Vec::new();
    if let Ok(path) = std::env::var("RSTEER_DIFF_POLICY") {
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        reports.push(check_policy("given", seed0, &src, kernel, &tmp));
    } else {
        for case in 0..cases {
            let seed = seed0.wrapping_add(case).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let src = Gen::new(seed, Mode::Deterministic).policy();
            reports.push(check_policy(&format!("case{case}"), seed, &src, kernel, &tmp));
        }
    }
    eprintln!("differential: {} policies in {:.1} s", reports.len(), started.elapsed().as_secs_f64());
    let failed: Vec<&String> = reports.iter().filter(|r| !r.is_empty()).collect();
    assert!(
        failed.is_empty(),
        "{} of {} policies disagree:\n\n{}",
        failed.len(),
        reports.len(),
        failed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n\n")
    );
}

/// A policy whose entry `route` (`body`) drops what it cannot read, over the 4 sockets
/// `SOCKETS` (`N` of them).
fn dropping_policy(body: &str) -> String {
    format!("\nconst N: u32 = 4;\n#[map]\nstatic SOCKETS: SockArray<N>;\n#[steer(fallback = Drop)]\nfn route(pkt: Packet) -> Verdict {{\n{body}}}\n")
}

/// The packet's bytes as the kernel's helpers see them: a policy exposes two bits of any IP
/// or UDP header byte through the selected socket (payload `[offset, shift, ...]`), and every
/// bit pair must match the simulator's packet model (DF, TTL, lengths, the UDP checksum field).
#[test]
fn header_bytes_match_the_kernel() {
    let src = &dropping_policy(
        r#"    let at = pkt.payload.u8(0)? as u32;
    let shift = pkt.payload.u8(1)?;
    let b = if at >= 100 { pkt.l4.u8(at - 100)? } else { pkt.net.u8(at)? };
    select(SOCKETS, ((b >> shift) & 3) as u32)
"#,
    );
    let Rig { prog, mut maps, server, server_addr, _tmp } = Rig::new("header bytes", "hdr", src);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = client.local_addr().unwrap().port();
    let mut mismatches = Vec::new();
    // Network offsets 0..28 (IPv4 + UDP headers), then L4 offsets 0..10 through `pkt.l4`;
    // payload lengths vary with the offset so that lengths and checksums vary too. The IPv4
    // id (bytes 4-5) is the kernel's choice, and the header checksum (10-11) with it.
    let offsets: Vec<u8> = (0..28).filter(|b| !matches!(b, 4 | 5 | 10 | 11)).chain(100..110).collect();
    for &at in &offsets {
        for shift in [0u8, 2, 4, 6] {
            let mut payload = vec![at, shift];
            payload.extend(std::iter::repeat_n(0x5a, (at as usize * 7 + shift as usize) % 13));
            let pkt = sim_packet(SocketAddr::from(([127, 0, 0, 1], port)), server_addr, &payload);
            let sim = rsteer_sim::run(&prog, &mut maps, &pkt).unwrap().delivery();
            if let Some(s) = &server {
                let got = udp_probe(&client, s.addr(), &payload, Duration::from_secs(1));
                if !agrees(sim, got) {
                    mismatches.push(format!(
                        "byte {at} bits {shift}..{}: {}; simulated header [{}]",
                        shift + 2,
                        outcomes(sim, got),
                        hex(&pkt.net_bytes()[..28])
                    ));
                }
            } else {
                assert!(matches!(sim, Delivery::Socket(_)), "byte {at}: {sim:?}");
            }
        }
    }
    assert!(mismatches.is_empty(), "the packet model differs from the kernel:\n{}", mismatches.join("\n"));
}

/// The simulator runs every generated policy, with every input the fuzz generator uses
/// (CPU, random, clocks, the kernel hash) on UDP, TCP, IPv6 and migration packets, without a
/// `SimError`: an error would be a program the verifier should have refused (a compiler bug)
/// or a gap in the simulator. No kernel needed.
#[test]
fn simulator_runs_every_generated_policy() {
    let cases: u64 = std::env::var("RSTEER_DIFF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12) * 4;
    let mut failures = Vec::new();
    for case in 0..cases {
        let seed = 0x5eedu64.wrapping_add(case).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mode = if case % 2 == 0 { Mode::Fuzz } else { Mode::Deterministic };
        let src = Gen::new(seed, mode).policy();
        let (prog, specs) = compile_for_sim(&src).unwrap_or_else(|e| panic!("seed {seed:#x}: {e}\n{src}"));
        let mut maps = Maps::new(&specs);
        maps.fill_sockets("SOCKETS", SOCKETS).unwrap();
        let mut rng = Rng(seed);
        for j in 0..12 {
            let payload: Vec<u8> = (0..rng.below(48)).map(|_| rng.next() as u8).collect();
            let (src_addr, dst_addr): (SocketAddr, SocketAddr) = if j % 4 == 1 {
                ("[2001:db8::5]:1234".parse().unwrap(), "[2001:db8::1]:443".parse().unwrap())
            } else {
                ("10.1.2.3:1234".parse().unwrap(), "10.1.2.4:443".parse().unwrap())
            };
            let base = match j {
                11 => SimPacket::migration(src_addr, dst_addr, rsteer_sim::socket_cookie(2)),
                _ if j % 3 == 2 => SimPacket::tcp(src_addr, dst_addr, &payload),
                _ => SimPacket::udp(src_addr, dst_addr, &payload),
            };
            let pkt = SimPacket {
                cpu: rng.below(rsteer_sim::DEFAULT_CPUS as u64) as u32,
                hash: rng.next() as u32,
                random: rng.next() as u32,
                now_ns: rng.next() >> 20,
                ..base
            };
            if let Err(e) = rsteer_sim::run(&prog, &mut maps, &pkt) {
                failures.push(format!("seed {seed:#x}, packet {j} ({pkt:?}): {e}\n--- policy ---\n{src}"));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "the simulator failed (compiler bug or simulator gap):\n{}", failures.join("\n\n"));
}

/// Reads inside and outside the linear part of the packet: datagrams sent whole and split
/// (`send_udp`) at every point reach the same socket in the kernel as in the simulator, and
/// the simulated run takes the helper path exactly when a read lies past the linear part.
#[test]
fn linear_and_paged_reads_match_the_kernel() {
    let src = &dropping_policy(
        r#"    let a = pkt.payload.u8(1)?;
    let b = pkt.payload.be16(6).unwrap_or(3);
    let c = pkt.l4.u8(12).unwrap_or(5);
    select(SOCKETS, ((a as u32) + (b as u32) + (c as u32) * 3 + (pkt.src_port as u32)) % N)
"#,
    );
    let Rig { prog, mut maps, server, server_addr, _tmp } = Rig::new("linear and paged reads", "linear", src);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = client.local_addr().unwrap().port();
    let mut mismatches = Vec::new();
    for len in [7usize, 12, 40] {
        for split in std::iter::once(None).chain((0..=len.min(14)).map(Some)) {
            let payload: Vec<u8> = (0..len).map(|i| (i * 37 + len + split.unwrap_or(99)) as u8).collect();
            let pkt = sim_packet_split(SocketAddr::from(([127, 0, 0, 1], port)), server_addr, &payload, split);
            let opts = RunOptions { trace: true, ..Default::default() };
            let out = rsteer_sim::run_with(&prog, &mut maps, &pkt, &opts).unwrap();
            // The payload reads cover payload bytes 0..8, the L4 ones L4 bytes 0..13 (payload
            // 0..5): the helper runs when the linear part (or the packet) ends before either.
            let paged = split.unwrap_or(len) < 8;
            let helper = out.trace.iter().any(|l| l.contains("skb_load_bytes"));
            assert_eq!(helper, paged, "payload of {len} bytes, split {split:?}: helper path taken: {helper}");
            let sim = out.delivery();
            if let Some(s) = &server {
                let got = udp_probe_split(&client, s.addr(), &payload, split, Duration::from_secs(1));
                if !agrees(sim, got) {
                    mismatches.push(format!(
                        "payload ({len} bytes) [{}] split {split:?}: {}",
                        hex(&payload),
                        outcomes(sim, got)
                    ));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "the simulator and the kernel disagree:\n{}", mismatches.join("\n"));
}

/// The simulator's `LpmTrie` against the kernel's trie: random prefixes inside 127.0.0.0/8
/// (lengths 16 to 32, many nested) are written to both, the kernel's through `rsteer map set`
/// as an operator would, and datagrams from random loopback sources (every 127.x.y.z is a
/// local address) must land where the simulator says: on the value of the longest prefix
/// that holds the source, or on socket 3 when none does.
#[test]
fn lpm_trie_matches_the_kernel() {
    let src = r#"
#[map]
static SOCKETS: SockArray<4>;
#[map]
static NETS: LpmTrie<u32, u32, 64>;
#[steer]
fn route(pkt: Packet) -> Verdict {
    select(SOCKETS, NETS.get(pkt.src_ip4).unwrap_or(3))
}
"#;
    let Rig { prog, mut maps, server, server_addr, _tmp } = Rig::new("lpm trie", "lpm", src);
    let mut rng = Rng(0x1b_7a1e);
    // Few second and third octets, so that prefixes nest and sources share them; sources
    // under 127.3/16 are in no prefix.
    let source = |rng: &mut Rng, seconds: u64| -> [u8; 4] {
        let r = rng.next();
        [127, (r % seconds) as u8, ((r >> 8) % 4) as u8, 1 + ((r >> 16) % 254) as u8]
    };
    let mut prefixes = Vec::new();
    for i in 0..24 {
        let addr = source(&mut rng, 3);
        let len = 16 + (rng.next() % 17) as u32;
        let value = (i % 3) as u32;
        let text = format!("{}/{len}", std::net::Ipv4Addr::from(addr));
        let mut key = len.to_le_bytes().to_vec();
        key.extend_from_slice(&addr);
        maps.insert("NETS", &key, &value.to_le_bytes()).unwrap();
        if let Some(s) = &server {
            let (code, out, err) = run(&["map", "--pid", &s.pid.to_string(), "set", "NETS", &text, &value.to_string()]);
            assert_eq!(code, 0, "rsteer map set NETS {text} {value}:\n{out}{err}");
        }
        prefixes.push(format!("{text} -> {value}"));
    }
    let mut mismatches = Vec::new();
    let mut hits = [0u32; 4];
    for _ in 0..96 {
        let from = std::net::Ipv4Addr::from(source(&mut rng, 4));
        let client = UdpSocket::bind((from, 0)).unwrap();
        let port = client.local_addr().unwrap().port();
        let pkt = sim_packet(SocketAddr::from((from, port)), server_addr, b"lpm");
        let sim = rsteer_sim::run(&prog, &mut maps, &pkt).unwrap().delivery();
        if let Delivery::Socket(i) = sim {
            hits[i as usize] += 1;
        }
        if let Some(s) = &server {
            let got = udp_probe(&client, s.addr(), b"lpm", Duration::from_secs(1));
            if !agrees(sim, got) {
                mismatches.push(format!("from {from}: {}", outcomes(sim, got)));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "the simulator's LpmTrie disagrees with the kernel's:\n{}\n--- prefixes ---\n{}",
        mismatches.join("\n"),
        prefixes.join("\n")
    );
    // The case is worth running only if every outcome occurs.
    assert!(hits.iter().all(|h| *h > 0), "outcomes per socket {hits:?}: the prefixes do not exercise the trie");
}
