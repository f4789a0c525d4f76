//! A compact, readable dump of the typed HIR, for `rsteer check --dump hir` and snapshot
//! tests. It reads like the source with every name resolved: locals are `name#id`, literals
//! carry their type (`8u32`), and the desugared forms are spelled out (`try[fallback]`).

use crate::hir::*;
use std::fmt::Write;

/// Renders the whole program, standard library included.
pub fn program(p: &Program) -> String {
    render(p, |_| true)
}

/// Renders the program with only the functions defined in `file` (the policy without the
/// standard library and modules it uses).
pub fn program_of_file(p: &Program, file: crate::span::FileId) -> String {
    render(p, |f| f.span.file == file)
}

fn render(p: &Program, show: impl Fn(&Function) -> bool) -> String {
    let mut pr = Printer { p, out: String::new(), locals: &[] };
    for c in &p.consts {
        let value = match c.scalar() {
            Some(v) => v.to_string(),
            None => pr.expr(&c.value, 0),
        };
        let _ = writeln!(pr.out, "const {}: {} = {value}", c.name, pr.ty(&c.ty));
    }
    for s in &p.structs {
        let fields: Vec<String> = s.fields.iter().map(|f| format!("{}: {}", f.name, pr.ty(&f.ty))).collect();
        let _ = writeln!(pr.out, "struct {} {{ {} }}", s.name, fields.join(", "));
    }
    for m in &p.maps {
        let _ = writeln!(
            pr.out,
            "map {}: {} key={} value={} capacity={}",
            m.name,
            m.kind.name(),
            pr.ty(&m.key),
            pr.ty(&m.value),
            m.capacity
        );
    }
    for f in &p.functions {
        if show(f) {
            pr.function(f);
        }
    }
    let names =
        |ids: &[FuncId]| ids.iter().map(|f| p.functions[f.0 as usize].name.clone()).collect::<Vec<_>>().join(", ");
    let _ = writeln!(pr.out, "entries: [{}]", names(&p.entries));
    let _ = writeln!(pr.out, "tests: [{}]", names(&p.tests));
    pr.out
}

struct Printer<'p> {
    p: &'p Program,
    out: String,
    locals: &'p [LocalDecl],
}

fn bin(op: BinOp) -> &'static str {
    op.symbol()
}

impl<'p> Printer<'p> {
    fn ty(&self, t: &Ty) -> String {
        match t {
            Ty::Int(i) => i.name().into(),
            Ty::Bool => "bool".into(),
            Ty::Array(e, n) => format!("[{}; {n}]", self.ty(e)),
            Ty::Struct(s) => {
                self.p.structs.get(s.0 as usize).map(|s| s.name.clone()).unwrap_or_else(|| format!("struct#{}", s.0))
            }
            Ty::Option(e) => format!("Option<{}>", self.ty(e)),
            Ty::Packet => "Packet".into(),
            Ty::Verdict => "Verdict".into(),
            Ty::Unit => "()".into(),
            Ty::Never => "!".into(),
        }
    }

    fn local(&self, l: LocalId) -> String {
        match self.locals.get(l.0 as usize) {
            Some(d) => format!("{}#{}", d.name, l.0),
            None => format!("?#{}", l.0),
        }
    }

    fn map(&self, m: MapId) -> String {
        self.p.maps.get(m.0 as usize).map(|m| m.name.clone()).unwrap_or_else(|| format!("map#{}", m.0))
    }

