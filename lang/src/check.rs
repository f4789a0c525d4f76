//! The checker's driver and item-level work: loading modules (`use std::..`, `mod x;`),
//! registering and resolving items (constants, structs, maps, function signatures), and the
//! whole-program checks (entries, recursion, socket-map combinations).
//!
//! Function bodies are checked in `typeck.rs`. Errors never stop the run: a name or type
//! that failed gets the type `Never`, which is compatible with everything, so one mistake
//! gives one diagnostic rather than a cascade.

use crate::ast;
use crate::consteval::range_of;
use crate::diag::Diagnostic;
use crate::errors;
use crate::hir::{self, FnKind, FuncId, IntTy, MapId, MapKind, SteerAttrs, StructId, Ty, Verdict};
use crate::items::{
    Binding, ConstInfo, ConstState, FnInfo, ItemRef, ItemTable, Items, ModId, Module, MAX_ARRAY_LEN, MAX_CAPACITY,
    MAX_NAME_LEN,
};
use crate::lint;
use crate::mapkind::{self, Slot};
use crate::parse;
use crate::span::{FileId, SourceDb, Span};
use crate::suggest::did_you_mean;
use crate::typeck;
use crate::{stdlib, CheckOptions};
use std::collections::HashMap;

pub struct Checker<'a> {
    pub db: &'a mut SourceDb,
    pub options: &'a CheckOptions<'a>,
    /// What the pass has learnt so far; the body checker reads it through [`Items`].
    t: ItemTable,
    files_loaded: HashMap<String, ModId>,
    pending_imports: Vec<(ModId, ModId, ast::Ident)>,
    struct_asts: Vec<(ModId, Vec<(ast::Ident, ast::Type)>)>,
    map_asts: Vec<(ModId, ast::Type, Span)>,
    /// The standard-library items the policy can reach, when only they are parsed and
    /// checked (`None`: every item of the modules it uses, `CheckOptions::whole_std`);
    /// made when the first standard module is loaded.
    reach: Option<Option<stdlib::Reach>>,
}

// The item pass reads and writes its own table directly, as `self.consts` and so on.
impl std::ops::Deref for Checker<'_> {
    type Target = ItemTable;
    fn deref(&self) -> &ItemTable {
        &self.t
    }
}

impl std::ops::DerefMut for Checker<'_> {
    fn deref_mut(&mut self) -> &mut ItemTable {
        &mut self.t
    }
}

impl Items for Checker<'_> {
    fn table(&self) -> &ItemTable {
        &self.t
    }
    fn table_mut(&mut self) -> &mut ItemTable {
        &mut self.t
    }
    fn resolve_ty(&mut self, m: ModId, t: &ast::Type) -> Ty {
        Checker::resolve_ty(self, m, t)
    }
    fn const_value(&mut self, i: usize, at: Span) -> Option<hir::Expr> {
        Checker::const_value(self, i, at)
    }
}

pub const INT_NAMES: [&str; 8] = ["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64"];
/// How a map kind's declaration is written, `SockHash<K, N>`.
/// `[u8; M]`: bytes, a prefix table's other kind of key.
fn is_byte_array(t: &Ty) -> bool {
    matches!(t, Ty::Array(e, n) if **e == Ty::U8 && *n > 0)
}

/// The types a constant item may have: integers, `bool` and arrays of them.
fn constant_ty(t: &Ty) -> bool {
    match t {
        Ty::Int(_) | Ty::Bool | Ty::Never => true,
        Ty::Array(e, _) => constant_ty(e),
        _ => false,
    }
}

pub fn map_signature(kind: MapKind) -> &'static str {
    kind.info().signature
}

/// Checks the policy in `main`. Of the standard-library modules it uses, only the items it
/// can reach are parsed and checked ([`stdlib::Reach`]); should that check fail, or find
/// that a left-out item was needed after all, the policy is checked again with whole
/// modules, so every diagnostic is the one whole modules give.
pub fn run(db: &mut SourceDb, main: FileId, options: &CheckOptions) -> (Option<hir::Program>, Vec<Diagnostic>) {
    let files = db.len();
    let (result, reach) = run_with(db, main, options, !options.whole_std);
    let redo = reach.is_some_and(|r| r.trimmed && (r.incomplete || result.1.iter().any(Diagnostic::is_error)));
    if !redo {
        return result;
    }
    // The files loaded by the first check come again, in the same order.
    let mut fresh = SourceDb::new();
    for f in 0..files {
        fresh.add(db.name(f).to_string(), db.source(f).to_string());
    }
    *db = fresh;
    run_with(db, main, options, false).0
}

type Outcome = (Option<hir::Program>, Vec<Diagnostic>);

fn run_with(db: &mut SourceDb, main: FileId, options: &CheckOptions, trim: bool) -> (Outcome, Option<stdlib::Reach>) {
    let mut c = Checker {
        db,
        options,
        t: ItemTable::default(),
        files_loaded: HashMap::new(),
        pending_imports: Vec::new(),
        struct_asts: Vec::new(),
        map_asts: Vec::new(),
        reach: if trim { None } else { Some(None) },
    };
    let main_name = c.db.name(main).to_string();
    c.files_loaded.insert(main_name, 0);
    c.load("main".into(), main, false);
    for m in 0..c.modules.len() {
        c.register_items(m);
    }
    c.resolve_imports();
    c.resolve_structs();
    c.resolve_maps();
    c.resolve_signatures();
    for i in 0..c.consts.len() {
        let span = c.consts[i].name_span;
        c.const_value(i, span);
    }
    c.check_overrides();
    let mut functions = Vec::with_capacity(c.fns.len());
    for f in 0..c.fns.len() {
        functions.push(typeck::check_fn(&mut c, FuncId(f as u32)));
    }

    c.check_recursion();
    let program = c.finish(functions);
    if !c.diags.iter().any(|d| d.is_error()) {
        let used = c.used.take();
        let warnings = lint::unused(&c.t, &used, &program.functions);
        c.diags.extend(warnings);
    }
    let mut diags = std::mem::take(&mut c.diags);
    let files: Vec<&ast::File> = c.modules.iter().filter(|m| !m.is_std).map(|m| &m.ast).collect();
    lint::apply_allows(&files, &mut diags);
    // An item that did not parse is reported once, by its syntax error: a name that is not
    // found because of it is no second mistake.
    let broken: std::collections::HashSet<&str> =
        files.iter().flat_map(|f| f.broken.iter().map(|i| i.name.as_str())).collect();
    if !broken.is_empty() {
        diags.retain(|d| {
            let unknown = d.code == crate::codes::UNKNOWN_NAME || d.code == crate::codes::BAD_TYPE_NAME;
            let name = d.primary_span().map(|s| &c.db.source(s.file)[s.range()]);
            !(unknown && name.is_some_and(|n| broken.contains(n.rsplit("::").next().unwrap_or(n))))
        });
    }
    c.diags = diags;
    let failed = c.diags.iter().any(|d| d.is_error());
    let diags = std::mem::take(&mut c.diags);
    ((if failed { None } else { Some(program) }, diags), c.reach.flatten())
}

