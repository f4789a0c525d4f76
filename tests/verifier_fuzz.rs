//! Robustness property tests: whatever the input, `check` and `compile` answer (no panic, no
//! hang: each case runs under a timeout), and every object that compiles passes the real
//! kernel verifier (loaded with the loader, every program, not attached). Three kinds of input,
//! each for a bounded time:
//!
//! - **arbitrary bytes**: random bytes, and random soups of the language's tokens;
//! - **token mutations of every valid program**: `examples/`, `tests/data/ok/`,
//!   `lang/tests/ok/`, `sim/tests/policies/` and the standard library, each token deleted,
//!   duplicated, swapped with its neighbour, replaced or preceded by another;
//! - **generated well-typed programs** (a seeded random walk over the core language:
//!   tests/common/policy_gen.rs), which must also compile;
//! - **hostile shapes** at random sizes (long matches, loops with branches, `if`s building a
//!   map key, call chains, `==` chains: `policy_gen::hostile`), each refused by `check` with
//!   a resource limit (`E08xx`) or compiled and loaded: "`check` passes ⇒ the kernel loads it".
//!
//! The three run in parallel, each for its share (15%, 50%, 35%) of `RSTEER_FUZZ_SECONDS`
//! (default 45, so about 25 seconds of wall time in CI); `RSTEER_FUZZ_SECONDS=600 cargo test
//! --test verifier_fuzz` runs longer; every run prints its counts;
//! `RSTEER_FUZZ_SEED=S` starts elsewhere. A failure prints the seed and the input.

mod common;
#[path = "common/policy_gen.rs"]
mod policy_gen;

use common::*;
use policy_gen::{hostile, Gen, Mode, Rng};
use rsteer::build::{compile_policy, BuildOptions, PolicySource};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long one case may take before it counts as a hang. Generous: the tests run in a debug
/// build, and a hostile shape took 19.9 s for four cases on a loaded 2-core machine; a real hang
/// (a loop in a pass) never answers at all.
const CASE_TIMEOUT: Duration = Duration::from_secs(90);

