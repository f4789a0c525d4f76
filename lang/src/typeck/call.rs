//! Calls: built-in functions, the policy's own functions and `select`.

use super::cx::*;
use crate::errors;

impl Cx<'_> {
    pub(super) fn arity(&mut self, what: &str, args: &[ast::Expr], n: usize, span: Span) -> bool {
        if args.len() == n {
            return true;
        }
        self.error(
            errors::wrong_arg_count(format!(
                "{what} takes {} but {} {} supplied",
                plural(n, "argument"),
                args.len(),
                if args.len() == 1 { "was" } else { "were" }
            ))
            .with_primary(span, format!("expected {}, found {}", plural(n, "argument"), args.len())),
        );
        false
    }

    /// Checks arguments of a call that already failed, for their own errors only.
    pub(super) fn drain_args(&mut self, b: &mut Body, args: &[ast::Expr]) {
        for a in args {
            // A map argument (as of `select`) is not an error of its own, and neither is an
            // address literal of a packet builder whose receiver already failed.
            if self.map_of(b, a).is_none() && !matches!(a.kind, A::Str(_)) {
                self.expr(b, a, None);
            }
        }
    }

    /// Gives up on a call that already failed: its arguments are checked for their own
    /// errors ([`Self::drain_args`]) and an error expression stands for it.
    pub(super) fn give_up(&mut self, b: &mut Body, args: &[ast::Expr], span: Span) -> hir::Expr {
        self.drain_args(b, args);
        err(span)
    }

    /// [`Self::give_up`] after reporting why, `d`.
    pub(super) fn refuse(&mut self, b: &mut Body, args: &[ast::Expr], d: Diagnostic, span: Span) -> hir::Expr {
        self.error(d);
        self.give_up(b, args, span)
    }

    pub(super) fn call(
        &mut self,
        b: &mut Body,
        callee: &ast::Expr,
        args: &[ast::Expr],
        exp: Option<&Ty>,
        span: Span,
    ) -> hir::Expr {
        let A::Path(path) = &callee.kind else {
            self.expr(b, callee, None);
            return self.refuse(
                b,
                args,
                errors::not_a_value("only functions can be called").with_primary(callee.span, "not a function"),
                span,
            );
        };
        if path.segments.first().is_some_and(|s| s.name == "Packet") && b.in_test() {
            return self.test_packet(b, path, args, span);
        }
        let single = path.single().map(|s| s.name.clone());
        if let Some(name) = &single {
            if b.lookup(name).is_some() {
                return self.refuse(
                    b,
                    args,
                    errors::not_a_value(format!("`{name}` is a variable, not a function"))
                        .with_primary(callee.span, "not a function"),
                    span,
                );
            }
        }
        // A single name no item of the module has is a built-in (or unknown, reported below):
        // skip the lookup, whose error would rank every item of the module by edit distance
        // for a "did you mean" nobody reads (quadratic in a policy with many calls).
        let is_item = match &single {
            Some(name) => self.modules[b.module].scope.contains_key(name),
            None => true,
        };
        let found = if is_item { Some(self.lookup_item(b.module, path)) } else { None };
        match found {
            None => {}
            Some(Ok(ItemRef::Fn(f))) => return self.call_fn(b, f, args, span),
            Some(Ok(_)) => {
                return self.refuse(
                    b,
                    args,
                    errors::not_a_value(format!("`{}` is not a function", path.text()))
                        .with_primary(callee.span, "not a function"),
                    span,
                );
            }
            Some(Err(d)) if single.is_none() => {
                return self.refuse(b, args, d, span);
            }
            Some(Err(_)) => {}
        }
        let name = single.unwrap_or_default();
        if let Some(row) = crate::builtins::lookup(&name) {
            let (bi, t) = (row.builtin, row.ret.ty());
            if !self.arity(&format!("`{name}`"), args, row.params.len(), span) {
                return self.give_up(b, args, span);
            }
            return mk(ExprKind::Builtin(bi), t, span);
        }
        match name.as_str() {
            "select" | "try_select" => self.select(b, &name, args, span),
            "Some" => {
                if !self.arity("`Some`", args, 1, span) {
                    return self.give_up(b, args, span);
                }
                let inner_exp = match exp {
                    Some(Ty::Option(t)) => Some((**t).clone()),
                    _ => None,
                };
                let v = match &inner_exp {
                    Some(t) => self.expect(b, &args[0], t),
                    None => self.expr(b, &args[0], None),
                };
                let t = v.ty.clone();
                mk(ExprKind::Some(Box::new(v)), Ty::Option(Box::new(t)), span)
            }
            _ => {
                self.drain_args(b, args);
                let locals = b.local_names();
                let extra: Vec<&str> = locals.iter().map(|s| s.as_str()).collect();
                let one = path.single().cloned().unwrap_or(ast::Ident { name: name.clone(), span: path.span });
                let mut d = self.unknown_name(b.module, &one, &extra);
                d.message = format!("cannot find function `{name}` in this scope");
                if name == "assert" || name == "assert_eq" || name == "assert_selected" {
                    d = d.with_help(format!("`{name}!` is a macro for `#[test]` functions"));
                }
                self.error(d);
                err(span)
            }
        }
    }

    pub(super) fn call_fn(&mut self, b: &mut Body, f: FuncId, args: &[ast::Expr], span: Span) -> hir::Expr {
        let info = &self.fns[f.0 as usize];
        let (name, params, ret) = (info.name.clone(), info.params.clone(), info.ret.clone());
        if b.in_test() && matches!(info.kind, FnKind::Entry(_)) {
            // A test runs an entry in the simulator; the value is the run's outcome.
            if !self.arity(&format!("entry `{name}`"), args, 1, span) {
                return self.give_up(b, args, span);
            }
            let packet = self.expect(b, &args[0], &Ty::Packet);
            return mk(ExprKind::RunEntry { func: f, packet: Box::new(packet) }, Ty::Verdict, span);
        }
        if !self.arity(&format!("function `{name}`"), args, params.len(), span) {
            return self.give_up(b, args, span);
        }
        let mut out = Vec::new();
        for (a, (_, _, t)) in args.iter().zip(&params) {
            out.push(self.expect(b, a, t));
        }
        let module = &self.modules[self.fns[f.0 as usize].module];
        if let Some(model) = consteval::std_const_fn(&module.name, &name).filter(|_| module.is_std) {
            // `std::net::ip4(127, 0, 0, 1)` and the like: computed here when every argument is
            // a constant.
            let consts: Result<Vec<u64>, _> = out.iter().map(consteval::eval).collect();
            if let Ok(vals) = consts {
                return mk(model(&vals), ret, span);
            }
        }
        if let Some(me) = b.func {
            self.calls[me.0 as usize].push((f, span));
        }
        mk(ExprKind::Call { func: f, args: out }, ret, span)
    }

    /// A map named by a path, if the path names one (and no local shadows it).
    pub(super) fn map_of(&self, b: &Body, e: &ast::Expr) -> Option<MapId> {
        let A::Path(p) = &e.kind else { return None };
        if p.single().is_some_and(|s| b.lookup(&s.name).is_some()) {
            return None;
        }
        match self.lookup_item(b.module, p) {
            Ok(ItemRef::Map(m)) => Some(m),
            _ => None,
        }
    }

    pub(super) fn select(&mut self, b: &mut Body, name: &str, args: &[ast::Expr], span: Span) -> hir::Expr {
        let is_try = name == "try_select";
        let ret = if is_try { Ty::Bool } else { Ty::Verdict };
        if !self.arity(&format!("`{name}`"), args, 2, span) {
            return self.give_up(b, args, span);
        }
        let Some(m) = self.map_of(b, &args[0]) else {
            let first = self.expr(b, &args[0], None);
            self.expr(b, &args[1], None);
            if first.ty != Ty::Never {
                self.error(
                    errors::unsupported_map_use(format!("the first argument of `{name}` must be a socket map"))
                        .with_primary(args[0].span, "not a map")
                        .with_help(format!("name a `SockArray`, `SockMap` or `SockHash`: `{name}(SOCKETS, key)`")),
                );
            }
            return err(span);
        };
        let decl = self.maps[m.0 as usize].clone();
        if !decl.kind.is_socket_map() {
            self.expr(b, &args[1], None);
            self.error(
                errors::unsupported_map_use(format!(
                    "`{name}` needs a socket map, but `{}` is {}",
                    decl.name,
                    a_kind(decl.kind)
                ))
                .with_primary(args[0].span, "not a socket map")
                .with_help("declare the sockets in a `SockArray<N>`, `SockMap<N>` or `SockHash<K, N>`"),
            );
            return err(span);
        }
        let key = self.expect(b, &args[1], &decl.key);
        mk(ExprKind::Select { map: m, key: Box::new(key), is_try }, ret, span)
    }
}