impl<'a> Checker<'a> {
    // ----------------------------------------------------------------------------------
    // Loading modules.

    fn load(&mut self, name: String, file: FileId, is_std: bool) -> ModId {
        let src = self.db.source(file).to_string();
        let mut trimmed = None;
        if is_std {
            if self.reach.is_none() {
                // The first standard module: what the policy's files loaded so far mention.
                let mut reach = stdlib::Reach::default();
                for m in self.modules.iter().filter(|m| !m.is_std) {
                    reach.mention_file(self.db.source(m.file));
                }
                self.reach = Some(Some(reach));
            }
            if let Some(Some(reach)) = &mut self.reach {
                trimmed = reach.trim(&src);
            }
        } else if let Some(Some(reach)) = &mut self.reach {
            reach.mention_file(&src);
        }
        let (ast, diags) = match trimmed {
            Some(t) => parse::parse_prescanned(file, &t.src, t.text),
            None => parse::parse_file(file, &src),
        };
        let had_parse_errors = diags.iter().any(|d| d.is_error());
        self.diags.extend(diags);
        let id = self.modules.len();
        self.modules.push(Module {
            name,
            file,
            is_std,
            ast: ast::File::default(),
            items: HashMap::new(),
            scope: HashMap::new(),
            had_parse_errors,
        });
        for item in &ast.items {
            match &item.kind {
                ast::ItemKind::Use { path, group } => self.use_item(id, item, path, group.as_deref()),
                ast::ItemKind::Mod { name } => self.mod_item(id, name),
                _ => {}
            }
        }
        // A full path `std::net::ip4(..)` needs no `use`, as in Rust: load the modules such
        // paths name (an unknown one is reported where it is used).
        let std_modules: Vec<ast::Ident> = ast::paths(&ast)
            .into_iter()
            .filter_map(|p| match p.segments.as_slice() {
                [std, module, _, ..] if std.name == "std" => Some(module.clone()),
                _ => None,
            })
            .filter(|m| stdlib::source(&m.name).is_some())
            .collect();
        for m in &std_modules {
            self.load_std(m);
        }
        self.modules[id].ast = ast;
        id
    }

    fn load_std(&mut self, name: &ast::Ident) -> Option<ModId> {
        let key = format!("std::{}", name.name);
        if let Some(&m) = self.std_loaded.get(&key) {
            return Some(m);
        }
        let Some(src) = stdlib::source(&name.name) else {
            let mut d = errors::unknown_module(format!("no module `{}` in the standard library", name.name))
                .with_primary(name.span, "not in `std`");
            let names = stdlib::MODULES.iter().map(|(n, _)| *n);
            if let Some(s) = did_you_mean(&name.name, names) {
                d = d.with_help(format!("did you mean `std::{s}`?"));
            } else {
                let all: Vec<String> = stdlib::MODULES.iter().map(|(n, _)| format!("`std::{n}`")).collect();
                d = d.with_help(format!("the standard library has {}", all.join(", ")));
            }
            self.error(d);
            return None;
        };
        let file = self.db.add(format!("std/{}.rs", name.name), src);
        // Registered before loading so that standard modules may use each other.
        let id = self.modules.len();
        self.std_loaded.insert(key.clone(), id);
        let got = self.load(key, file, true);
        debug_assert_eq!(got, id);
        Some(got)
    }

    fn use_item(&mut self, m: ModId, item: &ast::Item, path: &[ast::Ident], group: Option<&[ast::Ident]>) {
        let Some(first) = path.first() else { return };
        if first.name != "std" {
            self.error(
                errors::unknown_module(format!("cannot import from `{}`", first.name))
                    .with_primary(first.span, "only the standard library is imported with `use`")
                    .with_help(format!(
                        "a file beside the policy is declared with `mod {};` and used as `{}::name`",
                        first.name, first.name
                    )),
            );
            return;
        }
        let Some(module_name) = path.get(1) else {
            self.error(
                errors::unknown_module("`use std;` imports nothing")
                    .with_primary(item.span, "name a module: `use std::hash;`"),
            );
            return;
        };
        let Some(target) = self.load_std(module_name) else {
            return;
        };
        match (path.len(), group) {
            (2, None) => self.bind(m, module_name, Binding::Module(target)),
            (2, Some(names)) => {
                for n in names {
                    self.pending_imports.push((m, target, n.clone()));
                }
            }
            (3, None) => self.pending_imports.push((m, target, path[2].clone())),
            _ => self.error(
                errors::unknown_module("standard-library paths have two levels")
                    .with_primary(item.span, "write `use std::module;` or `use std::module::{name, ..};`"),
            ),
        }
    }

