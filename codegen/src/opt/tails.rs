//! Tail merging: regions of the CFG that do the same work, up to a few constants, are kept
//! once.
//!
//! A region is a block (its root) with every block only it can reach: a successor joins the
//! region when all of its predecessors are in it. Two regions are the same when their blocks
//! correspond one to one with the same instructions, the values only the region reads and
//! writes (its temporaries) named alike, the values it shares with the rest of the function
//! identical, and their exits (successors outside the region) the same blocks. They may
//! differ in one operand per instruction (a constant, or a value of the rest of the function):
//! an inlined `done(CODE)` ending each early `return`, a counter bumped at a different key on
//! each branch. Such operands become parameters: the kept region reads a new variable there,
//! and each former copy's predecessors jump to a block that sets the variables to that copy's
//! operands and goes on to the kept region. Every path runs the same instructions as before
//! with the same values, so the verifier's view of each path is unchanged.

use crate::bpf::AluOp;
use crate::ir::{Block, BlockData, Function, Inst, Operand, Term, Value};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::fmt::Write;

/// Regions larger than this are not compared (they rarely repeat, and comparing is linear in
/// their size for each block).
const MAX_BLOCKS: usize = 12;
const MAX_INSTS: usize = 64;
/// A region must be at least this heavy (about one instruction per unit): `return 1`.
const MIN_WEIGHT: usize = 2;
/// At most this many parameters per merged region.
const MAX_PARAMS: usize = 3;

/// The blocks of the region rooted at `root`, in discovery order (root first), or `None`
/// when it is too large or the root is reached again from inside (a loop through the root).
fn region(f: &Function, preds: &HashMap<Block, Vec<Block>>, root: Block) -> Option<Vec<Block>> {
    let mut blocks = vec![root];
    let mut inside: HashSet<Block> = HashSet::from_iter([root]);
    // A successor qualifies when its last predecessor joins, so each block added is looked at
    // once, for its successors.
    let mut i = 0;
    while i < blocks.len() {
        for s in f.succs(blocks[i]) {
            if inside.contains(&s) || s == f.entry {
                continue;
            }
            if preds.get(&s).is_some_and(|ps| ps.iter().all(|p| inside.contains(p))) {
                inside.insert(s);
                blocks.push(s);
                if blocks.len() > MAX_BLOCKS {
                    return None;
                }
            }
        }
        i += 1;
    }
    if preds.get(&root).is_some_and(|ps| ps.iter().any(|p| inside.contains(p))) {
        return None;
    }
    let insts: usize = blocks.iter().map(|b| f.blocks[*b].insts.len()).sum();
    (insts <= MAX_INSTS).then_some(blocks)
}

/// Where a parameter may stand: an instruction's one replaceable operand, or the terminator's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Pos {
    block: Block,
    inst: Option<usize>,
}

/// A region described without its names: the structure with temporaries numbered in order of
/// appearance, the replaceable operands left out (they are `operands`, by position), and the
/// region's blocks in the order the description visits them.
struct Shape {
    text: String,
    operands: Vec<(Pos, Operand)>,
    order: Vec<Block>,
    weight: usize,
}

