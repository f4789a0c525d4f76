//! Bad policies (`tests/diagnostics/*.rs`): the rendered diagnostics of each are
//! snapshotted, source and message side by side, so that a reviewer reads what users read.

use rsteer_lang::{check, diag, CheckOptions, SourceDb};
use std::path::Path;

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

#[test]
fn bad_policies() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    for f in files {
        let (out, n) = render(&f);
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        assert!(n > 0, "{name} gave no diagnostic");
        insta::with_settings!({ snapshot_path => "diagnostics/snapshots", prepend_module_to_snapshot => false, input_file => &f }, {
            insta::assert_snapshot!(name, out);
        });
    }
}