    fn mod_item(&mut self, m: ModId, name: &ast::Ident) {
        let from = self.db.name(self.modules[m].file).to_string();
        let (src, recorded) = match self.options.modules.load(&from, &name.name) {
            Ok(found) => found,
            Err(crate::ModuleError::NotFound) => {
                self.error(
                    errors::unknown_module(format!("file not found for module `{}`", name.name))
                        .with_primary(name.span, "no such file")
                        .with_help(format!("create `{}.rs` beside `{from}`", name.name)),
                );
                return;
            }
            Err(crate::ModuleError::Refused(why)) => {
                self.error(
                    errors::unknown_module(format!("cannot use module `{}`: {why}", name.name))
                        .with_primary(name.span, "declared here"),
                );
                return;
            }
        };
        let target = match self.files_loaded.get(&recorded) {
            Some(&t) => t,
            None => {
                let file = self.db.add(recorded.clone(), src);
                let id = self.modules.len();
                self.files_loaded.insert(recorded, id);
                self.load(name.name.clone(), file, false)
            }
        };
        self.bind(m, name, Binding::Module(target));
    }

    /// Adds `name` to module `m`'s scope, reporting a clash with an earlier name.
    fn bind(&mut self, m: ModId, name: &ast::Ident, b: Binding) {
        if let Some((_, first)) = self.modules[m].scope.get(&name.name) {
            let first = *first;
            self.error(
                errors::duplicate_name(format!("the name `{}` is defined more than once", name.name))
                    .with_primary(name.span, "defined again here")
                    .with_secondary(first, "first defined here"),
            );
            return;
        }
        self.modules[m].scope.insert(name.name.clone(), (b, name.span));
    }

    // ----------------------------------------------------------------------------------
    // Registering items.

    fn register_items(&mut self, m: ModId) {
        let items = std::mem::take(&mut self.modules[m].ast.items);
        for item in &items {
            let r = match &item.kind {
                ast::ItemKind::Use { .. } | ast::ItemKind::Mod { .. } => {
                    self.no_attrs(item);
                    None
                }
                ast::ItemKind::Const { name, ty, value } => {
                    self.no_attrs(item);
                    let id = self.consts.len();
                    self.consts.push(ConstInfo {
                        name: name.name.clone(),
                        module: m,
                        ty_ast: ty.clone(),
                        value_ast: value.clone(),
                        ty: Ty::Never,
                        state: ConstState::Pending,
                        span: item.span,
                        name_span: name.span,
                    });
                    Some((name, ItemRef::Const(id)))
                }
                ast::ItemKind::Struct { name, fields } => {
                    self.no_attrs(item);
                    let id = StructId(self.structs.len() as u32);
                    self.structs.push(hir::StructDef { name: name.name.clone(), fields: vec![], span: item.span });
                    self.struct_asts.push((m, fields.clone()));
                    Some((name, ItemRef::Struct(id)))
                }
                ast::ItemKind::Static { name, ty } => {
                    let is_map = item.attrs.iter().any(|a| a.name.name == "map");
                    for a in item.attrs.iter().filter(|a| a.name.name != "allow") {
                        if a.name.name != "map" || !a.args.is_empty() {
                            self.error(
                                errors::bad_attribute(format!("unknown attribute `{}` on a static", a.name.name))
                                    .with_primary(a.span, "not understood here")
                                    .with_help("a map is declared `#[map] static NAME: Kind<...>;`"),
                            );
                        }
                    }
                    if !is_map {
                        self.error(
                            errors::bad_attribute(format!("`static {}` is not a map", name.name))
                                .with_primary(name.span, "statics must be maps")
                                .with_help("add `#[map]` above it; for a plain value use `const`"),
                        );
                    }
                    let id = MapId(self.maps.len() as u32);
                    self.maps.push(hir::MapDecl {
                        name: name.name.clone(),
                        kind: MapKind::Array,
                        key: Ty::U32,
                        value: Ty::U32,
                        capacity: 1,
                        span: item.span,
                        doc: item.doc.clone(),
                    });
                    self.map_asts.push((m, ty.clone(), name.span));
                    Some((name, ItemRef::Map(id)))
                }
                ast::ItemKind::Fn(decl) => {
                    let kind = self.fn_kind(m, item, decl);
                    let id = FuncId(self.fns.len() as u32);
                    self.fns.push(FnInfo {
                        name: decl.name.name.clone(),
                        module: m,
                        decl: decl.clone(),
                        kind,
                        params: vec![],
                        ret: Ty::Unit,
                        span: item.span,
                    });
                    self.calls.push(vec![]);
                    Some((&decl.name, ItemRef::Fn(id)))
                }
            };
            let carried: Vec<(&ast::Ident, &str)> = match (&item.kind, &r) {
                (ast::ItemKind::Fn(decl), Some((_, ItemRef::Fn(id))))
                    if matches!(self.fns[id.0 as usize].kind, FnKind::Entry(_)) =>
                {
                    vec![(&decl.name, "entry")]
                }
                (ast::ItemKind::Static { name, .. }, _) => vec![(name, "map")],
                (ast::ItemKind::Struct { name, fields }, _) => {
                    std::iter::once((name, "struct")).chain(fields.iter().map(|(f, _)| (f, "field"))).collect()
                }
                _ => vec![],
            };
            for (n, what) in carried.into_iter().filter(|(n, _)| n.name.len() > MAX_NAME_LEN) {
                self.error(
                    errors::name_too_long(format!("the {what} name `{}…` is {} bytes long", &n.name[..16], n.name.len()))
                        .with_primary(n.span, format!("longer than {MAX_NAME_LEN} bytes"))
                        .with_note(format!(
                            "the object's symbols and BTF carry this name, and the kernel takes at most {MAX_NAME_LEN} bytes"
                        ))
                        .with_help("choose a shorter name"),
                );
            }
            if let Some((name, r)) = r {
                if self.modules[m].items.contains_key(&name.name) || self.modules[m].scope.contains_key(&name.name) {
                    let first = self.modules[m].scope.get(&name.name).map(|(_, s)| *s);
                    let mut d = errors::duplicate_name(format!("the name `{}` is defined more than once", name.name))
                        .with_primary(name.span, "defined again here");
                    if let Some(first) = first {
                        d = d.with_secondary(first, "first defined here");
                    }
                    self.error(d);
                    continue;
                }
                self.modules[m].items.insert(name.name.clone(), (r, item.is_pub));
                self.modules[m].scope.insert(name.name.clone(), (Binding::Item(r), name.span));
            }
        }
        self.modules[m].ast.items = items;
    }

