//! Focused checks: precedence, the standard library, modules, `--const`, and robustness.

use rsteer_lang::hir::{ExprKind, Program, Stmt};
use rsteer_lang::{check, diag, pretty, CheckOptions, Diagnostic, ModuleLoader, SourceDb};

fn run(src: &str, options: &CheckOptions) -> (SourceDb, Option<Program>, Vec<Diagnostic>) {
    let mut db = SourceDb::new();
    let main = db.add("policy.rs", src.to_string());
    let (p, d) = check(&mut db, main, options);
    (db, p, d)
}

/// Checks `src` and fails with the rendered diagnostics on any error.
fn ok(src: &str) -> Program {
    let (db, p, d) = run(src, &CheckOptions::default());
    let errors: Vec<_> = d.iter().filter(|d| d.is_error()).cloned().collect();
    assert!(errors.is_empty(), "{}", diag::render_plain(&db, &errors));
    p.unwrap()
}

fn errors(src: &str) -> Vec<&'static str> {
    let (_, p, d) = run(src, &CheckOptions::default());
    let codes: Vec<_> = d.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
    assert_eq!(p.is_none(), !codes.is_empty());
    codes
}

/// The HIR of the tail expression of helper `f`, printed with full parentheses.
fn tail_of_f(body: &str, params: &str, ret: &str) -> String {
    let src = format!(
        "fn f({params}) -> {ret} {{ {body} }}\n#[steer] fn route(pkt: Packet) -> Verdict {{ Verdict::Pass }}\n"
    );
    let p = ok(&src);
    let text = pretty::program(&p);
    let start = text.find("fn f(").unwrap();
    let line = text[start..].lines().nth(1).unwrap().trim().to_string();
    line
}

#[test]
fn precedence() {
    // Comparisons bind looser than `&`, `^` and `|`.
    assert_eq!(tail_of_f("a & 0x80 != 0", "a: u8", "bool"), "((a#0 & 128u8) != 0u8)");
    assert_eq!(tail_of_f("a | 1 == 3", "a: u8", "bool"), "((a#0 | 1u8) == 3u8)");
    // `*` over `+` over `<<`.
    assert_eq!(tail_of_f("1 + 2 * 3 << 1", "", "u32"), "((1u32 + (2u32 * 3u32)) << 1u32)");
    // `&&` over `||`.
    assert_eq!(tail_of_f("a || b && c", "a: bool, b: bool, c: bool", "bool"), "(a#0 || (b#1 && c#2))");
    // `as` over `*`, unary over `as`, postfix over unary.
    assert_eq!(tail_of_f("-a as u32 * 2", "a: i8", "u32"), "((-a#0 as u32) * 2u32)");
    assert_eq!(tail_of_f("!a.is_some()", "a: Option<u8>", "bool"), "!a#0.is_some()");
    // `&` over `^` over `|`; shifts over `&`.
    assert_eq!(
        tail_of_f("a | b ^ c & d << 1", "a: u8, b: u8, c: u8, d: u8", "u8"),
        "(a#0 | (b#1 ^ (c#2 & (d#3 << 1u32))))"
    );
    // Left associativity.
    assert_eq!(tail_of_f("a - b - c", "a: u8, b: u8, c: u8", "u8"), "((a#0 - b#1) - c#2)");
    // A literal on the left takes the type of the right operand.
    assert_eq!(tail_of_f("1 + a", "a: u16", "u16"), "(1u16 + a#0)");
    assert_eq!(tail_of_f("(0xffff_ffff as u64) << 8", "", "u64"), "((4294967295u32 as u64) << 8u32)");
}

#[test]
fn comparisons_do_not_chain() {
    assert_eq!(
        errors("fn f(a: u8) -> bool { a == 1 == true }\n#[steer] fn r(p: Packet) -> Verdict { Verdict::Pass }"),
        vec!["E0209"]
    );
    // Parentheses make it legal.
    ok("fn f(a: u8) -> bool { (a == 1) == true }\n#[steer] fn r(p: Packet) -> Verdict { Verdict::Pass }");
}

#[test]
fn every_stdlib_module_checks() {
    for (name, _) in rsteer_lang::stdlib::MODULES {
        let src = format!("use std::{name};\n#[steer] fn route(pkt: Packet) -> Verdict {{ Verdict::Pass }}\n");
        // Every item of the module, not only what `route` reaches (nothing).
        let (db, p, d) = run(&src, &CheckOptions { whole_std: true, ..Default::default() });
        let errors: Vec<_> = d.iter().filter(|d| d.is_error()).cloned().collect();
        assert!(errors.is_empty(), "{}", diag::render_plain(&db, &errors));
        let p = p.unwrap();
        assert!(p.functions.len() > 1, "std::{name} has no functions");
        // What `route` reaches of it: nothing, so no function of it is checked.
        assert_eq!(ok(&src).functions.len(), 1, "std::{name}");
    }
}

