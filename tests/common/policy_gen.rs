//! Seeded random policies over the core language (types, operators, `if`, `match`, `for`,
//! `let mut`, compound assignment, packet fields and reads, maps, helper functions), shared by
//! tests/verifier_fuzz.rs (every input, [`Mode::Fuzz`]) and tests/differential.rs (inputs a
//! test can control, [`Mode::Deterministic`]). Include it with
//! `#[path = "common/policy_gen.rs"] mod policy_gen;`.
#![allow(dead_code)]

use std::fmt::Write;

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        // xorshift64*: small, deterministic, good enough to pick grammar productions.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum T {
    U8,
    U16,
    U32,
    U64,
    I8,
    I16,
    I32,
    I64,
    Bool,
}

impl T {
    fn name(self) -> &'static str {
        match self {
            T::U8 => "u8",
            T::U16 => "u16",
            T::U32 => "u32",
            T::U64 => "u64",
            T::I8 => "i8",
            T::I16 => "i16",
            T::I32 => "i32",
            T::I64 => "i64",
            T::Bool => "bool",
        }
    }
    fn max(self) -> u64 {
        match self {
            T::U8 => 255,
            T::U16 => 65535,
            T::U32 => u32::MAX as u64,
            T::I8 => i8::MAX as u64,
            T::I16 => i16::MAX as u64,
            T::I32 => i32::MAX as u64,
            T::I64 => i64::MAX as u64,
            _ => u64::MAX,
        }
    }
}

const INTS: [T; 8] = [T::U8, T::U16, T::U32, T::U64, T::I8, T::I16, T::I32, T::I64];

/// Which inputs a generated policy may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Everything, for the verifier property test.
    Fuzz,
    /// No input whose value the sender cannot control or the simulator cannot know: no
    /// `cpu()`, `random()`, `now_ns()`, `now_coarse_ns()` or `pkt.hash`. The final statement
    /// selects, tries to select, or chooses Drop/Pass, so that the kernel's outcome for each
    /// packet is predictable (for tests/differential.rs).
    Deterministic,
}

pub struct Gen {
    rng: Rng,
    mode: Mode,
    /// Locals in scope: (name, type, mutable).
    vars: Vec<(String, T, bool)>,
    next_var: u32,
    in_loop: bool,
}

impl Gen {
    /// A generator whose walk is fixed by `seed`; `Mode::Fuzz` makes exactly the policies
    /// tests/verifier_fuzz.rs always made for that seed.
    pub fn new(seed: u64, mode: Mode) -> Gen {
        Gen { rng: Rng(seed), mode, vars: vec![], next_var: 0, in_loop: false }
    }

    fn lit(&mut self, t: T) -> String {
        let v = match self.rng.below(4) {
            0 => 0,
            1 => 1 + self.rng.below(9),
            2 => self.rng.below(t.max().min(1 << 20) + 1),
            _ => self.rng.below(t.max()).max(1),
        };
        if t == T::Bool {
            return if v % 2 == 0 { "true".into() } else { "false".into() };
        }
        // Literals carry their suffix: an unsuffixed literal deep in a left operand takes
        // `u32` (types do not flow backwards), which a random walk cannot keep track of.
        let signed = matches!(t, T::I8 | T::I16 | T::I32 | T::I64);
        if signed && v > 0 && self.rng.chance(40) {
            // A negative literal (`-5i8`), which the HIR holds as masked bits.
            format!("(-{v}{})", t.name())
        } else if self.rng.chance(20) {
            format!("{v:#x}{}", t.name())
        } else {
            format!("{v}{}", t.name())
        }
    }

    fn nonzero_lit(&mut self, t: T) -> String {
        format!("{}{}", 1 + self.rng.below(t.max().min(1000)), t.name())
    }

