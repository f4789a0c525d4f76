//! The one place where a kernel test decides whether it can run. A test that cannot (no
//! CAP_BPF or CAP_NET_ADMIN, no bpffs, a missing tool) is reported as skipped, never as a
//! silent pass: it prints `rsteer-test: SKIPPED <test>: <reason>` and, when the environment
//! names a file in `RSTEER_SKIP_LOG`, appends that line to it. `.ci/run` sets the variable and
//! fails when the file is not empty: CI runs as root with everything installed, so a skip
//! there is a broken install. Shared by tests/ and loader/tests/ (`#[path]` include).
#![allow(dead_code, unused_macros)]

use std::io::Write;
use std::process::{Command, Stdio};

/// The marker every skip line starts with; `.ci/run` lists the lines that carry it.
pub const MARKER: &str = "rsteer-test: SKIPPED";

/// Why a kernel test that needs `tools` cannot run here, or `None` when it can.
pub fn missing(tools: &[&str]) -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let cap_eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    const CAP_NET_ADMIN: u64 = 12;
    const CAP_BPF: u64 = 39;
    if cap_eff & (1 << CAP_BPF) == 0 || cap_eff & (1 << CAP_NET_ADMIN) == 0 {
        return Some("needs CAP_BPF and CAP_NET_ADMIN (run as root)".into());
    }
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    if !mounts.lines().any(|l| l.split_whitespace().nth(1) == Some("/sys/fs/bpf") && l.contains(" bpf ")) {
        return Some("bpffs is not mounted at /sys/fs/bpf (.ci/run mounts it)".into());
    }
    for tool in tools {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!("`{tool}` is not installed (.ci/run installs it)"));
        }
    }
    None
}

/// Whether the calling kernel test (or the kernel part of a test) can run; when it cannot,
/// reports the skip under the test's name and returns false.
pub fn kernel_ready(tools: &[&str]) -> bool {
    match missing(tools) {
        None => true,
        Some(reason) => {
            report(&reason);
            false
        }
    }
}

/// Reports the running test as skipped for `reason`.
pub fn report(reason: &str) {
    // libtest names each test's thread after the test.
    let test = std::thread::current().name().unwrap_or("unnamed test").to_string();
    let line = format!("{MARKER} {test}: {reason}");
    println!("{line}");
    eprintln!("{line}");
    if let Some(path) = std::env::var_os("RSTEER_SKIP_LOG") {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path);
        if let Ok(mut f) = file {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// Returns from the calling test, reported as skipped, unless the kernel and `tools` are there
/// (`kernel_ready` must be in scope).
macro_rules! require_kernel {
    ($($tool:expr),* $(,)?) => {
        if !kernel_ready(&[$($tool),*]) {
            return;
        }
    };
}
