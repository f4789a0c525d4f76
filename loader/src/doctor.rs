//! `rsteer doctor`: what this machine offers for steering, and the fix of each problem.

use serde::Serialize;

/// One finding.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Check {
    /// Short key: `kernel`, `bpffs`, `cap_bpf`, ...
    pub name: String,
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// What to do when it is not ok.
    pub fix: Option<String>,
}

fn check(name: &str, ok: bool, detail: String, fix: &str) -> Check {
    Check { name: name.into(), ok, detail, fix: (!ok).then(|| fix.to_string()) }
}

/// The running kernel's version as (major, minor), from `/proc/sys/kernel/osrelease`.
pub fn kernel_version() -> Option<(u32, u32, String)> {
    let text = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    let text = text.trim().to_string();
    let mut it = text.split(|c: char| !c.is_ascii_digit());
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor, text))
}

fn effective_caps() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
        .unwrap_or(0)
}

/// Whether this process has capability number `cap` in effect.
pub fn has_cap(cap: u32) -> bool {
    effective_caps() & (1u64 << cap) != 0
}

pub const CAP_NET_ADMIN: u32 = 12;
pub const CAP_SYS_PTRACE: u32 = 19;
pub const CAP_SYS_ADMIN: u32 = 21;
pub const CAP_BPF: u32 = 39;

/// Every check, in a fixed order.
pub fn run() -> Vec<Check> {
    let mut out = Vec::new();
    let version = kernel_version();
    let at_least = |maj: u32, min: u32| version.as_ref().is_some_and(|(a, b, _)| (*a, *b) >= (maj, min));
    let release = version.as_ref().map_or("unknown".to_string(), |v| v.2.clone());
    out.push(check(
        "kernel",
        at_least(5, 6),
        format!("Linux {release}"),
        "rsteer needs Linux 5.6 or newer (pidfd_getfd); upgrade the kernel",
    ));
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let bpffs = mounts.lines().any(|l| l.split_whitespace().nth(2) == Some("bpf"));
    out.push(check(
        "bpffs",
        bpffs,
        if bpffs { "mounted at /sys/fs/bpf".into() } else { "not mounted".into() },
        "mount -t bpf bpf /sys/fs/bpf (rsteer load mounts it when it runs as root)",
    ));
    let sys_admin = has_cap(CAP_SYS_ADMIN);
    for (name, cap, why) in [
        ("cap_bpf", CAP_BPF, "to load programs and create maps"),
        ("cap_net_admin", CAP_NET_ADMIN, "to create SockMap and SockHash maps and attach to sockets"),
        ("cap_sys_ptrace", CAP_SYS_PTRACE, "to take the sockets of another user's process"),
    ] {
        let ok = has_cap(cap) || (cap == CAP_BPF && sys_admin);
        out.push(check(
            name,
            ok,
            format!("{} ({why})", if ok { "in effect" } else { "missing" }),
            "run rsteer as root, or grant it the capability (setcap cap_bpf,cap_net_admin,cap_sys_ptrace+ep)",
        ));
    }
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope").ok().map(|s| s.trim().to_string());
    let (ok, detail) = match scope.as_deref() {
        None => (true, "not set (Yama is not enabled: classic ptrace permissions)".to_string()),
        Some("0") => (true, "0 (classic ptrace permissions)".to_string()),
        Some("1") => {
            (true, "1 (restricted: only a parent, or CAP_SYS_PTRACE, may take a process's sockets)".to_string())
        }
        Some("2") => (has_cap(CAP_SYS_PTRACE), "2 (admin-only: CAP_SYS_PTRACE is needed)".to_string()),
        Some(other) => (false, format!("{other} (no attach: no process's sockets can be taken)")),
    };
    out.push(check(
        "ptrace_scope",
        ok,
        format!("kernel.yama.ptrace_scope = {detail}"),
        "sysctl kernel.yama.ptrace_scope=1 (3 cannot be lowered without a reboot), or run with CAP_SYS_PTRACE",
    ));
    let jit = std::fs::read_to_string("/proc/sys/net/core/bpf_jit_enable").ok().map(|s| s.trim().to_string());
    out.push(check(
        "jit",
        jit.as_deref().is_some_and(|j| j != "0"),
        format!("net.core.bpf_jit_enable = {}", jit.as_deref().unwrap_or("unknown")),
        "sysctl net.core.bpf_jit_enable=1 (programs run interpreted, slower, without it)",
    ));
    for (name, maj, min, what) in [
        ("sockarray", 4, 19, "REUSEPORT_SOCKARRAY and bpf_sk_select_reuseport"),
        ("lpm_trie", 4, 11, "LpmTrie maps"),
        ("sockmap_select", 5, 8, "SockMap and SockHash with select (try_select on them)"),
        ("select_or_migrate", 5, 14, "#[steer(migrate)]: moving pending TCP connections off a closing listener"),
    ] {
        let ok = at_least(maj, min);
        out.push(check(
            name,
            ok,
            format!(
                "{what}: {}",
                if ok { format!("supported (Linux {maj}.{min}+)") } else { format!("needs Linux {maj}.{min}") }
            ),
            "upgrade the kernel, or write the policy without the feature (check with --target-kernel)",
        ));
    }
    out
}
