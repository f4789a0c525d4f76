//! The loader against hostile and changing input, on the real kernel: 300 single-byte
//! mutations of a good object loaded against a live server give clear errors and never a
//! panic; `load --replace` reports the table the live map holds after a socket closed.

#[macro_use]
mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

#[test]
fn mutated_objects_never_panic() {
    require_kernel!();
    let dir = TempDir::new("mutants");
    let good = std::fs::read(compile(&example("override_table.rs"), dir.path())).unwrap();
    let server = Server::start("udp", 4);
    let pid = server.pid.to_string();
    // A fixed xorshift: the same 300 mutations every run.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut outcomes = std::collections::BTreeMap::<i32, u32>::new();
    for i in 0..300 {
        let mut bytes = good.clone();
        let at = (next() % bytes.len() as u64) as usize;
        let old = bytes[at];
        bytes[at] = (next() % 255) as u8 + 1;
        if bytes[at] == old {
            bytes[at] ^= 0xff;
        }
        let path = dir.path().join(format!("m{i}.o"));
        std::fs::write(&path, &bytes).unwrap();
        let name = format!("{}-{i}", unique("mut").replace('_', "-"));
        let (code, _, err) = run(&["load", path.to_str().unwrap(), "--pid", &pid, "--name", &name]);
        assert!(
            matches!(code, 0..=3) && !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "mutation {i} (byte {at}: {old:#04x} -> {:#04x}) exit {code}: {err}",
            bytes[at]
        );
        if code == 0 {
            exits_with(&["detach", &name], 0);
        } else {
            assert!(err.lines().any(|l| l.starts_with("error")), "mutation {i}: a clear error: {err}");
            assert!(!std::path::Path::new("/sys/fs/bpf/rsteer").join(&name).exists(), "mutation {i} left state");
        }
        *outcomes.entry(code).or_default() += 1;
    }
    println!("exit codes of 300 mutated objects: {outcomes:?}");
    // The group ends as it began: no program attached.
    let err = exits_with(&["detach", "--pid", &pid], 3);
    assert!(err.contains("has no program attached"), "{err}");
}

#[test]
fn replace_reports_the_live_table_after_a_socket_closed() {
    require_kernel!();
    let script = root().join("tests/data/ops/closing_server.py");
    let mut child =
        Command::new("python3").arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("python3 runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut ready = String::new();
    lines.read_line(&mut ready).unwrap();
    let pid = ready.split_whitespace().nth(1).expect("READY pid").to_string();
    let policy = example("payload_mod.rs");
    let p = policy.to_str().unwrap();
    let name = unique("hole").replace('_', "-");
    let (code, out, err) = run(&["load", p, "--pid", &pid, "--name", &name, "--json"]);
    assert_eq!(code, 0, "{err}");
    let cookies: Vec<u64> = serde_json::from_str::<serde_json::Value>(&out).unwrap()["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["cookie"].as_u64().unwrap())
        .collect();
    // Forget the name, so that `load --replace` takes the path of a program loaded by others.
    std::fs::remove_dir_all(std::path::Path::new("/sys/fs/bpf/rsteer").join(&name)).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "close 1").unwrap();
    let mut closed = String::new();
    lines.read_line(&mut closed).unwrap();
    assert_eq!(closed.trim(), "closed 1");
    let (code, out, err) = run(&["load", p, "--pid", &pid, "--replace", "--json"]);
    let (dcode, _, derr) = run(&["detach", "--pid", &pid]);
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, 0, "{err}");
    let rows: Vec<(u64, u64)> = serde_json::from_str::<serde_json::Value>(&out).unwrap()["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["index"].as_u64().unwrap(), s["cookie"].as_u64().unwrap()))
        .collect();
    assert_eq!(rows, vec![(0, cookies[0]), (2, cookies[2]), (3, cookies[3])], "{out}");
    assert_eq!(dcode, 0, "{derr}");
}
