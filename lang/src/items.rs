//! The item table: what the item pass (`check.rs`) learns about a program's modules,
//! imports, constants, structs, maps and function signatures, and the small interface
//! ([`Items`]) through which the body checker (`typeck/`) reads it.
//!
//! This module depends on neither pass, so the two never import each other: the item pass
//! fills the table and implements [`Items`]; the body checker asks it for what it needs,
//! including the few answers that take work (a written type, a constant's value).

use crate::ast;
use crate::builtins::builtin_names;
use crate::diag::Diagnostic;
use crate::errors;
use crate::hir::{self, FnKind, FuncId, MapId, StructId, Ty};
use crate::span::{FileId, Span};
use crate::stdlib;
use crate::suggest::did_you_mean;
use std::collections::HashMap;

pub type ModId = usize;

/// Longest array the checker accepts; larger ones could never fit the 512-byte BPF stack.
pub const MAX_ARRAY_LEN: u32 = 4096;
/// The largest map capacity a policy may declare (16 Mi entries).
pub const MAX_CAPACITY: u32 = 1 << 24;
/// The longest name of an entry, map, struct or struct field: the object's symbols and BTF
/// carry these names, and the kernel takes at most 127 bytes (`KSYM_NAME_LEN` is 128 with
/// the NUL; codegen's BTF writer has the same limit).
pub const MAX_NAME_LEN: usize = 127;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemRef {
    Const(usize),
    Struct(StructId),
    Map(MapId),
    Fn(FuncId),
}

#[derive(Clone, Copy, Debug)]
pub enum Binding {
    Item(ItemRef),
    Module(ModId),
}

pub struct Module {
    /// `main`, `std::quic`, or the name of a `mod` file.
    pub name: String,
    pub file: FileId,
    pub is_std: bool,
    pub ast: ast::File,
    /// The module's own items: what `module::name` can reach (if `pub`).
    pub items: HashMap<String, (ItemRef, bool)>,
    /// Every name usable unqualified inside the module: own items and imports.
    pub scope: HashMap<String, (Binding, Span)>,
    pub had_parse_errors: bool,
}

#[derive(Clone, Debug)]
pub enum ConstState {
    Pending,
    InProgress,
    /// The folded value: a literal (`consteval::fold`).
    Done(hir::Expr),
    Failed,
}

pub struct ConstInfo {
    pub name: String,
    pub module: ModId,
    pub ty_ast: ast::Type,
    pub value_ast: ast::Expr,
    pub ty: Ty,
    pub state: ConstState,
    pub span: Span,
    pub name_span: Span,
}

pub struct FnInfo {
    pub name: String,
    pub module: ModId,
    pub decl: ast::FnDecl,
    pub kind: FnKind,
    pub params: Vec<(bool, ast::Ident, Ty)>,
    pub ret: Ty,
    pub span: Span,
}

/// The names looked up in each module's scope (an item or import of module `m` named
/// `name` is used when `(m, name)` is here).
pub type Used = std::collections::HashSet<(ModId, String)>;

/// Everything known about the program's items. The item pass builds it; the body checker
/// reads it (and records calls and diagnostics in it).
#[derive(Default)]
pub struct ItemTable {
    pub diags: Vec<Diagnostic>,
    /// The names looked up in each module's scope, for the unused-name warnings.
    pub used: std::cell::RefCell<Used>,
    pub modules: Vec<Module>,
    /// `std::name` to the module loaded for it.
    pub std_loaded: HashMap<String, ModId>,
    pub consts: Vec<ConstInfo>,
    pub structs: Vec<hir::StructDef>,
    pub maps: Vec<hir::MapDecl>,
    pub fns: Vec<FnInfo>,
    /// Calls made by each function (callee, call site), for the recursion check.
    pub calls: Vec<Vec<(FuncId, Span)>>,
}

/// What the body checker needs from the item pass: the table, and the two answers that may
/// need more checking (resolving a written type can fold an array length; a constant is
/// folded on first use).
pub trait Items {
    fn table(&self) -> &ItemTable;
    fn table_mut(&mut self) -> &mut ItemTable;
    /// Resolves a written type in module `m`; `Never` after an error.
    fn resolve_ty(&mut self, m: ModId, t: &ast::Type) -> Ty;
    /// The folded value of constant `i`, a literal of its type; `at` is the use site.
    fn const_value(&mut self, i: usize, at: Span) -> Option<hir::Expr>;
}

