//! Register allocation: liveness over the CFG (`liveness.rs`), then linear scan without splitting.
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

/// Allocates every value used in the blocks of `order` (the layout order).
pub fn allocate(f: &Function, order: &[Block]) -> Allocation {
    let n = f.num_values as usize;
    let crate::liveness::Liveness { live_in, live_out } = crate::liveness::liveness(f, order);
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
        for v in &live_in[i] {
            touch(v.as_u32() as usize, block_start);
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
        for v in &live_out[i] {
            touch(v.as_u32() as usize, pos);
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
    let segs = class_segments(f, order, &live_in, &live_out, &class);
    // Classes holding a call's result: r0 first, where the call leaves it. Classes related by
    // a copy or a one-operand operation: the other's register next, so the move may go.
    let mut from_call = vec![false; n];
    let mut related: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (_, data) in f.blocks.iter() {
        for (inst, _) in &data.insts {
            let src = match inst {
                Inst::Call { dst: Some(d), .. } => {
                    from_call[class[d.as_u32() as usize]] = true;
                    None
                }
                Inst::Copy { src, .. } | Inst::Normalize { src, .. } | Inst::Bswap { src, .. } => Some(*src),
                Inst::Neg { a, .. } | Inst::Alu { a, .. } => Some(*a),
                _ => None,
            };
            if let (Some(a), Some(d)) = (src, inst.def()) {
                let (ca, cd) = (class[a.as_u32() as usize], class[d.as_u32() as usize]);
                if ca != cd {
                    related[ca].push(cd);
                    related[cd].push(ca);
                }
            }
        }
    }
    let mut classes: Vec<(u32, usize)> =
        (0..n).filter(|&v| start[v] != u32::MAX && class[v] == v).map(|v| (start[v], v)).collect();
    classes.sort();

    let mut locs: Vec<Option<Loc>> = vec![None; n];
    // The live segments already given to each register and to each spill slot.
    let regs: Vec<u8> = CALL_FREE.iter().chain(&[RESULT]).chain(&CALLEE_SAVED).copied().collect();
    let mut reg_segs: Vec<Vec<(u32, u32)>> = vec![Vec::new(); 10];
    let mut slot_segs: Vec<Vec<(u32, u32)>> = Vec::new();
    for (_, v) in classes {
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
        let mine = &segs[v];
        // Call-free values take r3–r5 and r0 first, to leave the callee-saved registers to the
        // rest.
        let first = from_call[v].then_some(RESULT);
        let hinted = related[v].iter().filter_map(|&c| match locs[c] {
            Some(Loc::Reg(r)) => Some(r),
            _ => None,
        });
        let pick = first
            .into_iter()
            .chain(hinted)
            .chain(regs.iter().copied())
            .find(|&r| allowed(r) && fits(&reg_segs[r as usize], mine));
        let loc = match pick {
            Some(r) => {
                add_segments(&mut reg_segs[r as usize], mine);
                Loc::Reg(r)
            }
            None => {
                let k = match slot_segs.iter().position(|taken| fits(taken, mine)) {
                    Some(k) => k,
                    None => {
                        slot_segs.push(Vec::new());
                        slot_segs.len() - 1
                    }
                };
                add_segments(&mut slot_segs[k], mine);
                Loc::Spill(k as u32)
            }
        };
        locs[v] = Some(loc);
    }
    let spill_slots = slot_segs.len() as u32;
    for v in 0..n {
        if class[v] != v {
            locs[v] = locs[class[v]];
        }
    }
    Allocation { locs, spill_slots }
}

/// Whether `mine` overlaps none of `taken` (sorted, disjoint but for touching ends). Two
/// segments that only touch may share a location: the emitter reads every operand into
/// scratch registers before it writes the result.
fn fits(taken: &[(u32, u32)], mine: &[(u32, u32)]) -> bool {
    mine.iter().all(|&(a, b)| {
        let i = taken.partition_point(|&(s, _)| s < b);
        i == 0 || taken[i - 1].1 <= a
    })
}

fn add_segments(taken: &mut Vec<(u32, u32)>, mine: &[(u32, u32)]) {
    for &seg in mine {
        let i = taken.partition_point(|&s| s < seg);
        taken.insert(i, seg);
    }
}

/// The live segments of each class (at its representative), in layout positions: in each
/// block where a member is live, from its first touch (or the block's start, when live in)
/// to its last (or the block's end, when live out). A value is only kept in a register or
/// slot over these, so two values whose segments do not overlap may share one even when
/// one's first and last positions enclose the other's.
fn class_segments(
    f: &Function,
    order: &[Block],
    live_in: &[Vec<crate::ir::Value>],
    live_out: &[Vec<crate::ir::Value>],
    class: &[usize],
) -> Vec<Vec<(u32, u32)>> {
    let n = class.len();
    let mut segs: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
    let mut pos = 0u32;
    let mut span: foldhash::HashMap<usize, (u32, u32)> = foldhash::HashMap::default();
    for (i, &b) in order.iter().enumerate() {
        span.clear();
        let bs = pos;
        let touch = |span: &mut foldhash::HashMap<usize, (u32, u32)>, v: usize, p: u32| {
            let e = span.entry(v).or_insert((p, p));
            e.1 = e.1.max(p);
        };
        for v in live_in[i].iter().map(|v| v.as_u32() as usize) {
            touch(&mut span, v, bs);
        }
        let data = &f.blocks[b];
        for (inst, _) in &data.insts {
            pos += 1;
            for u in inst.uses() {
                touch(&mut span, u.as_u32() as usize, pos);
            }
            if let Some(d) = inst.def() {
                touch(&mut span, d.as_u32() as usize, pos);
            }
        }
        pos += 1;
        for u in data.term.uses() {
            touch(&mut span, u.as_u32() as usize, pos);
        }
        for v in live_out[i].iter().map(|v| v.as_u32() as usize) {
            touch(&mut span, v, pos);
        }
        pos += 1;
        for (&v, &seg) in &span {
            segs[class[v]].push(seg);
        }
    }
    for s in segs.iter_mut() {
        s.sort();
        // Members of a class touch but do not overlap; merge what does.
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(s.len());
        for &(a, b) in s.iter() {
            match merged.last_mut() {
                Some(last) if a < last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        *s = merged;
    }
    segs
}

/// For each value: whether it is live right after some helper call (other than the value the
/// call defines), and whether it is some call's argument.
fn call_liveness(f: &Function, order: &[Block], live_out: &[Vec<crate::ir::Value>]) -> (Vec<bool>, Vec<bool>) {
    let n = f.num_values as usize;
    let mut after = vec![false; n];
    let mut arg = vec![false; n];
    for (i, &b) in order.iter().enumerate() {
        let data = &f.blocks[b];
        if !data.insts.iter().any(|(inst, _)| matches!(inst, Inst::Call { .. })) {
            continue;
        }
        let mut live: foldhash::HashSet<usize> = live_out[i].iter().map(|v| v.as_u32() as usize).collect();
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