    fn leaf(&mut self, t: T) -> String {
        let vars: Vec<String> = self.vars.iter().filter(|v| v.1 == t).map(|v| v.0.clone()).collect();
        if !vars.is_empty() && self.rng.chance(40) {
            return self.rng.pick(&vars).clone();
        }
        let off = self.rng.below(24);
        let choices: Vec<String> = match t {
            T::U8 => vec![
                "pkt.ip_protocol".into(),
                format!("pkt.payload.u8({off})?"),
                format!("pkt.payload.u8({off}).unwrap_or(3)"),
                format!("pkt.l4.u8({off}).unwrap_or(0)"),
            ],
            T::U16 => vec![
                "pkt.src_port".into(),
                "pkt.dst_port".into(),
                "pkt.eth_protocol".into(),
                format!("pkt.payload.be16({off}).unwrap_or(9)"),
                format!("pkt.payload.le16({off})?"),
            ],
            // The IPv4 id (bytes 4-5) and so the header checksum (10-11) are the kernel's
            // choice: read around them.
            T::U32 if self.mode == Mode::Deterministic => vec![
                "pkt.len".into(),
                "pkt.src_ip4".into(),
                "pkt.dst_ip4".into(),
                format!("pkt.payload.be32({off}).unwrap_or(1)"),
                format!("pkt.net.be32({}).unwrap_or(0)", [0, 6, 12, 16, 20, 24][off as usize % 6]),
                format!("pkt.payload.le32({off})?"),
            ],
            T::U32 => vec![
                "pkt.len".into(),
                "pkt.hash".into(),
                "cpu()".into(),
                "random()".into(),
                "pkt.src_ip4".into(),
                format!("pkt.payload.be32({off}).unwrap_or(1)"),
                format!("pkt.net.be32({}).unwrap_or(0)", off % 20),
                format!("pkt.payload.le32({off})?"),
            ],
            T::U64 if self.mode == Mode::Deterministic => vec![
                format!("pkt.payload.be64({off}).unwrap_or(5)"),
                format!("pkt.payload.le64({off})?"),
                format!("(pkt.l4.be32({off}).unwrap_or(7) as u64)"),
            ],
            T::U64 => vec![
                "now_ns()".into(),
                "now_coarse_ns()".into(),
                format!("pkt.payload.be64({off}).unwrap_or(5)"),
                format!("pkt.payload.le64({off})?"),
            ],
            T::I8 | T::I16 | T::I32 | T::I64 if self.mode == Mode::Deterministic => {
                vec![format!("(pkt.len as {})", t.name()), format!("(pkt.src_port as {})", t.name())]
            }
            T::I8 | T::I16 | T::I32 | T::I64 => {
                vec![format!("(pkt.len as {})", t.name()), format!("(pkt.hash as {})", t.name())]
            }
            T::Bool => vec![
                "pkt.is_udp()".into(),
                "pkt.is_tcp()".into(),
                "pkt.is_ipv4()".into(),
                "pkt.is_ipv6()".into(),
                "pkt.bind_inany".into(),
                format!("pkt.payload.u8({off}).is_some()"),
                format!("pkt.payload.be16({off}).is_none()"),
            ],
        };
        if self.rng.chance(35) {
            return self.lit(t);
        }
        self.rng.pick(&choices).clone()
    }

