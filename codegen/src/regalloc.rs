//! Register allocation: liveness over the CFG, then linear scan without splitting.
//!
//! Each [`Value`] gets one location for its whole life: one of the callee-saved registers
//! r7–r9 (they survive helper calls, which clobber r0–r5; r6 holds the context), one of
//! r3–r5 when no helper call falls inside its life, r0 when no helper call falls strictly
//! inside it (a call's result may stay where the call left it, and the emitter never uses r0
//! as scratch), or an 8-byte spill slot in the frame, taken only when no register is free.
//! Because the location never changes there are no moves on CFG edges, and values assigned
//! in several blocks (locals, `if` results) are simply one interval.
//!
//! Copies are coalesced: a value computed from an operand whose life ends at that very
//! instruction (`d = a + 1`, `d = copy a`, with `a` dead after) joins the operand's interval,
//! so both get one register and the copy or move disappears. Registers r1 and r2 are scratch
//! for the emitter, never live across an instruction.

use crate::bpf::AluOp;
use crate::ir::{Block, Function, Inst, Operand, Value};

/// Where a value lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    Reg(u8),
    /// Index of an 8-byte spill slot.
    Spill(u32),
}

/// Callee-saved registers: they survive helper calls.
pub const CALLEE_SAVED: [u8; 3] = [7, 8, 9];
/// Argument registers the emitter does not use as scratch: a value whose life contains no
/// helper call (which clobbers r1–r5, and loads its arguments into them) may live there.
pub const CALL_FREE: [u8; 3] = [3, 4, 5];
/// The return register: free between helper calls, and where a call leaves its result.
pub const RESULT: u8 = 0;

#[derive(Clone, Debug)]
pub struct Allocation {
    pub locs: Vec<Option<Loc>>,
    pub spill_slots: u32,
}

struct BitSet(Vec<u64>);

impl BitSet {
    fn new(n: usize) -> BitSet {
        BitSet(vec![0; n.div_ceil(64)])
    }
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    /// `self |= other`; returns whether anything changed.
    fn union(&mut self, other: &BitSet) -> bool {
        let mut changed = false;
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            let n = *a | *b;
            changed |= n != *a;
            *a = n;
        }
        changed
    }
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0
            .iter()
            .enumerate()
            .flat_map(|(w, bits)| (0..64).filter(move |b| bits & (1 << b) != 0).map(move |b| w * 64 + b))
    }
}

/// Live-in sets per block, for the blocks in `order`.
fn liveness(f: &Function, order: &[Block]) -> (Vec<BitSet>, Vec<BitSet>) {
    let n = f.num_values as usize;
    let index = |b: Block| order.iter().position(|x| *x == b);
    let mut gen = Vec::new();
    let mut kill = Vec::new();
    for &b in order {
        let mut g = BitSet::new(n);
        let mut k = BitSet::new(n);
        let data = &f.blocks[b];
        for (inst, _) in &data.insts {
            for u in inst.uses() {
                if !k.contains(u.as_u32() as usize) {
                    g.insert(u.as_u32() as usize);
                }
            }
            if let Some(d) = inst.def() {
                k.insert(d.as_u32() as usize);
            }
        }
        for u in data.term.uses() {
            if !k.contains(u.as_u32() as usize) {
                g.insert(u.as_u32() as usize);
            }
        }
        gen.push(g);
        kill.push(k);
    }
    let succs: Vec<Vec<usize>> = order.iter().map(|b| f.succs(*b).into_iter().filter_map(index).collect()).collect();
    let mut live_in: Vec<BitSet> = (0..order.len()).map(|_| BitSet::new(n)).collect();
    let mut live_out: Vec<BitSet> = (0..order.len()).map(|_| BitSet::new(n)).collect();
    let mut changed = true;
    while changed {
        changed = false;
        for i in (0..order.len()).rev() {
            let mut out = BitSet::new(n);
            for &s in &succs[i] {
                out.union(&live_in[s]);
            }
            // in = gen ∪ (out − kill)
            let mut inn = BitSet::new(n);
            for v in out.iter() {
                if !kill[i].contains(v) {
                    inn.insert(v);
                }
            }
            inn.union(&gen[i]);
            changed |= live_in[i].union(&inn);
            live_out[i].union(&out);
        }
    }
    (live_in, live_out)
}

