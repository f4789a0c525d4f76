//! The IR text form round-trips: for every example policy and every policy of the accepted
//! suites, the lowered and the optimised IR of each entry print, parse and print to the same
//! text, and the parsed function passes the verifier.

use rsteer_codegen::{ir_parse, lower_entry, opt, verify};
use rsteer_lang::{CheckOptions, SourceDb};
use std::path::Path;

fn roundtrip(text: &str, what: &str) {
    let f = ir_parse::parse_function(text).unwrap_or_else(|e| panic!("{what}: {e}\n{text}"));
    assert_eq!(f.to_string(), text, "{what}: print -> parse -> print differs");
    if let Err(errs) = verify::verify(&f) {
        panic!("{what}: the parsed IR does not verify: {errs:?}\n{text}");
    }
}

fn check_dir(dir: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        let mut db = SourceDb::new();
        let main = db.add(path.display().to_string(), src);
        let (prog, diags) = rsteer_lang::check(&mut db, main, &CheckOptions::default());
        let prog = prog.unwrap_or_else(|| panic!("{}: {diags:#?}", path.display()));
        for &entry in &prog.entries {
            let mut f = lower_entry(&prog, entry).unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
            roundtrip(&f.to_string(), &format!("{} (lowered)", path.display()));
            opt::optimize(&mut f);
            roundtrip(&f.to_string(), &format!("{} (optimised)", path.display()));
            n += 1;
        }
    }
    assert!(n > 0, "no entry found under {}", dir.display());
}

#[test]
fn examples() {
    check_dir("../examples");
}

#[test]
fn accepted_policies() {
    check_dir("../tests/data/ok");
}

#[test]
fn language_suite() {
    check_dir("../lang/tests/ok");
}

#[test]
fn errors_carry_a_line() {
    let e = ir_parse::parse_function("function f {\nblock0:\n    v0 = frob v1\n    return v0\n}\n").unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    let e = ir_parse::parse_function("function f {\nblock0:\n    jump block4\n}\n").unwrap_err();
    assert_eq!(e.line, 4, "{e}");
    let e = ir_parse::parse_function("function f {\nblock0:\n    v0 = iconst 1\n").unwrap_err();
    assert_eq!(e.line, 1, "{e}");
}

/// The verifier's messages for a function given as its lines.
fn verify_errors(lines: &[&str]) -> Vec<String> {
    let f = ir_parse::parse_function(&lines.join("\n")).unwrap();
    verify::verify(&f).unwrap_err().iter().map(|e| e.to_string()).collect()
}

#[test]
fn the_verifier_rejects_a_read_before_a_write() {
    let errs = verify_errors(&[
        "function f {",
        "block0:",
        "    br eq v0, 0, block1, block2",
        "block1:",
        "    v1 = iconst 1",
        "    jump block2",
        "block2:",
        "    return v1",
        "}",
    ]);
    assert!(errs.iter().any(|e| e.contains("reads v0")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("reads v1")), "{errs:?}");
}

#[test]
fn the_verifier_rejects_an_access_outside_its_slot() {
    let errs = verify_errors(&[
        "function f {",
        "    ss0 = slot 4 ; key",
        "block0:",
        "    store.u64 ss0+0, 1",
        "    return 1",
        "}",
    ]);
    assert!(errs[0].contains("beyond"), "{errs:?}");
}
