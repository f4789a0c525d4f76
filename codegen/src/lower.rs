//! Lowering: one `#[steer]` entry of the typed HIR → one IR function.
//!
//! Helper functions are inlined at every call (KERNEL.md explains why BPF-to-BPF calls are
//! left for later). Scalars (integers, bools, verdicts) become [`Value`]s; `Option<T>` is a
//! flag value plus a payload; arrays and structs live in stack slots. A failed header read,
//! a failed `?` in an entry, or an out-of-range runtime index jumps to the entry's fallback
//! block, which returns the `#[steer(fallback = ..)]` verdict.

use crate::bpf::{helper, AluOp, JmpOp, Size};
use crate::ir::{Arg, Block, Function, Inst, Operand, Slot, Term, Value};
use foldhash::{HashMap, HashMapExt};
use rsteer_bpf::ctx as md;
use rsteer_lang::errors;
use rsteer_lang::hir::{
    self, BinOp, Builtin, ExprKind, FuncId, LocalId, PacketField, Pattern, Place, Program, ReadKind, Region, Stmt,
    TryKind, Ty, UnOp,
};
use rsteer_lang::packet::{self, Endian, Read};
use rsteer_lang::{Diagnostic, Span};
use rsteer_value::{field_offsets, layout};

mod reads;

/// A lowered expression's value.
#[derive(Clone, Debug)]
enum Val {
    Scalar(Value),
    /// `Option<T>`: flag (0/1) and payload (always initialised, zero when `None`).
    Opt(Value, Box<Val>),
    /// An aggregate at `slot + offset`.
    Mem(Slot, u32),
    /// An aggregate read where it is, at `ptr + offset`: a map value bound by `if let` or
    /// `let else` in a scope that writes neither the binding nor the map (`ptr_binding_ok`).
    Ptr(Value, u32),
    /// Unit, and the packet (the context is implicit).
    Unit,
    /// The expression diverged: the current block is dead code.
    Never,
}

/// Where a local (or an `if`/`match` result) is kept.
#[derive(Clone, Debug)]
enum Store {
    Scalar(Value),
    Opt(Value, Box<Store>),
    Mem(Slot),
    /// A map value read through its pointer (see [`Val::Ptr`]).
    Ptr(Value),
    Unit,
}

struct Frame {
    locals: HashMap<LocalId, Store>,
    /// Where `return` goes, and where its value is kept; `None` for the entry itself.
    ret: Option<(Block, Store)>,
    ret_ty: Ty,
    /// Loop variables of `for` loops with constant bounds, with their end: below it in the
    /// body.
    bounded: HashMap<LocalId, u64>,
    /// Aggregate locals and parameters that hold constant bytes for all their life (a byte
    /// string or literal never assigned): comparisons with them compare with immediates.
    const_bytes: HashMap<LocalId, Vec<u8>>,
}

struct LoopCtx {
    brk: Block,
    cont: Block,
}

struct Lowerer<'a> {
    prog: &'a Program,
    f: Function,
    cur: Block,
    span: Span,
    fallback: hir::Verdict,
    fallback_block: Option<Block>,
    frames: Vec<Frame>,
    loops: Vec<LoopCtx>,
    /// Scratch buffers shared by all helper calls of one purpose (their contents are copied
    /// out right after the call).
    scratch: HashMap<(&'static str, u32), Slot>,
    diags: Vec<Diagnostic>,
    inline_depth: u32,
    /// The function whose body is being lowered, innermost inline last.
    func_stack: Vec<FuncId>,
    /// The product of the trip bounds of the loops being lowered.
    weight: u64,
    /// The outermost loop being lowered (index into `Function::loops`).
    outer_loop: Option<u32>,
    /// Packet reads done ahead, at the start of their stretch of straight-line code, by the
    /// address of the expression that reads (`reads::prefetch_reads`).
    prefetched: HashMap<usize, Val>,
    /// Where the payload starts (an offset from the L4 header), computed once at the entry
    /// when the program has several payload reads (`reads::payload_start_at_entry`).
    payload_start: Option<Value>,
    /// `--count`: the plan of the counters and the value holding the last selection.
    counting: Option<crate::counts::Counting>,
    /// Constant tables read with a run-time index: the slot each is written to once, at the
    /// top of the entry, by its bytes.
    tables: HashMap<Vec<u8>, Slot>,
    /// The packet's IP version where the code being lowered runs, when a test it is under
    /// tells (`Some(true)`: IPv6): inside `if pkt.is_ipv6() { .. }`, or after
    /// `if !pkt.is_ipv4() { return .. }` in the same block.
    known_ipv6: Option<bool>,
    /// Where the expression about to be lowered may put its value (an enclosing `if`'s,
    /// call's or `let`'s store), so that the arms of an `if` in an inlined call write the
    /// final store and no chain of copies joins them (`dest` for an expression,
    /// `block_dest` for a block's tail). Scalars and `Option`s of scalars only.
    dest: Option<Store>,
    block_dest: Option<Store>,
    /// Pointers to `Array` elements looked up by a constant key (map, key bytes, pointer)
    /// in the code being lowered, which their lookup dominates: a `set` or `add` of the
    /// same element writes through the pointer instead of looking it up again (an array's
    /// elements never move).
    array_ptrs: Vec<(u32, Vec<u8>, Value)>,
}

/// Whether `e` has no effect and cannot diverge, so that computing it later, or not at all,
/// means the same: literals, locals, context fields of the packet and arithmetic on them.
fn is_plain(e: &hir::Expr) -> bool {
    let mut plain = true;
    hir::walk_expr(e, &mut |x| {
        plain &= match &x.kind {
            ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::Verdict(_)
            | ExprKind::Local(_)
            | ExprKind::Unary(..)
            | ExprKind::Binary(..)
            | ExprKind::Cast(_) => true,
            ExprKind::PacketField { field, .. } => {
                matches!(packet::info(*field).read, Read::Context(_))
                    || matches!(
                        field,
                        PacketField::IsIpv4 | PacketField::IsIpv6 | PacketField::IsTcp | PacketField::IsUdp
                    )
            }
            _ => false,
        };
    });
    plain
}

/// `[a[k], a[k + 1], .., a[k + n - 1]]` (n >= 2, `a` a local array, constant indexes in its
/// bounds): `a` and `k`.
fn consecutive_elements(items: &[hir::Expr]) -> Option<(&hir::Expr, u32)> {
    let mut base: Option<(&hir::Expr, LocalId, u32)> = None;
    for (i, item) in items.iter().enumerate() {
        let ExprKind::Index(b, idx) = &item.kind else { return None };
        let (ExprKind::Local(l), ExprKind::Int(c), Ty::Array(elem, n)) = (&b.kind, &idx.kind, &b.ty) else {
            return None;
        };
        if **elem != item.ty || *c >= u64::from(*n) {
            return None;
        }
        match base {
            None => base = Some((b, *l, *c as u32)),
            Some((_, bl, first)) if bl == *l && u64::from(first) + i as u64 == *c => {}
            Some(_) => return None,
        }
    }
    base.filter(|_| items.len() >= 2).map(|(b, _, first)| (b, first))
}

/// The IP version `cond` being true (`when` true) or false implies, if it tells one:
/// `pkt.is_ipv4()`, `pkt.is_ipv6()`, their `!`, and `&&` (when true) or `||` (when false)
/// of them.
fn ipv_fact(cond: &hir::Expr, when: bool) -> Option<bool> {
    match &cond.kind {
        ExprKind::PacketField { field: PacketField::IsIpv4, .. } if when => Some(false),
        ExprKind::PacketField { field: PacketField::IsIpv6, .. } if when => Some(true),
        ExprKind::Unary(UnOp::Not, a) => ipv_fact(a, !when),
        ExprKind::Binary(BinOp::And, a, b) if when => ipv_fact(a, true).or_else(|| ipv_fact(b, true)),
        ExprKind::Binary(BinOp::Or, a, b) if !when => ipv_fact(a, false).or_else(|| ipv_fact(b, false)),
        _ => None,
    }
}

/// Whether `body` assigns to `local` or to a part of it.
fn assigns_local(body: &hir::Block, local: LocalId) -> bool {
    assigns_in(&body.stmts, body.tail.as_deref(), local)
}

/// Whether the statements `stmts` then `tail` assign to `local` or to a part of it.
fn assigns_in(stmts: &[Stmt], tail: Option<&hir::Expr>, local: LocalId) -> bool {
    fn root(p: &Place) -> LocalId {
        match p {
            Place::Local(l) => *l,
            Place::Field(b, _) | Place::Index(b, _) => root(b),
        }
    }
    // The statements of `b` itself; nested blocks are found through its expressions.
    fn in_stmts(stmts: &[Stmt], local: LocalId) -> bool {
        stmts.iter().any(|s| match s {
            Stmt::Assign { place, .. } => root(place) == local,
            Stmt::LetElse { else_block, .. } => in_block(else_block, local),
            _ => false,
        })
    }
    fn in_block(b: &hir::Block, local: LocalId) -> bool {
        in_stmts(&b.stmts, local)
    }
    let mut found = in_stmts(stmts, local);
    walk_scope(stmts, tail, &mut |e| match &e.kind {
        ExprKind::Block(b) | ExprKind::If { then: b, .. } | ExprKind::IfLet { then: b, .. } => {
            found |= in_block(b, local)
        }
        ExprKind::For { body, .. } => found |= in_block(body, local),
        _ => {}
    });
    found
}

/// Every expression of the statements `stmts` then `tail`, nested ones included.
fn walk_scope(stmts: &[Stmt], tail: Option<&hir::Expr>, f: &mut dyn FnMut(&hir::Expr)) {
    for s in stmts {
        match s {
            Stmt::Let { init, .. } => hir::walk_expr(init, f),
            Stmt::LetElse { init, else_block, .. } => {
                hir::walk_expr(init, f);
                hir::walk_block(else_block, f);
            }
            Stmt::Assign { place, value, .. } => {
                let mut p = place;
                while let Place::Field(b, _) | Place::Index(b, _) = p {
                    if let Place::Index(_, i) = p {
                        hir::walk_expr(i, f);
                    }
                    p = b;
                }
                hir::walk_expr(value, f);
            }
            Stmt::Expr(e) => hir::walk_expr(e, f),
        }
    }
    if let Some(t) = tail {
        hir::walk_expr(t, f);
    }
}

/// Whether the statements `stmts` then `tail`, or a function they call, write map `map`
/// (set, insert, remove or add). `seen`: the functions already looked into.
fn writes_map(prog: &Program, stmts: &[Stmt], tail: Option<&hir::Expr>, map: u32, seen: &mut Vec<FuncId>) -> bool {
    let mut found = false;
    let mut calls = Vec::new();
    walk_scope(stmts, tail, &mut |e| match &e.kind {
        ExprKind::MapSet { map: m, .. }
        | ExprKind::MapInsert { map: m, .. }
        | ExprKind::MapRemove { map: m, .. }
        | ExprKind::MapAdd { map: m, .. } => found |= m.0 == map,
        ExprKind::Call { func, .. } => calls.push(*func),
        _ => {}
    });
    for func in calls {
        if found {
            break;
        }
        if !seen.contains(&func) {
            seen.push(func);
            let body = &prog.functions[func.0 as usize].body;
            found |= writes_map(prog, &body.stmts, body.tail.as_deref(), map, seen);
        }
    }
    found
}

/// The widest access (8, 4, 2 or 1 bytes) that fits in `left` bytes and is aligned at
/// every one of `offsets`.
fn chunk(left: u32, offsets: &[u32]) -> u32 {
    [8, 4, 2].into_iter().find(|&c| left >= c && offsets.iter().all(|o| o.is_multiple_of(c))).unwrap_or(1)
}

/// Raw bits of a value of type `ty` as its register holds them: sign-extended to 64 bits
/// for the signed types, zero-extended otherwise.
fn extend(bits: u64, ty: &Ty) -> u64 {
    match ty {
        Ty::Int(i) if i.signed() && i.bits() < 64 => {
            let shift = 64 - i.bits();
            (((bits << shift) as i64) >> shift) as u64
        }
        Ty::Int(i) if i.bits() < 64 => bits & ((1u64 << i.bits()) - 1),
        _ => bits,
    }
}

/// The stores that write `bytes` to `slot`: four bytes per store (a slot starts 8-aligned),
/// the tail byte by byte.
fn store_bytes(slot: Slot, bytes: &[u8]) -> Vec<Inst> {
    let words = bytes.chunks_exact(4);
    let tail = words.remainder();
    let mut out = Vec::new();
    let mut off = 0;
    for w in words {
        let imm = i32::from_le_bytes([w[0], w[1], w[2], w[3]]) as i64;
        out.push(Inst::StackStore { slot, off, src: Operand::Imm(imm), size: Size::W });
        off += 4;
    }
    for b in tail {
        out.push(Inst::StackStore { slot, off, src: Operand::Imm(*b as i64), size: Size::B });
        off += 1;
    }
    out
}

