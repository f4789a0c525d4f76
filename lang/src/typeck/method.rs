//! Methods: on integers, packets (fields and region reads) and maps.

use super::cx::*;
use crate::errors;

impl Cx<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn method(
        &mut self,
        b: &mut Body,
        recv: &ast::Expr,
        method: &ast::Ident,
        generics: &[ast::GenericArg],
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        if let Some(m) = self.map_of(b, recv) {
            return self.map_method(b, m, method, args, span);
        }
        // `pkt.payload.u8(0)`: the receiver is a region of a packet.
        if let A::Field(base, region) = &recv.kind {
            if let Some(&(_, r)) = REGIONS.iter().find(|(n, _)| *n == region.name) {
                let be = self.expr(b, base, None);
                match be.ty {
                    Ty::Packet => return self.region_read(b, be, r, method, generics, args, span),
                    Ty::Never => {
                        return self.give_up(b, args, span);
                    }
                    _ => {}
                }
            }
        }
        let r = self.expr(b, recv, None);
        let zero_args = |c: &mut Self, what: &str, b: &mut Body| -> bool {
            if c.arity(what, args, 0, span) {
                true
            } else {
                c.drain_args(b, args);
                false
            }
        };
        match r.ty.clone() {
            Ty::Never => self.give_up(b, args, span),
            Ty::Packet => {
                if let Some(row) = packet_table::lookup(&method.name, Access::Method) {
                    let pf = row.field;
                    if !zero_args(self, &format!("`pkt.{}()`", method.name), b) {
                        return err(span);
                    }
                    return mk(ExprKind::PacketField { packet: Box::new(r), field: pf }, row.ty.ty(), span);
                }
                if b.in_test() {
                    return self.packet_setter(b, r, method, args, span);
                }
                self.unknown_method(&Ty::Packet, method, packet_table::names(Access::Method).collect());
                self.give_up(b, args, span)
            }
            Ty::Option(inner) => match method.name.as_str() {
                "unwrap_or" => {
                    if !self.arity("`unwrap_or`", args, 1, span) {
                        return self.give_up(b, args, span);
                    }
                    let d = self.expect(b, &args[0], &inner);
                    let t = if *inner == Ty::Never { d.ty.clone() } else { (*inner).clone() };
                    mk(ExprKind::UnwrapOr(Box::new(r), Box::new(d)), t, span)
                }
                "is_some" | "is_none" => {
                    if !zero_args(self, &format!("`{}`", method.name), b) {
                        return err(span);
                    }
                    let k = if method.name == "is_some" {
                        ExprKind::IsSome(Box::new(r))
                    } else {
                        ExprKind::IsNone(Box::new(r))
                    };
                    mk(k, Ty::Bool, span)
                }
                _ => {
                    self.unknown_method(&r.ty, method, vec!["unwrap_or", "is_some", "is_none"]);
                    self.give_up(b, args, span)
                }
            },
            Ty::Int(t) => self.int_method(b, r, t, method, args, span),
            // `a.len()` of an array: its constant length (a `u32`: there is no `usize`).
            Ty::Array(_, n) if method.name == "len" => {
                if !zero_args(self, "`len`", b) {
                    return err(span);
                }
                mk(ExprKind::Int(n as u64), Ty::U32, span)
            }
            other => {
                self.unknown_method(&other, method, vec![]);
                self.give_up(b, args, span)
            }
        }
    }

    /// The integer methods Rust users reach for: `wrapping_add/sub/mul` (arithmetic wraps
    /// anyway), `min` and `max`.
    pub(super) fn int_method(
        &mut self,
        b: &mut Body,
        r: hir::Expr,
        t: IntTy,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        let ty = Ty::Int(t);
        let name = method.name.as_str();
        const METHODS: [&str; 5] = ["wrapping_add", "wrapping_sub", "wrapping_mul", "min", "max"];
        if !METHODS.contains(&name) {
            self.unknown_method(&ty, method, METHODS.to_vec());
            return self.give_up(b, args, span);
        }
        if !self.arity(&format!("`{name}`"), args, 1, span) {
            return self.give_up(b, args, span);
        }
        let x = self.expect(b, &args[0], &ty);
        let op = match name {
            "wrapping_add" => BinOp::Add,
            "wrapping_sub" => BinOp::Sub,
            "wrapping_mul" => BinOp::Mul,
            _ => {
                // `{ let a = r; let b = x; if a < b { a } else { b } }`: each operand once.
                b.scopes.push(vec![]);
                let la = b.declare(&ast::Ident { name: "$a".into(), span }, ty.clone(), false);
                let lb = b.declare(&ast::Ident { name: "$b".into(), span }, ty.clone(), false);
                b.scopes.pop();
                let local = |l: LocalId| mk(ExprKind::Local(l), ty.clone(), span);
                let cmp = if name == "min" { BinOp::Lt } else { BinOp::Gt };
                let cond = mk(ExprKind::Binary(cmp, Box::new(local(la)), Box::new(local(lb))), Ty::Bool, span);
                let arm = |l: LocalId| Block { stmts: vec![], tail: Some(Box::new(local(l))), ty: ty.clone(), span };
                let els = mk(ExprKind::Block(arm(lb)), ty.clone(), span);
                let pick = mk(
                    ExprKind::If { cond: Box::new(cond), then: arm(la), els: Some(Box::new(els)) },
                    ty.clone(),
                    span,
                );
                let block = Block {
                    stmts: vec![Stmt::Let { local: la, init: r, span }, Stmt::Let { local: lb, init: x, span }],
                    tail: Some(Box::new(pick)),
                    ty: ty.clone(),
                    span,
                };
                return mk(ExprKind::Block(block), ty, span);
            }
        };
        mk(ExprKind::Binary(op, Box::new(r), Box::new(x)), ty, span)
    }

    pub(super) fn unknown_method(&mut self, ty: &Ty, method: &ast::Ident, names: Vec<&str>) {
        let tn = self.ty_name(ty);
        let mut d = errors::unknown_method(format!("no method `{}` on `{tn}`", method.name))
            .with_primary(method.span, "unknown method");
        if let Some(s) = did_you_mean(&method.name, names.iter().copied()) {
            d = d.with_help(format!("did you mean `{s}`?"));
        } else if !names.is_empty() {
            d = d.with_help(format!(
                "`{tn}` has {}",
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        self.error(d);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn region_read(
        &mut self,
        b: &mut Body,
        packet: hir::Expr,
        region: Region,
        method: &ast::Ident,
        generics: &[ast::GenericArg],
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        let kind = if method.name == "bytes" {
            let n = match generics {
                [ast::GenericArg::Const(e)] => self.const_u32(b.module, e, "a byte count"),
                [ast::GenericArg::Type(t)] => match &t.kind {
                    ast::TypeKind::Path(p, g) if g.is_empty() => {
                        let e = ast::Expr { kind: A::Path(p.clone()), span: t.span };
                        self.const_u32(b.module, &e, "a byte count")
                    }
                    _ => None,
                },
                _ => {
                    self.error(
                        errors::wrong_arg_count("`bytes` needs its length: `bytes::<N>(offset)`")
                            .with_primary(method.span, "length missing")
                            .with_help("e.g. `pkt.payload.bytes::<8>(1)` reads 8 bytes from offset 1"),
                    );
                    None
                }
            };
            match n {
                Some(0) | None => {
                    if n == Some(0) {
                        self.error(
                            errors::not_plain_data("`bytes::<0>` reads nothing").with_primary(method.span, "length 0"),
                        );
                    }
                    return self.give_up(b, args, span);
                }
                Some(n) if n > 256 => {
                    self.error(
                        errors::not_plain_data(format!("`bytes::<{n}>` is too large"))
                            .with_primary(method.span, "at most 256 bytes in one read")
                            .with_help("BPF programs have 512 bytes of stack"),
                    );
                    return self.give_up(b, args, span);
                }
                Some(n) => ReadKind::Bytes(n),
            }
        } else {
            match READS.iter().find(|r| r.method == method.name) {
                Some(&packet_table::ReadInfo { kind: k, .. }) => {
                    if !generics.is_empty() {
                        self.error(
                            errors::wrong_arg_count(format!("`{}` takes no `::<..>`", method.name))
                                .with_primary(method.span, "remove the turbofish"),
                        );
                    }
                    k
                }
                None => {
                    let mut names: Vec<&str> = READS.iter().map(|r| r.method).collect();
                    names.push("bytes");
                    let mut d = errors::unknown_method(format!("no read `{}` on a packet region", method.name))
                        .with_primary(method.span, "unknown read");
                    d = match did_you_mean(&method.name, names.iter().copied()) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(
                            "regions read with `u8`, `be16`, `be32`, `be64`, `le16`, `le32`, `le64` and `bytes::<N>`",
                        ),
                    };
                    self.error(d);
                    return self.give_up(b, args, span);
                }
            }
        };
        if !self.arity(&format!("`{}`", method.name), args, 1, span) {
            return self.give_up(b, args, span);
        }
        let off = self.expr(b, &args[0], None);
        match &off.ty {
            Ty::Int(t) if !t.signed() => {}
            Ty::Never => return err(span),
            other => {
                let tn = self.ty_name(other);
                self.error(
                    errors::mismatched_types(format!("mismatched types: expected an unsigned integer, found `{tn}`"))
                        .with_primary(off.span, "offsets are unsigned integers"),
                );
                return err(span);
            }
        }
        let t = kind.value_ty().ty();
        mk(
            ExprKind::RegionRead { packet: Box::new(packet), region, kind, offset: Box::new(off) },
            Ty::Option(Box::new(t)),
            span,
        )
    }

    pub(super) fn map_method(
        &mut self,
        b: &mut Body,
        m: MapId,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        let decl = self.maps[m.0 as usize].clone();
        let name = method.name.as_str();
        if b.in_test() && name == "fill" {
            if !decl.kind.is_socket_map() {
                return self.refuse(
                    b,
                    args,
                    errors::unknown_method(format!(
                        "`fill` works on socket maps; `{}` is a `{}`",
                        decl.name,
                        decl.kind.name()
                    ))
                    .with_primary(method.span, "not a socket map")
                    .with_help("fill other maps with `set` or `insert`"),
                    span,
                );
            }
            if !self.arity("`fill`", args, 1, span) {
                return self.give_up(b, args, span);
            }
            let count = self.expect(b, &args[0], &Ty::U32);
            return mk(ExprKind::MapFill { map: m, count: Box::new(count) }, Ty::Unit, span);
        }
        if crate::mapkind::PREFIX_TEST_METHODS.contains(&name) {
            return self.prefix_method(b, m, &decl, method, args, span);
        }
        let known = ["get", "set", "add", "insert", "remove", "contains"];
        if !known.contains(&name) {
            let mut d = errors::unknown_method(format!("no method `{name}` on map `{}`", decl.name))
                .with_primary(method.span, "unknown method");
            d = match did_you_mean(name, known) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => {
                    d.with_help("maps have `get`, `set`, `add`, `insert`, `remove` and `contains` (see the book's reference chapter on maps)")
                }
            };
            self.error(d);
            return self.give_up(b, args, span);
        }
        let kind_ok = decl.kind.info().methods.contains(&name);
        if !kind_ok {
            let help = if decl.kind.is_socket_map() {
                format!(
                    "socket maps are used with `select({0}, key)` and `try_select({0}, key)`; the loader fills them",
                    decl.name
                )
            } else if decl.kind.info().prefix_key {
                format!(
                    "a program reads a prefix table with `{0}.get(addr)`; tests fill it with `insert_prefix` \
                     and `remove_prefix`, operators with `rsteer map set {0} 10.1.0.0/16 VALUE`",
                    decl.name
                )
            } else {
                match name {
                    "set" => "`set` is for array maps; hash maps use `insert`".to_string(),
                    _ => "`insert`, `remove` and `contains` are for hash maps; array maps use `get` and `set`"
                        .to_string(),
                }
            };
            self.error(
                errors::unsupported_map_use(format!(
                    "`{name}` cannot be used on `{}`, which is {}",
                    decl.name,
                    a_kind(decl.kind)
                ))
                .with_primary(method.span, format!("not a method of `{}`", decl.kind.name()))
                .with_help(help),
            );
            return self.give_up(b, args, span);
        }
        let n = match name {
            "get" | "remove" | "contains" => 1,
            _ => 2,
        };
        if !self.arity(&format!("`{}.{name}`", decl.name), args, n, span) {
            return self.give_up(b, args, span);
        }
        let key = Box::new(self.expect(b, &args[0], &decl.key));
        match name {
            "get" => mk(ExprKind::MapGet { map: m, key }, Ty::Option(Box::new(decl.value.clone())), span),
            "remove" => mk(ExprKind::MapRemove { map: m, key }, Ty::Bool, span),
            "contains" => mk(ExprKind::MapContains { map: m, key }, Ty::Bool, span),
            "set" => {
                let value = Box::new(self.expect(b, &args[1], &decl.value));
                mk(ExprKind::MapSet { map: m, key, value }, Ty::Unit, span)
            }
            "insert" => {
                let value = Box::new(self.expect(b, &args[1], &decl.value));
                mk(ExprKind::MapInsert { map: m, key, value }, Ty::Bool, span)
            }
            _ => {
                if !matches!(decl.value, Ty::Int(IntTy::U32 | IntTy::U64 | IntTy::I32 | IntTy::I64) | Ty::Never) {
                    let vt = self.ty_name(&decl.value);
                    self.expr(b, &args[1], None);
                    self.error(
                        errors::unsupported_map_use(format!(
                            "`add` needs a `u32`, `u64`, `i32` or `i64` value, but `{}` holds `{vt}`",
                            decl.name
                        ))
                        .with_primary(method.span, "no atomic add for this value type")
                        .with_help("BPF adds atomically to 32- and 64-bit words only; use `get` and `set`/`insert`"),
                    );
                    return err(span);
                }
                let delta = Box::new(self.expect(b, &args[1], &decl.value));
                mk(ExprKind::MapAdd { map: m, key, delta }, Ty::Unit, span)
            }
        }
    }

    /// `T.insert_prefix(addr, len, v)` and `T.remove_prefix(addr, len)`: a test fills an
    /// `LpmTrie` as an operator would with `rsteer map set T 10.1.0.0/16 V`.
    fn prefix_method(
        &mut self,
        b: &mut Body,
        m: MapId,
        decl: &hir::MapDecl,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        let name = method.name.as_str();
        if !decl.kind.info().prefix_key {
            return self.refuse(
                b,
                args,
                errors::unsupported_map_use(format!(
                    "`{name}` is for `LpmTrie` maps; `{}` is {}",
                    decl.name,
                    a_kind(decl.kind)
                ))
                .with_primary(method.span, "not a prefix table"),
                span,
            );
        }
        if !b.in_test() {
            return self.refuse(b, args, errors::test_only(format!("`{}.{name}` can only be used in a `#[test]`", decl.name))
                    .with_primary(method.span, "test-only")
                    .with_help(format!(
                        "a program only reads a prefix table (`{0}.get(addr)`); fill it with `rsteer map set {0} 10.1.0.0/16 VALUE`",
                        decl.name
                    )), span);
        }
        let insert = name == "insert_prefix";
        if !self.arity(&format!("`{}.{name}`", decl.name), args, if insert { 3 } else { 2 }, span) {
            return self.give_up(b, args, span);
        }
        let key = Box::new(self.expect(b, &args[0], &decl.key));
        let len = Box::new(self.expect(b, &args[1], &Ty::U32));
        let value = if insert { Some(Box::new(self.expect(b, &args[2], &decl.value))) } else { None };
        mk(ExprKind::MapPrefix { map: m, key, len, value }, Ty::Bool, span)
    }
}