fn describe(f: &Function, blocks: &[Block], occurrences: &[u32]) -> Shape {
    let inside: HashSet<Block> = blocks.iter().copied().collect();
    // How often each value appears in the region; a value all of whose appearances are here
    // is a temporary of the region.
    let mut here: HashMap<Value, u32> = HashMap::new();
    for &b in blocks {
        let d = &f.blocks[b];
        for (inst, _) in &d.insts {
            for v in inst.uses().into_iter().chain(inst.def()) {
                *here.entry(v).or_default() += 1;
            }
        }
        for v in d.term.uses() {
            *here.entry(v).or_default() += 1;
        }
    }
    // A value the region writes cannot be a parameter: it would be read before the write.
    let written: HashSet<Value> =
        blocks.iter().flat_map(|b| f.blocks[*b].insts.iter().filter_map(|(i, _)| i.def())).collect();
    let local = |v: Value| here.get(&v).copied() == Some(occurrences[v.as_u32() as usize]);
    let fixed = |v: Value| local(v) || written.contains(&v);
    let mut names: HashMap<Value, u32> = HashMap::new();
    let mut text = String::new();
    let mut operands = Vec::new();
    let mut weight = 0;
    // A temporary's canonical name: a number far above every real value's.
    fn renamed(names: &HashMap<Value, u32>, v: Value) -> Value {
        names.get(&v).map_or(v, |n| Value::from_u32(u32::MAX / 2 + n))
    }
    let canon = |names: &mut HashMap<Value, u32>, v: Value| {
        if local(v) {
            let n = names.len() as u32;
            names.entry(v).or_insert(n);
        }
    };
    let name = |names: &mut HashMap<Value, u32>, v: Value, text: &mut String| {
        canon(names, v);
        let _ = write!(text, " {}", renamed(names, v));
    };
    // The canonical number of each block, given on first mention.
    let mut number: HashMap<Block, usize> = HashMap::from_iter([(blocks[0], 0)]);
    let mut order = vec![blocks[0]];
    let mut i = 0;
    while i < order.len() {
        let b = order[i];
        i += 1;
        let d = &f.blocks[b];
        let _ = write!(text, "|{}:{}:", d.weight, d.in_loop.map_or(-1, |l| l as i64));
        for (k, (inst, _)) in d.insts.iter().enumerate() {
            let pos = Pos { block: b, inst: Some(k) };
            weight += match inst {
                Inst::Call { args, .. } => 1 + args.len(),
                Inst::Iconst { imm, .. } if (*imm as i64) != (*imm as i32 as i64) => 2,
                _ => 1,
            };
            // The replaceable operand of the instruction, if any, and the instruction with
            // that operand blanked out (a constant 0).
            let (mut blank, op): (Inst, Option<Operand>) = match inst {
                Inst::Iconst { dst, imm } => (Inst::Iconst { dst: *dst, imm: 0 }, Some(Operand::Imm(*imm as i64))),
                Inst::Copy { dst, src } if !fixed(*src) => {
                    (Inst::Iconst { dst: *dst, imm: 0 }, Some(Operand::Val(*src)))
                }
                Inst::StackStore { slot, off, src, size } if !matches!(src, Operand::Val(v) if fixed(*v)) => {
                    (Inst::StackStore { slot: *slot, off: *off, src: Operand::Imm(0), size: *size }, Some(*src))
                }
                Inst::Alu { dst, op, a, b, signed: false }
                    if matches!(op, AluOp::Add | AluOp::Sub | AluOp::And | AluOp::Or | AluOp::Xor | AluOp::Mul)
                        && !matches!(b, Operand::Val(v) if fixed(*v)) =>
                {
                    (Inst::Alu { dst: *dst, op: *op, a: *a, b: Operand::Imm(0), signed: false }, Some(*b))
                }
                other => (other.clone(), None),
            };
            if let Some(op) = op {
                operands.push((pos, op));
            }
            // Temporaries are renamed by order of appearance; shared values keep their names.
            for v in blank.uses().into_iter().chain(blank.def()) {
                canon(&mut names, v);
            }
            blank.map_uses(&|v| renamed(&names, v));
            if let Some(d) = blank.def_mut() {
                *d = renamed(&names, *d);
            }
            let _ = write!(text, " {blank};");
        }
        let pos = Pos { block: b, inst: None };
        let mut target = |t: Block, text: &mut String| {
            if inside.contains(&t) {
                let n = number.len();
                let n = *number.entry(t).or_insert_with(|| {
                    order.push(t);
                    n
                });
                let _ = write!(text, " B{n}");
            } else {
                let _ = write!(text, " X{t}");
            }
        };
        weight += 1;
        match &d.term {
            Term::Jump(t) => {
                text.push_str("jump");
                target(*t, &mut text);
            }
            Term::Branch { op, a, b: bop, then, els } => {
                let _ = write!(text, "br {op:?} ");
                name(&mut names, *a, &mut text);
                match bop {
                    Operand::Val(v) if fixed(*v) => {
                        name(&mut names, *v, &mut text);
                    }
                    o => operands.push((pos, *o)),
                }
                target(*then, &mut text);
                target(*els, &mut text);
            }
            Term::Return(o) => {
                weight += 1;
                text.push_str("return");
                match o {
                    Operand::Val(v) if fixed(*v) => {
                        name(&mut names, *v, &mut text);
                    }
                    o => operands.push((pos, *o)),
                }
            }
            Term::None => text.push_str("none"),
        }
    }
    Shape { text, operands, order, weight }
}

