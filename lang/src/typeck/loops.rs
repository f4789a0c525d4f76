//! `for` loops over constant ranges.

use super::cx::*;
use crate::errors;

impl Cx<'_> {
    pub(super) fn for_expr(
        &mut self,
        b: &mut Body,
        var: &ast::Ident,
        start: &ast::Expr,
        end: &ast::Expr,
        body: &ast::Block,
        span: Span,
    ) -> hir::Expr {
        let (s, e) = if is_untyped(start) && !is_untyped(end) {
            let e = self.expr(b, end, None);
            let hint = e.ty.int().map(Ty::Int);
            (self.expr(b, start, hint.as_ref()), e)
        } else {
            let s = self.expr(b, start, None);
            let hint = s.ty.int().map(Ty::Int);
            let e = self.expr(b, end, hint.as_ref());
            (s, e)
        };
        let mut ok = self.require_int(&s, "..") & self.require_int(&e, "..");
        if ok && !compatible(&s.ty, &e.ty) {
            let (st, et) = (self.ty_name(&s.ty), self.ty_name(&e.ty));
            self.error(
                errors::mismatched_types(format!("mismatched types: expected `{st}`, found `{et}`"))
                    .with_primary(e.span, format!("expected `{st}`"))
                    .with_secondary(s.span, format!("the range starts with `{st}`")),
            );
            ok = false;
        }
        let var_ty = if s.ty == Ty::Never { e.ty.clone() } else { s.ty.clone() };
        let mut max_trips = 0u64;
        if ok {
            if let Ty::Int(t) = var_ty {
                let end_v = consteval::eval(&e).ok().map(|v| to_i128(v, t));
                let start_v = consteval::eval(&s).ok().map(|v| to_i128(v, t)).unwrap_or(range_of(t).0);
                match end_v {
                    None => {
                        self.error(
                            errors::unbounded_loop("the loop's end must be a constant")
                                .with_primary(e.span, "only known at run time")
                                .with_help("loop to a constant bound and stop early: `for i in 0..MAX { if i >= n { break; } ... }`"),
                        );
                    }
                    Some(end_v) => {
                        let trips = (end_v - start_v).max(0);
                        if trips > MAX_TRIPS as i128 {
                            self.error(
                                errors::unbounded_loop(format!("this loop may run {trips} times"))
                                    .with_primary(
                                        s.span.to(e.span),
                                        format!("at most {MAX_TRIPS} iterations are allowed"),
                                    )
                                    .with_help("the verifier walks every iteration; make the range smaller"),
                            );
                        }
                        max_trips = trips.min(u64::MAX as i128) as u64;
                    }
                }
            }
        }
        b.scopes.push(vec![]);
        let v = b.declare(var, var_ty, false);
        b.loops += 1;
        let bl = self.block(b, body, Some(&Ty::Unit));
        b.loops -= 1;
        b.scopes.pop();
        self.expect_unit_block(&bl, "a loop body gives no value", "end the expression with `;`");
        mk(ExprKind::For { var: v, start: Box::new(s), end: Box::new(e), max_trips, body: bl }, Ty::Unit, span)
    }
}