#[test]
fn stdlib_in_use() {
    let p = ok(r#"
use std::hash::{fnv1a_32, mix32, mix64, jhash_3words};
use std::balance;
use std::quic;
use std::net;
use std::dns;

#[map]
static SOCKETS: SockArray<16>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if net::in_prefix4(pkt.src_ip4, 0x0a00_0000, 8) {
        return Verdict::Drop;
    }
    if pkt.is_udp() && pkt.dst_port == 53 {
        let id = dns::query_id(pkt)?;
        return select(SOCKETS, balance::modulo(mix32(id as u32), 16));
    }
    let b = quic::dcid_byte(pkt, 0)?;
    let h = fnv1a_32(pkt.src_ip6, 16) ^ jhash_3words(1, 2, 3, 4) ^ b as u32;
    select(SOCKETS, balance::jump(mix64(h as u64), 16))
}
"#);
    assert_eq!(p.entries.len(), 1);
}

struct Files(&'static [(&'static str, &'static str)]);

impl ModuleLoader for Files {
    fn load(&self, _from: &str, name: &str) -> Result<(String, String), rsteer_lang::ModuleError> {
        let found = self.0.iter().find(|(n, _)| *n == name);
        found.map(|(n, s)| (s.to_string(), format!("{n}.rs"))).ok_or(rsteer_lang::ModuleError::NotFound)
    }
}

#[test]
fn modules_through_the_loader() {
    let files = Files(&[(
        "util",
        "pub const N: u32 = 4;\npub fn pick(h: u32) -> u32 { h % N }\n#[allow(dead_code)]\nfn private() -> u32 { 1 }\n",
    )]);
    let options = CheckOptions { modules: &files, ..Default::default() };
    let (db, p, d) = run("mod util;\n#[map] static S: SockArray<util::N>;\n#[steer] fn r(pkt: Packet) -> Verdict { select(S, util::pick(pkt.hash)) }\n", &options);
    assert!(d.is_empty(), "{}", diag::render_plain(&db, &d));
    assert_eq!(p.unwrap().maps[0].capacity, 4);
    let (_, _, d) =
        run("mod util;\n#[steer] fn r(pkt: Packet) -> Verdict { let x = util::private(); Verdict::Pass }\n", &options);
    assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), vec!["E0103"]);
}

#[test]
fn const_overrides() {
    let src = "const WORKERS: u32 = 8;\n#[map] static S: SockArray<WORKERS>;\n#[steer] fn r(pkt: Packet) -> Verdict { select(S, pkt.hash % WORKERS) }\n";
    let options = CheckOptions { const_overrides: vec![("WORKERS".into(), "16".into())], ..Default::default() };
    let (_, p, d) = run(src, &options);
    assert!(d.is_empty());
    let p = p.unwrap();
    assert_eq!(p.maps[0].capacity, 16);
    assert_eq!(p.consts[0].scalar(), Some(16));
    let bad = CheckOptions { const_overrides: vec![("WORKER".into(), "16".into())], ..Default::default() };
    let (_, p, d) = run(src, &bad);
    assert!(p.is_none());
    assert_eq!(d[0].code, "E0502");
    assert!(d[0].notes.iter().any(|n| n.contains("WORKERS")));
    let too_big =
        CheckOptions { const_overrides: vec![("WORKERS".into(), (1u64 << 40).to_string())], ..Default::default() };
    assert!(run(src, &too_big).1.is_none());
}

#[test]
fn const_overrides_take_addresses_and_refuse_tables() {
    let src = "const NET: u32 = 0;\nconst ZONE: [u8; 4] = b\"\\x03abc\";\n#[steer] fn r(pkt: Packet) -> Verdict { if pkt.src_ip4 == NET && ZONE[0] == 3 { return Verdict::Drop; } Verdict::Pass }\n";
    let with = |name: &str, value: &str| CheckOptions {
        const_overrides: vec![(name.into(), value.into())],
        ..Default::default()
    };
    let (_, p, d) = run(src, &with("NET", "127.1.0.0"));
    assert!(d.is_empty());
    assert_eq!(p.unwrap().consts[0].scalar(), Some(0x7f01_0000));
    let (db, p, d) = run(src, &with("ZONE", "b\"\\x03xyz\""));
    assert!(p.is_none());
    assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), vec!["E0502"]);
    let text = diag::render_plain(&db, &d);
    assert!(text.contains("`ZONE` is an array constant, which cannot be overridden"), "{text}");
}

