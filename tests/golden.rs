//! Golden IR and disassembly of every example (reviewed snapshots in `tests/snapshots/`):
//! any change to what the compiler emits shows up as a diff to review. One test per file.

use rsteer_lang::{CheckOptions, SourceDb};
use std::path::Path;

#[macro_use]
#[path = "common/cases.rs"]
mod cases;

/// Checks `text`, registered in the source database as `shown` (the name diagnostics print).
fn check(shown: String, text: String) -> (SourceDb, Option<rsteer_lang::hir::Program>, Vec<rsteer_lang::Diagnostic>) {
    let mut db = SourceDb::new();
    let main = db.add(shown, text);
    let (prog, diags) = rsteer_lang::check(&mut db, main, &CheckOptions::default());
    (db, prog, diags)
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// An example's IR and disassembly, program by program.
fn golden_ir_and_asm(path: &Path) {
    let name = stem(path);
    let (db, prog, diags) = check(format!("examples/{name}.rs"), std::fs::read_to_string(path).unwrap());
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

/// A policy that checks but cannot be compiled (resource limits found by code generation):
/// its rendered diagnostics.
fn golden_codegen_diagnostics(path: &Path) {
    codegen_diagnostics(&stem(path), std::fs::read_to_string(path).unwrap());
}

/// [`golden_codegen_diagnostics`] of the policy `text`, shown as `name.rs`.
fn codegen_diagnostics(name: &str, text: String) {
    let (db, prog, diags) = check(format!("{name}.rs"), text);
    let text = match prog {
        Some(prog) => match rsteer_codegen::compile(&prog, &db) {
            Ok(_) => panic!("{name} compiled, but it is one of the bad cases"),
            Err(d) => rsteer_lang::diag::render_plain(&db, &d),
        },
        None => rsteer_lang::diag::render_plain(&db, &diags),
    };
    insta::assert_snapshot!(format!("bad_{name}"), text);
}

mod examples {
    example_cases!(super::golden_ir_and_asm);
}

mod bad {
    file_cases!("tests/data/bad", "rs", super::golden_codegen_diagnostics; exponential_inlining, nested_loops, too_long_loop);

    /// One entry that uses 66 maps (the socket array and 65 tables it reads one after the
    /// other); the kernel allows 64 per program (E0806).
    #[test]
    fn too_many_maps() {
        let mut text = String::from("//! One entry that uses 66 maps; the kernel allows 64 per program (E0806).\n");
        text.push_str("#[map]\nstatic SOCKETS: SockArray<4>;\n");
        for i in 0..65 {
            text.push_str(&format!("#[map]\nstatic M{i}: Array<u32, 4>;\n"));
        }
        text.push_str("\n#[steer]\nfn route(pkt: Packet) -> Verdict {\n    let mut k: u32 = 0;\n");
        for i in 0..65 {
            text.push_str(&format!("    k = k + M{i}.get(k % 4).unwrap_or(0);\n"));
        }
        text.push_str("    select(SOCKETS, k % 4)\n}\n");
        super::codegen_diagnostics("too_many_maps", text);
    }
}
