//! Variables that only ever copy one value.

use crate::ir::{Block, Function, Inst, Value};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// The values live into each block (liveness over the CFG).
pub(super) fn live_ins(f: &Function) -> HashMap<Block, HashSet<Value>> {
    // Value by value (`crate::liveness`): a fixed point over blocks would take a round per
    // block of a long chain, quadratic in the policy.
    let blocks: Vec<Block> = f.blocks.keys().collect();
    let live = crate::liveness::liveness(f, &blocks);
    blocks.into_iter().zip(live.live_in).map(|(b, vs)| (b, vs.into_iter().collect())).collect()
}

/// Walks block `b` backwards from its live-out set; `at(inst, live_after)` sees each
/// instruction with the values live right after it. Returns the values live into `b`.
pub(super) fn live_before(
    f: &Function,
    b: Block,
    live_in: &HashMap<Block, HashSet<Value>>,
    mut at: impl FnMut(&Inst, &HashSet<Value>),
) -> HashSet<Value> {
    let mut live: HashSet<Value> = HashSet::new();
    for s in f.succs(b) {
        if let Some(l) = live_in.get(&s) {
            live.extend(l.iter().copied());
        }
    }
    let data = &f.blocks[b];
    live.extend(data.term.uses());
    for (inst, _) in data.insts.iter().rev() {
        at(inst, &live);
        if let Some(d) = inst.def() {
            live.remove(&d);
        }
        live.extend(inst.uses());
    }
    live
}

/// `x` whose every definition is `x = copy y`, for one `y` that is never written while `x`
/// is live, holds `y` wherever it is read: its readers read `y`, and the copies die. This is
/// what is left of an `Option` or a result returned through an inlined call once the joins
/// are threaded (each path copies the same variable).
pub fn merge_copied_variables(f: &mut Function) -> bool {
    // x -> Some(y) while every definition of x seen so far copies y.
    let mut source: HashMap<Value, Option<Value>> = HashMap::new();
    for (_, b) in f.blocks.iter() {
        for (inst, _) in &b.insts {
            let Some(d) = inst.def() else { continue };
            let this = match inst {
                Inst::Copy { src, .. } if *src != d => Some(*src),
                _ => None,
            };
            source
                .entry(d)
                .and_modify(|s| {
                    if *s != this {
                        *s = None
                    }
                })
                .or_insert(this);
        }
    }
    let candidates: HashMap<Value, Value> = source.into_iter().filter_map(|(x, y)| y.map(|y| (x, y))).collect();
    if candidates.is_empty() {
        return false;
    }
    // The candidates by the value they copy, so each definition looks at its own only.
    let mut by_source: HashMap<Value, HashSet<Value>> = HashMap::new();
    for (x, y) in &candidates {
        by_source.entry(*y).or_default().insert(*x);
    }
    let live_in = live_ins(f);
    let mut bad: HashSet<Value> = HashSet::new();
    let blocks: Vec<Block> = f.blocks.keys().collect();
    for &b in &blocks {
        live_before(f, b, &live_in, |inst, live| {
            if let Some(xs) = inst.def().and_then(|d| by_source.get(&d)) {
                // The copies of `d` live here: walk the smaller of the two sets (a variable
                // written many times may have thousands of copies, and few live at once).
                if xs.len() <= live.len() {
                    bad.extend(xs.iter().filter(|x| live.contains(x)));
                } else {
                    bad.extend(live.iter().filter(|x| xs.contains(x)));
                }
            }
        });
    }
    // A chain (x copies y, which is itself replaced) waits for the next round; many copies of
    // one source go in one round, or a round per copy would make the pass quadratic.
    let mut sources: HashSet<Value> = HashSet::new();
    let mut map: HashMap<Value, Value> = HashMap::new();
    let mut order: Vec<(&Value, &Value)> = candidates.iter().filter(|(x, _)| !bad.contains(x)).collect();
    order.sort();
    for (x, y) in order {
        if sources.contains(x) || map.contains_key(y) {
            continue;
        }
        sources.insert(*y);
        map.insert(*x, *y);
    }
    if map.is_empty() {
        return false;
    }
    for (_, b) in f.blocks.iter_mut() {
        for (inst, _) in b.insts.iter_mut() {
            inst.map_uses(&|v| map.get(&v).copied().unwrap_or(v));
        }
        let mut term = b.term.clone();
        match &mut term {
            crate::ir::Term::Branch { a, b: op, .. } => {
                *a = map.get(a).copied().unwrap_or(*a);
                if let crate::ir::Operand::Val(v) = op {
                    *v = map.get(v).copied().unwrap_or(*v);
                }
            }
            crate::ir::Term::Return(crate::ir::Operand::Val(v)) => *v = map.get(v).copied().unwrap_or(*v),
            _ => {}
        }
        b.term = term;
    }
    // The copies now write values nobody reads.
    for (_, b) in f.blocks.iter_mut() {
        b.insts.retain(|(inst, _)| !matches!(inst, Inst::Copy { dst, .. } if map.contains_key(dst)));
    }
    true
}

