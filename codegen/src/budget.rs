//! Limits an entry must meet before it is lowered, measured on the HIR so that they are
//! decided in time linear in the policy, however large inlining would make it:
//!
//! - the inlined size: every call is inlined, so a function that calls two others twice each,
//!   25 levels deep, is 2^25 copies of the leaf; [`MAX_INLINED_EXPRS`] bounds the expressions
//!   an entry holds once every call is replaced by its body (`E0805`, naming the heaviest
//!   call chain);
//! - the maps one program uses: the kernel refuses more than [`MAX_MAPS_PER_PROGRAM`]
//!   (`E0806`, at the use of the first map past the limit).

use foldhash::{HashSet, HashSetExt};
use rsteer_lang::errors;
use rsteer_lang::hir::{ExprKind, FuncId, MapId, Program};
use rsteer_lang::{Diagnostic, Span};
use std::collections::BTreeMap;

/// The most expressions an entry may hold with every call inlined. Lowering makes at least
/// about one instruction of most expressions, and the kernel takes at most 1,000,000.
pub const MAX_INLINED_EXPRS: u64 = 1_000_000;

/// The kernel's limit on the maps one program uses (`MAX_USED_MAPS`).
pub const MAX_MAPS_PER_PROGRAM: usize = 64;

/// What one function holds: its own expressions, its calls, and the maps it names.
struct FnFacts {
    own: u64,
    calls: Vec<(FuncId, Span)>,
    maps: Vec<(MapId, Span)>,
}

fn facts(prog: &Program, f: FuncId) -> FnFacts {
    let mut out = FnFacts { own: 0, calls: vec![], maps: vec![] };
    rsteer_lang::hir::walk_block(&prog.functions[f.0 as usize].body, &mut |e| {
        out.own += 1;
        match &e.kind {
            ExprKind::Call { func, .. } => out.calls.push((*func, e.span)),
            ExprKind::Select { map, .. }
            | ExprKind::MapGet { map, .. }
            | ExprKind::MapSet { map, .. }
            | ExprKind::MapInsert { map, .. }
            | ExprKind::MapRemove { map, .. }
            | ExprKind::MapContains { map, .. }
            | ExprKind::MapAdd { map, .. } => out.maps.push((*map, e.span)),
            _ => {}
        }
    });
    out
}

/// Checks both limits for `entry`.
pub fn check_entry(prog: &Program, entry: FuncId) -> Result<(), Diagnostic> {
    // The functions reachable from the entry, each walked once (the checker refused cycles).
    let mut table: BTreeMap<FuncId, FnFacts> = BTreeMap::new();
    let mut order = Vec::new();
    let mut stack = vec![entry];
    while let Some(f) = stack.pop() {
        if table.contains_key(&f) {
            continue;
        }
        let fa = facts(prog, f);
        stack.extend(fa.calls.iter().map(|(c, _)| *c).filter(|c| !table.contains_key(c)));
        table.insert(f, fa);
        order.push(f);
    }
    check_maps(prog, entry, &table, &order)?;
    check_inlined_size(prog, entry, &table)
}

fn check_maps(
    prog: &Program,
    entry: FuncId,
    table: &BTreeMap<FuncId, FnFacts>,
    order: &[FuncId],
) -> Result<(), Diagnostic> {
    let mut used: Vec<(MapId, Span)> = Vec::new();
    let mut seen = HashSet::new();
    for f in order {
        for &(m, span) in &table[f].maps {
            if seen.insert(m) {
                used.push((m, span));
            }
        }
    }
    if used.len() <= MAX_MAPS_PER_PROGRAM {
        return Ok(());
    }
    let (over, span) = used[MAX_MAPS_PER_PROGRAM];
    let name = &prog.functions[entry.0 as usize].name;
    Err(errors::too_many_maps(format!(
        "`{name}` uses {} maps; the kernel allows {MAX_MAPS_PER_PROGRAM} in one program",
        used.len()
    ))
    .with_primary(span, format!("map `{}` is number {}", prog.maps[over.0 as usize].name, MAX_MAPS_PER_PROGRAM + 1))
    .with_help("merge maps of the same kind into one with a wider key, or split the work across entries"))
}

/// The inlined size of every function reachable from `entry` (saturating), bottom-up.
fn inlined_sizes(table: &BTreeMap<FuncId, FnFacts>, entry: FuncId) -> BTreeMap<FuncId, u64> {
    let mut size: BTreeMap<FuncId, u64> = BTreeMap::new();
    // Post-order without recursion: a function is sized once all its callees are.
    let mut stack = vec![(entry, false)];
    while let Some((f, expanded)) = stack.pop() {
        if size.contains_key(&f) {
            continue;
        }
        let fa = &table[&f];
        if expanded {
            let total = fa.calls.iter().fold(fa.own, |acc, (c, _)| acc.saturating_add(size[c]));
            size.insert(f, total);
        } else {
            stack.push((f, true));
            stack.extend(fa.calls.iter().filter(|(c, _)| !size.contains_key(c)).map(|(c, _)| (*c, false)));
        }
    }
    size
}

fn check_inlined_size(prog: &Program, entry: FuncId, table: &BTreeMap<FuncId, FnFacts>) -> Result<(), Diagnostic> {
    let size = inlined_sizes(table, entry);
    let total = size[&entry];
    if total <= MAX_INLINED_EXPRS {
        return Ok(());
    }
    // The chain that weighs most: from the entry, always into the heaviest call.
    let name = |f: FuncId| prog.functions[f.0 as usize].name.clone();
    let mut chain = vec![name(entry)];
    let mut at = entry;
    let mut first_call: Option<Span> = None;
    while let Some(&(c, span)) = table[&at].calls.iter().max_by_key(|(c, _)| size[c]) {
        first_call.get_or_insert(span);
        chain.push(name(c));
        at = c;
    }
    let shown = if chain.len() > 8 {
        format!("{} → … → {}", chain[..5].join(" → "), chain[chain.len() - 2..].join(" → "))
    } else {
        chain.join(" → ")
    };
    let fmt = |n: u64| if n == u64::MAX { "more than 18446744073709551615".to_string() } else { n.to_string() };
    let d = errors::inline_budget(format!(
        "inlining every call would make `{}` {} expressions; the limit is {MAX_INLINED_EXPRS}",
        name(entry),
        fmt(total)
    ))
    .with_note(format!("the heaviest call chain ({} calls deep): {shown}", chain.len() - 1))
    .with_note("every call is inlined, so a function that calls another twice doubles it at each level")
    .with_help("compute a value once and reuse it: `let y = g(x); y + y` inlines `g` once, `g(x) + g(x)` twice");
    Err(match first_call {
        Some(span) => d.with_primary(span, "this call inlines too much"),
        None => d.with_primary(prog.functions[entry.0 as usize].span, "this entry is too large"),
    })
}
