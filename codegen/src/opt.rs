//! Optimisation passes over the IR. Each takes a function and rewrites it in place; each is
//! safe on its own, and [`optimize`] runs them to a fixed point.
//!
//! Only values with exactly one definition (true SSA values) are propagated: a value
//! assigned in several blocks is a variable whose content changes, so its uses must stay.

use crate::bpf::AluOp;
use crate::ir::{Arg, Function, Inst, Operand, Term, Value};
use foldhash::{HashMap, HashMapExt};
use rsteer_bpf::eval::{self, Width};

mod bits;
mod mem;
mod rebase;
mod tails;
mod unroll;
mod vars;
pub use bits::simplify_bits;
pub(crate) use mem::slot_pointers;
pub use mem::{fold_stack_pointers, forward_stack_stores, merge_stores, remove_dead_stores, remove_unread_slots};
pub use rebase::rebase_packet_loads;
pub use tails::merge_tails;
pub use unroll::unroll_loops;
pub use vars::{merge_copied_variables, reuse_context_loads, thread_context_tests};

/// An optimiser pass: rewrites the function in place and says whether it changed anything.
pub type Pass = fn(&mut Function) -> bool;

/// Every pass by name, in the order [`optimize`] runs them. The names are what the file tests
/// of `codegen/tests/passes/` write in their `; pass:` header.
pub const PASSES: &[(&str, Pass)] = &[
    ("propagate", propagate),
    ("propagate_in_blocks", propagate_in_blocks),
    ("remove_dead", remove_dead),
    ("thread_jumps", thread_jumps),
    ("thread_known_branches", thread_known_branches),
    ("remove_dead_defs", remove_dead_defs),
    ("forward_copies", forward_copies),
    ("merge_blocks", merge_blocks),
    ("retarget_defs", retarget_defs),
    ("rebase_packet_loads", rebase_packet_loads),
    ("drop_redundant_extensions", drop_redundant_extensions),
    ("simplify_bits", simplify_bits),
    ("merge_stores", merge_stores),
    ("remove_unread_slots", remove_unread_slots),
    ("remove_dead_stores", remove_dead_stores),
    ("fold_stack_pointers", fold_stack_pointers),
    ("forward_stack_stores", forward_stack_stores),
    ("merge_copied_variables", merge_copied_variables),
    ("reuse_context_loads", reuse_context_loads),
    ("thread_context_tests", thread_context_tests),
    ("merge_tails", merge_tails),
    ("unroll_loops", unroll_loops),
];

