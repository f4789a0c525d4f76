//! The diagnostic codes, each a named constant: the explanations (`diag::CODES`), the
//! constructors (`errors`) and the tests name a code through these, never as a string.
//!
//! A new code needs its constant here, its constructor in `errors.rs` and its explanation in
//! `diag::CODES` (which the book's error index is generated from).

/// Syntax error.
pub const SYNTAX: &str = "E0001";
/// Malformed literal: an integer with digits its radix does not have, an unknown suffix (the suffixes are
/// the integer types, `7u8`), a literal too large for `u64`, or a byte literal with an unknown escape.
pub const MALFORMED_LITERAL: &str = "E0002";
/// An integer literal does not fit its type.
pub const LITERAL_OUT_OF_RANGE: &str = "E0003";
/// The input nests brackets or operators too deeply for the compiler to process safely.
pub const TOO_DEEP: &str = "E0010";
/// A name was not found: no local variable, constant, map, function or import of that name is in scope.
pub const UNKNOWN_NAME: &str = "E0100";
/// The same name is defined twice in one file (two items, an item and an import, two fields of a struct,
/// two parameters of a function).
pub const DUPLICATE_NAME: &str = "E0101";
/// A module could not be found or imported: `use` imports only the standard library (`use std::quic;`), a
/// local file is declared with `mod name;` beside the policy, and a qualified path `m::name` needs `m` to
/// be imported first.
pub const UNKNOWN_MODULE: &str = "E0102";
/// An item of another module is used but not exported.
pub const PRIVATE_ITEM: &str = "E0103";
/// A field does not exist, is given twice, or is missing in a struct literal; or a method of `Packet` was
/// used without its parentheses (`pkt.is_tcp()`).
pub const BAD_FIELD: &str = "E0104";
/// A method does not exist on the receiver's type.
pub const UNKNOWN_METHOD: &str = "E0105";
/// A type name is unknown or misused: the types are the integers, `bool`, arrays `[T; N]`, declared
/// structs, `Option<T>`, `Packet` and `Verdict`.
pub const BAD_TYPE_NAME: &str = "E0106";
/// A name the object file and the kernel's BTF carry (a `#[steer]` entry, a map, a struct or a field of
/// one) is longer than 127 bytes, the kernel's limit for such names.
pub const NAME_TOO_LONG: &str = "E0107";
/// Mismatched types: an expression's type differs from the one its position requires.
pub const MISMATCHED_TYPES: &str = "E0200";
/// A function, method or built-in was called with the wrong number of arguments.
pub const WRONG_ARG_COUNT: &str = "E0201";
/// `?` was used where a `None` has nowhere to go.
pub const MISPLACED_TRY: &str = "E0202";
/// An operator was applied to a type that does not support it: arithmetic, bitwise operators and ordering
/// comparisons need integers, `==` also takes `bool`s and arrays, unary `-` needs a signed integer, `&&`
/// and `||` need `bool`s.
pub const BAD_OPERAND: &str = "E0203";
/// An assignment's target is not a `let mut` variable (or a field or element of one).
pub const NOT_ASSIGNABLE: &str = "E0204";
/// `break` or `continue` outside a `for` loop.
pub const BREAK_OUTSIDE_LOOP: &str = "E0205";
/// The `else` block of `let Some(x) = e else { ..
pub const LET_ELSE_FALLS_THROUGH: &str = "E0206";
/// `as` converts between integer types and from `bool` to an integer; other casts are errors.
pub const BAD_CAST: &str = "E0207";
/// Something that is not a value was used as one (a map, a function, a module, a packet region), or
/// something that is not a function was called.
pub const NOT_A_VALUE: &str = "E0208";
/// Comparison operators are not associative: `a < b < c` is an error.
pub const CHAINED_COMPARISON: &str = "E0209";
/// A test-only form (string literals, packet builders such as `Packet::udp4()`, `assert!`-style macros)
/// appears outside a `#[test]` function.
pub const TEST_ONLY: &str = "E0210";
/// A `#[steer]` entry must be `fn name(pkt: Packet) -> Verdict`; a `#[test]` function takes no parameters
/// and returns nothing.
pub const BAD_SIGNATURE: &str = "E0300";
/// The main file has no `#[steer]` function, so there is nothing to load.
pub const NO_ENTRY: &str = "E0301";
/// An attribute is unknown or misplaced: functions take `#[steer]` (options `migrate`, `fallback =
/// Drop|Pass`) or `#[test]`, statics take `#[map]`, and entries live in the main file.
pub const BAD_ATTRIBUTE: &str = "E0302";
/// Functions call each other in a cycle.
pub const RECURSION: &str = "E0303";
/// A `#[map] static` names an unknown map kind.
pub const UNKNOWN_MAP_KIND: &str = "E0400";
/// A map kind was given the wrong number of generic arguments: `SockArray<N>`, `SockMap<N>`, `SockHash<K,
/// N>`, `Array<V, N>`, `PerCpuArray<V, N>`, `HashMap<K, V, N>`, `LruHashMap<K, V, N>`, `LpmTrie<K, V, N>`.
pub const MAP_GENERICS: &str = "E0401";
/// A map's capacity (its last generic argument) must be a constant expression between 1 and 2^24
/// (16777216).
pub const BAD_CAPACITY: &str = "E0402";
/// A map was used in a way its kind does not support: `select`/`try_select` need a socket map; socket maps
/// have no methods in a program; `get` and `add` are for non-socket maps, `set` for array maps,
/// `insert`/`remove`/`contains` for hash maps; `add` needs a `u32`, `u64`, `i32` or `i64` value.
pub const UNSUPPORTED_MAP_USE: &str = "E0403";
/// A type cannot be used here: map keys and values and struct fields must be plain data (integers, `bool`,
/// arrays, structs); arrays and reads have size limits because BPF programs have 512 bytes of stack.
pub const NOT_PLAIN_DATA: &str = "E0404";
/// An `LpmTrie`'s key is an address matched by prefix: `u32` (an IPv4 address in host order, as
/// `pkt.src_ip4`) or a byte array `[u8; M]` (an IPv6 address, as `pkt.src_ip6`, or any bytes).
pub const BAD_PREFIX_KEY: &str = "E0405";
/// A constant's initialiser (or an array length, capacity, `bytes::<N>` length) is not a constant
/// expression, or a constant has a type other than an integer, `bool` or an array of them.
pub const NOT_CONSTANT: &str = "E0500";
/// A constant depends on itself.
pub const CYCLIC_CONSTANT: &str = "E0501";
/// A `--const NAME=VALUE` override names no constant of the main file, or its value does not fit the
/// constant's type.
pub const BAD_OVERRIDE: &str = "E0502";
/// Division or remainder by a constant zero.
pub const DIV_BY_ZERO: &str = "E0503";
/// A constant array index is out of bounds.
pub const INDEX_OUT_OF_BOUNDS: &str = "E0504";
/// A `match` does not cover every value of its scrutinee's type.
pub const NON_EXHAUSTIVE: &str = "E0600";
/// A `match` on a non-integer, or a pattern range whose lower bound is above its upper bound.
pub const BAD_PATTERN: &str = "E0601";
/// A `for` loop's trip count has no constant bound (its end is only known at run time), or the bound is
/// above 65536.
pub const UNBOUNDED_LOOP: &str = "E0700";
/// `pkt.migrating` in an entry without `#[steer(migrate)]`, where it is always false.
pub const MIGRATING_WITHOUT_MIGRATE: &str = "E0701";
/// The policy uses a feature that the kernel named by `--target-kernel` does not have: `#[steer(migrate)]`,
/// `pkt.migrating`, `pkt.cookie()` and `pkt.migrating_cookie()` need 5.14, `now_coarse_ns()` 5.11,
/// selecting from a `SockMap`/`SockHash` 5.8, `for` loops 5.3, signed `/` and `%` 6.6.
pub const NEEDS_NEWER_KERNEL: &str = "E0705";
/// A `#[steer]` entry needs more than the 512 bytes of stack a BPF program may use.
pub const STACK_TOO_LARGE: &str = "E0801";
/// An entry compiles to so many instructions that a jump cannot reach its target (BPF jumps span at most
/// 32767 instructions).
pub const JUMP_OUT_OF_RANGE: &str = "E0802";
/// Helper function calls nest more than 64 deep.
pub const INLINING_TOO_DEEP: &str = "E0803";
/// The policy's loops would make the kernel verifier walk too many instructions.
pub const VERIFIER_COST: &str = "E0804";
/// Inlining every call would make an entry larger than the compiler's budget.
pub const INLINE_BUDGET: &str = "E0805";
/// One entry uses more maps than the kernel allows in one program (64).
pub const TOO_MANY_MAPS: &str = "E0806";
/// An internal error while writing the ELF object.
pub const INTERNAL: &str = "E0899";
/// The kernel's verifier rejected a program at load time.
pub const VERIFIER_REJECTED: &str = "E0900";
/// Warning: the policy's socket maps cannot all hold the sockets of one group.
pub const SOCKET_MAPS_SPLIT: &str = "W0001";
/// Warning: a `match` pattern can never match because earlier arms cover its values.
pub const UNREACHABLE_PATTERN: &str = "W0003";
/// Warning: a local variable or parameter is never read.
pub const UNUSED_VARIABLE: &str = "W0101";
/// Warning: an imported name is never used.
pub const UNUSED_IMPORT: &str = "W0102";
/// Warning: a constant is never used.
pub const UNUSED_CONST: &str = "W0103";
/// Warning: a map is never used.
pub const UNUSED_MAP: &str = "W0104";
/// Warning: a helper function is never called.
pub const UNUSED_FUNCTION: &str = "W0105";
/// Warning: code after an expression that never finishes (`return`, `break`, `continue`) cannot run.
pub const UNREACHABLE_CODE: &str = "W0106";

/// The lint name of each warning code: what `#[allow(NAME)]` names to silence it. `warnings`
/// silences them all.
pub const LINTS: &[(&str, &str)] = &[
    (SOCKET_MAPS_SPLIT, "socket_maps_split"),
    (UNREACHABLE_PATTERN, "unreachable_patterns"),
    (UNUSED_VARIABLE, "unused_variables"),
    (UNUSED_IMPORT, "unused_imports"),
    (UNUSED_CONST, "dead_code"),
    (UNUSED_MAP, "dead_code"),
    (UNUSED_FUNCTION, "dead_code"),
    (UNREACHABLE_CODE, "unreachable_code"),
];

/// The lint name of a warning code (`None` for errors).
pub fn lint_name(code: &str) -> Option<&'static str> {
    LINTS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}