impl ItemTable {
    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Resolves a path to an item as seen from module `m`. Errors are returned, not reported.
    pub fn lookup_item(&self, m: ModId, path: &ast::Path) -> Result<ItemRef, Diagnostic> {
        let segs = &path.segments;
        let mut used = self.used.borrow_mut();
        if let Some(first) = segs.first() {
            used.insert((m, first.name.clone()));
        }
        if let ([first, name], Some((Binding::Module(t), _))) =
            (segs.as_slice(), segs.first().and_then(|f| self.modules[m].scope.get(&f.name)))
        {
            let _ = first;
            used.insert((*t, name.name.clone()));
        }
        drop(used);
        let (module, name) = match segs.as_slice() {
            [one] => match self.modules[m].scope.get(&one.name) {
                Some((Binding::Item(r), _)) => return Ok(*r),
                Some((Binding::Module(_), _)) => {
                    return Err(errors::not_a_value(format!("`{}` is a module, not a value", one.name))
                        .with_primary(one.span, "a module")
                        .with_help(format!("name an item in it: `{}::name`", one.name)))
                }
                None => return Err(self.unknown_name(m, one, &[])),
            },
            [first, name] => match self.modules[m].scope.get(&first.name) {
                Some((Binding::Module(t), _)) => (*t, name),
                _ => {
                    let mut d = errors::unknown_module(format!("unknown module `{}`", first.name))
                        .with_primary(first.span, "not a module in scope");
                    if stdlib::source(&first.name).is_some() {
                        d = d.with_help(format!("import it first: `use std::{};`", first.name));
                    }
                    return Err(d);
                }
            },
            [std, module, name] if std.name == "std" => match self.std_loaded.get(&format!("std::{}", module.name)) {
                Some(&t) => (t, name),
                // Every module a full path names is loaded with the file that names it.
                None => {
                    let mut d = errors::unknown_module(format!("no module `{}` in the standard library", module.name))
                        .with_primary(module.span, "not in `std`");
                    let names = stdlib::MODULES.iter().map(|(n, _)| *n);
                    if let Some(s) = did_you_mean(&module.name, names) {
                        d = d.with_help(format!("did you mean `std::{s}`?"));
                    }
                    return Err(d);
                }
            },
            _ => {
                return Err(errors::unknown_name(format!("cannot resolve `{}`", path.text()))
                    .with_primary(path.span, "unknown path"))
            }
        };
        match self.modules[module].items.get(&name.name) {
            Some((r, true)) => Ok(*r),
            Some((_, false)) => {
                Err(errors::private_item(format!("`{}` is private to `{}`", name.name, self.modules[module].name))
                    .with_primary(name.span, "not exported")
                    .with_help(format!("mark it `pub` in `{}`", self.modules[module].name)))
            }
            None => {
                let mut d = errors::unknown_name(format!("no `{}` in `{}`", name.name, self.modules[module].name))
                    .with_primary(name.span, "not found");
                let names: Vec<&str> = self.modules[module].items.keys().map(|s| s.as_str()).collect();
                if let Some(s) = did_you_mean(&name.name, names) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                Err(d)
            }
        }
    }

    /// "cannot find `x`", with a suggestion from the module's names and `extra` (locals).
    pub fn unknown_name(&self, m: ModId, name: &ast::Ident, extra: &[&str]) -> Diagnostic {
        let mut d = errors::unknown_name(format!("cannot find `{}` in this scope", name.name))
            .with_primary(name.span, "not found");
        let mut names: Vec<&str> = self.modules[m].scope.keys().map(|s| s.as_str()).collect();
        names.extend_from_slice(extra);
        for n in builtin_names() {
            names.push(n);
        }
        if let Some(s) = did_you_mean(&name.name, names) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        d
    }

    pub fn ty_name(&self, t: &Ty) -> String {
        match t {
            Ty::Int(i) => i.name().to_string(),
            Ty::Bool => "bool".into(),
            Ty::Array(e, n) => format!("[{}; {n}]", self.ty_name(e)),
            Ty::Struct(id) => self.structs.get(id.0 as usize).map(|s| s.name.clone()).unwrap_or_else(|| "?".into()),
            Ty::Option(e) => format!("Option<{}>", self.ty_name(e)),
            Ty::Packet => "Packet".into(),
            Ty::Verdict => "Verdict".into(),
            Ty::Unit => "()".into(),
            Ty::Never => "!".into(),
        }
    }
}
