//! Passes over stack-slot stores: constant stores of adjacent bytes merged into wide ones,
//! and stores to a slot nothing reads removed.

use crate::bpf::Size;
use crate::ir::{Arg, Function, Inst, Operand, Slot};
use std::collections::{BTreeMap, HashSet};

/// A run of constant stores to one slot, consecutive in a block, becomes the fewest aligned
/// stores of the same bytes: `b"\x20\x01\x0d\xb8"` is one 4-byte store, sixteen zero bytes
/// two 8-byte ones. An 8-byte store takes a 32-bit immediate sign-extended, so it is used only
/// when the bytes are such a value.
pub fn merge_stores(f: &mut Function) -> bool {
    let mut changed = false;
    for (_, b) in f.blocks.iter_mut() {
        let mut out = Vec::with_capacity(b.insts.len());
        let mut i = 0;
        while i < b.insts.len() {
            let run_slot = match &b.insts[i].0 {
                Inst::StackStore { slot, src: Operand::Imm(_), .. } => Some(*slot),
                _ => None,
            };
            let Some(slot) = run_slot else {
                out.push(b.insts[i].clone());
                i += 1;
                continue;
            };
            let mut j = i;
            let mut bytes: BTreeMap<u32, u8> = BTreeMap::new();
            while let Some((Inst::StackStore { slot: s, off, src: Operand::Imm(v), size }, _)) = b.insts.get(j) {
                if *s != slot {
                    break;
                }
                for k in 0..size.bytes() {
                    bytes.insert(off + k, (*v as u64 >> (8 * k)) as u8);
                }
                j += 1;
            }
            let span = b.insts[i].1;
            let merged = wide_stores(slot, &bytes);
            if merged.len() < j - i {
                out.extend(merged.into_iter().map(|inst| (inst, span)));
                changed = true;
            } else {
                out.extend(b.insts[i..j].iter().cloned());
            }
            i = j;
        }
        b.insts = out;
    }
    changed
}

/// The fewest aligned constant stores that write `bytes` (offset → byte) of `slot`.
fn wide_stores(slot: Slot, bytes: &BTreeMap<u32, u8>) -> Vec<Inst> {
    let mut out = Vec::new();
    let mut offs = bytes.keys().copied().peekable();
    let mut done: HashSet<u32> = HashSet::new();
    while let Some(o) = offs.next() {
        if done.contains(&o) {
            continue;
        }
        let value = |n: u32| -> Option<u64> {
            (0..n).try_fold(0u64, |acc, k| bytes.get(&(o + k)).map(|b| acc | (*b as u64) << (8 * k)))
        };
        let pick = [8u32, 4, 2, 1].into_iter().find_map(|n| {
            if !o.is_multiple_of(n) {
                return None;
            }
            let v = value(n)?;
            // An 8-byte store sign-extends its 32-bit immediate.
            let imm = match n {
                8 => {
                    let x = v as i64;
                    (x >= i32::MIN as i64 && x <= i32::MAX as i64).then_some(x)?
                }
                // A narrower store keeps the low bytes of its immediate.
                _ => v as u32 as i32 as i64,
            };
            Some((n, imm))
        });
        let (n, imm) = pick.unwrap_or((1, bytes[&o] as i64));
        out.push(Inst::StackStore { slot, off: o, src: Operand::Imm(imm), size: Size::from_bytes(n) });
        done.extend(o..o + n);
    }
    out
}

/// Stores to a slot that is never loaded, never has its address taken and is never passed to
/// a helper are removed: nothing can see what they write.
pub fn remove_unread_slots(f: &mut Function) -> bool {
    let mut read: HashSet<Slot> = HashSet::new();
    for (_, b) in f.blocks.iter() {
        for (inst, _) in &b.insts {
            match inst {
                Inst::StackLoad { slot, .. } | Inst::StackAddr { slot, .. } => {
                    read.insert(*slot);
                }
                Inst::Call { args, .. } => {
                    for a in args {
                        if let Arg::StackAddr(s, _) = a {
                            read.insert(*s);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut changed = false;
    for (_, b) in f.blocks.iter_mut() {
        let before = b.insts.len();
        b.insts.retain(|(inst, _)| !matches!(inst, Inst::StackStore { slot, .. } if !read.contains(slot)));
        changed |= b.insts.len() != before;
    }
    changed
}
