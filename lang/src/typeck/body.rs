//! Whole bodies: a function, and the typed constant expressions the item pass folds
//! (constant values, array lengths, map capacities).

use super::cx::*;
use crate::errors;

impl Cx<'_> {
    // ----------------------------------------------------------------------------------
    // Functions.

    /// Checks function `id`.
    pub(super) fn check_fn(&mut self, id: FuncId) -> hir::Function {
        let info = &self.fns[id.0 as usize];
        let (decl, kind, ret, module, span) = (info.decl.clone(), info.kind, info.ret.clone(), info.module, info.span);
        let params = info.params.clone();
        let mut b = Body {
            module,
            ret: Some(ret.clone()),
            kind: Some(kind),
            func: Some(id),
            locals: vec![],
            scopes: vec![vec![]],
            loops: 0,
        };
        let param_ids: Vec<LocalId> = params.iter().map(|(m, n, t)| b.declare(n, t.clone(), *m)).collect();
        let body = self.block(&mut b, &decl.body, Some(&ret));
        if !compatible(&body.ty, &ret) {
            let (want, found) = (self.ty_name(&ret), self.ty_name(&body.ty));
            let d = match &body.tail {
                Some(t) => errors::mismatched_types(format!("mismatched types: expected `{want}`, found `{found}`"))
                    .with_primary(t.span, format!("this is `{found}`"))
                    .with_secondary(
                        decl.ret.as_ref().map(|r| r.span).unwrap_or(decl.name.span),
                        format!("`{}` returns `{want}`", decl.name.name),
                    ),
                None => {
                    let end = Span { start: body.span.end.saturating_sub(1), ..body.span };
                    errors::mismatched_types(format!("mismatched types: expected `{want}`, found `()`"))
                        .with_primary(end, format!("the body of `{}` ends without a value", decl.name.name))
                        .with_secondary(
                            decl.ret.as_ref().map(|r| r.span).unwrap_or(decl.name.span),
                            format!("`{}` returns `{want}`", decl.name.name),
                        )
                        .with_help("end the body with an expression (no `;`) or `return` a value")
                }
            };
            self.error(d);
        }
        hir::Function {
            name: decl.name.name.clone(),
            kind,
            params: param_ids,
            ret,
            locals: b.locals,
            body,
            span,
            name_span: decl.name.span,
        }
    }

    /// Folds a checked scalar expression to raw bits, reporting why it is not constant.
    pub(super) fn fold(&mut self, e: &hir::Expr) -> Option<u64> {
        self.fold_with(e, consteval::eval)
    }

    /// Folds a checked expression of any constant type to a literal.
    pub(super) fn fold_literal(&mut self, e: &hir::Expr) -> Option<hir::Expr> {
        self.fold_with(e, consteval::fold)
    }

    fn fold_with<T>(&mut self, e: &hir::Expr, f: impl Fn(&hir::Expr) -> Result<T, EvalError>) -> Option<T> {
        if e.ty == Ty::Never {
            return None;
        }
        match f(e) {
            Ok(v) => Some(v),
            Err(EvalError::NotConst(span)) => {
                self.error(
                    errors::not_constant("this is not a constant expression")
                        .with_primary(span, "only known at run time")
                        .with_help("constants are built from literals, other constants and operators"),
                );
                None
            }
            // The type checker already reported the constant zero divisor or index.
            Err(EvalError::DivByZero(_) | EvalError::OutOfBounds(_) | EvalError::Erroneous) => None,
        }
    }

    /// A constant expression of any integer type that must fit in `u32` (lengths, capacities).
    pub(super) fn const_u32(&mut self, m: ModId, e: &ast::Expr, what: &str) -> Option<u32> {
        let mut body = Body::constant(m);
        let x = self.expr(&mut body, e, Some(&Ty::U32));
        let t = match &x.ty {
            Ty::Int(t) => *t,
            Ty::Never => return None,
            other => {
                let tn = self.ty_name(other);
                self.error(
                    errors::mismatched_types(format!("mismatched types: expected an integer, found `{tn}`"))
                        .with_primary(e.span, format!("{what} is an integer")),
                );
                return None;
            }
        };
        let v = self.fold(&x)?;
        let v = consteval::to_i128(v, t);
        if v < 0 || v > u32::MAX as i128 {
            self.error(
                errors::bad_capacity(format!("{what} must be between 0 and {}", u32::MAX))
                    .with_primary(e.span, format!("this is {v}")),
            );
            return None;
        }
        Some(v as u32)
    }
}
