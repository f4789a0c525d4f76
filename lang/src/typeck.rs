//! Type checking of function bodies and constant expressions: AST expressions in, typed
//! HIR expressions out.
//!
//! `expr` takes the type the position expects, if any, which is how unsuffixed literals get
//! their type (LANGUAGE.md §1); it returns the expression with its own type, and `expect`
//! compares the two. After an error an expression gets the type `Never`, which is
//! compatible with every type, so one mistake is reported once.

use crate::ast::{self, ExprKind as A};
use crate::check::{Checker, ItemRef, ModId, MAX_ARRAY_LEN};
use crate::consteval::{self, mask, range_of, to_i128};
use crate::diag::Diagnostic;
use crate::exhaustive::{describe_gaps, Coverage};
use crate::hir::{
    self, Arm, AssertKind, BinOp, Block, Builtin, ExprKind, FnKind, FuncId, IntTy, LocalDecl, LocalId, MapId, MapKind,
    PacketField, PacketSet, Pattern, Place, ReadKind, Region, Stmt, TryKind, Ty, UnOp, Verdict,
};
use crate::parse::{int_ty_named, is_comparison};
use crate::span::Span;
use crate::suggest::did_you_mean;

/// Functions the language provides without an import.
pub const BUILTIN_FNS: [&str; 7] = ["cpu", "random", "now_ns", "now_coarse_ns", "select", "try_select", "Some"];

/// The longest loop the checker accepts; codegen may unroll, and the verifier counts every
/// instruction it walks.
pub const MAX_TRIPS: u64 = 65_536;

const PACKET_FIELDS: [(&str, PacketField); 12] = [
    ("len", PacketField::Len),
    ("hash", PacketField::Hash),
    ("eth_protocol", PacketField::EthProtocol),
    ("ip_protocol", PacketField::IpProtocol),
    ("bind_inany", PacketField::BindInany),
    ("src_port", PacketField::SrcPort),
    ("dst_port", PacketField::DstPort),
    ("src_ip4", PacketField::SrcIp4),
    ("dst_ip4", PacketField::DstIp4),
    ("src_ip6", PacketField::SrcIp6),
    ("dst_ip6", PacketField::DstIp6),
    ("migrating", PacketField::Migrating),
];

const PACKET_METHODS: [(&str, PacketField); 6] = [
    ("is_ipv4", PacketField::IsIpv4),
    ("is_ipv6", PacketField::IsIpv6),
    ("is_tcp", PacketField::IsTcp),
    ("is_udp", PacketField::IsUdp),
    ("cookie", PacketField::Cookie),
    ("migrating_cookie", PacketField::MigratingCookie),
];

const REGIONS: [(&str, Region); 3] = [("payload", Region::Payload), ("l4", Region::L4), ("net", Region::Net)];

const READS: [(&str, ReadKind); 7] = [
    ("u8", ReadKind::U8),
    ("be16", ReadKind::Be16),
    ("be32", ReadKind::Be32),
    ("be64", ReadKind::Be64),
    ("le16", ReadKind::Le16),
    ("le32", ReadKind::Le32),
    ("le64", ReadKind::Le64),
];

pub fn packet_field_ty(f: PacketField) -> Ty {
    match f {
        PacketField::Len | PacketField::Hash | PacketField::SrcIp4 | PacketField::DstIp4 => Ty::U32,
        PacketField::EthProtocol | PacketField::SrcPort | PacketField::DstPort => Ty::U16,
        PacketField::IpProtocol => Ty::U8,
        PacketField::BindInany
        | PacketField::IsIpv4
        | PacketField::IsIpv6
        | PacketField::IsTcp
        | PacketField::IsUdp
        | PacketField::Migrating => Ty::Bool,
        PacketField::SrcIp6 | PacketField::DstIp6 => Ty::Array(Box::new(Ty::U8), 16),
        PacketField::Cookie | PacketField::MigratingCookie => Ty::U64,
    }
}

/// The state of one body being checked: a function, or a constant expression.
pub struct Body {
    pub module: ModId,
    /// The function's return type; `None` in a constant expression.
    pub ret: Option<Ty>,
    pub kind: Option<FnKind>,
    pub func: Option<FuncId>,
    pub locals: Vec<LocalDecl>,
    scopes: Vec<Vec<(String, LocalId)>>,
    loops: u32,
}

impl Body {
    pub fn constant(module: ModId) -> Body {
        Body { module, ret: None, kind: None, func: None, locals: vec![], scopes: vec![vec![]], loops: 0 }
    }

    fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|(n, _)| n == name).map(|(_, id)| *id)
    }

    fn declare(&mut self, name: &ast::Ident, ty: Ty, mutable: bool) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(LocalDecl { name: name.name.clone(), ty, mutable, span: name.span });
        if let Some(s) = self.scopes.last_mut() {
            s.push((name.name.clone(), id));
        }
        id
    }

    fn local_names(&self) -> Vec<String> {
        self.scopes.iter().flatten().map(|(n, _)| n.clone()).collect()
    }

    fn in_test(&self) -> bool {
        self.kind == Some(FnKind::Test)
    }
}

fn mk(kind: ExprKind, ty: Ty, span: Span) -> hir::Expr {
    hir::Expr { kind, ty, span }
}

/// An expression that already failed: `Never` keeps later checks quiet.
fn err(span: Span) -> hir::Expr {
    mk(ExprKind::Int(0), Ty::Never, span)
}

/// Types that can stand where `b` is expected: equal, or either one `Never` (an error or a
/// diverging expression), also inside `Option` and arrays.
pub fn compatible(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Never, _) | (_, Ty::Never) => true,
        (Ty::Option(x), Ty::Option(y)) => compatible(x, y),
        (Ty::Array(x, n), Ty::Array(y, m)) => n == m && compatible(x, y),
        _ => a == b,
    }
}

/// An unsuffixed literal or arithmetic of them: it takes the other operand's type.
fn is_untyped(e: &ast::Expr) -> bool {
    match &e.kind {
        A::Int { suffix: None, .. } => true,
        A::Paren(x) | A::Unary(_, x) => is_untyped(x),
        A::Binary { op, lhs, rhs, .. } => {
            !matches!(op, BinOp::Shl | BinOp::Shr | BinOp::And | BinOp::Or)
                && !is_comparison(*op)
                && is_untyped(lhs)
                && is_untyped(rhs)
        }
        _ => false,
    }
}

fn op_str(op: BinOp) -> &'static str {
    op.symbol()
}

/// "a" or "an" before a name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

