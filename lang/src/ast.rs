//! The abstract syntax tree: the parse of one source file, before names mean anything.
//!
//! Every node carries the [`Span`] of its source text so that later stages can point at it.
//! Operators reuse the HIR's [`BinOp`] and [`UnOp`]: the surface and the typed language
//! have the same operators.

pub use crate::ops::{BinOp, IntTy, UnOp};
use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `a::b::c`.
#[derive(Clone, Debug)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    /// The single name of a one-segment path.
    pub fn single(&self) -> Option<&Ident> {
        match self.segments.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    pub fn text(&self) -> String {
        self.segments.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join("::")
    }
}

#[derive(Clone, Debug, Default)]
pub struct File {
    pub items: Vec<Item>,
    /// Every `#[allow(lint, ..)]` of the file, on an item or a statement: the span it covers
    /// and the lint names it gives (with their spans).
    pub allows: Vec<Allow>,
    /// The names of items that did not parse: a use of one is no new mistake.
    pub broken: Vec<Ident>,
}

/// One `#[allow(..)]`: warnings whose primary label lies in `scope` and whose lint is one
/// of `lints` are not reported.
#[derive(Clone, Debug)]
pub struct Allow {
    pub scope: Span,
    pub lints: Vec<Ident>,
}

#[derive(Clone, Debug)]
pub struct Attr {
    pub name: Ident,
    pub args: Vec<AttrArg>,
    pub span: Span,
}

/// `migrate` or `fallback = Drop` inside `#[steer(...)]`.
#[derive(Clone, Debug)]
pub struct AttrArg {
    pub name: Ident,
    pub value: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub attrs: Vec<Attr>,
    pub is_pub: bool,
    pub kind: ItemKind,
    pub span: Span,
    /// The `///` lines just above the item, without their markers.
    pub doc: String,
}

#[derive(Clone, Debug)]
pub enum ItemKind {
    /// `use std::quic;` (group `None`) or `use std::hash::{a, b};`.
    Use {
        path: Vec<Ident>,
        group: Option<Vec<Ident>>,
    },
    Mod {
        name: Ident,
    },
    Const {
        name: Ident,
        ty: Type,
        value: Expr,
    },
    Struct {
        name: Ident,
        fields: Vec<(Ident, Type)>,
    },
    Static {
        name: Ident,
        ty: Type,
    },
    Fn(FnDecl),
}

