//! The built-in functions: the one table of them, read by the type checker, the name
//! suggestions and the kernel-version check.

/// Functions the language provides without an import.
pub const BUILTIN_FNS: [&str; 7] = ["cpu", "random", "now_ns", "now_coarse_ns", "select", "try_select", "Some"];
