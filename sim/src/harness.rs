//! Runs a policy's `#[test]` functions (the book's `ref-tests.md`).
//!
//! A test body is interpreted from the typed HIR: it builds packets, fills and reads maps
//! the way userspace does, and calls entries. Each call of an entry runs the entry's
//! *compiled* bytecode in the simulator ([`crate::run`]), so a test checks what the kernel
//! would run, not a second reading of the source. Maps start empty in each test; map
//! changes made by the program and by the test body are one state.

use crate::{Delivery, Maps, Outcome, SimPacket};
use rsteer_codegen::Compiled;
use rsteer_lang::consteval::{eval_binary, eval_unary, DivByZero};
use rsteer_lang::hir::{
    self, AssertKind, BinOp, Block, ExprKind, FuncId, IntTy, LocalId, PacketField, PacketSet, Pattern, Place, Program,
    ReadKind, Region, Stmt, TryKind, Ty, UnOp, ValueTy,
};
use rsteer_lang::packet::Endian;
use rsteer_lang::Span;
use rsteer_value::{Shape, Value};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;

/// The result of one test.
#[derive(Clone, Debug)]
pub struct TestResult {
    pub name: String,
    /// The `#[test]` function's name span.
    pub span: Span,
    /// `None` when it passed.
    pub failure: Option<TestFailure>,
    /// How many entry runs it made.
    pub runs: u32,
    /// How many steps it took (see [`Budget::steps`]).
    pub steps: u64,
}

/// Why a test failed: the assertion (or the failing run) and a message with the values.
#[derive(Clone, Debug)]
pub struct TestFailure {
    pub span: Span,
    pub message: String,
}

/// What one test may use of the simulator. A test that goes past either figure fails with a
/// message that names it and the figure, instead of running for ever or taking the machine's
/// memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Steps: each expression the test body evaluates and each BPF instruction of its entry
    /// runs counts one.
    pub steps: u64,
    /// Bytes its maps may hold, as [`Maps::bytes`] counts them (arrays, and per hash entry
    /// its key, value and bookkeeping).
    pub map_bytes: u64,
}

impl Default for Budget {
    /// 20,000,000 steps (a second or two of work; the largest test of the examples takes
    /// about 2,000) and 256 MiB of maps.
    fn default() -> Self {
        Budget { steps: 20_000_000, map_bytes: 256 << 20 }
    }
}

/// Runs every test of `prog` whose name contains `filter` (all when `None`).
pub fn run_tests(prog: &Program, compiled: &Compiled, filter: Option<&str>) -> Vec<TestResult> {
    run_tests_with(prog, compiled, filter, &Budget::default())
}

/// [`run_tests`] with a budget of its own for each test.
pub fn run_tests_with(prog: &Program, compiled: &Compiled, filter: Option<&str>, budget: &Budget) -> Vec<TestResult> {
    prog.tests
        .iter()
        .filter(|t| filter.is_none_or(|f| prog.functions[t.0 as usize].name.contains(f)))
        .map(|&t| run_test_with(prog, compiled, t, budget))
        .collect()
}

/// Runs one `#[test]` function with fresh, empty maps.
pub fn run_test(prog: &Program, compiled: &Compiled, test: FuncId) -> TestResult {
    run_test_with(prog, compiled, test, &Budget::default())
}

/// [`run_test`] within `budget`.
pub fn run_test_with(prog: &Program, compiled: &Compiled, test: FuncId, budget: &Budget) -> TestResult {
    let func = &prog.functions[test.0 as usize];
    let specs = rsteer_codegen::map_specs(prog);
    let result =
        |failure, runs, steps| TestResult { name: func.name.clone(), span: func.name_span, failure, runs, steps };
    let arrays = Maps::preallocated_bytes(&specs, crate::DEFAULT_CPUS);
    if arrays > budget.map_bytes {
        let message = format!(
            "test `{}` did not start: the arrays of its maps take {} in the simulator, over its budget of {}",
            func.name,
            bytes_text(arrays),
            bytes_text(budget.map_bytes)
        );
        return result(Some(TestFailure { span: func.name_span, message }), 0, 0);
    }
    let mut it = Interp {
        prog,
        compiled,
        maps: Maps::new(&specs),
        runs: 0,
        depth: 0,
        entry: None,
        steps: 0,
        budget: *budget,
        test: func.name.clone(),
    };
    let failure = match it.call(test, vec![]) {
        Ok(_) => None,
        Err(Ctl::Fail(f)) => Some(f),
        Err(_) => None,
    };
    result(failure, it.runs, it.steps)
}

/// `n` with thousands separators: `100,000,000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size in bytes as a person reads it: `256 MiB`, `1.5 GiB`, `800 bytes`.
fn bytes_text(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= size {
            let whole = n / size;
            let tenth = n % size * 10 / size;
            return if tenth == 0 { format!("{whole} {unit}") } else { format!("{whole}.{tenth} {unit}") };
        }
    }
    format!("{n} bytes")
}

