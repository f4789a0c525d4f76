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
    let mut done: HashSet<u32> = HashSet::new();
    for o in bytes.keys().copied() {
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

/// A store to a slot is dead when no read of the slot can follow it: none later in its
/// block, and none in any block reachable from its block's successors. A slot whose address
/// is taken (`addr`) is read anywhere. This removes the zero payload of a `None` that no
/// path reads, and the copies made of it.
pub fn remove_dead_stores(f: &mut Function) -> bool {
    use crate::ir::Block;
    use std::collections::HashMap;
    let mut escaped: HashSet<Slot> = HashSet::new();
    let mut read_in: HashMap<Slot, HashSet<Block>> = HashMap::new();
    for (b, data) in f.blocks.iter() {
        for (inst, _) in &data.insts {
            match inst {
                Inst::StackAddr { slot, .. } => {
                    escaped.insert(*slot);
                }
                Inst::StackLoad { slot, .. } => {
                    read_in.entry(*slot).or_default().insert(b);
                }
                Inst::Call { args, .. } => {
                    for a in args {
                        if let Arg::StackAddr(s, _) = a {
                            read_in.entry(*s).or_default().insert(b);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut preds: HashMap<Block, Vec<Block>> = HashMap::new();
    for b in f.blocks.keys() {
        for s in f.succs(b) {
            preds.entry(s).or_default().push(b);
        }
    }
    // For each slot, the blocks from whose entry a read of it can be reached.
    let reaches = |blocks: &HashSet<Block>| {
        let mut seen: HashSet<Block> = blocks.clone();
        let mut work: Vec<Block> = blocks.iter().copied().collect();
        while let Some(b) = work.pop() {
            for &p in preds.get(&b).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(p) {
                    work.push(p);
                }
            }
        }
        seen
    };
    let reach: HashMap<Slot, HashSet<Block>> = read_in.iter().map(|(s, bs)| (*s, reaches(bs))).collect();
    let empty = HashSet::new();
    let mut dead: Vec<(Block, usize)> = Vec::new();
    for (b, data) in f.blocks.iter() {
        let succs = f.succs(b);
        for (i, (inst, _)) in data.insts.iter().enumerate() {
            let Inst::StackStore { slot, .. } = inst else { continue };
            if escaped.contains(slot) {
                continue;
            }
            let r = reach.get(slot).unwrap_or(&empty);
            let later = data.insts[i + 1..].iter().any(|(x, _)| match x {
                Inst::StackLoad { slot: s, .. } => s == slot,
                Inst::Call { args, .. } => args.iter().any(|a| matches!(a, Arg::StackAddr(s, _) if s == slot)),
                _ => false,
            });
            if !later && !succs.iter().any(|s| r.contains(s)) {
                dead.push((b, i));
            }
        }
    }
    let changed = !dead.is_empty();
    for (b, i) in dead.into_iter().rev() {
        f.blocks[b].insts.remove(i);
    }
    changed
}
