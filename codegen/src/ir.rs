//! The intermediate representation between the typed HIR and BPF.
//!
//! A function is a control-flow graph of [`Block`]s held in cranelift-entity arenas. Each
//! block is a list of instructions ending in one terminator. Instructions work on virtual
//! registers ([`Value`]s, 64 bits wide) and on stack slots ([`Slot`]s) for aggregates and
//! helper buffers. A `Value` may be assigned in several blocks — like a cranelift-frontend
//! `Variable` before SSA construction — which is how locals, `if` results and loop counters
//! flow between blocks; the register allocator computes liveness over the CFG, so this is
//! safe. Narrow integers live in values normalised to 64 bits: zero-extended when unsigned,
//! sign-extended when signed ([`Inst::Normalize`] restores that after arithmetic).
//!
//! The IR prints as text (`v3 = add v1, 7`), which is what `--dump ir` shows and what golden
//! tests compare.

use crate::bpf::{AluOp, JmpOp, Size};
use cranelift_entity::{entity_impl, PrimaryMap};
use rsteer_lang::Span;
use std::fmt::{self, Write};

/// A virtual register.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(u32);
entity_impl!(Value, "v");

/// A basic block.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block(u32);
entity_impl!(Block, "block");

/// A stack slot: a buffer of `size` bytes in the BPF frame.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(u32);
entity_impl!(Slot, "ss");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Val(Value),
    Imm(i64),
}