impl<'a> Checker<'a> {
    // ----------------------------------------------------------------------------------
    // Functions.

    /// Checks function `id`.
    pub fn check_fn(&mut self, id: FuncId) -> hir::Function {
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
                Some(t) => Diagnostic::error("E0200", format!("mismatched types: expected `{want}`, found `{found}`"))
                    .with_primary(t.span, format!("this is `{found}`"))
                    .with_secondary(
                        decl.ret.as_ref().map(|r| r.span).unwrap_or(decl.name.span),
                        format!("`{}` returns `{want}`", decl.name.name),
                    ),
                None => {
                    let end = Span { start: body.span.end.saturating_sub(1), ..body.span };
                    Diagnostic::error("E0200", format!("mismatched types: expected `{want}`, found `()`"))
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

    /// A test-only form outside a `#[test]` function: an error.
    fn test_only(&mut self, span: Span, what: &str) -> hir::Expr {
        self.error(
            Diagnostic::error("E0210", format!("{what} can only be used in `#[test]` functions"))
                .with_primary(span, "test-only form")
                .with_help("packet builders and assertions belong in `#[test] fn`s"),
        );
        err(span)
    }

    // ----------------------------------------------------------------------------------
    // Test-only forms (LANGUAGE.md §8).

    /// `Packet::udp4()`, `Packet::udp6()`, `Packet::tcp4()`, `Packet::tcp6()`.
    fn test_packet(&mut self, b: &mut Body, path: &ast::Path, args: &[ast::Expr], span: Span) -> hir::Expr {
        let ctor = path.segments.get(1).map(|s| s.name.as_str()).unwrap_or("");
        let (tcp, v6) = match ctor {
            "udp4" => (false, false),
            "udp6" => (false, true),
            "tcp4" => (true, false),
            "tcp6" => (true, true),
            _ => {
                self.drain_args(b, args);
                let mut d = Diagnostic::error("E0100", format!("no packet constructor `Packet::{ctor}`"))
                    .with_primary(span, "unknown constructor");
                d = match did_you_mean(ctor, ["udp4", "udp6", "tcp4", "tcp6"]) {
                    Some(s) => d.with_help(format!("did you mean `Packet::{s}()`?")),
                    None => d.with_help("test packets start as `Packet::udp4()`, `udp6()`, `tcp4()` or `tcp6()`"),
                };
                self.error(d);
                return err(span);
            }
        };
        if path.segments.len() != 2 || !self.arity(&format!("`Packet::{ctor}`"), args, 0, span) {
            self.drain_args(b, args);
            return err(span);
        }
        mk(ExprKind::TestPacket { tcp, v6 }, Ty::Packet, span)
    }

    /// A builder step on a test packet: `.src("a:p")`, `.dst("a:p")`, `.payload(bytes)`,
    /// `.hash(n)`, `.cpu(n)`, `.random(n)`, `.now(ns)`, `.bind_inany(b)`, `.migrating()`.
    fn packet_setter(
        &mut self,
        b: &mut Body,
        packet: hir::Expr,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        const SETTERS: [&str; 9] = ["src", "dst", "payload", "hash", "cpu", "random", "now", "bind_inany", "migrating"];
        let name = method.name.as_str();
        if !SETTERS.contains(&name) {
            self.drain_args(b, args);
            let mut d = Diagnostic::error("E0105", format!("no method `{name}` on a test packet"))
                .with_primary(method.span, "unknown method");
            d = match did_you_mean(name, SETTERS) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("test packets have {}", SETTERS.map(|s| format!("`{s}`")).join(", "))),
            };
            self.error(d);
            return err(span);
        }
        let want = if name == "migrating" { 0 } else { 1 };
        if !self.arity(&format!("`{name}`"), args, want, span) {
            self.drain_args(b, args);
            return err(span);
        }
        let set = match name {
            "src" | "dst" => {
                let A::Str(text) = &args[0].kind else {
                    self.expr(b, &args[0], None);
                    self.error(
                        Diagnostic::error("E0200", format!("`{name}` takes an address literal"))
                            .with_primary(args[0].span, "expected a string such as \"10.0.0.7:5000\""),
                    );
                    return err(span);
                };
                let Ok(addr) = text.parse::<std::net::SocketAddr>() else {
                    self.error(
                        Diagnostic::error("E0200", format!("`{text}` is not a socket address"))
                            .with_primary(args[0].span, "not an address:port")
                            .with_help("write \"10.0.0.7:5000\" or \"[2001:db8::1]:443\""),
                    );
                    return err(span);
                };
                if name == "src" {
                    PacketSet::Src(addr)
                } else {
                    PacketSet::Dst(addr)
                }
            }
            "payload" => {
                // Any length: the expected element type types the literals (`[7; 64]`).
                let bytes_of_any_len = Ty::Array(Box::new(Ty::U8), 0);
                let e = self.expr(b, &args[0], Some(&bytes_of_any_len));
                match &e.ty {
                    Ty::Array(elem, _) if **elem == Ty::U8 => {}
                    Ty::Never => return err(span),
                    other => {
                        let tn = self.ty_name(other);
                        self.error(
                            Diagnostic::error("E0200", format!("mismatched types: expected `[u8; N]`, found `{tn}`"))
                                .with_primary(e.span, format!("this is `{tn}`"))
                                .with_help("a payload is a byte string such as b\"\\x40\\x07\" or a `[u8; N]`"),
                        );
                        return err(span);
                    }
                }
                PacketSet::Payload(Box::new(e))
            }
            "hash" => PacketSet::Hash(Box::new(self.expect(b, &args[0], &Ty::U32))),
            "cpu" => PacketSet::Cpu(Box::new(self.expect(b, &args[0], &Ty::U32))),
            "random" => PacketSet::Random(Box::new(self.expect(b, &args[0], &Ty::U32))),
            "now" => PacketSet::Now(Box::new(self.expect(b, &args[0], &Ty::U64))),
            "bind_inany" => PacketSet::BindInany(Box::new(self.expect(b, &args[0], &Ty::Bool))),
            _ => PacketSet::Migrating,
        };
        mk(ExprKind::PacketSet { packet: Box::new(packet), set }, Ty::Packet, span)
    }

