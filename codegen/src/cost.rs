//! The verifier's cost, estimated on the emitted program so that `check` refuses what the
//! kernel would (`E0804`). The kernel walks every path from the entry, state by state, and
//! stops a path only where it meets a state it has already proven safe; it gives up after
//! 1,000,000 instructions, or with more than 8192 branches pending at once.
//!
//! The model, per block in layout order (reverse post-order, so every forward predecessor
//! comes first; back edges are the loops, whose rounds are the blocks' weights):
//!
//! - **states**: how many distinct verifier states reach the block. One at the entry; a
//!   block with one predecessor inherits its count; at a join the counts add up when a value
//!   live into the join may differ between the incoming paths (it is written, or a branch
//!   narrowed it, between the join's dominator and the join), because the verifier keeps such
//!   states apart; otherwise the paths meet in one state (the largest count).
//! - **loops**: when such a join inside a loop keeps apart a value the loop carries (live at
//!   the loop's head), each round multiplies the states, so the loop costs states^rounds.
//! - **walk**: each block costs its instructions × its weight × its states.
//! - **pending**: each conditional branch leaves one state for later; the deepest chain of
//!   branches on one path (times the rounds of their loops) must stay within 8192.
//!
//! This over-counts what the kernel's pruning saves, so it refuses a little more than the
//! kernel would, never less on the shapes we generate (the tests load what it accepts).

use crate::ir::{Block, Function, Term, Value};
use crate::liveness::liveness;

/// The kernel gives up after this many processed instructions (`BPF_COMPLEXITY_LIMIT_INSNS`).
pub const VERIFIER_LIMIT: u64 = 1_000_000;
/// The estimate refused: 80% of the kernel's limit.
pub const WALK_BUDGET: u64 = VERIFIER_LIMIT / 10 * 8;
/// The kernel's limit on branches pending at once (`BPF_COMPLEXITY_LIMIT_JMP_SEQ`).
pub const PENDING_LIMIT: u64 = 8192;

/// The estimate for one program.
#[derive(Clone, Debug, Default)]
pub struct Cost {
    /// Instructions the verifier may walk (saturating).
    pub walk: u64,
    /// Of `walk`, the part in each outermost loop (by `Function::loops` index).
    pub per_loop: Vec<u64>,
    /// The most branches pending at once on one path.
    pub pending: u64,
    /// The block with the most states (where paths multiply), and its count.
    pub widest: Option<(Block, u64)>,
    /// Of `walk`, what paths narrowed to a constant by `==` tests walk on their own.
    pub chained: u64,
}

