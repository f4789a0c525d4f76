//! Golden IR and disassembly of every example (reviewed snapshots in `tests/snapshots/`):
//! any change to what the compiler emits shows up as a diff to review.

use rsteer_lang::{CheckOptions, SourceDb};
use std::path::PathBuf;

fn examples() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    v.sort();
    v
}

#[test]
fn golden_ir_and_asm() {
    for path in examples() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut db = SourceDb::new();
        let main = db.add(format!("examples/{name}.rs"), std::fs::read_to_string(&path).unwrap());
        let (prog, diags) = rsteer_lang::check(&mut db, main, &CheckOptions::default());
        let prog = prog.unwrap_or_else(|| panic!("{name}: {}", rsteer_lang::diag::render_plain(&db, &diags)));
        let compiled = rsteer_codegen::compile(&prog, &db)
            .unwrap_or_else(|d| panic!("{name}: {}", rsteer_lang::diag::render_plain(&db, &d)));
        let mut text = String::new();
        for p in &compiled.programs {
            text.push_str(&p.ir);
            text.push_str(&format!(
                "\n{} ({}), {} insns, {} bytes of stack:\n",
                p.name,
                p.section,
                p.insns.len(),
                p.stack_size
            ));
            text.push_str(&p.disasm());
        }
        insta::assert_snapshot!(name, text);
    }
}

/// Policies that check but cannot be compiled (resource limits found by code generation):
/// their rendered diagnostics, reviewed in `tests/snapshots/`.
#[test]
fn golden_codegen_diagnostics() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut db = SourceDb::new();
        let main = db.add(format!("{name}.rs"), std::fs::read_to_string(&path).unwrap());
        let (prog, diags) = rsteer_lang::check(&mut db, main, &CheckOptions::default());
        let text = match prog {
            Some(prog) => match rsteer_codegen::compile(&prog, &db) {
                Ok(_) => panic!("{name} compiled, but it is in tests/data/bad"),
                Err(d) => rsteer_lang::diag::render_plain(&db, &d),
            },
            None => rsteer_lang::diag::render_plain(&db, &diags),
        };
        insta::assert_snapshot!(format!("bad_{name}"), text);
    }
}