    fn no_attrs(&mut self, item: &ast::Item) {
        for a in item.attrs.iter().filter(|a| a.name.name != "allow") {
            self.error(
                errors::bad_attribute(format!("unknown attribute `{}` here", a.name.name))
                    .with_primary(a.span, "attributes go on functions (`#[steer]`, `#[test]`) and maps (`#[map]`)"),
            );
        }
    }

    /// Reads `#[steer(...)]` / `#[test]` of a function.
    fn fn_kind(&mut self, m: ModId, item: &ast::Item, decl: &ast::FnDecl) -> FnKind {
        let mut kind = FnKind::Helper;
        for a in &item.attrs {
            match a.name.name.as_str() {
                "steer" => {
                    let mut attrs = SteerAttrs { migrate: false, fallback: Verdict::Pass };
                    let mut given: Vec<&str> = Vec::new();
                    for arg in &a.args {
                        let name = arg.name.name.as_str();
                        if given.contains(&name) {
                            self.error(
                                errors::bad_attribute(format!("`{name}` is given twice"))
                                    .with_primary(arg.span, "again")
                                    .with_help("give each `#[steer]` option once"),
                            );
                            continue;
                        }
                        given.push(name);
                        match (name, arg.value.as_ref().map(|v| v.name.as_str())) {
                            ("migrate", None) => attrs.migrate = true,
                            ("fallback", Some("Pass")) => attrs.fallback = Verdict::Pass,
                            ("fallback", Some("Drop")) => attrs.fallback = Verdict::Drop,
                            ("fallback", _) => self.error(
                                errors::bad_attribute("`fallback` must be `Drop` or `Pass`")
                                    .with_primary(arg.span, "invalid fallback")
                                    .with_help("write `#[steer(fallback = Drop)]` or `#[steer(fallback = Pass)]`"),
                            ),
                            _ => {
                                let mut d =
                                    errors::bad_attribute(format!("unknown `#[steer]` option `{}`", arg.name.name))
                                        .with_primary(arg.span, "not an option of `#[steer]`");
                                d = match did_you_mean(&arg.name.name, ["migrate", "fallback"]) {
                                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                                    None => d.with_help("the options are `migrate` and `fallback = Drop|Pass`"),
                                };
                                self.error(d);
                            }
                        }
                    }
                    if kind != FnKind::Helper {
                        self.error(
                            errors::bad_attribute("a function can have only one of `#[steer]` and `#[test]`")
                                .with_primary(a.span, "second kind"),
                        );
                    }
                    kind = FnKind::Entry(attrs);
                    if m != 0 {
                        self.error(
                            errors::bad_attribute("`#[steer]` functions belong in the policy's main file")
                                .with_primary(decl.name.span, "entry in a module")
                                .with_help("move the entry to the main file and call this module's helpers from it"),
                        );
                    }
                }
                "test" => {
                    if !a.args.is_empty() {
                        self.error(
                            errors::bad_attribute("`#[test]` takes no options")
                                .with_primary(a.span, "remove the parentheses"),
                        );
                    }
                    if kind != FnKind::Helper {
                        self.error(
                            errors::bad_attribute("a function can have only one of `#[steer]` and `#[test]`")
                                .with_primary(a.span, "second kind"),
                        );
                    }
                    kind = FnKind::Test;
                }
                // `#[allow(lint)]` is read by the warnings (`lint.rs`).
                "allow" => {}
                other => {
                    let mut d = errors::bad_attribute(format!("unknown attribute `{other}` on a function"))
                        .with_primary(a.span, "not understood");
                    if let Some(s) = did_you_mean(other, ["steer", "test"]) {
                        d = d.with_help(format!("did you mean `#[{s}]`?"));
                    }
                    self.error(d);
                }
            }
        }
        kind
    }

