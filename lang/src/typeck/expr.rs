//! Expressions and operators: literals, paths, unary and binary operators, casts, fields,
//! indexing, `?` and struct literals; `expr` is the dispatcher every other file calls.

use super::cx::*;
use crate::errors;

impl Cx<'_> {
    // ----------------------------------------------------------------------------------
    // Expressions.

    /// Checks `e` where type `want` is required and reports a mismatch.
    pub(super) fn expect(&mut self, b: &mut Body, e: &ast::Expr, want: &Ty) -> hir::Expr {
        let mut x = self.expr(b, e, Some(want));
        self.coerce(&mut x, want);
        x
    }

    pub(super) fn coerce(&mut self, x: &mut hir::Expr, want: &Ty) {
        if compatible(&x.ty, want) {
            // `None` and other partly known types take the expected type.
            if x.ty != Ty::Never && *want != Ty::Never {
                x.ty = want.clone();
            }
            return;
        }
        let (w, f) = (self.ty_name(want), self.ty_name(&x.ty));
        let mut d = errors::mismatched_types(format!("mismatched types: expected `{w}`, found `{f}`"))
            .with_primary(x.span, format!("expected `{w}`"));
        if matches!((&x.ty, want), (Ty::Int(_), Ty::Int(_)) | (Ty::Bool, Ty::Int(_))) {
            d = d.with_help(format!("convert it with `as`: `(...) as {w}`"));
        } else if let (Ty::Option(inner), _) = (&x.ty, want) {
            if compatible(inner, want) {
                d = d.with_help("this may be `None`: use `?`, `.unwrap_or(default)` or `let Some(x) = .. else { .. }`");
            }
        } else if matches!((&x.ty, want), (Ty::Int(_), Ty::Bool)) {
            d = d.with_help("compare it: `x != 0`");
        }
        self.error(d);
        x.ty = Ty::Never;
    }

    pub(super) fn unify(&mut self, first: &Ty, other: &mut hir::Expr) -> Ty {
        if *first == Ty::Never {
            return other.ty.clone();
        }
        self.coerce(other, first);
        first.clone()
    }

    pub(super) fn expr(&mut self, b: &mut Body, e: &ast::Expr, exp: Option<&Ty>) -> hir::Expr {
        let span = e.span;
        match &e.kind {
            A::Error => err(span),
            A::Int { value, suffix } => self.int_lit(*value, *suffix, false, exp, span),
            A::Bool(v) => mk(ExprKind::Bool(*v), Ty::Bool, span),
            A::Byte(v) => mk(ExprKind::Int(*v as u64), Ty::U8, span),
            A::ByteStr(bytes) => {
                if bytes.len() as u32 > MAX_ARRAY_LEN {
                    self.error(
                        errors::not_plain_data("byte string too long")
                            .with_primary(span, format!("at most {MAX_ARRAY_LEN} bytes")),
                    );
                    return err(span);
                }
                mk(ExprKind::Bytes(bytes.clone()), Ty::Array(Box::new(Ty::U8), bytes.len() as u32), span)
            }
            A::Str(_) => {
                self.error(
                    errors::test_only("a string literal can only name an address in a test packet")
                        .with_primary(span, "string literal")
                        .with_help("write `Packet::udp4().src(\"10.0.0.7:5000\")`; elsewhere use `b\"...\"` for bytes"),
                );
                err(span)
            }
            A::Path(p) => self.path_value(b, p, exp),
            A::Paren(x) => self.expr(b, x, exp),
            A::Unary(op, x) => self.unary(b, *op, x, exp, span),
            A::Binary { op, op_span, lhs, rhs } => self.binary(b, *op, *op_span, lhs, rhs, exp, span),
            A::Cast(x, t) => self.cast(b, x, t, span),
            A::Field(base, f) => self.field(b, base, f, span),
            A::MethodCall { recv, method, generics, args } => self.method(b, recv, method, generics, args, span),
            A::Call { callee, args } => self.call(b, callee, args, exp, span),
            A::Index(base, idx) => {
                let base_e = self.expr(b, base, None);
                let i = self.index_expr(b, idx, &base_e.ty);
                match base_e.ty.clone() {
                    Ty::Array(elem, _) => {
                        let folds = base_e.is_literal();
                        let x = mk(ExprKind::Index(Box::new(base_e), Box::new(i)), *elem, span);
                        // A constant index into a constant table is the element itself.
                        match folds.then(|| consteval::fold(&x)) {
                            Some(Ok(v)) => hir::Expr { span, ..v },
                            _ => x,
                        }
                    }
                    Ty::Never => err(span),
                    other => {
                        let tn = self.ty_name(&other);
                        self.error(
                            errors::bad_operand(format!("cannot index into `{tn}`"))
                                .with_primary(base.span, "not an array"),
                        );
                        err(span)
                    }
                }
            }
            A::Try(x) => self.try_expr(b, x, exp, span),
            A::Macro { name, args } => self.assert_macro(b, name, args, span),
            A::StructLit { path, fields } => self.struct_lit(b, path, fields, span),
            A::ArrayList(items) => {
                let elem_exp = match exp {
                    Some(Ty::Array(t, _)) => Some((**t).clone()),
                    _ => None,
                };
                let mut out: Vec<hir::Expr> = Vec::new();
                let mut elem_ty = elem_exp.clone();
                for it in items {
                    let x = match &elem_ty {
                        Some(t) => self.expect(b, it, t),
                        None => self.expr(b, it, None),
                    };
                    if elem_ty.is_none() && x.ty != Ty::Never {
                        elem_ty = Some(x.ty.clone());
                    }
                    out.push(x);
                }
                let t = elem_ty.unwrap_or(Ty::U32);
                let n = out.len() as u32;
                mk(ExprKind::ArrayLit(out), Ty::Array(Box::new(t), n), span)
            }
            A::ArrayRepeat(v, n) => {
                let Some(count) = self.const_u32(b.module, n, "an array length") else {
                    return err(span);
                };
                if count > MAX_ARRAY_LEN {
                    self.error(
                        errors::not_plain_data(format!("array of {count} elements is too large"))
                            .with_primary(n.span, format!("at most {MAX_ARRAY_LEN} elements")),
                    );
                    return err(span);
                }
                let elem_exp = match exp {
                    Some(Ty::Array(t, _)) => Some((**t).clone()),
                    _ => None,
                };
                let x = match &elem_exp {
                    Some(t) => self.expect(b, v, t),
                    None => self.expr(b, v, None),
                };
                let t = x.ty.clone();
                mk(ExprKind::ArrayLit(vec![x; count as usize]), Ty::Array(Box::new(t), count), span)
            }
            A::Block(blk) => {
                let bl = self.block(b, blk, exp);
                let t = bl.ty.clone();
                mk(ExprKind::Block(bl), t, span)
            }
            A::If { cond, then, els } => {
                let c = self.expect(b, cond, &Ty::Bool);
                let then_b = self.block(b, then, exp);
                self.if_rest(b, then_b, els.as_deref(), exp, span, |then, els| ExprKind::If {
                    cond: Box::new(c),
                    then,
                    els,
                })
            }
            A::IfLet { mutable, name, scrutinee, then, els } => {
                let s = self.expr(b, scrutinee, None);
                let inner = self.option_inner(&s, "`if let Some(..)`");
                b.scopes.push(vec![]);
                let local = b.declare(name, inner, *mutable);
                let then_b = self.block(b, then, exp);
                b.scopes.pop();
                self.if_rest(b, then_b, els.as_deref(), exp, span, |then, els| ExprKind::IfLet {
                    local,
                    scrutinee: Box::new(s),
                    then,
                    els,
                })
            }
            A::Match { scrutinee, arms } => self.match_expr(b, scrutinee, arms, exp, span),
            A::For { var, start, end, body } => self.for_expr(b, var, start, end, body, span),
            A::Return(v) => {
                let Some(ret) = b.ret.clone() else {
                    self.error(
                        errors::not_constant("`return` in a constant expression")
                            .with_primary(span, "not allowed here"),
                    );
                    return err(span);
                };
                let v = match v {
                    Some(v) => Some(Box::new(self.expect(b, v, &ret))),
                    None => {
                        if !compatible(&ret, &Ty::Unit) {
                            let w = self.ty_name(&ret);
                            self.error(
                                errors::mismatched_types(format!("mismatched types: expected `{w}`, found `()`"))
                                    .with_primary(span, format!("`return` needs a value of type `{w}`")),
                            );
                        }
                        None
                    }
                };
                mk(ExprKind::Return(v), Ty::Never, span)
            }
            A::Break | A::Continue => {
                let is_break = matches!(e.kind, A::Break);
                if b.loops == 0 {
                    let word = if is_break { "break" } else { "continue" };
                    self.error(
                        errors::break_outside_loop(format!("`{word}` outside of a loop"))
                            .with_primary(span, format!("`{word}` needs an enclosing `for`")),
                    );
                    return err(span);
                }
                mk(if is_break { ExprKind::Break } else { ExprKind::Continue }, Ty::Never, span)
            }
        }
    }

    /// The end of an `if`: the optional `else`, and the type of the whole.
    pub(super) fn if_rest(
        &mut self,
        b: &mut Body,
        then_b: Block,
        els: Option<&ast::Expr>,
        exp: Option<&Ty>,
        span: Span,
        build: impl FnOnce(Block, Option<Box<hir::Expr>>) -> ExprKind,
    ) -> hir::Expr {
        match els {
            None => {
                self.expect_unit_block(
                    &then_b,
                    "an `if` without `else` gives no value",
                    "add an `else` branch, or end this one with `;`",
                );
                mk(build(then_b, None), Ty::Unit, span)
            }
            Some(els) => {
                let want = if then_b.ty == Ty::Never { exp.cloned() } else { Some(then_b.ty.clone()) };
                let mut e = self.expr(b, els, want.as_ref());
                let first = then_b.ty.clone();
                let ty = self.unify(&first, &mut e);
                mk(build(then_b, Some(Box::new(e))), ty, span)
            }
        }
    }

    pub(super) fn option_inner(&mut self, e: &hir::Expr, what: &str) -> Ty {
        match &e.ty {
            Ty::Option(t) => (**t).clone(),
            Ty::Never => Ty::Never,
            other => {
                let tn = self.ty_name(other);
                self.error(
                    errors::mismatched_types(format!("mismatched types: expected an `Option`, found `{tn}`"))
                        .with_primary(e.span, format!("{what} needs an `Option`")),
                );
                Ty::Never
            }
        }
    }

    pub(super) fn int_lit(
        &mut self,
        value: u64,
        suffix: Option<IntTy>,
        negative: bool,
        exp: Option<&Ty>,
        span: Span,
    ) -> hir::Expr {
        let t = suffix.or(exp.and_then(|t| t.int())).unwrap_or(IntTy::U32);
        let (min, max) = range_of(t);
        let v: i128 = if negative { -(value as i128) } else { value as i128 };
        if v < min || v > max {
            let shown = if negative { format!("-{value}") } else { value.to_string() };
            let mut d = errors::literal_out_of_range(format!("integer literal out of range for `{}`", t.name()))
                .with_primary(span, format!("`{shown}` does not fit in `{}`", t.name()));
            d = if negative && !t.signed() {
                d.with_help(format!(
                    "`{}` is unsigned; use a signed type such as `i32`, or a suffix: `{shown}i32`",
                    t.name()
                ))
            } else {
                d.with_help(format!("`{}` holds {min}..={max}", t.name()))
            };
            self.error(d);
        }
        mk(ExprKind::Int(zero_extend(v as u64, t)), Ty::Int(t), span)
    }

    pub(super) fn path_value(&mut self, b: &mut Body, p: &ast::Path, exp: Option<&Ty>) -> hir::Expr {
        let span = p.span;
        if let Some(one) = p.single() {
            if let Some(id) = b.lookup(&one.name) {
                let t = b.locals[id.0 as usize].ty.clone();
                return mk(ExprKind::Local(id), t, span);
            }
            if one.name == "None" && !self.modules[b.module].scope.contains_key("None") {
                return match exp {
                    Some(Ty::Option(t)) => mk(ExprKind::None, Ty::Option(t.clone()), span),
                    _ => {
                        self.error(
                            errors::mismatched_types("cannot tell what `None` is `None` of")
                                .with_primary(span, "type unknown")
                                .with_help("give the variable a type: `let x: Option<u32> = None;`"),
                        );
                        err(span)
                    }
                };
            }
        }
        if let [first, second] = p.segments.as_slice() {
            // `u32::MAX`, `i8::MIN`, `u16::BITS`: the integer types' associated constants.
            if let Some(t) = IntTy::named(&first.name) {
                let (lo, hi) = range_of(t);
                let v: Option<(i128, Ty)> = match second.name.as_str() {
                    "MAX" => Some((hi, Ty::Int(t))),
                    "MIN" => Some((lo, Ty::Int(t))),
                    "BITS" => Some((t.bits() as i128, Ty::U32)),
                    _ => None,
                };
                return match v {
                    Some((v, Ty::Int(vt))) => mk(ExprKind::Int(zero_extend(v as u64, vt)), Ty::Int(vt), span),
                    _ => {
                        self.error(
                            errors::unknown_name(format!("no constant `{}::{}`", first.name, second.name))
                                .with_primary(second.span, "not a constant of the type")
                                .with_help(format!("`{}` has `MAX`, `MIN` and `BITS`", first.name)),
                        );
                        err(span)
                    }
                };
            }
            if first.name == "Verdict" {
                return match second.name.as_str() {
                    "Pass" => mk(ExprKind::Verdict(Verdict::Pass), Ty::Verdict, span),
                    "Drop" => mk(ExprKind::Verdict(Verdict::Drop), Ty::Verdict, span),
                    _ => {
                        let mut d = errors::unknown_name(format!("no verdict `{}`", second.name))
                            .with_primary(second.span, "not a verdict");
                        d = match did_you_mean(&second.name, ["Pass", "Drop"]) {
                            Some(s) => d.with_help(format!("did you mean `Verdict::{s}`?")),
                            None => d.with_help("the verdicts are `Verdict::Pass` and `Verdict::Drop`"),
                        };
                        self.error(d);
                        err(span)
                    }
                };
            }
        }
        match self.lookup_item(b.module, p) {
            Ok(ItemRef::Const(i)) => match self.const_value(i, span) {
                Some(v) => hir::Expr { span, ..v },
                None => err(span),
            },
            Ok(item @ (ItemRef::Map(_) | ItemRef::Fn(_) | ItemRef::Struct(_))) => {
                // An item that names no value: what it is, its label and how to use it.
                let (what, label, help) = match item {
                    ItemRef::Map(m) => {
                        let name = &self.maps[m.0 as usize].name;
                        (
                            format!("map `{name}`"),
                            "a map",
                            format!("read it with `{name}.get(key)`, or pick a socket with `select({name}, key)`"),
                        )
                    }
                    ItemRef::Fn(f) => {
                        let name = &self.fns[f.0 as usize].name;
                        (format!("function `{name}`"), "a function", format!("call it: `{name}(...)`"))
                    }
                    ItemRef::Struct(s) => {
                        let name = &self.structs[s.0 as usize].name;
                        (format!("struct `{name}`"), "a type", format!("build one: `{name} {{ field: value, .. }}`"))
                    }
                    _ => unreachable!("matched above"),
                };
                self.error(
                    errors::not_a_value(format!("{what} is not a value")).with_primary(span, label).with_help(help),
                );
                err(span)
            }
            Err(d) => {
                let d = match p.single() {
                    Some(one) if d.code == crate::codes::UNKNOWN_NAME => {
                        let locals = b.local_names();
                        let extra: Vec<&str> = locals.iter().map(|s| s.as_str()).collect();
                        self.unknown_name(b.module, one, &extra)
                    }
                    _ => d,
                };
                self.error(d);
                err(span)
            }
        }
    }

    pub(super) fn unary(&mut self, b: &mut Body, op: UnOp, x: &ast::Expr, exp: Option<&Ty>, span: Span) -> hir::Expr {
        let exp_int = exp.filter(|t| t.int().is_some());
        if op == UnOp::Neg {
            if let A::Int { value, suffix } = &x.kind {
                let lit = self.int_lit(*value, *suffix, true, exp_int, span);
                return lit;
            }
        }
        let exp_inner = if op == UnOp::Not { exp.filter(|t| matches!(t, Ty::Int(_) | Ty::Bool)) } else { exp_int };
        let v = self.expr(b, x, exp_inner);
        let ok = match (op, &v.ty) {
            (_, Ty::Never) => true,
            (UnOp::Neg, Ty::Int(t)) => t.signed(),
            (UnOp::Not, Ty::Int(_) | Ty::Bool) => true,
            _ => false,
        };
        if !ok {
            let (sym, help) = match op {
                UnOp::Neg => (
                    "-",
                    "unary `-` applies to signed integers; for a wrapping negation of an unsigned value write `0 - x`",
                ),
                UnOp::Not => ("!", "`!` is logical on `bool` and bitwise on integers"),
            };
            self.wrong_type(
                &v.ty,
                x.span,
                |tn| errors::bad_operand(format!("cannot apply unary `{sym}` to `{tn}`")),
                help,
            );
            return err(span);
        }
        let t = v.ty.clone();
        mk(ExprKind::Unary(op, Box::new(v)), t, span)
    }

    pub(super) fn require_int(&mut self, e: &hir::Expr, op: &str) -> bool {
        match &e.ty {
            Ty::Int(_) | Ty::Never => true,
            other => {
                let help = format!("`{op}` works on integers");
                self.wrong_type(
                    other,
                    e.span,
                    |tn| errors::bad_operand(format!("cannot apply `{op}` to `{tn}`")),
                    help,
                );
                false
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn binary(
        &mut self,
        b: &mut Body,
        op: BinOp,
        op_span: Span,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        exp: Option<&Ty>,
        span: Span,
    ) -> hir::Expr {
        let sym = op_str(op);
        if matches!(op, BinOp::And | BinOp::Or) {
            let l = self.expect(b, lhs, &Ty::Bool);
            let r = self.expect(b, rhs, &Ty::Bool);
            return mk(ExprKind::Binary(op, Box::new(l), Box::new(r)), Ty::Bool, span);
        }
        let exp_int = exp.filter(|t| t.int().is_some());
        if matches!(op, BinOp::Shl | BinOp::Shr) {
            let l = self.expr(b, lhs, exp_int);
            let r = self.expr(b, rhs, None);
            let ok = self.require_int(&l, sym) & self.require_int(&r, sym);
            if !ok {
                return err(span);
            }
            let t = l.ty.clone();
            return mk(ExprKind::Binary(op, Box::new(l), Box::new(r)), t, span);
        }
        let cmp = op.is_comparison();
        let operand_exp = if cmp { None } else { exp_int };
        // An unsuffixed literal on the left takes the type of the right operand.
        let (l, r) = if is_untyped(lhs) && !is_untyped(rhs) {
            let r = self.expr(b, rhs, operand_exp);
            let hint = if matches!(r.ty, Ty::Never) { operand_exp.cloned() } else { Some(r.ty.clone()) };
            let l = self.expr(b, lhs, hint.as_ref());
            (l, r)
        } else {
            let l = self.expr(b, lhs, operand_exp);
            let hint = if matches!(l.ty, Ty::Never) { operand_exp.cloned() } else { Some(l.ty.clone()) };
            let r = self.expr(b, rhs, hint.as_ref());
            (l, r)
        };
        let operand_ty = if l.ty == Ty::Never { r.ty.clone() } else { l.ty.clone() };
        let allowed = match op {
            BinOp::Eq | BinOp::Ne => matches!(operand_ty, Ty::Int(_) | Ty::Bool | Ty::Array(..) | Ty::Never),
            _ => matches!(operand_ty, Ty::Int(_) | Ty::Never),
        };
        if !allowed {
            let tn = self.ty_name(&operand_ty);
            let help = match op {
                BinOp::Eq | BinOp::Ne => "`==` compares integers, `bool`s and arrays",
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => "ordering comparisons work on integers",
                _ => "arithmetic and bitwise operators work on integers",
            };
            let at = if l.ty == Ty::Never { r.span } else { l.span };
            self.error(
                errors::bad_operand(format!("cannot apply `{sym}` to `{tn}`"))
                    .with_primary(op_span, format!("`{sym}` on `{tn}`"))
                    .with_secondary(at, format!("this is `{tn}`"))
                    .with_help(help),
            );
            return err(span);
        }
        if !compatible(&l.ty, &r.ty) {
            let (lt, rt) = (self.ty_name(&l.ty), self.ty_name(&r.ty));
            let mut d = errors::mismatched_types(format!("mismatched types: expected `{lt}`, found `{rt}`"))
                .with_primary(r.span, format!("expected `{lt}`"))
                .with_secondary(l.span, format!("this is `{lt}`"));
            if matches!((&l.ty, &r.ty), (Ty::Int(_), Ty::Int(_))) {
                d = d.with_help(format!(
                    "both operands of `{sym}` must have the same type: convert one with `as`, e.g. `(...) as {lt}`"
                ));
            }
            self.error(d);
            return err(span);
        }
        self.refuse_zero_divisor(op, &r, sym);
        let t = if cmp { Ty::Bool } else { operand_ty };
        mk(ExprKind::Binary(op, Box::new(l), Box::new(r)), t, span)
    }

    /// `E0503` when `op` is `/` or `%` (written `sym`: `/`, `%=`) and its divisor `r` is a
    /// constant zero.
    pub(super) fn refuse_zero_divisor(&mut self, op: BinOp, r: &hir::Expr, sym: &str) {
        if matches!(op, BinOp::Div | BinOp::Rem) && r.ty != Ty::Never {
            if let Ok(0) = consteval::eval(r) {
                self.error(
                    errors::div_by_zero(format!("this `{sym}` always divides by zero"))
                        .with_primary(r.span, "the divisor is zero")
                        .with_help(
                            "BPF defines `x / 0 == 0` and `x % 0 == x`, which is never what a constant zero means",
                        ),
                );
            }
        }
    }

    pub(super) fn cast(&mut self, b: &mut Body, x: &ast::Expr, t: &ast::Ident, span: Span) -> hir::Expr {
        let v = self.expr(b, x, None);
        let Some(to) = IntTy::named(&t.name) else {
            let msg = if t.name == "bool" {
                "cannot cast to `bool`".to_string()
            } else {
                format!("cannot cast to `{}`", t.name)
            };
            let help = if t.name == "bool" {
                "compare instead: `x != 0`"
            } else {
                "`as` converts to an integer type: u8, u16, u32, u64, i8, i16, i32, i64"
            };
            self.error(errors::bad_cast(msg).with_primary(t.span, "not an integer type").with_help(help));
            return err(span);
        };
        match &v.ty {
            Ty::Int(_) | Ty::Bool => mk(ExprKind::Cast(Box::new(v)), Ty::Int(to), span),
            Ty::Never => err(span),
            other => {
                let tn = self.ty_name(other);
                let mut d = errors::bad_cast(format!("cannot cast `{tn}` to `{}`", t.name))
                    .with_primary(x.span, format!("this is `{tn}`"));
                if matches!(other, Ty::Option(_)) {
                    d = d.with_help("take the value out first: `x?`, or `x.unwrap_or(0)`");
                } else {
                    d = d.with_help("`as` converts integers and `bool`s");
                }
                self.error(d);
                err(span)
            }
        }
    }

    pub(super) fn no_field(&self, ty: &Ty, f: &ast::Ident) -> Diagnostic {
        let tn = self.ty_name(ty);
        let mut d =
            errors::bad_field(format!("no field `{}` on type `{tn}`", f.name)).with_primary(f.span, "unknown field");
        let names: Vec<&str> = match ty {
            Ty::Struct(s) => self.structs[s.0 as usize].fields.iter().map(|f| f.name.as_str()).collect(),
            Ty::Packet => packet_table::names(Access::Field).chain(REGIONS.iter().map(|(n, _)| *n)).collect(),
            _ => vec![],
        };
        if let Some(s) = did_you_mean(&f.name, names) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        d
    }

    pub(super) fn field(&mut self, b: &mut Body, base: &ast::Expr, f: &ast::Ident, span: Span) -> hir::Expr {
        let be = self.expr(b, base, None);
        match be.ty.clone() {
            Ty::Never => err(span),
            Ty::Packet => {
                if let Some(row) = packet_table::lookup(&f.name, Access::Field) {
                    let pf = row.field;
                    if pf == PacketField::Migrating {
                        if let Some(FnKind::Entry(a)) = b.kind {
                            if !a.migrate {
                                self.error(
                                    errors::migrating_without_migrate("`pkt.migrating` needs `#[steer(migrate)]`")
                                        .with_primary(f.span, "always false in this entry")
                                        .with_help(
                                            "attach the entry as select-or-migrate: `#[steer(migrate)]` (Linux 5.14+)",
                                        ),
                                );
                            }
                        }
                    }
                    return mk(ExprKind::PacketField { packet: Box::new(be), field: pf }, row.ty.ty(), span);
                }
                if REGIONS.iter().any(|(n, _)| *n == f.name) {
                    self.error(
                        errors::not_a_value(format!("`pkt.{}` is a region of the packet, not a value", f.name))
                            .with_primary(span, "a region")
                            .with_help(format!(
                                "read from it: `pkt.{}.u8(0)`, `.be16(off)`, `.be32(off)`, `.bytes::<N>(off)`",
                                f.name
                            )),
                    );
                    return err(span);
                }
                if packet_table::lookup(&f.name, Access::Method).is_some() {
                    self.error(
                        errors::bad_field(format!("`{}` is a method of `Packet`", f.name))
                            .with_primary(f.span, "a method")
                            .with_help(format!("call it: `pkt.{}()`", f.name)),
                    );
                    return err(span);
                }
                let d = self.no_field(&Ty::Packet, f);
                self.error(d);
                err(span)
            }
            Ty::Struct(sid) => {
                let fields = &self.structs[sid.0 as usize].fields;
                match fields.iter().position(|x| x.name == f.name) {
                    Some(i) => {
                        let t = fields[i].ty.clone();
                        mk(ExprKind::Field(Box::new(be), i as u32), t, span)
                    }
                    None => {
                        let d = self.no_field(&be.ty, f);
                        self.error(d);
                        err(span)
                    }
                }
            }
            other => {
                let d = self.no_field(&other, f);
                self.error(d);
                err(span)
            }
        }
    }

    /// The index of `a[i]`: any unsigned integer; a constant must be in bounds.
    pub(super) fn index_expr(&mut self, b: &mut Body, idx: &ast::Expr, base_ty: &Ty) -> hir::Expr {
        let i = self.expr(b, idx, None);
        match &i.ty {
            Ty::Int(t) if !t.signed() => {
                if let (Ty::Array(_, n), Ok(v)) = (base_ty, consteval::eval(&i)) {
                    if v >= *n as u64 {
                        self.error(
                            errors::index_out_of_bounds(format!(
                                "index {v} is out of bounds for an array of length {n}"
                            ))
                            .with_primary(idx.span, format!("valid indices are 0..{n}")),
                        );
                    }
                }
            }
            Ty::Never => {}
            other => {
                let tn = self.ty_name(other);
                self.error(
                    errors::mismatched_types(format!("mismatched types: expected an unsigned integer, found `{tn}`"))
                        .with_primary(idx.span, "array indices are unsigned integers"),
                );
            }
        }
        i
    }

    pub(super) fn try_expr(&mut self, b: &mut Body, x: &ast::Expr, exp: Option<&Ty>, span: Span) -> hir::Expr {
        let inner_exp = exp.map(|t| Ty::Option(Box::new(t.clone())));
        let v = self.expr(b, x, inner_exp.as_ref());
        let t = match &v.ty {
            Ty::Option(t) => (**t).clone(),
            Ty::Never => return err(span),
            other => {
                self.wrong_type(
                    other,
                    v.span,
                    |tn| errors::misplaced_try(format!("`?` applies to an `Option`, not `{tn}`")),
                    "only packet reads, map lookups and functions returning `Option` can be `None`",
                );
                return err(span);
            }
        };
        let kind = match (&b.kind, &b.ret) {
            (Some(FnKind::Entry(_)), _) | (_, Some(Ty::Verdict)) => TryKind::Fallback,
            (_, Some(Ty::Option(_))) => TryKind::ReturnNone,
            _ => {
                let ret = b.ret.as_ref().map(|r| self.ty_name(r)).unwrap_or_else(|| "a constant".into());
                self.error(
                    errors::misplaced_try("`?` can only be used where `None` has somewhere to go")
                        .with_primary(span, format!("this function returns `{ret}`"))
                        .with_help(
                            "`?` works in `#[steer]` entries and functions returning `Verdict` (the fallback verdict) \
                             and in functions returning `Option` (they return `None`); here use `.unwrap_or(default)` \
                             or `let Some(x) = .. else { .. }`",
                        ),
                );
                return err(span);
            }
        };
        mk(ExprKind::Try { operand: Box::new(v), kind }, t, span)
    }

    pub(super) fn struct_lit(
        &mut self,
        b: &mut Body,
        path: &ast::Path,
        fields: &[(ast::Ident, ast::Expr)],
        span: Span,
    ) -> hir::Expr {
        let sid = match self.lookup_item(b.module, path) {
            Ok(ItemRef::Struct(s)) => s,
            Ok(_) => {
                self.error(
                    errors::bad_type_name(format!("`{}` is not a struct", path.text()))
                        .with_primary(path.span, "not a struct"),
                );
                for (_, e) in fields {
                    self.expr(b, e, None);
                }
                return err(span);
            }
            Err(d) => {
                self.error(d);
                for (_, e) in fields {
                    self.expr(b, e, None);
                }
                return err(span);
            }
        };
        let def = self.structs[sid.0 as usize].clone();
        let mut slots: Vec<Option<hir::Expr>> = vec![None; def.fields.len()];
        let mut ok = true;
        for (name, e) in fields {
            match def.fields.iter().position(|f| f.name == name.name) {
                Some(i) => {
                    let x = self.expect(b, e, &def.fields[i].ty);
                    if slots[i].is_some() {
                        self.error(
                            errors::bad_field(format!("field `{}` is given twice", name.name))
                                .with_primary(name.span, "again here"),
                        );
                        ok = false;
                    }
                    slots[i] = Some(x);
                }
                None => {
                    self.expr(b, e, None);
                    let d = self.no_field(&Ty::Struct(sid), name);
                    self.error(d);
                    ok = false;
                }
            }
        }
        let missing: Vec<String> =
            def.fields.iter().zip(&slots).filter(|(_, s)| s.is_none()).map(|(f, _)| format!("`{}`", f.name)).collect();
        if !missing.is_empty() {
            self.error(
                errors::bad_field(format!(
                    "missing field{} {} in `{}`",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", "),
                    def.name
                ))
                .with_primary(path.span, "every field must be given"),
            );
            ok = false;
        }
        if !ok {
            return err(span);
        }
        let values = slots.into_iter().flatten().collect();
        mk(ExprKind::StructLit(sid, values), Ty::Struct(sid), span)
    }
}