#[test]
fn constant_tables_fold() {
    let p = ok("const T: [[u8; 2]; 2] = [[1, 2], [3, 4]];\nconst U: [[u8; 2]; 2] = T;\nconst E: u8 = T[1][0];\n\
                const SAME: bool = T == U;\nconst DIFF: bool = T[0] != T[1];\nconst A: u32 = std::net::ip4(10, 0, 0, 1);\n\
                #[steer] fn r(pkt: Packet) -> Verdict { Verdict::Pass }");
    let vals: Vec<(String, u64)> = p.consts.iter().filter_map(|c| Some((c.name.clone(), c.scalar()?))).collect();
    assert_eq!(vals, vec![("E".into(), 3), ("SAME".into(), 1), ("DIFF".into(), 1), ("A".into(), 0x0a00_0001)]);
    let t = &p.consts[0].value;
    assert!(matches!(&t.kind, ExprKind::ArrayLit(rows) if matches!(&rows[1].kind, ExprKind::Bytes(b) if b == &[3, 4])));
}

#[test]
fn sockarray_plus_sockmap_warns() {
    let (_, p, d) = run(
        "#[map] static A: SockArray<4>;\n#[map] static M: SockMap<4>;\n#[steer] fn r(_pkt: Packet) -> Verdict { select(M, 0) }\n",
        &CheckOptions::default(),
    );
    assert!(p.is_some());
    assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), vec!["W0001"]);
}

#[test]
fn try_kinds_and_literal_typing() {
    let p = ok("fn f(pkt: Packet) -> Option<u16> { let x = pkt.payload.be16(0)?; Some(x + 1) }\n\
                fn g(pkt: Packet) -> Verdict { let _x = pkt.l4.u8(0)?; Verdict::Pass }\n\
                #[steer] fn r(pkt: Packet) -> Verdict { let y: u64 = 1 << 40; let n = pkt.net.le32(y)?; g(pkt) }\n");
    let text = pretty::program(&p);
    assert!(text.contains("try[return_none](pkt#0.Payload.Be16(0u32))"), "{text}");
    assert!(text.contains("Some((x#1 + 1u16))"), "{text}");
    assert!(text.contains("try[fallback](pkt#0.L4.U8(0u32))"), "{text}");
    assert!(text.contains("(1u64 << 40u32)"), "{text}");
}

#[test]
fn match_covering_the_whole_type_is_exhaustive() {
    ok("fn f(b: u8) -> u32 { match b { 0..=127 => 1, 128..=255 => 2 } }\n\
        fn g(b: i8) -> u32 { match b { -128..=-1 => 1, 0 => 2, 1..=127 => 3 } }\n\
        const LOW: u16 = 1023;\n\
        fn h(p: u16) -> u32 { match p { 0..=LOW => 1, _ => 2 } }\n\
        #[steer] fn r(pkt: Packet) -> Verdict { Verdict::Pass }");
}

#[test]
fn entries_and_tests_are_listed() {
    let p = ok("#[steer] fn a(pkt: Packet) -> Verdict { Verdict::Pass }\n\
                #[steer(fallback = Drop)] fn b(pkt: Packet) -> Verdict { Verdict::Drop }\n\
                #[test] fn t() { let x = 1; }\n");
    assert_eq!(p.entries.len(), 2);
    assert_eq!(p.tests.len(), 1);
    let f = &p.functions[p.tests[0].0 as usize];
    assert!(matches!(f.body.stmts[0], Stmt::Let { .. }));
}

#[test]
fn constants_are_folded() {
    let p = ok("const A: u32 = 4 * 2 + (1 << 3);\nconst B: i8 = -(A as i8);\nconst C: bool = A > 10 && B < 0;\n\
                fn f() -> u32 { if C { A } else { 0 } }\n#[steer] fn r(pkt: Packet) -> Verdict { Verdict::Pass }");
    let vals: Vec<(String, u64)> = p.consts.iter().filter_map(|c| Some((c.name.clone(), c.scalar()?))).collect();
    assert_eq!(vals, vec![("A".into(), 16), ("B".into(), 0xf0), ("C".into(), 1)]);
    let f = p.functions.iter().find(|f| f.name == "f").unwrap();
    let tail = f.body.tail.as_ref().unwrap();
    assert!(matches!(&tail.kind, ExprKind::If { cond, .. } if matches!(cond.kind, ExprKind::Bool(true))));
}

/// A tiny deterministic generator, so the fuzz-style tests need no extra crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn corpus() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut out = Vec::new();
    for sub in ["ok", "diagnostics"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                out.push(std::fs::read_to_string(p).unwrap());
            }
        }
    }
    for (_, s) in rsteer_lang::stdlib::MODULES {
        out.push(s.to_string());
    }
    out
}

