//! Register allocation: liveness over the CFG (`liveness.rs`), then linear scan without splitting.
//!
//! Each [`Value`] gets one location for its whole life: one of the callee-saved registers
//! r7–r9 (they survive helper calls, which clobber r0–r5; r6 holds the context), one of
//! r3–r5 when no helper call falls inside its life, or an 8-byte spill slot in the frame. Because the location never changes there are no moves on CFG
//! edges, and values assigned in several blocks (locals, `if` results) are simply one
//! interval. Registers r0–r5 are scratch for the emitter, never live across an instruction.

use crate::ir::{Block, Function};

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

    let mut intervals: Vec<(u32, u32, usize)> =
        (0..n).filter(|&v| start[v] != u32::MAX).map(|v| (start[v], end[v], v)).collect();
    intervals.sort();

    // Whether a helper call falls inside `s..=e` (a call that uses or defines the value counts).
    let crosses_call = |s: u32, e: u32| {
        let i = calls.partition_point(|&c| c < s);
        calls.get(i).is_some_and(|&c| c <= e)
    };
    let mut locs: Vec<Option<Loc>> = vec![None; n];
    let mut free_regs: Vec<u8> = CALLEE_SAVED.iter().chain(&CALL_FREE).rev().copied().collect();
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
        let needs_saved = crosses_call(s, e);
        let allowed = |r: u8| !needs_saved || CALLEE_SAVED.contains(&r);
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
    Allocation { locs, spill_slots }
}
