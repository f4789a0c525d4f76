//! `match`: integer and `Option` scrutinees, patterns and their coverage.

use super::cx::*;
use crate::errors;

impl Cx<'_> {
    // ----------------------------------------------------------------------------------
    // match and for.

    pub(super) fn match_expr(
        &mut self,
        b: &mut Body,
        scrutinee: &ast::Expr,
        arms: &[ast::MatchArm],
        exp: Option<&Ty>,
        span: Span,
    ) -> hir::Expr {
        let s = self.expr(b, scrutinee, None);
        if let Ty::Option(inner) = &s.ty {
            let inner = (**inner).clone();
            return self.option_match(b, s, inner, scrutinee.span, arms, exp, span);
        }
        let int_ty = match &s.ty {
            Ty::Int(t) => Some(*t),
            Ty::Never => None,
            other => {
                self.wrong_type(
                    other,
                    scrutinee.span,
                    |tn| errors::bad_pattern(format!("`match` works on integers, not `{tn}`")),
                    "use `if`/`else` for other types",
                );
                None
            }
        };
        let mut cov = Coverage::default();
        let mut out: Vec<Arm> = Vec::new();
        let mut result: Option<Ty> = None;
        for arm in arms {
            let mut pats = Vec::new();
            for p in &arm.pats {
                let (pat, interval) = self.pattern(b, p, int_ty);
                if let (Some(_), Some((lo, hi))) = (int_ty, interval) {
                    if cov.covers(lo, hi) {
                        self.error(
                            errors::unreachable_pattern("unreachable pattern")
                                .with_primary(p.span, "already covered by the arms above")
                                .with_help("remove it, or move it before the arm that covers it"),
                        );
                    }
                    cov.add(lo, hi);
                }
                pats.push(pat);
            }
            let want = result.clone().or_else(|| exp.cloned());
            let mut body = self.expr(b, &arm.body, want.as_ref());
            result = Some(match &result {
                None => body.ty.clone(),
                Some(first) => {
                    let first = first.clone();
                    self.unify(&first, &mut body)
                }
            });
            out.push(Arm { patterns: pats, body, span: arm.span });
        }
        if let Some(t) = int_ty {
            let gaps = cov.missing(t);
            if !gaps.is_empty() {
                let desc = describe_gaps(&gaps);
                self.error(
                    errors::non_exhaustive(format!("non-exhaustive match: {desc} not covered"))
                        .with_primary(scrutinee.span, format!("this `{}` can be {desc}", t.name()))
                        .with_help("add arms for the missing values, or a wildcard arm `_ => ...`"),
                );
            }
        }
        let ty = result.unwrap_or(Ty::Never);
        mk(ExprKind::Match { scrutinee: Box::new(s), arms: out }, ty, span)
    }

    /// `match` on an `Option`: arms `Some(x)` (or `Some(_)`), `None` and `_`, one pattern
    /// each. It means `if let Some(x) = o { .. } else { .. }`, and becomes exactly that.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn option_match(
        &mut self,
        b: &mut Body,
        s: hir::Expr,
        inner: Ty,
        scrutinee_span: Span,
        arms: &[ast::MatchArm],
        exp: Option<&Ty>,
        span: Span,
    ) -> hir::Expr {
        let mut some_arm: Option<(&ast::MatchArm, bool, Option<ast::Ident>)> = None;
        let mut none_arm: Option<&ast::MatchArm> = None;
        for arm in arms {
            if arm.pats.len() != 1 {
                self.error(
                    errors::bad_pattern("an `Option` arm has one pattern: `Some(x)`, `None` or `_`")
                        .with_primary(arm.span, "several patterns"),
                );
                continue;
            }
            let p = &arm.pats[0];
            let is_none = matches!(&p.kind, ast::PatKind::Atom(a)
                if matches!(&a.kind, ast::PatAtomKind::Path(path) if path.text() == "None"));
            let (covers_some, covers_none) = match &p.kind {
                ast::PatKind::Some { .. } => (true, false),
                ast::PatKind::Wild => (true, true),
                _ if is_none => (false, true),
                _ => {
                    self.error(
                        errors::bad_pattern("an `Option` is matched with `Some(x)`, `None` or `_`")
                            .with_primary(p.span, "not an `Option` pattern"),
                    );
                    continue;
                }
            };
            let useful = (covers_some && some_arm.is_none()) || (covers_none && none_arm.is_none());
            if !useful {
                self.error(
                    errors::unreachable_pattern("unreachable pattern")
                        .with_primary(p.span, "already covered by the arms above")
                        .with_help("remove it, or move it before the arm that covers it"),
                );
            }
            if covers_some && some_arm.is_none() {
                let (mutable, name) = match &p.kind {
                    ast::PatKind::Some { mutable, name } => (*mutable, name.clone()),
                    _ => (false, None),
                };
                some_arm = Some((arm, mutable, name));
            }
            if covers_none && none_arm.is_none() {
                none_arm = Some(arm);
            }
        }
        let missing = if some_arm.is_none() { "`Some(_)`" } else { "`None`" };
        let (Some((some, mutable, name)), Some(none)) = (some_arm, none_arm) else {
            self.error(
                errors::non_exhaustive(format!("non-exhaustive match: {missing} not covered"))
                    .with_primary(scrutinee_span, format!("this `Option` can be {missing}"))
                    .with_help("add an arm for it, or a wildcard arm `_ => ...`"),
            );
            return err(span);
        };
        b.scopes.push(vec![]);
        let binding = name.unwrap_or(ast::Ident { name: "_".to_string(), span: some.span });
        let local = b.declare(&binding, inner, mutable);
        let then_body = self.expr(b, &some.body, exp);
        b.scopes.pop();
        let want = if then_body.ty == Ty::Never { exp.cloned() } else { Some(then_body.ty.clone()) };
        let mut else_body = self.expr(b, &none.body, want.as_ref());
        let ty = if then_body.ty == Ty::Never {
            else_body.ty.clone()
        } else {
            let first = then_body.ty.clone();
            self.unify(&first, &mut else_body)
        };
        let as_block = |e: hir::Expr| Block { stmts: vec![], ty: e.ty.clone(), span: e.span, tail: Some(Box::new(e)) };
        let else_span = else_body.span;
        let else_ty = else_body.ty.clone();
        let els = mk(ExprKind::Block(as_block(else_body)), else_ty, else_span);
        mk(
            ExprKind::IfLet { local, scrutinee: Box::new(s), then: as_block(then_body), els: Some(Box::new(els)) },
            ty,
            span,
        )
    }

    /// A pattern and the interval of values it matches (mathematical, signed-aware).
    pub(super) fn pattern(&mut self, b: &mut Body, p: &ast::Pat, t: Option<IntTy>) -> (Pattern, Option<(i128, i128)>) {
        match &p.kind {
            ast::PatKind::Wild => (Pattern::Wild, t.map(range_of)),
            ast::PatKind::Some { .. } => {
                if t.is_some() {
                    self.error(
                        errors::bad_pattern("`Some(..)` matches an `Option`, and this `match` is on an integer")
                            .with_primary(p.span, "not an integer pattern"),
                    );
                }
                (Pattern::Wild, None)
            }
            ast::PatKind::Atom(a) => match (self.pat_atom(b, a, t), t) {
                (Some(v), Some(t)) => (Pattern::Int(zero_extend(v as u64, t)), Some((v, v))),
                _ => (Pattern::Wild, None),
            },
            ast::PatKind::Range(lo, hi) => {
                let (l, h) = (self.pat_atom(b, lo, t), self.pat_atom(b, hi, t));
                match (l, h, t) {
                    (Some(l), Some(h), Some(t)) => {
                        if l > h {
                            self.error(
                                errors::bad_pattern(format!("empty range `{l}..={h}`"))
                                    .with_primary(p.span, "the lower bound is above the upper bound")
                                    .with_help(format!("write `{h}..={l}`")),
                            );
                            return (Pattern::Wild, None);
                        }
                        (Pattern::Range(zero_extend(l as u64, t), zero_extend(h as u64, t)), Some((l, h)))
                    }
                    _ => (Pattern::Wild, None),
                }
            }
        }
    }

    /// The value of a pattern literal or constant, in the scrutinee's type.
    pub(super) fn pat_atom(&mut self, b: &mut Body, a: &ast::PatAtom, t: Option<IntTy>) -> Option<i128> {
        let t = t?;
        let v = match &a.kind {
            ast::PatAtomKind::Error => return None,
            ast::PatAtomKind::Int { value, suffix } => {
                if let Some(s) = suffix {
                    if *s != t {
                        self.error(
                            errors::mismatched_types(format!(
                                "mismatched types: expected `{}`, found `{}`",
                                t.name(),
                                s.name()
                            ))
                            .with_primary(a.span, format!("the scrutinee is `{}`", t.name())),
                        );
                        return None;
                    }
                }
                let e = self.int_lit(*value, Some(t), a.negative, None, a.span);
                return Some(to_i128(
                    match e.kind {
                        ExprKind::Int(v) => v,
                        _ => 0,
                    },
                    t,
                ));
            }
            ast::PatAtomKind::Byte(v) => {
                if t != IntTy::U8 {
                    self.error(
                        errors::mismatched_types(format!("mismatched types: expected `{}`, found `u8`", t.name()))
                            .with_primary(a.span, "a byte literal is `u8`"),
                    );
                    return None;
                }
                *v as i128
            }
            ast::PatAtomKind::Path(p) => {
                let e = self.path_value(b, p, Some(&Ty::Int(t)));
                match (&e.ty, &e.kind) {
                    (Ty::Int(ct), ExprKind::Int(v)) if *ct == t => to_i128(*v, t),
                    (Ty::Never, _) => return None,
                    (other, _) => {
                        let tn = self.ty_name(other);
                        self.error(
                            errors::mismatched_types(format!(
                                "mismatched types: expected `{}`, found `{tn}`",
                                t.name()
                            ))
                            .with_primary(a.span, "patterns are literals or constants of the scrutinee's type"),
                        );
                        return None;
                    }
                }
            }
        };
        let v = if a.negative { -v } else { v };
        let (min, max) = range_of(t);
        if v < min || v > max {
            self.error(
                errors::literal_out_of_range(format!("pattern value out of range for `{}`", t.name()))
                    .with_primary(a.span, format!("`{v}` does not fit in `{}`", t.name())),
            );
            return None;
        }
        Some(v)
    }
}
