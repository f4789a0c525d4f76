//! From allocated IR to BPF instructions, map relocations and source lines.

use crate::bpf::{AluOp, Insn, Size, FP, R0, R1, R2, R6};
use crate::ir::{Arg, Block, Function, Inst, Operand, Slot, Term, Value};
use crate::regalloc::{allocate, Loc};
use foldhash::{HashSet, HashSetExt};
use rsteer_lang::{Diagnostic, Span};

/// The kernel's stack limit for one BPF frame.
pub const STACK_LIMIT: u32 = rsteer_bpf::STACK_SIZE;

/// A program's machine code before it becomes an object.
#[derive(Clone, Debug, Default)]
pub struct MachineCode {
    pub insns: Vec<Insn>,
    /// (slot index of an `ld_imm64`, map number)
    pub map_relocs: Vec<(usize, u32)>,
    /// The source span of each instruction slot.
    pub spans: Vec<Span>,
    pub stack_size: u32,
}

struct Emitter<'a> {
    f: &'a Function,
    locs: Vec<Option<Loc>>,
    slot_off: Vec<i32>,
    spill_base: i32,
    out: MachineCode,
    span: Span,
    /// (instruction index, target block, whether a `gotol`) of jumps to patch.
    fixups: Vec<(usize, Block, bool)>,
    block_start: Vec<Option<usize>>,
    /// The block being emitted.
    cur: Block,
    /// Edges (from, to) too long for a 16-bit jump offset: they jump with `gotol`.
    long: &'a HashSet<(Block, Block)>,
    /// Where a jump to each block lands: past the blocks that emit nothing but a jump.
    forward: Vec<Block>,
    /// How many times each value is read.
    reads: Vec<u32>,
}

/// The second operand of a conditional jump.
#[derive(Clone, Copy)]
enum JmpRhs {
    Imm(i32),
    Reg(u8),
}

fn fits_i32(v: i64) -> bool {
    v >= i32::MIN as i64 && v <= i32::MAX as i64
}

