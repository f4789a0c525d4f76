//! Miscompilation test: the compiled program against the language's reference semantics.
//!
//! For generated policies (tests/common/policy_gen.rs, deterministic mode) and random
//! packets (UDP and TCP, IPv4 and IPv6, short and long payloads), the entry is evaluated
//! twice with the same map state: from its source, by the HIR interpreter
//! (`rsteer_sim::harness::reference_run`), and as compiled BPF in the simulator. The kernel
//! runs the same bytecode as the simulator (tests/differential.rs checks that), so any
//! disagreement here is a compiler bug — one that no verifier or kernel test could see.
//!
//! `RSTEER_REF_CASES=N` runs more policies (default 40); `RSTEER_REF_SEED=S` starts elsewhere.

#[path = "common/policy_gen.rs"]
mod policy_gen;

use policy_gen::{Gen, Mode, Rng};
use rsteer_lang::{CheckOptions, SourceDb};
use rsteer_sim::harness::reference_run;
use rsteer_sim::{Maps, SimPacket};
use std::net::SocketAddr;

fn packet(rng: &mut Rng) -> SimPacket {
    let len = if rng.chance(25) { rng.below(4) } else { rng.below(40) } as usize;
    let payload: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
    let port = 1024 + rng.below(60000) as u16;
    let (src, dst): (SocketAddr, SocketAddr) = if rng.chance(20) {
        (format!("[2001:db8::7]:{port}").parse().unwrap(), "[2001:db8::1]:443".parse().unwrap())
    } else {
        (format!("10.0.{}.7:{port}", rng.below(256)).parse().unwrap(), "127.0.0.1:4433".parse().unwrap())
    };
    if rng.chance(15) {
        SimPacket::tcp(src, dst, &payload)
    } else {
        SimPacket::udp(src, dst, &payload)
    }
}

#[test]
fn compiled_programs_agree_with_the_source() {
    let cases: u64 = std::env::var("RSTEER_REF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let seed0: u64 = std::env::var("RSTEER_REF_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x2ef);
    // How the runs ended: dropped, passed to a selected socket, passed without a selection.
    let mut tally = [0u32; 3];
    for case in 0..cases {
        let seed = seed0.wrapping_add(case).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let src = Gen::new(seed, Mode::Deterministic).policy();
        let mut db = SourceDb::new();
        let main = db.add("policy.rs", src.clone());
        let (program, diags) = rsteer_lang::check(&mut db, main, &CheckOptions::default());
        let program = program.unwrap_or_else(|| panic!("seed {seed:#x} does not check: {diags:?}\n{src}"));
        let compiled = rsteer_codegen::compile(&program, &db).unwrap_or_else(|d| panic!("seed {seed:#x}: {d:?}"));
        let specs = rsteer_codegen::map_specs(&program);
        let entry = program.entries[0];
        // Two copies of the same map state, one per evaluation, kept in step.
        let mut by_source = Maps::new(&specs);
        let mut by_bytecode = Maps::new(&specs);
        by_source.fill_sockets("SOCKETS", 4).unwrap();
        by_bytecode.fill_sockets("SOCKETS", 4).unwrap();
        let mut rng = Rng(seed ^ 0x5eed);
        for n in 0..24 {
            let pkt = packet(&mut rng);
            let reference = reference_run(&program, entry, &mut by_source, &pkt)
                .unwrap_or_else(|e| panic!("seed {seed:#x}, packet {n}: the reference failed: {e}\n{src}"));
            let run = rsteer_sim::run(&compiled.programs[0], &mut by_bytecode, &pkt)
                .unwrap_or_else(|e| panic!("seed {seed:#x}, packet {n}: the simulator stopped: {e}\n{src}"));
            let want = (reference.0, reference.1.as_ref().map(|s| s.socket.index));
            let got = (run.verdict, run.selected.as_ref().map(|s| s.socket.index));
            tally[match run.delivery() {
                rsteer_sim::Delivery::Dropped => 0,
                rsteer_sim::Delivery::Socket(_) => 1,
                rsteer_sim::Delivery::HashPick => 2,
            }] += 1;
            assert_eq!(
                got,
                want,
                "seed {seed:#x}, packet {n} ({pkt:?}): compiled (verdict, selected socket) differs from the source\n\
                 --- policy ---\n{src}\n--- asm ---\n{}",
                compiled.programs[0].disasm()
            );
        }
    }
    eprintln!("{cases} policies: {} dropped, {} selected, {} hash picks", tally[0], tally[1], tally[2]);
    assert!(tally[1] > 0 && (tally[0] + tally[2]) > 0, "the generated runs no longer cover both outcomes: {tally:?}");
}