/// The bytes of a constant table (a folded literal: a byte string, or an array of integer,
/// `bool` or array literals, which have no padding), as the program holds it.
fn literal_bytes(e: &hir::Expr) -> Option<Vec<u8>> {
    match (&e.kind, &e.ty) {
        (ExprKind::Bytes(b), _) => Some(b.clone()),
        (ExprKind::Int(v), Ty::Int(t)) => Some(v.to_le_bytes()[..t.bytes() as usize].to_vec()),
        (ExprKind::Bool(b), _) => Some(vec![u8::from(*b)]),
        (ExprKind::ArrayLit(xs), _) => xs.iter().try_fold(Vec::new(), |mut acc, x| {
            acc.extend(literal_bytes(x)?);
            Some(acc)
        }),
        _ => None,
    }
}

fn is_scalar(ty: &Ty) -> bool {
    matches!(ty, Ty::Int(_) | Ty::Bool | Ty::Verdict)
}

fn scalar_size(ty: &Ty) -> Size {
    match ty {
        Ty::Int(i) => Size::from_bytes(i.bytes()),
        Ty::Bool => Size::B,
        _ => Size::W,
    }
}

fn is_signed(ty: &Ty) -> bool {
    ty.int().map(|i| i.signed()).unwrap_or(false)
}

fn bits(ty: &Ty) -> u8 {
    match ty {
        Ty::Int(i) => i.bits() as u8,
        _ => 64,
    }
}

/// Lowers the entry `entry` of `prog` to IR.
pub fn lower_entry(prog: &Program, entry: FuncId) -> Result<Function, Vec<Diagnostic>> {
    lower_entry_counting(prog, entry, None)
}

/// Lowers the entry `entry` of `prog` to IR, counting its verdicts as `count` says (`prog` is
/// then the program [`crate::counts::instrument`] returned).
pub fn lower_entry_counting(
    prog: &Program,
    entry: FuncId,
    count: Option<&crate::counts::CountPlan>,
) -> Result<Function, Vec<Diagnostic>> {
    let func = &prog.functions[entry.0 as usize];
    let fallback = match func.kind {
        hir::FnKind::Entry(attrs) => attrs.fallback,
        _ => hir::Verdict::Pass,
    };
    let mut f = Function::new(&func.name, func.name_span);
    f.exact_key_maps = (0..prog.maps.len() as u32)
        .filter(|&m| matches!(prog.maps[m as usize].kind, hir::MapKind::Array | hir::MapKind::PerCpuArray))
        .collect();
    let cur = f.entry;
    let mut l = Lowerer {
        prog,
        f,
        cur,
        span: func.span,
        fallback,
        fallback_block: None,
        frames: vec![],
        loops: vec![],
        scratch: HashMap::new(),
        diags: vec![],
        inline_depth: 0,
        func_stack: vec![entry],
        weight: 1,
        outer_loop: None,
        prefetched: HashMap::new(),
        payload_start: None,
        counting: None,
        tables: HashMap::new(),
        known_ipv6: None,
        dest: None,
        block_dest: None,
        array_ptrs: vec![],
    };
    if let Some(plan) = count {
        let sel = l.iconst(u64::from(crate::counts::PASS));
        let cookie = plan.cookies.map(|_| l.iconst(0));
        l.counting = Some(crate::counts::Counting { plan: plan.clone(), sel, cookie });
    }
    l.frames.push(Frame {
        locals: HashMap::new(),
        ret: None,
        ret_ty: func.ret.clone(),
        bounded: HashMap::new(),
        const_bytes: HashMap::new(),
    });
    l.payload_start_at_entry(entry);
    let body = l.block(&func.body);
    l.span = func.body.span;
    l.return_value(body);
    if let Some(c) = &l.counting {
        crate::counts::count_returns(&mut l.f, c);
    }
    if l.diags.is_empty() {
        Ok(l.f)
    } else {
        Err(l.diags)
    }
}

impl<'a> Lowerer<'a> {
    /// Returns `v`, the value of the entry, from the program.
    fn return_value(&mut self, v: Val) {
        if let Val::Scalar(v) = v {
            self.terminate(Term::Return(Operand::Val(v)));
        } else if !matches!(v, Val::Never) {
            // A well-typed entry always yields a verdict; this keeps the IR terminated anyway.
            let fb = self.fallback as i64;
            self.terminate(Term::Return(Operand::Imm(fb)));
        }
    }

    // ----- building blocks -------------------------------------------------------------

    fn push(&mut self, inst: Inst) {
        let span = self.span;
        self.f.blocks[self.cur].insts.push((inst, span));
    }

    fn new_value(&mut self) -> Value {
        self.f.new_value()
    }

    fn new_block(&mut self) -> Block {
        self.fresh_block(self.span)
    }

    /// Every block is made here, so that it carries the loop weight in force.
    fn fresh_block(&mut self, span: Span) -> Block {
        let b = self.f.new_block(span);
        self.f.blocks[b].weight = self.weight;
        self.f.blocks[b].in_loop = self.outer_loop;
        b
    }

    /// Ends the current block; later code goes to a fresh block nobody jumps to (dead).
    fn terminate(&mut self, term: Term) {
        let span = self.span;
        let data = &mut self.f.blocks[self.cur];
        if data.term == Term::None {
            data.term = term;
            data.term_span = span;
        }
        self.cur = self.fresh_block(span);
    }

    fn jump(&mut self, to: Block) {
        self.terminate(Term::Jump(to));
    }

    fn switch_to(&mut self, b: Block) {
        self.cur = b;
    }

    fn branch(&mut self, op: JmpOp, a: Value, b: Operand, then: Block, els: Block) {
        self.terminate(Term::Branch { op, a, b, then, els });
    }

    fn iconst(&mut self, imm: u64) -> Value {
        let dst = self.new_value();
        self.push(Inst::Iconst { dst, imm });
        dst
    }

    fn alu(&mut self, op: AluOp, a: Value, b: Operand) -> Value {
        let dst = self.new_value();
        self.push(Inst::Alu { dst, op, a, b, signed: false });
        dst
    }

    fn normalize(&mut self, v: Value, ty: &Ty) -> Value {
        let b = bits(ty);
        if b >= 64 {
            return v;
        }
        let dst = self.new_value();
        self.push(Inst::Normalize { dst, src: v, bits: b, signed: is_signed(ty) });
        dst
    }

    fn call(&mut self, helper_id: i32, args: Vec<Arg>) -> Value {
        let dst = self.new_value();
        self.push(Inst::Call { dst: Some(dst), helper: helper_id, args });
        dst
    }

    fn scratch_slot(&mut self, purpose: &'static str, size: u32) -> Slot {
        let size = size.max(1).div_ceil(8) * 8;
        if let Some(s) = self.scratch.get(&(purpose, size)) {
            return *s;
        }
        let s = self.f.new_slot(size, format!("{purpose} buffer"));
        self.scratch.insert((purpose, size), s);
        s
    }

    /// With `--count`: after a selection whose result is `r`, remember it when it worked.
    fn count_selection(&mut self, map: u32, key: Option<Value>, r: Value) {
        let Some(c) = &self.counting else { return };
        let Some(&(base, by_index)) = c.plan.slots.get(&map) else { return };
        let (sel, cookie) = (c.sel, c.cookie);
        let ok = self.new_block();
        let join = self.new_block();
        self.branch(JmpOp::Jeq, r, Operand::Imm(0), ok, join);
        self.switch_to(ok);
        // The last selection wins: a SockHash's cookie, or none.
        match (cookie, key.filter(|_| !by_index)) {
            (Some(c), Some(k)) => self.push(Inst::Copy { dst: c, src: k }),
            (Some(c), None) => self.push(Inst::Iconst { dst: c, imm: 0 }),
            _ => {}
        }
        match key.filter(|_| by_index) {
            Some(k) => {
                self.push(Inst::Alu { dst: sel, op: AluOp::Add, a: k, b: Operand::Imm(i64::from(base)), signed: false })
            }
            None => self.push(Inst::Iconst { dst: sel, imm: u64::from(base) }),
        }
        self.jump(join);
        self.switch_to(join);
    }

    /// The block that returns the entry's fallback verdict.
    fn fallback_block(&mut self) -> Block {
        if let Some(b) = self.fallback_block {
            return b;
        }
        let b = self.f.new_block(self.f.span);
        self.f.blocks[b].term = Term::Return(Operand::Imm(self.fallback as i64));
        self.fallback_block = Some(b);
        b
    }

    /// `cond ? 1 : 0` from a comparison.
    fn compare(&mut self, op: JmpOp, a: Value, b: Operand) -> Value {
        let r = self.new_value();
        self.push(Inst::Iconst { dst: r, imm: 1 });
        let join = self.new_block();
        let zero = self.new_block();
        self.branch(op, a, b, join, zero);
        self.switch_to(zero);
        self.push(Inst::Iconst { dst: r, imm: 0 });
        self.jump(join);
        self.switch_to(join);
        r
    }

    // ----- stores (locals and results) -------------------------------------------------

    /// The store for a result of type `ty`: `dest` when the caller gave one, else a new one.
    fn result_store(&mut self, dest: Option<Store>, ty: &Ty, what: &str) -> Store {
        match dest {
            Some(d) => d,
            None => self.new_store(ty, what),
        }
    }

    fn new_store(&mut self, ty: &Ty, what: &str) -> Store {
        match ty {
            Ty::Int(_) | Ty::Bool | Ty::Verdict => Store::Scalar(self.new_value()),
            Ty::Option(inner) => {
                let flag = self.new_value();
                Store::Opt(flag, Box::new(self.new_store(inner, what)))
            }
            Ty::Array(..) | Ty::Struct(_) => {
                let (size, _) = layout(self.prog, ty);
                Store::Mem(self.f.new_slot(size, what.to_string()))
            }
            Ty::Packet | Ty::Unit | Ty::Never => Store::Unit,
        }
    }

    fn write_store(&mut self, store: &Store, val: &Val, ty: &Ty) {
        match (store, val) {
            (_, Val::Never) => {}
            (Store::Scalar(dst), Val::Scalar(src)) if dst == src => {}
            (Store::Scalar(dst), Val::Scalar(src)) => self.push(Inst::Copy { dst: *dst, src: *src }),
            (Store::Opt(flag, inner), Val::Opt(vflag, vinner)) => {
                if flag != vflag {
                    self.push(Inst::Copy { dst: *flag, src: *vflag });
                }
                let inner_ty = match ty {
                    Ty::Option(t) => (**t).clone(),
                    _ => Ty::Unit,
                };
                self.write_store(inner, vinner, &inner_ty);
            }
            (Store::Mem(slot), Val::Mem(src, off)) => {
                let (size, _) = layout(self.prog, ty);
                self.copy_mem(*slot, 0, *src, *off, size);
            }
            (Store::Mem(slot), Val::Ptr(p, off)) => {
                let (size, align) = layout(self.prog, ty);
                self.copy_from_ptr(*slot, 0, *p, *off, size, align);
            }
            _ => {}
        }
    }

    fn read_store(&mut self, store: &Store) -> Val {
        match store {
            Store::Scalar(v) => {
                // Copy so that a later assignment to the local cannot change this value.
                let dst = self.new_value();
                self.push(Inst::Copy { dst, src: *v });
                Val::Scalar(dst)
            }
            Store::Opt(flag, inner) => {
                let f = self.new_value();
                self.push(Inst::Copy { dst: f, src: *flag });
                Val::Opt(f, Box::new(self.read_store(inner)))
            }
            Store::Mem(slot) => Val::Mem(*slot, 0),
            Store::Ptr(p) => Val::Ptr(*p, 0),
            Store::Unit => Val::Unit,
        }
    }

    /// The value of a temporary store (an `if`/`match`/call result, a read's `Option`):
    /// nothing writes it again before this value is used, so no copy is needed.
    fn take_temp(&self, store: &Store) -> Val {
        match store {
            Store::Scalar(v) => Val::Scalar(*v),
            Store::Opt(flag, inner) => Val::Opt(*flag, Box::new(self.take_temp(inner))),
            Store::Mem(slot) => Val::Mem(*slot, 0),
            Store::Ptr(p) => Val::Ptr(*p, 0),
            Store::Unit => Val::Unit,
        }
    }