/// `lens[i]`: the instructions emitted for `order[i]`.
pub fn estimate(f: &Function, order: &[Block], lens: &[u64]) -> Cost {
    let n = order.len();
    let mut pos = vec![usize::MAX; f.blocks.len()];
    for (i, b) in order.iter().enumerate() {
        pos[b.as_u32() as usize] = i;
    }
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    // Loops as (head, latch) positions, from their back edges.
    let mut loops: Vec<(usize, usize)> = Vec::new();
    for (i, &b) in order.iter().enumerate() {
        for s in f.succs(b) {
            let p = pos[s.as_u32() as usize];
            if p == usize::MAX {
                continue;
            }
            if p <= i {
                loops.push((p, i));
            } else {
                preds[p].push(i);
            }
        }
    }
    let live = liveness(f, order);
    // Where each value is written and where a branch narrows it, by block position, ascending.
    let nv = f.num_values as usize;
    let mut written: Vec<Vec<u32>> = vec![Vec::new(); nv];
    let mut narrowed: Vec<Vec<u32>> = vec![Vec::new(); nv];
    let mark = |t: &mut Vec<u32>, i: usize| {
        if t.last() != Some(&(i as u32)) {
            t.push(i as u32);
        }
    };
    for (i, &b) in order.iter().enumerate() {
        let data = &f.blocks[b];
        for (inst, _) in &data.insts {
            if let Some(d) = inst.def() {
                mark(&mut written[d.as_u32() as usize], i);
            }
        }
        if let Term::Branch { a, b: rhs, .. } = &data.term {
            mark(&mut narrowed[a.as_u32() as usize], i);
            if let crate::ir::Operand::Val(v) = rhs {
                mark(&mut narrowed[v.as_u32() as usize], i);
            }
        }
    }
    let between = |t: &Vec<u32>, lo: usize, hi: usize| {
        let k = t.partition_point(|&p| (p as usize) <= lo);
        t.get(k).is_some_and(|&p| (p as usize) < hi)
    };
    let touched_between = |v: Value, lo: usize, hi: usize| {
        between(&written[v.as_u32() as usize], lo, hi) || between(&narrowed[v.as_u32() as usize], lo, hi)
    };
    let idom = dominators(&preds);
    let exact = exact_values(f);
    let constant = constant_derived(f);
    let mut states = vec![1u64; n];
    let mut pending = vec![0u64; n];
    let mut cost = Cost { per_loop: vec![0; f.loops.len()], ..Cost::default() };
    // Loops whose rounds multiply the states: (head, latch, factor).
    let mut multiplying: Vec<(usize, usize, u64)> = Vec::new();
    // The values that tell the states at each block apart; once none of them is live, the
    // states meet and the verifier prunes all but one.
    let mut apart: Vec<Vec<Value>> = vec![Vec::new(); n];
    for i in 0..n {
        let ps = &preds[i];
        let live_here = &live.live_in[i];
        let mut keep: Vec<Value> = ps.iter().flat_map(|&p| apart[p].iter().copied()).collect();
        if ps.len() > 1 {
            let lo = idom[i];
            let distinct: Vec<Value> = live_here
                .iter()
                .copied()
                .filter(|&v| exact[v.as_u32() as usize] && constant[v.as_u32() as usize] && touched_between(v, lo, i))
                .collect();
            if distinct.is_empty() {
                states[i] = ps.iter().map(|&p| states[p]).max().unwrap_or(1);
            } else {
                states[i] = ps.iter().fold(0u64, |acc, &p| acc.saturating_add(states[p]));
                // Inside a loop, a value the loop carries multiplies the states every round.
                for &(h, l) in &loops {
                    // Written, not only narrowed: a loop's counter is narrowed by tests but
                    // known in every round.
                    let carried = distinct.iter().any(|v| {
                        live.live_in[h].binary_search(v).is_ok() && between(&written[v.as_u32() as usize], idom[i], i)
                    });
                    if h < i && i <= l && carried && states[i] > states[h] {
                        multiplying.push((h, l, (states[i] / states[h].max(1)).max(2)));
                    }
                }
            }
            keep.extend(distinct);
            pending[i] = ps.iter().map(|&p| pending[p]).max().unwrap_or(0);
        } else if let Some(&p) = ps.first() {
            states[i] = states[p];
            pending[i] = pending[p];
        }
        keep.sort_unstable();
        keep.dedup();
        keep.retain(|v| live_here.binary_search(v).is_ok());
        if keep.is_empty() {
            states[i] = 1;
        }
        apart[i] = keep;
        // A branch at the end of a predecessor left a state behind on this path.
        if let Some(&p) = ps.iter().max_by_key(|&&p| pending[p]) {
            // A loop's own test is decided by its counter, which the verifier knows.
            let loop_test = loops.iter().any(|&(h, l)| p == h || p == l);
            if matches!(f.blocks[order[p]].term, Term::Branch { .. }) && !loop_test {
                pending[i] = pending[i].max(pending[p].saturating_add(f.blocks[order[p]].weight));
            }
        }
        cost.pending = cost.pending.max(pending[i]);
        if cost.widest.is_none_or(|(_, w)| states[i] > w) && states[i] > 1 {
            cost.widest = Some((order[i], states[i]));
        }
    }
    cost.chained = constant_paths(f, order, &pos, lens, &live.live_in);
    cost.walk = cost.chained;
    for (i, &b) in order.iter().enumerate() {
        let data = &f.blocks[b];
        let mut s = states[i];
        for &(h, l, factor) in &multiplying {
            if h <= i && i <= l {
                s = s.saturating_mul(factor.saturating_pow(data.weight.min(u32::MAX as u64) as u32));
            }
        }
        let c = lens[i].saturating_mul(data.weight).saturating_mul(s);
        cost.walk = cost.walk.saturating_add(c);
        if let Some(l) = data.in_loop {
            cost.per_loop[l as usize] = cost.per_loop[l as usize].saturating_add(c);
        }
    }
    cost
}

