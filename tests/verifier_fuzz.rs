//! Property test: every well-typed policy compiles, and the kernel verifier accepts every
//! object the compiler emits. Policies are generated from a seeded random walk over the
//! core language (types, operators, `if`, `match`, `for`, `let mut`, compound assignment,
//! packet fields and reads, maps, helper functions; tests/common/policy_gen.rs); a rejection
//! prints the policy, the seed and the verifier's log tail.
//!
//! `RSTEER_FUZZ_CASES=N` runs more cases (default 24); `RSTEER_FUZZ_SEED=S` starts elsewhere.

mod common;
#[path = "common/policy_gen.rs"]
mod policy_gen;

use common::*;
use policy_gen::{Gen, Mode};

#[test]
fn generated_policies_pass_the_verifier() {
    let cases: u64 = std::env::var("RSTEER_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    let seed0: u64 = std::env::var("RSTEER_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed);
    let kernel = kernel_ready(&["bpftool"]);
    let tmp = TempDir::new("fuzz");
    for case in 0..cases {
        let seed = seed0.wrapping_add(case).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut g = Gen::new(seed, Mode::Fuzz);
        let src = g.policy();
        let path = tmp.path().join(format!("case{case}.rs"));
        std::fs::write(&path, &src).unwrap();
        let obj = tmp.path().join(format!("case{case}.o"));
        let (code, _, err) = run(&["compile", path.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
        assert_eq!(code, 0, "seed {seed:#x}: a well-typed policy did not compile:\n{err}\n--- policy ---\n{src}");
        if !kernel {
            continue;
        }
        let pin = Pin::new("fuzz");
        let (ok, log) = sh(&format!("bpftool -d prog load {} {} 2>&1 | tail -40", obj.display(), pin.0.display()));
        let loaded = ok && pin.0.exists();
        assert!(
            loaded,
            "seed {seed:#x}: the verifier rejected the object (a compiler bug)\n{log}\n--- policy ---\n{src}"
        );
    }
}