    fn expr(&mut self, t: T, depth: u32) -> String {
        if depth == 0 || self.rng.chance(25) {
            return self.leaf(t);
        }
        let d = depth - 1;
        if t == T::Bool {
            return match self.rng.below(5) {
                0 => {
                    let it = *self.rng.pick(&INTS);
                    let op = self.rng.pick(&["==", "!=", "<", "<=", ">", ">="]);
                    format!("({} {op} {})", self.expr(it, d), self.expr(it, d))
                }
                1 => format!("({} && {})", self.expr(T::Bool, d), self.expr(T::Bool, d)),
                2 => format!("({} || {})", self.expr(T::Bool, d), self.expr(T::Bool, d)),
                3 => format!("!{}", self.expr(T::Bool, d)),
                _ => {
                    let it = *self.rng.pick(&INTS);
                    format!("({} & {} != 0)", self.expr(it, d), self.lit(it))
                }
            };
        }
        match self.rng.below(9) {
            0..=2 => {
                let op = *self.rng.pick(&["+", "-", "*", "&", "|", "^", "/", "%"]);
                let rhs = if op == "/" || op == "%" {
                    if self.rng.chance(50) {
                        self.nonzero_lit(t)
                    } else {
                        // A divisor that folds to a constant zero is a compile error.
                        format!("({} | 1{})", self.expr(t, d), t.name())
                    }
                } else {
                    self.expr(t, d)
                };
                format!("({} {op} {rhs})", self.expr(t, d))
            }
            3 => {
                let op = self.rng.pick(&["<<", ">>"]);
                let st = *self.rng.pick(&INTS);
                format!("({} {op} {})", self.expr(t, d), self.expr(st, d))
            }
            4 => {
                let from = *self.rng.pick(&[T::U8, T::U16, T::U32, T::U64, T::I8, T::I16, T::I32, T::I64, T::Bool]);
                format!("({} as {})", self.expr(from, d), t.name())
            }
            5 => format!("if {} {{ {} }} else {{ {} }}", self.expr(T::Bool, d), self.expr(t, d), self.expr(t, d)),
            6 => {
                // A match on a signed scrutinee with negative patterns and ranges, or on an
                // unsigned one.
                let signed = self.rng.chance(40);
                let (types, patterns) = if signed {
                    ([T::I8, T::I16, T::I32], ["-1", "0 | 1", "-9..=-2"])
                } else {
                    ([T::U8, T::U16, T::U32], ["0", "1 | 2", "3..=9"])
                };
                let s = *self.rng.pick(&types);
                let scrutinee = self.expr(s, d);
                let arms: Vec<String> = patterns.iter().map(|p| format!("{p} => {}", self.expr(t, d))).collect();
                format!("match {scrutinee} {{ {}, _ => {} }}", arms.join(", "), self.expr(t, d))
            }
            7 if matches!(t, T::I8 | T::I16 | T::I32 | T::I64) => format!("(-{})", self.expr(t, d)),
            7 => format!("!{}", self.expr(t, d)),
            _ if t == T::U32 => format!("mix({}, {})", self.expr(T::U32, d), self.expr(T::U32, d)),
            _ => format!("(mix({}, {}) as {})", self.expr(T::U32, d), self.expr(T::U32, d), t.name()),
        }
    }

