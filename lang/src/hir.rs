//! The typed HIR: what the type checker hands to code generation.
//!
//! Every name is resolved (locals to [`LocalId`], maps to [`MapId`], functions to [`FuncId`],
//! constants folded to literals), every expression carries its [`Ty`] and its [`Span`], and
//! every method-call form of the surface language has become a specific [`ExprKind`] variant.
//! Code generation never looks at names or re-checks types: a `Program` that the checker
//! returned is well-typed by construction.

pub use crate::ops::{BinOp, IntTy, UnOp};
use crate::span::Span;

/// Index into [`Program::maps`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MapId(pub u32);
/// Index into [`Program::functions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);
/// Index into [`Function::locals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);
/// Index into [`Program::structs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StructId(pub u32);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Int(IntTy),
    Bool,
    /// `[T; N]`.
    Array(Box<Ty>, u32),
    Struct(StructId),
    Option(Box<Ty>),
    /// The opaque packet (the `sk_reuseport_md` context).
    Packet,
    Verdict,
    /// `()`: statements, functions without a return type, `M.set(..)`.
    Unit,
    /// The type of `return`, `break`, `continue`: an expression that never produces a value.
    Never,
}

impl Ty {
    pub const U8: Ty = Ty::Int(IntTy::U8);
    pub const U16: Ty = Ty::Int(IntTy::U16);
    pub const U32: Ty = Ty::Int(IntTy::U32);
    pub const U64: Ty = Ty::Int(IntTy::U64);