#[test]
fn truncated_sources_never_panic() {
    for src in corpus() {
        let mut cut = 0;
        while cut <= src.len() {
            if src.is_char_boundary(cut) {
                let _ = run(&src[..cut], &CheckOptions::default());
            }
            cut += 7;
        }
    }
}

#[test]
fn garbage_never_panics() {
    let mut rng = Lcg(42);
    let alphabet: Vec<char> = "abcxyzSOCK_019 \n\t(){}[]<>;:,.=+-*/%&|^!?#'\"b\\@$".chars().collect();
    let words = [
        "fn",
        "let",
        "match",
        "if",
        "else",
        "for",
        "in",
        "0..",
        "=>",
        "#[steer]",
        "#[map]",
        "static",
        "const",
        "::",
        "Packet",
        "Verdict",
        "select",
        "pkt.payload.u8(0)?",
        "as",
        "u8",
        "b\"x\"",
        "0x",
        "_",
        "return",
        "{",
        "}",
    ];
    for _ in 0..3000 {
        let len = (rng.next() % 120) as usize;
        let mut s = String::new();
        for _ in 0..len {
            if rng.next().is_multiple_of(3) {
                s.push_str(words[(rng.next() as usize) % words.len()]);
                s.push(' ');
            } else {
                s.push(alphabet[(rng.next() as usize) % alphabet.len()]);
            }
        }
        let _ = run(&s, &CheckOptions::default());
    }
    // Mutations of real sources: replace, delete or duplicate a slice.
    for src in corpus() {
        for _ in 0..40 {
            let mut b = src.clone().into_bytes();
            let at = (rng.next() as usize) % b.len().max(1);
            match rng.next() % 3 {
                0 => {
                    let i = at.min(b.len().saturating_sub(1));
                    if !b.is_empty() {
                        b[i] = alphabet[(rng.next() as usize) % alphabet.len()] as u8;
                    }
                }
                1 => {
                    let end = (at + (rng.next() as usize % 20)).min(b.len());
                    b.drain(at..end);
                }
                _ => {
                    let end = (at + (rng.next() as usize % 20)).min(b.len());
                    let piece: Vec<u8> = b[at..end].to_vec();
                    b.splice(at..at, piece);
                }
            }
            if let Ok(s) = String::from_utf8(b) {
                let _ = run(&s, &CheckOptions::default());
            }
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_crashed() {
    let deep = format!(
        "#[steer] fn r(pkt: Packet) -> Verdict {{ let x = {}1{}; Verdict::Pass }}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    assert_eq!(errors(&deep), vec!["E0010"]);
    let long = format!("#[steer] fn r(pkt: Packet) -> Verdict {{ let x = 1{}; Verdict::Pass }}", " + 1".repeat(20000));
    assert_eq!(errors(&long), vec!["E0010"]);
    let ok_long = format!("#[steer] fn r(pkt: Packet) -> Verdict {{ let x = 1{}; Verdict::Pass }}", " + 1".repeat(90));
    assert!(errors(&ok_long).is_empty());
}

#[test]
fn every_code_is_explained() {
    for (code, text) in rsteer_lang::diag::CODES {
        assert!(text.len() > 20, "{code}");
    }
    assert!(rsteer_lang::explain("E0600").unwrap().contains("match"));
    assert!(rsteer_lang::explain("E9999").is_none());
}

#[test]
fn target_kernel_refuses_newer_features() {
    let src = "#[map]\nstatic S: SockHash<u64, 8>;\n#[steer(migrate)]\nfn r(pkt: Packet) -> Verdict {\n    let a = pkt.len as i32 / -2;\n    let t = now_coarse_ns();\n    select(S, pkt.cookie() + t + a as u64)\n}\n";
    let run = |target: Option<&str>| {
        let mut db = SourceDb::new();
        let main = db.add("t.rs", src);
        let options = CheckOptions { target_kernel: target.map(|t| t.parse().unwrap()), ..Default::default() };
        let (prog, diags) = rsteer_lang::check(&mut db, main, &options);
        (prog.is_some(), diags.iter().filter(|d| d.code == "E0705").count())
    };
    assert_eq!(run(None), (true, 0));
    assert_eq!(run(Some("6.6")), (true, 0));
    // Signed division needs 6.6.
    assert_eq!(run(Some("6.1")), (false, 1));
    // And migrate, cookie, coarse time and SockHash selection are missing from 5.4.
    assert_eq!(run(Some("5.4")), (false, 5));
}