    fn stmt(&mut self, out: &mut String, indent: &str, depth: u32) {
        match self.rng.below(8) {
            0 | 1 => {
                let t = *self.rng.pick(&[T::U8, T::U16, T::U32, T::U64, T::I8, T::I16, T::I32, T::I64, T::Bool]);
                let name = format!("v{}", self.next_var);
                self.next_var += 1;
                let e = self.expr(t, 3);
                let _ = writeln!(out, "{indent}let mut {name}: {} = {e};", t.name());
                self.vars.push((name, t, true));
            }
            2 => {
                let muts: Vec<(String, T)> =
                    self.vars.iter().filter(|v| v.2 && v.1 != T::Bool).map(|v| (v.0.clone(), v.1)).collect();
                if let Some((n, t)) = muts.get(self.rng.below(muts.len() as u64 + 1) as usize).cloned() {
                    let op = self.rng.pick(&["+=", "-=", "*=", "^=", "|=", "&=", "<<=", ">>="]);
                    let rhs_t = if op.starts_with('<') || op.starts_with('>') { T::U32 } else { t };
                    let e = self.expr(rhs_t, 2);
                    let _ = writeln!(out, "{indent}{n} {op} {e};");
                }
            }
            3 if depth > 0 => {
                let c = self.expr(T::Bool, 2);
                let _ = writeln!(out, "{indent}if {c} {{");
                let saved = self.vars.len();
                self.stmt(out, &format!("{indent}    "), depth - 1);
                self.vars.truncate(saved);
                let _ = writeln!(out, "{indent}}} else {{");
                self.stmt(out, &format!("{indent}    "), depth - 1);
                self.vars.truncate(saved);
                let _ = writeln!(out, "{indent}}}");
            }
            4 if depth > 0 && !self.in_loop => {
                let n = 1 + self.rng.below(8);
                let i = format!("i{}", self.next_var);
                self.next_var += 1;
                let _ = writeln!(out, "{indent}for {i} in 0..{n} {{");
                let saved = self.vars.len();
                self.vars.push((i.clone(), T::U32, false));
                self.in_loop = true;
                self.stmt(out, &format!("{indent}    "), depth - 1);
                if self.rng.chance(30) {
                    let _ = writeln!(out, "{indent}    if {i} == 3 {{ break; }}");
                }
                self.in_loop = false;
                self.vars.truncate(saved);
                let _ = writeln!(out, "{indent}}}");
            }
            5 => {
                let k = self.expr(T::U32, 2);
                let _ = writeln!(out, "{indent}COUNTS.add({k} % 8, 1);");
                let k2 = self.expr(T::U32, 1);
                let _ = writeln!(out, "{indent}PERCPU.add({k2} % 4, 2);");
            }
            6 => {
                let k = self.expr(T::U32, 2);
                let v = self.expr(T::U64, 2);
                let name = format!("v{}", self.next_var);
                self.next_var += 1;
                let _ = writeln!(out, "{indent}let {name}: bool = FLOWS.insert({k}, {v});");
                self.vars.push((name, T::Bool, false));
                let k = self.expr(T::U32, 1);
                let _ = writeln!(out, "{indent}if let Some(seen) = FLOWS.get({k}) {{ COUNTS.set(0, seen as u32); }}");
            }
            _ => {
                let k = self.expr(T::U32, 1);
                let _ = writeln!(
                    out,
                    "{indent}let Some(w{0}) = WEIGHTS.get({k} % 4) else {{ return Verdict::Pass; }};",
                    self.next_var
                );
                self.vars.push((format!("w{}", self.next_var), T::U32, false));
                self.next_var += 1;
            }
        }
    }

    /// One whole policy: maps, a helper function and a `#[steer]` entry `route`.
    pub fn policy(&mut self) -> String {
        let mut out = String::new();
        match self.mode {
            Mode::Fuzz => out.push_str("//! Generated by tests/verifier_fuzz.rs.\nconst N: u32 = 4;\n\n"),
            Mode::Deterministic => {
                out.push_str("//! Generated by tests/common/policy_gen.rs (deterministic).\nconst N: u32 = 4;\n\n")
            }
        }
        out.push_str("#[map]\nstatic SOCKETS: SockArray<N>;\n#[map]\nstatic COUNTS: Array<u32, 8>;\n");
        out.push_str("#[map]\nstatic PERCPU: PerCpuArray<u64, 4>;\n#[map]\nstatic FLOWS: HashMap<u32, u64, 1024>;\n");
        out.push_str("#[map]\nstatic WEIGHTS: Array<u32, 4>;\n\n");
        out.push_str("fn mix(a: u32, b: u32) -> u32 {\n    let mut h = a ^ (b << 7);\n    h ^= h >> 16;\n    h *= 0x85eb_ca6b;\n    h ^ (h >> 13)\n}\n\n");
        let fallback = if self.rng.chance(30) { "(fallback = Drop)" } else { "" };
        let _ = writeln!(out, "#[steer{fallback}]\nfn route(pkt: Packet) -> Verdict {{");
        let n = 2 + self.rng.below(6);
        for _ in 0..n {
            self.stmt(&mut out, "    ", 2);
        }
        let key = self.expr(T::U32, 3);
        if self.mode == Mode::Deterministic {
            match self.rng.below(4) {
                0 | 1 => {
                    let _ = writeln!(out, "    select(SOCKETS, {key} % N)\n}}");
                }
                2 => {
                    let _ = writeln!(
                        out,
                        "    if try_select(SOCKETS, {key} % N) {{ Verdict::Pass }} else {{ Verdict::Drop }}\n}}"
                    );
                }
                _ => {
                    let c = self.expr(T::Bool, 2);
                    let _ = writeln!(out, "    if {c} {{ Verdict::Drop }} else {{ Verdict::Pass }}\n}}");
                }
            }
        } else if self.rng.chance(50) {
            let _ = writeln!(out, "    select(SOCKETS, {key} % N)\n}}");
        } else {
            let _ =
                writeln!(out, "    if try_select(SOCKETS, {key} % N) {{ Verdict::Pass }} else {{ Verdict::Drop }}\n}}");
        }
        out
    }
}