/// Allocates every value used in the blocks of `order` (the layout order).
pub fn allocate(f: &Function, order: &[Block]) -> Allocation {
    let n = f.num_values as usize;
    let (live_in, live_out) = liveness(f, order);
    let mut start = vec![u32::MAX; n];
    let mut end = vec![0u32; n];
    let mut touch = |v: usize, p: u32| {
        start[v] = start[v].min(p);
        end[v] = end[v].max(p);
    };
    let mut pos = 0u32;
    // Positions of helper calls, ascending.
    let mut calls: Vec<u32> = Vec::new();
    for (i, &b) in order.iter().enumerate() {
        let block_start = pos;
        for v in live_in[i].iter() {
            touch(v, block_start);
        }
        let data = &f.blocks[b];
        for (inst, _) in &data.insts {
            pos += 1;
            if matches!(inst, crate::ir::Inst::Call { .. }) {
                calls.push(pos);
            }
            for u in inst.uses() {
                touch(u.as_u32() as usize, pos);
            }
            if let Some(d) = inst.def() {
                touch(d.as_u32() as usize, pos);
            }
        }
        pos += 1;
        for u in data.term.uses() {
            touch(u.as_u32() as usize, pos);
        }
        for v in live_out[i].iter() {
            touch(v, pos);
        }
        pos += 1;
    }

    let class = coalesce(f, order, &mut start, &mut end);
    // Which classes live on after a helper call (they need r7–r9), and which are a call's
    // argument (the emitter loads arguments into r1–r5 in order, so they stay out of r3–r5).
    let (after_call, call_arg) = call_liveness(f, order, &live_out);
    let mut needs_saved = vec![false; n];
    let mut is_arg = vec![false; n];
    for v in 0..n {
        needs_saved[class[v]] |= after_call[v];
        is_arg[class[v]] |= call_arg[v];
    }
    let mut intervals: Vec<(u32, u32, usize)> =
        (0..n).filter(|&v| start[v] != u32::MAX && class[v] == v).map(|v| (start[v], end[v], v)).collect();
    intervals.sort();

    let mut locs: Vec<Option<Loc>> = vec![None; n];
    let mut free_regs: Vec<u8> = CALLEE_SAVED.iter().chain(&CALL_FREE).chain(&[RESULT]).rev().copied().collect();
    // Spill slots no longer in use, with the position where their last user ended.
    let mut free_spills: Vec<(u32, u32)> = Vec::new();
    let mut spill_slots = 0u32;
    // Active intervals: (end, value).
    let mut active: Vec<(u32, usize)> = Vec::new();
    for (s, e, v) in intervals {
        // An interval ending where this one starts may share its location: the emitter reads
        // every operand into scratch registers before it writes the result.
        active.retain(|&(ae, av)| {
            if ae <= s {
                match locs[av] {
                    Some(Loc::Reg(r)) => free_regs.push(r),
                    Some(Loc::Spill(k)) => free_spills.push((k, ae)),
                    None => {}
                }
                false
            } else {
                true
            }
        });
        let saved = needs_saved[v];
        let arg = is_arg[v];
        let allowed = |r: u8| {
            if r == RESULT {
                !saved
            } else if CALL_FREE.contains(&r) {
                !saved && !arg
            } else {
                true
            }
        };
        // Call-free values take r3–r5 first, to leave the callee-saved registers to the rest.
        let pick = free_regs
            .iter()
            .enumerate()
            .filter(|(_, r)| allowed(**r))
            .min_by_key(|(_, r)| (CALLEE_SAVED.contains(r), **r))
            .map(|(i, _)| i);
        let loc = if let Some(i) = pick {
            Loc::Reg(free_regs.swap_remove(i))
        } else {
            // Spill whichever of the current and the active register intervals ends last, so
            // the short-lived values keep the registers.
            let victim = active
                .iter()
                .filter(|(_, av)| matches!(locs[*av], Some(Loc::Reg(r)) if allowed(r)))
                .max_by_key(|(ae, _)| *ae)
                .copied();
            // A spilled value lives in its slot for its whole interval, so the slot must be
            // free from the interval's start: a victim spilled now started earlier than `s`.
            let mut take_slot = |from: u32| match free_spills.iter().position(|&(_, end)| end < from) {
                Some(i) => free_spills.swap_remove(i).0,
                None => {
                    spill_slots += 1;
                    spill_slots - 1
                }
            };
            match victim {
                Some((ve, vv)) if ve > e => {
                    let spill = take_slot(start[vv]);
                    let reg = locs[vv];
                    locs[vv] = Some(Loc::Spill(spill));
                    reg.unwrap_or(Loc::Spill(spill))
                }
                _ => Loc::Spill(take_slot(s)),
            }
        };
        locs[v] = Some(loc);
        active.push((e, v));
    }
    for v in 0..n {
        if class[v] != v {
            locs[v] = locs[class[v]];
        }
    }
    Allocation { locs, spill_slots }
}

