//! One constructor per diagnostic code: every stage builds its diagnostics through these,
//! so a code is written once (in `codes`) and its severity with it. Each takes the
//! message; labels, notes and help are added with the `Diagnostic` builders.

use crate::codes;
use crate::diag::Diagnostic;

/// `E0001`: Syntax error.
pub fn syntax(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::SYNTAX, message)
}

/// `E0002`: Malformed literal: an integer with digits its radix does not have, an unknown suffix (the
/// suffixes are the integer types, `7u8`), a literal too large for `u64`, or a byte literal with an unknown
/// escape.
pub fn malformed_literal(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::MALFORMED_LITERAL, message)
}

/// `E0003`: An integer literal does not fit its type.
pub fn literal_out_of_range(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::LITERAL_OUT_OF_RANGE, message)
}

/// `E0010`: The input nests brackets or operators too deeply for the compiler to process safely.
pub fn too_deep(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::TOO_DEEP, message)
}

/// `E0100`: A name was not found: no local variable, constant, map, function or import of that name is in
/// scope.
pub fn unknown_name(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::UNKNOWN_NAME, message)
}

/// `E0101`: The same name is defined twice in one file (two items, an item and an import, two fields of a
/// struct, two parameters of a function).
pub fn duplicate_name(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::DUPLICATE_NAME, message)
}

/// `E0102`: A module could not be found or imported: `use` imports only the standard library (`use
/// std::quic;`), a local file is declared with `mod name;` beside the policy, and a qualified path
/// `m::name` needs `m` to be imported first.
pub fn unknown_module(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::UNKNOWN_MODULE, message)
}

/// `E0103`: An item of another module is used but not exported.
pub fn private_item(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::PRIVATE_ITEM, message)
}

/// `E0104`: A field does not exist, is given twice, or is missing in a struct literal; or a method of
/// `Packet` was used without its parentheses (`pkt.is_tcp()`).
pub fn bad_field(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_FIELD, message)
}

/// `E0105`: A method does not exist on the receiver's type.
pub fn unknown_method(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::UNKNOWN_METHOD, message)
}

/// `E0106`: A type name is unknown or misused: the types are the integers, `bool`, arrays `[T; N]`,
/// declared structs, `Option<T>`, `Packet` and `Verdict`.
pub fn bad_type_name(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_TYPE_NAME, message)
}

/// `E0200`: Mismatched types: an expression's type differs from the one its position requires.
pub fn mismatched_types(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::MISMATCHED_TYPES, message)
}

/// `E0201`: A function, method or built-in was called with the wrong number of arguments.
pub fn wrong_arg_count(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::WRONG_ARG_COUNT, message)
}

/// `E0202`: `?` was used where a `None` has nowhere to go.
pub fn misplaced_try(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::MISPLACED_TRY, message)
}

/// `E0203`: An operator was applied to a type that does not support it: arithmetic, bitwise operators and
/// ordering comparisons need integers, `==` also takes `bool`s and arrays, unary `-` needs a signed
/// integer, `&&` and `||` need `bool`s.
pub fn bad_operand(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_OPERAND, message)
}

/// `E0204`: An assignment's target is not a `let mut` variable (or a field or element of one).
pub fn not_assignable(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::NOT_ASSIGNABLE, message)
}

/// `E0205`: `break` or `continue` outside a `for` loop.
pub fn break_outside_loop(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BREAK_OUTSIDE_LOOP, message)
}

/// `E0206`: The `else` block of `let Some(x) = e else { ..
pub fn let_else_falls_through(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::LET_ELSE_FALLS_THROUGH, message)
}

/// `E0207`: `as` converts between integer types and from `bool` to an integer; other casts are errors.
pub fn bad_cast(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_CAST, message)
}

/// `E0208`: Something that is not a value was used as one (a map, a function, a module, a packet region),
/// or something that is not a function was called.
pub fn not_a_value(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::NOT_A_VALUE, message)
}

/// `E0209`: Comparison operators are not associative: `a < b < c` is an error.
pub fn chained_comparison(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::CHAINED_COMPARISON, message)
}

/// `E0210`: A test-only form (string literals, packet builders such as `Packet::udp4()`, `assert!`-style
/// macros) appears outside a `#[test]` function.
pub fn test_only(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::TEST_ONLY, message)
}

/// `E0300`: A `#[steer]` entry must be `fn name(pkt: Packet) -> Verdict`; a `#[test]` function takes no
/// parameters and returns nothing.
pub fn bad_signature(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_SIGNATURE, message)
}

/// `E0301`: The main file has no `#[steer]` function, so there is nothing to load.
pub fn no_entry(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::NO_ENTRY, message)
}

/// `E0302`: An attribute is unknown or misplaced: functions take `#[steer]` (options `migrate`, `fallback =
/// Drop|Pass`) or `#[test]`, statics take `#[map]`, and entries live in the main file.
pub fn bad_attribute(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_ATTRIBUTE, message)
}

/// `E0303`: Functions call each other in a cycle.
pub fn recursion(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::RECURSION, message)
}

/// `E0400`: A `#[map] static` names an unknown map kind.
pub fn unknown_map_kind(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::UNKNOWN_MAP_KIND, message)
}

/// `E0401`: A map kind was given the wrong number of generic arguments: `SockArray<N>`, `SockMap<N>`,
/// `SockHash<K, N>`, `Array<V, N>`, `PerCpuArray<V, N>`, `HashMap<K, V, N>`, `LruHashMap<K, V, N>`.
pub fn map_generics(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::MAP_GENERICS, message)
}

/// `E0402`: A map's capacity (its last generic argument) must be a constant expression between 1 and 2^24
/// (16777216).
pub fn bad_capacity(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_CAPACITY, message)
}

