//! Compile time grows linearly with the policy: for each generated shape (straight-line
//! statements, match arms, functions, entries, constants; tests/common/policy_gen.rs
//! `hostile`), each pass runs on an input and on one ten times larger, and its CPU time (the
//! thread's, from /proc/thread-self/schedstat, best of three) may grow at most
//! [`MAX_RATIO`] times: a linear pass grows about 10x, a quadratic one 100x. Passes whose
//! larger run takes under [`MIN_NS`] are too fast to time and only reported. The figures are
//! printed (`cargo test --test growth -- --nocapture`); bench/growth.md has release-build
//! figures. The IR verifier, which debug builds run after every pass, is not timed here.

#[path = "common/policy_gen.rs"]
mod policy_gen;

use policy_gen::hostile;
use rsteer::build::{check_policy, BuildOptions, PolicySource};

/// The most a pass's time may grow for ten times the input (10 is linear; the slack covers a
/// loaded machine and n log n).
const MAX_RATIO: f64 = 25.0;
/// Larger runs faster than this (or smaller runs faster than a fifth of it: the clock counts
/// in scheduler ticks) are reported, not judged.
const MIN_NS: u64 = 20_000_000;

fn thread_cpu_ns() -> u64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    s.split_whitespace().next().and_then(|v| v.parse().ok()).expect("schedstat: CPU time in ns")
}

/// CPU time of each pass on `src`: (pass name, ns), best of three runs.
fn pass_times(src: &str) -> Vec<(String, u64)> {
    let mut best: Vec<(String, u64)> = Vec::new();
    for _ in 0..3 {
        let mut times: Vec<(String, u64)> = Vec::new();
        let time = |name: &str, t0: u64, times: &mut Vec<(String, u64)>| {
            let now = thread_cpu_ns();
            match times.iter_mut().find(|(n, _)| n == name) {
                Some((_, t)) => *t += now - t0,
                None => times.push((name.to_string(), now - t0)),
            }
        };
        let t0 = thread_cpu_ns();
        let checked = check_policy(&PolicySource::text("growth.rs", src), &BuildOptions::default()).expect("checks");
        time("front end (parse, items, types)", t0, &mut times);
        let prog = &checked.program;
        for &entry in &prog.entries {
            let t0 = thread_cpu_ns();
            let mut f = rsteer_codegen::lower_entry(prog, entry).expect("lowers");
            time("lower", t0, &mut times);
            for _round in 0..2 {
                for (name, pass) in rsteer_codegen::opt::PASSES {
                    let t0 = thread_cpu_ns();
                    pass(&mut f);
                    time(&format!("opt::{name}"), t0, &mut times);
                }
            }
            let t0 = thread_cpu_ns();
            rsteer_codegen::emit::emit(&f).expect("emits");
            time("emit (regalloc, slots, cost, encoding)", t0, &mut times);
        }
        let t0 = thread_cpu_ns();
        rsteer_codegen::compile(prog, &checked.db).expect("compiles");
        time("whole back end (with the debug IR verifier)", t0, &mut times);
        if best.is_empty() {
            best = times;
        } else {
            for ((_, b), (_, t)) in best.iter_mut().zip(times) {
                *b = (*b).min(t);
            }
        }
    }
    best
}

fn grows_linearly(shape: &str, small: u32, gen: impl Fn(u32) -> String) {
    let a = pass_times(&gen(small));
    let b = pass_times(&gen(small * 10));
    let mut bad = Vec::new();
    println!("{shape}: {small} -> {}", small * 10);
    for ((name, ta), (_, tb)) in a.iter().zip(&b) {
        let ratio = *tb as f64 / (*ta).max(1) as f64;
        // The debug-only IR verifier is reported, not judged (release builds do not run it).
        let judged = *ta >= MIN_NS / 5 && *tb >= MIN_NS && !name.contains("debug");
        println!(
            "  {name:48} {:>9.2} ms -> {:>9.2} ms  x{ratio:.1}{}",
            *ta as f64 / 1e6,
            *tb as f64 / 1e6,
            if judged { "" } else { "  (not judged)" }
        );
        if judged && ratio > MAX_RATIO {
            bad.push(format!("{name}: x{ratio:.1}"));
        }
    }
    assert!(bad.is_empty(), "{shape}: ten times the input took more than {MAX_RATIO}x the time: {bad:?}");
}

#[test]
fn straight_line_statements() {
    grows_linearly("straight-line statements", 300, hostile::straight);
}

#[test]
fn match_arms() {
    grows_linearly("match arms", 300, |n| hostile::match_arms(n, |i| format!("{i} * pkt.len")));
}

#[test]
fn functions() {
    grows_linearly("functions", 500, hostile::functions);
}

#[test]
fn entries() {
    grows_linearly("entries", 60, hostile::entries);
}

#[test]
fn constants() {
    grows_linearly("constants", 500, hostile::constants);
}
