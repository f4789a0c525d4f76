//! Test-only forms: test packets and their builders, and the `assert!` family.

use super::cx::*;
use crate::errors;

impl Cx<'_> {
    /// A test-only form outside a `#[test]` function: an error.
    pub(super) fn test_only(&mut self, span: Span, what: &str) -> hir::Expr {
        self.error(
            errors::test_only(format!("{what} can only be used in `#[test]` functions"))
                .with_primary(span, "test-only form")
                .with_help("packet builders and assertions belong in `#[test] fn`s"),
        );
        err(span)
    }

    // ----------------------------------------------------------------------------------
    // Test-only forms (the book's `ref-tests.md`).

    /// `Packet::udp4()`, `Packet::udp6()`, `Packet::tcp4()`, `Packet::tcp6()`.
    pub(super) fn test_packet(&mut self, b: &mut Body, path: &ast::Path, args: &[ast::Expr], span: Span) -> hir::Expr {
        let ctor = path.segments.get(1).map(|s| s.name.as_str()).unwrap_or("");
        let (tcp, v6) = match ctor {
            "udp4" => (false, false),
            "udp6" => (false, true),
            "tcp4" => (true, false),
            "tcp6" => (true, true),
            _ => {
                self.drain_args(b, args);
                let mut d = errors::unknown_name(format!("no packet constructor `Packet::{ctor}`"))
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
            return self.give_up(b, args, span);
        }
        mk(ExprKind::TestPacket { tcp, v6 }, Ty::Packet, span)
    }

    /// A builder step on a test packet: `.src("a:p")`, `.dst("a:p")`, `.payload(bytes)`,
    /// `.hash(n)`, `.cpu(n)`, `.random(n)`, `.now(ns)`, `.bind_inany(b)`, `.migrating()`.
    pub(super) fn packet_setter(
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
            let mut d = errors::unknown_method(format!("no method `{name}` on a test packet"))
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
            return self.give_up(b, args, span);
        }
        let set = match name {
            "src" | "dst" => {
                let A::Str(text) = &args[0].kind else {
                    self.expr(b, &args[0], None);
                    self.error(
                        errors::mismatched_types(format!("`{name}` takes an address literal"))
                            .with_primary(args[0].span, "expected a string such as \"10.0.0.7:5000\""),
                    );
                    return err(span);
                };
                let Ok(addr) = text.parse::<std::net::SocketAddr>() else {
                    self.error(
                        errors::mismatched_types(format!("`{text}` is not a socket address"))
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
                        self.wrong_type(
                            other,
                            e.span,
                            |tn| {
                                errors::mismatched_types(format!("mismatched types: expected `[u8; N]`, found `{tn}`"))
                            },
                            "a payload is a byte string such as b\"\\x40\\x07\" or a `[u8; N]`",
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
    pub(super) fn assert_macro(
        &mut self,
        b: &mut Body,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        const MACROS: [&str; 4] = ["assert", "assert_eq", "assert_ne", "assert_selected"];
        let n = name.name.as_str();
        if !MACROS.contains(&n) {
            self.drain_args(b, args);
            let mut d = errors::unknown_name(format!("no macro `{n}!`")).with_primary(name.span, "unknown macro");
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
                    return self.give_up(b, args, span);
                }
                let c = self.expect(b, &args[0], &Ty::Bool);
                mk(ExprKind::Assert { kind: AssertKind::True, args: vec![c], map: None }, Ty::Unit, span)
            }
            "assert_eq" | "assert_ne" => {
                if !self.arity(&format!("`{n}!`"), args, 2, span) {
                    return self.give_up(b, args, span);
                }
                let l = self.expr(b, &args[0], None);
                let r = if l.ty == Ty::Never { self.expr(b, &args[1], None) } else { self.expect(b, &args[1], &l.ty) };
                let kind = if n == "assert_eq" { AssertKind::Eq } else { AssertKind::Ne };
                mk(ExprKind::Assert { kind, args: vec![l, r], map: None }, Ty::Unit, span)
            }
            _ => {
                if !self.arity("`assert_selected!`", args, 3, span) {
                    return self.give_up(b, args, span);
                }
                let run = self.expect(b, &args[0], &Ty::Verdict);
                let Some(m) = self.map_of(b, &args[1]) else {
                    self.expr(b, &args[1], None);
                    self.expr(b, &args[2], None);
                    self.error(
                        errors::mismatched_types("`assert_selected!` names a socket map second")
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
}
