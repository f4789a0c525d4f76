//! One diagnostic type for every stage of the pipeline.
//!
//! Stages collect diagnostics instead of stopping at the first; the CLI renders them with
//! codespan-reporting. Each error has a stable code (`E0xxx`) explained in [`explain`].

use crate::codes;
use crate::span::{FileId, SourceDb, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The primary label is underlined with `^`, secondary ones with `-`.
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable error code such as `E0001`.
    pub code: &'static str,
    pub message: String,
    pub labels: Vec<Label>,
    /// Free-form notes, each rendered as `= note: ...`; hints start with `help: `.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, code, message: message.into(), labels: vec![], notes: vec![] }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, code, message: message.into(), labels: vec![], notes: vec![] }
    }

    /// Adds the primary label.
    pub fn with_primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: true });
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// A hint for the person reading: rendered as `= help: ...`.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    fn to_codespan(&self) -> cs::Diagnostic<FileId> {
        let d = match self.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        };
        d.with_code(self.code)
            .with_message(self.message.clone())
            .with_labels(
                self.labels
                    .iter()
                    .map(|l| {
                        let style = if l.primary { cs::LabelStyle::Primary } else { cs::LabelStyle::Secondary };
                        cs::Label::new(style, l.span.file, l.span.range()).with_message(l.message.clone())
                    })
                    .collect(),
            )
            .with_notes(self.notes.clone())
    }
}

/// Puts diagnostics in source order: by file (in the order the files were loaded), then by
/// the start of the primary label; diagnostics without one keep their place at the end.
/// The sort is stable, so two at one place keep the order they were found in.
pub fn sort_by_source(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start)).unwrap_or((usize::MAX, u32::MAX)));
}

/// At most this many diagnostics are printed; the rest are counted in one line
/// ([`more_line`]), so that a file of thousands of mistakes prints what a person can read.
pub const MAX_SHOWN: usize = 50;

/// The line that stands for the diagnostics after the first [`MAX_SHOWN`]: `and 12 more
/// errors and 1 more warning`, or `None` when all were shown.
pub fn more_line(diags: &[Diagnostic]) -> Option<String> {
    let rest = diags.get(MAX_SHOWN..).unwrap_or(&[]);
    let errors = rest.iter().filter(|d| d.is_error()).count();
    let warnings = rest.len() - errors;
    let count = |n: usize, what: &str| format!("{n} more {what}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (e, 0) => Some(format!("and {}", count(e, "error"))),
        (0, w) => Some(format!("and {}", count(w, "warning"))),
        (e, w) => Some(format!("and {} and {}", count(e, "error"), count(w, "warning"))),
    }
}

/// Renders diagnostics as plain text (no colour), as snapshot tests and pipes see them.
pub fn render_plain(db: &SourceDb, diags: &[Diagnostic]) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let _ = term::emit_to_string(&mut out, &config, &db.files, &d.to_codespan());
    }
    out
}

/// Renders diagnostics to a colour-capable writer (the CLI picks colour or not).
pub fn render_to<W: term::termcolor::WriteColor>(writer: &mut W, db: &SourceDb, diags: &[Diagnostic]) {
    let config = term::Config::default();
    for d in diags {
        let _ = term::emit_to_write_style(writer, &config, &db.files, &d.to_codespan());
    }
}