/// The pass called `name` in [`PASSES`].
pub fn pass(name: &str) -> Option<Pass> {
    PASSES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

/// Runs every pass until nothing changes (bounded, so a pass bug cannot loop forever). With
/// `debug_assertions` the IR is verified before the first pass and after each one, so a pass
/// that breaks an invariant is named where it does so.
pub fn optimize(f: &mut Function) {
    #[cfg(debug_assertions)]
    crate::verify::assert_valid(f, "lowering");
    optimize_rounds(f, "");
}

/// The rounds of [`optimize`], every pass but `skip` (a pass that tries the others on a copy).
fn optimize_rounds(f: &mut Function, skip: &str) {
    for _ in 0..8 {
        let mut changed = false;
        for (_name, run) in PASSES.iter().filter(|(n, _)| *n != skip) {
            changed |= run(f);
            #[cfg(debug_assertions)]
            crate::verify::assert_valid(f, _name);
        }
        if !changed {
            break;
        }
    }
}

/// The first passes of [`PASSES`] (constants, dead code, jump threading), run alone until
/// they change nothing: an unrolled loop's rounds fold down with them before the whole list
/// runs over what is left.
fn optimize_cheaply(f: &mut Function) {
    for _ in 0..8 {
        let mut changed = false;
        for (_name, run) in &PASSES[..6] {
            changed |= run(f);
            #[cfg(debug_assertions)]
            crate::verify::assert_valid(f, _name);
        }
        if !changed {
            break;
        }
    }
}

fn def_counts(f: &Function) -> Vec<u32> {
    let mut n = vec![0u32; f.num_values as usize];
    for (_, b) in f.blocks.iter() {
        for (inst, _) in &b.insts {
            if let Some(d) = inst.def() {
                n[d.as_u32() as usize] += 1;
            }
        }
    }
    n
}

/// Constant and copy propagation for single-definition values.
fn propagate(f: &mut Function) -> bool {
    let defs = def_counts(f);
    let single = |v: Value| defs[v.as_u32() as usize] == 1;
    let mut consts: HashMap<Value, u64> = HashMap::new();
    let mut copies: HashMap<Value, Value> = HashMap::new();
    for (_, b) in f.blocks.iter() {
        for (inst, _) in &b.insts {
            match inst {
                Inst::Iconst { dst, imm } if single(*dst) => {
                    consts.insert(*dst, *imm);
                }
                Inst::Copy { dst, src } if single(*dst) && single(*src) => {
                    copies.insert(*dst, *src);
                }
                _ => {}
            }
        }
    }
    // Resolve chains of copies, then constants through them.
    let resolve = |mut v: Value| {
        for _ in 0..64 {
            match copies.get(&v) {
                Some(s) => v = *s,
                None => break,
            }
        }
        v
    };
    let konst = |v: Value| consts.get(&resolve(v)).copied();
    let fits = |c: u64| (c as i64) >= i32::MIN as i64 && (c as i64) <= i32::MAX as i64;
    let mut changed = false;
    let fix_val = |v: &mut Value, changed: &mut bool| {
        let r = resolve(*v);
        if r != *v {
            *v = r;
            *changed = true;
        }
    };
    let fix_op = |o: &mut Operand, changed: &mut bool| {
        if let Operand::Val(v) = o {
            if let Some(c) = konst(*v) {
                *o = Operand::Imm(c as i64);
                *changed = true;
            } else {
                let r = resolve(*v);
                if r != *v {
                    *o = Operand::Val(r);
                    *changed = true;
                }
            }
        }
    };
    for (_, b) in f.blocks.iter_mut() {
        for (inst, _) in b.insts.iter_mut() {
            match inst {
                Inst::Copy { dst, src } => {
                    if let Some(c) = konst(*src) {
                        *inst = Inst::Iconst { dst: *dst, imm: c };
                        changed = true;
                    } else {
                        fix_val(src, &mut changed);
                    }
                }
                Inst::Alu { op, a, b, signed, .. } => {
                    // Commutative operations take a constant left operand on the right.
                    let commutative = matches!(op, AluOp::Add | AluOp::Mul | AluOp::And | AluOp::Or | AluOp::Xor);
                    if commutative {
                        if let (Some(c), Operand::Val(bv)) = (konst(*a), *b) {
                            if fits(c) {
                                *a = bv;
                                *b = Operand::Imm(c as i64);
                                changed = true;
                            }
                        }
                    }
                    fix_val(a, &mut changed);
                    // Division by a constant zero keeps its register form: the verifier
                    // rejects a zero immediate divisor, while BPF defines x/0 at run time.
                    let zero_div =
                        matches!(op, AluOp::Div | AluOp::Mod) && matches!(b, Operand::Val(v) if konst(*v) == Some(0));
                    // So does a shift by 64 or more (an unrolled round no path runs may hold
                    // one): the verifier refuses it as an immediate.
                    let wide_shift = matches!(op, AluOp::Lsh | AluOp::Rsh | AluOp::Arsh)
                        && matches!(b, Operand::Val(v) if konst(*v).is_some_and(|c| c >= 64));
                    if !zero_div && !wide_shift && !*signed {
                        fix_op(b, &mut changed);
                    } else if let Operand::Val(v) = b {
                        fix_val(v, &mut changed);
                    }
                }
                Inst::Neg { a, .. } => fix_val(a, &mut changed),
                Inst::Normalize { src, .. } | Inst::Bswap { src, .. } => fix_val(src, &mut changed),
                Inst::StackStore { src, .. } => fix_op(src, &mut changed),
                Inst::PtrLoad { ptr, .. } => fix_val(ptr, &mut changed),
                Inst::PtrStore { ptr, src, .. } | Inst::AtomicAdd { ptr, src, .. } => {
                    fix_val(ptr, &mut changed);
                    fix_val(src, &mut changed);
                }
                Inst::Call { args, .. } => {
                    for a in args.iter_mut() {
                        if let Arg::Val(v) = a {
                            if let Some(c) = konst(*v) {
                                *a = Arg::Imm(c as i64);
                                changed = true;
                            } else {
                                let r = resolve(*v);
                                if r != *v {
                                    *a = Arg::Val(r);
                                    changed = true;
                                }
                            }
                        }
                    }
                }
                Inst::Iconst { .. } | Inst::LoadCtx { .. } | Inst::StackLoad { .. } | Inst::StackAddr { .. } => {}
            }
        }
        match &mut b.term {
            Term::Branch { a, b: bop, .. } => {
                fix_val(a, &mut changed);
                fix_op(bop, &mut changed);
            }
            Term::Return(o) => fix_op(o, &mut changed),
            _ => {}
        }
    }
    // Identities: `x + 0`, `x - 0`, `x | 0`, `x ^ 0` and shifts by 0 are `x`; `x * 1` too.
    for (_, b) in f.blocks.iter_mut() {
        for (inst, _) in b.insts.iter_mut() {
            if let Inst::Alu { dst, op, a, b: Operand::Imm(y), signed: false } = inst {
                // Unsigned division and remainder by a power of two, and multiplication by
                // one, are shifts and masks.
                if *y > 1 && (*y as u64).is_power_of_two() {
                    let k = (*y as u64).trailing_zeros() as i64;
                    let (nop, nb) = match op {
                        AluOp::Mod => (Some(AluOp::And), *y - 1),
                        AluOp::Div => (Some(AluOp::Rsh), k),
                        AluOp::Mul => (Some(AluOp::Lsh), k),
                        _ => (None, 0),
                    };
                    if let Some(nop) = nop {
                        *inst = Inst::Alu { dst: *dst, op: nop, a: *a, b: Operand::Imm(nb), signed: false };
                        changed = true;
                        continue;
                    }
                }
                let identity = match op {
                    AluOp::Add | AluOp::Sub | AluOp::Or | AluOp::Xor | AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => *y == 0,
                    AluOp::Mul => *y == 1,
                    _ => false,
                };
                if identity {
                    *inst = Inst::Copy { dst: *dst, src: *a };
                    changed = true;
                }
            }
        }
    }
    // Extensions and byte swaps of constants too (`to_be` on a 32-bit ALU, as emitted).
    for (_, b) in f.blocks.iter_mut() {
        for (inst, _) in b.insts.iter_mut() {
            let folded = match inst {
                Inst::Normalize { dst, src, bits, signed } => konst(*src).map(|x| {
                    let b = *bits as u32;
                    let v = if b >= 64 {
                        x
                    } else if *signed {
                        eval::sign_extend(x & ((1u64 << b) - 1), b)
                    } else {
                        x & ((1u64 << b) - 1)
                    };
                    (*dst, v)
                }),
                Inst::Bswap { dst, src, bits } => {
                    konst(*src).and_then(|x| eval::byte_swap(Width::W32, true, *bits as i32, x)).map(|v| (*dst, v))
                }
                _ => None,
            };
            if let Some((dst, imm)) = folded {
                *inst = Inst::Iconst { dst, imm };
                changed = true;
            }
        }
    }
    // Arithmetic on two constants is done now.
    for (_, b) in f.blocks.iter_mut() {
        for (inst, _) in b.insts.iter_mut() {
            if let Inst::Alu { dst, op, a, b: Operand::Imm(y), signed: false } = inst {
                if let Some(x) = konst(*a) {
                    if let Some(r) = eval_alu(*op, x, *y as u64) {
                        *inst = Inst::Iconst { dst: *dst, imm: r };
                        changed = true;
                    }
                }
            }
        }
    }
    // Branches on two constants become jumps.
    for (_, b) in f.blocks.iter_mut() {
        if let Term::Branch { op, a, b: Operand::Imm(y), then, els } = &b.term {
            if let Some(x) = konst(*a) {
                if let Some(taken) = eval_cond(*op, x, *y as u64) {
                    b.term = Term::Jump(if taken { *then } else { *els });
                    changed = true;
                }
            }
        }
    }
    changed
}

/// 64-bit BPF arithmetic on constants (unsigned forms only: the IR's operations are 64-bit).
fn eval_alu(op: AluOp, a: u64, b: u64) -> Option<u64> {
    eval::alu(Width::W64, op, 0, a, b)
}

pub(crate) fn eval_cond(op: crate::bpf::JmpOp, a: u64, b: u64) -> Option<bool> {
    eval::jump(Width::W64, op, a, b)
}

/// Removes instructions whose result nobody reads and that have no effect, and copies of a
/// value into itself.
fn remove_dead(f: &mut Function) -> bool {
    let mut used = vec![false; f.num_values as usize];
    for (_, b) in f.blocks.iter() {
        for (inst, _) in &b.insts {
            for u in inst.uses() {
                used[u.as_u32() as usize] = true;
            }
        }
        for u in b.term.uses() {
            used[u.as_u32() as usize] = true;
        }
    }
    let mut changed = false;
    for (_, b) in f.blocks.iter_mut() {
        // A helper call stays for its effect, but an unread result needs no register.
        for (inst, _) in b.insts.iter_mut() {
            if let Inst::Call { dst: dst @ Some(_), .. } = inst {
                if dst.is_some_and(|d| !used[d.as_u32() as usize]) {
                    *dst = None;
                    changed = true;
                }
            }
        }
        let before = b.insts.len();
        b.insts.retain(|(inst, _)| {
            // `x = copy x` (an identity on a variable) does nothing.
            if matches!(inst, Inst::Copy { dst, src } if dst == src) {
                return false;
            }
            let pure = !matches!(
                inst,
                Inst::Call { .. } | Inst::StackStore { .. } | Inst::PtrStore { .. } | Inst::AtomicAdd { .. }
            );
            match inst.def() {
                Some(d) if pure => used[d.as_u32() as usize],
                _ => true,
            }
        });
        changed |= b.insts.len() != before;
    }
    changed
}

/// Jumps to an empty block that only jumps on go straight to its target.
fn thread_jumps(f: &mut Function) -> bool {
    let mut forward = HashMap::new();
    for (id, b) in f.blocks.iter() {
        if b.insts.is_empty() {
            if let Term::Jump(t) = b.term {
                if t != id {
                    forward.insert(id, t);
                }
            }
        }
    }
    let resolve = |mut b| {
        for _ in 0..16 {
            match forward.get(&b) {
                Some(t) => b = *t,
                None => break,
            }
        }
        b
    };
    let mut changed = false;
    for (_, b) in f.blocks.iter_mut() {
        match &mut b.term {
            Term::Jump(t) => {
                let r = resolve(*t);
                changed |= r != *t;
                *t = r;
            }
            Term::Branch { then, els, .. } => {
                let (rt, re) = (resolve(*then), resolve(*els));
                changed |= rt != *then || re != *els;
                *then = rt;
                *els = re;
            }
            _ => {}
        }
        // A branch whose two targets are one block is a jump.
        if let Term::Branch { then, els, .. } = b.term {
            if then == els {
                b.term = Term::Jump(then);
                changed = true;
            }
        }
    }
    changed
}

/// A jump to a block that only branches on a value the jumping block just set to a constant
/// goes straight to the branch's outcome: `flag = 0; jump J` with `J: br ne flag, 0, A, B`
/// becomes `flag = 0; jump B`. This is the shape every `Option` join takes (a packet read
/// followed by `?`), so the flag is no longer tested again after the join.
fn thread_known_branches(f: &mut Function) -> bool {
    // Where an edge from `p` into `j` may go instead, when `j` is only a branch on a value
    // whose last definition in `p` is a constant.
    let shortcut = |f: &Function, p: crate::ir::Block, j: crate::ir::Block| {
        let jd = &f.blocks[j];
        if !jd.insts.is_empty() || j == p {
            return None;
        }
        let Term::Branch { op, a, b: Operand::Imm(y), then, els } = jd.term else { return None };
        match f.blocks[p].insts.iter().rev().find(|(inst, _)| inst.def() == Some(a)) {
            Some((Inst::Iconst { imm, .. }, _)) => {
                eval_cond(op, *imm, y as u64).map(|taken| if taken { then } else { els })
            }
            _ => None,
        }
    };
    // A join that does a little work first (`x = copy y` before the test, the shape of an
    // `Option` returned through an inlined call, or the context field an `unwrap_or` falls
    // back to) is copied into a predecessor that jumps to it, when that predecessor knows the
    // outcome.
    let small_join = |f: &Function, p: crate::ir::Block, j: crate::ir::Block| {
        let jd = &f.blocks[j];
        if jd.insts.is_empty() || jd.insts.len() > 3 || j == p {
            return None;
        }
        let Term::Branch { op, a, b: Operand::Imm(y), then, els } = jd.term else { return None };
        let cheap = jd.insts.iter().all(|(i, _)| {
            matches!(
                i,
                Inst::Copy { .. }
                    | Inst::Iconst { .. }
                    | Inst::Normalize { .. }
                    | Inst::Bswap { .. }
                    | Inst::LoadCtx { .. }
            ) && i.def() != Some(a)
        });
        if !cheap {
            return None;
        }
        match f.blocks[p].insts.iter().rev().find(|(inst, _)| inst.def() == Some(a)) {
            Some((Inst::Iconst { imm, .. }, _)) => {
                eval_cond(op, *imm, y as u64).map(|taken| if taken { then } else { els })
            }
            _ => None,
        }
    };
    let mut copies = Vec::new();
    for (p, pd) in f.blocks.iter() {
        if let Term::Jump(j) = pd.term {
            if let Some(to) = small_join(f, p, j) {
                copies.push((p, j, to));
            }
        }
    }
    let copied = !copies.is_empty();
    for (p, j, to) in copies {
        let insts = f.blocks[j].insts.clone();
        f.blocks[p].insts.extend(insts);
        f.blocks[p].term = Term::Jump(to);
    }
    let mut rewrites = Vec::new();
    for (p, pd) in f.blocks.iter() {
        let term = match pd.term.clone() {
            Term::Jump(j) => shortcut(f, p, j).map(Term::Jump),
            Term::Branch { op, a, b, then, els } => {
                let (t2, e2) = (shortcut(f, p, then), shortcut(f, p, els));
                (t2.is_some() || e2.is_some()).then(|| Term::Branch {
                    op,
                    a,
                    b,
                    then: t2.unwrap_or(then),
                    els: e2.unwrap_or(els),
                })
            }
            _ => None,
        };
        if let Some(t) = term {
            rewrites.push((p, t));
        }
    }
    let changed = copied || !rewrites.is_empty();
    for (p, t) in rewrites {
        f.blocks[p].term = t;
    }
    changed
}

/// A block whose only predecessor jumps to it unconditionally is appended to that
/// predecessor, so that block-local passes see the two as one.
fn merge_blocks(f: &mut Function) -> bool {
    let order = f.reverse_postorder();
    let mut preds: HashMap<crate::ir::Block, u32> = HashMap::new();
    for &b in &order {
        for s in f.succs(b) {
            *preds.entry(s).or_insert(0) += 1;
        }
    }
    let mut changed = false;
    for &a in &order {
        while let Term::Jump(b) = f.blocks[a].term {
            if b == a || b == f.entry || preds.get(&b) != Some(&1) || f.blocks[b].term == Term::None {
                break;
            }
            let moved = std::mem::take(&mut f.blocks[b].insts);
            let term = std::mem::replace(&mut f.blocks[b].term, Term::None);
            let span = f.blocks[b].term_span;
            let data = &mut f.blocks[a];
            data.insts.extend(moved);
            data.term = term;
            data.term_span = span;
            // `b` is now unreachable; its successors keep one predecessor each (now `a`).
            preds.remove(&b);
            changed = true;
        }
    }
    changed
}

/// Removes effect-free instructions whose result is dead where they write it (liveness over
/// the CFG), which also catches values written in several blocks, as `Option` flags are.
fn remove_dead_defs(f: &mut Function) -> bool {
    let blocks: Vec<crate::ir::Block> = f.blocks.keys().collect();
    let live_outs = crate::liveness::liveness(f, &blocks).live_out;
    let mut changed = false;
    // `live[v] == tag`: v is live at this point of block number `tag - 1`.
    let mut live = vec![0u32; f.num_values as usize];
    let mut keep = Vec::new();
    for (n, (&b, out)) in blocks.iter().zip(live_outs).enumerate() {
        let tag = n as u32 + 1;
        let data = &mut f.blocks[b];
        for v in out.into_iter().chain(data.term.uses()) {
            live[v.as_u32() as usize] = tag;
        }
        keep.clear();
        keep.resize(data.insts.len(), true);
        for (i, (inst, _)) in data.insts.iter().enumerate().rev() {
            let pure = !matches!(
                inst,
                Inst::Call { .. } | Inst::StackStore { .. } | Inst::PtrStore { .. } | Inst::AtomicAdd { .. }
            );
            if let Some(d) = inst.def() {
                let d = d.as_u32() as usize;
                if pure && live[d] != tag {
                    keep[i] = false;
                    continue;
                }
                live[d] = 0;
            }
            for u in inst.uses() {
                live[u.as_u32() as usize] = tag;
            }
        }
        if keep.iter().any(|k| !k) {
            let mut i = 0;
            data.insts.retain(|_| {
                i += 1;
                keep[i - 1]
            });
            changed = true;
        }
    }
    changed
}

/// `v = copy x` where `x` is a variable (written in several places): within the block, and
/// only while `x` is not written again, readers of `v` may read `x` itself. Applied when all
/// of `v`'s readers are in that block; the copy then dies. This removes the copy that
/// reading a local makes (`read_store`) wherever the protection is not needed.
fn forward_copies(f: &mut Function) -> bool {
    let defs = def_counts(f);
    // The block of each value's readers; `None` when they span several blocks.
    let mut use_block: HashMap<Value, Option<crate::ir::Block>> = HashMap::new();
    for (b, data) in f.blocks.iter() {
        let uses = data.insts.iter().flat_map(|(i, _)| i.uses()).chain(data.term.uses());
        for u in uses {
            use_block
                .entry(u)
                .and_modify(|e| {
                    if *e != Some(b) {
                        *e = None
                    }
                })
                .or_insert(Some(b));
        }
    }
    let mut changed = false;
    for (b, data) in f.blocks.iter_mut() {
        // Readers of the key may read the value instead.
        let mut active: HashMap<Value, Value> = HashMap::new();
        for (inst, _) in data.insts.iter_mut() {
            if !active.is_empty() && inst.uses().iter().any(|u| active.contains_key(u)) {
                inst.map_uses(&|v| active.get(&v).copied().unwrap_or(v));
                changed = true;
            }
            if let Some(d) = inst.def() {
                active.retain(|k, x| *k != d && *x != d);
            }
            if let Inst::Copy { dst, src } = inst {
                if defs[dst.as_u32() as usize] == 1 && use_block.get(dst) == Some(&Some(b)) && dst != src {
                    active.insert(*dst, *src);
                }
            }
        }
        let before = data.term.clone();
        match &mut data.term {
            Term::Branch { a, b: bop, .. } => {
                *a = active.get(a).copied().unwrap_or(*a);
                if let Operand::Val(v) = bop {
                    *v = active.get(v).copied().unwrap_or(*v);
                }
            }
            Term::Return(Operand::Val(v)) => *v = active.get(v).copied().unwrap_or(*v),
            _ => {}
        }
        changed |= data.term != before;
    }
    changed
}

/// `t = op ...; ...; x = copy t`, where `t` is written once and read only by the copy, and
/// nothing between reads or writes `x`: the operation writes `x` itself and the copy goes.
/// This is how `k = k * C + 1` stops computing into a temporary and moving it.
fn retarget_defs(f: &mut Function) -> bool {
    let defs = def_counts(f);
    let mut uses = vec![0u32; f.num_values as usize];
    for (_, b) in f.blocks.iter() {
        for (inst, _) in &b.insts {
            for u in inst.uses() {
                uses[u.as_u32() as usize] += 1;
            }
        }
        for u in b.term.uses() {
            uses[u.as_u32() as usize] += 1;
        }
    }
    let mut changed = false;
    // One forward walk per block: where each value was last written, and where it was last
    // written or read, by position in the rewritten list.
    let mut last_def: HashMap<Value, usize> = HashMap::new();
    let mut last_touch: HashMap<Value, usize> = HashMap::new();
    for (_, b) in f.blocks.iter_mut() {
        last_def.clear();
        last_touch.clear();
        let mut out: Vec<(Inst, rsteer_lang::Span)> = Vec::with_capacity(b.insts.len());
        for (inst, span) in std::mem::take(&mut b.insts) {
            if let Inst::Copy { dst: x, src: t } = inst {
                let single = defs[t.as_u32() as usize] == 1 && uses[t.as_u32() as usize] == 1 && x != t;
                let def_at = if single { last_def.get(&t).copied() } else { None };
                // Nothing after the definition reads or writes `x` (the definition may read it).
                if let Some(i) = def_at.filter(|&i| last_touch.get(&x).is_none_or(|&p| p <= i)) {
                    if let Some(d) = out[i].0.def_mut() {
                        *d = x;
                        last_def.remove(&t);
                        last_def.insert(x, i);
                        last_touch.insert(x, i);
                        changed = true;
                        continue;
                    }
                }
            }
            let at = out.len();
            for u in inst.uses() {
                last_touch.insert(u, at);
            }
            if let Some(d) = inst.def() {
                last_def.insert(d, at);
                last_touch.insert(d, at);
            }
            out.push((inst, span));
        }
        b.insts = out;
    }
    changed
}

/// A zero-extension of a value that already fits is a copy: a byte loaded from memory needs
/// no `& 0xff`, and `w = w` on a 16-bit load changes nothing. So is a byte swap of a byte
/// swap of a value that fits (an address read in network order, swapped to host order and
/// back for an `LpmTrie` key).
fn drop_redundant_extensions(f: &mut Function) -> bool {
    let defs = def_counts(f);
    // How many low bits can be nonzero, for single-definition values.
    let mut width: HashMap<Value, u32> = HashMap::new();
    // Single-definition byte swaps of single-definition values: (what they swap, bits).
    let mut swapped: HashMap<Value, (Value, u8)> = HashMap::new();
    for (_, b) in f.blocks.iter() {
        for (inst, _) in &b.insts {
            let Some(d) = inst.def() else { continue };
            if defs[d.as_u32() as usize] != 1 {
                continue;
            }
            let w = match inst {
                Inst::StackLoad { size, .. } | Inst::LoadCtx { size, .. } | Inst::PtrLoad { size, .. } => {
                    Some(size.bytes() * 8)
                }
                Inst::Normalize { bits, signed: false, .. } | Inst::Bswap { bits, .. } => Some(*bits as u32),
                Inst::Iconst { imm, .. } => Some(64 - imm.leading_zeros()),
                Inst::Alu { op: AluOp::And, b: Operand::Imm(m), .. } if *m >= 0 => {
                    Some(64 - (*m as u64).leading_zeros())
                }
                _ => None,
            };
            if let Some(w) = w {
                width.insert(d, w);
            }
            if let Inst::Bswap { src, bits, .. } = inst {
                if defs[src.as_u32() as usize] == 1 {
                    swapped.insert(d, (*src, *bits));
                }
            }
        }
    }
    let mut changed = false;
    for (_, b) in f.blocks.iter_mut() {
        for (inst, _) in b.insts.iter_mut() {
            match inst {
                Inst::Normalize { dst, src, bits, signed: false }
                    if width.get(src).is_some_and(|w| *w <= *bits as u32) =>
                {
                    *inst = Inst::Copy { dst: *dst, src: *src };
                    changed = true;
                }
                Inst::Bswap { dst, src, bits } => {
                    let back = swapped
                        .get(src)
                        .filter(|(orig, b)| b == bits && width.get(orig).is_some_and(|w| *w <= *bits as u32));
                    if let Some((orig, _)) = back {
                        *inst = Inst::Copy { dst: *dst, src: *orig };
                        changed = true;
                    }
                }
                _ => {}
            }
        }
    }
    changed
}

/// Constants of variables within a block: after `x = iconst C`, and until `x` is written
/// again, a read of `x` is `C` — what [`propagate`] cannot do for a value written in several
/// places (an accumulator's first `s = add s, y` after `s = iconst 0`, a counter's rounds once
/// a loop is unrolled).
fn propagate_in_blocks(f: &mut Function) -> bool {
    let mut changed = false;
    let mut known: HashMap<Value, u64> = HashMap::new();
    for (_, b) in f.blocks.iter_mut() {
        known.clear();
        for (inst, _) in b.insts.iter_mut() {
            let k = |v: &Value| known.get(v).copied();
            let new = match inst {
                Inst::Copy { dst, src } => k(src).map(|c| Inst::Iconst { dst: *dst, imm: c }),
                Inst::Alu { dst, op, a, b: bop, signed: false } => {
                    let shift = matches!(op, AluOp::Lsh | AluOp::Rsh | AluOp::Arsh);
                    let divides = matches!(op, AluOp::Div | AluOp::Mod);
                    let commutative = matches!(op, AluOp::Add | AluOp::Mul | AluOp::And | AluOp::Or | AluOp::Xor);
                    let bk = match bop {
                        Operand::Imm(y) => Some(*y as u64),
                        Operand::Val(v) => k(v).filter(|c| !(shift && *c >= 64 || divides && *c == 0)),
                    };
                    match (k(a), bk, *bop) {
                        (Some(x), Some(y), _) => eval_alu(*op, x, y).map(|r| Inst::Iconst { dst: *dst, imm: r }),
                        (None, Some(y), Operand::Val(_)) => {
                            Some(Inst::Alu { dst: *dst, op: *op, a: *a, b: Operand::Imm(y as i64), signed: false })
                        }
                        (Some(x), None, Operand::Val(bv)) if commutative => {
                            Some(Inst::Alu { dst: *dst, op: *op, a: bv, b: Operand::Imm(x as i64), signed: false })
                        }
                        _ => None,
                    }
                }
                Inst::StackStore { slot, off, src: Operand::Val(v), size } => {
                    k(v).map(|c| Inst::StackStore { slot: *slot, off: *off, src: Operand::Imm(c as i64), size: *size })
                }
                _ => None,
            };
            if let Some(n) = new {
                *inst = n;
                changed = true;
            }
            if let Some(d) = inst.def() {
                known.remove(&d);
                if let Inst::Iconst { imm, .. } = inst {
                    known.insert(d, *imm);
                }
            }
        }
        let operand = match &mut b.term {
            Term::Branch { b: o, .. } | Term::Return(o) => Some(o),
            _ => None,
        };
        if let Some(o) = operand {
            if let Operand::Val(v) = o {
                if let Some(c) = known.get(v) {
                    *o = Operand::Imm(*c as i64);
                    changed = true;
                }
            }
        }
    }
    changed
}
