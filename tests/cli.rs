//! The command line as a person meets it: exit codes, diagnostics with file and line,
//! default output paths.

#[macro_use]
#[path = "common/cases.rs"]
mod cases;
mod common;

use common::*;
use std::path::Path;

#[test]
fn broken_policy_points_at_the_line_and_exits_1() {
    let policy = root().join("tests/data/broken.rs");
    let err = exits_with(&["check", policy.to_str().unwrap()], 1);
    // `port % WORKERS` mixes u16 and u32 on line 9.
    assert!(err.contains("broken.rs:9:"), "the diagnostic should point at line 9:\n{err}");
    assert!(err.contains("u16") && err.contains("u32"), "both types are named:\n{err}");
    assert!(err.contains("error[E"), "the error has a code:\n{err}");
    let (code, _, _) = run(&["compile", policy.to_str().unwrap(), "-o", "/dev/null"]);
    assert_eq!(code, 1);
}

/// An example checks, and compiles to an ELF object.
fn checks_and_compiles(path: &Path) {
    let tmp = TempDir::new("cli");
    let (code, _, err) = run(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{}: {err}", path.display());
    let obj = compile(path, tmp.path());
    let bytes = std::fs::read(&obj).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF");
}

mod every_example_checks_and_compiles {
    example_cases!(super::checks_and_compiles);
}

#[test]
fn compile_writes_beside_the_input_by_default() {
    let tmp = TempDir::new("default_out");
    let policy = tmp.path().join("p.rs");
    std::fs::copy(example("payload_mod.rs"), &policy).unwrap();
    let err = exits_with(&["compile", policy.to_str().unwrap()], 0);
    assert!(tmp.path().join("p.o").exists());
    assert!(err.contains("p.o"), "{err}");
}

#[test]
fn dumps_ir_and_asm() {
    let p = example("payload_mod.rs");
    let (code, out, err) = run(&["compile", p.to_str().unwrap(), "-o", "/dev/null", "--dump", "asm"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("call sk_select_reuseport#82"), "{out}");
    assert!(out.contains("exit"), "{out}");
    let (code, out, _) = run(&["check", p.to_str().unwrap(), "--dump", "ir"]);
    assert_eq!(code, 0);
    assert!(out.contains("block0:"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, _) = run(&["load"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["frobnicate"]);
    assert_eq!(code, 2);
    exits_with(&["check", "/nonexistent/policy.rs"], 2);
    exits_with(&["check", example("payload_mod.rs").to_str().unwrap(), "--const", "WORKERS"], 2);
}

#[test]
fn const_override_changes_the_program() {
    let p = example("payload_mod.rs");
    let (code, out4, _) = run(&["check", p.to_str().unwrap(), "--dump", "asm"]);
    assert_eq!(code, 0);
    let (code, out8, err) = run(&["check", p.to_str().unwrap(), "--dump", "asm", "--const", "WORKERS=8"]);
    assert_eq!(code, 0, "{err}");
    assert_ne!(out4, out8);
}

#[test]
fn explain_knows_the_codes_it_prints() {
    let policy = root().join("tests/data/broken.rs");
    let (_, _, err) = run(&["check", policy.to_str().unwrap()]);
    let code = err.split("error[").nth(1).and_then(|s| s.split(']').next()).expect("a code").to_string();
    let (status, out, _) = run(&["explain", &code]);
    assert_eq!(status, 0);
    assert!(out.len() > 40, "{out}");
}

/// `rsteer test` passes every test of `path`; returns its output.
fn passes_its_tests(path: &Path) -> String {
    let (code, out, err) = run(&["test", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{}:\n{out}{err}", path.display());
    assert!(out.contains(" passed, 0 failed"), "{out}");
    out
}

/// An example passes its tests, and has some.
fn example_passes_its_tests(path: &Path) {
    let out = passes_its_tests(path);
    assert!(!out.contains("running 0 tests"), "{} has no tests:\n{out}", path.display());
}

fn data_passes_its_tests(path: &Path) {
    passes_its_tests(path);
}

mod every_example_passes_its_tests {
    example_cases!(super::example_passes_its_tests);
}

mod every_data_policy_passes_its_tests {
    data_ok_cases!(super::data_passes_its_tests);
}

#[test]
fn failing_tests_show_the_line_and_both_values() {
    let p = root().join("tests/data/failing_tests.rs");
    let (code, out, _) = run(&["test", p.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("2 passed, 2 failed"), "{out}");
    assert!(out.contains("failing_tests.rs:20:5"), "{out}");
    assert!(out.contains("expected Verdict::Pass with SOCKETS[3] selected"), "{out}");
    assert!(out.contains("got:   Verdict::Pass with SOCKETS[2] selected"), "{out}");
    assert!(out.contains("right: Verdict::Drop"), "{out}");
    let (_, out, _) = run(&["test", p.to_str().unwrap(), "--filter", "byte_two"]);
    assert!(out.contains("1 passed, 0 failed"), "{out}");
    let (_, json, _) = run(&["test", p.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("--json");
    assert_eq!(v["failed"], 2);
}

#[test]
fn modules_load_from_beside_the_policy() {
    let p = root().join("tests/data/modules/main.rs");
    let (code, out, err) = run(&["test", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 passed, 0 failed"), "{out}");
    // A missing module is a diagnostic at the `mod` line.
    let tmp = TempDir::new("mods");
    let broken = tmp.path().join("p.rs");
    std::fs::write(
        &broken,
        "mod nowhere;\n#[map]\nstatic S: SockArray<2>;\n#[steer]\nfn r(pkt: Packet) -> Verdict { select(S, 0) }\n",
    )
    .unwrap();
    let (code, _, err) = run(&["check", broken.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("p.rs:1:") && err.contains("nowhere"), "{err}");
}

#[test]
fn check_json_gives_scripts_the_diagnostics() {
    let (code, out, _) = run(&["check", root().join("tests/data/broken.rs").to_str().unwrap(), "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("--json");
    assert_eq!(v["ok"], false);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E0200");
    assert_eq!(d["at"]["line"], 9);
    assert!(d["at"]["file"].as_str().unwrap().ends_with("broken.rs"));
    let (code, out, _) = run(&["check", example("payload_mod.rs").to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("--json");
    assert_eq!((v["ok"].as_bool(), v["diagnostics"].as_array().map(Vec::len)), (Some(true), Some(0)));
}

#[test]
fn hostile_files_are_refused_at_once_in_words() {
    let tmp = TempDir::new("hostile");
    let fifo = tmp.path().join("fifo.rs");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let start = std::time::Instant::now();
    let err = exits_with(&["check", fifo.to_str().unwrap()], 2);
    assert!(err.contains("is a FIFO") && err.contains("regular file"), "{err}");
    let err = exits_with(&["check", "/dev/zero"], 2);
    assert!(err.contains("/dev/zero is a device"), "{err}");
    // Neither was read nor waited on (a FIFO with no writer would block for ever).
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    let big = tmp.path().join("big.rs");
    std::fs::write(&big, " ".repeat(5 << 20)).unwrap();
    let err = exits_with(&["check", big.to_str().unwrap()], 2);
    assert!(err.contains("at most 4194304 bytes (4 MiB)"), "{err}");
    let bad = tmp.path().join("bad.rs");
    std::fs::write(&bad, b"fn f() {}\n\xff\n").unwrap();
    let err = exits_with(&["check", bad.to_str().unwrap()], 2);
    assert!(err.contains("invalid byte 0xff at byte offset 10 (line 2)"), "{err}");
}

#[test]
fn module_files_that_cannot_be_used_say_why() {
    let tmp = TempDir::new("hostile_mod");
    let main = tmp.path().join("main.rs");
    std::fs::write(
        &main,
        "mod m;\n#[map]\nstatic S: SockArray<4>;\n#[steer]\nfn r(_pkt: Packet) -> Verdict { select(S, m::f()) }\n",
    )
    .unwrap();
    let m = tmp.path().join("m.rs");
    let check = |expect: &str| {
        let err = exits_with(&["check", main.to_str().unwrap()], 1);
        assert!(err.contains("main.rs:1:5") && err.contains(expect), "expected `{expect}`:\n{err}");
        assert!(!err.contains("file not found"), "{err}");
    };
    std::fs::create_dir(&m).unwrap();
    check("m.rs is a directory");
    std::fs::remove_dir(&m).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("loop.rs"), &m).unwrap();
    std::os::unix::fs::symlink(&m, tmp.path().join("loop.rs")).unwrap();
    check("m.rs is a symbolic link that loops");
    std::fs::remove_file(&m).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &m).unwrap();
    check("m.rs is a device");
    std::fs::remove_file(&m).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(&m).status().unwrap().success());
    check("m.rs is a FIFO");
    std::fs::remove_file(&m).unwrap();
    std::fs::write(&m, b"pub fn f() -> u32 { 1 }\n\xc3(\n").unwrap();
    check("m.rs is not UTF-8: invalid byte 0xc3 at byte offset 24 (line 2)");
    std::fs::write(&m, "pub fn f() -> u32 { 1 }\n").unwrap();
    std::fs::create_dir(tmp.path().join("m")).unwrap();
    std::fs::write(tmp.path().join("m/mod.rs"), "pub fn f() -> u32 { 2 }\n").unwrap();
    check("ambiguous");
}

#[test]
fn compile_never_writes_over_its_sources() {
    let tmp = TempDir::new("overwrite");
    let main = tmp.path().join("main.rs");
    let text =
        "mod m;\n#[map]\nstatic S: SockArray<4>;\n#[steer]\nfn r(_pkt: Packet) -> Verdict { select(S, m::f()) }\n";
    std::fs::write(&main, text).unwrap();
    std::fs::write(tmp.path().join("m.rs"), "pub fn f() -> u32 { 1 }\n").unwrap();
    let x_o = tmp.path().join("x.o");
    std::fs::write(&x_o, text).unwrap();
    std::fs::write(tmp.path().join("x.rs"), "").unwrap();
    for args in [
        vec!["compile", main.to_str().unwrap(), "-o", main.to_str().unwrap()],
        vec!["compile", main.to_str().unwrap(), "-o", tmp.path().join("m.rs").to_str().unwrap()],
        vec!["compile", x_o.to_str().unwrap()],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("refusing to write the object over"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&main).unwrap(), text);
    assert_eq!(std::fs::read_to_string(&x_o).unwrap(), text);
    assert_eq!(std::fs::read_to_string(tmp.path().join("m.rs")).unwrap(), "pub fn f() -> u32 { 1 }\n");
}

#[test]
fn warnings_exit_0_and_dash_d_warnings_makes_them_errors() {
    let tmp = TempDir::new("warnings");
    let p = tmp.path().join("w.rs");
    std::fs::write(&p, "#[map]\nstatic S: SockArray<4>;\n#[steer]\nfn r(pkt: Packet) -> Verdict {\n    let x = 1u32;\n    select(S, pkt.hash % 4)\n}\n")
        .unwrap();
    let path = p.to_str().unwrap();
    let err = exits_with(&["check", path], 0);
    assert!(err.contains("warning[W0101]: unused variable `x`") && err.contains("w.rs:5:9"), "{err}");
    for verb in ["check", "compile", "test"] {
        let (code, _, err) =
            run(&[verb, path, "-D", "warnings", "-o", "/dev/null"][..if verb == "compile" { 6 } else { 4 }]);
        assert_eq!(code, 1, "{verb}: {err}");
        assert!(err.contains("error[W0101]") && err.contains("`-D warnings`"), "{err}");
    }
    let (code, out, _) = run(&["check", path, "--json"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"W0101\"") && out.contains("\"warning\""), "{out}");
    let err = exits_with(&["check", path, "--const", "N=1", "--const", "N=2"], 2);
    assert!(err.contains("`--const N=` is given more than once"), "{err}");
}

#[test]
fn deep_nesting_does_not_depend_on_ulimit_s() {
    let tmp = TempDir::new("deep");
    let p = tmp.path().join("deep.rs");
    let body = format!("    {}Verdict::Pass", "return ".repeat(3000));
    std::fs::write(&p, format!("#[steer]\nfn route(_pkt: Packet) -> Verdict {{\n{body}\n}}\n")).unwrap();
    let bin = env!("CARGO_BIN_EXE_rsteer");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -s 1024; exec {bin} check {}", p.display()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[E0010]") && err.contains("deep.rs:3:"), "{err}");
}

#[test]
fn a_test_packet_on_a_cpu_the_tests_lack_fails_in_words() {
    let tmp = TempDir::new("cpu");
    let p = tmp.path().join("cpu.rs");
    std::fs::write(&p, "#[map]\nstatic S: SockArray<4>;\n#[steer]\nfn route(_pkt: Packet) -> Verdict { select(S, cpu() % 4) }\n#[test]\nfn t() { assert_eq!(route(Packet::udp4().cpu(4294967295)), Verdict::Pass); }\n")
        .unwrap();
    let (code, out, err) = run(&["test", p.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("`.cpu(4294967295)` names no CPU: tests run on 8 CPUs, 0 to 7"), "{out}");
    assert!(!out.contains("compiler bug"), "{out}");
}