/// Every diagnostic code with its explanation, for `rsteer explain CODE` and the book.
pub const CODES: &[(&str, &str)] = &[
    (
        codes::SYNTAX,
        "Syntax error. The parser met a token it did not expect; the label says what \
it expected instead. The parser resumes at the next line that starts an item (`fn`, `#[`, \
`const`, `static`, `struct`, `use`, `mod`, `pub`), so later items are still checked.",
    ),
    (
        codes::MALFORMED_LITERAL,
        "Malformed literal: an integer with digits its radix does not have, an unknown \
suffix (the suffixes are the integer types, `7u8`), a literal too large for `u64`, or a byte \
literal with an unknown escape. Byte literals accept `\\n \\r \\t \\0 \\\\ \\' \\\" \\xHH`.",
    ),
    (
        codes::LITERAL_OUT_OF_RANGE,
        "An integer literal does not fit its type. An unsuffixed literal takes the type its \
position expects (an annotation, a parameter, a field, a map key or value, a return type, the \
other operand of a binary operator), else `u32`; `let x: u8 = 300;` is an error, and so is \
`-1` where an unsigned type is expected.",
    ),
    (
        codes::TOO_DEEP,
        "The input nests too deeply for the compiler to process safely. Nesting is counted \
before parsing: every open bracket and every `if`, `else if`, `match`, `for` or `return` \
whose expression is still open is a level, and more than 128 levels are refused. One \
expression may also have at most 200 operands and operators, and an expression tree at \
most 256 levels. Split the expression with `let` bindings or helper functions, and write a \
long `else if` chain as a `match`.",
    ),
    (
        codes::UNKNOWN_NAME,
        "A name was not found: no local variable, constant, map, function or import of that \
name is in scope. The help suggests a close name when there is one. Standard-library names must \
be imported (`use std::hash::mix32;`) or qualified (`hash::mix32` after `use std::hash;`).",
    ),
    (
        codes::DUPLICATE_NAME,
        "The same name is defined twice in one file (two items, an item and an import, two \
fields of a struct, two parameters of a function).",
    ),
    (
        codes::UNKNOWN_MODULE,
        "A module could not be found or imported: `use` imports only the standard library \
(`use std::quic;`), a local file is declared with `mod name;` beside the policy, and a \
qualified path `m::name` needs `m` to be imported first.",
    ),
    (codes::PRIVATE_ITEM, "An item of another module is used but not exported. Mark it `pub` in its module."),
    (
        codes::BAD_FIELD,
        "A field does not exist, is given twice, or is missing in a struct literal; or a \
method of `Packet` was used without its parentheses (`pkt.is_tcp()`).",
    ),
    (
        codes::UNKNOWN_METHOD,
        "A method does not exist on the receiver's type. Packets have `is_ipv4() is_ipv6() \
is_tcp() is_udp() cookie() migrating_cookie()`, regions have `u8 be16 be32 be64 le16 le32 le64 \
bytes::<N>`, options have `unwrap_or is_some is_none`, maps have `get set add insert remove \
contains`.",
    ),
    (
        codes::BAD_TYPE_NAME,
        "A type name is unknown or misused: the types are the integers, `bool`, arrays \
`[T; N]`, declared structs, `Option<T>`, `Packet` and `Verdict`. Map kinds appear only in \
`#[map] static` declarations.",
    ),
    (
        codes::NAME_TOO_LONG,
        "A name that the object file and its BTF carry is too long. The names of `#[steer]` \
entries, maps, structs and struct fields become symbol and BTF names, and the kernel takes \
at most 127 bytes for each (`KSYM_NAME_LEN` is 128 with the final NUL). Helper functions, \
constants and locals are not carried and may be longer. Choose a shorter name.",
    ),
    (
        codes::MISMATCHED_TYPES,
        "Mismatched types: an expression's type differs from the one its position requires. \
There are no implicit conversions; convert integers with `as`, take values out of an `Option` \
with `?`, `unwrap_or` or `let Some(x) = .. else { .. }`.",
    ),
    (codes::WRONG_ARG_COUNT, "A function, method or built-in was called with the wrong number of arguments."),
    (
        codes::MISPLACED_TRY,
        "`?` was used where a `None` has nowhere to go. `?` works in `#[steer]` entries and \
functions returning `Verdict` (a `None` ends the program with the entry's fallback verdict) and \
in functions returning `Option` (they return `None`); elsewhere use `unwrap_or` or \
`let Some(x) = .. else { .. }`. It is also reported when `?` is applied to a non-`Option`.",
    ),
    (
        codes::BAD_OPERAND,
        "An operator was applied to a type that does not support it: arithmetic, bitwise \
operators and ordering comparisons need integers, `==` also takes `bool`s and arrays, unary `-` \
needs a signed integer, `&&` and `||` need `bool`s.",
    ),
    (codes::NOT_ASSIGNABLE, "An assignment's target is not a `let mut` variable (or a field or element of one)."),
    (codes::BREAK_OUTSIDE_LOOP, "`break` or `continue` outside a `for` loop."),
    (
        codes::LET_ELSE_FALLS_THROUGH,
        "The `else` block of `let Some(x) = e else { .. };` can fall through. It must end \
with `return`, `break` or `continue`.",
    ),
    (
        codes::BAD_CAST,
        "`as` converts between integer types and from `bool` to an integer; other casts are \
errors. To test an integer, compare it (`x != 0`).",
    ),
    (
        codes::NOT_A_VALUE,
        "Something that is not a value was used as one (a map, a function, a module, a \
packet region), or something that is not a function was called.",
    ),
    (
        codes::CHAINED_COMPARISON,
        "Comparison operators are not associative: `a < b < c` is an error. Write \
`a < b && b < c`, or parenthesise when comparing booleans.",
    ),
    (
        codes::TEST_ONLY,
        "A test-only form (string literals, packet builders such as `Packet::udp4()`, \
`assert!`-style macros) appears outside a `#[test]` function.",
    ),
    (
        codes::BAD_SIGNATURE,
        "A `#[steer]` entry must be `fn name(pkt: Packet) -> Verdict`; a `#[test]` function \
takes no parameters and returns nothing.",
    ),
    (
        codes::NO_ENTRY,
        "The main file has no `#[steer]` function, so there is nothing to load. Add one: \
`#[steer] fn route(pkt: Packet) -> Verdict { ... }`.",
    ),
    (
        codes::BAD_ATTRIBUTE,
        "An attribute is unknown or misplaced: functions take `#[steer]` (options `migrate`, \
`fallback = Drop|Pass`) or `#[test]`, statics take `#[map]`, and entries live in the main file.",
    ),
    (
        codes::RECURSION,
        "Functions call each other in a cycle. BPF programs cannot recurse and helpers are \
inlined, so recursion, direct or mutual, is an error. Rewrite it as a bounded `for` loop.",
    ),
    (
        codes::UNKNOWN_MAP_KIND,
        "A `#[map] static` names an unknown map kind. The kinds are SockArray, SockMap, \
SockHash, Array, PerCpuArray, HashMap, LruHashMap and LpmTrie; see the book's reference chapter on maps.",
    ),
    (
        codes::MAP_GENERICS,
        "A map kind was given the wrong number of generic arguments: `SockArray<N>`, \
`SockMap<N>`, `SockHash<K, N>`, `Array<V, N>`, `PerCpuArray<V, N>`, `HashMap<K, V, N>`, \
`LruHashMap<K, V, N>`, `LpmTrie<K, V, N>`.",
    ),
    (
        codes::BAD_CAPACITY,
        "A map's capacity (its last generic argument) must be a constant expression between \
1 and 2^24 (16777216).",
    ),
    (
        codes::UNSUPPORTED_MAP_USE,
        "A map was used in a way its kind does not support: `select`/`try_select` need a \
socket map; socket maps have no methods in a program; `get` and `add` are for non-socket maps, \
`set` for array maps, `insert`/`remove`/`contains` for hash maps; `add` needs a `u32`, `u64`, \
`i32` or `i64` value.",
    ),
    (
        codes::NOT_PLAIN_DATA,
        "A type cannot be used here: map keys and values and struct fields must be plain \
data (integers, `bool`, arrays, structs); arrays and reads have size limits because BPF \
programs have 512 bytes of stack.",
    ),
    (
        codes::BAD_PREFIX_KEY,
        "An `LpmTrie`'s key is an address matched by prefix: `u32` (an IPv4 address in host \
order, as `pkt.src_ip4` gives it) or a byte array `[u8; M]` (an IPv6 address as `pkt.src_ip6` \
gives it, or any bytes compared bit by bit from the first). A struct, a `bool` or another \
integer type cannot be a prefix key.",
    ),
    (
        codes::NOT_CONSTANT,
        "A constant's initialiser (or an array length, capacity, `bytes::<N>` length) is not \
a constant expression, or a constant has a type other than an integer, `bool` or an array of them.",
    ),
    (codes::CYCLIC_CONSTANT, "A constant depends on itself."),
    (
        codes::BAD_OVERRIDE,
        "A `--const NAME=VALUE` override names no constant of the main file, or its value \
does not fit the constant's type.",
    ),
    (
        codes::DIV_BY_ZERO,
        "Division or remainder by a constant zero. BPF defines `x / 0 == 0` and \
`x % 0 == x`, which is never what a literal zero divisor means.",
    ),
    (codes::INDEX_OUT_OF_BOUNDS, "A constant array index is out of bounds."),
    (
        codes::NON_EXHAUSTIVE,
        "A `match` does not cover every value of its scrutinee's type. The message lists the \
missing values; add arms for them or a wildcard arm `_ => ...`.",
    ),
    (
        codes::BAD_PATTERN,
        "A `match` on a non-integer, or a pattern range whose lower bound is above its upper \
bound.",
    ),
    (
        codes::UNBOUNDED_LOOP,
        "A `for` loop's trip count has no constant bound (its end is only known at run time), \
or the bound is above 65536. Loop to a constant and `break` early.",
    ),
    (
        codes::MIGRATING_WITHOUT_MIGRATE,
        "`pkt.migrating` in an entry without `#[steer(migrate)]`, where it is always false.",
    ),
    (
        codes::NEEDS_NEWER_KERNEL,
        "The policy uses a feature that the kernel named by `--target-kernel` does not have: \
`#[steer(migrate)]`, `pkt.migrating`, `pkt.cookie()` and `pkt.migrating_cookie()` need 5.14, \
`now_coarse_ns()` 5.11, selecting from a `SockMap`/`SockHash` 5.8, `for` loops 5.3, signed \
`/` and `%` 6.6. Raise the target, or write the policy without the feature.",
    ),
    (
        codes::STACK_TOO_LARGE,
        "A `#[steer]` entry needs more than the 512 bytes of stack a BPF program may use. Every \
helper function is inlined into its entry, so its locals, arrays, structs and packet-read \
buffers all count. Use smaller arrays, fewer large locals, or keep state in a map.",
    ),
    (
        codes::JUMP_OUT_OF_RANGE,
        "An entry compiles to so many instructions that a jump cannot reach its target. BPF \
jumps span at most 32767 instructions; rsteer makes longer ones `gotol` jumps (Linux 6.4), so \
this is only reported when no encoding reaches. Split the work, or use smaller loops.",
    ),
    (
        codes::INLINING_TOO_DEEP,
        "Helper function calls nest more than 64 deep. Every call is inlined, so such a chain \
would blow up the program; flatten it.",
    ),
    (
        codes::VERIFIER_COST,
        "The kernel verifier would give up on the program. It walks every path from the \
entry, stopping a path only where it meets a state it has already proven, and gives up \
after 1,000,000 instructions or with more than 8192 branches pending at once. rsteer \
estimates both after code generation: a bounded loop counts once per round (nested loops \
multiply); paths that give a value the verifier tracks exactly (a constant that becomes an \
`Array` key or an index) different values stay apart after they join, so 16 such `if`s are \
65,536 paths, and a loop that does it multiplies them every round; each branch leaves one \
state pending. It refuses above 800,000 instructions or 8192 pending branches, at the loop \
or the join that costs most. Loop fewer rounds; write `if c { x += k }` (`-=`, `|=`, `^=`), \
which compiles without a branch; test many values with one `match` (a decision tree) rather \
than a chain of `if`s.",
    ),
    (
        codes::INLINE_BUDGET,
        "Inlining every call would make an entry larger than the budget of 1,000,000 \
expressions. Every helper function is inlined at each call, so a function that calls another \
twice doubles it at each level: 25 levels of `a(x) + a(x ^ 1)` are 33 million copies. The \
diagnostic names the heaviest call chain. Compute a value once and reuse it, or call in a \
`for` loop (a loop body is compiled once).",
    ),
    (
        codes::TOO_MANY_MAPS,
        "One entry uses more maps than the kernel allows one program: 64, counting every map \
the entry and the functions it calls read, write or select from. Merge maps of one kind into \
one with a wider key, or split the work between entries.",
    ),
    (
        codes::INTERNAL,
        "An internal error while writing the ELF object. This is a compiler bug: please report it \
with the policy that caused it.",
    ),
    (
        codes::VERIFIER_REJECTED,
        "The kernel's verifier rejected a program at load time. The verifier walks every path of a \
program before the kernel runs it and refuses one that could read outside the packet or a map \
value, use a map value without checking it against NULL, or return a pointer. `rsteer load` \
shows its complaint at the source line (from the verifier's log or the object's line info), and \
`-v` prints the log. For an object rsteer compiled this is a compiler bug: please report it with \
the policy and the log. For an object from another compiler, check every packet read against the \
packet's end first.",
    ),
    (
        codes::SOCKET_MAPS_SPLIT,
        "Warning: the policy's socket maps cannot all hold the sockets of one group. A \
socket can be in one `SockArray` only, and not in a `SockArray` and a `SockMap`/`SockHash` at \
once, so the loader would refuse it. Use `SockMap` maps instead.",
    ),
    (codes::UNREACHABLE_PATTERN, "Warning: a `match` pattern can never match because earlier arms cover its values."),
    (
        codes::UNUSED_VARIABLE,
        "Warning (`unused_variables`): a local variable or parameter is never read. Remove it, or \
start its name with `_` (`_port`, or `_` alone for `let _ = e;`) to say that it is unused on \
purpose; `#[allow(unused_variables)]` on the statement or function silences it too.",
    ),
    (
        codes::UNUSED_IMPORT,
        "Warning (`unused_imports`): a name brought in with `use` is never used. Remove it from the \
`use` item, or silence it with `#[allow(unused_imports)]` on the item.",
    ),
    (
        codes::UNUSED_CONST,
        "Warning (`dead_code`): a constant is never used. Remove it, or silence it with \
`#[allow(dead_code)]` on the constant. Items marked `pub` in a `mod` file are not reported.",
    ),
    (
        codes::UNUSED_MAP,
        "Warning (`dead_code`): a `#[map]` is declared but no entry, helper or test uses it, so \
the object carries a map nothing reads. Remove it, or silence it with `#[allow(dead_code)]`.",
    ),
    (
        codes::UNUSED_FUNCTION,
        "Warning (`dead_code`): a helper function is never called. Entries (`#[steer]`) and \
`#[test]` functions are used by definition; a helper needs a caller. Remove it, or silence it \
with `#[allow(dead_code)]` on the function.",
    ),
    (
        codes::UNREACHABLE_CODE,
        "Warning (`unreachable_code`): a statement or expression follows one that never finishes \
(`return`, `break`, `continue`, or an `if`/`match` whose every branch does), so it can never \
run. Remove it, or silence it with `#[allow(unreachable_code)]`.",
    ),
];

/// The explanation of a diagnostic code, e.g. `explain("E0600")`.
pub fn explain(code: &str) -> Option<&'static str> {
    CODES.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)).map(|(_, text)| *text)
}
