//! Known-bits and demanded-bits simplification.
//!
//! Two facts per value: how many low bits can be nonzero (its *width*, an upper bound over
//! every definition, so variables written in several blocks count too), and how many low bits
//! its readers look at (its *demanded* bits: `x & 3` looks at two bits of `x`, a 32-bit store
//! at 32, a branch at all 64). With them:
//!
//! - an extension or a mask that cannot change a demanded bit is a copy (`w = w` of a byte
//!   load, `x & 0xff` of a value that fits in a byte, `& 3` of a value only stored as u8 is
//!   kept, but its `uext32` before it goes);
//! - an operand whose demanded low bits equal those of one of its own operands is replaced by
//!   that operand: in `((a ^ (b << 3)) + 7) & 3` the low two bits of `a ^ (b << 3)` are those
//!   of `a` (`b << 3` has three known zero low bits), so the shift and the xor die.
//!
//! Operands are replaced only along chains of single-definition values defined earlier in
//! the same block, so the replacement holds the same bits at the reader.

use crate::bpf::{AluOp, JmpOp};
use crate::ir::{Block, Function, Inst, Operand, Term, Value};
use foldhash::{HashMap, HashMapExt};

/// Rounds after which a value whose fact still grows is given all 64 bits (a loop counter).
const WIDEN_AFTER: u8 = 3;