/// The values the verifier must track exactly: those a key of an `exact_key_maps` lookup is
/// computed from (stored into the key's stack slot, and what those were computed from), and
/// runtime indexes into the stack. States that differ in any other value meet at a join.
fn exact_values(f: &Function) -> Vec<bool> {
    use crate::ir::{Arg, Inst};
    let nv = f.num_values as usize;
    let mut exact = vec![false; nv];
    let mut defs: Vec<Vec<&Inst>> = vec![Vec::new(); nv];
    let mut slot_srcs: foldhash::HashMap<crate::ir::Slot, Vec<Value>> = Default::default();
    let mut work: Vec<Value> = Vec::new();
    for (_, data) in f.blocks.iter() {
        // The stores into each slot since the block began: a key is written just before its
        // call, into a buffer other calls share.
        let mut recent: foldhash::HashMap<crate::ir::Slot, Vec<Value>> = Default::default();
        for (inst, _) in &data.insts {
            if let Some(d) = inst.def() {
                defs[d.as_u32() as usize].push(inst);
            }
            match inst {
                Inst::StackStore { slot, src: crate::ir::Operand::Val(v), .. } => {
                    slot_srcs.entry(*slot).or_default().push(*v);
                    recent.entry(*slot).or_default().push(*v);
                }
                Inst::Call { args, .. } => {
                    if args.iter().any(|a| matches!(a, Arg::Map(m) if f.exact_key_maps.contains(m))) {
                        for a in args {
                            if let Arg::StackAddr(slot, _) = a {
                                work.extend(recent.get(slot).into_iter().flatten().copied());
                            }
                        }
                    }
                    recent.clear();
                }
                // A pointer plus a runtime offset: the offset's range decides the access.
                Inst::PtrLoad { ptr, .. } | Inst::PtrStore { ptr, .. } => work.push(*ptr),
                _ => {}
            }
        }
    }
    while let Some(v) = work.pop() {
        if std::mem::replace(&mut exact[v.as_u32() as usize], true) {
            continue;
        }
        for inst in &defs[v.as_u32() as usize] {
            match inst {
                Inst::StackLoad { slot, .. } => work.extend(slot_srcs.get(slot).into_iter().flatten().copied()),
                Inst::Call { .. } => {}
                other => work.extend(other.uses()),
            }
        }
    }
    exact
}

