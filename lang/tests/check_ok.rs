//! Good policies check without errors; their HIR is snapshotted (`tests/ok/*.rs`).

use rsteer_lang::{check, diag, pretty, CheckOptions, SourceDb};
use std::path::Path;

#[macro_use]
#[path = "../../tests/common/cases.rs"]
mod cases;

fn check_file(path: &Path) -> String {
    let src = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut db = SourceDb::new();
    let main = db.add(name.clone(), src);
    let (program, diags) = check(&mut db, main, &CheckOptions::default());
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).cloned().collect();
    assert!(errors.is_empty(), "{name} has errors:\n{}", diag::render_plain(&db, &errors));
    let program = program.expect("a program without errors");
    let mut out = String::new();
    if !diags.is_empty() {
        out.push_str(&diag::render_plain(&db, &diags));
    }
    out.push_str(&pretty::program_of_file(&program, main));
    out
}

/// Checks one good policy and compares its HIR with its snapshot.
fn case(path: &Path) {
    let out = check_file(path);
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    insta::with_settings!({ snapshot_path => "ok/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, out);
    });
}

file_cases!("tests/ok", "rs", case;
    cpu_modulo, flow_table, payload_modulo, quic_dcid, short_drop, src_port_modulo,
    const_tables,
);
