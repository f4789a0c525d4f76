//! The built-in functions: the one table of them, read by the type checker, the name
//! suggestions, the kernel-version check and the HIR dump.
//!
//! A new built-in function needs, besides its row in [`BUILTINS`] and its [`Builtin`]
//! variant: its lowering in `codegen/src/lower.rs` (`ExprKind::Builtin`, the helper it
//! calls) and its model in the simulator's HIR interpreter (`sim/src/harness.rs`,
//! `ExprKind::Builtin`) and, for a new helper, in the VM (`sim/src/vm.rs`).

use crate::version::{KernelVersion, ValueTy, KTIME_COARSE, SK_REUSEPORT};

/// A built-in function of no arguments, read from the kernel at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// `cpu() -> u32`
    Cpu,
    /// `random() -> u32`
    Random,
    /// `now_ns() -> u64`
    NowNs,
    /// `now_coarse_ns() -> u64`
    NowCoarseNs,
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinFn {
    pub name: &'static str,
    pub builtin: Builtin,
    /// The parameter types; every built-in so far takes none.
    pub params: &'static [ValueTy],
    pub ret: ValueTy,
    /// The first Linux version with the helper it is lowered to.
    pub since: KernelVersion,
}

/// The built-in functions that are plain calls.
pub const BUILTINS: [BuiltinFn; 4] = [
    BuiltinFn { name: "cpu", builtin: Builtin::Cpu, params: &[], ret: ValueTy::U32, since: SK_REUSEPORT },
    BuiltinFn { name: "random", builtin: Builtin::Random, params: &[], ret: ValueTy::U32, since: SK_REUSEPORT },
    BuiltinFn { name: "now_ns", builtin: Builtin::NowNs, params: &[], ret: ValueTy::U64, since: SK_REUSEPORT },
    BuiltinFn {
        name: "now_coarse_ns",
        builtin: Builtin::NowCoarseNs,
        params: &[],
        ret: ValueTy::U64,
        since: KTIME_COARSE,
    },
];

/// Built-in names the type checker handles with their own rules (a map argument, a
/// payload): `select(map, key)`, `try_select(map, key)` and `Some(x)`.
pub const SPECIAL_FNS: [&str; 3] = ["select", "try_select", "Some"];

/// Every name callable without an import, in the order suggestions list them.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|b| b.name).chain(SPECIAL_FNS)
}

/// The row of a plain built-in called `name`.
pub fn lookup(name: &str) -> Option<&'static BuiltinFn> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// The row of `b`.
pub fn info(b: Builtin) -> &'static BuiltinFn {
    BUILTINS.iter().find(|r| r.builtin == b).expect("every builtin has a row")
}