impl Emitter<'_> {
    fn push(&mut self, insn: Insn) {
        self.out.insns.push(insn);
        self.out.spans.push(self.span);
    }

    fn push2(&mut self, insns: [Insn; 2]) {
        self.push(insns[0]);
        self.push(insns[1]);
    }

    fn loc(&self, v: Value) -> Loc {
        // Every used value got a location; a value that is only defined and never used may
        // still be written, so give it a harmless default.
        self.locs.get(v.as_u32() as usize).copied().flatten().unwrap_or(Loc::Reg(R1))
    }

    fn spill_off(&self, k: u32) -> i16 {
        (self.spill_base - 8 * (k as i32 + 1)) as i16
    }

    fn slot_addr(&self, slot: Slot, off: u32) -> i16 {
        (self.slot_off[slot.as_u32() as usize] + off as i32) as i16
    }

    /// Copies `v` into `reg`.
    fn load_into(&mut self, v: Value, reg: u8) {
        self.transfer(v, reg, true)
    }

    /// Moves between `reg` and `v`'s location: into `reg` when `load`, out of it otherwise.
    fn transfer(&mut self, v: Value, reg: u8, load: bool) {
        match self.loc(v) {
            Loc::Reg(r) if r == reg => {}
            Loc::Reg(r) => self.push(if load { Insn::mov64_reg(reg, r) } else { Insn::mov64_reg(r, reg) }),
            Loc::Spill(k) => {
                let off = self.spill_off(k);
                self.push(if load { Insn::ldx(Size::DW, reg, FP, off) } else { Insn::stx(Size::DW, FP, off, reg) })
            }
        }
    }

    /// A register holding `v` for reading only: its own register, or `scratch` filled from
    /// its spill slot.
    fn read_reg(&mut self, v: Value, scratch: u8) -> u8 {
        match self.loc(v) {
            Loc::Reg(r) => r,
            Loc::Spill(_) => {
                self.load_into(v, scratch);
                scratch
            }
        }
    }

    fn load_imm(&mut self, reg: u8, imm: i64) {
        if fits_i32(imm) {
            self.push(Insn::mov64_imm(reg, imm as i32));
        } else if imm as u64 <= u32::MAX as u64 {
            // A 32-bit move zeroes the upper half: one instruction for a u32 constant.
            self.push(Insn::alu32_imm(AluOp::Mov, reg, imm as u32 as i32));
        } else {
            self.push2(Insn::ld_imm64(reg, imm as u64));
        }
    }

    /// The register to compute `dst` in: its own register when it has one that no operand
    /// still needs (`avoid`), else the scratch r1.
    fn work_reg(&self, dst: Value, avoid: &[Value]) -> u8 {
        match self.loc(dst) {
            Loc::Reg(r) if !avoid.iter().any(|v| self.loc(*v) == Loc::Reg(r)) => r,
            _ => R1,
        }
    }

    /// Writes `reg` to `v`'s location.
    fn store_from(&mut self, v: Value, reg: u8) {
        self.transfer(v, reg, false)
    }

    fn inst(&mut self, inst: &Inst) {
        match inst {
            Inst::Iconst { dst, imm } => {
                let w = self.work_reg(*dst, &[]);
                self.load_imm(w, *imm as i64);
                self.store_from(*dst, w);
            }
            Inst::Copy { dst, src } if self.loc(*dst) == self.loc(*src) => {}
            Inst::Copy { dst, src } => {
                let r = self.read_reg(*src, R1);
                self.store_from(*dst, r);
            }
            Inst::Alu { dst, op, a, b, signed } => {
                let (w, b) = self.alu_operands(*dst, *op, *a, *b, !*signed);
                match b {
                    Operand::Imm(i) if fits_i32(i) && !*signed => {
                        self.push(Insn::alu64_imm(*op, w, i as i32));
                    }
                    Operand::Imm(i) => {
                        self.load_imm(R2, i);
                        self.alu_reg(*op, w, R2, *signed);
                    }
                    Operand::Val(bv) => {
                        let r = self.read_reg(bv, R2);
                        self.alu_reg(*op, w, r, *signed);
                    }
                }
                self.store_from(*dst, w);
            }
            Inst::Neg { dst, a } => {
                let w = self.work_reg(*dst, &[]);
                self.load_into(*a, w);
                self.push(Insn::alu64_imm(AluOp::Neg, w, 0));
                self.store_from(*dst, w);
            }
            Inst::Normalize { dst, src, bits, signed } => {
                let w = self.work_reg(*dst, &[]);
                self.load_into(*src, w);
                match (*bits, *signed) {
                    (64, _) => {}
                    (32, false) => self.push(Insn::alu32_reg(AluOp::Mov, w, w)),
                    (b, false) => self.push(Insn::alu64_imm(AluOp::And, w, ((1u64 << b) - 1) as i32)),
                    (b, true) => {
                        self.push(Insn::alu64_imm(AluOp::Lsh, w, 64 - b as i32));
                        self.push(Insn::alu64_imm(AluOp::Arsh, w, 64 - b as i32));
                    }
                }
                self.store_from(*dst, w);
            }
            Inst::Bswap { dst, src, bits } => {
                let w = self.work_reg(*dst, &[]);
                self.load_into(*src, w);
                self.push(Insn::to_be(w, *bits as i32));
                self.store_from(*dst, w);
            }
            Inst::LoadCtx { dst, off, size } => {
                let w = self.work_reg(*dst, &[]);
                self.push(Insn::ldx(*size, w, R6, *off));
                self.store_from(*dst, w);
            }
            Inst::StackLoad { dst, slot, off, size } => {
                let a = self.slot_addr(*slot, *off);
                let w = self.work_reg(*dst, &[]);
                self.push(Insn::ldx(*size, w, FP, a));
                self.store_from(*dst, w);
            }
            Inst::StackStore { slot, off, src, size } => {
                let a = self.slot_addr(*slot, *off);
                match src {
                    Operand::Imm(i) if fits_i32(*i) => self.push(Insn::st_imm(*size, FP, a, *i as i32)),
                    // A store of 4 bytes or fewer takes only the immediate's low bytes.
                    Operand::Imm(i) if size.bytes() <= 4 => self.push(Insn::st_imm(*size, FP, a, *i as u32 as i32)),
                    Operand::Imm(i) => {
                        self.load_imm(R1, *i);
                        self.push(Insn::stx(*size, FP, a, R1));
                    }
                    Operand::Val(v) => {
                        let r = self.read_reg(*v, R1);
                        self.push(Insn::stx(*size, FP, a, r));
                    }
                }
            }
            Inst::StackAddr { dst, slot, off } => {
                let a = self.slot_addr(*slot, *off);
                let w = self.work_reg(*dst, &[]);
                self.push(Insn::mov64_reg(w, FP));
                self.push(Insn::alu64_imm(AluOp::Add, w, a as i32));
                self.store_from(*dst, w);
            }
            Inst::PtrLoad { dst, ptr, off, size } => {
                let p = self.read_reg(*ptr, R2);
                let w = self.work_reg(*dst, &[]);
                self.push(Insn::ldx(*size, w, p, *off));
                self.store_from(*dst, w);
            }
            Inst::PtrStore { ptr, off, src, size } => {
                let p = self.read_reg(*ptr, R2);
                let s = self.read_reg(*src, R1);
                self.push(Insn::stx(*size, p, *off, s));
            }
            Inst::AtomicAdd { ptr, off, src, size } => {
                let p = self.read_reg(*ptr, R2);
                let s = self.read_reg(*src, R1);
                self.push(Insn::atomic_add(*size, p, *off, s));
            }
            Inst::Call { dst, helper, args } => {
                for (i, arg) in args.iter().enumerate() {
                    let reg = R1 + i as u8;
                    match arg {
                        Arg::Val(v) => self.load_into(*v, reg),
                        Arg::Imm(imm) => self.load_imm(reg, *imm),
                        Arg::Ctx => self.push(Insn::mov64_reg(reg, R6)),
                        Arg::Map(m) => {
                            let at = self.out.insns.len();
                            self.out.map_relocs.push((at, *m));
                            self.push2(Insn::ld_map(reg));
                        }
                        Arg::StackAddr(slot, off) => {
                            let a = self.slot_addr(*slot, *off);
                            self.push(Insn::mov64_reg(reg, FP));
                            self.push(Insn::alu64_imm(AluOp::Add, reg, a as i32));
                        }
                    }
                }
                self.push(Insn::call(*helper));
                if let Some(d) = dst {
                    self.store_from(*d, R0);
                }
            }
        }
    }

    /// `t = a op b; d = uext32 t`, where only the extension reads `t`, is one 32-bit operation
    /// into `d` (a 32-bit ALU operation zeroes the upper half), for the operations whose low 32
    /// bits depend only on their operands' low 32 bits. A constant operand then fits the
    /// instruction's 32-bit immediate whatever its upper bits. Returns whether it emitted.
    fn fused32(&mut self, inst: &Inst, next: &Inst) -> bool {
        let (Inst::Alu { dst: t, op, a, b, signed: false }, Inst::Normalize { dst: d, src, bits: 32, signed: false }) =
            (inst, next)
        else {
            return false;
        };
        let fits = match op {
            AluOp::Add | AluOp::Sub | AluOp::Mul | AluOp::And | AluOp::Or | AluOp::Xor => true,
            AluOp::Lsh => matches!(b, Operand::Imm(0..32)),
            _ => false,
        };
        if src != t || !fits || self.reads[t.as_u32() as usize] != 1 {
            return false;
        }
        let (w, b) = self.alu_operands(*d, *op, *a, *b, true);
        match b {
            Operand::Imm(i) => self.push(Insn::alu32_imm(*op, w, i as u32 as i32)),
            Operand::Val(bv) => {
                let r = self.read_reg(bv, R2);
                self.push(Insn::alu32_reg(*op, w, r));
            }
        }
        self.store_from(*d, w);
        true
    }

    /// The register `dst = a op b` is computed in, with `a` loaded into it, and the operand
    /// left to apply. `d = a op d` of a commutative op (when `may_swap`) is `d op= a`: no move
    /// into a scratch register.
    fn alu_operands(&mut self, dst: Value, op: AluOp, a: Value, b: Operand, may_swap: bool) -> (u8, Operand) {
        let commutative = matches!(op, AluOp::Add | AluOp::Mul | AluOp::And | AluOp::Or | AluOp::Xor);
        let (a, b) = match b {
            Operand::Val(bv) if may_swap && commutative && self.loc(bv) == self.loc(dst) && bv != a => {
                (bv, Operand::Val(a))
            }
            _ => (a, b),
        };
        let avoid: Vec<Value> = match b {
            Operand::Val(bv) => vec![bv],
            Operand::Imm(_) => vec![],
        };
        let w = self.work_reg(dst, &avoid);
        self.load_into(a, w);
        (w, b)
    }

    fn alu_reg(&mut self, op: AluOp, dst: u8, src: u8, signed: bool) {
        if signed {
            self.push(Insn::alu64_reg_signed(op, dst, src));
        } else {
            self.push(Insn::alu64_reg(op, dst, src));
        }
    }

    fn jump_to(&mut self, target: Block) {
        let at = self.out.insns.len();
        let long = self.long.contains(&(self.cur, target));
        self.push(if long { Insn::gotol(0) } else { Insn::ja(0) });
        self.fixups.push((at, target, long));
    }

    /// `if ra op rhs goto target`; a long edge becomes the inverted test over a `gotol`.
    fn cond_jump(&mut self, op: crate::bpf::JmpOp, ra: u8, rhs: JmpRhs, target: Block) {
        let mk = |op, off| match rhs {
            JmpRhs::Imm(i) => Insn::jmp_imm(op, ra, i, off),
            JmpRhs::Reg(r) => Insn::jmp_reg(op, ra, r, off),
        };
        if self.long.contains(&(self.cur, target)) {
            self.push(mk(op.invert(), 1));
            self.jump_to(target);
        } else {
            let at = self.out.insns.len();
            self.push(mk(op, 0));
            self.fixups.push((at, target, false));
        }
    }

    fn term(&mut self, term: &Term, next: Option<Block>) {
        match term {
            Term::None => {
                // Unterminated blocks are a lowering bug; returning keeps the verifier happy
                // and the test suite catches the wrong verdict.
                self.push(Insn::mov64_imm(R0, 1));
                self.push(Insn::exit());
            }
            Term::Jump(t) => {
                let t = self.forward[t.as_u32() as usize];
                if Some(t) != next {
                    self.jump_to(t);
                }
            }
            Term::Branch { then, els, .. }
                if self.forward[then.as_u32() as usize] == self.forward[els.as_u32() as usize] =>
            {
                self.term(&Term::Jump(*then), next)
            }
            Term::Branch { op, a, b, then, els } => {
                let (then, els) = (&self.forward[then.as_u32() as usize], &self.forward[els.as_u32() as usize]);
                let (op, taken, fall) =
                    if Some(*then) == next { (op.invert(), *els, *then) } else { (*op, *then, *els) };
                let ra = self.read_reg(*a, R1);
                let rhs = match b {
                    Operand::Imm(i) if fits_i32(*i) => JmpRhs::Imm(*i as i32),
                    Operand::Imm(i) => {
                        self.load_imm(R2, *i);
                        JmpRhs::Reg(R2)
                    }
                    Operand::Val(bv) => JmpRhs::Reg(self.read_reg(*bv, R2)),
                };
                self.cond_jump(op, ra, rhs, taken);
                if Some(fall) != next {
                    self.jump_to(fall);
                }
            }
            // The next block is this same `return K` alone: fall into it.
            Term::Return(Operand::Imm(i))
                if next.is_some_and(|n| {
                    let d = &self.f.blocks[n];
                    d.insts.is_empty() && d.term == Term::Return(Operand::Imm(*i))
                }) => {}
            Term::Return(o) => {
                match o {
                    Operand::Imm(i) => self.load_imm(R0, *i),
                    Operand::Val(v) => self.load_into(*v, R0),
                }
                self.push(Insn::exit());
            }
        }
    }
}

