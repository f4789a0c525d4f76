//! A wrong and a fixed example for every diagnostic code, as `rsteer explain CODE` shows
//! them (after the explanation in `diag::CODES`) and the book's error index lists them.
//! `tests/explain.rs` checks each: the wrong example gives exactly its code, the fixed one
//! checks (and, for code generation's codes, compiles) without any diagnostic.
//!
//! Three codes have none: `E0802` needs a program of more than 32767 instructions (and
//! long jumps, `gotol`, now reach past that), `E0899` is a compiler bug, which no correct example can show, and `E0900` is the
//! kernel's verifier refusing an object at load time (for rsteer's own objects a compiler
//! bug too), which no `check` reports.

use crate::codes;

/// One code's examples, each a whole policy; `*_args` are the flags the example needs
/// (`--const`, `--target-kernel`) and `*_modules` the `mod` files beside it (name, text).
pub struct Example {
    pub code: &'static str,
    pub wrong: &'static str,
    /// The fixed example is the wrong one with these edits, in order: each replaces the first
    /// occurrence of its first text with its second (so the fix reads as the change it is).
    pub fix: &'static [(&'static str, &'static str)],
    pub wrong_args: &'static [&'static str],
    pub fixed_args: &'static [&'static str],
    pub wrong_modules: &'static [(&'static str, &'static str)],
    pub fixed_modules: &'static [(&'static str, &'static str)],
}

/// The codes that have no example, and why (see the module's documentation).
pub const WITHOUT_EXAMPLE: &[&str] = &[codes::JUMP_OUT_OF_RANGE, codes::INTERNAL, codes::VERIFIER_REJECTED];

impl Example {
    /// An example that needs no flags and no `mod` files.
    pub const fn new(code: &'static str, wrong: &'static str, fix: &'static [(&'static str, &'static str)]) -> Self {
        Example { code, wrong, fix, wrong_args: &[], fixed_args: &[], wrong_modules: &[], fixed_modules: &[] }
    }

    /// The example with the flags its wrong and its fixed policy need.
    pub const fn args(self, wrong: &'static [&'static str], fixed: &'static [&'static str]) -> Self {
        Example { wrong_args: wrong, fixed_args: fixed, ..self }
    }

    /// The example with the `mod` files (name, text) beside its wrong and its fixed policy.
    pub const fn modules(
        self,
        wrong: &'static [(&'static str, &'static str)],
        fixed: &'static [(&'static str, &'static str)],
    ) -> Self {
        Example { wrong_modules: wrong, fixed_modules: fixed, ..self }
    }

    /// The fixed example: [`Example::wrong`] with [`Example::fix`] applied.
    pub fn fixed(&self) -> String {
        let mut text = self.wrong.to_string();
        for (from, to) in self.fix {
            let at =
                text.find(from).unwrap_or_else(|| panic!("{}: the fix's {from:?} is not in the example", self.code));
            text.replace_range(at..at + from.len(), to);
        }
        text
    }
}

/// The examples of `code`, if it has them.
pub fn example(code: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.code.eq_ignore_ascii_case(code))
}

/// Most examples are one entry `route` over one socket array `S`: `route!(body)` is that
/// policy with `body` inside the entry, `route!(items, body)` with `items` before the map.
macro_rules! route {
    ($body:expr) => {
        route!("", $body)
    };
    ($items:expr, $body:expr) => {
        concat!(
            $items,
            "#[map]\nstatic S: SockArray<4>;\n\n#[steer]\nfn route(pkt: Packet) -> Verdict {\n",
            $body,
            "}\n"
        )
    };
}