/// An argument of a helper call: loaded into r1..r5 just before the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    Val(Value),
    Imm(i64),
    /// The program's context pointer (kept in r6).
    Ctx,
    /// The address of map number `n` of the object (an `ld_imm64` relocated by the loader).
    Map(u32),
    /// The address of a stack slot plus a byte offset.
    StackAddr(Slot, u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inst {
    /// `dst = imm`
    Iconst { dst: Value, imm: u64 },
    /// `dst = src`
    Copy { dst: Value, src: Value },
    /// `dst = a op b` on 64 bits; `signed` selects sdiv/smod (BPF v4).
    Alu { dst: Value, op: AluOp, a: Value, b: Operand, signed: bool },
    /// `dst = -a`
    Neg { dst: Value, a: Value },
    /// Truncate `src` to `bits` and extend back to 64 (zero or sign).
    Normalize { dst: Value, src: Value, bits: u8, signed: bool },
    /// Byte swap of the low `bits` to big endian, zero-extended.
    Bswap { dst: Value, src: Value, bits: u8 },
    /// `dst = *(size *)(ctx + off)`
    LoadCtx { dst: Value, off: i16, size: Size },
    /// `dst = *(size *)(slot + off)`
    StackLoad { dst: Value, slot: Slot, off: u32, size: Size },
    /// `*(size *)(slot + off) = src`
    StackStore { slot: Slot, off: u32, src: Operand, size: Size },
    /// `dst = &slot + off` (a stack pointer, for runtime-indexed access).
    StackAddr { dst: Value, slot: Slot, off: u32 },
    /// `dst = *(size *)(ptr + off)` where `ptr` is a map value or stack pointer.
    PtrLoad { dst: Value, ptr: Value, off: i16, size: Size },
    /// `*(size *)(ptr + off) = src`
    PtrStore { ptr: Value, off: i16, src: Value, size: Size },
    /// `lock *(size *)(ptr + off) += src`
    AtomicAdd { ptr: Value, off: i16, src: Value, size: Size },
    /// Call helper `helper` with `args` in r1..; the result (r0) goes to `dst`.
    Call { dst: Option<Value>, helper: i32, args: Vec<Arg> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// Not terminated yet (only while building).
    None,
    Jump(Block),
    /// `if a op b goto then else goto els` (64-bit compare).
    Branch {
        op: JmpOp,
        a: Value,
        b: Operand,
        then: Block,
        els: Block,
    },
    /// Return from the program with r0 = the operand.
    Return(Operand),
}

#[derive(Clone, Debug)]
pub struct BlockData {
    pub insts: Vec<(Inst, Span)>,
    pub term: Term,
    pub term_span: Span,
    /// How many times the block may run: the product of its enclosing loops' trip bounds.
    pub weight: u64,
    /// The outermost loop the block is in, as an index into [`Function::loops`].
    pub in_loop: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct SlotData {
    pub size: u32,
    /// What the slot holds, for dumps (`local x`, `key buffer`).
    pub what: String,
}

/// One BPF program in IR form.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub blocks: PrimaryMap<Block, BlockData>,
    pub slots: PrimaryMap<Slot, SlotData>,
    pub num_values: u32,
    pub entry: Block,
    pub span: Span,
    /// The spans of the outermost `for` loops, for diagnostics about verifier cost.
    pub loops: Vec<Span>,
    /// The maps (by object number) whose keys the verifier tracks exactly (`Array`,
    /// `PerCpuArray`: it resolves their lookups by a constant key), for the cost model.
    pub exact_key_maps: Vec<u32>,
    /// The headers of loops `unroll_loops` kept rolled: a later round does not try them again
    /// until it unrolls another loop (which renumbers the blocks).
    pub unroll_refused: Vec<Block>,
}

impl Function {
    pub fn new(name: &str, span: Span) -> Function {
        let mut blocks = PrimaryMap::new();
        let entry =
            blocks.push(BlockData { insts: vec![], term: Term::None, term_span: span, weight: 1, in_loop: None });
        Function {
            name: name.to_string(),
            blocks,
            slots: PrimaryMap::new(),
            num_values: 0,
            entry,
            span,
            loops: vec![],
            exact_key_maps: vec![],
            unroll_refused: vec![],
        }
    }

    pub fn new_value(&mut self) -> Value {
        let v = Value::from_u32(self.num_values);
        self.num_values += 1;
        v
    }

    pub fn new_block(&mut self, span: Span) -> Block {
        self.blocks.push(BlockData { insts: vec![], term: Term::None, term_span: span, weight: 1, in_loop: None })
    }

    pub fn new_slot(&mut self, size: u32, what: impl Into<String>) -> Slot {
        self.slots.push(SlotData { size: size.max(1), what: what.into() })
    }

    /// Successors of a block, in branch order.
    pub fn succs(&self, b: Block) -> Few<Block, 2> {
        match &self.blocks[b].term {
            Term::Jump(t) => Few::one(*t),
            Term::Branch { then, els, .. } => Few::two(*then, *els),
            _ => Few::none(),
        }
    }

    /// The predecessors of each block among `blocks`, in the order `blocks` come; a block
    /// whose branch has one target twice is listed twice there, one after the other.
    pub fn predecessors(&self, blocks: impl IntoIterator<Item = Block>) -> foldhash::HashMap<Block, Vec<Block>> {
        let mut preds: foldhash::HashMap<Block, Vec<Block>> = foldhash::HashMap::default();
        for b in blocks {
            for s in self.succs(b) {
                preds.entry(s).or_default().push(b);
            }
        }
        preds
    }

    /// Blocks reachable from the entry, in reverse post-order (the layout order).
    pub fn reverse_postorder(&self) -> Vec<Block> {
        let mut seen = vec![false; self.blocks.len()];
        let mut post = Vec::new();
        // Iterative DFS keeps deep CFGs (long match chains) off the Rust stack.
        let mut stack: Vec<(Block, usize)> = vec![(self.entry, 0)];
        seen[self.entry.as_u32() as usize] = true;
        while let Some((b, i)) = stack.pop() {
            let succs = self.succs(b);
            if i < succs.len() {
                stack.push((b, i + 1));
                let s = succs[i];
                if !seen[s.as_u32() as usize] {
                    seen[s.as_u32() as usize] = true;
                    stack.push((s, 0));
                }
            } else {
                post.push(b);
            }
        }
        post.reverse();
        post
    }
}

/// The one list of which instruction writes which field, shared by [`Inst::def`] and
/// [`Inst::def_mut`]: `$d` binds the `dst` of the instructions that always write, `$call`
/// the optional `dst` of a call.
macro_rules! match_def {
    ($inst:expr, $d:ident => $some:expr, $call:ident => $call_e:expr) => {
        match $inst {
            Inst::Iconst { dst: $d, .. }
            | Inst::Copy { dst: $d, .. }
            | Inst::Alu { dst: $d, .. }
            | Inst::Neg { dst: $d, .. }
            | Inst::Normalize { dst: $d, .. }
            | Inst::Bswap { dst: $d, .. }
            | Inst::LoadCtx { dst: $d, .. }
            | Inst::StackLoad { dst: $d, .. }
            | Inst::StackAddr { dst: $d, .. }
            | Inst::PtrLoad { dst: $d, .. } => $some,
            Inst::Call { dst: $call, .. } => $call_e,
            Inst::StackStore { .. } | Inst::PtrStore { .. } | Inst::AtomicAdd { .. } => None,
        }
    };
}

impl Inst {
    /// The values this instruction reads.
    pub fn uses(&self) -> Few<Value, 5> {
        let op = |o: &Operand| match o {
            Operand::Val(v) => Few::one(*v),
            Operand::Imm(_) => Few::none(),
        };
        match self {
            Inst::Iconst { .. } | Inst::LoadCtx { .. } | Inst::StackLoad { .. } | Inst::StackAddr { .. } => Few::none(),
            Inst::Copy { src, .. } => Few::one(*src),
            Inst::Alu { a, b, .. } => {
                let mut u = op(b);
                u.push_front(*a);
                u
            }
            Inst::Neg { a, .. } => Few::one(*a),
            Inst::Normalize { src, .. } | Inst::Bswap { src, .. } => Few::one(*src),
            Inst::StackStore { src, .. } => op(src),
            Inst::PtrLoad { ptr, .. } => Few::one(*ptr),
            Inst::PtrStore { ptr, src, .. } | Inst::AtomicAdd { ptr, src, .. } => Few::two(*ptr, *src),
            Inst::Call { args, .. } => {
                let mut u = Few::none();
                for a in args {
                    if let Arg::Val(v) = a {
                        u.push(*v);
                    }
                }
                u
            }
        }
    }

    /// The value this instruction writes, if any.
    pub fn def(&self) -> Option<Value> {
        match_def!(self, d => Some(*d), call => *call)
    }

    /// The value this instruction writes, for rewriting (the same cases as [`Inst::def`]).
    pub fn def_mut(&mut self) -> Option<&mut Value> {
        match_def!(self, d => Some(d), call => call.as_mut())
    }

    /// Rewrites every value this instruction reads with `map` (the same operands as
    /// [`Inst::uses`]).
    pub fn map_uses(&mut self, map: &impl Fn(Value) -> Value) {
        let op = |o: &mut Operand| {
            if let Operand::Val(v) = o {
                *v = map(*v);
            }
        };
        match self {
            Inst::Iconst { .. } | Inst::LoadCtx { .. } | Inst::StackLoad { .. } | Inst::StackAddr { .. } => {}
            Inst::Copy { src, .. } | Inst::Normalize { src, .. } | Inst::Bswap { src, .. } => *src = map(*src),
            Inst::Alu { a, b, .. } => {
                *a = map(*a);
                op(b);
            }
            Inst::Neg { a, .. } => *a = map(*a),
            Inst::StackStore { src, .. } => op(src),
            Inst::PtrLoad { ptr, .. } => *ptr = map(*ptr),
            Inst::PtrStore { ptr, src, .. } | Inst::AtomicAdd { ptr, src, .. } => {
                *ptr = map(*ptr);
                *src = map(*src);
            }
            Inst::Call { args, .. } => {
                for a in args.iter_mut() {
                    if let Arg::Val(v) = a {
                        *v = map(*v);
                    }
                }
            }
        }
    }
}

impl Term {
    pub fn uses(&self) -> Few<Value, 2> {
        match self {
            Term::Branch { a, b: Operand::Val(b), .. } => Few::two(*a, *b),
            Term::Branch { a, .. } | Term::Return(Operand::Val(a)) => Few::one(*a),
            _ => Few::none(),
        }
    }
}

/// At most `N` values held inline: what an instruction reads, a block's successors. These
/// are asked for in every pass, so they are not allocated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Few<T: Copy, const N: usize> {
    items: [Option<T>; N],
    len: u8,
}

impl<T: Copy, const N: usize> Few<T, N> {
    pub fn none() -> Self {
        Few { items: [None; N], len: 0 }
    }
    pub fn one(a: T) -> Self {
        let mut f = Self::none();
        f.push(a);
        f
    }
    pub fn two(a: T, b: T) -> Self {
        let mut f = Self::one(a);
        f.push(b);
        f
    }
    pub fn push(&mut self, x: T) {
        self.items[self.len as usize] = Some(x);
        self.len += 1;
    }
    fn push_front(&mut self, x: T) {
        self.items.copy_within(0..self.len as usize, 1);
        self.items[0] = Some(x);
        self.len += 1;
    }
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn contains(&self, x: &T) -> bool
    where
        T: PartialEq,
    {
        self.iter().any(|y| y == x)
    }
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.items[..self.len as usize].iter().map(|x| x.as_ref().expect("within len"))
    }
}

