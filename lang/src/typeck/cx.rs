//! What every part of the body checker shares: the checker itself ([`Cx`]), the state of one
//! body ([`Body`]), the language's tables and small helpers.

pub(super) use crate::ast::{self, ExprKind as A};
pub(super) use crate::consteval::{self, range_of, to_i128, zero_extend, EvalError};
pub(super) use crate::diag::Diagnostic;
pub(super) use crate::exhaustive::{describe_gaps, Coverage};
pub(super) use crate::hir::{
    self, Arm, AssertKind, BinOp, Block, ExprKind, FnKind, FuncId, IntTy, LocalDecl, LocalId, MapId, PacketField,
    PacketSet, Pattern, Place, ReadKind, Region, Stmt, TryKind, Ty, UnOp, Verdict,
};
pub(super) use crate::items::{ItemRef, ItemTable, Items, ModId, MAX_ARRAY_LEN};
pub(super) use crate::packet::{self as packet_table, Access, READS, REGIONS};
pub(super) use crate::span::Span;
pub(super) use crate::suggest::did_you_mean;

/// The body checker: reads the item table through [`Items`] and records diagnostics and
/// calls in it.
pub(super) struct Cx<'t> {
    items: &'t mut dyn Items,
}

impl<'t> Cx<'t> {
    pub(super) fn new(items: &'t mut dyn Items) -> Self {
        Cx { items }
    }

    /// Reports a value of type `ty` at `at` where it cannot stand: `message` makes the
    /// diagnostic from the type's name, labelled "this is `T`" at `at`, with `help`.
    pub(super) fn wrong_type(
        &mut self,
        ty: &Ty,
        at: Span,
        message: impl FnOnce(&str) -> Diagnostic,
        help: impl Into<String>,
    ) {
        let tn = self.ty_name(ty);
        let d = message(&tn).with_primary(at, format!("this is `{tn}`")).with_help(help);
        self.error(d);
    }

    /// A block that must give no value (`label` says why, at its tail) but gives one.
    pub(super) fn expect_unit_block(&mut self, bl: &Block, label: &str, help: &str) {
        if !compatible(&bl.ty, &Ty::Unit) {
            let tn = self.ty_name(&bl.ty);
            let at = bl.tail.as_ref().map(|t| t.span).unwrap_or(bl.span);
            self.error(
                crate::errors::mismatched_types(format!("mismatched types: expected `()`, found `{tn}`"))
                    .with_primary(at, label)
                    .with_help(help),
            );
        }
    }

    pub(super) fn resolve_ty(&mut self, m: ModId, t: &ast::Type) -> Ty {
        self.items.resolve_ty(m, t)
    }

    pub(super) fn const_value(&mut self, i: usize, at: Span) -> Option<hir::Expr> {
        self.items.const_value(i, at)
    }
}

// The body checker reads the table as `self.structs`, `self.fns` and so on.
impl std::ops::Deref for Cx<'_> {
    type Target = ItemTable;
    fn deref(&self) -> &ItemTable {
        self.items.table()
    }
}

impl std::ops::DerefMut for Cx<'_> {
    fn deref_mut(&mut self) -> &mut ItemTable {
        self.items.table_mut()
    }
}

/// The longest loop the checker accepts; codegen may unroll, and the verifier counts every
/// instruction it walks.
pub(super) const MAX_TRIPS: u64 = 65_536;

/// The state of one body being checked: a function, or a constant expression.
pub(super) struct Body {
    pub module: ModId,
    /// The function's return type; `None` in a constant expression.
    pub ret: Option<Ty>,
    pub kind: Option<FnKind>,
    pub func: Option<FuncId>,
    pub locals: Vec<LocalDecl>,
    pub(super) scopes: Vec<Vec<(String, LocalId)>>,
    pub(super) loops: u32,
}

impl Body {
    pub(super) fn constant(module: ModId) -> Body {
        Body { module, ret: None, kind: None, func: None, locals: vec![], scopes: vec![vec![]], loops: 0 }
    }

    pub(super) fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|(n, _)| n == name).map(|(_, id)| *id)
    }

    pub(super) fn declare(&mut self, name: &ast::Ident, ty: Ty, mutable: bool) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(LocalDecl { name: name.name.clone(), ty, mutable, span: name.span });
        if let Some(s) = self.scopes.last_mut() {
            s.push((name.name.clone(), id));
        }
        id
    }

    pub(super) fn local_names(&self) -> Vec<String> {
        self.scopes.iter().flatten().map(|(n, _)| n.clone()).collect()
    }

    pub(super) fn in_test(&self) -> bool {
        self.kind == Some(FnKind::Test)
    }
}

pub(super) fn mk(kind: ExprKind, ty: Ty, span: Span) -> hir::Expr {
    hir::Expr { kind, ty, span }
}

/// An expression that already failed: `Never` keeps later checks quiet.
pub(super) fn err(span: Span) -> hir::Expr {
    mk(ExprKind::Int(0), Ty::Never, span)
}

/// Types that can stand where `b` is expected: equal, or either one `Never` (an error or a
/// diverging expression), also inside `Option` and arrays.
pub(super) fn compatible(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Never, _) | (_, Ty::Never) => true,
        (Ty::Option(x), Ty::Option(y)) => compatible(x, y),
        (Ty::Array(x, n), Ty::Array(y, m)) => n == m && compatible(x, y),
        _ => a == b,
    }
}

/// An unsuffixed literal or arithmetic of them: it takes the other operand's type.
pub(super) fn is_untyped(e: &ast::Expr) -> bool {
    match &e.kind {
        A::Int { suffix: None, .. } => true,
        A::Paren(x) | A::Unary(_, x) => is_untyped(x),
        A::Binary { op, lhs, rhs, .. } => {
            !matches!(op, BinOp::Shl | BinOp::Shr | BinOp::And | BinOp::Or)
                && !op.is_comparison()
                && is_untyped(lhs)
                && is_untyped(rhs)
        }
        _ => false,
    }
}

pub(super) fn op_str(op: BinOp) -> &'static str {
    op.symbol()
}

/// A map kind with its article, as a message names it: "a `SockArray`", "an `Array`".
pub(super) fn a_kind(kind: crate::mapkind::MapKind) -> String {
    format!("{} `{}`", article(kind.name()), kind.name())
}

/// "a" or "an" before a name.
pub(super) fn article(word: &str) -> &'static str {
    // `LpmTrie` is read letter by letter: "an el-pee-em trie".
    if word.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) || word.starts_with("Lpm") {
        "an"
    } else {
        "a"
    }
}

pub(super) fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
