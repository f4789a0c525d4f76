//! Packet loads read through the pointer their bounds check tested.
//!
//! A direct read checks `end = p + K; if end > data_end goto slow` and then loads
//! `*(p + off)`. The verifier knows, below the check, that `end` may read back to `p`, so the
//! load may be `*(end + off - K)`: then `p` dies at the addition, which the register allocator
//! does in place, and the copy of `p` the check needed goes away.

use crate::bpf::JmpOp;
use crate::ir::{Function, Inst, Operand, Term, Value};

/// Rewrites the loads of each in-bounds block of a check on `p + K` to go through `p + K`.
pub fn rebase_packet_loads(f: &mut Function) -> bool {
    let defs = super::def_counts(f);
    let once = |v: Value| defs[v.as_u32() as usize] == 1;
    let order = f.reverse_postorder();
    let preds = f.predecessors(order.iter().copied());
    let mut changed = false;
    for &b in &order {
        let (end, ok) = match f.blocks[b].term {
            Term::Branch { op: JmpOp::Jgt, a, b: Operand::Val(_), els, .. } => (a, els),
            Term::Branch { op: JmpOp::Jle, a, b: Operand::Val(_), then, .. } => (a, then),
            _ => continue,
        };
        if !once(end) || preds.get(&ok).is_none_or(|ps| ps.as_slice() != [b]) {
            continue;
        }
        let Some((p, k)) = f.blocks[b].insts.iter().find_map(|(i, _)| match i {
            Inst::Alu { dst, op: crate::bpf::AluOp::Add, a, b: Operand::Imm(k), signed: false } if *dst == end => {
                Some((*a, *k))
            }
            _ => None,
        }) else {
            continue;
        };
        if !once(p) || p == end {
            continue;
        }
        for (inst, _) in f.blocks[ok].insts.iter_mut() {
            if let Inst::PtrLoad { ptr, off, .. } = inst {
                let moved = i64::from(*off) - k;
                if *ptr == p && (i16::MIN as i64..=i16::MAX as i64).contains(&moved) {
                    *ptr = end;
                    *off = moved as i16;
                    changed = true;
                }
            }
        }
    }
    changed
}