    fn copy_mem(&mut self, dst: Slot, doff: u32, src: Slot, soff: u32, size: u32) {
        if dst == src && doff == soff {
            return;
        }
        let mut done = 0;
        while done < size {
            let left = size - done;
            let chunk = chunk(left, &[doff + done, soff + done]);
            let v = self.new_value();
            let size = Size::from_bytes(chunk);
            self.push(Inst::StackLoad { dst: v, slot: src, off: soff + done, size });
            self.push(Inst::StackStore { slot: dst, off: doff + done, src: Operand::Val(v), size });
            done += chunk;
        }
    }

    /// Writes a value of type `ty` into memory at `slot + off`.
    fn store_to_mem(&mut self, slot: Slot, off: u32, val: &Val, ty: &Ty) {
        match val {
            Val::Scalar(v) => self.push(Inst::StackStore { slot, off, src: Operand::Val(*v), size: scalar_size(ty) }),
            Val::Mem(src, soff) => {
                let (size, _) = layout(self.prog, ty);
                self.copy_mem(slot, off, *src, *soff, size);
            }
            Val::Ptr(p, poff) => {
                let (size, align) = layout(self.prog, ty);
                self.copy_from_ptr(slot, off, *p, *poff, size, align);
            }
            Val::Opt(flag, inner) => {
                let inner_ty = match ty {
                    Ty::Option(t) => (**t).clone(),
                    _ => Ty::Unit,
                };
                let (_, a) = layout(self.prog, &inner_ty);
                self.push(Inst::StackStore { slot, off, src: Operand::Val(*flag), size: Size::from_bytes(a.max(1)) });
                self.store_to_mem(slot, off + a.max(1), inner, &inner_ty);
            }
            Val::Unit | Val::Never => {}
        }
    }

    /// Reads a value of type `ty` from memory at `slot + off`.
    fn load_from_mem(&mut self, slot: Slot, off: u32, ty: &Ty) -> Val {
        if is_scalar(ty) {
            let dst = self.new_value();
            self.push(Inst::StackLoad { dst, slot, off, size: scalar_size(ty) });
            // Signed narrow values are kept sign-extended in registers.
            let v = if is_signed(ty) { self.normalize(dst, ty) } else { dst };
            Val::Scalar(v)
        } else {
            Val::Mem(slot, off)
        }
    }

    /// Reads a value of type `ty` from `ptr + off` (a map value): a scalar is loaded, an
    /// aggregate stays where it is.
    fn load_from_ptr(&mut self, ptr: Value, off: u32, ty: &Ty) -> Val {
        if is_scalar(ty) {
            let dst = self.new_value();
            self.push(Inst::PtrLoad { dst, ptr, off: off as i16, size: scalar_size(ty) });
            Val::Scalar(if is_signed(ty) { self.normalize(dst, ty) } else { dst })
        } else {
            Val::Ptr(ptr, off)
        }
    }

    /// An aggregate read through a pointer copied to a stack slot of its own, for the uses
    /// that work on stack memory only (comparisons).
    fn onto_stack(&mut self, v: Val, ty: &Ty) -> Val {
        match v {
            Val::Ptr(p, off) => {
                let (size, align) = layout(self.prog, ty);
                let slot = self.f.new_slot(size, "map value copy");
                self.copy_from_ptr(slot, 0, p, off, size, align);
                Val::Mem(slot, 0)
            }
            other => other,
        }
    }

    /// A zero value of `ty` (payload of `None`).
    fn zero(&mut self, ty: &Ty) -> Val {
        match ty {
            Ty::Int(_) | Ty::Bool | Ty::Verdict => Val::Scalar(self.iconst(0)),
            Ty::Option(inner) => {
                let f = self.iconst(0);
                Val::Opt(f, Box::new(self.zero(inner)))
            }
            Ty::Array(..) | Ty::Struct(_) => {
                let (size, _) = layout(self.prog, ty);
                let slot = self.f.new_slot(size, "zero value");
                self.zero_fill(slot, size);
                Val::Mem(slot, 0)
            }
            _ => Val::Unit,
        }
    }

    fn scalar(&mut self, v: Val) -> Value {
        match v {
            Val::Scalar(v) => v,
            // Only reachable in dead code after a diverging expression.
            _ => self.iconst(0),
        }
    }

    // ----- statements and blocks -------------------------------------------------------

    fn block(&mut self, b: &hir::Block) -> Val {
        let known = self.known_ipv6;
        let ptrs = self.array_ptrs.len();
        let dest = self.block_dest.take();
        let v = self.block_inner(b, dest);
        self.known_ipv6 = known;
        self.array_ptrs.truncate(ptrs);
        v
    }

    fn block_inner(&mut self, b: &hir::Block, dest: Option<Store>) -> Val {
        let mut next_group = 0;
        for (i, stmt) in b.stmts.iter().enumerate() {
            if i == next_group {
                next_group = self.prefetch_reads(b, i);
            }
            self.prefetch_net_reads(&reads::stmt_exprs(stmt));
            self.stmt(stmt, &b.stmts[i + 1..], b.tail.as_deref());
        }
        if next_group == b.stmts.len() {
            self.prefetch_reads(b, next_group);
        }
        match &b.tail {
            Some(e) => {
                self.prefetch_net_reads(&[e]);
                self.dest = dest;
                self.expr(e)
            }
            None if b.ty == Ty::Never => Val::Never,
            None => Val::Unit,
        }
    }

    fn local_ty(&self, local: LocalId) -> Ty {
        // The current function's locals: found through the inline frame stack.
        self.frame_func_locals()[local.0 as usize].ty.clone()
    }

