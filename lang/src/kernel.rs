//! The kernel version each language feature needs, checked against `--target-kernel`.
//!
//! A pass over the typed HIR of the entries and everything they call: every feature whose
//! kernel support came later than the target gets a diagnostic at its use (`E0705`), so a
//! policy meant for an older fleet fails at compile time instead of in the verifier.

use crate::diag::Diagnostic;
use crate::errors;
use crate::hir::{Block, Expr, ExprKind, FnKind, FuncId, Place, Program, Stmt};
use crate::span::Span;
use std::collections::HashSet;

pub use crate::version::*;

struct Walk<'a> {
    prog: &'a Program,
    target: KernelVersion,
    diags: Vec<Diagnostic>,
    seen: HashSet<FuncId>,
}

/// Diagnostics for every feature of `prog`'s entries that `target` lacks.
pub fn check_target(prog: &Program, target: KernelVersion) -> Vec<Diagnostic> {
    let mut w = Walk { prog, target, diags: vec![], seen: HashSet::new() };
    w.need(SK_REUSEPORT, prog.functions.first().map(|f| f.name_span).unwrap_or_default(), "SK_REUSEPORT programs");
    for &e in &prog.entries {
        let f = &prog.functions[e.0 as usize];
        if let FnKind::Entry(a) = f.kind {
            if a.migrate {
                w.need(MIGRATE, f.name_span, "`#[steer(migrate)]`");
            }
        }
        w.func(e);
    }
    w.diags
}

impl Walk<'_> {
    fn need(&mut self, version: KernelVersion, span: Span, what: &str) {
        if version > self.target {
            self.diags.push(
                errors::needs_newer_kernel(format!("{what} needs Linux {version}; the target is {}", self.target))
                    .with_primary(span, format!("needs Linux {version}"))
                    .with_help(format!("raise `--target-kernel` to {version}, or do without it")),
            );
        }
    }

    fn func(&mut self, f: FuncId) {
        if !self.seen.insert(f) {
            return;
        }
        let body = self.prog.functions[f.0 as usize].body.clone();
        self.block(&body);
    }

    fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            match s {
                Stmt::Let { init, .. } => self.expr(init),
                Stmt::LetElse { init, else_block, .. } => {
                    self.expr(init);
                    self.block(else_block);
                }
                Stmt::Assign { place, value, op, span } => {
                    self.place(place);
                    self.expr(value);
                    if let (Some(op), Some(t)) = (op, value.ty.int()) {
                        if t.signed() && matches!(op, crate::hir::BinOp::Div | crate::hir::BinOp::Rem) {
                            self.need(SIGNED_DIV, *span, "signed `/` and `%`");
                        }
                    }
                }
                Stmt::Expr(e) => self.expr(e),
            }
        }
        if let Some(t) = &b.tail {
            self.expr(t);
        }
    }

    fn place(&mut self, p: &Place) {
        match p {
            Place::Local(_) => {}
            Place::Field(b, _) => self.place(b),
            Place::Index(b, i) => {
                self.place(b);
                self.expr(i);
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Binary(op, a, b) => {
                if matches!(op, crate::hir::BinOp::Div | crate::hir::BinOp::Rem)
                    && a.ty.int().is_some_and(|t| t.signed())
                {
                    self.need(SIGNED_DIV, e.span, "signed `/` and `%`");
                }
                self.expr(a);
                self.expr(b);
            }
            ExprKind::For { start, end, body, .. } => {
                self.need(BOUNDED_LOOPS, e.span, "a `for` loop");
                self.expr(start);
                self.expr(end);
                self.block(body);
            }
            ExprKind::PacketField { packet, field } => {
                let row = crate::packet::info(*field);
                if row.since > SK_REUSEPORT {
                    self.need(row.since, e.span, &row.written());
                }
                self.expr(packet);
            }
            ExprKind::Builtin(b) => {
                let row = crate::builtins::info(*b);
                if row.since > SK_REUSEPORT {
                    self.need(row.since, e.span, &format!("`{}()`", row.name));
                }
            }
            ExprKind::Select { map, key, .. } => {
                let since = self.prog.maps[map.0 as usize].kind.info().since;
                if since > SK_REUSEPORT {
                    self.need(since, e.span, "selecting from a `SockMap` or `SockHash`");
                }
                self.expr(key);
            }
            ExprKind::Call { func, args } => {
                for a in args {
                    self.expr(a);
                }
                self.func(*func);
            }
            _ => self.children(e),
        }
    }

    /// Walks the sub-expressions of the kinds that need nothing themselves.
    fn children(&mut self, e: &Expr) {
        crate::hir::children(e, &mut |c| match c {
            crate::hir::Child::Expr(x) => self.expr(x),
            crate::hir::Child::Block(b) => self.block(b),
        });
    }
}
