//! Linux versions, and the version each kernel feature the language uses arrived in. The
//! language's tables (`builtins`, `packet`) name these; `kernel` checks them against
//! `--target-kernel`.

/// A Linux version, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KernelVersion(pub u32, pub u32);

impl std::fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

impl std::str::FromStr for KernelVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.trim().split('.');
        let num = |p: Option<&str>| p.and_then(|x| x.parse::<u32>().ok());
        match (num(parts.next()), parts.next().map(|p| p.parse::<u32>().ok())) {
            (Some(major), Some(Some(minor))) => Ok(KernelVersion(major, minor)),
            (Some(major), None) => Ok(KernelVersion(major, 0)),
            _ => Err(format!("`{s}` is not a kernel version such as 5.14")),
        }
    }
}

/// SK_REUSEPORT programs themselves (and `bpf_skb_load_bytes(_relative)` from them).
pub const SK_REUSEPORT: KernelVersion = KernelVersion(4, 19);
/// Bounded loops in the verifier.
pub const BOUNDED_LOOPS: KernelVersion = KernelVersion(5, 3);
/// `bpf_sk_select_reuseport` with a SOCKMAP or SOCKHASH.
pub const SOCKMAP_SELECT: KernelVersion = KernelVersion(5, 8);
/// `bpf_ktime_get_coarse_ns`.
pub const KTIME_COARSE: KernelVersion = KernelVersion(5, 11);
/// `ctx->sk`, `ctx->migrating_sk`, `BPF_SK_REUSEPORT_SELECT_OR_MIGRATE`.
pub const MIGRATE: KernelVersion = KernelVersion(5, 14);
/// Signed division and modulo (BPF ISA v4).
pub const SIGNED_DIV: KernelVersion = KernelVersion(6, 6);

/// The type of a table entry's value: the tables are leaves and do not import the HIR, which
/// turns this into its `Ty` (`hir::ValueTy::ty`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueTy {
    Bool,
    U8,
    U16,
    U32,
    U64,
    /// `[u8; N]`
    Bytes(u32),
}
