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

/// Every example, in code order.
pub const EXAMPLES: &[Example] = &[
    Example {
        code: codes::SYNTAX,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let x = pkt.hash
    select(S, x % 4)
}
"#,
        fix: &[
            ("    let x = pkt.hash\n", "    let x = pkt.hash;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::MALFORMED_LITERAL,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 0x4g)
}
"#,
        fix: &[
            ("    select(S, pkt.hash % 0x4g)\n", "    select(S, pkt.hash % 0x4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::LITERAL_OUT_OF_RANGE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let small: u8 = 300;
    select(S, (pkt.hash + small as u32) % 4)
}
"#,
        fix: &[
            ("    let small: u8 = 300;\n", "    let small: u16 = 300;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::TOO_DEEP,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let x = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((pkt.hash))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))));
    select(S, x % 4)
}
"#,
        fix: &[
            ("    let x = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((pkt.hash))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))));\n", "    let x = pkt.hash;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNKNOWN_NAME,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % WORKERS)
}
"#,
        fix: &[
            ("#[map]\n", r#"const WORKERS: u32 = 4;
#[map]
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::DUPLICATE_NAME,
        wrong: r#"const N: u32 = 4;
const N: u32 = 8;
#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % N)
}
"#,
        fix: &[
            ("const N: u32 = 8;\n", ""),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNKNOWN_MODULE,
        wrong: r#"use std::hashes;
#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, hashes::mix32(pkt.hash) % 4)
}
"#,
        fix: &[
            ("use std::hashes;\n", "use std::hash;\n"),
            ("    select(S, hashes::mix32(pkt.hash) % 4)\n", "    select(S, hash::mix32(pkt.hash) % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::PRIVATE_ITEM,
        wrong: r#"mod pick;

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pick::index(pkt.hash))
}
"#,
        fix: &[
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[(
            "pick",
            r#"fn index(h: u32) -> u32 {
    h % 4
}
"#,
        )],
        fixed_modules: &[(
            "pick",
            r#"pub fn index(h: u32) -> u32 {
    h % 4
}
"#,
        )],
    },
    Example {
        code: codes::BAD_FIELD,
        wrong: r#"struct Key {
    port: u16,
}

#[map]
static SEEN: HashMap<Key, u32, 64>;

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if SEEN.contains(Key { port: pkt.src_port, proto: 17 }) {
        return Verdict::Drop;
    }
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            (r#"    if SEEN.contains(Key { port: pkt.src_port, proto: 17 }) {
"#, r#"    if SEEN.contains(Key { port: pkt.src_port }) {
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNKNOWN_METHOD,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash.wrapping_plus(3) % 4)
}
"#,
        fix: &[
            ("    select(S, pkt.hash.wrapping_plus(3) % 4)\n", "    select(S, pkt.hash.wrapping_add(3) % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BAD_TYPE_NAME,
        wrong: r#"fn pick(h: u33) -> u32 {
    h % 4
}

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pick(pkt.hash))
}
"#,
        fix: &[
            (r#"fn pick(h: u33) -> u32 {
"#, r#"fn pick(h: u32) -> u32 {
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::NAME_TOO_LONG,
        wrong: r#"#[map]
static SOCKETS_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(SOCKETS_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX, pkt.hash % 4)
}
"#,
        fix: &[
            ("static SOCKETS_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX: SockArray<4>;\n", "static S: SockArray<4>;\n"),
            ("    select(SOCKETS_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX, pkt.hash % 4)\n", "    select(S, pkt.hash % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::MISMATCHED_TYPES,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let port: u16 = pkt.src_port;
    select(S, port % 4)
}
"#,
        fix: &[
            ("    select(S, port % 4)\n", "    select(S, port as u32 % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::WRONG_ARG_COUNT,
        wrong: r#"fn pick(h: u32, n: u32) -> u32 {
    h % n
}

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pick(pkt.hash))
}
"#,
        fix: &[
            ("    select(S, pick(pkt.hash))\n", "    select(S, pick(pkt.hash, 4))\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::MISPLACED_TRY,
        wrong: r#"fn first(pkt: Packet) -> u8 {
    pkt.payload.u8(0)?
}

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, first(pkt) as u32 % 4)
}
"#,
        fix: &[
            (r#"fn first(pkt: Packet) -> u8 {
    pkt.payload.u8(0)?
"#, r#"fn first(pkt: Packet) -> Option<u8> {
    Some(pkt.payload.u8(0)?)
"#),
            ("    select(S, first(pkt) as u32 % 4)\n", "    select(S, first(pkt).unwrap_or(0) as u32 % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BAD_OPERAND,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let flip = -pkt.hash;
    select(S, flip % 4)
}
"#,
        fix: &[
            ("    let flip = -pkt.hash;\n", "    let flip = !pkt.hash;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::NOT_ASSIGNABLE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let i = pkt.hash;
    i = i % 4;
    select(S, i)
}
"#,
        fix: &[
            ("    let i = pkt.hash;\n", "    let mut i = pkt.hash;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BREAK_OUTSIDE_LOOP,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if pkt.hash == 0 {
        break;
    }
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("        break;\n", "        return Verdict::Pass;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::LET_ELSE_FALLS_THROUGH,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let Some(b) = pkt.payload.u8(0) else {
        let _ignored = 0u32;
    };
    select(S, b as u32 % 4)
}
"#,
        fix: &[
            ("        let _ignored = 0u32;\n", "        return Verdict::Pass;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BAD_CAST,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let tcp = (pkt.hash as bool);
    if tcp {
        return Verdict::Drop;
    }
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("    let tcp = (pkt.hash as bool);\n", "    let tcp = pkt.hash != 0;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::NOT_A_VALUE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let m = S;
    select(m, pkt.hash % 4)
}
"#,
        fix: &[
            (r#"    let m = S;
    select(m, pkt.hash % 4)
"#, "    select(S, pkt.hash % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::CHAINED_COMPARISON,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if 1 < pkt.hash < 9 {
        return Verdict::Drop;
    }
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            (r#"    if 1 < pkt.hash < 9 {
"#, r#"    if 1 < pkt.hash && pkt.hash < 9 {
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::TEST_ONLY,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    assert!(pkt.len > 0);
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("    assert!(pkt.len > 0);\n", ""),
            ("}\n", r#"}

#[test]
fn udp_is_steered() {
    S.fill(4);
    assert_selected!(route(Packet::udp4().hash(6)), S, 2);
}
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BAD_SIGNATURE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> u32 {
    pkt.hash % 4
}
"#,
        fix: &[
            (r#"fn route(pkt: Packet) -> u32 {
    pkt.hash % 4
"#, r#"fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::NO_ENTRY,
        wrong: r#"#[map]
static S: SockArray<4>;

fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            (r#"fn route(pkt: Packet) -> Verdict {
"#, r#"#[steer]
fn route(pkt: Packet) -> Verdict {
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BAD_ATTRIBUTE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
#[inline]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("#[inline]\n", ""),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::RECURSION,
        wrong: r#"fn a(x: u32) -> u32 {
    if x == 0 { 0 } else { b(x - 1) }
}

fn b(x: u32) -> u32 {
    a(x)
}

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, a(pkt.hash % 4))
}
"#,
        fix: &[
            (r#"    if x == 0 { 0 } else { b(x - 1) }
}

fn b(x: u32) -> u32 {
    a(x)
"#, r#"    if x == 0 { 0 } else { x - 1 }
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNKNOWN_MAP_KIND,
        wrong: r#"#[map]
static S: SockArrray<4>;

#[steer]
fn route(_pkt: Packet) -> Verdict {
    Verdict::Pass
}
"#,
        fix: &[
            ("static S: SockArrray<4>;\n", "static S: SockArray<4>;\n"),
            (r#"fn route(_pkt: Packet) -> Verdict {
    Verdict::Pass
"#, r#"fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::MAP_GENERICS,
        wrong: r#"#[map]
static S: SockArray<u32, 4>;

#[steer]
fn route(_pkt: Packet) -> Verdict {
    Verdict::Pass
}
"#,
        fix: &[
            ("static S: SockArray<u32, 4>;\n", "static S: SockArray<4>;\n"),
            (r#"fn route(_pkt: Packet) -> Verdict {
    Verdict::Pass
"#, r#"fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BAD_CAPACITY,
        wrong: r#"#[map]
static S: SockArray<0>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("static S: SockArray<0>;\n", "static S: SockArray<4>;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNSUPPORTED_MAP_USE,
        wrong: r#"#[map]
static COUNTS: Array<u64, 4>;

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    COUNTS.insert(0, 1);
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("    COUNTS.insert(0, 1);\n", "    COUNTS.add(0, 1);\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::NOT_PLAIN_DATA,
        wrong: r#"#[map]
static LAST: Array<Option<u32>, 4>;

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    LAST.set(0, Some(pkt.hash));
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("static LAST: Array<Option<u32>, 4>;\n", "static LAST: Array<u32, 4>;\n"),
            ("    LAST.set(0, Some(pkt.hash));\n", "    LAST.set(0, pkt.hash);\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BAD_PREFIX_KEY,
        wrong: r#"#[map]
static S: SockArray<4>;

#[map]
static NETS: LpmTrie<u16, u32, 64>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, NETS.get(pkt.src_port).unwrap_or(0))
}
"#,
        fix: &[
            ("static NETS: LpmTrie<u16, u32, 64>;\n", "static NETS: LpmTrie<u32, u32, 64>;\n"),
            ("    select(S, NETS.get(pkt.src_port).unwrap_or(0))\n", "    select(S, NETS.get(pkt.src_ip4).unwrap_or(0))\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::NOT_CONSTANT,
        wrong: r#"const MASK: u32 = random();

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, (pkt.hash & MASK) % 4)
}
"#,
        fix: &[
            ("const MASK: u32 = random();\n", "const MASK: u32 = 0xff;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::CYCLIC_CONSTANT,
        wrong: r#"const A: u32 = B + 1;
const B: u32 = A * 2;

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, (pkt.hash + A) % 4)
}
"#,
        fix: &[
            ("const A: u32 = B + 1;\n", r#"const B: u32 = 2;
const A: u32 = B + 1;
"#),
            ("const B: u32 = A * 2;\n", ""),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BAD_OVERRIDE,
        wrong: r#"const WORKERS: u32 = 4;

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % WORKERS)
}
"#,
        fix: &[
        ],
        wrong_args: &["--const", "WORKER=2"],
        fixed_args: &["--const", "WORKERS=2"],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::DIV_BY_ZERO,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 0)
}
"#,
        fix: &[
            ("    select(S, pkt.hash % 0)\n", "    select(S, pkt.hash % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::INDEX_OUT_OF_BOUNDS,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let weights = [1u32, 2, 3, 4];
    select(S, (pkt.hash + weights[4]) % 4)
}
"#,
        fix: &[
            ("    select(S, (pkt.hash + weights[4]) % 4)\n", "    select(S, (pkt.hash + weights[3]) % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::NON_EXHAUSTIVE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let idx = match pkt.src_port {
        0..=1023 => 0,
        1024..=49151 => 1,
    };
    select(S, idx)
}
"#,
        fix: &[
            ("    };\n", r#"        _ => 2,
    };
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::BAD_PATTERN,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let idx = match pkt.src_port {
        1023..=0 => 0,
        _ => 1,
    };
    select(S, idx)
}
"#,
        fix: &[
            ("        1023..=0 => 0,\n", "        0..=1023 => 0,\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNBOUNDED_LOOP,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut sum = 0u32;
    for i in 0..pkt.len {
        sum += i;
    }
    select(S, sum % 4)
}
"#,
        fix: &[
            (r#"    for i in 0..pkt.len {
"#, r#"    for i in 0..16 {
"#),
            ("    select(S, sum % 4)\n", "    select(S, (sum + pkt.hash) % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::MIGRATING_WITHOUT_MIGRATE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    if pkt.migrating {
        return Verdict::Pass;
    }
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("#[steer]\n", "#[steer(migrate)]\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::NEEDS_NEWER_KERNEL,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, (now_coarse_ns() as u32 ^ pkt.hash) % 4)
}
"#,
        fix: &[
            ("    select(S, (now_coarse_ns() as u32 ^ pkt.hash) % 4)\n", "    select(S, (now_ns() as u32 ^ pkt.hash) % 4)\n"),
        ],
        wrong_args: &["--target-kernel", "5.10"],
        fixed_args: &["--target-kernel", "5.10"],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::STACK_TOO_LARGE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut seen = [0u64; 80];
    seen[pkt.hash % 80] = 1;
    select(S, (seen[3] as u32 + pkt.hash) % 4)
}
"#,
        fix: &[
            (r#"    let mut seen = [0u64; 80];
    seen[pkt.hash % 80] = 1;
"#, r#"    let mut seen = [0u64; 8];
    seen[pkt.hash % 8] = 1;
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::INLINING_TOO_DEEP,
        wrong: r#"fn f0(x: u32) -> u32 { f1(x) + 1 }
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

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, f0(pkt.hash) % 4)
}
"#,
        fix: &[
            (r#"fn f0(x: u32) -> u32 { f1(x) + 1 }
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
"#, r#"fn f0(x: u32) -> u32 {
    x + 66
}
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::VERIFIER_COST,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut h = pkt.hash;
    for i in 0..65536 {
        for j in 0..64 {
            h = h * 31 + i + j;
        }
    }
    select(S, h % 4)
}
"#,
        fix: &[
            (r#"    for i in 0..65536 {
        for j in 0..64 {
            h = h * 31 + i + j;
        }
"#, r#"    for i in 0..64 {
        h = h * 31 + i;
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::INLINE_BUDGET,
        wrong: r#"#[map]
static S: SockArray<4>;

fn a20(x: u32) -> u32 { x + 1 }
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

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, a0(pkt.hash) % 4)
}
"#,
        fix: &[
            (r#"fn a20(x: u32) -> u32 { x + 1 }
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
"#, r#"fn step(x: u32) -> u32 { x + 1 }
"#),
            ("    select(S, a0(pkt.hash) % 4)\n", r#"    // Each round does what one level of the call tree did, once.
    let mut h = pkt.hash;
    for _i in 0..20 {
        h = step(h) + step(h ^ 1);
    }
    select(S, h % 4)
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::TOO_MANY_MAPS,
        wrong: r#"#[map]
static SOCKETS: SockArray<4>;

#[map] static M0: Array<u32, 4>;
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

#[steer]
fn route(pkt: Packet) -> Verdict {
    let mut k = pkt.hash;
    k = k + M0.get(k % 4).unwrap_or(0);
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
    select(SOCKETS, k % 4)
}
"#,
        fix: &[
            (r#"#[map] static M0: Array<u32, 4>;
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
"#, r#"// One table of 65 rows of 4 instead of 65 tables.
#[map]
static M: Array<u32, 260>;
"#),
            (r#"    k = k + M0.get(k % 4).unwrap_or(0);
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
"#, r#"    for i in 0..65 {
        k = k + M.get(i * 4 + k % 4).unwrap_or(0);
    }
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::SOCKET_MAPS_SPLIT,
        wrong: r#"#[map]
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
        fix: &[
            ("static A: SockArray<4>;\n", "static A: SockMap<4>;\n"),
            ("static B: SockArray<4>;\n", "static B: SockMap<4>;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNREACHABLE_PATTERN,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let idx = match pkt.src_port {
        0..=1023 => 0,
        53 => 1,
        _ => 2,
    };
    select(S, idx)
}
"#,
        fix: &[
            ("        0..=1023 => 0,\n", r#"        53 => 1,
        0..=1023 => 0,
"#),
            (r#"        53 => 1,
        _ => 2,
"#, "        _ => 2,\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNUSED_VARIABLE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    let port = pkt.src_port;
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("    let port = pkt.src_port;\n", "    let _port = pkt.src_port;\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNUSED_IMPORT,
        wrong: r#"use std::hash;

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("use std::hash;\n\n", ""),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNUSED_CONST,
        wrong: r#"const WORKERS: u32 = 4;

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("    select(S, pkt.hash % 4)\n", "    select(S, pkt.hash % WORKERS)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNUSED_MAP,
        wrong: r#"#[map]
static COUNTS: Array<u64, 4>;

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("    select(S, pkt.hash % 4)\n", r#"    COUNTS.add(0, 1);
    select(S, pkt.hash % 4)
"#),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNUSED_FUNCTION,
        wrong: r#"fn pick(h: u32) -> u32 {
    h % 4
}

#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    select(S, pkt.hash % 4)
}
"#,
        fix: &[
            ("    select(S, pkt.hash % 4)\n", "    select(S, pick(pkt.hash))\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
    Example {
        code: codes::UNREACHABLE_CODE,
        wrong: r#"#[map]
static S: SockArray<4>;

#[steer]
fn route(pkt: Packet) -> Verdict {
    return select(S, pkt.hash % 4);
    Verdict::Drop
}
"#,
        fix: &[
            (r#"    return select(S, pkt.hash % 4);
    Verdict::Drop
"#, "    select(S, pkt.hash % 4)\n"),
        ],
        wrong_args: &[],
        fixed_args: &[],
        wrong_modules: &[],
        fixed_modules: &[],
    },
];