impl<T: Copy, const N: usize> std::ops::Index<usize> for Few<T, N> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        assert!(i < self.len as usize, "index {i} of {}", self.len);
        self.items[i].as_ref().expect("within len")
    }
}

impl<T: Copy, const N: usize> IntoIterator for Few<T, N> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::array::IntoIter<Option<T>, N>>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter().flatten()
    }
}

impl<T: Copy + fmt::Debug, const N: usize> fmt::Debug for Few<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A pointer and offset as the IR prints them: `[v3+8]`, `[v3-1]`.
struct At(Value, i16);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1 < 0 {
            write!(f, "[{}{}]", self.0, self.1)
        } else {
            write!(f, "[{}+{}]", self.0, self.1)
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Val(v) => write!(f, "{v}"),
            Operand::Imm(i) => write!(f, "{i}"),
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Val(v) => write!(f, "{v}"),
            Arg::Imm(i) => write!(f, "{i}"),
            Arg::Ctx => write!(f, "ctx"),
            Arg::Map(m) => write!(f, "map{m}"),
            Arg::StackAddr(s, 0) => write!(f, "&{s}"),
            Arg::StackAddr(s, o) => write!(f, "&{s}+{o}"),
        }
    }
}

pub(crate) fn alu_name(op: AluOp, signed: bool) -> &'static str {
    match (op, signed) {
        (AluOp::Add, _) => "add",
        (AluOp::Sub, _) => "sub",
        (AluOp::Mul, _) => "mul",
        (AluOp::Div, false) => "udiv",
        (AluOp::Div, true) => "sdiv",
        (AluOp::Mod, false) => "urem",
        (AluOp::Mod, true) => "srem",
        (AluOp::Or, _) => "or",
        (AluOp::And, _) => "and",
        (AluOp::Xor, _) => "xor",
        (AluOp::Lsh, _) => "shl",
        (AluOp::Rsh, _) => "ushr",
        (AluOp::Arsh, _) => "sshr",
        _ => "alu?",
    }
}

