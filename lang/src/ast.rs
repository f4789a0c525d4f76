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
