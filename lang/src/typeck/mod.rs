//! Type checking of function bodies and constant expressions: AST expressions in, typed
//! HIR expressions out.
//!
//! `expr` takes the type the position expects, if any, which is how unsuffixed literals get
//! their type (an unsuffixed literal takes the type its position expects); it returns the expression with its own type, and `expect`
//! compares the two. After an error an expression gets the type `Never`, which is
//! compatible with every type, so one mistake is reported once.

//! The checker is split by subject: `cx` holds what all parts share, `body` checks whole
//! functions and constant expressions, `stmt` statements and places, `expr` expressions
//! and operators, `call` calls and `select`, `method` methods, `pattern` `match`, and
//! `loops` `for`. It reads items only through [`Items`], so it never imports the item pass.

mod body;
mod call;
mod cx;
mod expr;
mod loops;
mod method;
mod pattern;
mod stmt;
mod testing;

use crate::ast;
use crate::hir::{self, FuncId, Ty};
use crate::items::{Items, ModId};
use cx::{Body, Cx};

/// Checks the body of function `id`.
pub fn check_fn(items: &mut dyn Items, id: FuncId) -> hir::Function {
    Cx::new(items).check_fn(id)
}

/// Checks the constant expression `e` of module `m` against `ty` and folds it to a literal
/// (`consteval::fold`); `None` after an error (already reported).
pub fn const_expr(items: &mut dyn Items, m: ModId, e: &ast::Expr, ty: &Ty) -> Option<hir::Expr> {
    let mut cx = Cx::new(items);
    let mut body = Body::constant(m);
    let x = cx.expect(&mut body, e, ty);
    cx.fold_literal(&x)
}

/// A constant expression of any integer type that must fit in `u32` (lengths, capacities).
pub fn const_u32(items: &mut dyn Items, m: ModId, e: &ast::Expr, what: &str) -> Option<u32> {
    Cx::new(items).const_u32(m, e, what)
}