/// Hostile shapes for the verifier and the compiler's budgets (tests/verifier_limits.rs and
/// tests/growth.rs): each is either refused at the source or compiles to an object the kernel
/// loads.
pub mod hostile {
    const HEAD: &str = "#[map]\nstatic SOCKETS: SockArray<4>;\n";

    /// A `match` of `n` arms on `pkt.hash` (plus `_`), `arm_body(i)` the value of arm `i`.
    pub fn match_arms(n: u32, arm_body: impl Fn(u32) -> String) -> String {
        let mut s =
            format!("{HEAD}\n#[steer]\nfn route(pkt: Packet) -> Verdict {{\n    let k: u32 = match pkt.hash {{\n");
        for i in 0..n {
            s.push_str(&format!("        {} => {},\n", i * 3, arm_body(i)));
        }
        s.push_str("        _ => 0,\n    };\n    select(SOCKETS, k % 4)\n}\n");
        s
    }

    /// `fn a_k(x) { a_k+1(x) + a_k+1(x ^ 1) }`, `levels` deep: 2^levels copies when inlined.
    pub fn exponential_inlining(levels: u32) -> String {
        let mut s = format!("{HEAD}\n");
        for k in 0..levels {
            s.push_str(&format!("fn a{k}(x: u32) -> u32 {{ a{}(x) + a{}(x ^ 1) }}\n", k + 1, k + 1));
        }
        s.push_str(&format!("fn a{levels}(x: u32) -> u32 {{ x * 3 }}\n"));
        s.push_str("\n#[steer]\nfn route(pkt: Packet) -> Verdict {\n    select(SOCKETS, a0(pkt.hash) % 4)\n}\n");
        s
    }

    /// One entry that reads `n` `Array` maps (and selects from SOCKETS: n + 1 maps).
    pub fn maps_used(n: u32) -> String {
        let mut s = String::from(HEAD);
        for i in 0..n {
            s.push_str(&format!("#[map]\nstatic M{i}: Array<u32, 4>;\n"));
        }
        s.push_str("\n#[steer]\nfn route(pkt: Packet) -> Verdict {\n    let mut k: u32 = 0;\n");
        for i in 0..n {
            s.push_str(&format!("    k = k + M{i}.get(k % 4).unwrap_or(0);\n"));
        }
        s.push_str("    select(SOCKETS, k % 4)\n}\n");
        s
    }

    /// A `rounds`-round loop with one branch on a payload byte, its count an `Array` key;
    /// `step` is the branch's statement on `s` (`s += 1;` or `s = s + 1;`).
    pub fn loop_with_branch(rounds: u32, step: &str) -> String {
        format!(
            "{HEAD}#[map]\nstatic COUNTS: Array<u32, 1024>;\n\n#[steer]\nfn route(pkt: Packet) -> Verdict {{\n    \
             let b = pkt.payload.u8(0)?;\n    let mut s: u32 = 0;\n    for i in 0..{rounds} {{\n        \
             if b > (i as u8) {{\n            {step}\n        }}\n    }}\n    \
             select(SOCKETS, COUNTS.get(s).unwrap_or(0) % 4)\n}}\n"
        )
    }