/// A second load of the same context field, in a block reached only through the first (or
/// later in its block) with no helper call between, is a copy of the first: the context is
/// read-only. `pkt.is_udp()` after `pkt.is_tcp()` reads `ip_protocol` once.
pub fn reuse_context_loads(f: &mut Function) -> bool {
    use crate::bpf::Size;
    let mut preds: HashMap<Block, u32> = HashMap::new();
    for b in f.blocks.keys() {
        for s in f.succs(b) {
            *preds.entry(s).or_insert(0) += 1;
        }
    }
    let mut defs: HashMap<Value, u32> = HashMap::new();
    for (_, b) in f.blocks.iter() {
        for (inst, _) in &b.insts {
            if let Some(d) = inst.def() {
                *defs.entry(d).or_insert(0) += 1;
            }
        }
    }
    let single = |v: &Value| defs.get(v) == Some(&1);
    let mut changed = false;
    // (block, the loads available at its entry)
    type Avail = HashMap<(i16, Size), Value>;
    let mut work: Vec<(Block, Avail)> = vec![(f.entry, HashMap::new())];
    let mut seen: HashSet<Block> = HashSet::new();
    while let Some((b, mut avail)) = work.pop() {
        if !seen.insert(b) {
            continue;
        }
        for (inst, _) in f.blocks[b].insts.iter_mut() {
            match inst {
                Inst::LoadCtx { dst, off, size } if single(dst) => {
                    let key = (*off, *size);
                    match avail.get(&key) {
                        Some(first) => {
                            *inst = Inst::Copy { dst: *dst, src: *first };
                            changed = true;
                        }
                        None => {
                            avail.insert(key, *dst);
                        }
                    }
                }
                Inst::Call { .. } => avail.clear(),
                _ => {}
            }
        }
        for s in f.succs(b) {
            let carried = if preds.get(&s) == Some(&1) { avail.clone() } else { HashMap::new() };
            work.push((s, carried));
        }
    }
    changed
}

/// What a path knows about a context field after testing it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fact {
    Is(u64),
    IsNot(u64),
}

/// A branch on a context field that a test earlier on the only path to it decided is a
/// jump: after `pkt.is_ipv4()` held, `pkt.dst_ip4`'s own IPv4 test is known. The context
/// does not change while the program runs, so the facts hold across helper calls.
pub fn thread_context_tests(f: &mut Function) -> bool {
    use crate::bpf::{JmpOp, Size};
    use crate::ir::{Operand, Term};
    type Facts = HashMap<(i16, Size), Fact>;
    let order = f.reverse_postorder();
    let preds = f.predecessors(order.iter().copied());
    let mut defs: HashMap<Value, u32> = HashMap::new();
    for (_, b) in f.blocks.iter() {
        for (inst, _) in &b.insts {
            if let Some(d) = inst.def() {
                *defs.entry(d).or_insert(0) += 1;
            }
        }
    }
    let mut changed = false;
    // The facts on each edge; a block knows what all its incoming edges know (an edge not
    // seen yet, a loop's back edge, knows nothing).
    let mut on_edge: HashMap<(Block, Block), Facts> = HashMap::new();
    for &b in &order {
        let facts: Facts = if b == f.entry {
            HashMap::new()
        } else {
            let ps = preds.get(&b).cloned().unwrap_or_default();
            let mut it = ps.iter().map(|p| on_edge.get(&(*p, b)));
            match it.next().flatten() {
                Some(first) => {
                    let mut acc = first.clone();
                    for other in it {
                        match other {
                            Some(o) => acc.retain(|k, v| o.get(k) == Some(v)),
                            None => acc.clear(),
                        }
                    }
                    acc
                }
                None => HashMap::new(),
            }
        };
        // The context field the branch tests, when its operand was loaded in this block.
        let tested = match f.blocks[b].term {
            Term::Branch { a, b: Operand::Imm(c), op, then, els } if defs.get(&a) == Some(&1) => {
                f.blocks[b].insts.iter().rev().find(|(i, _)| i.def() == Some(a)).and_then(|(i, _)| match i {
                    Inst::LoadCtx { off, size, .. } => Some(((*off, *size), op, c as u64, then, els)),
                    _ => None,
                })
            }
            _ => None,
        };
        let mut edge_facts: Vec<(Block, Facts)> = Vec::new();
        match tested {
            Some((key, op, c, then, els)) => {
                let known = match (facts.get(&key), op) {
                    (Some(Fact::Is(x)), _) => crate::opt::eval_cond(op, *x, c),
                    (Some(Fact::IsNot(x)), JmpOp::Jeq) if *x == c => Some(false),
                    (Some(Fact::IsNot(x)), JmpOp::Jne) if *x == c => Some(true),
                    _ => None,
                };
                if let Some(taken) = known {
                    let to = if taken { then } else { els };
                    f.blocks[b].term = Term::Jump(to);
                    changed = true;
                    edge_facts.push((to, facts.clone()));
                } else {
                    let (on_then, on_else) = match op {
                        JmpOp::Jeq => (Some(Fact::Is(c)), Some(Fact::IsNot(c))),
                        JmpOp::Jne => (Some(Fact::IsNot(c)), Some(Fact::Is(c))),
                        _ => (None, None),
                    };
                    for (to, fact) in [(then, on_then), (els, on_else)] {
                        let mut fs = facts.clone();
                        match fact {
                            Some(x) => {
                                fs.insert(key, x);
                            }
                            None => {
                                fs.remove(&key);
                            }
                        }
                        edge_facts.push((to, fs));
                    }
                }
            }
            None => {
                for s in f.succs(b) {
                    edge_facts.push((s, facts.clone()));
                }
            }
        }
        for (s, fs) in edge_facts {
            on_edge.insert((b, s), fs);
        }
    }
    changed
}