/// How many instructions the kernel verifier may walk, at most, before it gives up.
pub const VERIFIER_LIMIT: u64 = crate::cost::VERIFIER_LIMIT;

/// Refuses a program the verifier would give up on, by the estimate of `cost.rs`: more than
/// 80% of its instruction limit walked, or more than its 8192 branches pending at once.
fn check_verifier_cost(f: &Function, order: &[Block], starts: &[Option<usize>], end: usize) -> Result<(), Diagnostic> {
    let mut lens = vec![0u64; order.len()];
    let mut next = end;
    for (i, &b) in order.iter().enumerate().rev() {
        if let Some(start) = starts[b.as_u32() as usize] {
            lens[i] = (next - start) as u64;
            next = start;
        }
    }
    let cost = crate::cost::estimate(f, order, &lens);
    let total = cost.walk;
    let heaviest =
        cost.per_loop.iter().enumerate().filter(|(_, c)| **c > 0).max_by_key(|(_, c)| **c).map(|(i, _)| f.loops[i]);
    if total > crate::cost::WALK_BUDGET {
        let shown =
            if total == u64::MAX { "more than 18446744073709551615".to_string() } else { format!("about {total}") };
        let d = rsteer_lang::errors::verifier_cost(format!(
            "`{}` would make the kernel verifier walk {shown} instructions",
            f.name
        ))
        .with_note(format!("the verifier follows every round of a bounded loop and every path whose values differ, and gives up after {VERIFIER_LIMIT}"));
        let widest = cost.widest.filter(|(_, n)| *n > 64).map(|(b, n)| (f.blocks[b].term_span, n));
        let chained = cost.chained > total / 2;
        return Err(match (heaviest, widest) {
            (None, None) if chained => d
                .with_primary(f.span, "this program tests one value against many constants, one `if` after another")
                .with_help("test many values with one `match` (a decision tree), not a chain of `if`s"),
            (Some(span), _) => d
                .with_primary(span, "this loop runs too many rounds for the verifier")
                .with_help("loop fewer times (nested loops multiply), or move work out of the loop body"),
            (None, Some((span, n))) => d
                .with_primary(span, format!("about {n} paths with different values meet here"))
                .with_help("write `if c { x += k }` forms (they compile without a branch), or keep fewer values apart across branches"),
            (None, None) => d
                .with_primary(f.span, "this program is too long for the verifier")
                .with_help("split the work between entries"),
        });
    }
    if cost.pending > crate::cost::PENDING_LIMIT {
        let d = rsteer_lang::errors::verifier_cost(format!(
            "`{}` would leave about {} branches pending in the kernel verifier at once",
            f.name, cost.pending
        ))
        .with_note(format!(
            "the verifier keeps a state for each branch it has not followed yet, at most {}",
            crate::cost::PENDING_LIMIT
        ))
        .with_help("test many values with one `match` (a decision tree), not a chain of `if`s");
        return Err(match heaviest {
            Some(span) => d.with_primary(span, "this loop's branches pile up"),
            None => d.with_primary(f.span, "this program's branches pile up"),
        });
    }
    Ok(())
}

