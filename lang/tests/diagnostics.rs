//! Bad policies (`tests/diagnostics/*.rs`): the rendered diagnostics of each are
//! snapshotted, source and message side by side, so that a reviewer reads what users read.

use rsteer_lang::{check, diag, CheckOptions, SourceDb};
use std::path::Path;

#[macro_use]
#[path = "../../tests/common/cases.rs"]
mod cases;

fn render(path: &Path) -> (String, usize) {
    let src = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut db = SourceDb::new();
    let main = db.add(name, src);
    let (_, diags) = check(&mut db, main, &CheckOptions::default());
    // Every diagnostic points at the source and has an explanation.
    for d in &diags {
        assert!(d.primary_span().is_some() || d.code == "E0502", "no primary span: {d:?}");
        assert!(diag::explain(d.code).is_some(), "no explanation for {}", d.code);
    }
    (diag::render_plain(&db, &diags), diags.len())
}

/// Renders one bad policy and compares it with its snapshot.
fn case(path: &Path) {
    let (out, n) = render(path);
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    assert!(n > 0, "{name} gave no diagnostic");
    insta::with_settings!({ snapshot_path => "diagnostics/snapshots", prepend_module_to_snapshot => false, input_file => path }, {
        insta::assert_snapshot!(name, out);
    });
}

file_cases!("tests/diagnostics", "rs", case;
    assignment, bad_literal, comparison_chain, consts, div_assign, literal_range, loops, map_kind, map_methods, map_sizes,
    migrating, missing_semi, name_too_long, no_entry, non_exhaustive, operators, option_match, parse_error, recursion, several_errors,
    socket_map_warning, steer_signature, test_forms, try_outside_option, type_mismatch, unknown_name,
    unknown_lint, unknown_std_module, warnings, wrong_arg_count,
    array_consts, lpm_trie,
);
