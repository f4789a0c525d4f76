//! Warnings about code that does nothing: unused variables, parameters, imports, constants,
//! maps and helper functions, and unreachable code; and `#[allow(lint)]`, which silences a
//! warning inside the item or statement it is written on.
//!
//! The checks run over a program that checked without errors (after an error, a name's uses
//! may be lost and the warnings would be wrong), on the policy's own files, never on the
//! standard library. Each warning's lint name is in `codes::LINTS`.

use crate::ast;
use crate::codes;
use crate::diag::Diagnostic;
use crate::errors;
use crate::hir::{self, ExprKind, Stmt, Ty};
use crate::items::{ItemTable, ModId};
use crate::span::Span;

pub use crate::items::Used;

/// The warnings for unused names and unreachable code.
pub fn unused(t: &ItemTable, used: &Used, functions: &[hir::Function]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (m, module) in t.modules.iter().enumerate() {
        if module.is_std {
            continue;
        }
        for item in &module.ast.items {
            unused_item(t, m, item, used, &mut out);
        }
    }
    for (info, f) in t.fns.iter().zip(functions) {
        if !t.modules[info.module].is_std {
            unused_locals(f, &mut out);
            unreachable(&f.body, &mut out);
        }
    }
    out
}

fn unused_item(t: &ItemTable, m: ModId, item: &ast::Item, used: &Used, out: &mut Vec<Diagnostic>) {
    let is_used = |name: &ast::Ident| used.contains(&(m, name.name.clone()));
    // `pub` items are there for other files (a `mod` file, a file of the standard library).
    let exported = item.is_pub;
    match &item.kind {
        ast::ItemKind::Use { path, group } => {
            let names: Vec<&ast::Ident> = match group {
                Some(g) => g.iter().collect(),
                None => path.last().into_iter().collect(),
            };
            for n in names.into_iter().filter(|n| !is_used(n)) {
                out.push(
                    errors::unused_import(format!("unused import `{}`", n.name))
                        .with_primary(n.span, "never used")
                        .with_help("remove it from the `use` item"),
                );
            }
        }
        ast::ItemKind::Const { name, .. } if !exported && !is_used(name) => out.push(
            errors::unused_const(format!("constant `{}` is never used", name.name))
                .with_primary(name.span, "never used")
                .with_help("remove it, or add `#[allow(dead_code)]` above it"),
        ),
        // A socket map is filled by the loader and names the group, used or not.
        ast::ItemKind::Static { name, .. } if !exported && !is_used(name) && !is_socket_map(t, m, name) => out.push(
            errors::unused_map(format!("map `{}` is never used", name.name))
                .with_primary(name.span, "no entry, helper or test uses it")
                .with_help("remove it, or add `#[allow(dead_code)]` above it"),
        ),
        ast::ItemKind::Fn(decl)
            if !exported && !is_used(&decl.name) && item.attrs.iter().all(|a| a.name.name == "allow") =>
        {
            out.push(
                errors::unused_function(format!("function `{}` is never called", decl.name.name))
                    .with_primary(decl.name.span, "never called")
                    .with_help("remove it, or add `#[allow(dead_code)]` above it"),
            )
        }
        _ => {}
    }
}

fn is_socket_map(t: &ItemTable, m: ModId, name: &ast::Ident) -> bool {
    match t.modules[m].items.get(&name.name) {
        Some((crate::items::ItemRef::Map(id), _)) => t.maps[id.0 as usize].kind.is_socket_map(),
        _ => false,
    }
}

fn unused_locals(f: &hir::Function, out: &mut Vec<Diagnostic>) {
    let mut read = vec![false; f.locals.len()];
    hir::walk_block(&f.body, &mut |e| {
        if let ExprKind::Local(id) = e.kind {
            if let Some(r) = read.get_mut(id.0 as usize) {
                *r = true;
            }
        }
    });
    for (i, local) in f.locals.iter().enumerate() {
        if read[i] || local.name.starts_with('_') {
            continue;
        }
        let what = if i < f.params.len() { "parameter" } else { "variable" };
        out.push(
            errors::unused_variable(format!("unused {what} `{}`", local.name))
                .with_primary(local.span, "never read")
                .with_help(format!("if this is intentional, prefix it with an underscore: `_{}`", local.name)),
        );
    }
}

/// Code after a statement that never finishes, in every block of a body.
fn unreachable(body: &hir::Block, out: &mut Vec<Diagnostic>) {
    check_block(body, out);
    // Every block is held by one expression (or is a `let .. else` block, which
    // `check_block` takes with its statement), so each is checked once.
    hir::walk_block(body, &mut |e| match &e.kind {
        ExprKind::Block(b) => check_block(b, out),
        ExprKind::If { then, .. } | ExprKind::IfLet { then, .. } => check_block(then, out),
        ExprKind::For { body, .. } => check_block(body, out),
        _ => {}
    });
}

/// The first statement or tail of `b` after one that never finishes, if any.
fn check_block(b: &hir::Block, out: &mut Vec<Diagnostic>) {
    let mut diverged: Option<Span> = None;
    for s in &b.stmts {
        let (span, never) = match s {
            Stmt::Let { init, span, .. } => (*span, init.ty == Ty::Never),
            Stmt::LetElse { init, span, else_block, .. } => {
                check_block(else_block, out);
                (*span, init.ty == Ty::Never)
            }
            Stmt::Assign { value, span, .. } => (*span, value.ty == Ty::Never),
            Stmt::Expr(e) => (e.span, e.ty == Ty::Never),
        };
        if let Some(at) = diverged {
            out.push(unreachable_at(span, at));
            return;
        }
        if never {
            diverged = Some(span);
        }
    }
    if let (Some(t), Some(at)) = (&b.tail, diverged) {
        out.push(unreachable_at(t.span, at));
    }
}

fn unreachable_at(span: Span, after: Span) -> Diagnostic {
    errors::unreachable_code("unreachable code")
        .with_primary(span, "this can never run")
        .with_secondary(after, "any code after this is unreachable")
        .with_help("remove it, or move it before the statement that never finishes")
}

/// Drops the warnings that an `#[allow(..)]` around them names, and reports lint names
/// that no warning has.
pub fn apply_allows(files: &[&ast::File], diags: &mut Vec<Diagnostic>) {
    let mut unknown = Vec::new();
    let allows: Vec<&ast::Allow> = files.iter().flat_map(|f| f.allows.iter()).collect();
    for a in &allows {
        for l in &a.lints {
            let known = l.name == "warnings" || codes::LINTS.iter().any(|(_, n)| *n == l.name);
            if !known {
                let names: Vec<&str> = codes::LINTS.iter().map(|(_, n)| *n).collect();
                let mut d =
                    errors::bad_attribute(format!("unknown lint `{}`", l.name)).with_primary(l.span, "no such lint");
                if let Some(s) = crate::suggest::did_you_mean(&l.name, names.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                unknown.push(d.with_note(format!("the lints are `warnings`, {}", lint_list())));
            }
        }
    }
    diags.retain(|d| {
        let (Some(lint), Some(at)) = (codes::lint_name(d.code), d.primary_span()) else {
            return true;
        };
        if d.is_error() {
            return true;
        }
        !allows.iter().any(|a| {
            a.scope.file == at.file
                && a.scope.start <= at.start
                && at.end <= a.scope.end
                && a.lints.iter().any(|l| l.name == lint || l.name == "warnings")
        })
    });
    diags.extend(unknown);
}

fn lint_list() -> String {
    let mut names: Vec<&str> = codes::LINTS.iter().map(|(_, n)| *n).collect();
    names.dedup();
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