    /// `assert!(c)`, `assert_eq!(a, b)`, `assert_ne!(a, b)`, `assert_selected!(run, MAP, key)`.
    fn assert_macro(&mut self, b: &mut Body, name: &ast::Ident, args: &[ast::Expr], span: Span) -> hir::Expr {
        const MACROS: [&str; 4] = ["assert", "assert_eq", "assert_ne", "assert_selected"];
        let n = name.name.as_str();
        if !MACROS.contains(&n) {
            self.drain_args(b, args);
            let mut d = Diagnostic::error("E0100", format!("no macro `{n}!`")).with_primary(name.span, "unknown macro");
            if let Some(s) = did_you_mean(n, MACROS) {
                d = d.with_help(format!("did you mean `{s}!`?"));
            }
            self.error(d);
            return err(span);
        }
        if !b.in_test() {
            return self.test_only(span, &format!("`{n}!`"));
        }
        match n {
            "assert" => {
                if !self.arity("`assert!`", args, 1, span) {
                    self.drain_args(b, args);
                    return err(span);
                }
                let c = self.expect(b, &args[0], &Ty::Bool);
                mk(ExprKind::Assert { kind: AssertKind::True, args: vec![c], map: None }, Ty::Unit, span)
            }
            "assert_eq" | "assert_ne" => {
                if !self.arity(&format!("`{n}!`"), args, 2, span) {
                    self.drain_args(b, args);
                    return err(span);
                }
                let l = self.expr(b, &args[0], None);
                let r = if l.ty == Ty::Never { self.expr(b, &args[1], None) } else { self.expect(b, &args[1], &l.ty) };
                let kind = if n == "assert_eq" { AssertKind::Eq } else { AssertKind::Ne };
                mk(ExprKind::Assert { kind, args: vec![l, r], map: None }, Ty::Unit, span)
            }
            _ => {
                if !self.arity("`assert_selected!`", args, 3, span) {
                    self.drain_args(b, args);
                    return err(span);
                }
                let run = self.expect(b, &args[0], &Ty::Verdict);
                let Some(m) = self.map_of(b, &args[1]) else {
                    self.expr(b, &args[1], None);
                    self.expr(b, &args[2], None);
                    self.error(
                        Diagnostic::error("E0200", "`assert_selected!` names a socket map second")
                            .with_primary(args[1].span, "not a map")
                            .with_help("write `assert_selected!(route(p), SOCKETS, 7)`"),
                    );
                    return err(span);
                };
                let key_ty = self.maps[m.0 as usize].key.clone();
                let key = self.expect(b, &args[2], &key_ty);
                mk(ExprKind::Assert { kind: AssertKind::Selected, args: vec![run, key], map: Some(m) }, Ty::Unit, span)
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // Blocks and statements.

    pub fn block(&mut self, b: &mut Body, blk: &ast::Block, exp: Option<&Ty>) -> Block {
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

    fn stmt(&mut self, b: &mut Body, s: &ast::Stmt) -> Stmt {
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
                        Diagnostic::error("E0206", "the `else` block of `let ... else` must not fall through")
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

    fn assign(&mut self, b: &mut Body, place: &ast::Expr, op: Option<BinOp>, value: &ast::Expr, span: Span) -> Stmt {
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
                let tn = self.ty_name(&ty);
                self.error(
                    Diagnostic::error("E0203", format!("cannot apply `{}=` to `{tn}`", op_str(op)))
                        .with_primary(place.span, format!("this is `{tn}`"))
                        .with_help("compound assignment works on integers"),
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
        Stmt::Assign { place: p, op, value, span }
    }

    /// An assignable place and its type; reports immutability.
    fn place(&mut self, b: &mut Body, e: &ast::Expr) -> Option<(Place, Ty)> {
        match &e.kind {
            A::Paren(x) => self.place(b, x),
            A::Path(p) if p.single().is_some_and(|n| b.lookup(&n.name).is_some()) => {
                let name = p.single()?;
                let id = b.lookup(&name.name)?;
                let decl = &b.locals[id.0 as usize];
                if !decl.mutable {
                    let d = Diagnostic::error("E0204", format!("cannot assign to `{}`, which is not `mut`", name.name))
                        .with_primary(e.span, "assignment to an immutable variable")
                        .with_secondary(decl.span, "declared here")
                        .with_help(format!("declare it `let mut {}`", name.name));
                    self.error(d);
                }
                Some((Place::Local(id), b.locals[id.0 as usize].ty.clone()))
            }
            A::Field(base, f) if self.is_packet_local(b, base) => {
                self.error(
                    Diagnostic::error("E0204", format!("cannot assign to `{}`: packet fields are read-only", f.name))
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
                            Diagnostic::error("E0203", format!("cannot index into `{tn}`"))
                                .with_primary(base.span, "not an array"),
                        );
                        None
                    }
                }
            }
            _ => {
                self.expr(b, e, None);
                self.error(
                    Diagnostic::error("E0204", "cannot assign to this expression")
                        .with_primary(e.span, "not a variable, field or array element")
                        .with_help("assign to a `let mut` variable, one of its fields or one of its elements"),
                );
                None
            }
        }
    }

    fn is_packet_local(&self, b: &Body, e: &ast::Expr) -> bool {
        match &e.kind {
            A::Path(p) => {
                p.single().and_then(|n| b.lookup(&n.name)).is_some_and(|id| b.locals[id.0 as usize].ty == Ty::Packet)
            }
            A::Paren(x) => self.is_packet_local(b, x),
            _ => false,
        }
    }

    // ----------------------------------------------------------------------------------
    // Expressions.

    /// Checks `e` where type `want` is required and reports a mismatch.
    pub fn expect(&mut self, b: &mut Body, e: &ast::Expr, want: &Ty) -> hir::Expr {
        let mut x = self.expr(b, e, Some(want));
        self.coerce(&mut x, want);
        x
    }

    fn coerce(&mut self, x: &mut hir::Expr, want: &Ty) {
        if compatible(&x.ty, want) {
            // `None` and other partly known types take the expected type.
            if x.ty != Ty::Never && *want != Ty::Never {
                x.ty = want.clone();
            }
            return;
        }
        let (w, f) = (self.ty_name(want), self.ty_name(&x.ty));
        let mut d = Diagnostic::error("E0200", format!("mismatched types: expected `{w}`, found `{f}`"))
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

    fn unify(&mut self, first: &Ty, other: &mut hir::Expr) -> Ty {
        if *first == Ty::Never {
            return other.ty.clone();
        }
        self.coerce(other, first);
        first.clone()
    }

    pub fn expr(&mut self, b: &mut Body, e: &ast::Expr, exp: Option<&Ty>) -> hir::Expr {
        let span = e.span;
        match &e.kind {
            A::Error => err(span),
            A::Int { value, suffix } => self.int_lit(*value, *suffix, false, exp, span),
            A::Bool(v) => mk(ExprKind::Bool(*v), Ty::Bool, span),
            A::Byte(v) => mk(ExprKind::Int(*v as u64), Ty::U8, span),
            A::ByteStr(bytes) => {
                if bytes.len() as u32 > MAX_ARRAY_LEN {
                    self.error(
                        Diagnostic::error("E0404", "byte string too long")
                            .with_primary(span, format!("at most {MAX_ARRAY_LEN} bytes")),
                    );
                    return err(span);
                }
                mk(ExprKind::Bytes(bytes.clone()), Ty::Array(Box::new(Ty::U8), bytes.len() as u32), span)
            }
            A::Str(_) => {
                self.error(
                    Diagnostic::error("E0210", "a string literal can only name an address in a test packet")
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
            A::MethodCall { recv, method, generics, args } => self.method(b, recv, method, generics, args, exp, span),
            A::Call { callee, args } => self.call(b, callee, args, exp, span),
            A::Index(base, idx) => {
                let base_e = self.expr(b, base, None);
                let i = self.index_expr(b, idx, &base_e.ty);
                match base_e.ty.clone() {
                    Ty::Array(elem, _) => mk(ExprKind::Index(Box::new(base_e), Box::new(i)), *elem, span),
                    Ty::Never => err(span),
                    other => {
                        let tn = self.ty_name(&other);
                        self.error(
                            Diagnostic::error("E0203", format!("cannot index into `{tn}`"))
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
                        Diagnostic::error("E0404", format!("array of {count} elements is too large"))
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
                        Diagnostic::error("E0500", "`return` in a constant expression")
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
                                Diagnostic::error("E0200", format!("mismatched types: expected `{w}`, found `()`"))
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
                        Diagnostic::error("E0205", format!("`{word}` outside of a loop"))
                            .with_primary(span, format!("`{word}` needs an enclosing `for`")),
                    );
                    return err(span);
                }
                mk(if is_break { ExprKind::Break } else { ExprKind::Continue }, Ty::Never, span)
            }
        }
    }

    /// The end of an `if`: the optional `else`, and the type of the whole.
    fn if_rest(
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
                if !compatible(&then_b.ty, &Ty::Unit) {
                    let tn = self.ty_name(&then_b.ty);
                    let at = then_b.tail.as_ref().map(|t| t.span).unwrap_or(then_b.span);
                    self.error(
                        Diagnostic::error("E0200", format!("mismatched types: expected `()`, found `{tn}`"))
                            .with_primary(at, "an `if` without `else` gives no value")
                            .with_help("add an `else` branch, or end this one with `;`"),
                    );
                }
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

    fn option_inner(&mut self, e: &hir::Expr, what: &str) -> Ty {
        match &e.ty {
            Ty::Option(t) => (**t).clone(),
            Ty::Never => Ty::Never,
            other => {
                let tn = self.ty_name(other);
                self.error(
                    Diagnostic::error("E0200", format!("mismatched types: expected an `Option`, found `{tn}`"))
                        .with_primary(e.span, format!("{what} needs an `Option`")),
                );
                Ty::Never
            }
        }
    }

    fn int_lit(
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
            let mut d = Diagnostic::error("E0003", format!("integer literal out of range for `{}`", t.name()))
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
        mk(ExprKind::Int(mask(v as u64, t)), Ty::Int(t), span)
    }

    fn path_value(&mut self, b: &mut Body, p: &ast::Path, exp: Option<&Ty>) -> hir::Expr {
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
                            Diagnostic::error("E0200", "cannot tell what `None` is `None` of")
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
            if let Some(t) = crate::parse::int_ty_named(&first.name) {
                let (lo, hi) = range_of(t);
                let v: Option<(i128, Ty)> = match second.name.as_str() {
                    "MAX" => Some((hi, Ty::Int(t))),
                    "MIN" => Some((lo, Ty::Int(t))),
                    "BITS" => Some((t.bits() as i128, Ty::U32)),
                    _ => None,
                };
                return match v {
                    Some((v, Ty::Int(vt))) => mk(ExprKind::Int(mask(v as u64, vt)), Ty::Int(vt), span),
                    _ => {
                        self.error(
                            Diagnostic::error("E0100", format!("no constant `{}::{}`", first.name, second.name))
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
                        let mut d = Diagnostic::error("E0100", format!("no verdict `{}`", second.name))
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
                Some((Ty::Bool, v)) => mk(ExprKind::Bool(v != 0), Ty::Bool, span),
                Some((t, v)) => mk(ExprKind::Int(v), t, span),
                None => err(span),
            },
            Ok(ItemRef::Map(m)) => {
                let name = self.maps[m.0 as usize].name.clone();
                self.error(
                    Diagnostic::error("E0208", format!("map `{name}` is not a value"))
                        .with_primary(span, "a map")
                        .with_help(format!(
                            "read it with `{name}.get(key)`, or pick a socket with `select({name}, key)`"
                        )),
                );
                err(span)
            }
            Ok(ItemRef::Fn(f)) => {
                let name = self.fns[f.0 as usize].name.clone();
                self.error(
                    Diagnostic::error("E0208", format!("function `{name}` is not a value"))
                        .with_primary(span, "a function")
                        .with_help(format!("call it: `{name}(...)`")),
                );
                err(span)
            }
            Ok(ItemRef::Struct(s)) => {
                let name = self.structs[s.0 as usize].name.clone();
                self.error(
                    Diagnostic::error("E0208", format!("struct `{name}` is not a value"))
                        .with_primary(span, "a type")
                        .with_help(format!("build one: `{name} {{ field: value, .. }}`")),
                );
                err(span)
            }
            Err(d) => {
                let d = match p.single() {
                    Some(one) if d.code == "E0100" => {
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

    fn unary(&mut self, b: &mut Body, op: UnOp, x: &ast::Expr, exp: Option<&Ty>, span: Span) -> hir::Expr {
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
            let tn = self.ty_name(&v.ty);
            let (sym, help) = match op {
                UnOp::Neg => (
                    "-",
                    "unary `-` applies to signed integers; for a wrapping negation of an unsigned value write `0 - x`",
                ),
                UnOp::Not => ("!", "`!` is logical on `bool` and bitwise on integers"),
            };
            self.error(
                Diagnostic::error("E0203", format!("cannot apply unary `{sym}` to `{tn}`"))
                    .with_primary(x.span, format!("this is `{tn}`"))
                    .with_help(help),
            );
            return err(span);
        }
        let t = v.ty.clone();
        mk(ExprKind::Unary(op, Box::new(v)), t, span)
    }

    fn require_int(&mut self, e: &hir::Expr, op: &str) -> bool {
        match &e.ty {
            Ty::Int(_) | Ty::Never => true,
            other => {
                let tn = self.ty_name(other);
                self.error(
                    Diagnostic::error("E0203", format!("cannot apply `{op}` to `{tn}`"))
                        .with_primary(e.span, format!("this is `{tn}`"))
                        .with_help(format!("`{op}` works on integers")),
                );
                false
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn binary(
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
        let cmp = is_comparison(op);
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
                Diagnostic::error("E0203", format!("cannot apply `{sym}` to `{tn}`"))
                    .with_primary(op_span, format!("`{sym}` on `{tn}`"))
                    .with_secondary(at, format!("this is `{tn}`"))
                    .with_help(help),
            );
            return err(span);
        }
        if !compatible(&l.ty, &r.ty) {
            let (lt, rt) = (self.ty_name(&l.ty), self.ty_name(&r.ty));
            let mut d = Diagnostic::error("E0200", format!("mismatched types: expected `{lt}`, found `{rt}`"))
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
        if matches!(op, BinOp::Div | BinOp::Rem) && r.ty != Ty::Never {
            if let Ok(0) = consteval::eval(&r) {
                self.error(
                    Diagnostic::error("E0503", format!("this `{sym}` always divides by zero"))
                        .with_primary(r.span, "the divisor is zero")
                        .with_help(
                            "BPF defines `x / 0 == 0` and `x % 0 == x`, which is never what a constant zero means",
                        ),
                );
            }
        }
        let t = if cmp { Ty::Bool } else { operand_ty };
        mk(ExprKind::Binary(op, Box::new(l), Box::new(r)), t, span)
    }

    fn cast(&mut self, b: &mut Body, x: &ast::Expr, t: &ast::Ident, span: Span) -> hir::Expr {
        let v = self.expr(b, x, None);
        let Some(to) = int_ty_named(&t.name) else {
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
            self.error(Diagnostic::error("E0207", msg).with_primary(t.span, "not an integer type").with_help(help));
            return err(span);
        };
        match &v.ty {
            Ty::Int(_) | Ty::Bool => mk(ExprKind::Cast(Box::new(v)), Ty::Int(to), span),
            Ty::Never => err(span),
            other => {
                let tn = self.ty_name(other);
                let mut d = Diagnostic::error("E0207", format!("cannot cast `{tn}` to `{}`", t.name))
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

    fn no_field(&self, ty: &Ty, f: &ast::Ident) -> Diagnostic {
        let tn = self.ty_name(ty);
        let mut d = Diagnostic::error("E0104", format!("no field `{}` on type `{tn}`", f.name))
            .with_primary(f.span, "unknown field");
        let names: Vec<&str> = match ty {
            Ty::Struct(s) => self.structs[s.0 as usize].fields.iter().map(|f| f.name.as_str()).collect(),
            Ty::Packet => PACKET_FIELDS.iter().map(|(n, _)| *n).chain(REGIONS.iter().map(|(n, _)| *n)).collect(),
            _ => vec![],
        };
        if let Some(s) = did_you_mean(&f.name, names) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        d
    }

    fn field(&mut self, b: &mut Body, base: &ast::Expr, f: &ast::Ident, span: Span) -> hir::Expr {
        let be = self.expr(b, base, None);
        match be.ty.clone() {
            Ty::Never => err(span),
            Ty::Packet => {
                if let Some(&(_, pf)) = PACKET_FIELDS.iter().find(|(n, _)| *n == f.name) {
                    if pf == PacketField::Migrating {
                        if let Some(FnKind::Entry(a)) = b.kind {
                            if !a.migrate {
                                self.error(
                                    Diagnostic::error("E0701", "`pkt.migrating` needs `#[steer(migrate)]`")
                                        .with_primary(f.span, "always false in this entry")
                                        .with_help(
                                            "attach the entry as select-or-migrate: `#[steer(migrate)]` (Linux 5.14+)",
                                        ),
                                );
                            }
                        }
                    }
                    return mk(ExprKind::PacketField { packet: Box::new(be), field: pf }, packet_field_ty(pf), span);
                }
                if REGIONS.iter().any(|(n, _)| *n == f.name) {
                    self.error(
                        Diagnostic::error("E0208", format!("`pkt.{}` is a region of the packet, not a value", f.name))
                            .with_primary(span, "a region")
                            .with_help(format!(
                                "read from it: `pkt.{}.u8(0)`, `.be16(off)`, `.be32(off)`, `.bytes::<N>(off)`",
                                f.name
                            )),
                    );
                    return err(span);
                }
                if PACKET_METHODS.iter().any(|(n, _)| *n == f.name) {
                    self.error(
                        Diagnostic::error("E0104", format!("`{}` is a method of `Packet`", f.name))
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
    fn index_expr(&mut self, b: &mut Body, idx: &ast::Expr, base_ty: &Ty) -> hir::Expr {
        let i = self.expr(b, idx, None);
        match &i.ty {
            Ty::Int(t) if !t.signed() => {
                if let (Ty::Array(_, n), Ok(v)) = (base_ty, consteval::eval(&i)) {
                    if v >= *n as u64 {
                        self.error(
                            Diagnostic::error(
                                "E0504",
                                format!("index {v} is out of bounds for an array of length {n}"),
                            )
                            .with_primary(idx.span, format!("valid indices are 0..{n}")),
                        );
                    }
                }
            }
            Ty::Never => {}
            other => {
                let tn = self.ty_name(other);
                self.error(
                    Diagnostic::error("E0200", format!("mismatched types: expected an unsigned integer, found `{tn}`"))
                        .with_primary(idx.span, "array indices are unsigned integers"),
                );
            }
        }
        i
    }

    fn try_expr(&mut self, b: &mut Body, x: &ast::Expr, exp: Option<&Ty>, span: Span) -> hir::Expr {
        let inner_exp = exp.map(|t| Ty::Option(Box::new(t.clone())));
        let v = self.expr(b, x, inner_exp.as_ref());
        let t = match &v.ty {
            Ty::Option(t) => (**t).clone(),
            Ty::Never => return err(span),
            other => {
                let tn = self.ty_name(other);
                self.error(
                    Diagnostic::error("E0202", format!("`?` applies to an `Option`, not `{tn}`"))
                        .with_primary(v.span, format!("this is `{tn}`"))
                        .with_help("only packet reads, map lookups and functions returning `Option` can be `None`"),
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
                    Diagnostic::error("E0202", "`?` can only be used where `None` has somewhere to go")
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

    fn struct_lit(
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
                    Diagnostic::error("E0106", format!("`{}` is not a struct", path.text()))
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
                            Diagnostic::error("E0104", format!("field `{}` is given twice", name.name))
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
                Diagnostic::error(
                    "E0104",
                    format!(
                        "missing field{} {} in `{}`",
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(", "),
                        def.name
                    ),
                )
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

    fn arity(&mut self, what: &str, args: &[ast::Expr], n: usize, span: Span) -> bool {
        if args.len() == n {
            return true;
        }
        self.error(
            Diagnostic::error(
                "E0201",
                format!(
                    "{what} takes {} but {} {} supplied",
                    plural(n, "argument"),
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
            )
            .with_primary(span, format!("expected {}, found {}", plural(n, "argument"), args.len())),
        );
        false
    }

    /// Checks arguments of a call that already failed, for their own errors only.
    fn drain_args(&mut self, b: &mut Body, args: &[ast::Expr]) {
        for a in args {
            // A map argument (as of `select`) is not an error of its own, and neither is an
            // address literal of a packet builder whose receiver already failed.
            if self.map_of(b, a).is_none() && !matches!(a.kind, A::Str(_)) {
                self.expr(b, a, None);
            }
        }
    }

    fn call(
        &mut self,
        b: &mut Body,
        callee: &ast::Expr,
        args: &[ast::Expr],
        exp: Option<&Ty>,
        span: Span,
    ) -> hir::Expr {
        let A::Path(path) = &callee.kind else {
            self.expr(b, callee, None);
            self.drain_args(b, args);
            self.error(
                Diagnostic::error("E0208", "only functions can be called").with_primary(callee.span, "not a function"),
            );
            return err(span);
        };
        if path.segments.first().is_some_and(|s| s.name == "Packet") && b.in_test() {
            return self.test_packet(b, path, args, span);
        }
        let single = path.single().map(|s| s.name.clone());
        if let Some(name) = &single {
            if let Some(id) = b.lookup(name) {
                let _ = id;
                self.drain_args(b, args);
                self.error(
                    Diagnostic::error("E0208", format!("`{name}` is a variable, not a function"))
                        .with_primary(callee.span, "not a function"),
                );
                return err(span);
            }
        }
        match self.lookup_item(b.module, path) {
            Ok(ItemRef::Fn(f)) => return self.call_fn(b, f, args, span),
            Ok(_) => {
                self.drain_args(b, args);
                self.error(
                    Diagnostic::error("E0208", format!("`{}` is not a function", path.text()))
                        .with_primary(callee.span, "not a function"),
                );
                return err(span);
            }
            Err(d) => {
                if single.is_none() {
                    self.drain_args(b, args);
                    self.error(d);
                    return err(span);
                }
            }
        }
        let name = single.unwrap_or_default();
        let builtin = match name.as_str() {
            "cpu" => Some((Builtin::Cpu, Ty::U32)),
            "random" => Some((Builtin::Random, Ty::U32)),
            "now_ns" => Some((Builtin::NowNs, Ty::U64)),
            "now_coarse_ns" => Some((Builtin::NowCoarseNs, Ty::U64)),
            _ => None,
        };
        if let Some((bi, t)) = builtin {
            if !self.arity(&format!("`{name}`"), args, 0, span) {
                self.drain_args(b, args);
                return err(span);
            }
            return mk(ExprKind::Builtin(bi), t, span);
        }
        match name.as_str() {
            "select" | "try_select" => self.select(b, &name, args, span),
            "Some" => {
                if !self.arity("`Some`", args, 1, span) {
                    self.drain_args(b, args);
                    return err(span);
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

    fn call_fn(&mut self, b: &mut Body, f: FuncId, args: &[ast::Expr], span: Span) -> hir::Expr {
        let info = &self.fns[f.0 as usize];
        let (name, params, ret) = (info.name.clone(), info.params.clone(), info.ret.clone());
        if b.in_test() && matches!(info.kind, FnKind::Entry(_)) {
            // A test runs an entry in the simulator; the value is the run's outcome.
            if !self.arity(&format!("entry `{name}`"), args, 1, span) {
                self.drain_args(b, args);
                return err(span);
            }
            let packet = self.expect(b, &args[0], &Ty::Packet);
            return mk(ExprKind::RunEntry { func: f, packet: Box::new(packet) }, Ty::Verdict, span);
        }
        if !self.arity(&format!("function `{name}`"), args, params.len(), span) {
            self.drain_args(b, args);
            return err(span);
        }
        let mut out = Vec::new();
        for (a, (_, _, t)) in args.iter().zip(&params) {
            out.push(self.expect(b, a, t));
        }
        if let Some(me) = b.func {
            self.calls[me.0 as usize].push((f, span));
        }
        mk(ExprKind::Call { func: f, args: out }, ret, span)
    }

    /// A map named by a path, if the path names one (and no local shadows it).
    fn map_of(&self, b: &Body, e: &ast::Expr) -> Option<MapId> {
        let A::Path(p) = &e.kind else { return None };
        if p.single().is_some_and(|s| b.lookup(&s.name).is_some()) {
            return None;
        }
        match self.lookup_item(b.module, p) {
            Ok(ItemRef::Map(m)) => Some(m),
            _ => None,
        }
    }

    fn select(&mut self, b: &mut Body, name: &str, args: &[ast::Expr], span: Span) -> hir::Expr {
        let is_try = name == "try_select";
        let ret = if is_try { Ty::Bool } else { Ty::Verdict };
        if !self.arity(&format!("`{name}`"), args, 2, span) {
            self.drain_args(b, args);
            return err(span);
        }
        let Some(m) = self.map_of(b, &args[0]) else {
            let first = self.expr(b, &args[0], None);
            self.expr(b, &args[1], None);
            if first.ty != Ty::Never {
                self.error(
                    Diagnostic::error("E0403", format!("the first argument of `{name}` must be a socket map"))
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
                Diagnostic::error(
                    "E0403",
                    format!(
                        "`{name}` needs a socket map, but `{}` is {} `{}`",
                        decl.name,
                        article(decl.kind.name()),
                        decl.kind.name()
                    ),
                )
                .with_primary(args[0].span, "not a socket map")
                .with_help("declare the sockets in a `SockArray<N>`, `SockMap<N>` or `SockHash<K, N>`"),
            );
            return err(span);
        }
        let key = self.expect(b, &args[1], &decl.key);
        mk(ExprKind::Select { map: m, key: Box::new(key), is_try }, ret, span)
    }

    #[allow(clippy::too_many_arguments)]
    fn method(
        &mut self,
        b: &mut Body,
        recv: &ast::Expr,
        method: &ast::Ident,
        generics: &[ast::GenericArg],
        args: &[ast::Expr],
        exp: Option<&Ty>,
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
                        self.drain_args(b, args);
                        return err(span);
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
            Ty::Never => {
                self.drain_args(b, args);
                err(span)
            }
            Ty::Packet => {
                if let Some(&(_, pf)) = PACKET_METHODS.iter().find(|(n, _)| *n == method.name) {
                    if !zero_args(self, &format!("`pkt.{}()`", method.name), b) {
                        return err(span);
                    }
                    return mk(ExprKind::PacketField { packet: Box::new(r), field: pf }, packet_field_ty(pf), span);
                }
                if b.in_test() {
                    return self.packet_setter(b, r, method, args, span);
                }
                self.unknown_method(&Ty::Packet, method, PACKET_METHODS.iter().map(|(n, _)| *n).collect());
                self.drain_args(b, args);
                err(span)
            }
            Ty::Option(inner) => match method.name.as_str() {
                "unwrap_or" => {
                    if !self.arity("`unwrap_or`", args, 1, span) {
                        self.drain_args(b, args);
                        return err(span);
                    }
                    let d = self.expect(b, &args[0], &inner);
                    let t = if *inner == Ty::Never { d.ty.clone() } else { (*inner).clone() };
                    let _ = exp;
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
                    self.drain_args(b, args);
                    err(span)
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
                self.drain_args(b, args);
                err(span)
            }
        }
    }

    /// The integer methods Rust users reach for: `wrapping_add/sub/mul` (arithmetic wraps
    /// anyway), `min` and `max`.
    fn int_method(
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
            self.drain_args(b, args);
            return err(span);
        }
        if !self.arity(&format!("`{name}`"), args, 1, span) {
            self.drain_args(b, args);
            return err(span);
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

    fn unknown_method(&mut self, ty: &Ty, method: &ast::Ident, names: Vec<&str>) {
        let tn = self.ty_name(ty);
        let mut d = Diagnostic::error("E0105", format!("no method `{}` on `{tn}`", method.name))
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
    fn region_read(
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
                        Diagnostic::error("E0201", "`bytes` needs its length: `bytes::<N>(offset)`")
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
                            Diagnostic::error("E0404", "`bytes::<0>` reads nothing")
                                .with_primary(method.span, "length 0"),
                        );
                    }
                    self.drain_args(b, args);
                    return err(span);
                }
                Some(n) if n > 256 => {
                    self.error(
                        Diagnostic::error("E0404", format!("`bytes::<{n}>` is too large"))
                            .with_primary(method.span, "at most 256 bytes in one read")
                            .with_help("BPF programs have 512 bytes of stack"),
                    );
                    self.drain_args(b, args);
                    return err(span);
                }
                Some(n) => ReadKind::Bytes(n),
            }
        } else {
            match READS.iter().find(|(n, _)| *n == method.name) {
                Some(&(_, k)) => {
                    if !generics.is_empty() {
                        self.error(
                            Diagnostic::error("E0201", format!("`{}` takes no `::<..>`", method.name))
                                .with_primary(method.span, "remove the turbofish"),
                        );
                    }
                    k
                }
                None => {
                    let mut names: Vec<&str> = READS.iter().map(|(n, _)| *n).collect();
                    names.push("bytes");
                    let mut d = Diagnostic::error("E0105", format!("no read `{}` on a packet region", method.name))
                        .with_primary(method.span, "unknown read");
                    d = match did_you_mean(&method.name, names.iter().copied()) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(
                            "regions read with `u8`, `be16`, `be32`, `be64`, `le16`, `le32`, `le64` and `bytes::<N>`",
                        ),
                    };
                    self.error(d);
                    self.drain_args(b, args);
                    return err(span);
                }
            }
        };
        if !self.arity(&format!("`{}`", method.name), args, 1, span) {
            self.drain_args(b, args);
            return err(span);
        }
        let off = self.expr(b, &args[0], None);
        match &off.ty {
            Ty::Int(t) if !t.signed() => {}
            Ty::Never => return err(span),
            other => {
                let tn = self.ty_name(other);
                self.error(
                    Diagnostic::error("E0200", format!("mismatched types: expected an unsigned integer, found `{tn}`"))
                        .with_primary(off.span, "offsets are unsigned integers"),
                );
                return err(span);
            }
        }
        let t = match kind {
            ReadKind::U8 => Ty::U8,
            ReadKind::Be16 | ReadKind::Le16 => Ty::U16,
            ReadKind::Be32 | ReadKind::Le32 => Ty::U32,
            ReadKind::Be64 | ReadKind::Le64 => Ty::U64,
            ReadKind::Bytes(n) => Ty::Array(Box::new(Ty::U8), n),
        };
        mk(
            ExprKind::RegionRead { packet: Box::new(packet), region, kind, offset: Box::new(off) },
            Ty::Option(Box::new(t)),
            span,
        )
    }

    fn map_method(&mut self, b: &mut Body, m: MapId, method: &ast::Ident, args: &[ast::Expr], span: Span) -> hir::Expr {
        let decl = self.maps[m.0 as usize].clone();
        let name = method.name.as_str();
        if b.in_test() && name == "fill" {
            if !decl.kind.is_socket_map() {
                self.drain_args(b, args);
                self.error(
                    Diagnostic::error(
                        "E0105",
                        format!("`fill` works on socket maps; `{}` is a `{}`", decl.name, decl.kind.name()),
                    )
                    .with_primary(method.span, "not a socket map")
                    .with_help("fill other maps with `set` or `insert`"),
                );
                return err(span);
            }
            if !self.arity("`fill`", args, 1, span) {
                self.drain_args(b, args);
                return err(span);
            }
            let count = self.expect(b, &args[0], &Ty::U32);
            return mk(ExprKind::MapFill { map: m, count: Box::new(count) }, Ty::Unit, span);
        }
        let known = ["get", "set", "add", "insert", "remove", "contains"];
        if !known.contains(&name) {
            let mut d = Diagnostic::error("E0105", format!("no method `{name}` on map `{}`", decl.name))
                .with_primary(method.span, "unknown method");
            d = match did_you_mean(name, known) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => {
                    d.with_help("maps have `get`, `set`, `add`, `insert`, `remove` and `contains` (LANGUAGE.md §5)")
                }
            };
            self.error(d);
            self.drain_args(b, args);
            return err(span);
        }
        let kind_ok = match name {
            "get" => !decl.kind.is_socket_map(),
            "set" => matches!(decl.kind, MapKind::Array | MapKind::PerCpuArray),
            "add" => !decl.kind.is_socket_map(),
            _ => matches!(decl.kind, MapKind::HashMap | MapKind::LruHashMap),
        };
        if !kind_ok {
            let help = if decl.kind.is_socket_map() {
                format!(
                    "socket maps are used with `select({0}, key)` and `try_select({0}, key)`; the loader fills them",
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
                Diagnostic::error(
                    "E0403",
                    format!(
                        "`{name}` cannot be used on `{}`, which is {} `{}`",
                        decl.name,
                        article(decl.kind.name()),
                        decl.kind.name()
                    ),
                )
                .with_primary(method.span, format!("not a method of `{}`", decl.kind.name()))
                .with_help(help),
            );
            self.drain_args(b, args);
            return err(span);
        }
        let n = match name {
            "get" | "remove" | "contains" => 1,
            _ => 2,
        };
        if !self.arity(&format!("`{}.{name}`", decl.name), args, n, span) {
            self.drain_args(b, args);
            return err(span);
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
                        Diagnostic::error(
                            "E0403",
                            format!(
                                "`add` needs a `u32`, `u64`, `i32` or `i64` value, but `{}` holds `{vt}`",
                                decl.name
                            ),
                        )
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

    // ----------------------------------------------------------------------------------
    // match and for.

    fn match_expr(
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
                let tn = self.ty_name(other);
                self.error(
                    Diagnostic::error("E0601", format!("`match` works on integers, not `{tn}`"))
                        .with_primary(scrutinee.span, format!("this is `{tn}`"))
                        .with_help("use `if`/`else` for other types"),
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
                if let (Some(t), Some((lo, hi))) = (int_ty, interval) {
                    if cov.covers(lo, hi) {
                        self.error(
                            Diagnostic::warning("W0003", "unreachable pattern")
                                .with_primary(p.span, "already covered by the arms above")
                                .with_help("remove it, or move it before the arm that covers it"),
                        );
                    }
                    let _ = t;
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
                    Diagnostic::error("E0600", format!("non-exhaustive match: {desc} not covered"))
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
    fn option_match(
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
                    Diagnostic::error("E0601", "an `Option` arm has one pattern: `Some(x)`, `None` or `_`")
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
                        Diagnostic::error("E0601", "an `Option` is matched with `Some(x)`, `None` or `_`")
                            .with_primary(p.span, "not an `Option` pattern"),
                    );
                    continue;
                }
            };
            let useful = (covers_some && some_arm.is_none()) || (covers_none && none_arm.is_none());
            if !useful {
                self.error(
                    Diagnostic::warning("W0003", "unreachable pattern")
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
                Diagnostic::error("E0600", format!("non-exhaustive match: {missing} not covered"))
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
    fn pattern(&mut self, b: &mut Body, p: &ast::Pat, t: Option<IntTy>) -> (Pattern, Option<(i128, i128)>) {
        match &p.kind {
            ast::PatKind::Wild => (Pattern::Wild, t.map(range_of)),
            ast::PatKind::Some { .. } => {
                if t.is_some() {
                    self.error(
                        Diagnostic::error("E0601", "`Some(..)` matches an `Option`, and this `match` is on an integer")
                            .with_primary(p.span, "not an integer pattern"),
                    );
                }
                (Pattern::Wild, None)
            }
            ast::PatKind::Atom(a) => match (self.pat_atom(b, a, t), t) {
                (Some(v), Some(t)) => (Pattern::Int(mask(v as u64, t)), Some((v, v))),
                _ => (Pattern::Wild, None),
            },
            ast::PatKind::Range(lo, hi) => {
                let (l, h) = (self.pat_atom(b, lo, t), self.pat_atom(b, hi, t));
                match (l, h, t) {
                    (Some(l), Some(h), Some(t)) => {
                        if l > h {
                            self.error(
                                Diagnostic::error("E0601", format!("empty range `{l}..={h}`"))
                                    .with_primary(p.span, "the lower bound is above the upper bound")
                                    .with_help(format!("write `{h}..={l}`")),
                            );
                            return (Pattern::Wild, None);
                        }
                        (Pattern::Range(mask(l as u64, t), mask(h as u64, t)), Some((l, h)))
                    }
                    _ => (Pattern::Wild, None),
                }
            }
        }
    }

    /// The value of a pattern literal or constant, in the scrutinee's type.
    fn pat_atom(&mut self, b: &mut Body, a: &ast::PatAtom, t: Option<IntTy>) -> Option<i128> {
        let t = t?;
        let v = match &a.kind {
            ast::PatAtomKind::Error => return None,
            ast::PatAtomKind::Int { value, suffix } => {
                if let Some(s) = suffix {
                    if *s != t {
                        self.error(
                            Diagnostic::error(
                                "E0200",
                                format!("mismatched types: expected `{}`, found `{}`", t.name(), s.name()),
                            )
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
                        Diagnostic::error("E0200", format!("mismatched types: expected `{}`, found `u8`", t.name()))
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
                            Diagnostic::error(
                                "E0200",
                                format!("mismatched types: expected `{}`, found `{tn}`", t.name()),
                            )
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
                Diagnostic::error("E0003", format!("pattern value out of range for `{}`", t.name()))
                    .with_primary(a.span, format!("`{v}` does not fit in `{}`", t.name())),
            );
            return None;
        }
        Some(v)
    }

    fn for_expr(
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
                Diagnostic::error("E0200", format!("mismatched types: expected `{st}`, found `{et}`"))
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
                            Diagnostic::error("E0700", "the loop's end must be a constant")
                                .with_primary(e.span, "only known at run time")
                                .with_help("loop to a constant bound and stop early: `for i in 0..MAX { if i >= n { break; } ... }`"),
                        );
                    }
                    Some(end_v) => {
                        let trips = (end_v - start_v).max(0);
                        if trips > MAX_TRIPS as i128 {
                            self.error(
                                Diagnostic::error("E0700", format!("this loop may run {trips} times"))
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
        if !compatible(&bl.ty, &Ty::Unit) {
            let tn = self.ty_name(&bl.ty);
            let at = bl.tail.as_ref().map(|t| t.span).unwrap_or(bl.span);
            self.error(
                Diagnostic::error("E0200", format!("mismatched types: expected `()`, found `{tn}`"))
                    .with_primary(at, "a loop body gives no value")
                    .with_help("end the expression with `;`"),
            );
        }
        mk(ExprKind::For { var: v, start: Box::new(s), end: Box::new(e), max_trips, body: bl }, Ty::Unit, span)
    }
}
