//! Full unrolling of loops with a small constant trip count.
//!
//! A loop `i = C; H: ...; L: i = add i, 1; br ult i, N, H, X` (the shape a `for i in C..N` has
//! once optimised, entered from one block that sets `i` last) runs exactly `N - C` rounds.
//! Each round becomes a copy of the loop's blocks with `i` a constant and the loop's own
//! temporaries renamed, so that the other passes fold the indexes into constant offsets and
//! the tests on `i` away. A loop is unrolled only when, after the other passes, the function
//! emits no more instructions than before: unrolling for its own sake would only lengthen the
//! program (or make it spill).

use crate::bpf::{AluOp, JmpOp};
use crate::ir::{Arg, Block, BlockData, Function, Inst, Operand, Term, Value};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// At most this many rounds, and this many instructions once unrolled.
const MAX_TRIPS: u64 = 16;
const MAX_UNROLLED: usize = 768;

struct Loop {
    header: Block,
    latch: Block,
    pre: Block,
    exit: Block,
    counter: Value,
    start: u64,
    trips: u64,
    blocks: Vec<Block>,
}

fn find_loops(f: &Function) -> Vec<Loop> {
    let order = f.reverse_postorder();
    let mut at: HashMap<Block, usize> = HashMap::new();
    for (i, b) in order.iter().enumerate() {
        at.insert(*b, i);
    }
    let preds = f.predecessors(order.iter().copied());
    let mut out = Vec::new();
    for &latch in &order {
        let Term::Branch { op: JmpOp::Jlt, a: counter, b: Operand::Imm(n), then: header, els: exit } =
            f.blocks[latch].term
        else {
            continue;
        };
        if at.get(&header).is_none_or(|&h| h > at[&latch]) || n < 0 {
            continue;
        }
        // The natural loop of the back edge.
        let mut blocks = vec![header];
        let mut inside: HashSet<Block> = HashSet::from_iter([header]);
        let mut work = vec![latch];
        while let Some(b) = work.pop() {
            if inside.insert(b) {
                blocks.push(b);
                work.extend(preds.get(&b).into_iter().flatten().copied());
            }
        }
        if inside.contains(&exit) {
            continue;
        }
        // One way in, from a block that sets the counter to a constant last.
        let outside: Vec<Block> =
            preds.get(&header).into_iter().flatten().copied().filter(|p| !inside.contains(p)).collect();
        let back: Vec<Block> =
            preds.get(&header).into_iter().flatten().copied().filter(|p| inside.contains(p)).collect();
        let [pre] = outside[..] else { continue };
        if back != [latch] || f.blocks[pre].term != Term::Jump(header) {
            continue;
        }
        let Some((Inst::Iconst { imm: start, .. }, _)) =
            f.blocks[pre].insts.iter().rev().find(|(i, _)| i.def() == Some(counter))
        else {
            continue;
        };
        let start = *start;
        if start >= n as u64 || n as u64 - start > MAX_TRIPS {
            continue;
        }
        // The counter is written once in the loop, by the latch's increment; no loop nests
        // inside (every block runs as often as the header).
        let mut defs = blocks
            .iter()
            .flat_map(|b| f.blocks[*b].insts.iter().map(move |(i, _)| (*b, i)))
            .filter(|(_, i)| i.def() == Some(counter));
        let incr = matches!(defs.next(), Some((b, Inst::Alu { op: AluOp::Add, a, b: Operand::Imm(1), signed: false, .. }))
            if b == latch && *a == counter);
        if !incr || defs.next().is_some() {
            continue;
        }
        if blocks.iter().any(|b| f.blocks[*b].weight != f.blocks[header].weight) {
            continue;
        }
        let trips = n as u64 - start;
        let size: usize = blocks.iter().map(|b| f.blocks[*b].insts.len() + 1).sum();
        if size as u64 * trips > MAX_UNROLLED as u64 {
            continue;
        }
        blocks.sort_by_key(|b| at[b]);
        out.push(Loop { header, latch, pre, exit, counter, start, trips, blocks });
    }
    out
}

