//! Passes over stack-slot stores: constant stores of adjacent bytes merged into wide ones,
//! and stores to a slot nothing reads removed.

use crate::bpf::Size;
use crate::ir::{Arg, Function, Inst, Operand, Slot};
use foldhash::{HashSet, HashSetExt};
use std::collections::BTreeMap;

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

/// The slot each pointer value points into: a slot's address (`addr`), and arithmetic on or
/// copies of such a pointer; and the slots whose pointers mix (a value that points into two).
pub(crate) fn slot_pointers(f: &Function) -> (foldhash::HashMap<crate::ir::Value, Slot>, HashSet<Slot>) {
    let mut mixed: HashSet<Slot> = HashSet::new();
    let mut derived: foldhash::HashMap<crate::ir::Value, Slot> = foldhash::HashMap::default();
    let mut grew = true;
    while grew {
        grew = false;
        for (_, data) in f.blocks.iter() {
            for (inst, _) in &data.insts {
                let from = match inst {
                    Inst::StackAddr { dst, slot, .. } => Some((*dst, *slot)),
                    Inst::Alu { dst, a, b, .. } => {
                        let b = match b {
                            Operand::Val(v) => derived.get(v),
                            Operand::Imm(_) => None,
                        };
                        derived.get(a).or(b).map(|s| (*dst, *s))
                    }
                    Inst::Copy { dst, src } => derived.get(src).map(|s| (*dst, *s)),
                    _ => None,
                };
                if let Some((d, slot)) = from {
                    match derived.insert(d, slot) {
                        None => grew = true,
                        Some(old) if old != slot => {
                            mixed.insert(old);
                            mixed.insert(slot);
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
    (derived, mixed)
}

/// A store to a slot is dead when no read of the slot can follow it: none later in its
/// block, and none in any block reachable from its block's successors. A pointer made from
/// the slot's address (`addr`, and arithmetic or copies of it) reads the slot wherever it is
/// used; a slot whose pointer is itself stored, returned, or mixed with another slot's is read
/// anywhere. This removes the zero payload of a `None` that no path reads, and the copies
/// made of it.
pub fn remove_dead_stores(f: &mut Function) -> bool {
    use crate::ir::{Block, Operand, Term};
    use foldhash::{HashMap, HashMapExt};
    let (derived, mut escaped) = slot_pointers(f);
    // A pointer kept where it can be read back, or handed out of the program.
    for (_, data) in f.blocks.iter() {
        for (inst, _) in &data.insts {
            let kept = match inst {
                Inst::StackStore { src: Operand::Val(v), .. } | Inst::PtrStore { src: v, .. } => Some(*v),
                Inst::AtomicAdd { src, .. } => Some(*src),
                _ => None,
            };
            if let Some(s) = kept.and_then(|v| derived.get(&v)) {
                escaped.insert(*s);
            }
        }
        if let Term::Return(Operand::Val(v)) = &data.term {
            if let Some(s) = derived.get(v) {
                escaped.insert(*s);
            }
        }
    }
    // The slots an instruction reads.
    let reads = |inst: &Inst| -> Vec<Slot> {
        let mut out: Vec<Slot> = inst.uses().iter().filter_map(|v| derived.get(v).copied()).collect();
        match inst {
            Inst::StackLoad { slot, .. } => out.push(*slot),
            Inst::Call { args, .. } => out.extend(args.iter().filter_map(|a| match a {
                Arg::StackAddr(s, _) => Some(*s),
                _ => None,
            })),
            _ => {}
        }
        out
    };
    let mut read_in: HashMap<Slot, HashSet<Block>> = HashMap::new();
    for (b, data) in f.blocks.iter() {
        for (inst, _) in &data.insts {
            for s in reads(inst) {
                read_in.entry(s).or_default().insert(b);
            }
        }
        for v in data.term.uses() {
            if let Some(s) = derived.get(&v) {
                read_in.entry(*s).or_default().insert(b);
            }
        }
    }
    let preds = f.predecessors(f.blocks.keys());
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
            let later = data.insts[i + 1..].iter().any(|(x, _)| reads(x).contains(slot))
                || data.term.uses().iter().any(|v| derived.get(v) == Some(slot));
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

/// A load or store through a pointer that is a slot's address plus a constant is a load or
/// store of the slot at that offset: `p = addr ss1+0; q = add p, 3; load.u8 [q+0]` is
/// `load.u8 ss1+3`, with no pointer made (what an index becomes once a loop is unrolled).
/// Accesses that would leave the slot keep their pointer.
pub fn fold_stack_pointers(f: &mut Function) -> bool {
    use crate::ir::{Operand, Value};
    use foldhash::{HashMap, HashMapExt};
    let mut defs: HashMap<Value, u32> = HashMap::new();
    for (_, data) in f.blocks.iter() {
        for (inst, _) in &data.insts {
            if let Some(d) = inst.def() {
                *defs.entry(d).or_default() += 1;
            }
        }
    }
    let single = |v: &Value| defs.get(v) == Some(&1);
    // Pointers of a known slot and offset (single definitions only).
    let mut at: HashMap<Value, (Slot, i64)> = HashMap::new();
    let mut grew = true;
    while grew {
        grew = false;
        for (_, data) in f.blocks.iter() {
            for (inst, _) in &data.insts {
                let known = match inst {
                    Inst::StackAddr { dst, slot, off } if single(dst) => Some((*dst, (*slot, *off as i64))),
                    Inst::Alu { dst, op: crate::bpf::AluOp::Add, a, b: Operand::Imm(c), signed: false }
                        if single(dst) =>
                    {
                        at.get(a).map(|(s, o)| (*dst, (*s, o + c)))
                    }
                    Inst::Copy { dst, src } if single(dst) => at.get(src).map(|p| (*dst, *p)),
                    _ => None,
                };
                if let Some((d, p)) = known {
                    if at.insert(d, p).is_none() {
                        grew = true;
                    }
                }
            }
        }
    }
    let sizes: Vec<u32> = f.slots.values().map(|s| s.size).collect();
    let place = |ptr: &Value, off: i16, size: crate::bpf::Size| -> Option<(Slot, u32)> {
        let (slot, base) = at.get(ptr)?;
        let o = base + off as i64;
        (o >= 0 && o + size.bytes() as i64 <= sizes[slot.as_u32() as usize] as i64).then_some((*slot, o as u32))
    };
    let mut changed = false;
    for (_, data) in f.blocks.iter_mut() {
        for (inst, _) in data.insts.iter_mut() {
            let new =
                match inst {
                    Inst::PtrLoad { dst, ptr, off, size } => {
                        place(ptr, *off, *size).map(|(slot, off)| Inst::StackLoad { dst: *dst, slot, off, size: *size })
                    }
                    Inst::PtrStore { ptr, off, src, size } => place(ptr, *off, *size)
                        .map(|(slot, off)| Inst::StackStore { slot, off, src: Operand::Val(*src), size: *size }),
                    _ => None,
                };
            if let Some(n) = new {
                *inst = n;
                changed = true;
            }
        }
    }
    changed
}

/// A load of stack bytes that constant stores wrote on every path to it is that constant:
/// `store.u32 ss2+0, 0xb80d0120; ...; v = load.u8 ss2+1` is `v = iconst 1` (the target is
/// little-endian). Known bytes flow forward over the CFG (a join keeps what its predecessors
/// agree on; a loop header, reached before its back edge is seen, knows nothing); a store of
/// a value forgets its bytes, and a helper given the slot's address forgets the slot. Slots
/// whose address is taken (`addr`) are not followed. The stores then often have no reader
/// left, and go.
pub fn forward_stack_stores(f: &mut Function) -> bool {
    use crate::ir::{Block, Operand};
    use foldhash::{HashMap, HashMapExt};
    type Known = HashMap<Slot, BTreeMap<u32, u8>>;
    let mut taken: HashSet<Slot> = HashSet::new();
    let mut stored: HashSet<Slot> = HashSet::new();
    for (_, data) in f.blocks.iter() {
        for (inst, _) in &data.insts {
            match inst {
                Inst::StackAddr { slot, .. } => {
                    taken.insert(*slot);
                }
                Inst::StackStore { slot, src: Operand::Imm(_), .. } => {
                    stored.insert(*slot);
                }
                _ => {}
            }
        }
    }
    stored.retain(|s| !taken.contains(s));
    if stored.is_empty() {
        return false;
    }
    let step = |known: &mut Known, inst: &Inst| match inst {
        Inst::StackStore { slot, off, src, size } if stored.contains(slot) => {
            let bytes = known.entry(*slot).or_default();
            for k in 0..size.bytes() {
                match src {
                    Operand::Imm(i) => bytes.insert(off + k, (*i as u64 >> (8 * k)) as u8),
                    Operand::Val(_) => bytes.remove(&(off + k)),
                };
            }
        }
        Inst::Call { args, .. } => {
            for a in args {
                if let Arg::StackAddr(s, _) = a {
                    known.remove(s);
                }
            }
        }
        _ => {}
    };
    let order = f.reverse_postorder();
    let preds = f.predecessors(order.iter().copied());
    let mut out: HashMap<Block, Known> = HashMap::new();
    let mut changed = false;
    for &b in &order {
        // What every predecessor knows (nothing at the entry, or from one not yet seen).
        let ps = preds.get(&b).map(Vec::as_slice).unwrap_or(&[]);
        let mut known: Known = match ps.split_first() {
            Some((first, rest)) if b != f.entry && ps.iter().all(|p| out.contains_key(p)) => {
                let mut k = out[first].clone();
                for p in rest {
                    let other = &out[p];
                    k.retain(|slot, bytes| {
                        let Some(o) = other.get(slot) else { return false };
                        bytes.retain(|off, v| o.get(off) == Some(v));
                        !bytes.is_empty()
                    });
                }
                k
            }
            _ => Known::new(),
        };
        for (inst, _) in f.blocks[b].insts.iter_mut() {
            if let Inst::StackLoad { dst, slot, off, size } = inst {
                if let Some(bytes) = known.get(slot) {
                    let all: Option<u64> = (0..size.bytes())
                        .rev()
                        .try_fold(0u64, |acc, k| bytes.get(&(*off + k)).map(|v| (acc << 8) | *v as u64));
                    if let Some(imm) = all {
                        *inst = Inst::Iconst { dst: *dst, imm };
                        changed = true;
                        continue;
                    }
                }
            }
            step(&mut known, inst);
        }
        out.insert(b, known);
    }
    changed
}