/// The frame offset of every slot, and the lowest offset used.
///
/// A slot lives from its first to its last reference in layout order, stretched over every
/// loop it is referenced in (a back edge carries its content to the next iteration). Slots
/// whose lifetimes overlap get disjoint bytes; the others may share, first fit.
fn layout_slots(f: &Function, order: &[Block]) -> (Vec<i32>, i32) {
    let n = f.slots.len();
    let mut start = vec![u32::MAX; n];
    let mut end = vec![0u32; n];
    let mut block_pos = vec![(0u32, 0u32); f.blocks.len()];
    // Pointers made from a slot's address keep the slot alive wherever they are used.
    let (derived, _) = crate::opt::slot_pointers(f);
    let mut pos = 0u32;
    for &b in order {
        let first = pos;
        for (inst, _) in &f.blocks[b].insts {
            pos += 1;
            let through_ptr = inst.uses().into_iter().filter_map(|v| derived.get(&v).copied());
            for slot in inst_slots(inst).into_iter().chain(through_ptr) {
                let i = slot.as_u32() as usize;
                start[i] = start[i].min(pos);
                end[i] = end[i].max(pos);
            }
        }
        pos += 1;
        block_pos[b.as_u32() as usize] = (first, pos);
    }
    // Back edges: a successor laid out at or before its predecessor.
    let mut at = vec![usize::MAX; f.blocks.len()];
    for (i, b) in order.iter().enumerate() {
        at[b.as_u32() as usize] = i;
    }
    let mut loops = Vec::new();
    for (i, &b) in order.iter().enumerate() {
        for s in f.succs(b) {
            let (hs, _) = block_pos[s.as_u32() as usize];
            let (_, be) = block_pos[b.as_u32() as usize];
            if hs <= be && at[s.as_u32() as usize] <= i {
                loops.push((hs, be));
            }
        }
    }
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..n {
            if start[i] == u32::MAX {
                continue;
            }
            for &(ls, le) in &loops {
                if start[i] <= le && end[i] >= ls && (start[i] > ls || end[i] < le) {
                    start[i] = start[i].min(ls);
                    end[i] = end[i].max(le);
                    changed = true;
                }
            }
        }
    }
    let mut by_start: Vec<usize> = (0..n).collect();
    by_start.sort_by_key(|&i| (start[i], i));
    // (offset from the frame top, size, start, end) of the slots placed so far.
    let mut placed: Vec<(u32, u32, u32, u32)> = Vec::new();
    let mut offsets = vec![0i32; n];
    let mut depth = 0u32;
    for i in by_start {
        let size = f.slots[crate::ir::Slot::from_u32(i as u32)].size.div_ceil(8) * 8;
        if start[i] == u32::MAX {
            // Never referenced: it needs no memory.
            offsets[i] = -(size as i32);
            continue;
        }
        let mut off = 0u32;
        loop {
            let clash =
                placed.iter().find(|(o, sz, s, e)| *s <= end[i] && start[i] <= *e && off < o + sz && *o < off + size);
            match clash {
                Some((o, sz, _, _)) => off = o + sz,
                None => break,
            }
        }
        placed.push((off, size, start[i], end[i]));
        depth = depth.max(off + size);
        offsets[i] = -((off + size) as i32);
    }
    (offsets, -(depth as i32))
}