/// The rounds that can run: a test on the counter alone (`if i * 8 >= 48 { break }`) that
/// leaves the loop on a path every round takes ends it early, and the rounds after that one
/// would only be made to be removed.
fn rounds_that_run(f: &Function, l: &Loop) -> u64 {
    for k in 0..l.trips {
        let mut known: HashMap<Value, u64> = HashMap::new();
        known.insert(l.counter, l.start + k);
        let mut b = l.header;
        for _ in 0..l.blocks.len() {
            for (inst, _) in &f.blocks[b].insts {
                let Some(d) = inst.def() else { continue };
                let v = match inst {
                    Inst::Iconst { imm, .. } => Some(*imm),
                    Inst::Copy { src, .. } => known.get(src).copied(),
                    Inst::Alu { op, a, b, signed: false, .. } => {
                        let b = match b {
                            Operand::Imm(i) => Some(*i as u64),
                            Operand::Val(v) => known.get(v).copied(),
                        };
                        known.get(a).copied().zip(b).and_then(|(a, b)| super::eval_alu(*op, a, b))
                    }
                    Inst::Normalize { src, bits, signed: false, .. } if *bits < 64 => {
                        known.get(src).map(|x| x & ((1u64 << bits) - 1))
                    }
                    _ => None,
                };
                match v {
                    Some(v) => known.insert(d, v),
                    None => known.remove(&d),
                };
            }
            let next = match f.blocks[b].term {
                _ if b == l.latch => None,
                Term::Jump(t) => Some(t),
                Term::Branch { op, a, b: bop, then, els } => {
                    let rhs = match bop {
                        Operand::Imm(i) => Some(i as u64),
                        Operand::Val(v) => known.get(&v).copied(),
                    };
                    known.get(&a).copied().zip(rhs).and_then(|(x, y)| super::eval_cond(op, x, y)).map(|taken| {
                        if taken {
                            then
                        } else {
                            els
                        }
                    })
                }
                _ => None,
            };
            match next {
                Some(t) if !l.blocks.contains(&t) => return k + 1,
                Some(t) if t != l.header => b = t,
                _ => break,
            }
        }
    }
    l.trips
}

fn unroll(f: &mut Function, l: &Loop) {
    let inside: HashSet<Block> = l.blocks.iter().copied().collect();
    // The loop's temporaries: every appearance is inside it.
    let mut count: HashMap<Value, (u32, u32)> = HashMap::new();
    for (b, d) in f.blocks.iter() {
        let here = inside.contains(&b);
        let vals = d.insts.iter().flat_map(|(i, _)| i.uses().into_iter().chain(i.def())).chain(d.term.uses());
        for v in vals {
            let e = count.entry(v).or_default();
            e.0 += 1;
            if here {
                e.1 += 1;
            }
        }
    }
    let mut temps: Vec<Value> =
        count.iter().filter(|(v, (all, here))| all == here && **v != l.counter).map(|(v, _)| *v).collect();
    // New values are numbered in this order: make it the same on every run.
    temps.sort();
    let (weight, in_loop) = (f.blocks[l.pre].weight, f.blocks[l.pre].in_loop);
    let copies: Vec<HashMap<Block, Block>> = (0..l.trips)
        .map(|_| {
            l.blocks
                .iter()
                .map(|&b| {
                    let span = f.blocks[b].term_span;
                    (b, f.new_block(span))
                })
                .collect()
        })
        .collect();
    for k in 0..l.trips as usize {
        let map = &copies[k];
        let names: HashMap<Value, Value> = temps.iter().map(|&v| (v, f.new_value())).collect();
        let ck = f.new_value();
        let value = l.start + k as u64;
        for &b in &l.blocks {
            let src = f.blocks[b].clone();
            let mut insts = Vec::with_capacity(src.insts.len() + 2);
            if b == l.header {
                insts.push((Inst::Iconst { dst: ck, imm: value }, src.term_span));
                insts.push((Inst::Copy { dst: l.counter, src: ck }, src.term_span));
            }
            let mut after_incr = false;
            for (mut inst, span) in src.insts {
                if b == l.latch && inst.def() == Some(l.counter) {
                    insts.push((Inst::Iconst { dst: l.counter, imm: value + 1 }, span));
                    after_incr = true;
                    continue;
                }
                let counter_now = if after_incr { l.counter } else { ck };
                inst.map_uses(&|v| if v == l.counter { counter_now } else { names.get(&v).copied().unwrap_or(v) });
                if let Some(d) = inst.def_mut() {
                    *d = names.get(d).copied().unwrap_or(*d);
                }
                insts.push((inst, span));
            }
            let target = |t: Block| map.get(&t).copied().unwrap_or(t);
            let term = if b == l.latch {
                Term::Jump(copies.get(k + 1).map_or(l.exit, |m| m[&l.header]))
            } else {
                let rename = |v: Value| {
                    if v == l.counter {
                        ck
                    } else {
                        names.get(&v).copied().unwrap_or(v)
                    }
                };
                let op = |o: Operand| match o {
                    Operand::Val(v) => Operand::Val(rename(v)),
                    o => o,
                };
                match src.term {
                    Term::Jump(t) => Term::Jump(target(t)),
                    Term::Branch { op: jop, a, b: bop, then, els } => {
                        Term::Branch { op: jop, a: rename(a), b: op(bop), then: target(then), els: target(els) }
                    }
                    Term::Return(o) => Term::Return(op(o)),
                    Term::None => Term::None,
                }
            };
            f.blocks[map[&b]] = BlockData { insts, term, term_span: src.term_span, weight, in_loop };
        }
    }
    f.blocks[l.pre].term = Term::Jump(copies[0][&l.header]);
    for &b in &l.blocks {
        f.blocks[b].insts.clear();
        f.blocks[b].term = Term::None;
    }
}

