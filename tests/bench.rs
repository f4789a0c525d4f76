//! `bench/run` works: a `--quick` smoke run on two corpus policies with the debug binaries.
//! No figure is compared with anything (a benchmark has no pass or fail); what is checked is
//! that the run fills every column for ours, clang's and the floor, finds ours and the C twin
//! steering alike, writes its table, and leaves nothing behind in the kernel.

#[macro_use]
mod common;

use common::*;

fn num(v: &serde_json::Value, who: &str, key: &str) -> f64 {
    v[who][key].as_f64().unwrap_or_else(|| panic!("{}: {who}.{key} missing in {v}", v["name"]))
}

#[test]
fn quick_run_measures_two_policies_and_cleans_up() {
    require_kernel!("clang", "bpftool", "python3");
    let tmp = TempDir::new("bench");
    let md = tmp.path().join("results.md");
    let json = tmp.path().join("results.json");
    let out = std::process::Command::new(root().join("bench/run"))
        .args(["--quick", "--rsteer", env!("CARGO_BIN_EXE_rsteer")])
        .args(["--testserver", env!("CARGO_BIN_EXE_rsteer-testserver")])
        .arg("--out")
        .arg(&md)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("bench/run runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench/run --quick failed:\n{stderr}");

    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let results = v["results"].as_array().unwrap();
    let names: Vec<&str> = results.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["quic_envoy", "dns_qid"]);
    for r in results {
        assert_eq!(r["notes"].as_array().unwrap().len(), 0, "notes: {r}");
        for who in ["ours", "clang"] {
            for key in ["insns", "compile_ms", "rss_mib", "xlated", "jited", "verified_insns"] {
                assert!(num(r, who, key) > 0.0, "{who}.{key} of {r}");
            }
        }
        // The two policies are deterministic: ours and clang's twin send every datagram of the
        // agreement check to the same socket.
        assert_eq!(r["agree"], serde_json::json!([256, 256]), "ours and clang's disagree: {r}");
        for who in ["ours", "clang", "floor"] {
            assert!(num(r, who, "ns") > 0.0 && num(r, who, "run_cnt") > 0.0, "{who} ns of {r}");
        }
    }

    let table = std::fs::read_to_string(&md).unwrap();
    for name in names {
        assert!(table.lines().any(|l| l.starts_with(&format!("| {name} |"))), "no row for {name}:\n{table}");
    }
    assert!(table.contains("| **total**"), "no total row:\n{table}");

    let tag = v["tag"].as_str().unwrap();
    for dir in ["/sys/fs/bpf", "/sys/fs/bpf/rsteer"] {
        let left: Vec<String> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        assert!(!left.iter().any(|n| n.starts_with(&format!("{tag}-"))), "bench/run left {tag}* in {dir}: {left:?}");
    }
}
