//! "`check` passes ⇒ the kernel loads it" on the shapes that used to break it: each hostile
//! program is either refused by `check` (exit 1, the code, the figure and the kernel's limit at
//! the source) or checks, compiles and loads in the real verifier. Generators in
//! tests/common/policy_gen.rs (`hostile`).

#[macro_use]
mod common;
#[path = "common/policy_gen.rs"]
mod policy_gen;

use common::*;
use policy_gen::hostile;
use std::time::Instant;

/// `check` accepts `src`, and the kernel's verifier loads what `compile` makes of it.
fn loads(name: &str, src: &str) {
    loads_as(name, src, true)
}

/// As [`loads`]; without `check_first` only `compile` runs (it checks first itself, and runs
/// the same code generation `check` does), for inputs too large to compile twice in a debug
/// build.
fn loads_as(name: &str, src: &str, check_first: bool) {
    let tmp = TempDir::new("limits");
    let path = tmp.path().join(format!("{name}.rs"));
    std::fs::write(&path, src).unwrap();
    if check_first {
        let (code, _, err) = run(&["check", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{name}: check refused it:\n{err}");
    }
    let obj = tmp.path().join(format!("{name}.o"));
    let (code, _, err) = run(&["compile", path.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
    assert_eq!(code, 0, "{name}: check accepted it but compile did not:\n{err}");
    require_kernel!("bpftool");
    let pin = Pin::new("limits");
    let (ok, log) = sh(&format!(
        "bpftool -d prog load {} {} 2>&1 | grep -E 'processed|too large|too complex|error' | tail -3",
        obj.display(),
        pin.0.display()
    ));
    assert!(ok && pin.0.exists(), "{name}: check accepted it but the verifier rejected it:\n{log}");
    println!("{name}: loads; {}", log.trim());
}

/// `check` refuses `src` with `code`, and its message says each of `words`.
fn refused(name: &str, src: &str, code: &str, words: &[&str]) -> String {
    let tmp = TempDir::new("limits");
    let path = tmp.path().join(format!("{name}.rs"));
    std::fs::write(&path, src).unwrap();
    let (exit, _, err) = run(&["check", path.to_str().unwrap()]);
    assert_eq!(exit, 1, "{name}: check should refuse it:\n{err}");
    assert!(err.contains(&format!("error[{code}]")), "{name}: expected {code}:\n{err}");
    assert!(err.contains(&format!("{name}.rs:")), "{name}: the diagnostic names a source line:\n{err}");
    for w in words {
        assert!(err.contains(w), "{name}: the message should say {w:?}:\n{err}");
    }
    let (exit, _, _) = run(&["compile", path.to_str().unwrap(), "-o", tmp.path().join("x.o").to_str().unwrap()]);
    assert_eq!(exit, 1, "{name}: compile should refuse it too");
    err
}

#[test]
fn a_match_of_8193_arms_is_a_tree_the_verifier_takes() {
    // As a chain of tests this was "The sequence of 8193 jumps is too complex".
    loads("match_8193", &hostile::match_arms(8193, |i| format!("{}", i % 4)));
    loads("match_8193_bodies", &hostile::match_arms(8193, |i| format!("{i} * pkt.len")));
}

#[test]
fn a_match_of_65536_arms_compiles_and_loads() {
    let t = Instant::now();
    loads_as("match_65536", &hostile::match_arms(65536, |i| format!("{}", i % 4)), false);
    println!("65536 arms: checked, compiled and loaded in {:?}", t.elapsed());
}

#[test]
fn a_1000_round_loop_with_a_data_dependent_branch_loads() {
    // `s += 1` compiles without a branch: one path per round.
    loads("loop_1000", &hostile::loop_with_branch(1000, "s += 1;"));
    // As a real branch, the states of an exactly-tracked key double every round.
    refused(
        "loop_branchy",
        &hostile::loop_with_branch(1000, "s = s + 1;"),
        "E0804",
        &["would make the kernel verifier walk", "gives up after 1000000", "this loop runs too many rounds"],
    );
}

#[test]
fn fifteen_ifs_building_a_map_key_load_and_sixteen_branchy_ones_are_refused() {
    loads("key_bits_15", &hostile::key_bits(15, |b| format!("key |= {b};")));
    loads("key_bits_16", &hostile::key_bits(16, |b| format!("key |= {b};")));
    refused(
        "key_bits_branchy",
        &hostile::key_bits(16, |b| format!("key = key | {b};")),
        "E0804",
        &["paths with different values meet here", "gives up after 1000000"],
    );
}

#[test]
fn more_branches_pending_than_the_verifier_keeps_are_refused() {
    refused(
        "bit_tests",
        &hostile::bit_tests(9000),
        "E0804",
        &["would leave about 9000 branches pending", "at most 8192", "`match`"],
    );
    loads("bit_tests_8000", &hostile::bit_tests(8000));
}

#[test]
fn a_chain_of_equality_tests_is_refused_when_its_paths_are_too_long() {
    // Each path that `h == K` narrows walks the rest of the chain: about n²/2 tests.
    loads("if_chain_1000", &hostile::if_chain(1000));
    refused(
        "if_chain_3000",
        &hostile::if_chain(3000),
        "E0804",
        &["one `if` after another", "gives up after 1000000", "`match`"],
    );
}

#[test]
fn sixty_five_maps_in_one_entry_are_refused_at_the_65th() {
    let err =
        refused("maps_65", &hostile::maps_used(65), "E0806", &["uses 66 maps; the kernel allows 64 in one program"]);
    assert!(err.contains("map `M64` is number 65"), "{err}");
    loads("maps_63", &hostile::maps_used(63));
}

#[test]
fn exponential_inlining_is_refused_at_once_naming_the_chain() {
    let t = Instant::now();
    let err = refused(
        "exp_inline",
        &hostile::exponential_inlining(25),
        "E0805",
        &[
            "335544319 expressions; the limit is 1000000",
            "route → a0 → a1",
            "26 calls deep",
            "this call inlines too much",
        ],
    );
    // Decided on the call graph, not by inlining: well under a second even in a debug build.
    println!("refused in {:?}:\n{err}", t.elapsed());
}
