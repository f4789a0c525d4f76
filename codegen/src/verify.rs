//! The IR verifier: the invariants that lowering establishes and every optimiser pass keeps.
//!
//! The IR is not SSA: a [`Value`] is a virtual register that several instructions may write
//! (locals, `if` results, loop counters). What it promises instead, and what this checks on
//! the blocks reachable from the entry (unreachable blocks are never emitted, and the
//! optimiser leaves merged blocks behind unterminated):
//!
//! - every value read is written on every path from the entry to the read (a must-be-defined
//!   forward dataflow over the CFG), so no register is read before it is written;
//! - every value, block and slot named exists in the function's arenas;
//! - every block ends in exactly one terminator (the data structure holds one; it must not be
//!   [`Term::None`]) whose targets exist;
//! - slot accesses stay inside their slot: `off + size <= slot size` for loads and stores,
//!   `off <= slot size` for addresses;
//! - widths are ones the emitter can encode: `Normalize` narrows to 1..=63 bits, `Bswap` swaps
//!   16, 32 or 64 bits, context loads are at non-negative offsets aligned to their size;
//! - ALU operations are the binary ones the printer names, `signed` only on division and
//!   remainder, constant shift amounts below 64; branches use a condition; helper calls name
//!   a known helper and pass at most five arguments.
//!
//! [`optimize`](crate::opt::optimize) runs [`assert_valid`] after every pass in builds with
//! `debug_assertions` (so in every test).

use crate::bpf::{AluOp, Size};
use crate::ir::{Arg, Block, Function, Inst, Operand, Slot, Term, Value};
use cranelift_entity::EntityRef;
use std::fmt;

