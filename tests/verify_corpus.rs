//! Every policy the project has — `examples/`, the front end's good policies
//! (`lang/tests/ok/`) and `tests/data/ok/` (which calls every standard-library function) —
//! compiles, and libbpf loads it into the real kernel: the verifier accepts it and keeps
//! its BTF.

#[macro_use]
#[path = "common/cases.rs"]
mod cases;
mod common;

use common::*;
use std::path::Path;

/// `policy` compiles, and (where the kernel can load programs) the verifier accepts it and the
/// kernel keeps its BTF.
fn passes_the_verifier(policy: &Path) {
    verifier_accepts(policy, &[]);
}

/// The same with verdict counters (`--count`), which add a map and an epilogue to every entry.
fn passes_the_verifier_counting(policy: &Path) {
    verifier_accepts(policy, &["--count"]);
}

fn verifier_accepts(policy: &Path, flags: &[&str]) {
    let kernel = kernel_ready(&["bpftool"]);
    let tmp = TempDir::new("corpus");
    let obj = tmp.path().join("p.o");
    let mut args = vec!["compile", policy.to_str().unwrap(), "-o", obj.to_str().unwrap()];
    args.extend_from_slice(flags);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{} does not compile:\n{err}", policy.display());
    if kernel {
        let pin = Pin::new("corpus");
        let (ok, log) = sh(&format!("bpftool prog loadall {} {}", obj.display(), pin.0.display()));
        assert!(ok, "the verifier rejected {} (a compiler bug):\n{log}", policy.display());
        // One pin per entry: every program keeps its BTF.
        let entries = std::fs::read_dir(&pin.0).unwrap().map(|e| e.unwrap().path()).collect::<Vec<_>>();
        assert!(!entries.is_empty(), "{}: nothing pinned", policy.display());
        for entry in entries {
            let (ok, show) = sh(&format!("bpftool -j prog show pinned {}", entry.display()));
            assert!(ok && show.contains("btf_id"), "{}: the kernel dropped the BTF: {show}", entry.display());
        }
    }
}

mod examples {
    example_cases!(super::passes_the_verifier);
}

mod lang_ok {
    file_cases!("lang/tests/ok", "rs", super::passes_the_verifier;
        cpu_modulo, flow_table, payload_modulo, quic_dcid, short_drop, src_port_modulo,
        const_tables,
    );
}

mod data_ok {
    data_ok_cases!(super::passes_the_verifier);
}

mod examples_counting {
    example_cases!(super::passes_the_verifier_counting);
}

mod lang_ok_counting {
    file_cases!("lang/tests/ok", "rs", super::passes_the_verifier_counting;
        const_tables, cpu_modulo, flow_table, payload_modulo, quic_dcid, short_drop, src_port_modulo,
    );
}