/// The outcome of evaluating entry `entry` from its *source* (the typed HIR) on `pkt`,
/// changing `maps` as the program would. This is the language's reference semantics: tests
/// compare it with the compiled program's run in the simulator, so that a miscompilation
/// that the kernel would run faithfully still shows up.
pub fn reference_run(
    prog: &Program,
    entry: FuncId,
    maps: &mut Maps,
    pkt: &SimPacket,
) -> Result<(crate::Verdict, Option<crate::Selection>), String> {
    let func = &prog.functions[entry.0 as usize];
    let fallback = match func.kind {
        hir::FnKind::Entry(a) => a.fallback,
        _ => hir::Verdict::Pass,
    };
    let empty = Compiled { programs: vec![], object: vec![] };
    let taken = std::mem::replace(maps, Maps::new(&[]));
    let mut it = Interp {
        prog,
        compiled: &empty,
        maps: taken,
        runs: 0,
        depth: 0,
        entry: Some(EntryRun { fallback, pkt: pkt.clone(), selected: None }),
        steps: 0,
        budget: Budget::default(),
        test: func.name.clone(),
    };
    let r = it.call(entry, vec![V::Packet(Box::new(pkt.clone()))]);
    *maps = std::mem::replace(&mut it.maps, Maps::new(&[]));
    let run = it.entry.take().expect("set above");
    let verdict = match r {
        Ok(V::Verdict(v)) => v,
        Ok(other) => return Err(format!("the entry returned {other}")),
        Err(Ctl::Abort) => fallback,
        Err(Ctl::Fail(f)) => return Err(f.message),
        Err(_) => return Err("the entry ended with `break` or `continue`".into()),
    };
    let verdict = match verdict {
        hir::Verdict::Pass => crate::Verdict::Pass,
        hir::Verdict::Drop => crate::Verdict::Drop,
    };
    Ok((verdict, run.selected))
}

/// A value in a test body.
#[derive(Clone, Debug)]
enum V {
    /// Raw bits, normalised to the type (zero- or sign-extended).
    Int(u64, IntTy),
    Bool(bool),
    Array(Vec<V>),
    Struct(Vec<V>),
    Opt(Option<Box<V>>),
    Packet(Box<SimPacket>),
    /// A verdict written in the test (`Verdict::Pass`).
    Verdict(hir::Verdict),
    /// An entry run's outcome.
    Run(Box<Outcome>),
    Unit,
}

/// Non-local control flow while interpreting.
enum Ctl {
    Return(V),
    Break,
    Continue,
    /// An assertion or a run failed.
    Fail(TestFailure),
    /// The entry ends with its fallback verdict (a failed `?`, header read or index).
    Abort,
}

impl fmt::Display for V {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            V::Int(bits, t) if t.signed() => write!(f, "{}", *bits as i64),
            V::Int(bits, _) => write!(f, "{bits}"),
            V::Bool(b) => write!(f, "{b}"),
            V::Array(items) => {
                let parts: Vec<String> = items.iter().map(|v| v.to_string()).collect();
                write!(f, "[{}]", parts.join(", "))
            }
            V::Struct(items) => {
                let parts: Vec<String> = items.iter().map(|v| v.to_string()).collect();
                write!(f, "{{ {} }}", parts.join(", "))
            }
            V::Opt(Some(v)) => write!(f, "Some({v})"),
            V::Opt(None) => write!(f, "None"),
            V::Packet(p) => write!(f, "a packet {} -> {}", p.src, p.dst),
            V::Verdict(v) => write!(f, "Verdict::{v:?}"),
            V::Run(o) => match o.delivery() {
                Delivery::Dropped => write!(f, "Verdict::Drop"),
                Delivery::HashPick => write!(f, "Verdict::Pass (no selection: the kernel's hash pick)"),
                Delivery::Socket(_) => {
                    let s = o.selected.as_ref().map(|s| format!("{}[{}]", s.map, s.key)).unwrap_or_default();
                    write!(f, "Verdict::Pass with {s} selected")
                }
            },
            V::Unit => write!(f, "()"),
        }
    }
}

/// Equality as `assert_eq!` sees it: a run equals `Verdict::Pass` when it passed without a
/// selection and `Verdict::Drop` when it dropped; two runs are equal when they deliver alike.
fn same(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Int(x, _), V::Int(y, _)) => x == y,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Array(x), V::Array(y)) | (V::Struct(x), V::Struct(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (V::Opt(x), V::Opt(y)) => match (x, y) {
            (Some(p), Some(q)) => same(p, q),
            (None, None) => true,
            _ => false,
        },
        (V::Verdict(x), V::Verdict(y)) => x == y,
        (V::Run(o), V::Verdict(v)) | (V::Verdict(v), V::Run(o)) => match v {
            hir::Verdict::Pass => o.delivery() == Delivery::HashPick,
            hir::Verdict::Drop => o.delivery() == Delivery::Dropped,
        },
        (V::Run(x), V::Run(y)) => x.delivery() == y.delivery(),
        (V::Unit, V::Unit) => true,
        _ => false,
    }
}

fn mask(bits: u64, t: IntTy) -> u64 {
    let w = t.bits();
    if w == 64 {
        return bits;
    }
    let low = bits & ((1u64 << w) - 1);
    if t.signed() && low & (1u64 << (w - 1)) != 0 {
        low | !((1u64 << w) - 1)
    } else {
        low
    }
}