    /// `n` sequential `if`s on payload bytes, each setting a distinct bit of an `Array` key
    /// with `set(bit)` (`key |= B;` or `key = key | B;`): 2^n paths when each is a branch.
    pub fn key_bits(n: u32, set: impl Fn(u32) -> String) -> String {
        let mut s = format!(
            "{HEAD}#[map]\nstatic TABLE: Array<u32, 65536>;\n\n#[steer]\nfn route(pkt: Packet) -> Verdict {{\n    let mut key: u32 = 0;\n"
        );
        for i in 0..n {
            s.push_str(&format!("    if pkt.payload.u8({i})? > 127 {{ {} }}\n", set(1 << i)));
        }
        s.push_str("    select(SOCKETS, TABLE.get(key).unwrap_or(0) % 4)\n}\n");
        s
    }

    /// `n` sequential `if h == K { s = s * 3; }`: each state narrowed to one `K` walks the rest.
    pub fn if_chain(n: u32) -> String {
        let mut s = format!(
            "{HEAD}\n#[steer]\nfn route(pkt: Packet) -> Verdict {{\n    let h = pkt.hash;\n    let mut s: u32 = 1;\n"
        );
        for i in 0..n {
            s.push_str(&format!("    if h == {} {{ s = s * 3; }}\n", i * 3));
        }
        s.push_str("    select(SOCKETS, s % 4)\n}\n");
        s
    }

    /// `n` sequential tests of bits of the hash, each a branch of its own: n branches pending.
    pub fn bit_tests(n: u32) -> String {
        let mut s = format!(
            "{HEAD}\n#[steer]\nfn route(pkt: Packet) -> Verdict {{\n    let h = pkt.hash;\n    let mut s: u32 = 1;\n"
        );
        for i in 0..n {
            s.push_str(&format!("    if (h >> {}) & 1 == 1 {{ s = s * 3; }}\n", i % 32));
        }
        s.push_str("    select(SOCKETS, s % 4)\n}\n");
        s
    }

    /// `n` straight-line statements on one value.
    pub fn straight(n: u32) -> String {
        let mut s = format!("{HEAD}\n#[steer]\nfn route(pkt: Packet) -> Verdict {{\n    let mut h: u32 = pkt.hash;\n");
        for i in 0..n {
            let line = match i % 4 {
                0 => format!("h = h * 31 + {};", i * 7 + 1),
                1 => format!("h = h ^ (h >> 7) ^ {};", i * 7 + 1),
                2 => format!("h = (h << 3) + h + {};", i * 7 + 1),
                _ => format!("h = h + (h % {});", i % 13 + 2),
            };
            s.push_str(&format!("    {line}\n"));
        }
        s.push_str("    select(SOCKETS, h % 4)\n}\n");
        s
    }

    /// `n` small functions, every `n / 50`th called from the entry.
    pub fn functions(n: u32) -> String {
        let mut s = format!("{HEAD}\n");
        for i in 0..n {
            s.push_str(&format!("fn f{i}(x: u32) -> u32 {{ x * {} + {i} }}\n", i % 7 + 2));
        }
        s.push_str("\n#[steer]\nfn route(pkt: Packet) -> Verdict {\n    let mut h: u32 = pkt.hash;\n");
        for i in (0..n).step_by((n as usize / 50).max(1)) {
            s.push_str(&format!("    h = f{i}(h);\n"));
        }
        s.push_str("    select(SOCKETS, h % 4)\n}\n");
        s
    }

    /// `n` entries.
    pub fn entries(n: u32) -> String {
        let mut s = String::from(HEAD);
        for i in 0..n {
            s.push_str(&format!(
                "#[steer]\nfn route{i}(pkt: Packet) -> Verdict {{\n    select(SOCKETS, (pkt.hash + {i}) % 4)\n}}\n"
            ));
        }
        s
    }

    /// `n` constants, the last one used.
    pub fn constants(n: u32) -> String {
        let mut s = String::from(HEAD);
        for i in 0..n {
            s.push_str(&format!("const C{i}: u32 = {i} * 3 + 1;\n"));
        }
        s.push_str(&format!(
            "#[steer]\nfn route(pkt: Packet) -> Verdict {{\n    select(SOCKETS, (pkt.hash + C{}) % 4)\n}}\n",
            n - 1
        ));
        s
    }
}