/// For each value: whether it is live right after some helper call (other than the value the
/// call defines), and whether it is some call's argument.
fn call_liveness(f: &Function, order: &[Block], live_out: &[BitSet]) -> (Vec<bool>, Vec<bool>) {
    let n = f.num_values as usize;
    let mut after = vec![false; n];
    let mut arg = vec![false; n];
    for (i, &b) in order.iter().enumerate() {
        let data = &f.blocks[b];
        if !data.insts.iter().any(|(inst, _)| matches!(inst, Inst::Call { .. })) {
            continue;
        }
        let mut live: std::collections::HashSet<usize> = live_out[i].iter().collect();
        live.extend(data.term.uses().iter().map(|v| v.as_u32() as usize));
        for (inst, _) in data.insts.iter().rev() {
            if let Some(d) = inst.def() {
                live.remove(&(d.as_u32() as usize));
            }
            if matches!(inst, Inst::Call { .. }) {
                for &v in &live {
                    after[v] = true;
                }
                for u in inst.uses() {
                    arg[u.as_u32() as usize] = true;
                }
            }
            live.extend(inst.uses().iter().map(|v| v.as_u32() as usize));
        }
    }
    (after, arg)
}

/// Joins each value computed from an operand whose life ends at that instruction with the
/// operand, when the value's life starts there: the two intervals touch at one point and
/// become one. Returns each value's class (its representative); the representative's
/// `start..=end` becomes the class's whole interval.
fn coalesce(f: &Function, order: &[Block], start: &mut [u32], end: &mut [u32]) -> Vec<usize> {
    let n = start.len();
    let mut class: Vec<usize> = (0..n).collect();
    fn find(class: &mut [usize], mut v: usize) -> usize {
        while class[v] != v {
            class[v] = class[class[v]];
            v = class[v];
        }
        v
    }
    let mut pos = 0u32;
    for &b in order {
        for (inst, _) in &f.blocks[b].insts {
            pos += 1;
            let Some(d) = inst.def() else { continue };
            let candidates: Vec<Value> = match inst {
                Inst::Copy { src, .. } | Inst::Normalize { src, .. } | Inst::Bswap { src, .. } => vec![*src],
                Inst::Neg { a, .. } => vec![*a],
                Inst::PtrLoad { ptr, .. } => vec![*ptr],
                Inst::Alu { a, b, op, signed, .. } => {
                    let commutative =
                        !*signed && matches!(op, AluOp::Add | AluOp::Mul | AluOp::And | AluOp::Or | AluOp::Xor);
                    match b {
                        Operand::Val(bv) if commutative && bv != a => vec![*a, *bv],
                        _ => vec![*a],
                    }
                }
                _ => vec![],
            };
            let cd = find(&mut class, d.as_u32() as usize);
            for a in candidates {
                let ca = find(&mut class, a.as_u32() as usize);
                if ca != cd && end[ca] == pos && start[cd] == pos {
                    class[cd] = ca;
                    end[ca] = end[cd];
                    break;
                }
            }
        }
        pos += 2;
    }
    (0..n).map(|v| find(&mut class, v)).collect()
}