/// What the paths that a branch narrows to a constant walk on their own: after
/// `if h == K`, the verifier knows `h` is `K` on one side, so that state cannot be pruned
/// against the others while `h` lives, and it walks on, deciding each later test of `h`, until
/// `h` dies. A chain of n such tests costs about n²/2 blocks: charge each branch the longest
/// walk from its constant side through blocks where the value is live.
fn constant_paths(f: &Function, order: &[Block], pos: &[usize], lens: &[u64], live_in: &[Vec<Value>]) -> u64 {
    use crate::bpf::JmpOp;
    // The constant side of each branch `v == K` / `v != K`, by value.
    let mut by_value: std::collections::BTreeMap<Value, Vec<(usize, usize)>> = Default::default();
    for (i, &b) in order.iter().enumerate() {
        if let Term::Branch { op, a, b: crate::ir::Operand::Imm(_), then, els } = &f.blocks[b].term {
            let side = match op {
                JmpOp::Jeq => *then,
                JmpOp::Jne => *els,
                _ => continue,
            };
            let p = pos[side.as_u32() as usize];
            if p != usize::MAX && p > i {
                by_value.entry(*a).or_default().push((i, p));
            }
        }
    }
    let mut total = 0u64;
    let mut walk = vec![0u64; order.len()];
    for (v, branches) in by_value {
        // Only a value tested again is decided again; one test costs what its block costs.
        if branches.len() < 2 {
            continue;
        }
        // The longest walk from each block while `v` is live, from the last block up.
        let (lo, _) = branches[0];
        for i in (lo..order.len()).rev() {
            walk[i] = 0;
            if live_in[i].binary_search(&v).is_err() {
                continue;
            }
            // A later test of `v` against a constant is decided: the walk takes its `!=` side.
            let succs = match &f.blocks[order[i]].term {
                Term::Branch { op: JmpOp::Jeq, a, b: crate::ir::Operand::Imm(_), els, .. } if *a == v => {
                    crate::ir::Few::one(*els)
                }
                Term::Branch { op: JmpOp::Jne, a, b: crate::ir::Operand::Imm(_), then, .. } if *a == v => {
                    crate::ir::Few::one(*then)
                }
                _ => f.succs(order[i]),
            };
            let next = succs
                .into_iter()
                .map(|s| pos[s.as_u32() as usize])
                .filter(|&p| p != usize::MAX && p > i)
                .map(|p| walk[p])
                .max()
                .unwrap_or(0);
            walk[i] = lens[i].saturating_add(next);
        }
        for (b, side) in branches {
            total = total.saturating_add(walk[side].saturating_mul(f.blocks[order[b]].weight));
        }
    }
    total
}

/// The values computed from constants only (every definition a constant, or arithmetic and
/// copies of such values): on each path the verifier knows them exactly, so paths that give
/// them different values stay apart. A value read from the packet, a map or the context is
/// a range, and paths that differ in it meet.
fn constant_derived(f: &Function) -> Vec<bool> {
    use crate::ir::Inst;
    let nv = f.num_values as usize;
    let mut constant = vec![true; nv];
    let mut users: Vec<Vec<Value>> = vec![Vec::new(); nv];
    let mut work = Vec::new();
    for (_, data) in f.blocks.iter() {
        for (inst, _) in &data.insts {
            let Some(d) = inst.def() else { continue };
            match inst {
                Inst::Iconst { .. } => {}
                Inst::Copy { .. }
                | Inst::Alu { .. }
                | Inst::Neg { .. }
                | Inst::Normalize { .. }
                | Inst::Bswap { .. } => {
                    for u in inst.uses() {
                        users[u.as_u32() as usize].push(d);
                    }
                }
                _ => work.push(d),
            }
        }
    }
    while let Some(v) = work.pop() {
        if std::mem::replace(&mut constant[v.as_u32() as usize], false) {
            work.extend(users[v.as_u32() as usize].iter().copied());
        }
    }
    constant
}

/// The immediate dominator of each block (by position; the entry is its own), over the
/// forward edges, by the iterative algorithm of Cooper, Harvey and Kennedy on an order where
/// predecessors come first.
fn dominators(preds: &[Vec<usize>]) -> Vec<usize> {
    let n = preds.len();
    let mut idom = vec![usize::MAX; n];
    if n == 0 {
        return idom;
    }
    idom[0] = 0;
    for i in 1..n {
        let mut ps = preds[i].iter().copied().filter(|&p| idom[p] != usize::MAX);
        let Some(mut d) = ps.next() else {
            idom[i] = 0;
            continue;
        };
        for p in ps {
            let (mut a, mut b) = (d, p);
            while a != b {
                while a > b {
                    a = idom[a];
                }
                while b > a {
                    b = idom[b];
                }
            }
            d = a;
        }
        idom[i] = d;
    }
    idom
}