struct Frame {
    locals: HashMap<LocalId, V>,
}

struct Interp<'a> {
    prog: &'a Program,
    compiled: &'a Compiled,
    maps: Maps,
    runs: u32,
    depth: u32,
    /// Set while evaluating an entry from source ([`reference_run`]): its fallback verdict,
    /// the packet its built-ins read, and the selection made so far.
    entry: Option<EntryRun>,
    /// Steps taken so far, and the budget they and the maps are held to.
    steps: u64,
    budget: Budget,
    /// The test's (or the entry's) name, for the budget's failures.
    test: String,
}

struct EntryRun {
    fallback: hir::Verdict,
    pkt: SimPacket,
    selected: Option<crate::Selection>,
}

type R<T> = Result<T, Ctl>;

fn fail<T>(span: Span, message: impl Into<String>) -> R<T> {
    Err(Ctl::Fail(TestFailure { span, message: message.into() }))
}

impl Interp<'_> {
    /// Counts `n` steps at `span`; past the budget, the test fails there.
    fn tick(&mut self, n: u64, span: Span) -> R<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.budget.steps {
            return fail(
                span,
                format!(
                    "test `{}` stopped after {} steps (the simulator's budget for one test): does a loop run \
                     longer than meant?",
                    self.test,
                    grouped(self.budget.steps)
                ),
            );
        }
        Ok(())
    }

    /// After a map grew: past the budget, the test fails at `span`.
    fn check_maps(&self, span: Span) -> R<()> {
        let held = self.maps.bytes();
        if held > self.budget.map_bytes {
            return fail(
                span,
                format!(
                    "test `{}` stopped: its maps grew past {} (the simulator's budget for one test)",
                    self.test,
                    bytes_text(self.budget.map_bytes)
                ),
            );
        }
        Ok(())
    }

    fn call(&mut self, func: FuncId, args: Vec<V>) -> R<V> {
        let f = &self.prog.functions[func.0 as usize];
        if self.depth > 64 {
            return fail(f.span, "calls nest more than 64 deep");
        }
        let mut frame = Frame { locals: HashMap::new() };
        for (p, v) in f.params.iter().zip(args) {
            frame.locals.insert(*p, v);
        }
        self.depth += 1;
        let r = self.block(&mut frame, &f.body);
        self.depth -= 1;
        match r {
            Ok(v) => Ok(v),
            Err(Ctl::Return(v)) => Ok(v),
            Err(other) => Err(other),
        }
    }

    fn block(&mut self, fr: &mut Frame, b: &Block) -> R<V> {
        for s in &b.stmts {
            self.stmt(fr, s)?;
        }
        match &b.tail {
            Some(e) => self.expr(fr, e),
            None => Ok(V::Unit),
        }
    }

    fn stmt(&mut self, fr: &mut Frame, s: &Stmt) -> R<()> {
        match s {
            Stmt::Let { local, init, .. } => {
                let v = self.expr(fr, init)?;
                fr.locals.insert(*local, v);
            }
            Stmt::LetElse { local, init, else_block, .. } => match self.expr(fr, init)? {
                V::Opt(Some(v)) => {
                    fr.locals.insert(*local, *v);
                }
                _ => {
                    self.block(fr, else_block)?;
                }
            },
            Stmt::Assign { place, op, value, span } => {
                let v = self.expr(fr, value)?;
                let v = match op {
                    Some(op) => {
                        let cur = self.read_place(fr, place)?;
                        self.binary(*op, cur, v, *span)?
                    }
                    None => v,
                };
                self.write_place(fr, place, v)?;
            }
            Stmt::Expr(e) => {
                self.expr(fr, e)?;
            }
        }
        Ok(())
    }

    fn read_place(&mut self, fr: &mut Frame, p: &Place) -> R<V> {
        match p {
            Place::Local(l) => Ok(fr.locals.get(l).cloned().unwrap_or(V::Unit)),
            Place::Field(base, i) => match self.read_place(fr, base)? {
                V::Struct(fields) => Ok(fields.get(*i as usize).cloned().unwrap_or(V::Unit)),
                _ => Ok(V::Unit),
            },
            Place::Index(base, idx) => {
                let i = self.expr(fr, idx)?;
                match self.read_place(fr, base)? {
                    V::Array(items) => {
                        let k = as_u64(&i) as usize;
                        match items.get(k) {
                            Some(v) => Ok(v.clone()),
                            None => {
                                fail(idx.span, format!("index {k} is out of range for an array of {}", items.len()))
                            }
                        }
                    }
                    _ => Ok(V::Unit),
                }
            }
        }
    }

    fn write_place(&mut self, fr: &mut Frame, p: &Place, v: V) -> R<()> {
        match p {
            Place::Local(l) => {
                fr.locals.insert(*l, v);
                Ok(())
            }
            Place::Field(base, i) => {
                let mut cur = self.read_place(fr, base)?;
                if let V::Struct(fields) = &mut cur {
                    if let Some(slot) = fields.get_mut(*i as usize) {
                        *slot = v;
                    }
                }
                self.write_place(fr, base, cur)
            }
            Place::Index(base, idx) => {
                let i = self.expr(fr, idx)?;
                let mut cur = self.read_place(fr, base)?;
                if let V::Array(items) = &mut cur {
                    let k = as_u64(&i) as usize;
                    let n = items.len();
                    match items.get_mut(k) {
                        Some(slot) => *slot = v,
                        None if self.entry.is_some() => return Err(Ctl::Abort),
                        None => return fail(idx.span, format!("index {k} is out of range for an array of {n}")),
                    }
                }
                self.write_place(fr, base, cur)
            }
        }
    }

    fn expr(&mut self, fr: &mut Frame, e: &hir::Expr) -> R<V> {
        self.tick(1, e.span)?;
        Ok(match &e.kind {
            ExprKind::Int(bits) => match e.ty {
                Ty::Int(t) => V::Int(mask(*bits, t), t),
                _ => V::Int(*bits, IntTy::U64),
            },
            ExprKind::Bool(b) => V::Bool(*b),
            ExprKind::Bytes(b) => V::Array(b.iter().map(|x| V::Int(*x as u64, IntTy::U8)).collect()),
            ExprKind::ArrayLit(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.expr(fr, it)?);
                }
                V::Array(out)
            }
            ExprKind::Local(l) => fr.locals.get(l).cloned().unwrap_or(V::Unit),
            ExprKind::Unary(op, x) => {
                let v = self.expr(fr, x)?;
                match (op, v) {
                    (UnOp::Not, V::Bool(b)) => V::Bool(!b),
                    (op, V::Int(bits, t)) => V::Int(mask(eval_unary(*op, t, bits), t), t),
                    (_, other) => other,
                }
            }
            ExprKind::Binary(BinOp::And, a, b) => {
                let l = truthy(&self.expr(fr, a)?);
                V::Bool(l && truthy(&self.expr(fr, b)?))
            }
            ExprKind::Binary(BinOp::Or, a, b) => {
                let l = truthy(&self.expr(fr, a)?);
                V::Bool(l || truthy(&self.expr(fr, b)?))
            }
            ExprKind::Binary(op, a, b) => {
                let l = self.expr(fr, a)?;
                let r = self.expr(fr, b)?;
                self.binary(*op, l, r, e.span)?
            }
            ExprKind::Cast(x) => {
                let v = self.expr(fr, x)?;
                let bits = match v {
                    V::Int(b, _) => b,
                    V::Bool(b) => b as u64,
                    _ => 0,
                };
                match e.ty {
                    Ty::Int(t) => V::Int(mask(bits, t), t),
                    _ => V::Int(bits, IntTy::U64),
                }
            }
            ExprKind::Block(b) => self.block(fr, b)?,
            ExprKind::If { cond, then, els } => {
                if truthy(&self.expr(fr, cond)?) {
                    self.block(fr, then)?
                } else if let Some(els) = els {
                    self.expr(fr, els)?
                } else {
                    V::Unit
                }
            }
            ExprKind::IfLet { local, scrutinee, then, els } => match self.expr(fr, scrutinee)? {
                V::Opt(Some(v)) => {
                    fr.locals.insert(*local, *v);
                    self.block(fr, then)?
                }
                _ => match els {
                    Some(els) => self.expr(fr, els)?,
                    None => V::Unit,
                },
            },
            ExprKind::Match { scrutinee, arms } => {
                let s = self.expr(fr, scrutinee)?;
                let (bits, t) = match &s {
                    V::Int(b, t) => (*b, *t),
                    _ => (0, IntTy::U64),
                };
                // Patterns hold raw bits masked to the type; values are normalised, so both
                // go through `mask` before they are compared.
                let hit = |p: &Pattern| match p {
                    Pattern::Wild => true,
                    Pattern::Int(v) => mask(*v, t) == bits,
                    Pattern::Range(lo, hi) if t.signed() => {
                        let (x, lo, hi) = (bits as i64, mask(*lo, t) as i64, mask(*hi, t) as i64);
                        lo <= x && x <= hi
                    }
                    Pattern::Range(lo, hi) => *lo <= bits && bits <= *hi,
                };
                match arms.iter().find(|a| a.patterns.iter().any(hit)) {
                    Some(arm) => self.expr(fr, &arm.body)?,
                    None => return fail(e.span, format!("no arm matches {s}")),
                }
            }
            ExprKind::For { var, start, end, body, .. } => {
                let s = self.expr(fr, start)?;
                let en = self.expr(fr, end)?;
                let t = match s {
                    V::Int(_, t) => t,
                    _ => IntTy::U32,
                };
                let (mut i, stop) = if t.signed() {
                    (as_u64(&s) as i64 as i128, as_u64(&en) as i64 as i128)
                } else {
                    (as_u64(&s) as i128, as_u64(&en) as i128)
                };
                while i < stop {
                    self.tick(1, e.span)?;
                    fr.locals.insert(*var, V::Int(mask(i as u64, t), t));
                    match self.block(fr, body) {
                        Ok(_) | Err(Ctl::Continue) => {}
                        Err(Ctl::Break) => break,
                        Err(other) => return Err(other),
                    }
                    i += 1;
                }
                V::Unit
            }
            ExprKind::Break => return Err(Ctl::Break),
            ExprKind::Continue => return Err(Ctl::Continue),
            ExprKind::Return(v) => {
                let v = match v {
                    Some(v) => self.expr(fr, v)?,
                    None => V::Unit,
                };
                return Err(Ctl::Return(v));
            }
            ExprKind::Call { func, args } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.expr(fr, a)?);
                }
                self.call(*func, vals)?
            }
            ExprKind::Try { operand, kind } => match self.expr(fr, operand)? {
                V::Opt(Some(v)) => *v,
                _ => match kind {
                    TryKind::ReturnNone => return Err(Ctl::Return(V::Opt(None))),
                    TryKind::Fallback if self.entry.is_some() => return Err(Ctl::Abort),
                    TryKind::Fallback => return fail(e.span, "`?` met `None` outside an entry"),
                },
            },
            ExprKind::Some(x) => V::Opt(Some(Box::new(self.expr(fr, x)?))),
            ExprKind::None => V::Opt(None),
            ExprKind::UnwrapOr(o, d) => {
                let ov = self.expr(fr, o)?;
                let dv = self.expr(fr, d)?;
                match ov {
                    V::Opt(Some(v)) => *v,
                    _ => dv,
                }
            }
            ExprKind::IsSome(o) => V::Bool(matches!(self.expr(fr, o)?, V::Opt(Some(_)))),
            ExprKind::IsNone(o) => V::Bool(matches!(self.expr(fr, o)?, V::Opt(None))),
            ExprKind::Verdict(v) => V::Verdict(*v),
            ExprKind::StructLit(_, fields) => {
                let mut out = Vec::with_capacity(fields.len());
                for f in fields {
                    out.push(self.expr(fr, f)?);
                }
                V::Struct(out)
            }
            ExprKind::Field(base, i) => match self.expr(fr, base)? {
                V::Struct(fields) => fields.get(*i as usize).cloned().unwrap_or(V::Unit),
                other => other,
            },
            ExprKind::Index(base, idx) => {
                let b = self.expr(fr, base)?;
                let i = as_u64(&self.expr(fr, idx)?) as usize;
                match b {
                    V::Array(items) => match items.get(i) {
                        Some(v) => v.clone(),
                        None => {
                            return fail(idx.span, format!("index {i} is out of range for an array of {}", items.len()))
                        }
                    },
                    other => other,
                }
            }
            ExprKind::MapGet { map, key } => {
                let k = self.expr(fr, key)?;
                let decl = &self.prog.maps[map.0 as usize];
                let kb = self.map_key(decl, &k, None);
                match self.maps.get(&decl.name, &kb) {
                    Ok(Some(bytes)) => V::Opt(Some(Box::new(self.decode(&bytes, &decl.value)))),
                    Ok(None) => V::Opt(None),
                    Err(err) => return fail(e.span, format!("{}: {err}", decl.name)),
                }
            }
            ExprKind::MapSet { map, key, value } | ExprKind::MapInsert { map, key, value } => {
                let k = self.expr(fr, key)?;
                let v = self.expr(fr, value)?;
                let decl = &self.prog.maps[map.0 as usize];
                let (kb, vb) = (self.encode(&k, &decl.key), self.encode(&v, &decl.value));
                let ok = self.maps.insert(&decl.name, &kb, &vb).is_ok();
                self.check_maps(e.span)?;
                if matches!(e.kind, ExprKind::MapInsert { .. }) {
                    V::Bool(ok)
                } else {
                    V::Unit
                }
            }
            ExprKind::MapRemove { map, key } => {
                let k = self.expr(fr, key)?;
                let decl = &self.prog.maps[map.0 as usize];
                let kb = self.encode(&k, &decl.key);
                V::Bool(self.maps.remove(&decl.name, &kb).unwrap_or(false))
            }
            ExprKind::MapContains { map, key } => {
                let k = self.expr(fr, key)?;
                let decl = &self.prog.maps[map.0 as usize];
                let kb = self.encode(&k, &decl.key);
                V::Bool(matches!(self.maps.get(&decl.name, &kb), Ok(Some(_))))
            }
            ExprKind::MapAdd { map, key, delta } => {
                let k = self.expr(fr, key)?;
                let d = self.expr(fr, delta)?;
                let decl = &self.prog.maps[map.0 as usize];
                let kb = self.encode(&k, &decl.key);
                if let Ok(Some(bytes)) = self.maps.get(&decl.name, &kb) {
                    let cur = self.decode(&bytes, &decl.value);
                    let sum = self.binary(BinOp::Add, cur, d, e.span)?;
                    let vb = self.encode(&sum, &decl.value);
                    let _ = self.maps.insert(&decl.name, &kb, &vb);
                }
                V::Unit
            }
            ExprKind::TestPacket { tcp, v6 } => {
                let (src, dst): (SocketAddr, SocketAddr) = if *v6 {
                    ("[2001:db8::7]:40000".parse().unwrap(), "[2001:db8::1]:443".parse().unwrap())
                } else {
                    ("192.0.2.7:40000".parse().unwrap(), "192.0.2.1:443".parse().unwrap())
                };
                let p = if *tcp { SimPacket::tcp(src, dst, &[]) } else { SimPacket::udp(src, dst, &[]) };
                V::Packet(Box::new(p))
            }
            ExprKind::PacketSet { packet, set } => {
                let V::Packet(mut p) = self.expr(fr, packet)? else { return Ok(V::Unit) };
                match set {
                    PacketSet::Src(a) => p.src = *a,
                    PacketSet::Dst(a) => p.dst = *a,
                    PacketSet::Payload(x) => {
                        let v = self.expr(fr, x)?;
                        p.payload = match v {
                            V::Array(items) => items.iter().map(|b| as_u64(b) as u8).collect(),
                            _ => vec![],
                        };
                    }
                    PacketSet::Hash(x) => p.hash = as_u64(&self.expr(fr, x)?) as u32,
                    PacketSet::Cpu(x) => {
                        let cpu = as_u64(&self.expr(fr, x)?) as u32;
                        let cpus = self.maps.cpus();
                        if cpu >= cpus {
                            return fail(
                                x.span,
                                format!("`.cpu({cpu})` names no CPU: tests run on {cpus} CPUs, 0 to {}", cpus - 1),
                            );
                        }
                        p.cpu = cpu;
                    }
                    PacketSet::Random(x) => p.random = as_u64(&self.expr(fr, x)?) as u32,
                    PacketSet::Now(x) => p.now_ns = as_u64(&self.expr(fr, x)?),
                    PacketSet::BindInany(x) => p.bind_inany = truthy(&self.expr(fr, x)?),
                    PacketSet::Migrating => {
                        p.migrating = true;
                        p.migrating_cookie.get_or_insert(crate::DEFAULT_MIGRATING_COOKIE);
                    }
                }
                if p.src.is_ipv4() != p.dst.is_ipv4() {
                    return fail(e.span, format!("the packet mixes address families: {} -> {}", p.src, p.dst));
                }
                V::Packet(p)
            }
            ExprKind::RunEntry { func, packet } => {
                let V::Packet(p) = self.expr(fr, packet)? else { return Ok(V::Unit) };
                let name = &self.prog.functions[func.0 as usize].name;
                let Some(compiled) = self.compiled.programs.iter().find(|c| &c.name == name) else {
                    return fail(e.span, format!("`{name}` was not compiled"));
                };
                self.runs += 1;
                let run = crate::run(compiled, &mut self.maps, &p);
                self.maps.compact();
                match run {
                    Ok(o) => {
                        self.tick(o.insns_executed, e.span)?;
                        self.check_maps(e.span)?;
                        V::Run(Box::new(o))
                    }
                    Err(err) => {
                        return fail(e.span, format!("the simulator stopped `{name}` (a compiler bug): {err}"));
                    }
                }
            }
            ExprKind::MapPrefix { map, key, len, value } => {
                let k = self.expr(fr, key)?;
                let l = as_u64(&self.expr(fr, len)?);
                let decl = &self.prog.maps[map.0 as usize];
                // A length past the address's bits is refused by the map, as by the kernel.
                let l = u32::try_from(l).unwrap_or(u32::MAX);
                let kb = self.map_key(decl, &k, Some(l));
                match value {
                    Some(v) => {
                        let v = self.expr(fr, v)?;
                        let vb = self.encode(&v, &decl.value);
                        V::Bool(self.maps.insert(&decl.name, &kb, &vb).is_ok())
                    }
                    None => V::Bool(self.maps.remove(&decl.name, &kb).unwrap_or(false)),
                }
            }
            ExprKind::MapFill { map, count } => {
                let n = as_u64(&self.expr(fr, count)?) as u32;
                let decl = &self.prog.maps[map.0 as usize];
                if n > decl.capacity {
                    return fail(e.span, format!("`{}` holds {} sockets, not {n}", decl.name, decl.capacity));
                }
                if let Err(err) = self.maps.fill_sockets(&decl.name, n) {
                    return fail(e.span, format!("{}: {err}", decl.name));
                }
                V::Unit
            }
            ExprKind::Assert { kind, args, map } => {
                self.assert(fr, *kind, args, *map, e.span)?;
                V::Unit
            }
            ExprKind::PacketField { packet, field } => {
                let V::Packet(p) = self.expr(fr, packet)? else { return Ok(V::Unit) };
                match packet_field(&p, *field, e.span) {
                    Err(Ctl::Fail(_)) if self.entry.is_some() => return Err(Ctl::Abort),
                    other => other?,
                }
            }
            ExprKind::RegionRead { packet, region, kind, offset } => {
                let V::Packet(p) = self.expr(fr, packet)? else { return Ok(V::Unit) };
                let off = as_u64(&self.expr(fr, offset)?);
                region_read(&p, *region, *kind, off)
            }
            ExprKind::Select { map, key, is_try } => {
                if self.entry.is_none() {
                    return fail(e.span, "`select` steers a packet: call an entry instead");
                }
                let k = self.expr(fr, key)?;
                let decl = &self.prog.maps[map.0 as usize];
                let kb = self.encode(&k, &key.ty);
                let sock = self.maps.socket(&decl.name, &kb).ok().flatten();
                let run = self.entry.as_mut().expect("checked above");
                if let Some(socket) = sock {
                    let mut k8 = [0u8; 8];
                    let n = kb.len().min(8);
                    k8[..n].copy_from_slice(&kb[..n]);
                    run.selected =
                        Some(crate::Selection { map: decl.name.clone(), key: u64::from_le_bytes(k8), socket });
                }
                match (is_try, sock.is_some()) {
                    (true, ok) => V::Bool(ok),
                    (false, true) => V::Verdict(hir::Verdict::Pass),
                    (false, false) => V::Verdict(run.fallback),
                }
            }
            ExprKind::Builtin(b) => {
                let Some(run) = &self.entry else {
                    return fail(e.span, "`cpu()`, `random()` and the clocks exist in entries only");
                };
                match b {
                    hir::Builtin::Cpu => int(run.pkt.cpu as u64, IntTy::U32),
                    hir::Builtin::Random => int(run.pkt.random as u64, IntTy::U32),
                    hir::Builtin::NowNs => int(run.pkt.now_ns, IntTy::U64),
                    hir::Builtin::NowCoarseNs => int(run.pkt.now_ns - run.pkt.now_ns % 4_000_000, IntTy::U64),
                }
            }
        })
    }

    fn assert(
        &mut self,
        fr: &mut Frame,
        kind: AssertKind,
        args: &[hir::Expr],
        map: Option<hir::MapId>,
        span: Span,
    ) -> R<()> {
        match kind {
            AssertKind::True => {
                if !truthy(&self.expr(fr, &args[0])?) {
                    return fail(span, "assertion failed: the condition is false");
                }
            }
            AssertKind::Eq | AssertKind::Ne => {
                let l = self.expr(fr, &args[0])?;
                let r = self.expr(fr, &args[1])?;
                let eq = same(&l, &r);
                if kind == AssertKind::Eq && !eq {
                    return fail(span, format!("assertion failed: left == right\n  left:  {l}\n  right: {r}"));
                }
                if kind == AssertKind::Ne && eq {
                    return fail(span, format!("assertion failed: left != right\n  both:  {l}"));
                }
            }
            AssertKind::Selected => {
                let run = self.expr(fr, &args[0])?;
                let key = self.expr(fr, &args[1])?;
                let Some(m) = map else { return Ok(()) };
                let name = &self.prog.maps[m.0 as usize].name;
                let want = as_u64(&key);
                let ok = match &run {
                    V::Run(o) => {
                        o.delivery() != Delivery::Dropped
                            && o.selected.as_ref().is_some_and(|s| &s.map == name && s.key == want)
                    }
                    _ => false,
                };
                if !ok {
                    return fail(
                        span,
                        format!(
                            "assertion failed: expected Verdict::Pass with {name}[{want}] selected\n  got:   {run}"
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    fn binary(&mut self, op: BinOp, l: V, r: V, span: Span) -> R<V> {
        if let (V::Int(a, t), V::Int(b, _)) = (&l, &r) {
            let (a, b, t) = (*a, *b, *t);
            if matches!(op, BinOp::And | BinOp::Or) {
                return Ok(V::Bool(a != 0 && (op == BinOp::Or || b != 0)));
            }
            let v = match eval_binary(op, t, a, b) {
                Ok(v) => v,
                // BPF defines x / 0 == 0 and x % 0 == x; the compiled program does the same.
                Err(DivByZero) => {
                    if op == BinOp::Div {
                        0
                    } else {
                        a
                    }
                }
            };
            if op.is_comparison() {
                return Ok(V::Bool(v != 0));
            }
            return Ok(V::Int(mask(v, t), t));
        }
        match op {
            BinOp::Eq => Ok(V::Bool(same(&l, &r))),
            BinOp::Ne => Ok(V::Bool(!same(&l, &r))),
            BinOp::And => Ok(V::Bool(truthy(&l) && truthy(&r))),
            BinOp::Or => Ok(V::Bool(truthy(&l) || truthy(&r))),
            _ => fail(span, format!("cannot apply `{}` to {l} and {r}", op.symbol())),
        }
    }

    /// A value as the map holds it: C layout, little endian (as the compiled program sees it).
    fn encode(&self, v: &V, ty: &Ty) -> Vec<u8> {
        Shape::of(self.prog, ty).encode(&to_value(v))
    }

    /// A key of `map` as the map holds it; for a prefix table, the prefix length `len` (by
    /// default every bit, as a program's lookup) and address `k` in network order.
    fn map_key(&self, map: &rsteer_lang::hir::MapDecl, k: &V, len: Option<u32>) -> Vec<u8> {
        let mut addr = self.encode(k, &map.key);
        if !map.kind.info().prefix_key {
            return addr;
        }
        if map.key == Ty::U32 {
            addr.reverse();
        }
        let mut key = len.unwrap_or(addr.len() as u32 * 8).to_le_bytes().to_vec();
        key.extend_from_slice(&addr);
        key
    }

    fn decode(&self, bytes: &[u8], ty: &Ty) -> V {
        from_value(Shape::of(self.prog, ty).decode(bytes))
    }
}

/// A test body's value as the codec holds it; the parts maps never hold are left out.
fn to_value(v: &V) -> Value {
    match v {
        V::Int(bits, t) => Value::Int(*bits, *t),
        V::Bool(b) => Value::Bool(*b),
        V::Array(items) => Value::Array(items.iter().map(to_value).collect()),
        V::Struct(items) => Value::Struct(items.iter().map(to_value).collect()),
        _ => Value::Bytes(vec![]),
    }
}

fn from_value(v: Value) -> V {
    match v {
        Value::Int(bits, t) => int(bits, t),
        Value::Bool(b) => V::Bool(b),
        Value::Array(items) => V::Array(items.into_iter().map(from_value).collect()),
        Value::Struct(items) => V::Struct(items.into_iter().map(from_value).collect()),
        Value::Bytes(_) => V::Unit,
    }
}

fn truthy(v: &V) -> bool {
    matches!(v, V::Bool(true))
}

fn as_u64(v: &V) -> u64 {
    match v {
        V::Int(b, _) => *b,
        V::Bool(b) => *b as u64,
        _ => 0,
    }
}

fn int(v: u64, t: IntTy) -> V {
    V::Int(mask(v, t), t)
}

/// A packet field read in a test body, from the test packet.
fn packet_field(p: &SimPacket, field: PacketField, span: Span) -> R<V> {
    let v6 = p.is_ipv6();
    let l4 = p.l4_bytes();
    let be16 = |b: &[u8], o: usize| b.get(o..o + 2).map(|x| u16::from_be_bytes([x[0], x[1]]) as u64);
    Ok(match field {
        PacketField::Len => int(if p.migrating { 0 } else { l4.len() as u64 }, IntTy::U32),
        PacketField::Hash => int(p.hash as u64, IntTy::U32),
        PacketField::EthProtocol => int(if v6 { 0x86DD } else { 0x0800 }, IntTy::U16),
        PacketField::IpProtocol => int(p.protocol.number() as u64, IntTy::U8),
        PacketField::BindInany => V::Bool(p.bind_inany),
        PacketField::IsIpv4 => V::Bool(!v6),
        PacketField::IsIpv6 => V::Bool(v6),
        PacketField::IsTcp => V::Bool(p.protocol.number() == 6),
        PacketField::IsUdp => V::Bool(p.protocol.number() == 17),
        PacketField::SrcPort => int(be16(&l4, 0).unwrap_or(0), IntTy::U16),
        PacketField::DstPort => int(be16(&l4, 2).unwrap_or(0), IntTy::U16),
        PacketField::SrcIp4 | PacketField::DstIp4 => {
            let a = if field == PacketField::SrcIp4 { p.src } else { p.dst };
            match a {
                SocketAddr::V4(a) => int(u32::from(*a.ip()) as u64, IntTy::U32),
                SocketAddr::V6(_) => return fail(span, "an IPv4 address of an IPv6 packet"),
            }
        }
        PacketField::SrcIp6 | PacketField::DstIp6 => {
            let a = if field == PacketField::SrcIp6 { p.src } else { p.dst };
            match a {
                SocketAddr::V6(a) => V::Array(a.ip().octets().iter().map(|b| int(*b as u64, IntTy::U8)).collect()),
                SocketAddr::V4(_) => return fail(span, "an IPv6 address of an IPv4 packet"),
            }
        }
        PacketField::Migrating => V::Bool(p.migrating),
        PacketField::Cookie => int(p.sk_cookie, IntTy::U64),
        PacketField::MigratingCookie => int(p.migrating_cookie.unwrap_or(0), IntTy::U64),
    })
}

/// A region read in a test body, from the test packet's bytes.
fn region_read(p: &SimPacket, region: Region, kind: ReadKind, off: u64) -> V {
    let (bytes, start) = match region {
        Region::L4 => (p.l4_bytes(), 0usize),
        Region::Net => (p.net_bytes(), 0usize),
        Region::Payload => {
            let l4 = p.l4_bytes();
            let start = l4.len() - p.payload.len();
            (l4, start)
        }
    };
    let size = kind.size() as usize;
    let at = start as u64 + off;
    if p.migrating || at > u32::MAX as u64 || at as usize + size > bytes.len() {
        return V::Opt(None);
    }
    let b = &bytes[at as usize..at as usize + size];
    let mut raw = [0u8; 8];
    let t = match kind.value_ty() {
        ValueTy::U8 => IntTy::U8,
        ValueTy::U16 => IntTy::U16,
        ValueTy::U32 => IntTy::U32,
        ValueTy::U64 => IntTy::U64,
        ValueTy::Bool | ValueTy::Bytes(_) => {
            return V::Opt(Some(Box::new(V::Array(b.iter().map(|x| int(*x as u64, IntTy::U8)).collect()))))
        }
    };
    let v = match kind.endian() {
        Endian::Big => {
            raw[8 - size..].copy_from_slice(b);
            int(u64::from_be_bytes(raw), t)
        }
        Endian::Little => {
            raw[..size].copy_from_slice(b);
            int(u64::from_le_bytes(raw), t)
        }
    };
    V::Opt(Some(Box::new(v)))
}