/// The whole run's seconds (`RSTEER_FUZZ_SECONDS`, default 45), split between the kinds.
fn seconds(share_percent: u64) -> Duration {
    let total: u64 = std::env::var("RSTEER_FUZZ_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(45);
    Duration::from_millis(total * 10 * share_percent)
}

fn seed() -> u64 {
    std::env::var("RSTEER_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed)
}

/// What the compiler made of one input.
enum Answer {
    /// Refused with diagnostics.
    Refused,
    /// An object.
    Compiled(Vec<u8>),
}

/// Checks and compiles `src` on a thread of its own, under [`CASE_TIMEOUT`]. `Err` is a panic,
/// a hang or an error diagnostic without a location, with what it was.
fn compile_guarded(name: &str, src: &str) -> Result<Answer, String> {
    let (tx, rx) = mpsc::channel();
    let (name, src) = (name.to_string(), src.to_string());
    let worker = std::thread::Builder::new()
        .name(format!("case {name}"))
        .stack_size(8 << 20)
        .spawn(move || {
            let answer = match compile_policy(&PolicySource::text(name, src), &BuildOptions::default()) {
                Ok(built) => Ok(Answer::Compiled(built.object().to_vec())),
                Err(failed) => {
                    let unlocated = failed.diagnostics.iter().find(|d| d.is_error() && d.primary_span().is_none());
                    match unlocated {
                        Some(d) => Err(format!("an error without a location: {}: {}", d.code, d.message)),
                        None => Ok(Answer::Refused),
                    }
                }
            };
            let _ = tx.send(answer);
        })
        .expect("a thread");
    match rx.recv_timeout(CASE_TIMEOUT) {
        Ok(answer) => {
            let _ = worker.join();
            answer
        }
        // The sender went away without sending: the worker panicked.
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(match worker.join() {
            Err(panic) => format!(
                "a panic: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ),
            Ok(()) => "no answer".into(),
        }),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("no answer within {CASE_TIMEOUT:?} (a hang)")),
    }
}

/// What the runs of one kind counted.
#[derive(Default)]
struct Counts {
    cases: u64,
    compiled: u64,
    loaded: u64,
}

impl Counts {
    /// Counts one answer; an object is loaded into the kernel when `kernel` (every program
    /// through the verifier). `Err` describes a rejection.
    fn answer(&mut self, answer: Answer, kernel: bool) -> Result<(), String> {
        self.cases += 1;
        let Answer::Compiled(object) = answer else { return Ok(()) };
        self.compiled += 1;
        if kernel {
            rsteer_loader::verify(&object)
                .map_err(|e| format!("the kernel verifier rejected the object (a compiler bug): {e}"))?;
            self.loaded += 1;
        }
        Ok(())
    }

    /// Prints the counts on standard error directly, so that they show in every run (libtest
    /// captures only `print!` and `eprint!`).
    fn report(&self, what: &str, took: Duration) {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "ran {} {what} in {:.1} s: {} compiled, {} loaded by the kernel verifier",
            self.cases,
            took.as_secs_f64(),
            self.compiled,
            self.loaded
        );
    }
}

// ----- arbitrary bytes ---------------------------------------------------------------------

/// Tokens of the language, and hostile ones, for soups and mutations.
const HOSTILE: [&str; 24] = [
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    ",",
    "?",
    "#[test]",
    "#[steer]",
    "#[map]",
    "let",
    "fn",
    "for",
    "match",
    "..",
    "18446744073709551615",
    "18446744073709551616",
    "0x",
    "b\"\\x",
    "\"",
    "/*",
    "'",
];

#[test]
fn arbitrary_bytes_get_an_answer() {
    let kernel = kernel_ready(&[]);
    let mut rng = Rng(seed() | 1);
    let vocabulary = corpus_tokens();
    let (start, budget) = (Instant::now(), seconds(15));
    let mut counts = Counts::default();
    while start.elapsed() < budget {
        let len = rng.below(300) as usize;
        let src: String = if rng.chance(50) {
            // Raw bytes, as text (invalid UTF-8 never reaches the checker: the file reader
            // refuses it), mostly printable.
            (0..len)
                .map(
                    |_| {
                        if rng.chance(80) {
                            (0x20 + rng.below(0x5f)) as u8 as char
                        } else {
                            rng.below(256) as u8 as char
                        }
                    },
                )
                .collect()
        } else {
            (0..len / 3)
                .map(|_| if rng.chance(20) { rng.pick(&HOSTILE).to_string() } else { rng.pick(&vocabulary).clone() })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let answer = compile_guarded("bytes.rs", &src).unwrap_or_else(|e| panic!("{e}\n--- input ---\n{src:?}"));
        counts.answer(answer, kernel).unwrap_or_else(|e| panic!("{e}\n--- input ---\n{src}"));
    }
    counts.report("arbitrary inputs", start.elapsed());
    assert!(counts.cases > 0);
}

// ----- token mutations ---------------------------------------------------------------------

/// A source cut into tokens, each with the whitespace and comments before it, so that a
/// mutant keeps the original's lines.
fn tokens(src: &str) -> Vec<(String, String)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut space = String::new();
    const PAIRS: [&str; 18] =
        ["::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "+=", "-=", "*=", "/=", "..", "#[", "//"];
    while i < b.len() {
        let c = b[i] as char;
        let start = i;
        if c.is_whitespace() {
            i += 1;
            space.push_str(&src[start..i]);
            continue;
        }
        if src[i..].starts_with("//") {
            let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
            space.push_str(&src[i..end]);
            i = end;
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            while i < b.len() && ((b[i] as char).is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            // A byte string `b"..."` is one token.
            if &src[start..i] == "b" && i < b.len() && b[i] == b'"' {
                i = string_end(b, i);
            }
        } else if c == '"' {
            i = string_end(b, i);
        } else if PAIRS.iter().any(|p| src[i..].starts_with(p)) {
            i += 2;
        } else {
            i += c.len_utf8();
        }
        out.push((std::mem::take(&mut space), src[start..i].to_string()));
    }
    out.push((space, String::new()));
    out
}

/// The end of the string literal whose quote is at `i`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    (i + 1).min(b.len())
}

fn join(tokens: &[(String, String)]) -> String {
    tokens.iter().map(|(s, t)| format!("{s}{t}")).collect()
}

/// Every valid program the project has, by path.
fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/data/ok", "lang/tests/ok", "sim/tests/policies", "stdlib"] {
        let mut paths: Vec<_> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        paths.sort();
        for p in paths {
            let name = Path::new(dir).join(p.file_name().unwrap()).display().to_string();
            out.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    out
}

fn corpus_tokens() -> Vec<String> {
    let mut all: Vec<String> = corpus()
        .iter()
        .flat_map(|(_, src)| tokens(src).into_iter().map(|(_, t)| t))
        .filter(|t| !t.is_empty())
        .collect();
    all.sort();
    all.dedup();
    all
}

/// Binary operators, which may stand for one another.
const OPERATORS: [&str; 18] =
    ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<", "<=", ">", ">=", "&&", "||"];

/// A token's class: 0 a number, 1 an operator, 2 a name, 3 anything else.
fn class(token: &str) -> u8 {
    match token.chars().next() {
        Some(c) if c.is_ascii_digit() => 0,
        _ if OPERATORS.contains(&token) => 1,
        Some(c) if c.is_alphabetic() || c == '_' => 2,
        _ => 3,
    }
}

/// One mutation of `toks` (not the end marker): which, and the mutant.
fn mutate(rng: &mut Rng, toks: &[(String, String)], vocabulary: &[String]) -> (String, Vec<(String, String)>) {
    let mut t = toks.to_vec();
    let n = t.len() - 1;
    let i = rng.below(n as u64) as usize;
    let replacement = if rng.chance(15) { rng.pick(&HOSTILE).to_string() } else { rng.pick(vocabulary).clone() };
    let what = match rng.below(7) {
        // Mostly well-formed: a number for a number, an operator for an operator, a name for a
        // name (the mutants most likely to compile, and so to reach the verifier).
        5 | 6 => {
            let want = class(&t[i].1);
            let same: Vec<&String> = vocabulary.iter().filter(|v| class(v) == want).collect();
            let new = if same.is_empty() { replacement.clone() } else { (*rng.pick(&same)).clone() };
            let was = std::mem::replace(&mut t[i].1, new.clone());
            format!("replaced token {i} `{was}` with `{new}`")
        }
        0 => {
            let (space, tok) = t.remove(i);
            t[i].0.insert_str(0, &space);
            format!("deleted token {i} `{tok}`")
        }
        1 => {
            let dup = t[i].clone();
            t.insert(i, dup);
            format!("duplicated token {i} `{}`", t[i].1)
        }
        2 if i + 1 < n => {
            let (a, b) = (t[i].1.clone(), t[i + 1].1.clone());
            t[i].1 = b;
            t[i + 1].1 = a;
            format!("swapped tokens {i} and {}", i + 1)
        }
        3 => {
            let was = std::mem::replace(&mut t[i].1, replacement.clone());
            format!("replaced token {i} `{was}` with `{replacement}`")
        }
        _ => {
            t.insert(i, (" ".into(), replacement.clone()));
            format!("inserted `{replacement}` before token {i}")
        }
    };
    (what, t)
}

#[test]
fn token_mutations_of_every_valid_program_get_an_answer() {
    let kernel = kernel_ready(&[]);
    let programs: Vec<(String, Vec<(String, String)>)> =
        corpus().into_iter().map(|(name, src)| (name, tokens(&src))).collect();
    assert!(programs.len() >= 30, "only {} programs", programs.len());
    for (name, toks) in &programs {
        assert!(toks.len() > 1, "{name} has no tokens");
    }
    let vocabulary = corpus_tokens();
    let mut rng = Rng(seed().wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (start, budget) = (Instant::now(), seconds(50));
    let mut counts = Counts::default();
    // Round after round over every program until the time is up, and at least one round.
    'rounds: for round in 0.. {
        for (name, toks) in &programs {
            if round > 0 && start.elapsed() >= budget {
                break 'rounds;
            }
            let (what, mutant) = mutate(&mut rng, toks, &vocabulary);
            let src = join(&mutant);
            let fail = |e: String| -> ! { panic!("{name}, {what}: {e}\n--- mutant ---\n{src}") };
            let answer = compile_guarded(name, &src).unwrap_or_else(|e| fail(e));
            counts.answer(answer, kernel).unwrap_or_else(|e| fail(e));
        }
    }
    counts.report(&format!("mutations of {} programs", programs.len()), start.elapsed());
    assert!(counts.cases >= programs.len() as u64);
}

#[test]
fn tokens_rejoin_to_the_source() {
    for (name, src) in corpus() {
        assert_eq!(join(&tokens(&src)), src, "{name}");
    }
}

// ----- generated well-typed programs -------------------------------------------------------

#[test]
fn generated_policies_compile_and_pass_the_verifier() {
    let kernel = kernel_ready(&[]);
    let (start, budget) = (Instant::now(), seconds(35));
    let mut counts = Counts::default();
    let seed0 = seed();
    let mut case = 0u64;
    while start.elapsed() < budget || case < 8 {
        let seed = seed0.wrapping_add(case).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        case += 1;
        let src = Gen::new(seed, Mode::Fuzz).policy();
        let fail = |e: String| -> ! { panic!("seed {seed:#x}: {e}\n--- policy ---\n{src}") };
        match compile_guarded("generated.rs", &src).unwrap_or_else(|e| fail(e)) {
            Answer::Refused => {
                let diags = compile_policy(&PolicySource::text("generated.rs", src.clone()), &BuildOptions::default())
                    .err()
                    .map(|f| f.render_plain())
                    .unwrap_or_default();
                fail(format!("a well-typed policy did not compile:\n{diags}"))
            }
            answer => counts.answer(answer, kernel).unwrap_or_else(|e| fail(e)),
        }
    }
    counts.report("generated programs", start.elapsed());
}

// ----- hostile shapes ----------------------------------------------------------------------

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
fn hostile_shapes_are_refused_at_the_source_or_load() {
    let kernel = kernel_ready(&[]);
    let (start, budget) = (Instant::now(), seconds(15));
    let mut counts = Counts::default();
    let mut refused = 0u64;
    let seed0 = seed();
    let mut case = 0u64;
    while start.elapsed() < budget || case < 4 {
        let seed = seed0.wrapping_add(case).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        case += 1;
        let src = hostile_policy(&mut Rng(seed));
        let fail = |e: String| -> ! { panic!("seed {seed:#x}: {e}\n--- policy ---\n{src}") };
        match compile_guarded("hostile.rs", &src).unwrap_or_else(|e| fail(e)) {
            Answer::Refused => {
                let diags = compile_policy(&PolicySource::text("hostile.rs", src.clone()), &BuildOptions::default())
                    .err()
                    .map(|f| f.diagnostics)
                    .unwrap_or_default();
                if let Some(d) = diags.iter().find(|d| d.is_error() && !d.code.starts_with("E08")) {
                    fail(format!("refused with {} ({}), not a resource limit", d.code, d.message))
                }
                refused += 1;
                counts.cases += 1;
            }
            answer => counts.answer(answer, kernel).unwrap_or_else(|e| fail(e)),
        }
    }
    println!("hostile shapes: {refused} refused at the source with a resource limit");
    counts.report("hostile shapes", start.elapsed());
}