#[derive(Clone, Debug)]
pub struct FnDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: Option<Type>,
    pub body: Block,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub mutable: bool,
    pub name: Ident,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Type {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TypeKind {
    /// `u32`, `Key`, `Option<u8>`, `SockArray<N>`.
    Path(Path, Vec<GenericArg>),
    /// `[T; N]`.
    Array(Box<Type>, Box<Expr>),
    /// `()`.
    Unit,
}

/// A generic argument: a type, or a constant expression (a capacity, `bytes::<N>`).
#[derive(Clone, Debug)]
pub enum GenericArg {
    Type(Type),
    Const(Expr),
}

impl GenericArg {
    pub fn span(&self) -> Span {
        match self {
            GenericArg::Type(t) => t.span,
            GenericArg::Const(e) => e.span,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Let {
        mutable: bool,
        name: Ident,
        ty: Option<Type>,
        init: Expr,
    },
    LetElse {
        mutable: bool,
        name: Ident,
        init: Expr,
        else_block: Block,
    },
    /// `place = value` (`op` None) or `place op= value`.
    Assign {
        place: Expr,
        op: Option<BinOp>,
        value: Expr,
    },
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// An integer literal; `suffix` is the written type (`7u8`), if any.
    Int {
        value: u64,
        suffix: Option<IntTy>,
    },
    Bool(bool),
    /// `b'a'`.
    Byte(u8),
    /// `b"..."`.
    ByteStr(Vec<u8>),
    /// `"..."`: only meaningful in test forms.
    Str(String),
    Path(Path),
    /// `(e)`; kept so that `(a < b) < c` is not reported as a comparison chain.
    Paren(Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary {
        op: BinOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Cast(Box<Expr>, Ident),
    Field(Box<Expr>, Ident),
    MethodCall {
        recv: Box<Expr>,
        method: Ident,
        generics: Vec<GenericArg>,
        args: Vec<Expr>,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    Index(Box<Expr>, Box<Expr>),
    Try(Box<Expr>),
    /// `assert!(..)` and the other test macros.
    Macro {
        name: Ident,
        args: Vec<Expr>,
    },
    StructLit {
        path: Path,
        fields: Vec<(Ident, Expr)>,
    },
    ArrayList(Vec<Expr>),
    ArrayRepeat(Box<Expr>, Box<Expr>),
    Block(Block),
    If {
        cond: Box<Expr>,
        then: Block,
        els: Option<Box<Expr>>,
    },
    IfLet {
        mutable: bool,
        name: Ident,
        scrutinee: Box<Expr>,
        then: Block,
        els: Option<Box<Expr>>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    For {
        var: Ident,
        start: Box<Expr>,
        end: Box<Expr>,
        body: Block,
    },
    Return(Option<Box<Expr>>),
    Break,
    Continue,
    /// Something the parser already reported (a malformed literal).
    Error,
}

impl ExprKind {
    /// Block-like expressions end a statement without `;`.
    pub fn is_blocklike(&self) -> bool {
        matches!(
            self,
            ExprKind::Block(_)
                | ExprKind::If { .. }
                | ExprKind::IfLet { .. }
                | ExprKind::Match { .. }
                | ExprKind::For { .. }
        )
    }
}

#[derive(Clone, Debug)]
pub struct MatchArm {
    pub pats: Vec<Pat>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Pat {
    pub kind: PatKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PatKind {
    Wild,
    Atom(PatAtom),
    /// `lo..=hi`.
    Range(PatAtom, PatAtom),
    /// `Some(x)`, `Some(mut x)` or `Some(_)` (`name` is `None` for `_`), on an `Option`.
    Some {
        mutable: bool,
        name: Option<Ident>,
    },
}

#[derive(Clone, Debug)]
pub struct PatAtom {
    pub negative: bool,
    pub kind: PatAtomKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PatAtomKind {
    Int {
        value: u64,
        suffix: Option<IntTy>,
    },
    Byte(u8),
    /// A constant's name.
    Path(Path),
    Error,
}

/// A node [`paths`] still has to visit.
enum Node<'a> {
    Expr(&'a Expr),
    Block(&'a Block),
    Type(&'a Type),
}

/// Every path written in `file` (expressions, types, struct literals, patterns), in no
/// particular order. Iterative, so that a deep expression cannot exhaust the stack.
pub fn paths(file: &File) -> Vec<&Path> {
    let mut out = Vec::new();
    let mut work: Vec<Node> = Vec::new();
    for item in &file.items {
        match &item.kind {
            ItemKind::Use { .. } | ItemKind::Mod { .. } => {}
            ItemKind::Const { ty, value, .. } => {
                work.push(Node::Type(ty));
                work.push(Node::Expr(value));
            }
            ItemKind::Struct { fields, .. } => work.extend(fields.iter().map(|(_, t)| Node::Type(t))),
            ItemKind::Static { ty, .. } => work.push(Node::Type(ty)),
            ItemKind::Fn(f) => {
                work.extend(f.params.iter().map(|p| Node::Type(&p.ty)));
                work.extend(f.ret.iter().map(Node::Type));
                work.push(Node::Block(&f.body));
            }
        }
    }
    while let Some(node) = work.pop() {
        match node {
            Node::Type(t) => match &t.kind {
                TypeKind::Path(p, generics) => {
                    out.push(p);
                    for g in generics {
                        match g {
                            GenericArg::Type(t) => work.push(Node::Type(t)),
                            GenericArg::Const(e) => work.push(Node::Expr(e)),
                        }
                    }
                }
                TypeKind::Array(t, n) => {
                    work.push(Node::Type(t));
                    work.push(Node::Expr(n));
                }
                TypeKind::Unit => {}
            },
            Node::Block(b) => {
                for s in &b.stmts {
                    match &s.kind {
                        StmtKind::Let { ty, init, .. } => {
                            work.extend(ty.iter().map(Node::Type));
                            work.push(Node::Expr(init));
                        }
                        StmtKind::LetElse { init, else_block, .. } => {
                            work.push(Node::Expr(init));
                            work.push(Node::Block(else_block));
                        }
                        StmtKind::Assign { place, value, .. } => {
                            work.push(Node::Expr(place));
                            work.push(Node::Expr(value));
                        }
                        StmtKind::Expr(e) => work.push(Node::Expr(e)),
                    }
                }
                work.extend(b.tail.iter().map(|t| Node::Expr(t)));
            }
            Node::Expr(e) => match &e.kind {
                ExprKind::Int { .. }
                | ExprKind::Bool(_)
                | ExprKind::Byte(_)
                | ExprKind::ByteStr(_)
                | ExprKind::Str(_)
                | ExprKind::Break
                | ExprKind::Continue
                | ExprKind::Return(None)
                | ExprKind::Error => {}
                ExprKind::Path(p) => out.push(p),
                ExprKind::Paren(x)
                | ExprKind::Unary(_, x)
                | ExprKind::Cast(x, _)
                | ExprKind::Field(x, _)
                | ExprKind::Try(x)
                | ExprKind::Return(Some(x)) => work.push(Node::Expr(x)),
                ExprKind::Binary { lhs, rhs, .. } | ExprKind::Index(lhs, rhs) | ExprKind::ArrayRepeat(lhs, rhs) => {
                    work.push(Node::Expr(lhs));
                    work.push(Node::Expr(rhs));
                }
                ExprKind::MethodCall { recv, generics, args, .. } => {
                    work.push(Node::Expr(recv));
                    for g in generics {
                        match g {
                            GenericArg::Type(t) => work.push(Node::Type(t)),
                            GenericArg::Const(e) => work.push(Node::Expr(e)),
                        }
                    }
                    work.extend(args.iter().map(Node::Expr));
                }
                ExprKind::Call { callee, args } => {
                    work.push(Node::Expr(callee));
                    work.extend(args.iter().map(Node::Expr));
                }
                ExprKind::Macro { args, .. } | ExprKind::ArrayList(args) => work.extend(args.iter().map(Node::Expr)),
                ExprKind::StructLit { path, fields } => {
                    out.push(path);
                    work.extend(fields.iter().map(|(_, e)| Node::Expr(e)));
                }
                ExprKind::Block(b) => work.push(Node::Block(b)),
                ExprKind::If { cond: x, then, els } | ExprKind::IfLet { scrutinee: x, then, els, .. } => {
                    work.push(Node::Expr(x));
                    work.push(Node::Block(then));
                    work.extend(els.iter().map(|e| Node::Expr(e)));
                }
                ExprKind::Match { scrutinee, arms } => {
                    work.push(Node::Expr(scrutinee));
                    for arm in arms {
                        work.push(Node::Expr(&arm.body));
                        for pat in &arm.pats {
                            let atoms: Vec<&PatAtom> = match &pat.kind {
                                PatKind::Atom(a) => vec![a],
                                PatKind::Range(a, b) => vec![a, b],
                                PatKind::Wild | PatKind::Some { .. } => vec![],
                            };
                            out.extend(atoms.into_iter().filter_map(|a| match &a.kind {
                                PatAtomKind::Path(p) => Some(p),
                                _ => None,
                            }));
                        }
                    }
                }
                ExprKind::For { start, end, body, .. } => {
                    work.push(Node::Expr(start));
                    work.push(Node::Expr(end));
                    work.push(Node::Block(body));
                }
            },
        }
    }
    out
}
