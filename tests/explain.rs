//! `rsteer explain`: every code has an explanation and, but for the two that cannot have
//! one, a wrong and a fixed example. Each wrong example gives exactly its code, each fixed
//! one checks (and compiles, for code generation's codes) with no diagnostic at all; the
//! limits the explanations name are the ones the code enforces.

mod common;

use rsteer::build::{check_policy, compile_policy, BuildOptions, PolicySource};
use rsteer_lang::examples::{Example, EXAMPLES, WITHOUT_EXAMPLE};
use rsteer_lang::{diag, Diagnostic, ModuleError, ModuleLoader};

/// The `mod` files of one example.
struct Modules(&'static [(&'static str, &'static str)]);

impl ModuleLoader for Modules {
    fn load(&self, _from: &str, name: &str) -> Result<(String, String), ModuleError> {
        let found = self.0.iter().find(|(n, _)| *n == name);
        found.map(|(n, text)| (text.to_string(), format!("{n}.rs"))).ok_or(ModuleError::NotFound)
    }
}

/// The options that an example's flags (`--const N=V`, `--target-kernel X.Y`) give.
fn options(args: &[&str]) -> BuildOptions {
    let mut o = BuildOptions::default();
    for pair in args.chunks(2) {
        match pair {
            ["--const", nv] => {
                let (n, v) = nv.split_once('=').unwrap();
                o.consts.push((n.into(), v.into()));
            }
            ["--target-kernel", v] => o.target_kernel = Some(v.parse().unwrap()),
            other => panic!("an example flag this test does not know: {other:?}"),
        }
    }
    o
}

/// Every diagnostic of `text`: checked, and compiled too when `compile` (code generation's codes).
fn diagnostics(e: &Example, text: &str, args: &[&str], modules: &'static [(&str, &str)]) -> (Vec<Diagnostic>, String) {
    let loader = Modules(modules);
    let source = PolicySource::text(format!("{}.rs", e.code), text).with_modules(&loader);
    let o = options(args);
    if e.code.starts_with("E08") {
        match compile_policy(&source, &o) {
            Ok(b) => (b.diagnostics.clone(), diag::render_plain(&b.db, &b.diagnostics)),
            Err(f) => (f.diagnostics.clone(), f.render_plain()),
        }
    } else {
        match check_policy(&source, &o) {
            Ok(c) => (c.diagnostics.clone(), diag::render_plain(&c.db, &c.diagnostics)),
            Err(f) => (f.diagnostics.clone(), f.render_plain()),
        }
    }
}

#[test]
fn every_code_has_its_examples() {
    for (code, _) in diag::CODES {
        let has = EXAMPLES.iter().any(|e| e.code == *code);
        assert!(has != WITHOUT_EXAMPLE.contains(code), "{code}: an example, or a place in WITHOUT_EXAMPLE");
    }
}

#[test]
fn wrong_examples_give_exactly_their_code_and_fixed_ones_none() {
    for e in EXAMPLES {
        let (wrong, shown) = diagnostics(e, e.wrong, e.wrong_args, e.wrong_modules);
        assert!(!wrong.is_empty(), "{}: the wrong example checks", e.code);
        assert!(wrong.iter().all(|d| d.code == e.code), "{}: the wrong example gives\n{shown}", e.code);
        let (fixed, shown) = diagnostics(e, &e.fixed(), e.fixed_args, e.fixed_modules);
        assert!(fixed.is_empty(), "{}: the fixed example gives\n{shown}", e.code);
    }
}

#[test]
fn explanations_name_the_limits_the_code_enforces() {
    let text = |code| diag::explain(code).unwrap();
    let too_deep = text(rsteer_lang::codes::TOO_DEEP);
    for n in [rsteer_lang::prescan::MAX_NESTING, rsteer_lang::parse::MAX_EXPR_PARTS, rsteer_lang::parse::MAX_EXPR_DEPTH]
    {
        assert!(too_deep.contains(&format!(" {n} ")), "E0010 should name {n}: {too_deep}");
    }
    let long = text(rsteer_lang::codes::NAME_TOO_LONG);
    assert!(long.contains(&format!("{} bytes", rsteer_lang::MAX_NAME_LEN)), "{long}");
    let capacity = text(rsteer_lang::codes::BAD_CAPACITY);
    assert!(capacity.contains(&format!("({})", rsteer_lang::MAX_CAPACITY)), "{capacity}");
}

#[test]
fn explain_prints_both_examples_and_list_names_every_code() {
    let (code, out, err) = common::run(&["explain", "E0503"]);
    assert_eq!(code, 0, "{err}");
    let e = rsteer_lang::examples::example("E0503").unwrap();
    assert!(
        out.contains("Wrong:") && out.contains(e.wrong) && out.contains("Fixed:") && out.contains(&e.fixed()),
        "{out}"
    );
    let (code, out, _) = common::run(&["explain", "--list"]);
    assert_eq!(code, 0);
    for (c, _) in diag::CODES {
        assert!(out.contains(c), "--list lacks {c}");
    }
}
