//! Every policy the project has — `examples/`, the front end's good policies
//! (`lang/tests/ok/`) and `tests/data/ok/` (which calls every standard-library function) —
//! compiles, and libbpf loads it into the real kernel: the verifier accepts it and keeps
//! its BTF.

mod common;

use common::*;

fn corpus() -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for dir in ["examples", "lang/tests/ok", "tests/data/ok"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

#[test]
fn every_policy_passes_the_verifier() {
    let kernel = kernel_ready(&["bpftool"]);
    let tmp = TempDir::new("corpus");
    let mut checked = 0;
    for policy in corpus() {
        let obj = tmp.path().join(format!("{checked}.o"));
        let (code, _, err) = run(&["compile", policy.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
        assert_eq!(code, 0, "{} does not compile:\n{err}", policy.display());
        if kernel {
            let pin = Pin::new("corpus");
            let (ok, log) = sh(&format!("bpftool prog loadall {} {}", obj.display(), pin.0.display()));
            assert!(ok, "the verifier rejected {} (a compiler bug):\n{log}", policy.display());
            let (ok, show) = sh(&format!("bpftool -j prog show pinned {}/$(ls {})", pin.0.display(), pin.0.display()));
            assert!(ok && show.contains("btf_id"), "{}: the kernel dropped the BTF: {show}", policy.display());
        }
        checked += 1;
    }
    assert!(checked >= 10, "the corpus shrank to {checked} policies");
}