/// The slots an instruction refers to.
fn inst_slots(inst: &Inst) -> Vec<Slot> {
    match inst {
        Inst::StackLoad { slot, .. } | Inst::StackStore { slot, .. } | Inst::StackAddr { slot, .. } => vec![*slot],
        Inst::Call { args, .. } => args
            .iter()
            .filter_map(|a| match a {
                Arg::StackAddr(s, _) => Some(*s),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// Allocates registers and emits the function. Errors (a frame over 512 bytes, a jump too
/// far) are diagnostics at the function.
pub fn emit(f: &Function) -> Result<MachineCode, Diagnostic> {
    let order = f.reverse_postorder();
    let alloc = allocate(f, &order);
    // Slots share frame space when their lifetimes do not overlap; spills go below them.
    let (slot_off, top) = layout_slots(f, &order);
    let spill_base = top;
    let stack_size = (-top) as u32 + 8 * alloc.spill_slots;
    if stack_size > STACK_LIMIT {
        return Err(rsteer_lang::errors::stack_too_large(format!(
            "`{}` needs {stack_size} bytes of stack; BPF allows {STACK_LIMIT}",
            f.name
        ))
        .with_primary(f.span, "this function's frame is too large")
        .with_help("use fewer or smaller arrays and locals, or split work across maps"));
    }
    // Jumps whose target lies beyond a 16-bit offset become `gotol`s; that makes the code
    // longer, so emit again until every remaining short jump reaches.
    let mut long: HashSet<(Block, Block)> = HashSet::new();
    loop {
        let (code, too_far) = emit_with(f, &order, &alloc, &slot_off, spill_base, stack_size, &long)?;
        if too_far.is_empty() {
            return Ok(code);
        }
        long.extend(too_far);
    }
}

/// The most instructions the verifier turns one `sk_reuseport_md` load into.
const KERNEL_CTX_EXPANSION: i64 = 4;

/// Jumps longer than this become `gotol`s once any jump is out of 16-bit reach.
const LONG_MARGIN: i64 = 24_000;

/// One emission with the edges in `long` as `gotol`s: the code, and the short edges that did
/// not reach (none when the code is final).
fn emit_with(
    f: &Function,
    order: &[Block],
    alloc: &crate::regalloc::Allocation,
    slot_off: &[i32],
    spill_base: i32,
    stack_size: u32,
    long: &HashSet<(Block, Block)>,
) -> Result<(MachineCode, Vec<(Block, Block)>), Diagnostic> {
    // A block whose instructions all vanish (copies within one location) and that jumps on
    // is not emitted: jumps to it go where it goes.
    let empty = |b: Block| -> Option<Block> {
        let d = &f.blocks[b];
        let Term::Jump(t) = d.term else { return None };
        let vanish = d.insts.iter().all(|(inst, _)| {
            matches!(inst, Inst::Copy { dst, src } if alloc.locs[dst.as_u32() as usize] == alloc.locs[src.as_u32() as usize])
        });
        (vanish && b != f.entry && t != b).then_some(t)
    };
    let mut forward: Vec<Block> = f.blocks.keys().collect();
    for &b in order {
        // Only a chain that ends at a block that is emitted (a loop of empty blocks keeps its
        // blocks).
        let mut t = b;
        for _ in 0..16 {
            match empty(t) {
                Some(n) => t = n,
                None => {
                    forward[b.as_u32() as usize] = t;
                    break;
                }
            }
        }
    }
    let emitted: Vec<Block> = order.iter().copied().filter(|b| forward[b.as_u32() as usize] == *b).collect();
    let all = order;
    let order = &emitted[..];
    let mut e = Emitter {
        f,
        locs: alloc.locs.clone(),
        slot_off: slot_off.to_vec(),
        spill_base,
        out: MachineCode { stack_size, ..Default::default() },
        span: f.span,
        fixups: vec![],
        block_start: vec![None; f.blocks.len()],
        cur: f.entry,
        long,
        forward,
        reads: {
            let mut n = vec![0u32; f.num_values as usize];
            for &b in all {
                let d = &f.blocks[b];
                for v in d.insts.iter().flat_map(|(i, _)| i.uses()).chain(d.term.uses()) {
                    n[v.as_u32() as usize] += 1;
                }
            }
            n
        },
    };
    // The context arrives in r1, which the first helper call clobbers: keep it in r6.
    e.push(Insn::mov64_reg(R6, R1));
    let helper_writes_stack = f.blocks.values().flat_map(|b| &b.insts).any(|(inst, _)| {
        matches!(inst, Inst::Call { helper, .. }
            if *helper == rsteer_bpf::helper::SKB_LOAD_BYTES || *helper == rsteer_bpf::helper::SKB_LOAD_BYTES_RELATIVE)
    });
    if stack_size > 0 && helper_writes_stack {
        // Touch the deepest stack word first. Linux 6.18's verifier reports "verifier bug:
        // stack slot N, total slots 0" and refuses a program when a state it keeps for pruning
        // was saved before the frame had grown and a later read of a slot written by a helper
        // (`bpf_skb_load_bytes`) is propagated back to it; a frame of full size from the
        // first instruction never has that gap.
        let deepest = -(stack_size.div_ceil(8) as i16 * 8);
        e.push(Insn::st_imm(Size::DW, FP, deepest, 0));
    }
    // The block each instruction belongs to, to name a jump's edge.
    let mut owner: Vec<Block> = vec![f.entry];
    for (i, &b) in order.iter().enumerate() {
        e.cur = b;
        e.block_start[b.as_u32() as usize] = Some(e.out.insns.len());
        let data = &e.f.blocks[b];
        let mut k = 0;
        while k < data.insts.len() {
            let (inst, span) = &data.insts[k];
            e.span = *span;
            if data.insts.get(k + 1).is_some_and(|(next, _)| e.fused32(inst, next)) {
                k += 2;
                continue;
            }
            e.inst(inst);
            k += 1;
        }
        e.span = data.term_span;
        let next = order.get(i + 1).copied();
        e.term(&data.term, next);
        owner.resize(e.out.insns.len(), b);
    }
    check_verifier_cost(f, all, &e.block_start, e.out.insns.len())?;
    let fixups = std::mem::take(&mut e.fixups);
    let reach = |off: i64, limit: i64| -> bool { (-limit - 1..=limit).contains(&off) };
    let dest = |at: usize, target: Block| e.block_start[target.as_u32() as usize].unwrap_or(at + 1);
    let offset = |at: usize, target: Block| dest(at, target) as i64 - (at as i64 + 1);
    // The verifier rewrites each context load into up to KERNEL_CTX_EXPANSION instructions
    // and refuses a jump whose offset then leaves 16 bits: measure distances as it will.
    let mut grown = vec![0i64; e.out.insns.len() + 1];
    for (i, insn) in e.out.insns.iter().enumerate() {
        let ctx_load = insn.class() == crate::bpf::BPF_LDX && insn.src == R6;
        grown[i + 1] = grown[i] + if ctx_load { KERNEL_CTX_EXPANSION } else { 1 };
    }
    let offset_grown = |at: usize, target: Block| grown[dest(at, target)] - grown[at + 1];
    if fixups.iter().any(|&(at, t, long)| !long && !reach(offset_grown(at, t), i16::MAX as i64)) {
        // Every edge near the limit becomes long at once, so that the code the new `gotol`s
        // add rarely pushes another edge over and the emission settles in one more round.
        let near = |&&(at, t, long): &&(usize, Block, bool)| !long && !reach(offset_grown(at, t), LONG_MARGIN);
        return Ok((e.out, fixups.iter().filter(near).map(|&(at, t, _)| (owner[at], t)).collect()));
    }
    for (at, target, long) in fixups {
        let off = offset(at, target);
        if long {
            e.out.insns[at].imm = off as i32;
        } else {
            e.out.insns[at].off = off as i16;
        }
    }
    Ok((e.out, vec![]))
}
