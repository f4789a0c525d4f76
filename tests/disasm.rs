//! `rsteer disasm`: an object of ours and a clang-built one, disassembled with their source
//! lines from `.BTF.ext` (reviewed snapshots in `tests/snapshots/`), and the `--json` form.

#[macro_use]
mod common;

use common::*;
use std::process::Command;

fn disasm(object: &std::path::Path, json: bool) -> String {
    let mut args = vec!["disasm", object.to_str().unwrap()];
    if json {
        args.push("--json");
    }
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn disasm_of_our_object() {
    let dir = TempDir::new("disasm");
    let object = dir.path().join("payload_mod.o");
    // From the repository root, so that the line info names `examples/payload_mod.rs`.
    let out = rsteer()
        .args(["compile", "examples/payload_mod.rs", "-o", object.to_str().unwrap()])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = disasm(&object, false);
    assert!(text.contains("; examples/payload_mod.rs:11\n; fn by_first_byte(pkt: Packet) -> Verdict {"), "{text}");
    insta::assert_snapshot!("disasm_payload_mod", text);
    let v: serde_json::Value = serde_json::from_str(&disasm(&object, true)).unwrap();
    let insns = v["programs"][0]["insns"].as_array().unwrap();
    assert!(insns.iter().all(|i| i["source"]["file"] == "examples/payload_mod.rs"), "{v}");
    assert!(insns.iter().any(|i| i["text"].as_str().unwrap().contains("map[SOCKETS]")), "{v}");
}

#[test]
fn disasm_of_a_clang_object() {
    require_kernel!("clang");
    let dir = TempDir::new("disasm_c");
    std::fs::copy(root().join("tests/data/ops/bad_packet_read.c"), dir.path().join("bad.c")).unwrap();
    let prefix = format!("-fdebug-prefix-map={}=.", dir.path().display());
    let out = Command::new("clang")
        .args(["-O2", "-g", "-target", "bpf", &prefix, "-c", "bad.c", "-o", "bad.o"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = disasm(&dir.path().join("bad.o"), false);
    assert!(text.contains("; ./bad.c:11\n; \treturn data[3] & 1;\n     1: r0 = *(u8 *)(r1 +3)"), "{text}");
    insta::assert_snapshot!("disasm_clang_bad_packet_read", text);
}