/// `E0803`'s chain of 67 functions, each calling the next.
macro_rules! deep_calls {
    () => {
        r#"fn f0(x: u32) -> u32 { f1(x) + 1 }
fn f1(x: u32) -> u32 { f2(x) + 1 }
fn f2(x: u32) -> u32 { f3(x) + 1 }
fn f3(x: u32) -> u32 { f4(x) + 1 }
fn f4(x: u32) -> u32 { f5(x) + 1 }
fn f5(x: u32) -> u32 { f6(x) + 1 }
fn f6(x: u32) -> u32 { f7(x) + 1 }
fn f7(x: u32) -> u32 { f8(x) + 1 }
fn f8(x: u32) -> u32 { f9(x) + 1 }
fn f9(x: u32) -> u32 { f10(x) + 1 }
fn f10(x: u32) -> u32 { f11(x) + 1 }
fn f11(x: u32) -> u32 { f12(x) + 1 }
fn f12(x: u32) -> u32 { f13(x) + 1 }
fn f13(x: u32) -> u32 { f14(x) + 1 }
fn f14(x: u32) -> u32 { f15(x) + 1 }
fn f15(x: u32) -> u32 { f16(x) + 1 }
fn f16(x: u32) -> u32 { f17(x) + 1 }
fn f17(x: u32) -> u32 { f18(x) + 1 }
fn f18(x: u32) -> u32 { f19(x) + 1 }
fn f19(x: u32) -> u32 { f20(x) + 1 }
fn f20(x: u32) -> u32 { f21(x) + 1 }
fn f21(x: u32) -> u32 { f22(x) + 1 }
fn f22(x: u32) -> u32 { f23(x) + 1 }
fn f23(x: u32) -> u32 { f24(x) + 1 }
fn f24(x: u32) -> u32 { f25(x) + 1 }
fn f25(x: u32) -> u32 { f26(x) + 1 }
fn f26(x: u32) -> u32 { f27(x) + 1 }
fn f27(x: u32) -> u32 { f28(x) + 1 }
fn f28(x: u32) -> u32 { f29(x) + 1 }
fn f29(x: u32) -> u32 { f30(x) + 1 }
fn f30(x: u32) -> u32 { f31(x) + 1 }
fn f31(x: u32) -> u32 { f32(x) + 1 }
fn f32(x: u32) -> u32 { f33(x) + 1 }
fn f33(x: u32) -> u32 { f34(x) + 1 }
fn f34(x: u32) -> u32 { f35(x) + 1 }
fn f35(x: u32) -> u32 { f36(x) + 1 }
fn f36(x: u32) -> u32 { f37(x) + 1 }
fn f37(x: u32) -> u32 { f38(x) + 1 }
fn f38(x: u32) -> u32 { f39(x) + 1 }
fn f39(x: u32) -> u32 { f40(x) + 1 }
fn f40(x: u32) -> u32 { f41(x) + 1 }
fn f41(x: u32) -> u32 { f42(x) + 1 }
fn f42(x: u32) -> u32 { f43(x) + 1 }
fn f43(x: u32) -> u32 { f44(x) + 1 }
fn f44(x: u32) -> u32 { f45(x) + 1 }
fn f45(x: u32) -> u32 { f46(x) + 1 }
fn f46(x: u32) -> u32 { f47(x) + 1 }
fn f47(x: u32) -> u32 { f48(x) + 1 }
fn f48(x: u32) -> u32 { f49(x) + 1 }
fn f49(x: u32) -> u32 { f50(x) + 1 }
fn f50(x: u32) -> u32 { f51(x) + 1 }
fn f51(x: u32) -> u32 { f52(x) + 1 }
fn f52(x: u32) -> u32 { f53(x) + 1 }
fn f53(x: u32) -> u32 { f54(x) + 1 }
fn f54(x: u32) -> u32 { f55(x) + 1 }
fn f55(x: u32) -> u32 { f56(x) + 1 }
fn f56(x: u32) -> u32 { f57(x) + 1 }
fn f57(x: u32) -> u32 { f58(x) + 1 }
fn f58(x: u32) -> u32 { f59(x) + 1 }
fn f59(x: u32) -> u32 { f60(x) + 1 }
fn f60(x: u32) -> u32 { f61(x) + 1 }
fn f61(x: u32) -> u32 { f62(x) + 1 }
fn f62(x: u32) -> u32 { f63(x) + 1 }
fn f63(x: u32) -> u32 { f64(x) + 1 }
fn f64(x: u32) -> u32 { f65(x) + 1 }
fn f65(x: u32) -> u32 { f66(x) + 1 }
fn f66(x: u32) -> u32 { x }
"#
    };
}

/// `E0805`'s call tree: 21 levels, each calling the next twice.
macro_rules! call_tree {
    () => {
        r#"fn a20(x: u32) -> u32 { x + 1 }
fn a19(x: u32) -> u32 { a20(x) + a20(x ^ 1) }
fn a18(x: u32) -> u32 { a19(x) + a19(x ^ 1) }
fn a17(x: u32) -> u32 { a18(x) + a18(x ^ 1) }
fn a16(x: u32) -> u32 { a17(x) + a17(x ^ 1) }
fn a15(x: u32) -> u32 { a16(x) + a16(x ^ 1) }
fn a14(x: u32) -> u32 { a15(x) + a15(x ^ 1) }
fn a13(x: u32) -> u32 { a14(x) + a14(x ^ 1) }
fn a12(x: u32) -> u32 { a13(x) + a13(x ^ 1) }
fn a11(x: u32) -> u32 { a12(x) + a12(x ^ 1) }
fn a10(x: u32) -> u32 { a11(x) + a11(x ^ 1) }
fn a9(x: u32) -> u32 { a10(x) + a10(x ^ 1) }
fn a8(x: u32) -> u32 { a9(x) + a9(x ^ 1) }
fn a7(x: u32) -> u32 { a8(x) + a8(x ^ 1) }
fn a6(x: u32) -> u32 { a7(x) + a7(x ^ 1) }
fn a5(x: u32) -> u32 { a6(x) + a6(x ^ 1) }
fn a4(x: u32) -> u32 { a5(x) + a5(x ^ 1) }
fn a3(x: u32) -> u32 { a4(x) + a4(x ^ 1) }
fn a2(x: u32) -> u32 { a3(x) + a3(x ^ 1) }
fn a1(x: u32) -> u32 { a2(x) + a2(x ^ 1) }
fn a0(x: u32) -> u32 { a1(x) + a1(x ^ 1) }
"#
    };
}