fn imm_width(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// How many low bits of each value can be nonzero, over all its definitions.
fn widths(f: &Function) -> Vec<u32> {
    let n = f.num_values as usize;
    let mut w = vec![0u32; n];
    let mut grew = vec![0u8; n];
    let get = |w: &[u32], v: Value| w[v.as_u32() as usize];
    let op_w = |w: &[u32], o: &Operand| match o {
        Operand::Val(v) => get(w, *v),
        Operand::Imm(i) => imm_width(*i as u64),
    };
    loop {
        let mut changed = false;
        for (_, b) in f.blocks.iter() {
            for (inst, _) in &b.insts {
                let Some(d) = inst.def() else { continue };
                let new = match inst {
                    Inst::Iconst { imm, .. } => imm_width(*imm),
                    Inst::Copy { src, .. } => get(&w, *src),
                    Inst::LoadCtx { size, .. } | Inst::StackLoad { size, .. } | Inst::PtrLoad { size, .. } => {
                        size.bytes() * 8
                    }
                    Inst::Normalize { src, bits, signed: false, .. } => get(&w, *src).min(*bits as u32),
                    Inst::Bswap { bits, .. } => *bits as u32,
                    Inst::Alu { op, a, b, signed: false, .. } => {
                        let (wa, wb) = (get(&w, *a), op_w(&w, b));
                        match op {
                            AluOp::And => wa.min(wb),
                            AluOp::Or | AluOp::Xor => wa.max(wb),
                            AluOp::Add => (wa.max(wb) + 1).min(64),
                            AluOp::Mul => (wa + wb).min(64),
                            // BPF defines x / 0 = 0 and x % 0 = x.
                            AluOp::Div | AluOp::Mod => wa,
                            AluOp::Rsh => match b {
                                Operand::Imm(c) if (0..64).contains(c) => wa.saturating_sub(*c as u32),
                                _ => wa,
                            },
                            AluOp::Lsh => match b {
                                Operand::Imm(c) if (0..64).contains(c) => (wa + *c as u32).min(64),
                                _ => 64,
                            },
                            _ => 64,
                        }
                    }
                    _ => 64,
                };
                let i = d.as_u32() as usize;
                if new > w[i] {
                    grew[i] += 1;
                    w[i] = if grew[i] > WIDEN_AFTER { 64 } else { new };
                    changed = true;
                }
            }
        }
        if !changed {
            return w;
        }
    }
}

/// The bits of operand `a` (and of a value operand `b`) that instruction `inst` reads, when
/// the readers of its result look at `want` bits; `None` when it reads all 64.
fn read_bits(inst: &Inst, want: u32) -> Option<u32> {
    match inst {
        Inst::Copy { .. } => Some(want),
        Inst::Normalize { bits, .. } => Some(want.min(*bits as u32)),
        Inst::Bswap { bits, .. } => Some(*bits as u32),
        Inst::StackStore { size, .. } => Some(size.bytes() * 8),
        Inst::Alu { op, b, signed: false, .. } => match op {
            AluOp::Add | AluOp::Sub | AluOp::Mul | AluOp::Or | AluOp::Xor => Some(want),
            AluOp::And => match b {
                Operand::Imm(m) => Some(want.min(imm_width(*m as u64))),
                Operand::Val(_) => Some(want),
            },
            AluOp::Lsh => match b {
                Operand::Imm(c) if (0..64).contains(c) => Some(want.saturating_sub(*c as u32)),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// How many low bits of each value its readers look at.
fn demanded(f: &Function) -> Vec<u32> {
    let n = f.num_values as usize;
    let mut d = vec![0u32; n];
    let mut grew = vec![0u8; n];
    let raise = |d: &mut [u32], grew: &mut [u8], v: Value, bits: u32| {
        let i = v.as_u32() as usize;
        if bits > d[i] {
            grew[i] += 1;
            d[i] = if grew[i] > WIDEN_AFTER { 64 } else { bits };
            true
        } else {
            false
        }
    };
    loop {
        let mut changed = false;
        for (_, b) in f.blocks.iter() {
            for (inst, _) in &b.insts {
                let want = inst.def().map_or(64, |v| d[v.as_u32() as usize]);
                // A shift's amount and a store's pointer are read whole.
                let bits = read_bits(inst, want);
                let whole: Vec<Value> = match inst {
                    Inst::Alu { b: Operand::Val(bv), op: AluOp::Lsh, .. } => vec![*bv],
                    _ => vec![],
                };
                for u in inst.uses() {
                    let k = if whole.contains(&u) { 64 } else { bits.unwrap_or(64) };
                    changed |= raise(&mut d, &mut grew, u, k);
                }
            }
            for u in b.term.uses() {
                changed |= raise(&mut d, &mut grew, u, 64);
            }
        }
        if !changed {
            return d;
        }
    }
}

/// Where a value is defined in one block: its instruction index, for single-definition values.
struct BlockDefs<'f> {
    insts: &'f [(Inst, rsteer_lang::Span)],
    at: HashMap<Value, usize>,
}

impl BlockDefs<'_> {
    /// The definition of `v` in this block before instruction `before`.
    fn def(&self, v: Value, before: usize) -> Option<(usize, &Inst)> {
        let i = *self.at.get(&v)?;
        (i < before).then(|| (i, &self.insts[i].0))
    }

    /// How many low bits of `v` are known to be zero.
    fn trailing_zeros(&self, v: &Operand, before: usize, depth: u32) -> u32 {
        let v = match v {
            Operand::Imm(i) => return (*i as u64).trailing_zeros(),
            Operand::Val(v) => *v,
        };
        let Some((i, inst)) = self.def(v, before).filter(|_| depth < 16) else { return 0 };
        let tz = |o: &Operand| self.trailing_zeros(o, i, depth + 1);
        match inst {
            Inst::Iconst { imm, .. } => imm.trailing_zeros(),
            Inst::Copy { src, .. } => tz(&Operand::Val(*src)),
            Inst::Alu { op, a, b, signed: false, .. } => {
                let (za, zb) = (tz(&Operand::Val(*a)), tz(b));
                match op {
                    AluOp::Lsh => match b {
                        Operand::Imm(c) if (0..64).contains(c) => (za + *c as u32).min(64),
                        _ => 0,
                    },
                    AluOp::Mul => (za + zb).min(64),
                    AluOp::And => za.max(zb),
                    AluOp::Or | AluOp::Xor | AluOp::Add | AluOp::Sub => za.min(zb),
                    _ => 0,
                }
            }
            _ => 0,
        }
    }

    /// A value whose low `k` bits equal those of `v` at instruction `before`, found by
    /// looking through operations that leave those bits alone.
    fn low_bits_source(&self, v: Value, k: u32, before: usize, single: &dyn Fn(Value) -> bool) -> Value {
        let mut v = v;
        let mut at = before;
        for _ in 0..16 {
            let Some((i, inst)) = self.def(v, at) else { break };
            let next = match inst {
                Inst::Copy { src, .. } => Some(*src),
                Inst::Normalize { src, bits, .. } if *bits as u32 >= k => Some(*src),
                Inst::Alu { op: AluOp::And, a, b: Operand::Imm(m), .. }
                    if k < 64 && (*m as u64) & ((1u64 << k) - 1) == (1u64 << k) - 1 =>
                {
                    Some(*a)
                }
                Inst::Alu { op: AluOp::Or | AluOp::Xor | AluOp::Add | AluOp::Sub, a, b, signed: false, .. } => {
                    let commutes = !matches!(inst, Inst::Alu { op: AluOp::Sub, .. });
                    if self.trailing_zeros(b, i, 0) >= k {
                        Some(*a)
                    } else if let (true, Operand::Val(bv)) = (commutes, b) {
                        (self.trailing_zeros(&Operand::Val(*a), i, 0) >= k).then_some(*bv)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            match next {
                Some(w) if single(w) => {
                    v = w;
                    at = i;
                }
                _ => break,
            }
        }
        v
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

/// The known-bits and demanded-bits pass (see the module documentation).
pub fn simplify_bits(f: &mut Function) -> bool {
    let width = widths(f);
    let want = demanded(f);
    let defs = def_counts(f);
    let single = |v: Value| defs[v.as_u32() as usize] == 1;
    let blocks: Vec<Block> = f.blocks.keys().collect();
    let mut changed = false;
    for b in blocks {
        // Operand rewrites, computed on the block as it is, then applied.
        let mut rewrites: Vec<(usize, Inst)> = Vec::new();
        {
            let insts = &f.blocks[b].insts;
            let mut at = HashMap::new();
            for (i, (inst, _)) in insts.iter().enumerate() {
                if let Some(d) = inst.def() {
                    if single(d) {
                        at.insert(d, i);
                    }
                }
            }
            let bd = BlockDefs { insts, at };
            for (i, (inst, _)) in insts.iter().enumerate() {
                let dst_want = inst.def().map_or(64, |v| want[v.as_u32() as usize]);
                let mut new = inst.clone();
                match &mut new {
                    // A zero-extension that changes no bit anyone reads is a copy.
                    Inst::Normalize { dst, src, bits, signed: false }
                        if width[src.as_u32() as usize] <= *bits as u32 || dst_want <= *bits as u32 =>
                    {
                        new = Inst::Copy { dst: *dst, src: *src };
                    }
                    // So is a mask of low bits that keeps every bit that can be set or is read.
                    Inst::Alu { dst, op: AluOp::And, a, b: Operand::Imm(m), signed: false }
                        if *m >= 0
                            && (*m as u64 & (*m as u64).wrapping_add(1)) == 0
                            && (width[a.as_u32() as usize] <= imm_width(*m as u64)
                                || dst_want <= imm_width(*m as u64)) =>
                    {
                        new = Inst::Copy { dst: *dst, src: *a };
                    }
                    // A mask that does not fit an immediate, of a value of at most 32 bits:
                    // only its low 32 bits matter, and sign-extended they fit.
                    Inst::Alu { a, op: AluOp::And, b: Operand::Imm(m), signed: false, .. }
                        if width[a.as_u32() as usize] <= 32 && (*m < i32::MIN as i64 || *m > i32::MAX as i64) =>
                    {
                        *m = *m as u32 as i32 as i64;
                    }
                    _ => {}
                }
                if let Some(k) = read_bits(&new, dst_want) {
                    let shift_amount = match &new {
                        Inst::Alu { op: AluOp::Lsh, b: Operand::Val(bv), .. } => Some(*bv),
                        _ => None,
                    };
                    new.map_uses(&|v| {
                        if Some(v) == shift_amount {
                            v
                        } else {
                            bd.low_bits_source(v, k, i, &single)
                        }
                    });
                }
                if new != *inst {
                    rewrites.push((i, new));
                }
            }
        }
        changed |= !rewrites.is_empty();
        for (i, inst) in rewrites {
            f.blocks[b].insts[i].0 = inst;
        }
        // An unsigned compare with a constant that the value's width decides is a jump:
        // `off > 32504` of an offset that is 1 or 6.
        if let Term::Branch { op, a, b: Operand::Imm(c), then, els } = f.blocks[b].term {
            let wa = width[a.as_u32() as usize];
            if wa < 64 && c >= 0 {
                let max = (1u64 << wa) - 1;
                let c = c as u64;
                let known = match op {
                    JmpOp::Jgt => (max <= c).then_some(false),
                    JmpOp::Jge => (max < c).then_some(false),
                    JmpOp::Jle => (max <= c).then_some(true),
                    JmpOp::Jlt => (max < c).then_some(true),
                    _ => None,
                };
                if let Some(taken) = known {
                    f.blocks[b].term = Term::Jump(if taken { then } else { els });
                    changed = true;
                }
            }
        }
    }
    changed
}