    fn frame_func_locals(&self) -> &'a [hir::LocalDecl] {
        &self.prog.functions[self.current_func().0 as usize].locals
    }

    fn current_func(&self) -> FuncId {
        *self.func_stack.last().unwrap_or(&FuncId(0))
    }

    /// A new store for `local` (of type `ty`).
    fn local_store(&mut self, local: LocalId, ty: &Ty) -> Store {
        let name = self.frame_func_locals()[local.0 as usize].name.clone();
        self.new_store(ty, &format!("local {name}"))
    }

    /// The `else` of a `let else`, in block `none`.
    fn let_else_arm(&mut self, none: Block, else_block: &hir::Block) {
        self.switch_to(none);
        let r = self.block(else_block);
        if !matches!(r, Val::Never) {
            // A well-typed `else` diverges; be safe anyway.
            let fb = self.fallback_block();
            self.jump(fb);
        }
    }

    /// Lowers `stmt`; `rest` and `tail` follow it in its block (the scope of a `let else`).
    fn stmt(&mut self, stmt: &Stmt, rest: &[Stmt], tail: Option<&hir::Expr>) {
        match stmt {
            Stmt::LetElse { local, init, else_block, span } if matches!(init.kind, ExprKind::MapGet { .. }) => {
                let ExprKind::MapGet { map, key } = &init.kind else { return };
                let in_place = self.ptr_binding_ok(map.0, *local, rest, tail);
                self.span = init.span;
                let (some, none, ptr) = self.bind_map_value(map.0, key, *local, in_place);
                self.span = *span;
                self.let_else_arm(none, else_block);
                self.switch_to(some);
                self.note_array_ptr(map.0, key, ptr);
            }
            Stmt::Let { local, init, span } => {
                if let Some(bytes) = self.const_bytes_of(init) {
                    if !is_scalar(&init.ty) && !assigns_in(rest, tail, *local) {
                        self.frame().const_bytes.insert(*local, bytes);
                    }
                }
                let ty = self.local_ty(*local);
                if is_scalar(&ty) || matches!(&ty, Ty::Option(t) if is_scalar(t)) {
                    // The initialiser puts its value in the local's store itself.
                    let store = self.local_store(*local, &ty);
                    self.dest = Some(store.clone());
                    let v = self.expr(init);
                    self.dest = None;
                    self.span = *span;
                    self.write_store(&store, &v, &ty);
                    self.frame().locals.insert(*local, store);
                    return;
                }
                let v = self.expr(init);
                self.span = *span;
                // A new aggregate (a literal, a map value, a read) becomes the local itself.
                if let Some(slot) = self.temp_slot(&v) {
                    self.frame().locals.insert(*local, Store::Mem(slot));
                    return;
                }
                let store = self.local_store(*local, &ty);
                self.write_store(&store, &v, &ty);
                self.frame().locals.insert(*local, store);
            }
            Stmt::LetElse { local, init, else_block, span } => {
                let v = self.expr(init);
                self.span = *span;
                let ty = self.local_ty(*local);
                let store = self.local_store(*local, &ty);
                if let Val::Opt(flag, payload) = v {
                    let some = self.new_block();
                    let none = self.new_block();
                    self.branch(JmpOp::Jne, flag, Operand::Imm(0), some, none);
                    self.let_else_arm(none, else_block);
                    self.switch_to(some);
                    self.write_store(&store, &payload, &ty);
                }
                self.frame().locals.insert(*local, store);
            }
            Stmt::Assign { place, op, value, span } => {
                let v = self.expr(value);
                self.span = *span;
                let v = match op {
                    Some(op) => {
                        let cur = self.read_place(place);
                        let ty = self.place_ty(place);
                        self.binary_values(*op, cur, v, &ty, &value.ty)
                    }
                    None => v,
                };
                self.write_place(place, &v);
            }
            Stmt::Expr(e) => {
                self.expr(e);
            }
        }
    }

    /// The slot of an aggregate value that nothing else refers to: a whole slot that is no
    /// local's (of this or an enclosing inlined call), so a new local may take it over.
    fn temp_slot(&self, v: &Val) -> Option<Slot> {
        let Val::Mem(slot, 0) = v else { return None };
        fn holds(s: &Store, slot: Slot) -> bool {
            match s {
                Store::Mem(x) => *x == slot,
                Store::Opt(_, inner) => holds(inner, slot),
                _ => false,
            }
        }
        let owned = self.frames.iter().any(|fr| {
            fr.locals.values().any(|st| holds(st, *slot)) || fr.ret.as_ref().is_some_and(|(_, st)| holds(st, *slot))
        });
        // A read done ahead may be shared by several expressions that read the same bytes.
        fn val_holds(v: &Val, slot: Slot) -> bool {
            match v {
                Val::Mem(x, _) => *x == slot,
                Val::Opt(_, inner) => val_holds(inner, slot),
                _ => false,
            }
        }
        // (One that only this expression reads is its own: the group's reads ran before it.)
        let shared = self.prefetched.values().filter(|pv| val_holds(pv, *slot)).count() > 1;
        (!owned && !shared && !self.scratch.values().any(|x| x == slot)).then_some(*slot)
    }

    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("a frame is always active")
    }

    fn place_ty(&self, place: &Place) -> Ty {
        match place {
            Place::Local(l) => self.local_ty(*l),
            Place::Field(base, i) => match self.place_ty(base) {
                Ty::Struct(id) => self.prog.structs[id.0 as usize].fields[*i as usize].ty.clone(),
                _ => Ty::Unit,
            },
            Place::Index(base, _) => match self.place_ty(base) {
                Ty::Array(elem, _) => *elem,
                _ => Ty::Unit,
            },
        }
    }

    /// The memory address of an aggregate place: (slot, constant offset, optional runtime
    /// pointer). When the pointer is set it already includes slot and offset.
    fn place_addr(&mut self, place: &Place) -> Option<(Slot, u32, Option<Value>)> {
        match place {
            Place::Local(l) => match self.frames.last()?.locals.get(l)? {
                Store::Mem(slot) => Some((*slot, 0, None)),
                _ => None,
            },
            Place::Field(base, i) => {
                let ty = self.place_ty(base);
                let (slot, off, ptr) = self.place_addr(base)?;
                let Ty::Struct(id) = ty else { return None };
                let foff = field_offsets(self.prog, id)[*i as usize];
                match ptr {
                    Some(p) => Some((slot, 0, Some(self.alu(AluOp::Add, p, Operand::Imm(foff as i64))))),
                    None => Some((slot, off + foff, None)),
                }
            }
            Place::Index(base, idx) => {
                let ty = self.place_ty(base);
                let (slot, off, ptr) = self.place_addr(base)?;
                let Ty::Array(elem, n) = ty else { return None };
                let (esize, _) = layout(self.prog, &elem);
                let known = self.index_below(idx, n);
                let i = self.expr(idx);
                let i = self.scalar(i);
                let p = self.indexed_ptr(slot, off, ptr, i, esize, n, known);
                Some((slot, 0, Some(p)))
            }
        }
    }

    /// Whether index `idx` is a loop variable whose constant bounds keep it below `n`.
    fn index_below(&self, idx: &hir::Expr, n: u32) -> bool {
        let local = match &idx.kind {
            ExprKind::Local(l) => Some(*l),
            ExprKind::Cast(x) => match x.kind {
                ExprKind::Local(l) => Some(l),
                _ => None,
            },
            _ => None,
        };
        let frame = self.frames.last();
        local.and_then(|l| frame.and_then(|f| f.bounded.get(&l))).is_some_and(|&end| end <= n as u64)
    }

    /// Bounds-checks `i < n` (out of range: fallback; not when `known`) and returns
    /// `base + i * esize`.
    #[allow(clippy::too_many_arguments)]
    fn indexed_ptr(
        &mut self,
        slot: Slot,
        off: u32,
        ptr: Option<Value>,
        i: Value,
        esize: u32,
        n: u32,
        known: bool,
    ) -> Value {
        if !known {
            let ok = self.new_block();
            let fb = self.fallback_block();
            self.branch(JmpOp::Jlt, i, Operand::Imm(n as i64), ok, fb);
            self.switch_to(ok);
        }
        let base = match ptr {
            Some(p) => p,
            None => {
                let dst = self.new_value();
                self.push(Inst::StackAddr { dst, slot, off });
                dst
            }
        };
        let scaled = self.alu(AluOp::Mul, i, Operand::Imm(esize as i64));
        self.alu(AluOp::Add, base, Operand::Val(scaled))
    }

    /// Element `idx` of an array of `n` `elem`s at `ptr + off` (a map value).
    fn index_ptr(&mut self, ptr: Value, off: u32, idx: &hir::Expr, elem: &Ty, n: u32) -> Val {
        let (esize, _) = layout(self.prog, elem);
        if let ExprKind::Int(c) = idx.kind {
            if c < n as u64 {
                return self.load_from_ptr(ptr, off + c as u32 * esize, elem);
            }
        }
        let known = self.index_below(idx, n);
        let iv = self.expr(idx);
        let iv = self.scalar(iv);
        let base = if off == 0 { ptr } else { self.alu(AluOp::Add, ptr, Operand::Imm(off as i64)) };
        // The slot is unused when a base pointer is given.
        let p = self.indexed_ptr(Slot::from_u32(0), 0, Some(base), iv, esize, n, known);
        self.load_from_ptr(p, 0, elem)
    }

    fn read_place(&mut self, place: &Place) -> Val {
        if let Place::Local(l) = place {
            let store = self.frames.last().and_then(|f| f.locals.get(l)).cloned();
            return match store {
                Some(s) => self.read_store(&s),
                None => Val::Unit,
            };
        }
        let ty = self.place_ty(place);
        match self.place_addr(place) {
            Some((slot, off, None)) => self.load_from_mem(slot, off, &ty),
            Some((_, _, Some(p))) if is_scalar(&ty) => {
                let dst = self.new_value();
                self.push(Inst::PtrLoad { dst, ptr: p, off: 0, size: scalar_size(&ty) });
                Val::Scalar(if is_signed(&ty) { self.normalize(dst, &ty) } else { dst })
            }
            Some((_, _, Some(p))) => {
                let (size, align) = layout(self.prog, &ty);
                let tmp = self.f.new_slot(size, "element copy");
                self.copy_from_ptr(tmp, 0, p, 0, size, align);
                Val::Mem(tmp, 0)
            }
            None => Val::Unit,
        }
    }

    /// Copies `size` bytes from `ptr`, which is aligned to `align`, into `dst`, in the widest
    /// accesses both alignments allow.
    fn copy_from_ptr(&mut self, dst: Slot, doff: u32, ptr: Value, poff: u32, size: u32, align: u32) {
        let mut off = 0;
        while off < size {
            let c = chunk(size - off, &[doff + off, poff + off]).min(align.max(1));
            let c = [8, 4, 2, 1].into_iter().find(|&k| k <= c).unwrap_or(1);
            let v = self.new_value();
            let sz = Size::from_bytes(c);
            self.push(Inst::PtrLoad { dst: v, ptr, off: (poff + off) as i16, size: sz });
            self.push(Inst::StackStore { slot: dst, off: doff + off, src: Operand::Val(v), size: sz });
            off += c;
        }
    }

    fn write_place(&mut self, place: &Place, v: &Val) {
        let ty = self.place_ty(place);
        if let Place::Local(l) = place {
            if let Some(store) = self.frames.last().and_then(|f| f.locals.get(l)).cloned() {
                self.write_store(&store, v, &ty);
            }
            return;
        }
        match self.place_addr(place) {
            Some((slot, off, None)) => self.store_to_mem(slot, off, v, &ty),
            Some((_, _, Some(p))) => match v {
                Val::Scalar(s) => self.push(Inst::PtrStore { ptr: p, off: 0, src: *s, size: scalar_size(&ty) }),
                Val::Mem(src, soff) => {
                    let (size, _) = layout(self.prog, &ty);
                    for i in 0..size {
                        let b = self.new_value();
                        self.push(Inst::StackLoad { dst: b, slot: *src, off: soff + i, size: Size::B });
                        self.push(Inst::PtrStore { ptr: p, off: i as i16, src: b, size: Size::B });
                    }
                }
                _ => {}
            },
            None => {}
        }
    }

    // ----- expressions -----------------------------------------------------------------

    fn expr(&mut self, e: &hir::Expr) -> Val {
        let saved = self.span;
        self.span = e.span;
        let v = self.expr_inner(e);
        self.span = saved;
        v
    }

    fn expr_inner(&mut self, e: &hir::Expr) -> Val {
        // Only a scalar result (or an `Option` of one) goes to a store given from outside.
        let dest = self.dest.take().filter(|_| match &e.ty {
            Ty::Option(inner) => is_scalar(inner),
            t => is_scalar(t),
        });
        match &e.kind {
            // The HIR holds a literal's bits masked to its type; registers hold signed values
            // sign-extended to 64 bits.
            ExprKind::Int(bits) => Val::Scalar(self.iconst(extend(*bits, &e.ty))),
            ExprKind::Bool(b) => Val::Scalar(self.iconst(*b as u64)),
            ExprKind::Verdict(v) => Val::Scalar(self.iconst(*v as u64)),
            ExprKind::Bytes(bytes) => {
                let slot = self.f.new_slot(bytes.len() as u32, "byte string");
                for inst in store_bytes(slot, bytes) {
                    self.push(inst);
                }
                Val::Mem(slot, 0)
            }
            ExprKind::ArrayLit(items) => {
                let (size, _) = layout(self.prog, &e.ty);
                let slot = self.f.new_slot(size, "array literal");
                let elem_ty = match &e.ty {
                    Ty::Array(t, _) => (**t).clone(),
                    _ => Ty::Unit,
                };
                let (esize, _) = layout(self.prog, &elem_ty);
                if let Some((base, first)) = consecutive_elements(items) {
                    // `[a[2], a[3], a[4]]`: a copy of those bytes of `a`, in wide accesses.
                    let from = first * esize;
                    match self.expr(base) {
                        Val::Mem(src, off) => self.copy_mem(slot, 0, src, off + from, size),
                        Val::Ptr(p, off) => self.copy_from_ptr(slot, 0, p, off + from, size, 8),
                        _ => {}
                    }
                    return Val::Mem(slot, 0);
                }
                for (i, item) in items.iter().enumerate() {
                    let v = self.expr(item);
                    self.store_to_mem(slot, i as u32 * esize, &v, &elem_ty);
                }
                Val::Mem(slot, 0)
            }
            ExprKind::StructLit(id, fields) => {
                let (size, _) = layout(self.prog, &e.ty);
                let slot = self.f.new_slot(size, format!("struct {}", self.prog.structs[id.0 as usize].name));
                let offs = field_offsets(self.prog, *id);
                // Padding is zeroed so that whole-struct keys hash and compare the same.
                self.zero_fill(slot, size);
                for (i, fe) in fields.iter().enumerate() {
                    let v = self.expr(fe);
                    self.store_to_mem(slot, offs[i], &v, &fe.ty);
                }
                Val::Mem(slot, 0)
            }
            ExprKind::Local(l) => self.read_place(&Place::Local(*l)),
            ExprKind::Unary(op, a) => {
                let av = self.expr(a);
                let av = self.scalar(av);
                match (op, &e.ty) {
                    (UnOp::Not, Ty::Bool) => Val::Scalar(self.alu(AluOp::Xor, av, Operand::Imm(1))),
                    (UnOp::Not, ty) => {
                        let x = self.alu(AluOp::Xor, av, Operand::Imm(-1));
                        Val::Scalar(self.normalize(x, ty))
                    }
                    (UnOp::Neg, ty) => {
                        let dst = self.new_value();
                        self.push(Inst::Neg { dst, a: av });
                        Val::Scalar(self.normalize(dst, ty))
                    }
                }
            }
            ExprKind::Binary(BinOp::And, a, b) | ExprKind::Binary(BinOp::Or, a, b) => {
                let is_and = matches!(e.kind, ExprKind::Binary(BinOp::And, ..));
                let r = self.new_value();
                let av = self.expr(a);
                let av = self.scalar(av);
                self.push(Inst::Copy { dst: r, src: av });
                let rhs = self.new_block();
                let join = self.new_block();
                if is_and {
                    self.branch(JmpOp::Jne, av, Operand::Imm(0), rhs, join);
                } else {
                    self.branch(JmpOp::Jeq, av, Operand::Imm(0), rhs, join);
                }
                self.switch_to(rhs);
                let bv = self.expr(b);
                if let Val::Scalar(bv) = bv {
                    self.push(Inst::Copy { dst: r, src: bv });
                }
                self.jump(join);
                self.switch_to(join);
                Val::Scalar(r)
            }
            ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b)
                if !is_scalar(&a.ty) && (self.const_bytes_of(a).is_some() || self.const_bytes_of(b).is_some()) =>
            {
                // Compared with constant bytes: each chunk with an immediate.
                let (x, bytes) = match self.const_bytes_of(b) {
                    Some(bytes) => (a, bytes),
                    None => (b, self.const_bytes_of(a).unwrap_or_default()),
                };
                let xv = self.expr(x);
                let eq = self.mem_eq_const(xv, &bytes);
                Val::Scalar(if *op == BinOp::Ne { self.alu(AluOp::Xor, eq, Operand::Imm(1)) } else { eq })
            }
            ExprKind::Binary(op, a, b) => {
                let av = self.expr(a);
                let bv = self.expr(b);
                let v = self.binary_values(*op, av, bv, &a.ty, &b.ty);
                match v {
                    // The result cannot wrap: the value before normalising is the same.
                    Val::Scalar(n) if matches!(op, BinOp::Add | BinOp::Mul) && self.upper_bound(e).is_some() => {
                        Val::Scalar(self.without_normalize(n))
                    }
                    other => other,
                }
            }
            ExprKind::Cast(a) => {
                let av = self.expr(a);
                let av = self.scalar(av);
                let v = self.normalize(av, &e.ty);
                if v == av {
                    let dst = self.new_value();
                    self.push(Inst::Copy { dst, src: av });
                    Val::Scalar(dst)
                } else {
                    Val::Scalar(v)
                }
            }
            ExprKind::Block(b) => {
                self.block_dest = dest;
                self.block(b)
            }
            ExprKind::If { cond, then, els: None } if self.branch_free_if(cond, then) => Val::Unit,
            ExprKind::If { cond, then, els } => {
                let store = self.result_store(dest, &e.ty, "if result");
                let tb = self.new_block();
                let eb = self.new_block();
                let join = self.new_block();
                self.branch_on(cond, tb, eb);
                self.switch_to(tb);
                let known = self.known_ipv6;
                let (when_true, when_false) = (ipv_fact(cond, true), ipv_fact(cond, false));
                self.known_ipv6 = when_true.or(known);
                self.block_dest = Some(store.clone());
                let tv = self.block(then);
                self.write_store(&store, &tv, &e.ty);
                self.jump(join);
                self.known_ipv6 = when_false.or(known);
                let v = self.finish_if(eb, els.as_deref(), &store, join, &e.ty);
                // Past the `if`, when one arm diverges, the other's fact holds.
                let els_diverges = els.as_ref().is_some_and(|x| x.ty == Ty::Never);
                self.known_ipv6 = match (then.ty == Ty::Never, els_diverges) {
                    (true, false) => when_false.or(known),
                    (false, true) => when_true.or(known),
                    _ => known,
                };
                v
            }
            ExprKind::IfLet { local, scrutinee, then, els } if matches!(scrutinee.kind, ExprKind::MapGet { .. }) => {
                let ExprKind::MapGet { map, key } = &scrutinee.kind else { return Val::Never };
                let in_place = self.ptr_binding_ok(map.0, *local, &then.stmts, then.tail.as_deref());
                let store = self.result_store(dest, &e.ty, "if let result");
                let join = self.new_block();
                let saved = self.span;
                self.span = scrutinee.span;
                let (_, eb, ptr) = self.bind_map_value(map.0, key, *local, in_place);
                self.span = saved;
                self.block_dest = Some(store.clone());
                let ptrs = self.array_ptrs.len();
                self.note_array_ptr(map.0, key, ptr);
                let tv = self.block(then);
                self.array_ptrs.truncate(ptrs);
                self.write_store(&store, &tv, &e.ty);
                self.jump(join);
                self.finish_if(eb, els.as_deref(), &store, join, &e.ty)
            }
            ExprKind::IfLet { local, scrutinee, then, els } => {
                let s = self.expr(scrutinee);
                let store = self.result_store(dest, &e.ty, "if let result");
                let tb = self.new_block();
                let eb = self.new_block();
                let join = self.new_block();
                if let Val::Opt(flag, payload) = s {
                    self.branch(JmpOp::Jne, flag, Operand::Imm(0), tb, eb);
                    self.switch_to(tb);
                    let lty = self.local_ty(*local);
                    let lstore = match self.temp_slot(&payload) {
                        Some(slot) => Store::Mem(slot),
                        None => {
                            let lstore = self.new_store(&lty, "if let binding");
                            self.write_store(&lstore, &payload, &lty);
                            lstore
                        }
                    };
                    self.frame().locals.insert(*local, lstore);
                    self.block_dest = Some(store.clone());
                    let tv = self.block(then);
                    self.write_store(&store, &tv, &e.ty);
                    self.jump(join);
                } else {
                    self.jump(eb);
                }
                self.finish_if(eb, els.as_deref(), &store, join, &e.ty)
            }
            ExprKind::Match { scrutinee, arms } => self.lower_match(e, scrutinee, arms, dest),
            ExprKind::For { var, start, end, max_trips, body } => {
                let ty = self.local_ty(*var);
                let s = self.expr(start);
                let s = self.scalar(s);
                let en = self.expr(end);
                let en = self.scalar(en);
                let i = self.new_value();
                self.push(Inst::Copy { dst: i, src: s });
                // With constant bounds the loop variable itself is the verifier's bound; a
                // run-time start needs a separate trip counter.
                let counted = !(matches!(start.kind, ExprKind::Int(_)) && matches!(end.kind, ExprKind::Int(_)));
                let trips = self.iconst(0);
                let exit = self.new_block();
                // The loop's own blocks run up to `max_trips` times each.
                let (saved_weight, saved_outer) = (self.weight, self.outer_loop);
                self.weight = self.weight.saturating_mul((*max_trips).max(1));
                if self.outer_loop.is_none() {
                    self.f.loops.push(e.span);
                    self.outer_loop = Some(self.f.loops.len() as u32 - 1);
                }
                let header = self.new_block();
                let check = self.new_block();
                let body_b = self.new_block();
                let latch = self.new_block();
                self.jump(header);
                self.switch_to(header);
                let lt = if is_signed(&ty) { JmpOp::Jslt } else { JmpOp::Jlt };
                self.branch(lt, i, Operand::Val(en), check, exit);
                self.switch_to(check);
                if counted {
                    // The trip counter gives the verifier (and us) a constant bound.
                    self.branch(JmpOp::Jlt, trips, Operand::Imm(*max_trips as i64), body_b, exit);
                } else {
                    self.jump(body_b);
                }
                self.switch_to(body_b);
                let vstore = Store::Scalar(self.new_value());
                self.write_store(&vstore, &Val::Scalar(i), &ty);
                self.frame().locals.insert(*var, vstore);
                if let (ExprKind::Int(_), ExprKind::Int(hi), false) = (&start.kind, &end.kind, is_signed(&ty)) {
                    self.frame().bounded.insert(*var, *hi);
                }
                self.loops.push(LoopCtx { brk: exit, cont: latch });
                self.block(body);
                self.loops.pop();
                self.frame().bounded.remove(var);
                self.jump(latch);
                self.switch_to(latch);
                // `i < end` held, and `end` fits the type, so `i + 1` needs no normalising.
                let next = self.alu(AluOp::Add, i, Operand::Imm(1));
                self.push(Inst::Copy { dst: i, src: next });
                if counted {
                    let t2 = self.alu(AluOp::Add, trips, Operand::Imm(1));
                    self.push(Inst::Copy { dst: trips, src: t2 });
                }
                self.jump(header);
                (self.weight, self.outer_loop) = (saved_weight, saved_outer);
                self.switch_to(exit);
                Val::Unit
            }
            ExprKind::Break => {
                if let Some(l) = self.loops.last() {
                    let b = l.brk;
                    self.jump(b);
                }
                Val::Never
            }
            ExprKind::Continue => {
                if let Some(l) = self.loops.last() {
                    let c = l.cont;
                    self.jump(c);
                }
                Val::Never
            }
            ExprKind::Return(v) => {
                let val = match v {
                    Some(v) => self.expr(v),
                    None => Val::Unit,
                };
                self.do_return(val);
                Val::Never
            }
            ExprKind::Call { func, args } => self.inline_call(*func, args, &e.ty, dest),
            ExprKind::PacketField { field, .. } => match self.prefetched_read(e) {
                Some(v) => self.or_fallback(v),
                None => self.packet_field(*field),
            },
            ExprKind::RegionRead { .. } if self.prefetched.contains_key(&reads::expr_key(e)) => {
                self.prefetched_read(e).unwrap_or(Val::Never)
            }
            ExprKind::RegionRead { region, kind, offset, .. } => {
                let off = self.expr(offset);
                let off = self.scalar(off);
                let known = match offset.kind {
                    ExprKind::Int(c) => Some(c),
                    _ => None,
                };
                let bound = self.upper_bound(offset);
                self.region_read(*region, *kind, off, known, bound)
            }
            ExprKind::Try { operand, kind } => {
                let o = self.expr(operand);
                let Val::Opt(flag, payload) = o else { return Val::Never };
                let some = self.new_block();
                let none = self.new_block();
                self.branch(JmpOp::Jne, flag, Operand::Imm(0), some, none);
                self.switch_to(none);
                match kind {
                    TryKind::Fallback => {
                        let fb = self.fallback_block();
                        self.jump(fb);
                    }
                    TryKind::ReturnNone => {
                        let ret_ty = self.frames.last().map(|f| f.ret_ty.clone()).unwrap_or(Ty::Unit);
                        let inner = match &ret_ty {
                            Ty::Option(t) => (**t).clone(),
                            _ => Ty::Unit,
                        };
                        let f0 = self.iconst(0);
                        let z = self.zero(&inner);
                        self.do_return(Val::Opt(f0, Box::new(z)));
                    }
                }
                self.switch_to(some);
                *payload
            }
            ExprKind::Some(inner) => {
                let v = self.expr(inner);
                let f = self.iconst(1);
                Val::Opt(f, Box::new(v))
            }
            ExprKind::None => {
                let inner = match &e.ty {
                    Ty::Option(t) => (**t).clone(),
                    _ => Ty::Unit,
                };
                let f = self.iconst(0);
                Val::Opt(f, Box::new(self.zero(&inner)))
            }
            ExprKind::UnwrapOr(o, d) => {
                let ov = self.expr(o);
                // A default without effects is computed only when it is taken; another one
                // first, as written.
                let early = if is_plain(d) { None } else { Some(self.expr(d)) };
                let Val::Opt(flag, payload) = ov else { return early.unwrap_or(ov) };
                let store = self.result_store(dest, &e.ty, "unwrap_or result");
                // The branch comes first, in a block of its own, so that a read whose flag is a
                // constant on a path jumps straight to the arm it takes (thread_known_branches).
                let test = self.new_block();
                let some = self.new_block();
                let none = self.new_block();
                let join = self.new_block();
                self.jump(test);
                self.switch_to(test);
                self.branch(JmpOp::Jne, flag, Operand::Imm(0), some, none);
                self.switch_to(none);
                let dv = match early {
                    Some(dv) => dv,
                    None => self.expr(d),
                };
                self.write_store(&store, &dv, &e.ty);
                self.jump(join);
                self.switch_to(some);
                self.write_store(&store, &payload, &e.ty);
                self.jump(join);
                self.switch_to(join);
                self.take_temp(&store)
            }
            ExprKind::IsSome(o) => {
                let ov = self.expr(o);
                match ov {
                    Val::Opt(flag, _) => {
                        let dst = self.new_value();
                        self.push(Inst::Copy { dst, src: flag });
                        Val::Scalar(dst)
                    }
                    other => other,
                }
            }
            ExprKind::IsNone(o) => {
                let ov = self.expr(o);
                match ov {
                    Val::Opt(flag, _) => Val::Scalar(self.alu(AluOp::Xor, flag, Operand::Imm(1))),
                    other => other,
                }
            }
            ExprKind::Select { map, key, is_try } => {
                let kv = self.expr(key);
                let key_scalar = match &kv {
                    Val::Scalar(v) => Some(*v),
                    _ => None,
                };
                let r = self.with_key(map.0, &key.ty, kv, |l, kslot| {
                    l.call(
                        helper::SK_SELECT_REUSEPORT,
                        vec![Arg::Ctx, Arg::Map(map.0), Arg::StackAddr(kslot, 0), Arg::Imm(0)],
                    )
                });
                self.count_selection(map.0, key_scalar, r);
                if *is_try {
                    Val::Scalar(self.compare(JmpOp::Jeq, r, Operand::Imm(0)))
                } else if self.fallback == hir::Verdict::Pass {
                    // Pass on success, and the fallback (Pass) on failure: always Pass.
                    Val::Scalar(self.iconst(hir::Verdict::Pass as u64))
                } else if hir::Verdict::Pass as u64 == 1 && self.fallback as u64 == 0 && self.counting.is_none() {
                    // Pass (1) when the selection worked (0), else Drop (0): the helper fails
                    // with a negative errno, so the verdict is the sign bit flipped. (Not with
                    // `--count`, whose epilogue branches on the verdict: a constant per path
                    // lets that branch be decided where the verdict is made.)
                    let sign = self.alu(AluOp::Rsh, r, Operand::Imm(63));
                    Val::Scalar(self.alu(AluOp::Xor, sign, Operand::Imm(1)))
                } else {
                    // Pass when the selection worked, else the entry's fallback.
                    let v = self.new_value();
                    self.push(Inst::Iconst { dst: v, imm: hir::Verdict::Pass as u64 });
                    let join = self.new_block();
                    let failed = self.new_block();
                    self.branch(JmpOp::Jeq, r, Operand::Imm(0), join, failed);
                    self.switch_to(failed);
                    self.push(Inst::Iconst { dst: v, imm: self.fallback as u64 });
                    self.jump(join);
                    self.switch_to(join);
                    Val::Scalar(v)
                }
            }
            ExprKind::Builtin(b) => {
                let (id, ty) = match b {
                    Builtin::Cpu => (helper::GET_SMP_PROCESSOR_ID, Ty::U32),
                    Builtin::Random => (helper::GET_PRANDOM_U32, Ty::U32),
                    Builtin::NowNs => (helper::KTIME_GET_NS, Ty::U64),
                    Builtin::NowCoarseNs => (helper::KTIME_GET_COARSE_NS, Ty::U64),
                };
                let r = self.call(id, vec![]);
                Val::Scalar(self.normalize(r, &ty))
            }
            ExprKind::MapGet { map, key } => {
                let kv = self.expr(key);
                let ptr = self.with_key(map.0, &key.ty, kv, |l, kslot| {
                    l.call(helper::MAP_LOOKUP_ELEM, vec![Arg::Map(map.0), Arg::StackAddr(kslot, 0)])
                });
                let vty = self.prog.maps[map.0 as usize].value.clone();
                let flag = self.new_value();
                let payload = self.new_store(&vty, "map value");
                let some = self.new_block();
                let none = self.new_block();
                let join = self.new_block();
                self.branch(JmpOp::Jne, ptr, Operand::Imm(0), some, none);
                self.switch_to(some);
                self.push(Inst::Iconst { dst: flag, imm: 1 });
                match &payload {
                    Store::Scalar(v) => {
                        let raw = self.new_value();
                        self.push(Inst::PtrLoad { dst: raw, ptr, off: 0, size: scalar_size(&vty) });
                        let n = if is_signed(&vty) { self.normalize(raw, &vty) } else { raw };
                        self.push(Inst::Copy { dst: *v, src: n });
                    }
                    Store::Mem(slot) => {
                        // Map values are 8-byte aligned.
                        let (size, _) = layout(self.prog, &vty);
                        self.copy_from_ptr(*slot, 0, ptr, 0, size, 8);
                    }
                    _ => {}
                }
                self.jump(join);
                self.switch_to(none);
                self.push(Inst::Iconst { dst: flag, imm: 0 });
                let z = self.zero(&vty);
                self.write_store(&payload, &z, &vty);
                self.jump(join);
                self.switch_to(join);
                Val::Opt(flag, Box::new(self.take_temp(&payload)))
            }
            ExprKind::MapSet { map, key, value } if self.array_ptr(map.0, key).is_some() && is_scalar(&value.ty) => {
                // The element is already looked up: written where it is.
                let ptr = self.array_ptr(map.0, key).unwrap_or_else(|| unreachable!());
                let vv = self.expr(value);
                let vv = self.scalar(vv);
                let vty = self.prog.maps[map.0 as usize].value.clone();
                self.push(Inst::PtrStore { ptr, off: 0, src: vv, size: scalar_size(&vty) });
                Val::Unit
            }
            ExprKind::MapSet { map, key, value } | ExprKind::MapInsert { map, key, value } => {
                let kv = self.expr(key);
                let vv = self.expr(value);
                let vty = self.prog.maps[map.0 as usize].value.clone();
                let (vsize, _) = layout(self.prog, &vty);
                let vslot = self.scratch_slot("value", vsize);
                self.store_to_mem(vslot, 0, &vv, &vty);
                let r = self.with_key(map.0, &key.ty, kv, |l, kslot| {
                    l.call(
                        helper::MAP_UPDATE_ELEM,
                        vec![
                            Arg::Map(map.0),
                            Arg::StackAddr(kslot, 0),
                            Arg::StackAddr(vslot, 0),
                            Arg::Imm(rsteer_bpf::map::BPF_ANY as i64),
                        ],
                    )
                });
                if matches!(e.kind, ExprKind::MapInsert { .. }) {
                    Val::Scalar(self.compare(JmpOp::Jeq, r, Operand::Imm(0)))
                } else {
                    Val::Unit
                }
            }
            ExprKind::MapRemove { map, key } => {
                let kv = self.expr(key);
                let r = self.with_key(map.0, &key.ty, kv, |l, kslot| {
                    l.call(helper::MAP_DELETE_ELEM, vec![Arg::Map(map.0), Arg::StackAddr(kslot, 0)])
                });
                Val::Scalar(self.compare(JmpOp::Jeq, r, Operand::Imm(0)))
            }
            ExprKind::MapContains { map, key } => {
                let kv = self.expr(key);
                let r = self.with_key(map.0, &key.ty, kv, |l, kslot| {
                    l.call(helper::MAP_LOOKUP_ELEM, vec![Arg::Map(map.0), Arg::StackAddr(kslot, 0)])
                });
                Val::Scalar(self.compare(JmpOp::Jne, r, Operand::Imm(0)))
            }
            ExprKind::MapAdd { map, key, delta } => {
                let kv = self.expr(key);
                let dv = self.expr(delta);
                let dv = self.scalar(dv);
                let decl = &self.prog.maps[map.0 as usize];
                let vty = decl.value.clone();
                let per_cpu = decl.kind == hir::MapKind::PerCpuArray;
                let known = self.array_ptr(map.0, key);
                let ptr = match known {
                    Some(p) => p,
                    None => self.with_key(map.0, &key.ty, kv, |l, kslot| {
                        l.call(helper::MAP_LOOKUP_ELEM, vec![Arg::Map(map.0), Arg::StackAddr(kslot, 0)])
                    }),
                };
                let some = self.new_block();
                let join = self.new_block();
                if known.is_some() {
                    self.jump(some);
                } else {
                    self.branch(JmpOp::Jne, ptr, Operand::Imm(0), some, join);
                }
                self.switch_to(some);
                let size = scalar_size(&vty);
                if per_cpu {
                    let old = self.new_value();
                    self.push(Inst::PtrLoad { dst: old, ptr, off: 0, size });
                    let new = self.alu(AluOp::Add, old, Operand::Val(dv));
                    self.push(Inst::PtrStore { ptr, off: 0, src: new, size });
                } else {
                    self.push(Inst::AtomicAdd { ptr, off: 0, src: dv, size });
                }
                self.jump(join);
                self.switch_to(join);
                Val::Unit
            }
            ExprKind::Field(base, idx) => {
                let bv = self.expr(base);
                let Ty::Struct(id) = &base.ty else { return Val::Unit };
                let offs = field_offsets(self.prog, *id);
                let fty = self.prog.structs[id.0 as usize].fields[*idx as usize].ty.clone();
                match bv {
                    Val::Mem(slot, off) => self.load_from_mem(slot, off + offs[*idx as usize], &fty),
                    Val::Ptr(p, off) => self.load_from_ptr(p, off + offs[*idx as usize], &fty),
                    other => other,
                }
            }
            // The checker allows test-only forms in `#[test]` functions alone, and tests are
            // never compiled to BPF (the simulator runs them).
            ExprKind::TestPacket { .. }
            | ExprKind::PacketSet { .. }
            | ExprKind::RunEntry { .. }
            | ExprKind::MapFill { .. }
            | ExprKind::MapPrefix { .. }
            | ExprKind::Assert { .. } => Val::Unit,
            ExprKind::Index(base, idx) => {
                let bv = match literal_bytes(base) {
                    // A constant table read at a run-time index (a constant index has been
                    // folded by the checker): written once, read at every use.
                    Some(bytes) if !matches!(idx.kind, ExprKind::Int(_)) => Val::Mem(self.table(base.span, bytes), 0),
                    _ => self.expr(base),
                };
                let Ty::Array(elem, n) = &base.ty else { return Val::Unit };
                let elem = (**elem).clone();
                let (esize, _) = layout(self.prog, &elem);
                if let Val::Ptr(p, off) = bv {
                    return self.index_ptr(p, off, idx, &elem, *n);
                }
                let Val::Mem(slot, off) = bv else { return bv };
                if let ExprKind::Int(c) = idx.kind {
                    if c < *n as u64 {
                        return self.load_from_mem(slot, off + c as u32 * esize, &elem);
                    }
                }
                let known = self.index_below(idx, *n);
                let iv = self.expr(idx);
                let iv = self.scalar(iv);
                let p = self.indexed_ptr(slot, off, None, iv, esize, *n, known);
                if is_scalar(&elem) {
                    let dst = self.new_value();
                    self.push(Inst::PtrLoad { dst, ptr: p, off: 0, size: scalar_size(&elem) });
                    Val::Scalar(if is_signed(&elem) { self.normalize(dst, &elem) } else { dst })
                } else {
                    let tmp = self.f.new_slot(esize, "element copy");
                    let (_, align) = layout(self.prog, &elem);
                    self.copy_from_ptr(tmp, 0, p, 0, esize, align);
                    Val::Mem(tmp, 0)
                }
            }
        }
    }

    /// The `else` arm and the join of an `if` or `if let`: lowers `els` (if any) in block
    /// `eb` into `store`, continues at `join` and reads the result.
    fn finish_if(&mut self, eb: Block, els: Option<&hir::Expr>, store: &Store, join: Block, ty: &Ty) -> Val {
        self.switch_to(eb);
        if let Some(els) = els {
            self.dest = Some(store.clone());
            let ev = self.expr(els);
            self.write_store(store, &ev, ty);
        }
        self.jump(join);
        self.switch_to(join);
        if *ty == Ty::Never {
            return Val::Never;
        }
        self.take_temp(store)
    }

    /// Branches to `then` when the boolean `cond` holds, else to `els`, without first
    /// materialising the boolean when it is a comparison or a `&&`/`||`/`!` of them.
    fn branch_on(&mut self, cond: &hir::Expr, then: Block, els: Block) {
        let saved = self.span;
        self.span = cond.span;
        match &cond.kind {
            ExprKind::Binary(BinOp::And, a, b) => {
                let mid = self.new_block();
                self.branch_on(a, mid, els);
                self.switch_to(mid);
                self.branch_on(b, then, els);
            }
            ExprKind::Binary(BinOp::Or, a, b) => {
                let mid = self.new_block();
                self.branch_on(a, then, mid);
                self.switch_to(mid);
                self.branch_on(b, then, els);
            }
            ExprKind::Unary(UnOp::Not, a) if a.ty == Ty::Bool => self.branch_on(a, els, then),
            ExprKind::Binary(op, a, b)
                if matches!(op, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
                    && is_scalar(&a.ty) =>
            {
                let av = self.expr(a);
                let bv = self.expr(b);
                if let (Val::Scalar(x), Val::Scalar(y)) = (av, bv) {
                    let signed = is_signed(&a.ty);
                    let j = match (op, signed) {
                        (BinOp::Eq, _) => JmpOp::Jeq,
                        (BinOp::Ne, _) => JmpOp::Jne,
                        (BinOp::Lt, false) => JmpOp::Jlt,
                        (BinOp::Lt, true) => JmpOp::Jslt,
                        (BinOp::Le, false) => JmpOp::Jle,
                        (BinOp::Le, true) => JmpOp::Jsle,
                        (BinOp::Gt, false) => JmpOp::Jgt,
                        (BinOp::Gt, true) => JmpOp::Jsgt,
                        (_, false) => JmpOp::Jge,
                        (_, true) => JmpOp::Jsge,
                    };
                    self.branch(j, x, Operand::Val(y), then, els);
                } else {
                    self.jump(els);
                }
            }
            _ => {
                let c = self.expr(cond);
                let c = self.scalar(c);
                self.branch(JmpOp::Jne, c, Operand::Imm(0), then, els);
            }
        }
        self.span = saved;
    }

    fn zero_fill(&mut self, slot: Slot, size: u32) {
        let mut off = 0;
        while off < size {
            let chunk = chunk(size - off, &[off]);
            self.push(Inst::StackStore { slot, off, src: Operand::Imm(0), size: Size::from_bytes(chunk) });
            off += chunk;
        }
    }

    /// The slot of a constant table with these bytes, written at the top of the entry the
    /// first time one is asked for, so that every read of it (in loops, in several inlined
    /// calls) shares one copy.
    fn table(&mut self, span: Span, bytes: Vec<u8>) -> Slot {
        if let Some(s) = self.tables.get(&bytes) {
            return *s;
        }
        let slot = self.f.new_slot(bytes.len() as u32, "constant table");
        let entry = self.f.entry;
        let stores = store_bytes(slot, &bytes).into_iter().map(|i| (i, span));
        self.f.blocks[entry].insts.splice(0..0, stores);
        self.tables.insert(bytes, slot);
        slot
    }

    /// Writes a map key to a stack buffer and runs `f` with that buffer.
    fn with_key(&mut self, map: u32, key_ty: &Ty, key: Val, f: impl FnOnce(&mut Self, Slot) -> Value) -> Value {
        let decl_key = self.prog.maps[map as usize].key.clone();
        let ty = if matches!(key_ty, Ty::Never) { decl_key } else { key_ty.clone() };
        let (size, _) = layout(self.prog, &ty);
        if self.prog.maps[map as usize].kind.info().prefix_key {
            // An LPM trie's key: the prefix length (every bit of the address, so that the
            // lookup finds the longest stored prefix), then the address in network order.
            let slot = self.scratch_slot("prefix key", 4 + size);
            self.push(Inst::StackStore { slot, off: 0, src: Operand::Imm(size as i64 * 8), size: Size::W });
            match key {
                Val::Scalar(v) if ty == Ty::U32 => {
                    let be = self.new_value();
                    self.push(Inst::Bswap { dst: be, src: v, bits: 32 });
                    self.push(Inst::StackStore { slot, off: 4, src: Operand::Val(be), size: Size::W });
                }
                other => self.store_to_mem(slot, 4, &other, &ty),
            }
            return f(self, slot);
        }
        let slot = self.scratch_slot("key", size);
        self.store_to_mem(slot, 0, &key, &ty);
        f(self, slot)
    }

    fn binary_values(&mut self, op: BinOp, a: Val, b: Val, aty: &Ty, bty: &Ty) -> Val {
        let a = self.onto_stack(a, aty);
        let b = self.onto_stack(b, bty);
        if let (Val::Mem(sa, oa), Val::Mem(sb, ob)) = (&a, &b) {
            let (size, _) = layout(self.prog, aty);
            let eq = self.mem_eq(*sa, *oa, *sb, *ob, size);
            return match op {
                BinOp::Ne => Val::Scalar(self.alu(AluOp::Xor, eq, Operand::Imm(1))),
                _ => Val::Scalar(eq),
            };
        }
        let (Val::Scalar(av), Val::Scalar(bv)) = (a, b) else { return Val::Never };
        let signed = is_signed(aty);
        let cmp = |s: JmpOp, u: JmpOp| if signed { s } else { u };
        let jop = match op {
            BinOp::Eq => Some(JmpOp::Jeq),
            BinOp::Ne => Some(JmpOp::Jne),
            BinOp::Lt => Some(cmp(JmpOp::Jslt, JmpOp::Jlt)),
            BinOp::Le => Some(cmp(JmpOp::Jsle, JmpOp::Jle)),
            BinOp::Gt => Some(cmp(JmpOp::Jsgt, JmpOp::Jgt)),
            BinOp::Ge => Some(cmp(JmpOp::Jsge, JmpOp::Jge)),
            _ => None,
        };
        if let Some(j) = jop {
            return Val::Scalar(self.compare(j, av, Operand::Val(bv)));
        }
        let width = bits(aty);
        let (alu, needs_norm) = match op {
            BinOp::Add => (AluOp::Add, true),
            BinOp::Sub => (AluOp::Sub, true),
            BinOp::Mul => (AluOp::Mul, true),
            BinOp::Div => (AluOp::Div, signed),
            BinOp::Rem => (AluOp::Mod, signed),
            BinOp::BitAnd => (AluOp::And, false),
            BinOp::BitOr => (AluOp::Or, false),
            BinOp::BitXor => (AluOp::Xor, false),
            BinOp::Shl => (AluOp::Lsh, true),
            BinOp::Shr => (if signed { AluOp::Arsh } else { AluOp::Rsh }, false),
            _ => (AluOp::Add, true),
        };
        let b_op = if matches!(op, BinOp::Shl | BinOp::Shr) {
            // Shift amounts are taken modulo the bit width.
            Operand::Val(self.alu(AluOp::And, bv, Operand::Imm(width as i64 - 1)))
        } else {
            Operand::Val(bv)
        };
        let dst = self.new_value();
        let sdiv = signed && matches!(op, BinOp::Div | BinOp::Rem);
        self.push(Inst::Alu { dst, op: alu, a: av, b: b_op, signed: sdiv });
        Val::Scalar(if needs_norm { self.normalize(dst, aty) } else { dst })
    }

    /// An upper bound of the unsigned integer `e` that the verifier knows as well: from
    /// constants, loop variables with constant bounds (the verifier follows each round), `+`,
    /// `*`, `&`, `>>` by a constant and widening casts; `None` when `e` may wrap its type.
    fn upper_bound(&self, e: &hir::Expr) -> Option<u64> {
        let Ty::Int(t) = &e.ty else { return None };
        if t.signed() {
            return None;
        }
        let max = if t.bits() >= 64 { u64::MAX } else { (1u64 << t.bits()) - 1 };
        let b = match &e.kind {
            ExprKind::Int(c) => Some(*c),
            ExprKind::Local(l) => self.frames.last()?.bounded.get(l).map(|end| end.saturating_sub(1)),
            ExprKind::Cast(x) => match &x.ty {
                Ty::Int(xt) if !xt.signed() && xt.bits() <= t.bits() => self.upper_bound(x),
                _ => None,
            },
            ExprKind::Binary(BinOp::Add, a, b) => self.upper_bound(a)?.checked_add(self.upper_bound(b)?),
            ExprKind::Binary(BinOp::Mul, a, b) => self.upper_bound(a)?.checked_mul(self.upper_bound(b)?),
            ExprKind::Binary(BinOp::BitAnd, a, b) => match (self.upper_bound(a), self.upper_bound(b)) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            },
            ExprKind::Binary(BinOp::Shr, a, b) => match b.kind {
                ExprKind::Int(s) if s < 64 => self.upper_bound(a).map(|x| x >> s),
                _ => None,
            },
            _ => None,
        };
        b.filter(|&b| b <= max)
    }

    /// `v`'s source when `v` is the result of a `Normalize` just pushed in this block.
    fn without_normalize(&mut self, v: Value) -> Value {
        let insts = &mut self.f.blocks[self.cur].insts;
        if let Some((Inst::Normalize { dst, src, .. }, _)) = insts.last() {
            if *dst == v {
                let src = *src;
                insts.pop();
                return src;
            }
        }
        v
    }

    /// The constant bytes `e` has: a literal, or a local (of this frame) that holds some.
    fn const_bytes_of(&self, e: &hir::Expr) -> Option<Vec<u8>> {
        match &e.kind {
            ExprKind::Local(l) => self.frames.last()?.const_bytes.get(l).cloned(),
            _ => literal_bytes(e),
        }
    }

    /// 1 when the aggregate `v` holds `bytes`, else 0: each chunk loaded and compared with
    /// an immediate.
    fn mem_eq_const(&mut self, v: Val, bytes: &[u8]) -> Value {
        let r = self.iconst(0);
        let done = self.new_block();
        let (base_off, aligned) = match v {
            Val::Mem(_, off) => (off, true),
            Val::Ptr(_, off) => (off, true),
            _ => (0, false),
        };
        if aligned {
            let size = bytes.len() as u32;
            let mut off = 0;
            while off < size {
                let chunk = chunk(size - off, &[base_off + off]);
                let sz = Size::from_bytes(chunk);
                let x = self.new_value();
                match v {
                    Val::Mem(slot, o) => self.push(Inst::StackLoad { dst: x, slot, off: o + off, size: sz }),
                    Val::Ptr(p, o) => self.push(Inst::PtrLoad { dst: x, ptr: p, off: (o + off) as i16, size: sz }),
                    _ => {}
                }
                let mut word = [0u8; 8];
                word[..chunk as usize].copy_from_slice(&bytes[off as usize..(off + chunk) as usize]);
                let want = u64::from_le_bytes(word);
                let next = self.new_block();
                self.branch(JmpOp::Jeq, x, Operand::Imm(want as i64), next, done);
                self.switch_to(next);
                off += chunk;
            }
        }
        self.push(Inst::Iconst { dst: r, imm: 1 });
        self.jump(done);
        self.switch_to(done);
        r
    }

    /// 1 when `size` bytes at the two places are equal, else 0.
    fn mem_eq(&mut self, sa: Slot, oa: u32, sb: Slot, ob: u32, size: u32) -> Value {
        let r = self.iconst(0);
        let done = self.new_block();
        let mut off = 0;
        while off < size {
            let chunk = chunk(size - off, &[oa + off, ob + off]);
            let x = self.new_value();
            let y = self.new_value();
            let sz = Size::from_bytes(chunk);
            self.push(Inst::StackLoad { dst: x, slot: sa, off: oa + off, size: sz });
            self.push(Inst::StackLoad { dst: y, slot: sb, off: ob + off, size: sz });
            let next = self.new_block();
            self.branch(JmpOp::Jeq, x, Operand::Val(y), next, done);
            self.switch_to(next);
            off += chunk;
        }
        self.push(Inst::Iconst { dst: r, imm: 1 });
        self.jump(done);
        self.switch_to(done);
        r
    }

    /// `if a CMP b { x op= k }` (`op` one of `+ - | ^`, `k` a literal or a local, `x` a scalar
    /// local) without a branch: `x op= k * (a CMP b)`, the comparison computed with a
    /// subtraction's sign. The verifier then walks one path instead of two, which matters
    /// when `x` later is a map key it tracks exactly: 15 such `if`s are 2^15 paths, a
    /// 1000-round loop with one of them is a million. Returns false (emitting nothing) when
    /// the statement has another shape.
    fn branch_free_if(&mut self, cond: &hir::Expr, then: &hir::Block) -> bool {
        let ([Stmt::Assign { place: Place::Local(x), op: Some(op), value, span }], None) =
            (then.stmts.as_slice(), &then.tail)
        else {
            return false;
        };
        let ExprKind::Binary(cmp, a, b) = &cond.kind else { return false };
        let narrow = |t: &Ty| matches!(t, Ty::Int(i) if i.bits() <= 32);
        let shape_ok = matches!(op, BinOp::Add | BinOp::Sub | BinOp::BitOr | BinOp::BitXor)
            && matches!(value.kind, ExprKind::Int(_) | ExprKind::Local(_))
            && matches!(self.frames.last().and_then(|f| f.locals.get(x)), Some(Store::Scalar(_)))
            && match cmp {
                BinOp::Eq | BinOp::Ne => matches!(a.ty, Ty::Int(_)),
                // `a - b` keeps the order's sign only while both fit in 63 bits.
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => narrow(&a.ty),
                _ => false,
            };
        if !shape_ok {
            return false;
        }
        let (av, bv) = (self.expr(a), self.expr(b));
        let (av, bv) = (self.scalar(av), self.scalar(bv));
        self.span = cond.span;
        // bit = 1 when the condition holds, else 0.
        let bit = match cmp {
            BinOp::Eq | BinOp::Ne => {
                // x != 0 exactly when x or -x has its sign bit set.
                let x = self.alu(AluOp::Xor, av, Operand::Val(bv));
                let neg = self.new_value();
                self.push(Inst::Neg { dst: neg, a: x });
                let either = self.alu(AluOp::Or, x, Operand::Val(neg));
                let ne = self.alu(AluOp::Rsh, either, Operand::Imm(63));
                if *cmp == BinOp::Eq {
                    self.alu(AluOp::Xor, ne, Operand::Imm(1))
                } else {
                    ne
                }
            }
            _ => {
                // a < b exactly when a - b is negative; a <= b is !(b < a).
                let (l, r, negate) = match cmp {
                    BinOp::Lt => (av, bv, false),
                    BinOp::Gt => (bv, av, false),
                    BinOp::Ge => (av, bv, true),
                    _ => (bv, av, true),
                };
                let d = self.alu(AluOp::Sub, l, Operand::Val(r));
                let lt = self.alu(AluOp::Rsh, d, Operand::Imm(63));
                if negate {
                    self.alu(AluOp::Xor, lt, Operand::Imm(1))
                } else {
                    lt
                }
            }
        };
        self.span = *span;
        let k = self.expr(value);
        let k = self.scalar(k);
        // `k * bit`, not `k & -bit`: the verifier keeps `[0, 1] * k` as one range, where it
        // splits a negated mask into its two values (two paths again).
        let masked = self.alu(AluOp::Mul, bit, Operand::Val(k));
        let place = Place::Local(*x);
        let cur = self.read_place(&place);
        let ty = self.place_ty(&place);
        let v = self.binary_values(*op, cur, Val::Scalar(masked), &ty, &value.ty);
        self.write_place(&place, &v);
        true
    }

    /// A `match` as a decision tree (`decision.rs`): arms whose bodies are the same literal
    /// share one body, their intervals merge, and the tests are a binary search.
    fn lower_match(&mut self, e: &hir::Expr, scrutinee: &hir::Expr, arms: &[hir::Arm], dest: Option<Store>) -> Val {
        let s = self.expr(scrutinee);
        let s = self.scalar(s);
        let (Ty::Int(int), false) = (&scrutinee.ty, arms.is_empty()) else {
            // The checker accepts integers only, with at least one arm.
            return Val::Never;
        };
        let int = *int;
        let (min, max) = rsteer_lang::consteval::range_of(int);
        let value = |bits: u64| -> i128 {
            let raw = extend(bits, &scrutinee.ty);
            if int.signed() {
                raw as i64 as i128
            } else {
                raw as i128
            }
        };
        // Arm `i` is decided by arm `canon[i]`: the first arm with the same literal body.
        let mut first_with: HashMap<(u8, u64), usize> = HashMap::new();
        let canon: Vec<usize> = arms
            .iter()
            .enumerate()
            .map(|(i, arm)| {
                let key = match &arm.body.kind {
                    ExprKind::Int(v) => Some((0, *v)),
                    ExprKind::Bool(b) => Some((1, *b as u64)),
                    ExprKind::Verdict(v) => Some((2, matches!(v, hir::Verdict::Pass) as u64)),
                    _ => None,
                };
                match key {
                    Some(k) => *first_with.entry(k).or_insert(i),
                    None => i,
                }
            })
            .collect();
        let intervals: Vec<Vec<(i128, i128)>> = arms
            .iter()
            .map(|arm| {
                arm.patterns
                    .iter()
                    .map(|p| match p {
                        Pattern::Wild => (min, max),
                        Pattern::Int(v) => (value(*v), value(*v)),
                        Pattern::Range(lo, hi) => (value(*lo), value(*hi)),
                    })
                    .collect()
            })
            .collect();
        let mut segments = crate::decision::partition(&intervals, min, max);
        for seg in &mut segments {
            seg.arm = canon[seg.arm];
        }
        segments.dedup_by(|b, a| {
            let join = a.arm == b.arm && a.hi + 1 == b.lo;
            if join {
                a.hi = b.hi;
            }
            join
        });
        let (root, tests) = crate::decision::plan(&segments);
        let store = self.result_store(dest, &e.ty, "match result");
        let join = self.new_block();
        let mut bodies: Vec<Option<Block>> = vec![None; arms.len()];
        let test_blocks: Vec<Block> = tests.iter().map(|_| self.new_block()).collect();
        let mut target = |t: crate::decision::Target, this: &mut Self| match t {
            crate::decision::Target::Test(i) => test_blocks[i],
            crate::decision::Target::Arm(a) => *bodies[a].get_or_insert_with(|| this.new_block()),
        };
        let first = target(root, self);
        self.jump(first);
        let lt = if int.signed() { JmpOp::Jslt } else { JmpOp::Jlt };
        for (i, t) in tests.iter().enumerate() {
            self.switch_to(test_blocks[i]);
            let (yes, no) = (target(t.yes, self), target(t.no, self));
            let op = if t.less { lt } else { JmpOp::Jeq };
            // The register holds the value's bits as `extend` gives them.
            self.branch(op, s, Operand::Imm(t.value as i64), yes, no);
        }
        for (i, arm) in arms.iter().enumerate() {
            let Some(body) = bodies[i] else { continue };
            self.switch_to(body);
            self.span = arm.span;
            self.dest = Some(store.clone());
            let v = self.expr(&arm.body);
            self.write_store(&store, &v, &e.ty);
            self.jump(join);
        }
        self.switch_to(join);
        if e.ty == Ty::Never {
            return Val::Never;
        }
        self.take_temp(&store)
    }

    fn do_return(&mut self, val: Val) {
        let ret = self.frames.last().and_then(|f| f.ret.clone());
        match ret {
            Some((block, store)) => {
                let ty = self.frames.last().map(|f| f.ret_ty.clone()).unwrap_or(Ty::Unit);
                self.write_store(&store, &val, &ty);
                self.jump(block);
            }
            None => match val {
                Val::Scalar(v) => self.terminate(Term::Return(Operand::Val(v))),
                Val::Never => {}
                _ => {
                    let fb = self.fallback as i64;
                    self.terminate(Term::Return(Operand::Imm(fb)));
                }
            },
        }
    }

    fn inline_call(&mut self, func: FuncId, args: &[hir::Expr], ty: &Ty, dest: Option<Store>) -> Val {
        let callee = &self.prog.functions[func.0 as usize];
        if self.inline_depth > 64 {
            self.diags.push(
                errors::inlining_too_deep(format!("calls to `{}` nest too deeply to inline", callee.name))
                    .with_primary(self.span, "inlined here"),
            );
            return Val::Never;
        }
        let vals: Vec<Val> = args.iter().map(|a| self.expr(a)).collect();
        let mut locals = HashMap::new();
        let mut const_bytes = HashMap::new();
        for ((p, v), a) in callee.params.iter().zip(vals).zip(args) {
            let pty = callee.locals[p.0 as usize].ty.clone();
            if let Some(bytes) = self.const_bytes_of(a) {
                if !is_scalar(&pty) && !assigns_local(&callee.body, *p) {
                    const_bytes.insert(*p, bytes);
                }
            }
            // An aggregate the callee only reads is read where it is: nothing can write the
            // caller's memory while the callee runs.
            if let Val::Mem(slot, 0) = v {
                if !assigns_local(&callee.body, *p) {
                    locals.insert(*p, Store::Mem(slot));
                    continue;
                }
            }
            // So is a map value read through its pointer: the scope of its binding, which
            // holds this call, writes neither it nor its map.
            if let Val::Ptr(ptr, 0) = v {
                if !assigns_local(&callee.body, *p) {
                    locals.insert(*p, Store::Ptr(ptr));
                    continue;
                }
            }
            let store = self.new_store(&pty, &format!("param {}", callee.locals[p.0 as usize].name));
            self.write_store(&store, &v, &pty);
            locals.insert(*p, store);
        }
        let ret_block = self.new_block();
        let ret_store = self.result_store(dest, ty, &format!("{} result", callee.name));
        self.frames.push(Frame {
            locals,
            ret: Some((ret_block, ret_store.clone())),
            ret_ty: callee.ret.clone(),
            bounded: HashMap::new(),
            const_bytes,
        });
        self.func_stack.push(func);
        self.inline_depth += 1;
        let saved_loops = std::mem::take(&mut self.loops);
        self.block_dest = Some(ret_store.clone());
        let body = self.block(&callee.body);
        self.loops = saved_loops;
        self.inline_depth -= 1;
        self.func_stack.pop();
        self.frames.pop();
        self.write_store(&ret_store, &body, ty);
        self.jump(ret_block);
        self.switch_to(ret_block);
        if *ty == Ty::Never {
            return Val::Never;
        }
        self.take_temp(&ret_store)
    }

    // ----- the packet ------------------------------------------------------------------

    /// `bpf_map_lookup_elem(map, &key)`: the value's pointer, or 0.
    fn map_lookup(&mut self, map: u32, key: &hir::Expr) -> Value {
        let kv = self.expr(key);
        self.with_key(map, &key.ty, kv, |l, kslot| {
            l.call(helper::MAP_LOOKUP_ELEM, vec![Arg::Map(map), Arg::StackAddr(kslot, 0)])
        })
    }

    /// `if let Some(x) = M.get(k)` and `let Some(x) = M.get(k) else`: the lookup, a branch on
    /// its pointer to `some` or `none`, and in `some` the binding: a scalar loaded, an
    /// aggregate read where it is when `in_place` (its scope writes neither the binding nor
    /// the map), else copied. No `Option` flag and no zero payload are made.
    fn bind_map_value(&mut self, map: u32, key: &hir::Expr, local: LocalId, in_place: bool) -> (Block, Block, Value) {
        let ptr = self.map_lookup(map, key);
        let some = self.new_block();
        let none = self.new_block();
        self.branch(JmpOp::Jne, ptr, Operand::Imm(0), some, none);
        self.switch_to(some);
        let ty = self.local_ty(local);
        let store = match self.load_from_ptr(ptr, 0, &ty) {
            Val::Scalar(v) => {
                let dst = self.new_value();
                self.push(Inst::Copy { dst, src: v });
                Store::Scalar(dst)
            }
            Val::Ptr(..) if in_place => Store::Ptr(ptr),
            v => {
                let store = self.local_store(local, &ty);
                self.write_store(&store, &v, &ty);
                store
            }
        };
        self.frame().locals.insert(local, store);
        (some, none, ptr)
    }

    /// After `bind_map_value` of `map` at `key`, in the code its `Some` block dominates:
    /// records the element's pointer when `map` is an array and `key` a constant.
    fn note_array_ptr(&mut self, map: u32, key: &hir::Expr, ptr: Value) {
        let kind = self.prog.maps[map as usize].kind;
        if matches!(kind, hir::MapKind::Array | hir::MapKind::PerCpuArray) {
            if let Some(bytes) = literal_bytes(key) {
                self.array_ptrs.push((map, bytes, ptr));
            }
        }
    }

    /// The recorded pointer to element `key` of array `map`, if any.
    fn array_ptr(&self, map: u32, key: &hir::Expr) -> Option<Value> {
        let bytes = literal_bytes(key)?;
        self.array_ptrs.iter().rev().find(|(m, k, _)| *m == map && *k == bytes).map(|x| x.2)
    }

    /// Whether a map value bound to `local` may be read through its pointer for the scope
    /// `stmts` then `tail`: nothing there assigns the local or writes map `map` (directly
    /// or in a function it calls), so the value cannot change under the pointer.
    fn ptr_binding_ok(&self, map: u32, local: LocalId, stmts: &[Stmt], tail: Option<&hir::Expr>) -> bool {
        let mut seen = Vec::new();
        !assigns_in(stmts, tail, local) && !writes_map(self.prog, stmts, tail, map, &mut seen)
    }

    fn is_ipv(&mut self, v6: bool) -> Value {
        let proto = self.new_value();
        self.push(Inst::LoadCtx { dst: proto, off: md::ETH_PROTOCOL.off, size: Size::H });
        // The field is in network byte order; a little-endian 16-bit load of 08 00 is 0x0008.
        let want = if v6 { 0xDD86 } else { 0x0008 };
        self.compare(JmpOp::Jeq, proto, Operand::Imm(want))
    }

    fn require(&mut self, cond: Value) {
        let ok = self.new_block();
        let fb = self.fallback_block();
        self.branch(JmpOp::Jne, cond, Operand::Imm(0), ok, fb);
        self.switch_to(ok);
    }

    /// Unwraps an option or ends the program with the fallback.
    fn or_fallback(&mut self, v: Val) -> Val {
        match v {
            Val::Opt(flag, payload) => {
                self.require(flag);
                *payload
            }
            other => other,
        }
    }

    fn packet_field(&mut self, field: PacketField) -> Val {
        let ctx_load = |l: &mut Self, off: i16, size: Size| {
            let dst = l.new_value();
            l.push(Inst::LoadCtx { dst, off, size });
            dst
        };
        // Plain context fields, L4-header and IP-header fields are lowered by the table's
        // description of them; the derived ones each by their own code.
        let row = packet::info(field);
        match row.read {
            Read::L4 { .. } => {
                let r = self.l4_field_read(field).unwrap_or(Val::Never);
                return self.or_fallback(r);
            }
            Read::Net { offset, kind, v6 } => {
                if self.known_ipv6 != Some(v6) {
                    let ok = self.is_ipv(v6);
                    self.require(ok);
                }
                let off = self.iconst(offset as u64);
                let r = self.region_read(Region::Net, kind, off, Some(u64::from(offset)), None);
                return self.or_fallback(r);
            }
            Read::Context(_) | Read::Derived => {}
        }
        let v = match field {
            PacketField::Len => ctx_load(self, md::LEN.off, Size::W),
            PacketField::Hash => ctx_load(self, md::HASH.off, Size::W),
            PacketField::EthProtocol => {
                let raw = ctx_load(self, md::ETH_PROTOCOL.off, Size::H);
                let dst = self.new_value();
                self.push(Inst::Bswap { dst, src: raw, bits: 16 });
                dst
            }
            PacketField::IpProtocol => {
                let raw = ctx_load(self, md::IP_PROTOCOL.off, Size::W);
                self.normalize(raw, &Ty::U8)
            }
            PacketField::BindInany => {
                let raw = ctx_load(self, md::BIND_INANY.off, Size::W);
                self.compare(JmpOp::Jne, raw, Operand::Imm(0))
            }
            PacketField::IsIpv4 | PacketField::IsIpv6 => {
                let v6 = field == PacketField::IsIpv6;
                match self.known_ipv6 {
                    Some(k) => self.iconst(u64::from(k == v6)),
                    None => self.is_ipv(v6),
                }
            }
            PacketField::IsTcp | PacketField::IsUdp => {
                let raw = ctx_load(self, md::IP_PROTOCOL.off, Size::W);
                let want = if field == PacketField::IsTcp { 6 } else { 17 };
                self.compare(JmpOp::Jeq, raw, Operand::Imm(want))
            }
            PacketField::SrcPort
            | PacketField::DstPort
            | PacketField::SrcIp4
            | PacketField::DstIp4
            | PacketField::SrcIp6
            | PacketField::DstIp6 => unreachable!("lowered from the table above"),
            PacketField::Migrating => {
                let p = ctx_load(self, md::MIGRATING_SK.off, Size::DW);
                self.compare(JmpOp::Jne, p, Operand::Imm(0))
            }
            PacketField::Cookie => {
                let sk = ctx_load(self, md::SK.off, Size::DW);
                self.call(helper::GET_SOCKET_COOKIE, vec![Arg::Val(sk)])
            }
            PacketField::MigratingCookie => {
                // No socket is migrating outside a migration run: the cookie reads as 0.
                let r = self.iconst(0);
                let sk = ctx_load(self, md::MIGRATING_SK.off, Size::DW);
                let has = self.new_block();
                let join = self.new_block();
                self.branch(JmpOp::Jne, sk, Operand::Imm(0), has, join);
                self.switch_to(has);
                let c = self.call(helper::GET_SOCKET_COOKIE, vec![Arg::Val(sk)]);
                self.push(Inst::Copy { dst: r, src: c });
                self.jump(join);
                self.switch_to(join);
                r
            }
        };
        Val::Scalar(v)
    }
}