/// `E0806`'s 65 tables, and the entry's read of each.
macro_rules! many_maps {
    () => {
        r#"#[map] static M0: Array<u32, 4>;
#[map] static M1: Array<u32, 4>;
#[map] static M2: Array<u32, 4>;
#[map] static M3: Array<u32, 4>;
#[map] static M4: Array<u32, 4>;
#[map] static M5: Array<u32, 4>;
#[map] static M6: Array<u32, 4>;
#[map] static M7: Array<u32, 4>;
#[map] static M8: Array<u32, 4>;
#[map] static M9: Array<u32, 4>;
#[map] static M10: Array<u32, 4>;
#[map] static M11: Array<u32, 4>;
#[map] static M12: Array<u32, 4>;
#[map] static M13: Array<u32, 4>;
#[map] static M14: Array<u32, 4>;
#[map] static M15: Array<u32, 4>;
#[map] static M16: Array<u32, 4>;
#[map] static M17: Array<u32, 4>;
#[map] static M18: Array<u32, 4>;
#[map] static M19: Array<u32, 4>;
#[map] static M20: Array<u32, 4>;
#[map] static M21: Array<u32, 4>;
#[map] static M22: Array<u32, 4>;
#[map] static M23: Array<u32, 4>;
#[map] static M24: Array<u32, 4>;
#[map] static M25: Array<u32, 4>;
#[map] static M26: Array<u32, 4>;
#[map] static M27: Array<u32, 4>;
#[map] static M28: Array<u32, 4>;
#[map] static M29: Array<u32, 4>;
#[map] static M30: Array<u32, 4>;
#[map] static M31: Array<u32, 4>;
#[map] static M32: Array<u32, 4>;
#[map] static M33: Array<u32, 4>;
#[map] static M34: Array<u32, 4>;
#[map] static M35: Array<u32, 4>;
#[map] static M36: Array<u32, 4>;
#[map] static M37: Array<u32, 4>;
#[map] static M38: Array<u32, 4>;
#[map] static M39: Array<u32, 4>;
#[map] static M40: Array<u32, 4>;
#[map] static M41: Array<u32, 4>;
#[map] static M42: Array<u32, 4>;
#[map] static M43: Array<u32, 4>;
#[map] static M44: Array<u32, 4>;
#[map] static M45: Array<u32, 4>;
#[map] static M46: Array<u32, 4>;
#[map] static M47: Array<u32, 4>;
#[map] static M48: Array<u32, 4>;
#[map] static M49: Array<u32, 4>;
#[map] static M50: Array<u32, 4>;
#[map] static M51: Array<u32, 4>;
#[map] static M52: Array<u32, 4>;
#[map] static M53: Array<u32, 4>;
#[map] static M54: Array<u32, 4>;
#[map] static M55: Array<u32, 4>;
#[map] static M56: Array<u32, 4>;
#[map] static M57: Array<u32, 4>;
#[map] static M58: Array<u32, 4>;
#[map] static M59: Array<u32, 4>;
#[map] static M60: Array<u32, 4>;
#[map] static M61: Array<u32, 4>;
#[map] static M62: Array<u32, 4>;
#[map] static M63: Array<u32, 4>;
#[map] static M64: Array<u32, 4>;
"#
    };
}