    fn function(&mut self, f: &'p Function) {
        self.locals = &f.locals;
        let kind = match f.kind {
            FnKind::Entry(a) => {
                format!("#[steer(fallback = {:?}{})] ", a.fallback, if a.migrate { ", migrate" } else { "" })
            }
            FnKind::Test => "#[test] ".into(),
            FnKind::Helper => String::new(),
        };
        let params: Vec<String> =
            f.params.iter().map(|p| format!("{}: {}", self.local(*p), self.ty(&f.locals[p.0 as usize].ty))).collect();
        let _ = write!(self.out, "{kind}fn {}({}) -> {} ", f.name, params.join(", "), self.ty(&f.ret));
        self.block(&f.body, 0);
        self.out.push('\n');
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("    ");
        }
    }

    fn block(&mut self, b: &Block, depth: usize) {
        self.out.push_str("{\n");
        for s in &b.stmts {
            self.indent(depth + 1);
            self.stmt(s, depth + 1);
            self.out.push('\n');
        }
        if let Some(t) = &b.tail {
            self.indent(depth + 1);
            let s = self.expr(t, depth + 1);
            self.out.push_str(&s);
            self.out.push('\n');
        }
        self.indent(depth);
        self.out.push('}');
    }

    fn stmt(&mut self, s: &Stmt, depth: usize) {
        match s {
            Stmt::Let { local, init, .. } => {
                let d = &self.locals[local.0 as usize];
                let head =
                    format!("let {}{}: {} = ", if d.mutable { "mut " } else { "" }, self.local(*local), self.ty(&d.ty));
                let e = self.expr(init, depth);
                let _ = write!(self.out, "{head}{e};");
            }
            Stmt::LetElse { local, init, else_block, .. } => {
                let head =
                    format!("let Some({}: {}) = ", self.local(*local), self.ty(&self.locals[local.0 as usize].ty));
                let e = self.expr(init, depth);
                let _ = write!(self.out, "{head}{e} else ");
                self.block(else_block, depth);
                self.out.push(';');
            }
            Stmt::Assign { place, op, value, .. } => {
                let p = self.place(place, depth);
                let v = self.expr(value, depth);
                let op = op.map(bin).unwrap_or("");
                let _ = write!(self.out, "{p} {op}= {v};");
            }
            Stmt::Expr(e) => {
                let s = self.expr(e, depth);
                let _ = write!(self.out, "{s};");
            }
        }
    }

    fn place(&mut self, p: &Place, depth: usize) -> String {
        match p {
            Place::Local(l) => self.local(*l),
            Place::Field(b, i) => format!("{}.{i}", self.place(b, depth)),
            Place::Index(b, i) => {
                let base = self.place(b, depth);
                format!("{base}[{}]", self.expr(i, depth))
            }
        }
    }

    /// Renders a block into a string (blocks print on several lines).
    fn block_str(&mut self, b: &Block, depth: usize) -> String {
        let saved = std::mem::take(&mut self.out);
        self.block(b, depth);
        std::mem::replace(&mut self.out, saved)
    }

    fn expr(&mut self, e: &Expr, depth: usize) -> String {
        match &e.kind {
            ExprKind::Int(v) => match e.ty {
                Ty::Int(t) if t.signed() => {
                    format!("{}{}", crate::consteval::to_i128(*v, t), t.name())
                }
                _ => format!("{v}{}", self.ty(&e.ty)),
            },
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Bytes(b) => format!("b\"{}\"", crate::lit::escape(b)),
            ExprKind::ArrayLit(xs) => {
                let items: Vec<String> = xs.iter().map(|x| self.expr(x, depth)).collect();
                format!("[{}]", items.join(", "))
            }
            ExprKind::Local(l) => self.local(*l),
            ExprKind::Unary(op, x) => {
                let s = self.expr(x, depth);
                format!("{}{s}", if *op == UnOp::Neg { "-" } else { "!" })
            }
            ExprKind::Binary(op, l, r) => {
                let (l, r) = (self.expr(l, depth), self.expr(r, depth));
                format!("({l} {} {r})", bin(*op))
            }
            ExprKind::Cast(x) => {
                let s = self.expr(x, depth);
                format!("({s} as {})", self.ty(&e.ty))
            }
            ExprKind::Block(b) => self.block_str(b, depth),
            ExprKind::If { cond, then, els } => {
                let c = self.expr(cond, depth);
                let t = self.block_str(then, depth);
                let mut s = format!("if {c} {t}");
                if let Some(els) = els {
                    let _ = write!(s, " else {}", self.expr(els, depth));
                }
                s
            }
            ExprKind::IfLet { local, scrutinee, then, els } => {
                let c = self.expr(scrutinee, depth);
                let t = self.block_str(then, depth);
                let mut s = format!("if let Some({}) = {c} {t}", self.local(*local));
                if let Some(els) = els {
                    let _ = write!(s, " else {}", self.expr(els, depth));
                }
                s
            }
            ExprKind::Match { scrutinee, arms } => {
                let mut s = format!("match {} {{\n", self.expr(scrutinee, depth));
                for a in arms {
                    let pats: Vec<String> = a
                        .patterns
                        .iter()
                        .map(|p| match p {
                            Pattern::Int(v) => v.to_string(),
                            Pattern::Range(lo, hi) => format!("{lo}..={hi}"),
                            Pattern::Wild => "_".into(),
                        })
                        .collect();
                    let body = self.expr(&a.body, depth + 1);
                    let pad = "    ".repeat(depth + 1);
                    let _ = writeln!(s, "{pad}{} => {body},", pats.join(" | "));
                }
                s.push_str(&"    ".repeat(depth));
                s.push('}');
                s
            }
            ExprKind::For { var, start, end, max_trips, body } => {
                let (a, b) = (self.expr(start, depth), self.expr(end, depth));
                let blk = self.block_str(body, depth);
                format!("for {} in {a}..{b} [max_trips={max_trips}] {blk}", self.local(*var))
            }
            ExprKind::Break => "break".into(),
            ExprKind::Continue => "continue".into(),
            ExprKind::Return(v) => match v {
                Some(v) => format!("return {}", self.expr(v, depth)),
                None => "return".into(),
            },
            ExprKind::Call { func, args } => {
                let a: Vec<String> = args.iter().map(|x| self.expr(x, depth)).collect();
                let name = self.p.functions.get(func.0 as usize).map(|f| f.name.clone()).unwrap_or_default();
                format!("{name}({})", a.join(", "))
            }
            ExprKind::PacketField { packet, field } => {
                format!("{}.{:?}", self.expr(packet, depth), field)
            }
            ExprKind::RegionRead { packet, region, kind, offset } => {
                let p = self.expr(packet, depth);
                let o = self.expr(offset, depth);
                format!("{p}.{region:?}.{kind:?}({o})")
            }
            ExprKind::Try { operand, kind } => {
                let k = match kind {
                    TryKind::Fallback => "fallback",
                    TryKind::ReturnNone => "return_none",
                };
                format!("try[{k}]({})", self.expr(operand, depth))
            }
            ExprKind::Some(x) => format!("Some({})", self.expr(x, depth)),
            ExprKind::None => format!("None::<{}>", self.ty(&e.ty)),
            ExprKind::UnwrapOr(o, d) => {
                let (o, d) = (self.expr(o, depth), self.expr(d, depth));
                format!("{o}.unwrap_or({d})")
            }
            ExprKind::IsSome(o) => format!("{}.is_some()", self.expr(o, depth)),
            ExprKind::IsNone(o) => format!("{}.is_none()", self.expr(o, depth)),
            ExprKind::Verdict(v) => format!("Verdict::{v:?}"),
            ExprKind::Select { map, key, is_try } => {
                let k = self.expr(key, depth);
                format!("{}({}, {k})", if *is_try { "try_select" } else { "select" }, self.map(*map))
            }
            ExprKind::Builtin(b) => format!("{b:?}()"),
            ExprKind::MapGet { map, key } => {
                format!("{}.get({})", self.map(*map), self.expr(key, depth))
            }
            ExprKind::MapSet { map, key, value } => {
                let (k, v) = (self.expr(key, depth), self.expr(value, depth));
                format!("{}.set({k}, {v})", self.map(*map))
            }
            ExprKind::MapInsert { map, key, value } => {
                let (k, v) = (self.expr(key, depth), self.expr(value, depth));
                format!("{}.insert({k}, {v})", self.map(*map))
            }
            ExprKind::MapRemove { map, key } => {
                format!("{}.remove({})", self.map(*map), self.expr(key, depth))
            }
            ExprKind::MapContains { map, key } => {
                format!("{}.contains({})", self.map(*map), self.expr(key, depth))
            }
            ExprKind::MapAdd { map, key, delta } => {
                let (k, d) = (self.expr(key, depth), self.expr(delta, depth));
                format!("{}.add({k}, {d})", self.map(*map))
            }
            ExprKind::StructLit(s, vals) => {
                let def = &self.p.structs[s.0 as usize];
                let name = def.name.clone();
                let fields: Vec<String> = def.fields.iter().map(|f| f.name.clone()).collect();
                let vs: Vec<String> = vals.iter().map(|v| self.expr(v, depth)).collect();
                let parts: Vec<String> = fields.iter().zip(vs).map(|(f, v)| format!("{f}: {v}")).collect();
                format!("{name} {{ {} }}", parts.join(", "))
            }
            ExprKind::Field(b, i) => {
                let name = match &b.ty {
                    Ty::Struct(s) => {
                        self.p.structs[s.0 as usize].fields.get(*i as usize).map(|f| f.name.clone()).unwrap_or_default()
                    }
                    _ => i.to_string(),
                };
                format!("{}.{name}", self.expr(b, depth))
            }
            ExprKind::Index(b, i) => {
                let (b, i) = (self.expr(b, depth), self.expr(i, depth));
                format!("{b}[{i}]")
            }
            ExprKind::TestPacket { tcp, v6 } => {
                format!("Packet::{}{}()", if *tcp { "tcp" } else { "udp" }, if *v6 { 6 } else { 4 })
            }
            ExprKind::PacketSet { packet, set } => {
                let p = self.expr(packet, depth);
                let step = match set {
                    PacketSet::Src(a) => format!("src({a:?})", a = a.to_string()),
                    PacketSet::Dst(a) => format!("dst({a:?})", a = a.to_string()),
                    PacketSet::Payload(x) => format!("payload({})", self.expr(x, depth)),
                    PacketSet::Hash(x) => format!("hash({})", self.expr(x, depth)),
                    PacketSet::Cpu(x) => format!("cpu({})", self.expr(x, depth)),
                    PacketSet::Random(x) => format!("random({})", self.expr(x, depth)),
                    PacketSet::Now(x) => format!("now({})", self.expr(x, depth)),
                    PacketSet::BindInany(x) => format!("bind_inany({})", self.expr(x, depth)),
                    PacketSet::Migrating => "migrating()".to_string(),
                };
                format!("{p}.{step}")
            }
            ExprKind::RunEntry { func, packet } => {
                let p = self.expr(packet, depth);
                format!("run {}({p})", self.p.functions[func.0 as usize].name)
            }
            ExprKind::MapPrefix { map, key, len, value } => {
                let (k, l) = (self.expr(key, depth), self.expr(len, depth));
                let name = &self.p.maps[map.0 as usize].name;
                match value {
                    Some(v) => format!("{name}.insert_prefix({k}, {l}, {})", self.expr(v, depth)),
                    None => format!("{name}.remove_prefix({k}, {l})"),
                }
            }
            ExprKind::MapFill { map, count } => {
                let c = self.expr(count, depth);
                format!("{}.fill({c})", self.p.maps[map.0 as usize].name)
            }
            ExprKind::Assert { kind, args, map } => {
                let mut parts: Vec<String> = args.iter().map(|a| self.expr(a, depth)).collect();
                if let Some(m) = map {
                    parts.insert(1, self.p.maps[m.0 as usize].name.clone());
                }
                let name = match kind {
                    AssertKind::True => "assert",
                    AssertKind::Eq => "assert_eq",
                    AssertKind::Ne => "assert_ne",
                    AssertKind::Selected => "assert_selected",
                };
                format!("{name}!({})", parts.join(", "))
            }
        }
    }
}