/// One broken invariant, with the block it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pub block: Option<Block>,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.block {
            Some(b) => write!(f, "{b}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// Checks every invariant of the module documentation; returns every violation found.
pub fn verify(f: &Function) -> Result<(), Vec<VerifyError>> {
    let mut errs = Vec::new();
    if f.entry.index() >= f.blocks.len() {
        return Err(vec![VerifyError { block: None, message: format!("the entry {} does not exist", f.entry) }]);
    }
    let order = f.reverse_postorder();
    let mut ok_targets = true;
    for &b in &order {
        let mut e = |message: String| errs.push(VerifyError { block: Some(b), message });
        let data = &f.blocks[b];
        for (inst, _) in &data.insts {
            check_inst(f, inst, &mut e);
        }
        match &data.term {
            Term::None => e("the block has no terminator".into()),
            Term::Jump(t) => ok_targets &= check_target(f, *t, &mut e),
            Term::Branch { op, a, b: bop, then, els } => {
                if !op.is_condition() {
                    e(format!("the branch uses {op:?}, which is not a condition"));
                }
                check_value(f, *a, &mut e);
                check_operand(f, bop, &mut e);
                ok_targets &= check_target(f, *then, &mut e);
                ok_targets &= check_target(f, *els, &mut e);
            }
            Term::Return(o) => check_operand(f, o, &mut e),
        }
    }
    // The dataflow needs every value and target to exist.
    if errs.is_empty() && ok_targets {
        check_defined(f, &order, &mut errs);
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

/// Panics when `f` breaks an invariant, naming the pass that ran last and printing the IR.
pub fn assert_valid(f: &Function, after: &str) {
    if let Err(errs) = verify(f) {
        let list: Vec<String> = errs.iter().map(|e| format!("  {e}")).collect();
        panic!("the IR is invalid after `{after}`:\n{}\n{f}", list.join("\n"));
    }
}

fn check_value(f: &Function, v: Value, e: &mut impl FnMut(String)) {
    if v.as_u32() >= f.num_values {
        e(format!("{v} is beyond the function's {} values", f.num_values));
    }
}

fn check_operand(f: &Function, o: &Operand, e: &mut impl FnMut(String)) {
    if let Operand::Val(v) = o {
        check_value(f, *v, e);
    }
}

fn check_target(f: &Function, t: Block, e: &mut impl FnMut(String)) -> bool {
    let ok = t.index() < f.blocks.len();
    if !ok {
        e(format!("the target {t} does not exist"));
    }
    ok
}

/// That `slot` exists and `[off, off + len)` lies inside it.
fn check_slot(f: &Function, slot: Slot, off: u32, len: u32, e: &mut impl FnMut(String)) {
    match f.slots.get(slot) {
        None => e(format!("the slot {slot} does not exist")),
        Some(d) if off as u64 + len as u64 > d.size as u64 => {
            e(format!("{len} bytes at {slot}+{off} reach beyond its {} bytes", d.size))
        }
        Some(_) => {}
    }
}

fn check_inst(f: &Function, inst: &Inst, e: &mut impl FnMut(String)) {
    for v in inst.uses().into_iter().chain(inst.def()) {
        check_value(f, v, e);
    }
    match inst {
        Inst::Alu { op, b, signed, .. } => {
            use AluOp::*;
            if !matches!(op, Add | Sub | Mul | Div | Or | And | Lsh | Rsh | Mod | Xor | Arsh) {
                e(format!("`{inst}`: {op:?} is not a binary ALU operation"));
            }
            if *signed && !matches!(op, Div | Mod) {
                e(format!("`{inst}`: only division and remainder are signed"));
            }
            if let (Lsh | Rsh | Arsh, Operand::Imm(k)) = (op, b) {
                if !(0..64).contains(k) {
                    e(format!("`{inst}`: a shift by {k} is outside 0..64"));
                }
            }
        }
        Inst::Normalize { bits, .. } if !(1..64).contains(bits) => {
            e(format!("`{inst}`: an extension from {bits} bits"))
        }
        Inst::Bswap { bits, .. } if !matches!(bits, 16 | 32 | 64) => e(format!("`{inst}`: a swap of {bits} bits")),
        Inst::LoadCtx { off, size, .. } if *off < 0 || !(*off as u32).is_multiple_of(size.bytes()) => {
            e(format!("`{inst}`: a context load must be at an offset aligned to its size"))
        }
        Inst::StackLoad { slot, off, size, .. } | Inst::StackStore { slot, off, size, .. } => {
            check_slot(f, *slot, *off, size.bytes(), e)
        }
        Inst::StackAddr { slot, off, .. } => check_slot(f, *slot, *off, 0, e),
        Inst::AtomicAdd { size, .. } if !matches!(size, Size::W | Size::DW) => {
            e(format!("`{inst}`: atomic adds are 32 or 64 bits wide"))
        }
        Inst::Call { helper, args, .. } => {
            if crate::bpf::helper::name(*helper).is_none() {
                e(format!("call of unknown helper {helper}"));
            }
            if args.len() > 5 {
                e(format!("`{inst}`: {} arguments, BPF passes at most 5", args.len()));
            }
            for a in args {
                if let Arg::StackAddr(s, off) = a {
                    check_slot(f, *s, *off, 0, e);
                }
            }
        }
        _ => {}
    }
}

/// Forward must-be-defined dataflow: a value read in a block is written earlier in the block
/// or on every path into it.
fn check_defined(f: &Function, order: &[Block], errs: &mut Vec<VerifyError>) {
    let n = f.num_values as usize;
    let words = n.div_ceil(64).max(1);
    let full = vec![u64::MAX; words];
    let mut preds: Vec<Vec<Block>> = vec![vec![]; f.blocks.len()];
    for &b in order {
        for s in f.succs(b) {
            preds[s.index()].push(b);
        }
    }
    // `out[b]`: the values defined on every path to the end of `b`; start at "all" (top).
    let mut out: Vec<Vec<u64>> = vec![full.clone(); f.blocks.len()];
    let block_in = |b: Block, out: &Vec<Vec<u64>>| -> Vec<u64> {
        if b == f.entry {
            return vec![0; words];
        }
        let mut acc = full.clone();
        for p in &preds[b.index()] {
            for (a, o) in acc.iter_mut().zip(&out[p.index()]) {
                *a &= *o;
            }
        }
        acc
    };
    let mut changed = true;
    while changed {
        changed = false;
        for &b in order {
            let mut set = block_in(b, &out);
            for (inst, _) in &f.blocks[b].insts {
                if let Some(d) = inst.def() {
                    set[d.index() / 64] |= 1 << (d.index() % 64);
                }
            }
            if set != out[b.index()] {
                out[b.index()] = set;
                changed = true;
            }
        }
    }
    let has = |set: &[u64], v: Value| set[v.index() / 64] & (1 << (v.index() % 64)) != 0;
    for &b in order {
        let mut set = block_in(b, &out);
        let data = &f.blocks[b];
        for (inst, _) in &data.insts {
            for u in inst.uses() {
                if !has(&set, u) {
                    errs.push(VerifyError {
                        block: Some(b),
                        message: format!("`{inst}` reads {u}, which is not written on every path to it"),
                    });
                }
            }
            if let Some(d) = inst.def() {
                set[d.index() / 64] |= 1 << (d.index() % 64);
            }
        }
        for u in data.term.uses() {
            if !has(&set, u) {
                errs.push(VerifyError {
                    block: Some(b),
                    message: format!("the terminator reads {u}, which is not written on every path to it"),
                });
            }
        }
    }
}
