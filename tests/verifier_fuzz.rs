//! Property test: "`check` passes ⇒ the kernel loads it". Policies are generated from a
//! seeded random walk over the core language (types, operators, `if`, `match`, `for`,
//! `let mut`, compound assignment, packet fields and reads, maps, helper functions;
//! tests/common/policy_gen.rs), and every few cases one of the hostile shapes (long matches,
//! loops with branches, `if`s building a map key, call chains; `policy_gen::hostile`) at a
//! random size. Each policy either is refused by `check` with a resource limit (`E08xx`, and
//! then `compile` refuses it too), or checks, compiles, and loads in the real verifier; a
//! rejection prints the policy, the seed and the verifier's log tail. The counts are printed.
//!
//! `RSTEER_FUZZ_CASES=N` runs more cases (default 24; the longer run is
//! `RSTEER_FUZZ_CASES=2000 cargo test --test verifier_fuzz -- --nocapture`);
//! `RSTEER_FUZZ_SEED=S` starts elsewhere.

mod common;
#[path = "common/policy_gen.rs"]
mod policy_gen;

use common::*;
use policy_gen::{hostile, Gen, Mode, Rng};

/// One of the hostile shapes at a size picked by `rng`.
fn hostile_policy(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => {
            let n = 1 + rng.below(3000) as u32;
            if rng.chance(50) {
                hostile::match_arms(n, |i| format!("{}", i % 4))
            } else {
                hostile::match_arms(n, |i| format!("{i} * pkt.len"))
            }
        }
        1 => {
            let rounds = 1 + rng.below(2000) as u32;
            hostile::loop_with_branch(rounds, if rng.chance(50) { "s += 1;" } else { "s = s + 1;" })
        }
        2 => {
            let n = 1 + rng.below(16) as u32;
            let branchy = rng.chance(50);
            hostile::key_bits(n, |b| if branchy { format!("key = key | {b};") } else { format!("key |= {b};") })
        }
        3 => hostile::exponential_inlining(1 + rng.below(24) as u32),
        _ => hostile::if_chain(1 + rng.below(10_000) as u32),
    }
}

#[test]
fn generated_policies_pass_the_verifier() {
    let cases: u64 = std::env::var("RSTEER_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    let seed0: u64 = std::env::var("RSTEER_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed);
    let kernel = kernel_ready(&["bpftool"]);
    let tmp = TempDir::new("fuzz");
    let (mut loaded, mut refused, mut compiled) = (0u64, 0u64, 0u64);
    for case in 0..cases {
        let seed = seed0.wrapping_add(case).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let src = if case % 4 == 3 { hostile_policy(&mut Rng(seed)) } else { Gen::new(seed, Mode::Fuzz).policy() };
        let path = tmp.path().join(format!("case{case}.rs"));
        std::fs::write(&path, &src).unwrap();
        let obj = tmp.path().join(format!("case{case}.o"));
        let (check, _, check_err) = run(&["check", path.to_str().unwrap()]);
        let (code, _, err) = run(&["compile", path.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
        if check != 0 {
            // Only a resource limit may refuse a well-typed policy, and then compile agrees.
            assert!(
                check_err.contains("error[E08"),
                "seed {seed:#x}: check refused it:\n{check_err}\n--- policy ---\n{src}"
            );
            assert_ne!(code, 0, "seed {seed:#x}: check refused it but compile did not:\n{check_err}");
            refused += 1;
            continue;
        }
        assert_eq!(code, 0, "seed {seed:#x}: check accepted it but compile did not:\n{err}\n--- policy ---\n{src}");
        compiled += 1;
        if !kernel {
            continue;
        }
        let pin = Pin::new("fuzz");
        let (ok, log) = sh(&format!("bpftool -d prog load {} {} 2>&1 | tail -40", obj.display(), pin.0.display()));
        let ok = ok && pin.0.exists();
        assert!(ok, "seed {seed:#x}: check accepted it but the verifier rejected it (a compiler bug)\n{log}\n--- policy ---\n{src}");
        loaded += 1;
    }
    println!(
        "{cases} policies: {refused} refused by check (E08xx), {compiled} compiled, {loaded} loaded by the kernel"
    );
}