/// The values no pass can turn into constants: what helpers return and what is loaded from
/// the context, through a pointer or from a stack slot that only helpers write, and arithmetic
/// on them (bar the few identities that fold: `x & 0`, `x * 0`, `x - x`, `x ^ x`). A value
/// assigned in several places is opaque when every assignment is.
fn opaque_values(f: &Function) -> Vec<bool> {
    let n = f.num_values as usize;
    // The largest solution: start from every value and drop those with a def that is not
    // opaque (a value updated in a loop, `b = b | 32`, stays opaque).
    let mut opaque = vec![true; n];
    let stored: HashSet<crate::ir::Slot> = f
        .blocks
        .values()
        .flat_map(|d| d.insts.iter())
        .filter_map(|(i, _)| match i {
            Inst::StackStore { slot, .. } | Inst::StackAddr { slot, .. } => Some(*slot),
            _ => None,
        })
        .collect();
    loop {
        let mut all = vec![true; n];
        let mut defined = vec![false; n];
        for (_, d) in f.blocks.iter() {
            for (inst, _) in &d.insts {
                let Some(v) = inst.def() else { continue };
                let o = |v: Value| opaque[v.as_u32() as usize];
                let this = match inst {
                    Inst::Call { .. } | Inst::LoadCtx { .. } | Inst::PtrLoad { .. } => true,
                    Inst::StackLoad { slot, .. } => !stored.contains(slot),
                    Inst::Copy { src, .. } | Inst::Normalize { src, .. } | Inst::Bswap { src, .. } => o(*src),
                    Inst::Neg { a, .. } => o(*a),
                    Inst::Alu { op, a, b, .. } => {
                        let folds = match b {
                            Operand::Imm(0) => matches!(op, AluOp::And | AluOp::Mul),
                            Operand::Imm(k) => {
                                matches!(op, AluOp::Lsh | AluOp::Rsh | AluOp::Arsh) && !(0..64).contains(k)
                            }
                            Operand::Val(b) => *b == *a && matches!(op, AluOp::Sub | AluOp::Xor),
                        };
                        !folds && (o(*a) || matches!(b, Operand::Val(b) if o(*b)))
                    }
                    _ => false,
                };
                let i = v.as_u32() as usize;
                defined[i] = true;
                all[i] &= this;
            }
        }
        let next: Vec<bool> = (0..n).map(|i| defined[i] && all[i]).collect();
        if next == opaque {
            return opaque;
        }
        opaque = next;
    }
}