/// What two regions with the same [`describe`] text surely share, cheap to compute: for each
/// block its weight, loop, size and terminator kind, and the kind of each instruction (a copy
/// counts as a constant: either may be blanked into the other), summed in any order.
fn rough_key(f: &Function, blocks: &[Block]) -> u64 {
    use std::hash::BuildHasher;
    let hasher = foldhash::fast::FixedState::with_seed(0);
    let mut key = blocks.len() as u64;
    for &b in blocks {
        let d = &f.blocks[b];
        let term = match d.term {
            Term::None => 0u8,
            Term::Jump(_) => 1,
            Term::Return(_) => 2,
            Term::Branch { op, .. } => 3 + (op as u8 >> 4),
        };
        key = key.wrapping_add(hasher.hash_one((d.weight, d.in_loop, d.insts.len(), term)));
        for (inst, _) in &d.insts {
            let kind = match inst {
                Inst::Copy { .. } => std::mem::discriminant(&Inst::Iconst { dst: Value::from_u32(0), imm: 0 }),
                i => std::mem::discriminant(i),
            };
            key = key.wrapping_add(hasher.hash_one(kind).rotate_left(7));
        }
    }
    key
}

/// The operand at `pos` becomes the value `p`.
fn parameterize(f: &mut Function, pos: Pos, p: Value) {
    let data = &mut f.blocks[pos.block];
    match pos.inst {
        Some(k) => {
            let inst = &mut data.insts[k].0;
            match inst {
                Inst::Iconst { dst, .. } | Inst::Copy { dst, .. } => *inst = Inst::Copy { dst: *dst, src: p },
                Inst::StackStore { src, .. } => *src = Operand::Val(p),
                Inst::Alu { b, .. } => *b = Operand::Val(p),
                _ => unreachable!("no replaceable operand"),
            }
        }
        None => match &mut data.term {
            Term::Branch { b, .. } => *b = Operand::Val(p),
            Term::Return(o) => *o = Operand::Val(p),
            _ => unreachable!("no replaceable operand"),
        },
    }
}

fn retarget(term: &mut Term, from: Block, to: Block) {
    match term {
        Term::Jump(t) if *t == from => *t = to,
        Term::Branch { then, els, .. } => {
            if *then == from {
                *then = to;
            }
            if *els == from {
                *els = to;
            }
        }
        _ => {}
    }
}