/// `E0403`: A map was used in a way its kind does not support: `select`/`try_select` need a socket map;
/// socket maps have no methods in a program; `get` and `add` are for non-socket maps, `set` for array maps,
/// `insert`/`remove`/`contains` for hash maps; `add` needs a `u32`, `u64`, `i32` or `i64` value.
pub fn unsupported_map_use(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::UNSUPPORTED_MAP_USE, message)
}

/// `E0404`: A type cannot be used here: map keys and values and struct fields must be plain data (integers,
/// `bool`, arrays, structs); arrays and reads have size limits because BPF programs have 512 bytes of
/// stack.
pub fn not_plain_data(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::NOT_PLAIN_DATA, message)
}

/// `E0405`: An `LpmTrie`'s key is an address matched by prefix: `u32` (an IPv4 address in host order, as
/// `pkt.src_ip4`) or a byte array `[u8; M]` (an IPv6 address, as `pkt.src_ip6`, or any bytes).
pub fn bad_prefix_key(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_PREFIX_KEY, message)
}

/// `E0500`: A constant's initialiser (or an array length, capacity, `bytes::<N>` length) is not a constant
/// expression, or a constant has a type other than an integer, `bool` or an array of them.
pub fn not_constant(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::NOT_CONSTANT, message)
}

/// `E0501`: A constant depends on itself.
pub fn cyclic_constant(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::CYCLIC_CONSTANT, message)
}

/// `E0502`: A `--const NAME=VALUE` override names no constant of the main file, or its value does not fit
/// the constant's type.
pub fn bad_override(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_OVERRIDE, message)
}

/// `E0503`: Division or remainder by a constant zero.
pub fn div_by_zero(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::DIV_BY_ZERO, message)
}

/// `E0504`: A constant array index is out of bounds.
pub fn index_out_of_bounds(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::INDEX_OUT_OF_BOUNDS, message)
}

/// `E0600`: A `match` does not cover every value of its scrutinee's type.
pub fn non_exhaustive(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::NON_EXHAUSTIVE, message)
}

/// `E0601`: A `match` on a non-integer, or a pattern range whose lower bound is above its upper bound.
pub fn bad_pattern(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::BAD_PATTERN, message)
}

/// `E0700`: A `for` loop's trip count has no constant bound (its end is only known at run time), or the
/// bound is above 65536.
pub fn unbounded_loop(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::UNBOUNDED_LOOP, message)
}

/// `E0701`: `pkt.migrating` in an entry without `#[steer(migrate)]`, where it is always false.
pub fn migrating_without_migrate(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::MIGRATING_WITHOUT_MIGRATE, message)
}

/// `E0705`: The policy uses a feature that the kernel named by `--target-kernel` does not have:
/// `#[steer(migrate)]`, `pkt.migrating`, `pkt.cookie()` and `pkt.migrating_cookie()` need 5.14,
/// `now_coarse_ns()` 5.11, selecting from a `SockMap`/`SockHash` 5.8, `for` loops 5.3, signed `/` and `%`
/// 6.6.
pub fn needs_newer_kernel(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::NEEDS_NEWER_KERNEL, message)
}

/// `E0801`: A `#[steer]` entry needs more than the 512 bytes of stack a BPF program may use.
pub fn stack_too_large(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::STACK_TOO_LARGE, message)
}

/// `E0802`: An entry compiles to so many instructions that a jump cannot reach its target (BPF jumps span
/// at most 32767 instructions).
pub fn jump_out_of_range(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::JUMP_OUT_OF_RANGE, message)
}

/// `E0803`: Helper function calls nest more than 64 deep.
pub fn inlining_too_deep(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::INLINING_TOO_DEEP, message)
}

/// `E0804`: The policy's loops would make the kernel verifier walk too many instructions.
pub fn verifier_cost(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::VERIFIER_COST, message)
}

/// `E0805`: Inlining every call would make an entry larger than the compiler's budget.
pub fn inline_budget(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::INLINE_BUDGET, message)
}

/// `E0806`: One entry uses more maps than the kernel allows in one program.
pub fn too_many_maps(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::TOO_MANY_MAPS, message)
}

/// `E0899`: An internal error while writing the ELF object.
pub fn internal(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::INTERNAL, message)
}

/// `E0900`: The kernel's verifier rejected a program at load time (reported by `rsteer load`).
pub fn verifier_rejected(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::VERIFIER_REJECTED, message)
}

/// `W0001`: Warning: the policy's socket maps cannot all hold the sockets of one group.
pub fn socket_maps_split(message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(codes::SOCKET_MAPS_SPLIT, message)
}

/// `W0003`: Warning: a `match` pattern can never match because earlier arms cover its values.
pub fn unreachable_pattern(message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(codes::UNREACHABLE_PATTERN, message)
}

/// `W0101`: Warning: a local variable or parameter is never read.
pub fn unused_variable(message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(codes::UNUSED_VARIABLE, message)
}

/// `W0102`: Warning: an imported name is never used.
pub fn unused_import(message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(codes::UNUSED_IMPORT, message)
}

/// `W0103`: Warning: a constant is never used.
pub fn unused_const(message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(codes::UNUSED_CONST, message)
}

/// `W0104`: Warning: a map is never used.
pub fn unused_map(message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(codes::UNUSED_MAP, message)
}

/// `W0105`: Warning: a helper function is never called.
pub fn unused_function(message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(codes::UNUSED_FUNCTION, message)
}

/// `W0106`: Warning: code that can never run.
pub fn unreachable_code(message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(codes::UNREACHABLE_CODE, message)
}

/// `E0107`: A name the object and its BTF carry is longer than the kernel allows.
pub fn name_too_long(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::NAME_TOO_LONG, message)
}
