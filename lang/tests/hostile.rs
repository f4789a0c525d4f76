//! Hostile shapes of input: deep nesting of every kind that the grammar nests, checked from
//! a thread with a small stack. Each gets its located `E0010` (or is accepted when within the
//! limit), and the answer is the same whatever the caller's stack.

use rsteer_lang::prescan::MAX_NESTING;
use rsteer_lang::{check, codes, CheckOptions, Diagnostic, SourceDb};

/// Checks `src` on a thread with a 256 KiB stack: the diagnostics, with 1-based lines.
fn check_small_stack(src: String) -> Vec<(String, u32, String)> {
    let run = move || {
        let mut db = SourceDb::new();
        let main = db.add("deep.rs", src);
        let (_, diags) = check(&mut db, main, &CheckOptions::default());
        let at = |d: &Diagnostic| d.primary_span().map(|s| db.line_col(s).line).unwrap_or(0);
        diags.iter().map(|d| (d.code.to_string(), at(d), d.message.clone())).collect::<Vec<_>>()
    };
    std::thread::Builder::new().stack_size(256 << 10).spawn(run).unwrap().join().unwrap()
}

fn entry(body: &str) -> String {
    format!("#[map]\nstatic S: SockArray<4>;\n#[steer]\nfn route(pkt: Packet) -> Verdict {{\n{body}\n}}\n")
}

/// Exactly one diagnostic, `E0010`, on `line`.
fn too_deep_at(src: String, line: u32) {
    let diags = check_small_stack(src);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!((diags[0].0.as_str(), diags[0].1), (codes::TOO_DEEP, line), "{diags:?}");
}

fn accepted(src: String) {
    let diags = check_small_stack(src);
    assert!(diags.iter().all(|d| !d.0.starts_with('E')), "{diags:?}");
}

#[test]
fn return_return_3000_deep() {
    too_deep_at(entry(&format!("    {}Verdict::Pass", "return ".repeat(3000))), 5);
}

#[test]
fn else_if_chain_of_5000() {
    let mut body = String::from("    let x = pkt.hash;\n    if x == 0 { select(S, 0) }\n");
    for i in 1..5000 {
        body.push_str(&format!("    else if x == {i} {{ Verdict::Pass }}\n"));
    }
    body.push_str("    else { Verdict::Drop }");
    // The chain's `if`s and its `{` count as levels: the limit falls in the first lines.
    let diags = check_small_stack(entry(&body));
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].0, codes::TOO_DEEP);
    assert!(diags[0].1 < 6 + MAX_NESTING as u32, "{diags:?}");
    assert!(diags[0].2.contains("`if`"), "{diags:?}");
}

#[test]
fn else_if_chain_within_the_limit_is_accepted() {
    let mut body = String::from("    let x = pkt.hash;\n    if x == 0 { select(S, 0) }\n");
    for i in 1..(MAX_NESTING / 2 - 4) {
        body.push_str(&format!("    else if x == {i} {{ select(S, 1) }}\n"));
    }
    body.push_str("    else { Verdict::Drop }");
    accepted(entry(&body));
}

#[test]
fn block_comments_50000_deep() {
    let src = format!("{}{}\n{}", "/*".repeat(50_000), "*/".repeat(50_000), entry("    select(S, 0)"));
    accepted(src);
    let open = format!("{}{}\n{}", "/*".repeat(50_000), "*/".repeat(49_999), entry("    select(S, 0)"));
    let diags = check_small_stack(open);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!((diags[0].0.as_str(), diags[0].2.as_str()), (codes::SYNTAX, "unterminated block comment"));
}

#[test]
fn parens_blocks_and_unary_chains() {
    let n = 10_000;
    too_deep_at(entry(&format!("    let x = {}1u32{};\n    select(S, x)", "(".repeat(n), ")".repeat(n))), 5);
    too_deep_at(entry(&format!("    let x = {}1u32{};\n    select(S, x)", "{".repeat(n), "}".repeat(n))), 5);
    too_deep_at(entry(&format!("    let x = {}1i32;\n    select(S, 0)", "-".repeat(n))), 5);
    too_deep_at(entry(&format!("    let x = {}true;\n    select(S, 0)", "!".repeat(n))), 5);
    too_deep_at(entry(&format!("    let x = {}1;\n    select(S, 0)", "if if ".repeat(n))), 5);
    too_deep_at(entry(&format!("    let x = 1u32{};\n    select(S, x)", " as u32".repeat(n))), 5);
}

#[test]
fn nesting_at_the_limit_is_accepted_on_a_small_stack() {
    let n = MAX_NESTING - 4;
    accepted(entry(&format!("    let x = {}pkt.hash{};\n    select(S, x % 4)", "(".repeat(n), ")".repeat(n))));
    accepted(entry(&format!("    let x = {}pkt.hash{};\n    select(S, x % 4)", "{".repeat(n), "}".repeat(n))));
    let mut e = String::from("pkt.hash");
    for _ in 0..100 {
        e = format!("({e} + 1)");
    }
    accepted(entry(&format!("    let x = {e};\n    select(S, x % 4)")));
}

#[test]
fn twenty_thousand_syntax_errors_are_linear() {
    let time = |n: usize| {
        let src: String = (0..n).map(|i| format!("fn f{i}() -> u32 {{ let x = 1 +; x }}\n")).collect();
        let t = std::time::Instant::now();
        let diags = check_small_stack(src);
        assert_eq!(diags.len(), n, "one error per broken item");
        t.elapsed().as_secs_f64()
    };
    // Growth, not a timing: 4x the errors may cost at most ~8x the time (it was 16x).
    let (small, large) = (time(2_000), time(8_000));
    assert!(large < small * 8.0 + 0.5, "2k errors: {small:.2}s, 8k: {large:.2}s");
}