macro_rules! many_reads {
    () => {
        r#"    k = k + M0.get(k % 4).unwrap_or(0);
    k = k + M1.get(k % 4).unwrap_or(0);
    k = k + M2.get(k % 4).unwrap_or(0);
    k = k + M3.get(k % 4).unwrap_or(0);
    k = k + M4.get(k % 4).unwrap_or(0);
    k = k + M5.get(k % 4).unwrap_or(0);
    k = k + M6.get(k % 4).unwrap_or(0);
    k = k + M7.get(k % 4).unwrap_or(0);
    k = k + M8.get(k % 4).unwrap_or(0);
    k = k + M9.get(k % 4).unwrap_or(0);
    k = k + M10.get(k % 4).unwrap_or(0);
    k = k + M11.get(k % 4).unwrap_or(0);
    k = k + M12.get(k % 4).unwrap_or(0);
    k = k + M13.get(k % 4).unwrap_or(0);
    k = k + M14.get(k % 4).unwrap_or(0);
    k = k + M15.get(k % 4).unwrap_or(0);
    k = k + M16.get(k % 4).unwrap_or(0);
    k = k + M17.get(k % 4).unwrap_or(0);
    k = k + M18.get(k % 4).unwrap_or(0);
    k = k + M19.get(k % 4).unwrap_or(0);
    k = k + M20.get(k % 4).unwrap_or(0);
    k = k + M21.get(k % 4).unwrap_or(0);
    k = k + M22.get(k % 4).unwrap_or(0);
    k = k + M23.get(k % 4).unwrap_or(0);
    k = k + M24.get(k % 4).unwrap_or(0);
    k = k + M25.get(k % 4).unwrap_or(0);
    k = k + M26.get(k % 4).unwrap_or(0);
    k = k + M27.get(k % 4).unwrap_or(0);
    k = k + M28.get(k % 4).unwrap_or(0);
    k = k + M29.get(k % 4).unwrap_or(0);
    k = k + M30.get(k % 4).unwrap_or(0);
    k = k + M31.get(k % 4).unwrap_or(0);
    k = k + M32.get(k % 4).unwrap_or(0);
    k = k + M33.get(k % 4).unwrap_or(0);
    k = k + M34.get(k % 4).unwrap_or(0);
    k = k + M35.get(k % 4).unwrap_or(0);
    k = k + M36.get(k % 4).unwrap_or(0);
    k = k + M37.get(k % 4).unwrap_or(0);
    k = k + M38.get(k % 4).unwrap_or(0);
    k = k + M39.get(k % 4).unwrap_or(0);
    k = k + M40.get(k % 4).unwrap_or(0);
    k = k + M41.get(k % 4).unwrap_or(0);
    k = k + M42.get(k % 4).unwrap_or(0);
    k = k + M43.get(k % 4).unwrap_or(0);
    k = k + M44.get(k % 4).unwrap_or(0);
    k = k + M45.get(k % 4).unwrap_or(0);
    k = k + M46.get(k % 4).unwrap_or(0);
    k = k + M47.get(k % 4).unwrap_or(0);
    k = k + M48.get(k % 4).unwrap_or(0);
    k = k + M49.get(k % 4).unwrap_or(0);
    k = k + M50.get(k % 4).unwrap_or(0);
    k = k + M51.get(k % 4).unwrap_or(0);
    k = k + M52.get(k % 4).unwrap_or(0);
    k = k + M53.get(k % 4).unwrap_or(0);
    k = k + M54.get(k % 4).unwrap_or(0);
    k = k + M55.get(k % 4).unwrap_or(0);
    k = k + M56.get(k % 4).unwrap_or(0);
    k = k + M57.get(k % 4).unwrap_or(0);
    k = k + M58.get(k % 4).unwrap_or(0);
    k = k + M59.get(k % 4).unwrap_or(0);
    k = k + M60.get(k % 4).unwrap_or(0);
    k = k + M61.get(k % 4).unwrap_or(0);
    k = k + M62.get(k % 4).unwrap_or(0);
    k = k + M63.get(k % 4).unwrap_or(0);
    k = k + M64.get(k % 4).unwrap_or(0);
"#
    };
}

/// A socket map declared wrong (`kind` is its type), and an entry that does not use it.
macro_rules! bad_map {
    ($kind:literal) => {
        concat!(
            "#[map]\nstatic S: ",
            $kind,
            ";\n\n#[steer]\nfn route(_pkt: Packet) -> Verdict {\n    Verdict::Pass\n}\n"
        )
    };
}

/// The fix of [`bad_map!`]'s entry, once its map is right: select from it.
const SELECT_FROM_THE_MAP: (&str, &str) = (
    "fn route(_pkt: Packet) -> Verdict {\n    Verdict::Pass\n",
    "fn route(pkt: Packet) -> Verdict {\n    select(S, pkt.hash % 4)\n",
);

/// A policy whose one socket map, `name` of type `kind`, the entry selects from.
macro_rules! one_map {
    ($name:expr, $kind:literal) => {
        concat!(
            "#[map]\nstatic ",
            $name,
            ": ",
            $kind,
            ";\n\n#[steer]\nfn route(pkt: Packet) -> Verdict {\n    select(",
            $name,
            ", pkt.hash % 4)\n}\n"
        )
    };
}

/// A name longer than names may be.
macro_rules! long_name {
    () => {
        "SOCKETS_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
    };
}