/// A lower bound on the BPF instructions the loop becomes once unrolled, whatever the other
/// passes then do. A round's blocks are walked from its header through jumps and through
/// branches on opaque values, which no pass can decide: those blocks stay in every round that
/// is reached, and every round is when the walk reaches the latch. They keep their helper
/// calls (with the instructions that load the arguments: r1..r5 do not survive a call), the
/// tests of what those calls return that leave the loop, and the loads and stores through
/// pointers the round itself computes (another round's pointer differs).
fn unrolled_floor(f: &Function, opaque: &[bool], l: &Loop) -> usize {
    let o = |v: Value| opaque[v.as_u32() as usize];
    let inside: HashSet<Block> = l.blocks.iter().copied().collect();
    let mut round = 0;
    let mut made_here: HashSet<Value> = HashSet::new();
    let mut returned: HashSet<Value> = HashSet::new();
    let mut seen: HashSet<Block> = HashSet::from_iter([l.header]);
    let mut work = std::collections::VecDeque::from([l.header]);
    while let Some(b) = work.pop_front() {
        let d = &f.blocks[b];
        for (inst, _) in &d.insts {
            match inst {
                Inst::Call { args, dst, .. } => {
                    round += 1 + args
                        .iter()
                        .map(|a| match a {
                            Arg::Val(_) => 0,
                            Arg::Imm(_) | Arg::Ctx => 1,
                            Arg::Map(_) | Arg::StackAddr(..) => 2,
                        })
                        .sum::<usize>();
                    returned.extend(*dst);
                }
                Inst::PtrLoad { ptr, .. } | Inst::PtrStore { ptr, .. } | Inst::AtomicAdd { ptr, .. }
                    if made_here.contains(ptr) && o(*ptr) =>
                {
                    round += 1
                }
                _ => {}
            }
            made_here.extend(inst.def());
        }
        let next = match d.term {
            _ if b == l.latch => vec![],
            Term::Jump(t) => vec![t],
            Term::Branch { a, b: bop, then, els, .. } => {
                let tested = |v: Value| o(v) || returned.contains(&v);
                if !tested(a) && !matches!(bop, Operand::Val(v) if tested(v)) {
                    continue;
                }
                let leaves = !inside.contains(&then) || !inside.contains(&els);
                if leaves && (returned.contains(&a) || matches!(bop, Operand::Val(v) if returned.contains(&v))) {
                    round += 1;
                }
                vec![then, els]
            }
            _ => vec![],
        };
        for t in next {
            if inside.contains(&t) && seen.insert(t) {
                work.push_back(t);
            }
        }
    }
    let rounds = if seen.contains(&l.latch) { l.trips as usize } else { 1 };
    // The first call may find the context still in r1.
    (round * rounds).saturating_sub(1)
}

/// The BPF instructions the function becomes (registers allocated: unrolling may make values
/// live at once that spill), or none when it cannot be emitted.
fn machine_size(f: &Function) -> usize {
    crate::emit::emit(f).map_or(usize::MAX, |m| m.insns.len())
}

/// The instructions and terminators of the blocks the entry reaches.
fn size(f: &Function) -> usize {
    f.reverse_postorder().iter().map(|b| f.blocks[*b].insts.len() + 1).sum()
}

/// Each try optimises a copy of the function: at most this many per call, and none in
/// functions larger than this (their compile time matters more than a loop's rounds).
const MAX_TRIES: usize = 4;
const MAX_FUNCTION: usize = 4096;

/// Unrolls each loop that the other passes then shrink to no more than it was. A loop kept
/// rolled is not tried again until another loop is unrolled (the pass runs in every round of
/// the optimiser, and each try optimises a whole copy); one whose unrolled size is bounded
/// above the rolled code's is refused without a try.
pub fn unroll_loops(f: &mut Function) -> bool {
    let mut changed = false;
    let mut tries = 0;
    // One loop at a time: unrolling one renumbers the blocks of the others.
    for _ in 0..8 {
        let now = size(f);
        if now > MAX_FUNCTION {
            break;
        }
        let loops: Vec<Loop> = find_loops(f).into_iter().filter(|l| !f.unroll_refused.contains(&l.header)).collect();
        if loops.is_empty() {
            break;
        }
        let before = machine_size(f);
        let opaque = opaque_values(f);
        let mut done = false;
        for l in loops {
            if tries == MAX_TRIES {
                return changed;
            }
            if unrolled_floor(f, &opaque, &l) > before {
                f.unroll_refused.push(l.header);
                continue;
            }
            tries += 1;
            let l = Loop { trips: rounds_that_run(f, &l), ..l };
            let mut g = f.clone();
            unroll(&mut g, &l);
            super::optimize_cheaply(&mut g);
            super::optimize_rounds(&mut g, "unroll_loops");
            if machine_size(&g) <= before {
                *f = g;
                f.unroll_refused.clear();
                changed = true;
                done = true;
                break;
            }
            f.unroll_refused.push(l.header);
        }
        if !done {
            break;
        }
    }
    changed
}
