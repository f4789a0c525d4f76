//! Blocks, statements, assignments and places.

use super::cx::*;
use crate::errors;

impl Cx<'_> {
    // ----------------------------------------------------------------------------------
    // Blocks and statements.

    pub(super) fn block(&mut self, b: &mut Body, blk: &ast::Block, exp: Option<&Ty>) -> Block {
        b.scopes.push(vec![]);
        let mut stmts = Vec::new();
        let mut diverges = false;
        for s in &blk.stmts {
            let st = self.stmt(b, s);
            let never = match &st {
                Stmt::Let { init, .. } | Stmt::LetElse { init, .. } => init.ty == Ty::Never,
                Stmt::Assign { value, .. } => value.ty == Ty::Never,
                Stmt::Expr(e) => e.ty == Ty::Never,
            };
            diverges |= never;
            stmts.push(st);
        }
        let tail = blk.tail.as_ref().map(|t| Box::new(self.expr(b, t, exp)));
        b.scopes.pop();
        let ty = if diverges {
            Ty::Never
        } else {
            match &tail {
                Some(t) => t.ty.clone(),
                None => Ty::Unit,
            }
        };
        Block { stmts, tail, ty, span: blk.span }
    }

    pub(super) fn stmt(&mut self, b: &mut Body, s: &ast::Stmt) -> Stmt {
        match &s.kind {
            ast::StmtKind::Let { mutable, name, ty, init } => {
                let (init, ty) = match ty {
                    Some(t) => {
                        let ty = self.resolve_ty(b.module, t);
                        (self.expect(b, init, &ty), ty)
                    }
                    None => {
                        let e = self.expr(b, init, None);
                        let ty = e.ty.clone();
                        (e, ty)
                    }
                };
                let local = b.declare(name, ty, *mutable);
                Stmt::Let { local, init, span: s.span }
            }
            ast::StmtKind::LetElse { mutable, name, init, else_block } => {
                let init = self.expr(b, init, None);
                let inner = self.option_inner(&init, "`let Some(..) = .. else`");
                let else_block = self.block(b, else_block, None);
                if else_block.ty != Ty::Never {
                    self.error(
                        errors::let_else_falls_through("the `else` block of `let ... else` must not fall through")
                            .with_primary(else_block.span, "this block can end normally")
                            .with_help("end it with `return ...`, `break` or `continue`"),
                    );
                }
                let local = b.declare(name, inner, *mutable);
                Stmt::LetElse { local, init, else_block, span: s.span }
            }
            ast::StmtKind::Assign { place, op, value } => self.assign(b, place, *op, value, s.span),
            ast::StmtKind::Expr(e) => Stmt::Expr(self.expr(b, e, None)),
        }
    }

    pub(super) fn assign(
        &mut self,
        b: &mut Body,
        place: &ast::Expr,
        op: Option<BinOp>,
        value: &ast::Expr,
        span: Span,
    ) -> Stmt {
        let (p, ty) = match self.place(b, place) {
            Some(x) => x,
            None => {
                let value = self.expr(b, value, None);
                return Stmt::Expr(mk(
                    ExprKind::Block(Block { stmts: vec![Stmt::Expr(value)], tail: None, ty: Ty::Never, span }),
                    Ty::Never,
                    span,
                ));
            }
        };
        let op_ok = match op {
            Some(op) if !matches!(ty, Ty::Int(_) | Ty::Never) => {
                self.wrong_type(
                    &ty,
                    place.span,
                    |tn| errors::bad_operand(format!("cannot apply `{}=` to `{tn}`", op_str(op))),
                    "compound assignment works on integers",
                );
                false
            }
            _ => true,
        };
        let value = match op {
            _ if !op_ok => self.expr(b, value, None),
            Some(BinOp::Shl | BinOp::Shr) => {
                let v = self.expr(b, value, None);
                self.require_int(&v, op_str(op.unwrap_or(BinOp::Shl)));
                v
            }
            _ => self.expect(b, value, &ty),
        };
        if let Some(o) = op {
            self.refuse_zero_divisor(o, &value, &format!("{}=", op_str(o)));
        }
        Stmt::Assign { place: p, op, value, span }
    }

    /// An assignable place and its type; reports immutability.
    pub(super) fn place(&mut self, b: &mut Body, e: &ast::Expr) -> Option<(Place, Ty)> {
        match &e.kind {
            A::Paren(x) => self.place(b, x),
            A::Path(p) if p.single().is_some_and(|n| b.lookup(&n.name).is_some()) => {
                let name = p.single()?;
                let id = b.lookup(&name.name)?;
                let decl = &b.locals[id.0 as usize];
                if !decl.mutable {
                    let d = errors::not_assignable(format!("cannot assign to `{}`, which is not `mut`", name.name))
                        .with_primary(e.span, "assignment to an immutable variable")
                        .with_secondary(decl.span, "declared here")
                        .with_help(format!("declare it `let mut {}`", name.name));
                    self.error(d);
                }
                Some((Place::Local(id), b.locals[id.0 as usize].ty.clone()))
            }
            A::Field(base, f) if self.is_packet_local(b, base) => {
                self.error(
                    errors::not_assignable(format!("cannot assign to `{}`: packet fields are read-only", f.name))
                        .with_primary(e.span, "a packet field")
                        .with_help("copy it into a variable: `let mut x = pkt.field;`"),
                );
                None
            }
            A::Field(base, f) => {
                let (bp, bt) = self.place(b, base)?;
                match &bt {
                    Ty::Struct(sid) => {
                        let fields = &self.structs[sid.0 as usize].fields;
                        match fields.iter().position(|x| x.name == f.name) {
                            Some(i) => {
                                let t = fields[i].ty.clone();
                                Some((Place::Field(Box::new(bp), i as u32), t))
                            }
                            None => {
                                let d = self.no_field(&bt, f);
                                self.error(d);
                                None
                            }
                        }
                    }
                    Ty::Never => None,
                    _ => {
                        let d = self.no_field(&bt, f);
                        self.error(d);
                        None
                    }
                }
            }
            A::Index(base, idx) => {
                let (bp, bt) = self.place(b, base)?;
                let i = self.index_expr(b, idx, &bt);
                match bt {
                    Ty::Array(elem, _) => Some((Place::Index(Box::new(bp), Box::new(i)), *elem)),
                    Ty::Never => None,
                    other => {
                        let tn = self.ty_name(&other);
                        self.error(
                            errors::bad_operand(format!("cannot index into `{tn}`"))
                                .with_primary(base.span, "not an array"),
                        );
                        None
                    }
                }
            }
            _ => {
                self.expr(b, e, None);
                self.error(
                    errors::not_assignable("cannot assign to this expression")
                        .with_primary(e.span, "not a variable, field or array element")
                        .with_help("assign to a `let mut` variable, one of its fields or one of its elements"),
                );
                None
            }
        }
    }

    pub(super) fn is_packet_local(&self, b: &Body, e: &ast::Expr) -> bool {
        match &e.kind {
            A::Path(p) => {
                p.single().and_then(|n| b.lookup(&n.name)).is_some_and(|id| b.locals[id.0 as usize].ty == Ty::Packet)
            }
            A::Paren(x) => self.is_packet_local(b, x),
            _ => false,
        }
    }
}