    fn resolve_imports(&mut self) {
        for (m, target, name) in std::mem::take(&mut self.pending_imports) {
            match self.modules[target].items.get(&name.name).copied() {
                Some((r, true)) => self.bind(m, &name, Binding::Item(r)),
                Some((_, false)) => {
                    let tname = self.modules[target].name.clone();
                    self.error(
                        errors::private_item(format!("`{}` is private to `{tname}`", name.name))
                            .with_primary(name.span, "not exported"),
                    );
                }
                None => {
                    let tname = self.modules[target].name.clone();
                    let mut d = errors::unknown_name(format!("no `{}` in `{tname}`", name.name))
                        .with_primary(name.span, "not found");
                    let names: Vec<&str> =
                        self.modules[target].items.iter().filter(|(_, (_, p))| *p).map(|(n, _)| n.as_str()).collect();
                    if let Some(s) = did_you_mean(&name.name, names) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.error(d);
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // Paths and types.

    /// Resolves a written type in module `m`; `Never` after an error.
    pub fn resolve_ty(&mut self, m: ModId, t: &ast::Type) -> Ty {
        match &t.kind {
            ast::TypeKind::Unit => Ty::Unit,
            ast::TypeKind::Array(elem, len) => {
                let elem = self.resolve_ty(m, elem);
                match typeck::const_u32(self, m, len, "an array length") {
                    Some(n) if n > MAX_ARRAY_LEN => {
                        self.error(
                            errors::not_plain_data(format!("array of {n} elements is too large"))
                                .with_primary(len.span, format!("at most {MAX_ARRAY_LEN} elements"))
                                .with_help("BPF programs have 512 bytes of stack; keep large data in a map"),
                        );
                        Ty::Never
                    }
                    Some(n) => Ty::Array(Box::new(elem), n),
                    None => Ty::Never,
                }
            }
            ast::TypeKind::Path(path, args) => {
                if let Some(one) = path.single() {
                    let builtin = match one.name.as_str() {
                        n if hir::IntTy::named(n).is_some() => hir::IntTy::named(n).map(Ty::Int),
                        "bool" => Some(Ty::Bool),
                        "Packet" => Some(Ty::Packet),
                        "Verdict" => Some(Ty::Verdict),
                        "Option" => {
                            return match args.as_slice() {
                                [ast::GenericArg::Type(inner)] => {
                                    let inner = self.resolve_ty(m, inner);
                                    Ty::Option(Box::new(inner))
                                }
                                _ => {
                                    self.error(
                                        errors::bad_type_name("`Option` takes one type argument")
                                            .with_primary(t.span, "write `Option<T>`"),
                                    );
                                    Ty::Never
                                }
                            }
                        }
                        n if mapkind::lookup(n).is_some() => {
                            self.error(
                                errors::bad_type_name(format!("`{n}` is a map kind, not a value type"))
                                    .with_primary(t.span, "maps are not values")
                                    .with_help(format!("declare a map at file level: `#[map] static NAME: {n}<...>;`")),
                            );
                            return Ty::Never;
                        }
                        _ => None,
                    };
                    if let Some(ty) = builtin {
                        if !args.is_empty() {
                            self.error(
                                errors::bad_type_name(format!("`{}` takes no generic arguments", one.name))
                                    .with_primary(t.span, "remove the `<...>`"),
                            );
                        }
                        return ty;
                    }
                }
                match self.lookup_item(m, path) {
                    Ok(ItemRef::Struct(id)) => Ty::Struct(id),
                    Ok(_) => {
                        self.error(
                            errors::bad_type_name(format!("`{}` is not a type", path.text()))
                                .with_primary(path.span, "not a type"),
                        );
                        Ty::Never
                    }
                    Err(_) => {
                        let mut d = errors::bad_type_name(format!("unknown type `{}`", path.text()))
                            .with_primary(path.span, "not a type");
                        let mut names: Vec<&str> = INT_NAMES.to_vec();
                        names.extend(["bool", "Packet", "Verdict", "Option"]);
                        for (n, (b, _)) in &self.modules[m].scope {
                            if let Binding::Item(ItemRef::Struct(_)) = b {
                                names.push(n.as_str());
                            }
                        }
                        if let Some(s) = did_you_mean(&path.text(), names) {
                            d = d.with_help(format!("did you mean `{s}`?"));
                        }
                        self.error(d);
                        Ty::Never
                    }
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // Constants.

    /// The folded value of constant `i` (its type and raw bits), evaluating it on first use.
    /// `at` is where it is used, for the cycle diagnostic.
    pub fn const_value(&mut self, i: usize, at: Span) -> Option<hir::Expr> {
        match &self.consts[i].state {
            ConstState::Done(v) => return Some(v.clone()),
            ConstState::Failed => return None,
            ConstState::InProgress => {
                let c = &self.consts[i];
                let d = errors::cyclic_constant(format!("constant `{}` depends on itself", c.name))
                    .with_primary(at, "used while it is being computed")
                    .with_secondary(c.name_span, "defined here");
                self.consts[i].state = ConstState::Failed;
                self.error(d);
                return None;
            }
            ConstState::Pending => {}
        }
        self.consts[i].state = ConstState::InProgress;
        let m = self.consts[i].module;
        let ty_ast = self.consts[i].ty_ast.clone();
        let value_ast = self.consts[i].value_ast.clone();
        let mut ty = self.resolve_ty(m, &ty_ast);
        if !constant_ty(&ty) {
            let tn = self.ty_name(&ty);
            self.error(
                errors::not_constant(format!("constants must be integers, `bool` or arrays of them, not `{tn}`"))
                    .with_primary(ty_ast.span, "unsupported constant type"),
            );
            ty = Ty::Never;
        }
        self.consts[i].ty = ty.clone();
        let mut value = typeck::const_expr(self, m, &value_ast, &ty);
        if m == 0 {
            let name = self.consts[i].name.clone();
            if let Some((_, v)) = self.options.const_overrides.iter().rev().find(|(n, _)| *n == name) {
                let text = v.clone();
                value = self.override_value(i, &ty, &text).or(value);
            }
        }
        // A failure inside (a cycle) may already have marked this constant.
        if matches!(self.consts[i].state, ConstState::Failed) {
            return None;
        }
        self.consts[i].state = match &value {
            Some(v) if !matches!(ty, Ty::Never) => ConstState::Done(v.clone()),
            _ => ConstState::Failed,
        };
        value
    }

    /// Reads a `--const` value in the constant's type: a literal, masked to the type.
    fn override_value(&mut self, i: usize, ty: &Ty, text: &str) -> Option<hir::Expr> {
        let c = &self.consts[i];
        let parsed: Option<hir::ExprKind> = match ty {
            Ty::Bool => match text.trim() {
                "true" => Some(hir::ExprKind::Bool(true)),
                "false" => Some(hir::ExprKind::Bool(false)),
                _ => None,
            },
            Ty::Int(t) => crate::lit::parse_int(text, *t)
                .ok()
                .or_else(|| crate::lit::parse_ip4(text).filter(|_| *t == IntTy::U32).map(u64::from))
                .map(hir::ExprKind::Int),
            _ => None,
        };
        if parsed.is_none() {
            let d = if let Ty::Array(..) = ty {
                errors::bad_override(format!(
                    "`--const {}={text}`: `{}` is an array constant, which cannot be overridden",
                    c.name, c.name
                ))
                .with_primary(c.span, "declared here")
                .with_help("only integer and `bool` constants can be set with `--const`; edit the table in the source")
            } else {
                errors::bad_override(format!(
                    "`--const {}={text}` is not a value of the constant's type `{}`",
                    c.name,
                    self.ty_name(ty)
                ))
                .with_primary(c.span, "declared here")
                .with_help(match ty {
                    Ty::Bool => "write `true` or `false`".to_string(),
                    Ty::Int(t) => {
                        let (lo, hi) = range_of(*t);
                        format!("`{}` holds {lo}..={hi}", t.name())
                    }
                    _ => "only integer and `bool` constants can be overridden".to_string(),
                })
            };
            self.error(d);
        }
        let span = self.consts[i].span;
        parsed.map(|kind| hir::Expr { kind, ty: ty.clone(), span })
    }

    fn check_overrides(&mut self) {
        for (name, _) in self.options.const_overrides.clone() {
            let found = self.consts.iter().any(|c| c.module == 0 && c.name == name);
            if !found {
                let mut d = errors::bad_override(format!("`--const {name}=...` names no constant of the policy"));
                let names: Vec<&str> = self.consts.iter().filter(|c| c.module == 0).map(|c| c.name.as_str()).collect();
                if let Some(s) = did_you_mean(&name, names) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.error(d);
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // Structs, maps and signatures.

    fn resolve_structs(&mut self) {
        for i in 0..self.structs.len() {
            let (m, fields) = self.struct_asts[i].clone();
            let mut out: Vec<hir::FieldDef> = Vec::new();
            for (name, ty) in &fields {
                if out.iter().any(|f| f.name == name.name) {
                    self.error(
                        errors::duplicate_name(format!("field `{}` is declared twice", name.name))
                            .with_primary(name.span, "again here"),
                    );
                    continue;
                }
                let t = self.resolve_ty(m, ty);
                self.require_plain_data(&t, ty.span, "struct fields", "use integers, `bool`, arrays and other structs");
                out.push(hir::FieldDef { name: name.name.clone(), ty: t });
            }
            self.structs[i].fields = out;
        }
        // A struct that contains itself would be infinitely large.
        for i in 0..self.structs.len() {
            if self.struct_contains(StructId(i as u32), StructId(i as u32), 0) {
                let s = &self.structs[i];
                let d = errors::not_plain_data(format!("struct `{}` contains itself", s.name))
                    .with_primary(s.span, "infinitely large")
                    .with_help("structs hold plain data; break the cycle");
                self.error(d);
                for f in &mut self.structs[i].fields {
                    f.ty = Ty::Never;
                }
            }
        }
    }

    fn struct_contains(&self, s: StructId, target: StructId, depth: usize) -> bool {
        if depth > self.structs.len() {
            return false;
        }
        self.structs[s.0 as usize].fields.iter().any(|f| self.ty_contains(&f.ty, target, depth))
    }

    fn ty_contains(&self, t: &Ty, target: StructId, depth: usize) -> bool {
        match t {
            Ty::Struct(id) => *id == target || self.struct_contains(*id, target, depth + 1),
            Ty::Array(e, _) => self.ty_contains(e, target, depth),
            _ => false,
        }
    }

    /// Whether `t` (written at `at`) is plain data; if not, an error that `what` must be, with
    /// `help`.
    fn require_plain_data(&mut self, t: &Ty, at: Span, what: &str, help: &str) -> bool {
        let plain = self.is_plain_data(t);
        if !plain {
            let tn = self.ty_name(t);
            self.error(
                errors::not_plain_data(format!("{what} must be plain data, not `{tn}`"))
                    .with_primary(at, "not plain data")
                    .with_help(help),
            );
        }
        plain
    }

    /// Integers, bools, arrays and structs of them: what maps and structs may hold.
    pub fn is_plain_data(&self, t: &Ty) -> bool {
        match t {
            Ty::Int(_) | Ty::Bool | Ty::Struct(_) | Ty::Never => true,
            Ty::Array(e, _) => self.is_plain_data(e),
            _ => false,
        }
    }

    /// Whether a value of `t` takes no bytes (an empty struct, a zero-length array).
    pub fn is_zero_sized(&self, t: &Ty) -> bool {
        match t {
            Ty::Array(e, n) => *n == 0 || self.is_zero_sized(e),
            Ty::Struct(id) => self.structs[id.0 as usize].fields.iter().all(|f| self.is_zero_sized(&f.ty)),
            _ => false,
        }
    }

    fn resolve_maps(&mut self) {
        for i in 0..self.maps.len() {
            let (m, ty, _) = self.map_asts[i].clone();
            let ast::TypeKind::Path(path, args) = &ty.kind else {
                self.error(
                    errors::unknown_map_kind("a map's type must be a map kind")
                        .with_primary(ty.span, "not a map kind")
                        .with_help("e.g. `SockArray<8>` or `HashMap<u32, u64, 1024>`"),
                );
                continue;
            };
            let kname = path.text();
            let Some(kind) = mapkind::lookup(&kname).map(|k| k.kind) else {
                let mut d = errors::unknown_map_kind(format!("unknown map kind `{kname}`"))
                    .with_primary(path.span, "not a map kind");
                d = match did_you_mean(&kname, mapkind::MAP_KINDS.iter().map(|k| k.name)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(
                        "the map kinds are SockArray, SockMap, SockHash, Array, PerCpuArray, HashMap, LruHashMap and LpmTrie",
                    ),
                };
                self.error(d);
                continue;
            };
            let want = kind.info().generics;
            if args.len() != want {
                self.error(
                    errors::map_generics(format!(
                        "`{kname}` takes {want} generic argument{}, found {}",
                        if want == 1 { "" } else { "s" },
                        args.len()
                    ))
                    .with_primary(ty.span, format!("expected `{}`", map_signature(kind)))
                    .with_help("the capacity comes last and is a constant expression"),
                );
                continue;
            }
            let mut types = Vec::new();
            for a in &args[..want - 1] {
                match a {
                    ast::GenericArg::Type(t) => {
                        let r = self.resolve_ty(m, t);
                        let plain = self.require_plain_data(
                            &r,
                            t.span,
                            "map keys and values",
                            "use integers, `bool`, arrays and structs",
                        );
                        if plain && self.is_zero_sized(&r) {
                            let tn = self.ty_name(&r);
                            self.error(
                                errors::not_plain_data(format!(
                                    "`{tn}` takes no bytes, and map keys and values need some"
                                ))
                                .with_primary(t.span, "zero-sized")
                                .with_help(
                                    "the kernel refuses maps whose key or value size is 0; give the type a field",
                                ),
                            );
                        }
                        types.push(r);
                    }
                    ast::GenericArg::Const(e) => {
                        self.error(
                            errors::not_plain_data("expected a type, found an expression")
                                .with_primary(e.span, "not a type")
                                .with_help(format!("`{kname}` is written `{}`", map_signature(kind))),
                        );
                        types.push(Ty::Never);
                    }
                }
            }
            let cap_expr = match &args[want - 1] {
                ast::GenericArg::Const(e) => Some(e.clone()),
                ast::GenericArg::Type(t) => match &t.kind {
                    ast::TypeKind::Path(p, g) if g.is_empty() => {
                        Some(ast::Expr { kind: ast::ExprKind::Path(p.clone()), span: t.span })
                    }
                    _ => None,
                },
            };
            let cap_span = args[want - 1].span();
            let capacity = match cap_expr {
                None => {
                    self.error(
                        errors::bad_capacity("a map's capacity must be a constant expression")
                            .with_primary(cap_span, "not a constant")
                            .with_help(format!("`{kname}` is written `{}`", map_signature(kind))),
                    );
                    None
                }
                Some(e) => typeck::const_u32(self, m, &e, "a map capacity"),
            };
            let capacity = match capacity {
                Some(0) => {
                    self.error(
                        errors::bad_capacity("a map's capacity must be at least 1")
                            .with_primary(cap_span, "capacity 0")
                            .with_help("the kernel refuses maps with no entries"),
                    );
                    1
                }
                Some(n) if n > MAX_CAPACITY => {
                    self.error(
                        errors::bad_capacity(format!("a map's capacity must be at most {MAX_CAPACITY}, not {n}"))
                            .with_primary(cap_span, "too many entries")
                            .with_help(
                                "a reuseport group has a few sockets per CPU; tables rarely need millions of entries",
                            ),
                    );
                    1
                }
                Some(n) => n,
                None => 1,
            };
            let slot_ty = |s: Slot| match s {
                Slot::Index => Ty::U32,
                Slot::Socket => Ty::U64,
                Slot::Generic(i) => types[i].clone(),
            };
            let (key, value) = (slot_ty(kind.info().key), slot_ty(kind.info().value));
            if kind.info().prefix_key && !matches!(&key, Ty::Never | Ty::Int(IntTy::U32)) && !is_byte_array(&key) {
                let kn = self.ty_name(&key);
                self.error(
                    errors::bad_prefix_key(format!("an `LpmTrie` key must be `u32` or `[u8; M]`, not `{kn}`"))
                        .with_primary(args[0].span(), "not an address")
                        .with_help("`u32` for IPv4 (as `pkt.src_ip4`), `[u8; 16]` for IPv6 (as `pkt.src_ip6`)"),
                );
            }
            let d = &mut self.maps[i];
            d.kind = kind;
            d.key = key;
            d.value = value;
            d.capacity = capacity;
        }
    }

    fn resolve_signatures(&mut self) {
        for i in 0..self.fns.len() {
            let m = self.fns[i].module;
            let decl = self.fns[i].decl.clone();
            let mut params = Vec::new();
            for p in &decl.params {
                let t = self.resolve_ty(m, &p.ty);
                if params.iter().any(|(_, n, _): &(bool, ast::Ident, Ty)| n.name == p.name.name) {
                    self.error(
                        errors::duplicate_name(format!("parameter `{}` is declared twice", p.name.name))
                            .with_primary(p.name.span, "again here"),
                    );
                }
                params.push((p.mutable, p.name.clone(), t));
            }
            let ret = match &decl.ret {
                Some(t) => self.resolve_ty(m, t),
                None => Ty::Unit,
            };
            match self.fns[i].kind {
                FnKind::Entry(_) => {
                    let ok = matches!(params.as_slice(), [(_, _, Ty::Packet | Ty::Never)])
                        && matches!(ret, Ty::Verdict | Ty::Never);
                    if !ok {
                        let found = format!(
                            "fn {}({}) -> {}",
                            decl.name.name,
                            params
                                .iter()
                                .map(|(_, n, t)| format!("{}: {}", n.name, self.ty_name(t)))
                                .collect::<Vec<_>>()
                                .join(", "),
                            self.ty_name(&ret)
                        );
                        self.error(
                            errors::bad_signature(format!(
                                "`#[steer]` function `{}` has the wrong signature",
                                decl.name.name
                            ))
                            .with_primary(decl.name.span, format!("found `{found}`"))
                            .with_help(format!(
                                "an entry takes the packet and returns a verdict: `fn {}(pkt: Packet) -> Verdict`",
                                decl.name.name
                            )),
                        );
                    }
                }
                FnKind::Test => {
                    if !params.is_empty() || ret != Ty::Unit {
                        self.error(
                            errors::bad_signature(format!(
                                "`#[test]` function `{}` must take no parameters and return nothing",
                                decl.name.name
                            ))
                            .with_primary(decl.name.span, "wrong signature")
                            .with_help(format!("write `fn {}() {{ ... }}`", decl.name.name)),
                        );
                    }
                }
                FnKind::Helper => {}
            }
            self.fns[i].params = params;
            self.fns[i].ret = ret;
        }
    }

    // ----------------------------------------------------------------------------------
    // Whole-program checks.

    /// Reports every cycle of the call graph: codegen inlines helpers, and the kernel
    /// forbids recursion anyway.
    fn check_recursion(&mut self) {
        let n = self.fns.len();
        let sccs = tarjan(n, &self.calls);
        for scc in sccs {
            let self_loop = scc.len() == 1 && self.calls[scc[0]].iter().any(|(c, _)| c.0 as usize == scc[0]);
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let start = *scc.iter().min().unwrap_or(&scc[0]);
            // Walk the cycle from `start` through members of the component, breadth first,
            // to name the shortest cycle.
            let path = shortest_cycle(start, &scc, &self.calls);
            let names: Vec<String> = path.iter().map(|&f| format!("`{}`", self.fns[f].name)).collect();
            let first_call = path
                .get(1)
                .and_then(|&next| self.calls[start].iter().find(|(c, _)| c.0 as usize == next))
                .map(|(_, s)| *s);
            let chain = names.join(" → ");
            let mut d = errors::recursion(format!("recursion is not allowed: {chain}"))
                .with_help("BPF programs cannot recurse; rewrite it with a bounded `for` loop");
            if let Some(s) = first_call {
                d = d.with_primary(s, "this call starts the cycle");
            }
            for w in path.windows(2).skip(1) {
                if let Some((_, s)) = self.calls[w[0]].iter().find(|(c, _)| c.0 as usize == w[1]) {
                    d = d.with_secondary(*s, format!("`{}` calls `{}`", self.fns[w[0]].name, self.fns[w[1]].name));
                }
            }
            self.error(d);
        }
    }

    fn finish(&mut self, functions: Vec<hir::Function>) -> hir::Program {
        let mut entries = Vec::new();
        let mut tests = Vec::new();
        for (i, f) in self.fns.iter().enumerate() {
            match f.kind {
                FnKind::Entry(_) if f.module == 0 => entries.push(FuncId(i as u32)),
                FnKind::Test if f.module == 0 => tests.push(FuncId(i as u32)),
                _ => {}
            }
        }
        let main_ok = !self.modules[0].had_parse_errors;
        let has_entry = self.fns.iter().any(|f| f.module == 0 && matches!(f.kind, FnKind::Entry(_)));
        if main_ok && !has_entry {
            let file = self.modules[0].file;
            let first = self.modules[0].ast.items.first().map(|i| i.span).unwrap_or(Span::new(file, 0, 0));
            let name = self.db.name(file).to_string();
            self.error(
                errors::no_entry(format!("`{name}` has no `#[steer]` function"))
                    .with_primary(
                        Span::new(file, first.start as usize, first.start as usize),
                        "a policy needs at least one entry",
                    )
                    .with_help("add one: `#[steer] fn route(pkt: Packet) -> Verdict { ... }`"),
            );
        }
        self.socket_map_warning();
        let consts = self
            .consts
            .iter()
            .filter(|c| !self.modules[c.module].is_std)
            .filter_map(|c| match &c.state {
                ConstState::Done(v) => {
                    Some(hir::ConstDef { name: c.name.clone(), ty: c.ty.clone(), value: v.clone(), span: c.span })
                }
                _ => None,
            })
            .collect();
        hir::Program { structs: self.structs.clone(), maps: self.maps.clone(), functions, entries, tests, consts }
    }

    /// A socket lives in one SockArray only, and not in a SockArray and a
    /// SockMap/SockHash at once, so such a policy cannot hold its whole group.
    fn socket_map_warning(&mut self) {
        let named = |kind: &dyn Fn(MapKind) -> bool| -> Vec<(Span, MapKind)> {
            self.maps.iter().zip(&self.map_asts).filter(|(m, _)| kind(m.kind)).map(|(m, a)| (a.2, m.kind)).collect()
        };
        let arrays = named(&|k| k == MapKind::SockArray);
        let others = named(&|k| matches!(k, MapKind::SockMap | MapKind::SockHash));
        let d = if arrays.len() > 1 {
            Some(
                errors::socket_maps_split(format!(
                    "{} `SockArray` maps cannot all hold the sockets of one group",
                    arrays.len()
                ))
                .with_primary(arrays[1].0, "second SockArray")
                .with_secondary(arrays[0].0, "first SockArray")
                .with_note("a socket can be in one SockArray only; the loader will refuse to fill both")
                .with_help("use `SockMap<N>` maps, which can share sockets"),
            )
        } else if let (Some(a), Some(o)) = (arrays.first(), others.first()) {
            Some(
                errors::socket_maps_split(format!(
                    "a `SockArray` and a `{}` cannot both hold the sockets of one group",
                    o.1.name()
                ))
                .with_primary(a.0, "SockArray")
                .with_secondary(o.0, o.1.name())
                .with_note("a socket in a SockArray cannot also be in a SockMap or SockHash")
                .with_help("turn the `SockArray` into a `SockMap<N>`"),
            )
        } else {
            None
        };
        if let Some(d) = d {
            self.error(d);
        }
    }
}

/// Strongly connected components of the call graph (Tarjan), members as indices.
fn tarjan(n: usize, edges: &[Vec<(FuncId, Span)>]) -> Vec<Vec<usize>> {
    struct State<'e> {
        edges: &'e [Vec<(FuncId, Span)>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State<'_>, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &(w, _) in &s.edges[v] {
            let w = w.0 as usize;
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            comp.sort();
            s.out.push(comp);
        }
    }
    let mut s = State {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: vec![],
        next: 0,
        out: vec![],
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

/// The shortest cycle from `start` back to itself within `scc`, as `[start, .., start]`.
fn shortest_cycle(start: usize, scc: &[usize], edges: &[Vec<(FuncId, Span)>]) -> Vec<usize> {
    let mut prev: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::new();
    queue.push_back(start);
    while let Some(v) = queue.pop_front() {
        for &(w, _) in &edges[v] {
            let w = w.0 as usize;
            if !scc.contains(&w) {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut cur = v;
                while cur != start {
                    cur = prev[&cur];
                    path.push(cur);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if w != start && !prev.contains_key(&w) {
                prev.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}