    pub fn int(&self) -> Option<IntTy> {
        match self {
            Ty::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// Whole program after checking: the main file plus its modules and the standard library,
/// flattened (names no longer matter, ids do).
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub structs: Vec<StructDef>,
    pub maps: Vec<MapDecl>,
    pub functions: Vec<Function>,
    /// The `#[steer]` functions, in source order.
    pub entries: Vec<FuncId>,
    /// The `#[test]` functions, in source order.
    pub tests: Vec<FuncId>,
    /// Constants after folding (and `--const` overrides), for display and for the loader.
    pub consts: Vec<ConstDef>,
}

#[derive(Clone, Debug)]
pub struct ConstDef {
    pub name: String,
    pub ty: Ty,
    /// The folded value: `Int`, `Bool`, `Bytes` or an `ArrayLit` of literals.
    pub value: Expr,
    pub span: Span,
}

impl ConstDef {
    /// The raw bits of a scalar constant (`bool` as 0 or 1); `None` for an array.
    pub fn scalar(&self) -> Option<u64> {
        match self.value.kind {
            ExprKind::Int(v) => Some(v),
            ExprKind::Bool(b) => Some(u64::from(b)),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<FieldDef>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
}

pub use crate::mapkind::MapKind;

#[derive(Clone, Debug)]
pub struct MapDecl {
    pub name: String,
    pub kind: MapKind,
    /// Key type: `u32` for the array kinds, `K` for the hash kinds.
    pub key: Ty,
    /// Value type; socket maps have `u64` (fd in, cookie out).
    pub value: Ty,
    pub capacity: u32,
    pub span: Span,
    /// The `///` doc comment, if any.
    pub doc: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    Drop = 0,
    Pass = 1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SteerAttrs {
    /// `#[steer(migrate)]`: attach type select-or-migrate.
    pub migrate: bool,
    /// `#[steer(fallback = Drop)]`; default `Pass`.
    pub fallback: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FnKind {
    /// A `#[steer]` entry: exactly one parameter of type `Packet`, returns `Verdict`.
    Entry(SteerAttrs),
    /// A plain helper function; always inlined by codegen for now.
    Helper,
    /// A `#[test]` function.
    Test,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub kind: FnKind,
    /// Parameters are the first `params.len()` locals, in order.
    pub params: Vec<LocalId>,
    pub ret: Ty,
    pub locals: Vec<LocalDecl>,
    pub body: Block,
    /// The whole item; `name_span` is the name alone.
    pub span: Span,
    pub name_span: Span,
}

#[derive(Clone, Debug)]
pub struct LocalDecl {
    pub name: String,
    pub ty: Ty,
    pub mutable: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    /// The trailing expression without `;`, the block's value.
    pub tail: Option<Box<Expr>>,
    /// `Unit` without a tail, `Never` when the block always diverges.
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    /// `let x = init;` / `let mut x: T = init;`
    Let { local: LocalId, init: Expr, span: Span },
    /// `let Some(x) = init else { ... };` — `init` has type `Option<T>`, `local` type `T`;
    /// `else_block` has type `Never`.
    LetElse { local: LocalId, init: Expr, else_block: Block, span: Span },
    /// `place = value;` or `place op= value;` (`op` is the arithmetic of the compound form).
    Assign { place: Place, op: Option<BinOp>, value: Expr, span: Span },
    /// An expression statement (`e;` or a block-like expression without `;`).
    Expr(Expr),
}

/// Something that can be assigned to.
#[derive(Clone, Debug)]
pub enum Place {
    Local(LocalId),
    /// `base.field` where `base` is a place of struct type.
    Field(Box<Place>, u32),
    /// `base[index]`; `index` is any unsigned integer, bounds-checked at run time.
    Index(Box<Place>, Box<Expr>),
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

pub use crate::builtins::Builtin;
pub use crate::packet::{PacketField, ReadKind, Region};
pub use crate::version::ValueTy;

impl ValueTy {
    /// The language type of a table entry's value.
    pub fn ty(self) -> Ty {
        match self {
            ValueTy::Bool => Ty::Bool,
            ValueTy::U8 => Ty::U8,
            ValueTy::U16 => Ty::U16,
            ValueTy::U32 => Ty::U32,
            ValueTy::U64 => Ty::U64,
            ValueTy::Bytes(n) => Ty::Array(Box::new(Ty::U8), n),
        }
    }
}

/// What `?` does on `None`, decided by the checker from the enclosing function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryKind {
    /// In an entry, or in a helper returning `Verdict`: end the program with the
    /// fallback verdict of the entry being generated.
    Fallback,
    /// In a function returning `Option<U>`: return `None` from that function.
    ReturnNone,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// An integer value (already in the scrutinee's type, as raw bits zero-extended to u64).
    Int(u64),
    /// `lo..=hi` inclusive, as raw bits; for signed scrutinees compare signed.
    Range(u64, u64),
    /// `_`
    Wild,
}

#[derive(Clone, Debug)]
pub struct Arm {
    /// Alternatives joined by `|`.
    pub patterns: Vec<Pattern>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// Integer literal as raw bits (two's complement for negative values, masked to the type).
    Int(u64),
    Bool(bool),
    /// `b"..."` or an array value known at compile time.
    Bytes(Vec<u8>),
    /// `[a, b, c]` / `[x; N]` expanded.
    ArrayLit(Vec<Expr>),
    Local(LocalId),
    Unary(UnOp, Box<Expr>),
    /// Operands have the same type except for shifts. For `And`/`Or` both are bool.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `e as T` between integer types, or bool to integer.
    Cast(Box<Expr>),
    Block(Block),
    /// `if cond { then } else { els }`; `els` is a `Block` or another `If`/`IfLet` expression.
    If {
        cond: Box<Expr>,
        then: Block,
        els: Option<Box<Expr>>,
    },
    /// `if let Some(local) = scrutinee { then } else { els }`
    IfLet {
        local: LocalId,
        scrutinee: Box<Expr>,
        then: Block,
        els: Option<Box<Expr>>,
    },
    /// Exhaustive by construction (the checker proved it).
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<Arm>,
    },
    /// `for var in start..end { body }`; `max_trips` is the constant bound on the trip count
    /// the checker proved (for constant bounds, `end - start`).
    For {
        var: LocalId,
        start: Box<Expr>,
        end: Box<Expr>,
        max_trips: u64,
        body: Block,
    },
    Break,
    Continue,
    /// `return e` (or `return` in a unit function).
    Return(Option<Box<Expr>>),
    /// A call of a helper function; codegen inlines it.
    Call {
        func: FuncId,
        args: Vec<Expr>,
    },
    /// `pkt.field` / `pkt.is_ipv4()` etc.; `packet` has type `Packet`.
    PacketField {
        packet: Box<Expr>,
        field: PacketField,
    },
    /// `pkt.payload.be16(off)` etc.: `Option<T>` where T is the read's type.
    RegionRead {
        packet: Box<Expr>,
        region: Region,
        kind: ReadKind,
        offset: Box<Expr>,
    },
    /// `e?` on an `Option<T>`; has type `T`.
    Try {
        operand: Box<Expr>,
        kind: TryKind,
    },
    /// `Some(e)`
    Some(Box<Expr>),
    /// `None` (its type says of what)
    None,
    /// `o.unwrap_or(d)`
    UnwrapOr(Box<Expr>, Box<Expr>),
    /// `o.is_some()`
    IsSome(Box<Expr>),
    /// `o.is_none()`
    IsNone(Box<Expr>),
    /// `Verdict::Pass` / `Verdict::Drop`
    Verdict(Verdict),
    /// `select(MAP, key)` (Verdict: Pass or the fallback) or `try_select(MAP, key)` (bool).
    Select {
        map: MapId,
        key: Box<Expr>,
        is_try: bool,
    },
    Builtin(Builtin),
    /// `M.get(k) -> Option<V>`
    MapGet {
        map: MapId,
        key: Box<Expr>,
    },
    /// `M.set(i, v)` (unit)
    MapSet {
        map: MapId,
        key: Box<Expr>,
        value: Box<Expr>,
    },
    /// `M.insert(k, v) -> bool`
    MapInsert {
        map: MapId,
        key: Box<Expr>,
        value: Box<Expr>,
    },
    /// `M.remove(k) -> bool`
    MapRemove {
        map: MapId,
        key: Box<Expr>,
    },
    /// `M.contains(k) -> bool`
    MapContains {
        map: MapId,
        key: Box<Expr>,
    },
    /// `M.add(k, delta)` (unit): atomic add, plain add on per-CPU maps.
    MapAdd {
        map: MapId,
        key: Box<Expr>,
        delta: Box<Expr>,
    },
    /// `Key { a: x, b: y }`, fields in declaration order.
    StructLit(StructId, Vec<Expr>),
    /// `e.field` (field index in declaration order).
    Field(Box<Expr>, u32),
    /// `a[i]`; runtime index is bounds-checked (out of range: fallback).
    Index(Box<Expr>, Box<Expr>),

    // ----- test-only forms: they appear only in `#[test]` functions -----------------------
    /// `Packet::udp4()`, `Packet::tcp6()`...: a packet under construction (type `Packet`).
    TestPacket {
        tcp: bool,
        v6: bool,
    },
    /// A builder step on a test packet: `p.src("10.0.0.7:5000")`, `p.payload(b"..")`...
    PacketSet {
        packet: Box<Expr>,
        set: PacketSet,
    },
    /// A call of a `#[steer]` entry from a test: runs it in the simulator. Its type is
    /// `Verdict`, and its value is the run's whole outcome (verdict and selection).
    RunEntry {
        func: FuncId,
        packet: Box<Expr>,
    },
    /// `SOCKETS.fill(n)`: a socket of the group at each index `0..n`.
    MapFill {
        map: MapId,
        count: Box<Expr>,
    },
    /// `T.insert_prefix(addr, len, v)` (`value` set) or `T.remove_prefix(addr, len)` on an
    /// `LpmTrie`: `bool`, false when the table is full, the length too long or (removing)
    /// the prefix absent.
    MapPrefix {
        map: MapId,
        key: Box<Expr>,
        len: Box<Expr>,
        value: Option<Box<Expr>>,
    },
    /// `assert!(c)`, `assert_eq!(a, b)`, `assert_ne!(a, b)`, `assert_selected!(run, MAP, key)`.
    Assert {
        kind: AssertKind,
        args: Vec<Expr>,
        map: Option<MapId>,
    },
}

/// A builder step of a test packet.
#[derive(Clone, Debug)]
pub enum PacketSet {
    Src(std::net::SocketAddr),
    Dst(std::net::SocketAddr),
    /// Any `[u8; N]`.
    Payload(Box<Expr>),
    /// u32: the kernel's 4-tuple hash the program sees.
    Hash(Box<Expr>),
    /// u32: the CPU the program runs on.
    Cpu(Box<Expr>),
    /// u32: what `random()` returns.
    Random(Box<Expr>),
    /// u64: what `now_ns()` and `now_coarse_ns()` return.
    Now(Box<Expr>),
    /// bool
    BindInany(Box<Expr>),
    /// A migration run: no packet, `len == 0`.
    Migrating,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssertKind {
    True,
    Eq,
    Ne,
    Selected,
}

/// Calls `f` on `b`'s expressions and every expression inside them, in source order.
pub fn walk_block(b: &Block, f: &mut dyn FnMut(&Expr)) {
    for s in &b.stmts {
        match s {
            Stmt::Let { init, .. } => walk_expr(init, f),
            Stmt::LetElse { init, else_block, .. } => {
                walk_expr(init, f);
                walk_block(else_block, f);
            }
            Stmt::Assign { place, value, .. } => {
                walk_place(place, f);
                walk_expr(value, f);
            }
            Stmt::Expr(e) => walk_expr(e, f),
        }
    }
    if let Some(t) = &b.tail {
        walk_expr(t, f);
    }
}

fn walk_place(p: &Place, f: &mut dyn FnMut(&Expr)) {
    match p {
        Place::Local(_) => {}
        Place::Field(b, _) => walk_place(b, f),
        Place::Index(b, i) => {
            walk_place(b, f);
            walk_expr(i, f);
        }
    }
}

/// Calls `f` on `e` and every expression inside it (not into called functions).
pub fn walk_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    children(e, &mut |c| match c {
        Child::Expr(x) => walk_expr(x, f),
        Child::Block(b) => walk_block(b, f),
    });
}

/// A direct sub-node of an expression: an expression, or a block (whose statements the
/// caller walks as it needs).
#[derive(Clone, Copy)]
pub enum Child<'e> {
    Expr(&'e Expr),
    Block(&'e Block),
}

/// Calls `f` on each direct sub-expression and sub-block of `e`, in source order: the one
/// place that knows the shape of every expression kind, for every walker.
pub fn children<'e>(e: &'e Expr, f: &mut dyn FnMut(Child<'e>)) {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Bool(_)
        | ExprKind::Bytes(_)
        | ExprKind::Local(_)
        | ExprKind::Break
        | ExprKind::Continue
        | ExprKind::None
        | ExprKind::Verdict(_)
        | ExprKind::Builtin(_)
        | ExprKind::TestPacket { .. }
        | ExprKind::Return(None) => {}
        ExprKind::ArrayLit(xs) | ExprKind::StructLit(_, xs) | ExprKind::Call { args: xs, .. } => {
            xs.iter().for_each(|x| f(Child::Expr(x)))
        }
        ExprKind::Assert { args, .. } => args.iter().for_each(|x| f(Child::Expr(x))),
        ExprKind::MapPrefix { key, len, value, .. } => {
            f(Child::Expr(key));
            f(Child::Expr(len));
            if let Some(v) = value {
                f(Child::Expr(v));
            }
        }
        ExprKind::Unary(_, x)
        | ExprKind::Cast(x)
        | ExprKind::Some(x)
        | ExprKind::IsSome(x)
        | ExprKind::IsNone(x)
        | ExprKind::Field(x, _)
        | ExprKind::Return(Some(x))
        | ExprKind::PacketField { packet: x, .. }
        | ExprKind::Try { operand: x, .. }
        | ExprKind::MapGet { key: x, .. }
        | ExprKind::MapRemove { key: x, .. }
        | ExprKind::MapContains { key: x, .. }
        | ExprKind::Select { key: x, .. }
        | ExprKind::MapFill { count: x, .. }
        | ExprKind::RunEntry { packet: x, .. } => f(Child::Expr(x)),
        ExprKind::Binary(_, a, b)
        | ExprKind::UnwrapOr(a, b)
        | ExprKind::Index(a, b)
        | ExprKind::MapSet { key: a, value: b, .. }
        | ExprKind::MapInsert { key: a, value: b, .. }
        | ExprKind::MapAdd { key: a, delta: b, .. }
        | ExprKind::RegionRead { packet: a, offset: b, .. } => {
            f(Child::Expr(a));
            f(Child::Expr(b));
        }
        ExprKind::Block(b) => f(Child::Block(b)),
        ExprKind::If { cond, then, els } => {
            f(Child::Expr(cond));
            f(Child::Block(then));
            if let Some(x) = els {
                f(Child::Expr(x));
            }
        }
        ExprKind::IfLet { scrutinee, then, els, .. } => {
            f(Child::Expr(scrutinee));
            f(Child::Block(then));
            if let Some(x) = els {
                f(Child::Expr(x));
            }
        }
        ExprKind::Match { scrutinee, arms } => {
            f(Child::Expr(scrutinee));
            arms.iter().for_each(|a| f(Child::Expr(&a.body)));
        }
        ExprKind::For { start, end, body, .. } => {
            f(Child::Expr(start));
            f(Child::Expr(end));
            f(Child::Block(body));
        }
        ExprKind::PacketSet { packet, set } => {
            f(Child::Expr(packet));
            match set {
                PacketSet::Payload(x)
                | PacketSet::Hash(x)
                | PacketSet::Cpu(x)
                | PacketSet::Random(x)
                | PacketSet::Now(x)
                | PacketSet::BindInany(x) => f(Child::Expr(x)),
                PacketSet::Src(_) | PacketSet::Dst(_) | PacketSet::Migrating => {}
            }
        }
    }
}