/// Merges regions that are the same up to a few operands (see the module documentation).
pub fn merge_tails(f: &mut Function) -> bool {
    let order = f.reverse_postorder();
    let mut preds = f.predecessors(order.iter().copied());
    // Each predecessor once: a branch whose two ways are one block is listed twice in a row.
    for ps in preds.values_mut() {
        ps.dedup();
    }
    let mut occurrences = vec![0u32; f.num_values as usize];
    for &b in &order {
        let d = &f.blocks[b];
        for (inst, _) in &d.insts {
            for v in inst.uses().into_iter().chain(inst.def()) {
                occurrences[v.as_u32() as usize] += 1;
            }
        }
        for v in d.term.uses() {
            occurrences[v.as_u32() as usize] += 1;
        }
    }
    // Regions are first grouped by a rough key, and only those that share one are described.
    let mut rough: HashMap<u64, Vec<(Block, Vec<Block>)>> = HashMap::new();
    for &b in &order {
        if b == f.entry {
            continue;
        }
        let Some(blocks) = region(f, &preds, b) else { continue };
        rough.entry(rough_key(f, &blocks)).or_default().push((b, blocks));
    }
    let mut candidates: Vec<(Block, Vec<Block>)> = rough.into_values().filter(|g| g.len() > 1).flatten().collect();
    let at: HashMap<Block, usize> = order.iter().enumerate().map(|(i, b)| (*b, i)).collect();
    candidates.sort_by_key(|(b, _)| at[b]);
    let mut groups: HashMap<String, Vec<(Block, Shape)>> = HashMap::new();
    let mut keys: Vec<String> = Vec::new();
    for (b, blocks) in candidates {
        let shape = describe(f, &blocks, &occurrences);
        if shape.weight < MIN_WEIGHT {
            continue;
        }
        let g = groups.entry(shape.text.clone()).or_default();
        if g.is_empty() {
            keys.push(shape.text.clone());
        }
        g.push((b, shape));
    }
    // The heaviest regions first; a block merged once is left for the next round.
    keys.sort_by_key(|k| std::cmp::Reverse(groups[k][0].1.weight));
    let mut touched: HashSet<Block> = HashSet::new();
    let mut changed = false;
    for key in keys {
        let members = &groups[&key];
        if members.len() < 2 {
            continue;
        }
        let members: Vec<&(Block, Shape)> =
            members.iter().filter(|(_, s)| s.order.iter().all(|b| !touched.contains(b))).collect();
        // Nested regions of one group overlap (a region's copy inside another's): keep the
        // first of any two that share a block.
        let mut taken: HashSet<Block> = HashSet::new();
        let members: Vec<&(Block, Shape)> = members
            .into_iter()
            .filter(|(_, s)| {
                let free = s.order.iter().all(|b| !taken.contains(b));
                if free {
                    taken.extend(s.order.iter().copied());
                }
                free
            })
            .collect();
        let k = members.len();
        // A copy entered from inside another would make the kept region loop back to itself.
        if k < 2 || members.iter().any(|(r, _)| preds.get(r).is_some_and(|ps| ps.iter().any(|p| taken.contains(p)))) {
            continue;
        }
        let leader = &members[0].1;
        let params: Vec<usize> = (0..leader.operands.len())
            .filter(|&j| members.iter().any(|(_, s)| s.operands[j].1 != leader.operands[j].1))
            .collect();
        if params.len() > MAX_PARAMS {
            continue;
        }
        // Each copy costs one instruction per parameter and a jump; one region is kept. With
        // no parameters, a branch into a copy branches to the kept region instead at no
        // cost, and only a jump into one may cost a jump where it fell through.
        let before = k * leader.weight;
        let jumps_in = |r: Block| {
            preds.get(&r).into_iter().flatten().filter(|p| matches!(f.blocks[**p].term, Term::Jump(_))).count()
        };
        let after = leader.weight
            + if params.is_empty() {
                members[1..].iter().map(|(r, _)| jumps_in(*r)).sum()
            } else {
                k * (params.len() + 1)
            };
        if after >= before {
            continue;
        }
        let root = members[0].0;
        let values: Vec<Value> = params.iter().map(|_| f.new_value()).collect();
        for (&j, &p) in params.iter().zip(&values) {
            parameterize(f, leader.operands[j].0, p);
        }
        for (i, (r, shape)) in members.iter().enumerate() {
            let entry = if params.is_empty() {
                root
            } else {
                let span = f.blocks[*r].term_span;
                let (weight, in_loop) = (f.blocks[*r].weight, f.blocks[*r].in_loop);
                let insts = params
                    .iter()
                    .zip(&values)
                    .map(|(&j, &p)| {
                        let inst = match shape.operands[j].1 {
                            Operand::Imm(c) => Inst::Iconst { dst: p, imm: c as u64 },
                            Operand::Val(v) => Inst::Copy { dst: p, src: v },
                        };
                        (inst, span)
                    })
                    .collect();
                f.blocks.push(BlockData { insts, term: Term::Jump(root), term_span: span, weight, in_loop })
            };
            for &p in preds.get(r).into_iter().flatten() {
                retarget(&mut f.blocks[p].term, *r, entry);
            }
            if i > 0 {
                for &b in &shape.order {
                    f.blocks[b].insts.clear();
                    f.blocks[b].term = Term::None;
                }
            }
            touched.extend(shape.order.iter().copied());
        }
        changed = true;
    }
    changed
}
