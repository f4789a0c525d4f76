//! rsteer-bpf: the BPF ABI that rsteer's programs are written against, each fact once.
//!
//! Instruction encoding ([`insn`]), helper ids ([`helper`]), map types and flags ([`map`]), the
//! SK_REUSEPORT context ([`ctx`]) and one evaluator of BPF's integer semantics ([`eval`]). The
//! compiler, the simulator, the loader and the CLI all read these, so a number the kernel
//! defines is written here and nowhere else.
//!
//! This crate knows nothing of the policy language: it depends on no other rsteer crate.

pub mod btf;
pub mod ctx;
pub mod eval;
pub mod helper;
pub mod insn;
pub mod map;
pub mod object;

pub use insn::{AluOp, Insn, JmpOp, Size};
pub use map::MapType;

/// The kernel's stack limit for one BPF frame, in bytes.
pub const STACK_SIZE: u32 = 512;

/// `BPF_PROG_TYPE_SK_REUSEPORT`.
pub const PROG_TYPE_SK_REUSEPORT: u32 = 21;

/// The ELF section of a program that selects (libbpf's and aya's name for the program type).
pub const SECTION_SELECT: &str = "sk_reuseport";
/// The ELF section of a program that also selects for migrating requests
/// (`BPF_SK_REUSEPORT_SELECT_OR_MIGRATE`, Linux 5.14+).
pub const SECTION_MIGRATE: &str = "sk_reuseport/migrate";

/// Return value: let the packet through (to the selected socket, or the kernel's pick).
pub const SK_PASS: u32 = 1;
/// Return value: drop the packet.
pub const SK_DROP: u32 = 0;

/// The map `--count` adds to a policy: a per-CPU array of one `rsteer_counts` struct whose
/// fields count the verdicts (`pass`, `drop`, and one `[u64; N]` per socket map), described
/// in the map's BTF.
pub const COUNTS_MAP: &str = "rsteer_counts";

/// The map `--count` adds beside [`COUNTS_MAP`] to a policy with a `SockHash`: a hash map of
/// socket cookie to the number of packets its selections sent there.
pub const COOKIES_MAP: &str = "rsteer_cookies";
