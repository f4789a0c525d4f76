//! Liveness of values over the CFG: which values are live into and out of each block.
//!
//! Shared by the register allocator and the optimiser's dead-definition removal. Computed
//! value by value, walking backwards from each block that reads a value before writing it to
//! the blocks that write it, so the cost is the size of the live sets (plus the edges they
//! cross), not blocks times values: a 5000-arm `match` has thousands of blocks and thousands of
//! values but only a few live at each block.

use crate::ir::{Block, Function, Value};

/// Live sets of the blocks of one list, by position in that list; each set is ascending.
pub struct Liveness {
    pub live_in: Vec<Vec<Value>>,
    pub live_out: Vec<Vec<Value>>,
}

/// Liveness over `blocks`: edges to blocks outside the list are ignored.
pub fn liveness(f: &Function, blocks: &[Block]) -> Liveness {
    let nb = blocks.len();
    let nv = f.num_values as usize;
    let mut pos = vec![usize::MAX; f.blocks.len()];
    for (i, b) in blocks.iter().enumerate() {
        pos[b.as_u32() as usize] = i;
    }
    let mut preds: Vec<Vec<u32>> = vec![Vec::new(); nb];
    for (i, &b) in blocks.iter().enumerate() {
        for s in f.succs(b) {
            let p = pos[s.as_u32() as usize];
            if p != usize::MAX {
                preds[p].push(i as u32);
            }
        }
    }
    // (value, block) of every read before a write in the block (upward-exposed), and of every
    // write; `stamp` marks what block `i` has written (and read) so far.
    let mut exposed: Vec<(u32, u32)> = Vec::new();
    let mut written: Vec<(u32, u32)> = Vec::new();
    let mut def_stamp = vec![0u32; nv];
    let mut use_stamp = vec![0u32; nv];
    for (i, &b) in blocks.iter().enumerate() {
        let tag = i as u32 + 1;
        let data = &f.blocks[b];
        let mut read = |v: Value, exposed: &mut Vec<(u32, u32)>, def_stamp: &[u32]| {
            let v = v.as_u32() as usize;
            if def_stamp[v] != tag && use_stamp[v] != tag {
                use_stamp[v] = tag;
                exposed.push((v as u32, i as u32));
            }
        };
        for (inst, _) in &data.insts {
            for u in inst.uses() {
                read(u, &mut exposed, &def_stamp);
            }
            if let Some(d) = inst.def() {
                let d = d.as_u32() as usize;
                if def_stamp[d] != tag {
                    def_stamp[d] = tag;
                    written.push((d as u32, i as u32));
                }
            }
        }
        for u in data.term.uses() {
            read(u, &mut exposed, &def_stamp);
        }
    }
    exposed.sort_unstable();
    written.sort_unstable();

    let mut live_in: Vec<Vec<Value>> = vec![Vec::new(); nb];
    let mut live_out: Vec<Vec<Value>> = vec![Vec::new(); nb];
    // Per-value marks, tagged with the value's number + 1 so they need no clearing.
    let mut in_mark = vec![0u32; nb];
    let mut out_mark = vec![0u32; nb];
    let mut kill_mark = vec![0u32; nb];
    let mut work: Vec<u32> = Vec::new();
    let (mut e, mut w) = (0, 0);
    while e < exposed.len() {
        let v = exposed[e].0;
        let tag = v + 1;
        while w < written.len() && written[w].0 < v {
            w += 1;
        }
        while w < written.len() && written[w].0 == v {
            kill_mark[written[w].1 as usize] = tag;
            w += 1;
        }
        while e < exposed.len() && exposed[e].0 == v {
            work.push(exposed[e].1);
            e += 1;
        }
        while let Some(b) = work.pop() {
            let b = b as usize;
            if in_mark[b] == tag {
                continue;
            }
            in_mark[b] = tag;
            live_in[b].push(Value::from_u32(v));
            for &p in &preds[b] {
                let p = p as usize;
                if out_mark[p] != tag {
                    out_mark[p] = tag;
                    live_out[p].push(Value::from_u32(v));
                }
                if kill_mark[p] != tag && in_mark[p] != tag {
                    work.push(p as u32);
                }
            }
        }
    }
    Liveness { live_in, live_out }
}