/// Every example, in code order.
pub const EXAMPLES: &[Example] = &[
    Example::new(
        codes::SYNTAX,
        route!(r#"    let x = pkt.hash
    select(S, x % 4)
"#),
        &[
            ("    let x = pkt.hash\n", "    let x = pkt.hash;\n"),
        ],
    ),
    Example::new(
        codes::MALFORMED_LITERAL,
        route!(r#"    select(S, pkt.hash % 0x4g)
"#),
        &[
            ("    select(S, pkt.hash % 0x4g)\n", "    select(S, pkt.hash % 0x4)\n"),
        ],
    ),
    Example::new(
        codes::LITERAL_OUT_OF_RANGE,
        route!(r#"    let small: u8 = 300;
    select(S, (pkt.hash + small as u32) % 4)
"#),
        &[
            ("    let small: u8 = 300;\n", "    let small: u16 = 300;\n"),
        ],
    ),
    Example::new(
        codes::TOO_DEEP,
        route!(r#"    let x = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((pkt.hash))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))));
    select(S, x % 4)
"#),
        &[
            ("    let x = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((pkt.hash))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))));\n", "    let x = pkt.hash;\n"),
        ],
    ),
    Example::new(
        codes::UNKNOWN_NAME,
        route!(r#"    select(S, pkt.hash % WORKERS)
"#),
        &[
            ("#[map]\n", r#"const WORKERS: u32 = 4;
#[map]
"#),
        ],
    ),
    Example::new(
        codes::DUPLICATE_NAME,
        route!(r#"const N: u32 = 4;
const N: u32 = 8;
"#, r#"    select(S, pkt.hash % N)
"#),
        &[
            ("const N: u32 = 8;\n", ""),
        ],
    ),
    Example::new(
        codes::UNKNOWN_MODULE,
        route!(r#"use std::hashes;
"#, r#"    select(S, hashes::mix32(pkt.hash) % 4)
"#),
        &[
            ("use std::hashes;\n", "use std::hash;\n"),
            ("    select(S, hashes::mix32(pkt.hash) % 4)\n", "    select(S, hash::mix32(pkt.hash) % 4)\n"),
        ],
    ),
    Example::new(
        codes::PRIVATE_ITEM,
        route!(r#"mod pick;

"#, r#"    select(S, pick::index(pkt.hash))
"#),
        &[],
    )
    .modules(&[(
            "pick",
            r#"fn index(h: u32) -> u32 {
    h % 4
}
"#,
        )], &[(
            "pick",
            r#"pub fn index(h: u32) -> u32 {
    h % 4
}
"#,
        )]),
    Example::new(
        codes::BAD_FIELD,
        route!(r#"struct Key {
    port: u16,
}

#[map]
static SEEN: HashMap<Key, u32, 64>;

"#, r#"    if SEEN.contains(Key { port: pkt.src_port, proto: 17 }) {
        return Verdict::Drop;
    }
    select(S, pkt.hash % 4)
"#),
        &[
            (r#"    if SEEN.contains(Key { port: pkt.src_port, proto: 17 }) {
"#, r#"    if SEEN.contains(Key { port: pkt.src_port }) {
"#),
        ],
    ),
    Example::new(
        codes::UNKNOWN_METHOD,
        route!(r#"    select(S, pkt.hash.wrapping_plus(3) % 4)
"#),
        &[
            ("    select(S, pkt.hash.wrapping_plus(3) % 4)\n", "    select(S, pkt.hash.wrapping_add(3) % 4)\n"),
        ],
    ),
    Example::new(
        codes::BAD_TYPE_NAME,
        route!(r#"fn pick(h: u33) -> u32 {
    h % 4
}

"#, r#"    select(S, pick(pkt.hash))
"#),
        &[
            (r#"fn pick(h: u33) -> u32 {
"#, r#"fn pick(h: u32) -> u32 {
"#),
        ],
    ),
    Example::new(
        codes::NAME_TOO_LONG,
        one_map!(long_name!(), "SockArray<4>"),
        &[
            (concat!("static ", long_name!(), ": SockArray<4>;\n"), "static S: SockArray<4>;\n"),
            (concat!("    select(", long_name!(), ", pkt.hash % 4)\n"), "    select(S, pkt.hash % 4)\n"),
        ],
    ),
    Example::new(
        codes::MISMATCHED_TYPES,
        route!(r#"    let port: u16 = pkt.src_port;
    select(S, port % 4)
"#),
        &[
            ("    select(S, port % 4)\n", "    select(S, port as u32 % 4)\n"),
        ],
    ),
    Example::new(
        codes::WRONG_ARG_COUNT,
        route!(r#"fn pick(h: u32, n: u32) -> u32 {
    h % n
}

"#, r#"    select(S, pick(pkt.hash))
"#),
        &[
            ("    select(S, pick(pkt.hash))\n", "    select(S, pick(pkt.hash, 4))\n"),
        ],
    ),
    Example::new(
        codes::MISPLACED_TRY,
        route!(r#"fn first(pkt: Packet) -> u8 {
    pkt.payload.u8(0)?
}

"#, r#"    select(S, first(pkt) as u32 % 4)
"#),
        &[
            (r#"fn first(pkt: Packet) -> u8 {
    pkt.payload.u8(0)?
"#, r#"fn first(pkt: Packet) -> Option<u8> {
    Some(pkt.payload.u8(0)?)
"#),
            ("    select(S, first(pkt) as u32 % 4)\n", "    select(S, first(pkt).unwrap_or(0) as u32 % 4)\n"),
        ],
    ),
    Example::new(
        codes::BAD_OPERAND,
        route!(r#"    let flip = -pkt.hash;
    select(S, flip % 4)
"#),
        &[
            ("    let flip = -pkt.hash;\n", "    let flip = !pkt.hash;\n"),
        ],
    ),
    Example::new(
        codes::NOT_ASSIGNABLE,
        route!(r#"    let i = pkt.hash;
    i = i % 4;
    select(S, i)
"#),
        &[
            ("    let i = pkt.hash;\n", "    let mut i = pkt.hash;\n"),
        ],
    ),
    Example::new(
        codes::BREAK_OUTSIDE_LOOP,
        route!(r#"    if pkt.hash == 0 {
        break;
    }
    select(S, pkt.hash % 4)
"#),
        &[
            ("        break;\n", "        return Verdict::Pass;\n"),
        ],
    ),
    Example::new(
        codes::LET_ELSE_FALLS_THROUGH,
        route!(r#"    let Some(b) = pkt.payload.u8(0) else {
        let _ignored = 0u32;
    };
    select(S, b as u32 % 4)
"#),
        &[
            ("        let _ignored = 0u32;\n", "        return Verdict::Pass;\n"),
        ],
    ),
    Example::new(
        codes::BAD_CAST,
        route!(r#"    let tcp = (pkt.hash as bool);
    if tcp {
        return Verdict::Drop;
    }
    select(S, pkt.hash % 4)
"#),
        &[
            ("    let tcp = (pkt.hash as bool);\n", "    let tcp = pkt.hash != 0;\n"),
        ],
    ),
    Example::new(
        codes::NOT_A_VALUE,
        route!(r#"    let m = S;
    select(m, pkt.hash % 4)
"#),
        &[
            (r#"    let m = S;
    select(m, pkt.hash % 4)
"#, "    select(S, pkt.hash % 4)\n"),
        ],
    ),
    Example::new(
        codes::CHAINED_COMPARISON,
        route!(r#"    if 1 < pkt.hash < 9 {
        return Verdict::Drop;
    }
    select(S, pkt.hash % 4)
"#),
        &[
            (r#"    if 1 < pkt.hash < 9 {
"#, r#"    if 1 < pkt.hash && pkt.hash < 9 {
"#),
        ],
    ),
    Example::new(
        codes::TEST_ONLY,
        route!(r#"    assert!(pkt.len > 0);
    select(S, pkt.hash % 4)
"#),
        &[
            ("    assert!(pkt.len > 0);\n", ""),
            ("}\n", r#"}

#[test]
fn udp_is_steered() {
    S.fill(4);
    assert_selected!(route(Packet::udp4().hash(6)), S, 2);
}
"#),
        ],
    ),
    Example::new(
        codes::BAD_SIGNATURE,
        r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> u32 {
    pkt.hash % 4
}
"#,
        &[
            (r#"fn route(pkt: Packet) -> u32 {
    pkt.hash % 4
"#, r#"fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
"#),
        ],
    ),
    Example::new(
        codes::NO_ENTRY,
        r#"#[map]
static S: SockArray<4>;

fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
}
"#,
        &[
            (r#"fn route(pkt: Packet) -> Verdict {
"#, r#"#[steer]
fn route(pkt: Packet) -> Verdict {
"#),
        ],
    ),
    Example::new(
        codes::BAD_ATTRIBUTE,
        r#"#[map]
static S: SockArray<4>;

#[steer]
#[inline]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
}
"#,
        &[
            ("#[inline]\n", ""),
        ],
    ),
    Example::new(
        codes::RECURSION,
        route!(r#"fn a(x: u32) -> u32 {
    if x == 0 { 0 } else { b(x - 1) }
}

fn b(x: u32) -> u32 {
    a(x)
}

"#, r#"    select(S, a(pkt.hash % 4))
"#),
        &[
            (r#"    if x == 0 { 0 } else { b(x - 1) }
}

fn b(x: u32) -> u32 {
    a(x)
"#, r#"    if x == 0 { 0 } else { x - 1 }
"#),
        ],
    ),
    Example::new(
        codes::UNKNOWN_MAP_KIND,
        bad_map!("SockArrray<4>"),
        &[("static S: SockArrray<4>;\n", "static S: SockArray<4>;\n"), SELECT_FROM_THE_MAP],
    ),
    Example::new(
        codes::MAP_GENERICS,
        bad_map!("SockArray<u32, 4>"),
        &[("static S: SockArray<u32, 4>;\n", "static S: SockArray<4>;\n"), SELECT_FROM_THE_MAP],
    ),
    Example::new(
        codes::BAD_CAPACITY,
        one_map!("S", "SockArray<0>"),
        &[
            ("static S: SockArray<0>;\n", "static S: SockArray<4>;\n"),
        ],
    ),
    Example::new(
        codes::UNSUPPORTED_MAP_USE,
        route!(r#"#[map]
static COUNTS: Array<u64, 4>;

"#, r#"    COUNTS.insert(0, 1);
    select(S, pkt.hash % 4)
"#),
        &[
            ("    COUNTS.insert(0, 1);\n", "    COUNTS.add(0, 1);\n"),
        ],
    ),
    Example::new(
        codes::NOT_PLAIN_DATA,
        route!(r#"#[map]
static LAST: Array<Option<u32>, 4>;

"#, r#"    LAST.set(0, Some(pkt.hash));
    select(S, pkt.hash % 4)
"#),
        &[
            ("static LAST: Array<Option<u32>, 4>;\n", "static LAST: Array<u32, 4>;\n"),
            ("    LAST.set(0, Some(pkt.hash));\n", "    LAST.set(0, pkt.hash);\n"),
        ],
    ),
    Example::new(
        codes::BAD_PREFIX_KEY,
        r#"#[map]
static S: SockArray<4>;

#[map]
static NETS: LpmTrie<u16, u32, 64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, NETS.get(pkt.src_port).unwrap_or(0))
}
"#,
        &[
            ("static NETS: LpmTrie<u16, u32, 64>;\n", "static NETS: LpmTrie<u32, u32, 64>;\n"),
            ("    select(S, NETS.get(pkt.src_port).unwrap_or(0))\n", "    select(S, NETS.get(pkt.src_ip4).unwrap_or(0))\n"),
        ],
    ),
    Example::new(
        codes::NOT_CONSTANT,
        route!(r#"const MASK: u32 = random();

"#, r#"    select(S, (pkt.hash & MASK) % 4)
"#),
        &[
            ("const MASK: u32 = random();\n", "const MASK: u32 = 0xff;\n"),
        ],
    ),
    Example::new(
        codes::CYCLIC_CONSTANT,
        route!(r#"const A: u32 = B + 1;
const B: u32 = A * 2;

"#, r#"    select(S, (pkt.hash + A) % 4)
"#),
        &[
            ("const A: u32 = B + 1;\n", r#"const B: u32 = 2;
const A: u32 = B + 1;
"#),
            ("const B: u32 = A * 2;\n", ""),
        ],
    ),
    Example::new(
        codes::BAD_OVERRIDE,
        route!(r#"const WORKERS: u32 = 4;

"#, r#"    select(S, pkt.hash % WORKERS)
"#),
        &[],
    )
    .args(&["--const", "WORKER=2"], &["--const", "WORKERS=2"]),
    Example::new(
        codes::DIV_BY_ZERO,
        route!(r#"    select(S, pkt.hash % 0)
"#),
        &[
            ("    select(S, pkt.hash % 0)\n", "    select(S, pkt.hash % 4)\n"),
        ],
    ),
    Example::new(
        codes::INDEX_OUT_OF_BOUNDS,
        route!(r#"    let weights = [1u32, 2, 3, 4];
    select(S, (pkt.hash + weights[4]) % 4)
"#),
        &[
            ("    select(S, (pkt.hash + weights[4]) % 4)\n", "    select(S, (pkt.hash + weights[3]) % 4)\n"),
        ],
    ),
    Example::new(
        codes::NON_EXHAUSTIVE,
        route!(r#"    let idx = match pkt.src_port {
        0..=1023 => 0,
        1024..=49151 => 1,
    };
    select(S, idx)
"#),
        &[
            ("    };\n", r#"        _ => 2,
    };
"#),
        ],
    ),
    Example::new(
        codes::BAD_PATTERN,
        route!(r#"    let idx = match pkt.src_port {
        1023..=0 => 0,
        _ => 1,
    };
    select(S, idx)
"#),
        &[
            ("        1023..=0 => 0,\n", "        0..=1023 => 0,\n"),
        ],
    ),
    Example::new(
        codes::UNBOUNDED_LOOP,
        route!(r#"    let mut sum = 0u32;
    for i in 0..pkt.len {
        sum += i;
    }
    select(S, sum % 4)
"#),
        &[
            (r#"    for i in 0..pkt.len {
"#, r#"    for i in 0..16 {
"#),
            ("    select(S, sum % 4)\n", "    select(S, (sum + pkt.hash) % 4)\n"),
        ],
    ),
    Example::new(
        codes::MIGRATING_WITHOUT_MIGRATE,
        route!(r#"    if pkt.migrating {
        return Verdict::Pass;
    }
    select(S, pkt.hash % 4)
"#),
        &[
            ("#[steer]\n", "#[steer(migrate)]\n"),
        ],
    ),
    Example::new(
        codes::NEEDS_NEWER_KERNEL,
        route!(r#"    select(S, (now_coarse_ns() as u32 ^ pkt.hash) % 4)
"#),
        &[
            ("    select(S, (now_coarse_ns() as u32 ^ pkt.hash) % 4)\n", "    select(S, (now_ns() as u32 ^ pkt.hash) % 4)\n"),
        ],
    )
    .args(&["--target-kernel", "5.10"], &["--target-kernel", "5.10"]),
    Example::new(
        codes::STACK_TOO_LARGE,
        route!(r#"    let mut seen = [0u64; 80];
    seen[pkt.hash % 80] = 1;
    select(S, (seen[3] as u32 + pkt.hash) % 4)
"#),
        &[
            (r#"    let mut seen = [0u64; 80];
    seen[pkt.hash % 80] = 1;
"#, r#"    let mut seen = [0u64; 8];
    seen[pkt.hash % 8] = 1;
"#),
        ],
    ),
    Example::new(
        codes::INLINING_TOO_DEEP,
        route!(concat!(deep_calls!(), "\n"), r#"    select(S, f0(pkt.hash) % 4)
"#),
        &[
            (deep_calls!(), r#"fn f0(x: u32) -> u32 {
    x + 66
}
"#),
        ],
    ),
    Example::new(
        codes::VERIFIER_COST,
        route!(r#"    let mut h = pkt.hash;
    for i in 0..65536 {
        for j in 0..64 {
            h = h * 31 + i + j;
        }
    }
    select(S, h % 4)
"#),
        &[
            (r#"    for i in 0..65536 {
        for j in 0..64 {
            h = h * 31 + i + j;
        }
"#, r#"    for i in 0..64 {
        h = h * 31 + i;
"#),
        ],
    ),
    Example::new(
        codes::INLINE_BUDGET,
        concat!("#[map]\nstatic S: SockArray<4>;\n\n", call_tree!(), r#"
#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, a0(pkt.hash) % 4)
}
"#),
        &[
            (call_tree!(), r#"fn step(x: u32) -> u32 { x + 1 }
"#),
            ("    select(S, a0(pkt.hash) % 4)\n", r#"    // Each round does what one level of the call tree did, once.
    let mut h = pkt.hash;
    for _i in 0..20 {
        h = step(h) + step(h ^ 1);
    }
    select(S, h % 4)
"#),
        ],
    ),
    Example::new(
        codes::TOO_MANY_MAPS,
        concat!(
            "#[map]\nstatic SOCKETS: SockArray<4>;\n\n",
            many_maps!(),
            "\n#[steer]\nfn route(pkt: Packet) -> Verdict {\n    let mut k = pkt.hash;\n",
            many_reads!(),
            "    select(SOCKETS, k % 4)\n}\n"
        ),
        &[
            (many_maps!(), r#"// One table of 65 rows of 4 instead of 65 tables.
#[map]
static M: Array<u32, 260>;
"#),
            (many_reads!(), r#"    for i in 0..65 {
        k = k + M.get(i * 4 + k % 4).unwrap_or(0);
    }
"#),
        ],
    ),
    Example::new(
        codes::SOCKET_MAPS_SPLIT,
        r#"#[map]
static A: SockArray<4>;

#[map]
static B: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if pkt.is_tcp() {
        return select(A, pkt.hash % 4);
    }
    select(B, pkt.hash % 4)
}
"#,
        &[
            ("static A: SockArray<4>;\n", "static A: SockMap<4>;\n"),
            ("static B: SockArray<4>;\n", "static B: SockMap<4>;\n"),
        ],
    ),
    Example::new(
        codes::UNREACHABLE_PATTERN,
        route!(r#"    let idx = match pkt.src_port {
        0..=1023 => 0,
        53 => 1,
        _ => 2,
    };
    select(S, idx)
"#),
        &[
            ("        0..=1023 => 0,\n", r#"        53 => 1,
        0..=1023 => 0,
"#),
            (r#"        53 => 1,
        _ => 2,
"#, "        _ => 2,\n"),
        ],
    ),
    Example::new(
        codes::UNUSED_VARIABLE,
        route!(r#"    let port = pkt.src_port;
    select(S, pkt.hash % 4)
"#),
        &[
            ("    let port = pkt.src_port;\n", "    let _port = pkt.src_port;\n"),
        ],
    ),
    Example::new(
        codes::UNUSED_IMPORT,
        route!(r#"use std::hash;

"#, r#"    select(S, pkt.hash % 4)
"#),
        &[
            ("use std::hash;\n\n", ""),
        ],
    ),
    Example::new(
        codes::UNUSED_CONST,
        route!(r#"const WORKERS: u32 = 4;

"#, r#"    select(S, pkt.hash % 4)
"#),
        &[
            ("    select(S, pkt.hash % 4)\n", "    select(S, pkt.hash % WORKERS)\n"),
        ],
    ),
    Example::new(
        codes::UNUSED_MAP,
        route!(r#"#[map]
static COUNTS: Array<u64, 4>;

"#, r#"    select(S, pkt.hash % 4)
"#),
        &[
            ("    select(S, pkt.hash % 4)\n", r#"    COUNTS.add(0, 1);
    select(S, pkt.hash % 4)
"#),
        ],
    ),
    Example::new(
        codes::UNUSED_FUNCTION,
        route!(r#"fn pick(h: u32) -> u32 {
    h % 4
}

"#, r#"    select(S, pkt.hash % 4)
"#),
        &[
            ("    select(S, pkt.hash % 4)\n", "    select(S, pick(pkt.hash))\n"),
        ],
    ),
    Example::new(
        codes::UNREACHABLE_CODE,
        route!(r#"    return select(S, pkt.hash % 4);
    Verdict::Drop
"#),
        &[
            (r#"    return select(S, pkt.hash % 4);
    Verdict::Drop
"#, "    select(S, pkt.hash % 4)\n"),
        ],
    ),
];
