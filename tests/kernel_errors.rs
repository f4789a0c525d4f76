//! Kernel errors in words: a clang-built object that reads the packet without a bounds check
//! is reported as the verifier's rejection at its source line (exit 3, no capability hint),
//! with the source shown whether or not the file is at hand, and the log behind `-v`; an
//! object rsteer wrote is a compiler bug, said so; an unprivileged `map` says the refusal.

#[macro_use]
mod common;

use common::*;
use std::process::Command;

/// Builds `tests/data/ops/bad_packet_read.c` with clang into `dir`, as `bad.c` → `bad.o`.
fn clang_object(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::copy(root().join("tests/data/ops/bad_packet_read.c"), dir.join("bad.c")).unwrap();
    let out = Command::new("clang")
        .args(["-O2", "-g", "-target", "bpf", "-c", "bad.c", "-o", "bad.o"])
        .current_dir(dir)
        .output()
        .expect("clang runs");
    assert!(out.status.success(), "clang: {}", String::from_utf8_lossy(&out.stderr));
    dir.join("bad.o")
}

fn load_in(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = rsteer().args(args).current_dir(dir).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_verifier_rejection_is_a_diagnostic_at_the_source_line() {
    require_kernel!("clang");
    let dir = TempDir::new("verifier");
    let object = clang_object(dir.path());
    let server = Server::start("udp", 2);
    let pid = server.pid.to_string();
    let name = unique("bad").replace('_', "-");
    let obj = object.to_str().unwrap();
    let want = "error[E0900]: the kernel's verifier rejected `route` at bad.c:11: invalid access to packet, off=3 size=1 (R1 offset is outside of the packet)";

    // Beside the source: the file's own line, with its indentation.
    let (code, err) = load_in(dir.path(), &["load", obj, "--pid", &pid, "--name", &name]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(want), "{err}");
    assert!(err.contains("┌─ bad.c:11:"), "{err}");
    assert!(err.contains("11 │     return data[3] & 1;"), "{err}");
    assert!(err.contains("instruction 1: r0 = *(u8 *)(r1 +3)"), "{err}");
    assert!(!err.contains("CAP_BPF") && !err.contains("Permission denied"), "no capability hint: {err}");
    assert!(!err.contains("verification time"), "the log only with -v: {err}");
    assert!(!rsteer_loader_state_exists(&name), "a failed load leaves no state");

    // From elsewhere the file is found through the object's full path for it.
    let (code, err) = load_in(std::path::Path::new("/"), &["load", obj, "--pid", &pid, "--name", &name]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("11 │     return data[3] & 1;"), "{err}");

    // Gone: the line as the object's BTF recorded it; `-v` adds the log.
    std::fs::remove_file(dir.path().join("bad.c")).unwrap();
    let (code, err) = load_in(std::path::Path::new("/"), &["load", obj, "--pid", &pid, "--name", &name, "-v"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(want), "{err}");
    assert!(err.contains("11 │ return data[3] & 1;"), "{err}");
    assert!(err.contains("the verifier's log:") && err.contains("R1 offset is outside of the packet"), "{err}");
}

fn rsteer_loader_state_exists(name: &str) -> bool {
    std::path::Path::new("/sys/fs/bpf/rsteer").join(name).exists()
}

/// The rejection of an object rsteer wrote is called a compiler bug, with what to report; the
/// source line comes from the object's `.BTF.ext` when the log has none.
#[test]
fn a_rejection_of_our_own_object_is_a_compiler_bug() {
    let dir = TempDir::new("ours");
    let object = compile(&example("payload_mod.rs"), dir.path());
    let bytes = std::fs::read(&object).unwrap();
    let info = rsteer_bpf::object::read(&bytes).unwrap();
    assert!(info.from_rsteer());
    let log = "0: R1=ctx() R10=fp0\n2: (71) r0 = *(u8 *)(r1 +3)\ninvalid access to packet, off=3 size=1, R1(id=0,off=3,r=0)\n";
    let program = &info.programs[0].name;
    let r = rsteer_loader::verifier::rejection(program, libc::EACCES, log, Some(&info));
    let at = r.at.clone().expect("a place from .BTF.ext");
    assert!(at.file.ends_with("payload_mod.rs") && at.line > 0, "{at:?}");
    let e = rsteer_loader::LoadError::Verifier(Box::new(r));
    assert_eq!(e.kind(), rsteer_loader::ErrorKind::System);
    let hint = e.hint().unwrap();
    assert!(hint.contains("this is a compiler bug") && hint.contains("-v"), "{hint}");
}

/// Without capabilities, `map` and `load --replace` say what the kernel refused, never "no
/// program attached" or "no SO_REUSEPORT socket among its 0 sockets".
#[test]
fn an_unprivileged_map_says_the_refusal() {
    require_kernel!("setpriv");
    let server = Server::start("udp", 2);
    let pid = server.pid.to_string();
    let policy = example("override_table.rs");
    let p = policy.to_str().unwrap();
    exits_with(&["load", p, "--pid", &pid, "--name", &unique("priv").replace('_', "-")], 0);
    let bin = env!("CARGO_BIN_EXE_rsteer");
    for args in [vec!["map", "--pid", &pid, "list"], vec!["map", "--pid", &pid, "dump", "STEERED"]] {
        let out =
            Command::new("setpriv").args(["--bounding-set=-all", "--inh-caps=-all", bin]).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {err}");
        assert!(
            err.contains(&format!("not allowed to read the descriptors of pid {pid}: permission denied (EACCES)")),
            "{args:?}: {err}"
        );
        assert!(!err.contains("no program attached") && !err.contains("0 sockets"), "{args:?}: {err}");
    }
    exits_with(&["detach", "--pid", &pid], 0);
}