pub(crate) fn jmp_name(op: JmpOp) -> &'static str {
    match op {
        JmpOp::Jeq => "eq",
        JmpOp::Jne => "ne",
        JmpOp::Jgt => "ugt",
        JmpOp::Jge => "uge",
        JmpOp::Jlt => "ult",
        JmpOp::Jle => "ule",
        JmpOp::Jsgt => "sgt",
        JmpOp::Jsge => "sge",
        JmpOp::Jslt => "slt",
        JmpOp::Jsle => "sle",
        JmpOp::Jset => "set",
        _ => "?",
    }
}

pub(crate) fn size_name(s: Size) -> &'static str {
    match s {
        Size::B => "u8",
        Size::H => "u16",
        Size::W => "u32",
        Size::DW => "u64",
    }
}

impl fmt::Display for Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inst::Iconst { dst, imm } => write!(f, "{dst} = iconst {}", *imm as i64),
            Inst::Copy { dst, src } => write!(f, "{dst} = copy {src}"),
            Inst::Alu { dst, op, a, b, signed } => write!(f, "{dst} = {} {a}, {b}", alu_name(*op, *signed)),
            Inst::Neg { dst, a } => write!(f, "{dst} = neg {a}"),
            Inst::Normalize { dst, src, bits, signed } => {
                write!(f, "{dst} = {}ext{bits} {src}", if *signed { "s" } else { "u" })
            }
            Inst::Bswap { dst, src, bits } => write!(f, "{dst} = be{bits} {src}"),
            Inst::LoadCtx { dst, off, size } => write!(f, "{dst} = load.{} ctx+{off}", size_name(*size)),
            Inst::StackLoad { dst, slot, off, size } => {
                write!(f, "{dst} = load.{} {slot}+{off}", size_name(*size))
            }
            Inst::StackStore { slot, off, src, size } => {
                write!(f, "store.{} {slot}+{off}, {src}", size_name(*size))
            }
            Inst::StackAddr { dst, slot, off } => write!(f, "{dst} = addr {slot}+{off}"),
            Inst::PtrLoad { dst, ptr, off, size } => write!(f, "{dst} = load.{} {}", size_name(*size), At(*ptr, *off)),
            Inst::PtrStore { ptr, off, src, size } => write!(f, "store.{} {}, {src}", size_name(*size), At(*ptr, *off)),
            Inst::AtomicAdd { ptr, off, src, size } => {
                write!(f, "atomic_add.{} {}, {src}", size_name(*size), At(*ptr, *off))
            }
            Inst::Call { dst, helper, args } => {
                if let Some(d) = dst {
                    write!(f, "{d} = ")?;
                }
                let name = crate::bpf::helper::name(*helper).unwrap_or("helper");
                write!(f, "call {name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                }
                write!(f, ")")
            }
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "function {} {{", self.name)?;
        for (slot, data) in self.slots.iter() {
            writeln!(f, "    {slot} = slot {} ; {}", data.size, data.what)?;
        }
        for b in self.reverse_postorder() {
            let data = &self.blocks[b];
            writeln!(f, "{b}:")?;
            for (inst, _) in &data.insts {
                writeln!(f, "    {inst}")?;
            }
            let mut t = String::new();
            match &data.term {
                Term::None => t.push_str("<unterminated>"),
                Term::Jump(to) => write!(t, "jump {to}")?,
                Term::Branch { op, a, b, then, els } => write!(t, "br {} {a}, {b}, {then}, {els}", jmp_name(*op))?,
                Term::Return(o) => write!(t, "return {o}")?,
            }
            writeln!(f, "    {t}")?;
        }
        writeln!(f, "}}")
    }
}
