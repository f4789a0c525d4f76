//! The standard library tests itself and documents itself.
//!
//! Each module of `stdlib/` carries `#[test]`s that call every public function; each test
//! here runs one module's tests in the simulator (the module with a one-line entry added,
//! since a policy needs one), and requires that every public item has a doc comment and
//! every public function is called by a test. `book/src/ref-stdlib-items.md` is generated
//! from the modules' doc comments and signatures; `RSTEER_BLESS=1` rewrites it.

#[macro_use]
#[path = "common/cases.rs"]
mod cases;

use std::path::{Path, PathBuf};

/// An entry for a module that has none, so that `rsteer test` accepts the file.
const ENTRY: &str = "\n#[map]\nstatic STDLIB_TEST_SOCKETS: SockArray<1>;\n#[steer]\nfn stdlib_test_entry(pkt: Packet) -> Verdict {\n    select(STDLIB_TEST_SOCKETS, pkt.hash % 1)\n}\n";

/// A public item of a module: its kind, name, signature (the source up to its body) and doc.
struct Item {
    kind: &'static str,
    name: String,
    signature: String,
    doc: Vec<String>,
}

/// The module doc (`//!`) and the public items of a module's source, in order.
fn items(source: &str) -> (Vec<String>, Vec<Item>) {
    let lines: Vec<&str> = source.lines().collect();
    let module_doc = lines.iter().take_while(|l| l.starts_with("//!")).map(|l| l[3..].trim().to_string()).collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (kind, rest) = if let Some(r) = line.strip_prefix("pub fn ") {
            ("fn", r)
        } else if let Some(r) = line.strip_prefix("pub const ") {
            ("const", r)
        } else if let Some(r) = line.strip_prefix("pub struct ") {
            ("struct", r)
        } else {
            continue;
        };
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let signature = match kind {
            "fn" => line.split('{').next().unwrap().trim().to_string(),
            "const" => line.trim().to_string(),
            _ => lines[i..]
                .iter()
                .take_while(|l| !l.starts_with('}'))
                .chain(std::iter::once(&"}"))
                .copied()
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let mut doc: Vec<String> =
            lines[..i].iter().rev().take_while(|l| l.starts_with("///")).map(|l| l[3..].trim().to_string()).collect();
        doc.reverse();
        out.push(Item { kind, name, signature, doc });
    }
    (module_doc, out)
}

/// The `#[test]` functions of a module and the text of their bodies.
fn tests(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in source.split("#[test]\n").skip(1) {
        let name = part.strip_prefix("fn ").and_then(|r| r.split('(').next()).unwrap_or("?").to_string();
        // The body ends at the first line that closes an item.
        let body = part.split("\n}\n").next().unwrap_or(part).to_string();
        out.push((name, body));
    }
    out
}

fn module_path(stem: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib").join(format!("{stem}.rs"))
}

fn module_tests_pass(path: &Path) {
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    let source = std::fs::read_to_string(path).unwrap();
    let (_, items) = items(&source);
    let tests = tests(&source);
    assert!(!tests.is_empty(), "std::{stem} has no #[test]");
    for item in &items {
        assert!(!item.doc.is_empty(), "std::{stem}::{} has no doc comment", item.name);
        if item.kind == "fn" {
            let call = format!("{}(", item.name);
            assert!(
                tests.iter().any(|(_, body)| body.contains(&call)),
                "no #[test] of std::{stem} calls `{}`",
                item.name
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{stem}.rs"));
    std::fs::write(&file, format!("{source}{ENTRY}")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rsteer")).arg("test").arg(&file).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "std::{stem}'s tests:\n{text}");
    assert!(
        text.contains(&format!("{} passed, 0 failed", tests.len())),
        "std::{stem}: expected {} tests to pass:\n{text}",
        tests.len()
    );
}

file_cases!("stdlib", "rs", module_tests_pass; balance, dns, hash, net, quic);

/// The reference page, from the embedded modules (the same text as `stdlib/*.rs`).
fn reference() -> String {
    let mut page = String::from(
        "# Standard library: every item\n\n\
         <!-- Generated from the doc comments of stdlib/*.rs by tests/stdlib.rs; RSTEER_BLESS=1 rewrites it. -->\n\n\
         Every public item of the standard library, with its doc comment, as the modules in\n\
         `stdlib/` of the repository declare them (this page is generated from them, and a test\n\
         fails when it is stale). How to import them: [Standard library](ref-stdlib.md).\n",
    );
    for (name, source) in rsteer_lang::stdlib::MODULES {
        let (doc, items) = items(source);
        page.push_str(&format!("\n## `std::{name}`\n\n"));
        if !doc.is_empty() {
            page.push_str(&doc.join("\n"));
            page.push_str("\n\n");
        }
        let tests: Vec<String> = tests(source).into_iter().map(|(n, _)| format!("`{n}`")).collect();
        page.push_str(&format!(
            "Tested by {} in `stdlib/{name}.rs`, run by the project's test suite.\n",
            tests.join(", ")
        ));
        for item in items {
            page.push_str(&format!(
                "\n### `{name}::{}`\n\n```rust,ignore\n{}\n```\n\n{}\n",
                item.name,
                item.signature,
                item.doc.join("\n")
            ));
        }
    }
    page
}

#[test]
fn the_reference_page_is_generated_from_the_modules() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/ref-stdlib-items.md");
    let want = reference();
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want && std::env::var_os("RSTEER_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(have == want, "book/src/ref-stdlib-items.md is stale: run `RSTEER_BLESS=1 cargo test --test stdlib`");
}

#[test]
fn the_embedded_modules_are_the_files() {
    for (name, source) in rsteer_lang::stdlib::MODULES {
        assert_eq!(std::fs::read_to_string(module_path(name)).unwrap(), source, "stdlib/{name}.rs");
    }
}
