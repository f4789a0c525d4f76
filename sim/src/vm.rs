//! The interpreter proper: registers holding scalars or tagged pointers, the 512-byte frame,
//! the context, the helpers.

use crate::maps::{Maps, Store, ENOENT};
use crate::packet::{SimPacket, DEFAULT_MIGRATING_COOKIE};
use crate::{Outcome, RunOptions, Selection, SimError, SimErrorKind, Verdict};
use rsteer_bpf::ctx as md;
use rsteer_bpf::eval::{self, Width};
use rsteer_bpf::insn::{self as bpf, AluOp, Insn, JmpOp};
use rsteer_bpf::{helper, SK_PASS};
use rsteer_codegen::bpf::disasm_one;
use rsteer_codegen::CompiledProgram;
use std::fmt;

/// `-EFAULT`, what the load-bytes helpers return on failure.
const EFAULT: i64 = -14;
/// The BPF frame size.
const STACK: usize = rsteer_bpf::STACK_SIZE as usize;
/// Size of `struct sk_reuseport_md`.
const CTX_SIZE: i64 = md::SIZE as i64;
/// Trace lines kept at most.
const TRACE_LIMIT: usize = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SockRole {
    Sk,
    Migrating,
}

/// What a pointer points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    /// The frame; offsets are relative to r10 (valid: -512..0).
    Stack,
    /// `struct sk_reuseport_md`.
    Ctx,
    /// The packet from the L4 header (`ctx->data`).
    Packet,
    /// A map itself (`ld_imm64` of a map): only for passing to helpers.
    Map(u32),
    /// One value of a map.
    Value { map: u32, cpu: u32, elem: u32 },
    /// `ctx->sk` or `ctx->migrating_sk`.
    Sock(SockRole),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ptr {
    region: Region,
    off: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    Scalar(u64),
    Ptr(Ptr),
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Scalar(v) => write!(f, "{v:#x}"),
            Val::Ptr(p) => {
                match p.region {
                    Region::Stack => write!(f, "fp")?,
                    Region::Ctx => write!(f, "ctx")?,
                    Region::Packet => write!(f, "pkt")?,
                    Region::Map(m) => write!(f, "map#{m}")?,
                    Region::Value { map, cpu, elem } => write!(f, "value(map#{map} cpu{cpu} #{elem})")?,
                    Region::Sock(SockRole::Sk) => write!(f, "sk")?,
                    Region::Sock(SockRole::Migrating) => write!(f, "migrating_sk")?,
                }
                if p.off != 0 {
                    write!(f, "{:+}", p.off)?;
                }
                Ok(())
            }
        }
    }
}

pub(crate) struct Vm<'a> {
    insns: &'a [Insn],
    /// The map each `ld_imm64` slot loads, by instruction slot.
    map_at: Vec<Option<u32>>,
    map_names: Vec<String>,
    maps: &'a mut Maps,
    pkt: &'a SimPacket,
    opts: &'a RunOptions,
    regs: [Option<Val>; 11],
    stack: [u8; STACK],
    init: [bool; STACK],
    /// Pointers spilled to 8-byte aligned stack slots.
    spill: [Option<Ptr>; STACK / 8],
    ctx: [u8; CTX_SIZE as usize],
    l4: Vec<u8>,
    /// How many bytes of `l4` are in the linear part (`data_end - data`).
    linear: usize,
    net: Vec<u8>,
    migrating_cookie: Option<u64>,
    selected: Option<Selection>,
    random: u32,
    random_calls: u32,
    pc: usize,
    executed: u64,
    trace: Vec<String>,
    path: Vec<usize>,
}

type R<T> = Result<T, SimError>;

impl<'a> Vm<'a> {
    pub(crate) fn new(
        prog: &'a CompiledProgram,
        maps: &'a mut Maps,
        pkt: &'a SimPacket,
        opts: &'a RunOptions,
    ) -> R<Vm<'a>> {
        let input = |message: String| SimError { kind: SimErrorKind::Input, pc: None, insn: None, message };
        let mut map_at = vec![None; prog.insns.len()];
        for (slot, name) in &prog.map_loads {
            let m = maps
                .index_of(name)
                .ok_or_else(|| input(format!("the program uses map `{name}`, which the Maps do not have")))?;
            if *slot >= map_at.len() {
                return Err(input(format!("map load of `{name}` at slot {slot} is past the program's end")));
            }
            map_at[*slot] = Some(m as u32);
        }
        if pkt.cpu >= maps.cpus() {
            return Err(input(format!("cpu {} is not below the Maps' {} CPUs", pkt.cpu, maps.cpus())));
        }
        if pkt.src.is_ipv4() != pkt.dst.is_ipv4() {
            return Err(input(format!("source {} and destination {} are of different families", pkt.src, pkt.dst)));
        }
        let migrating_cookie = match (pkt.migrating, pkt.migrating_cookie) {
            (_, Some(c)) => Some(c),
            (true, None) => Some(DEFAULT_MIGRATING_COOKIE),
            (false, None) => None,
        };
        let l4 = pkt.l4_bytes();
        let net = pkt.net_bytes();
        let mut ctx = [0u8; CTX_SIZE as usize];
        ctx[md::LEN.range()].copy_from_slice(&(l4.len() as u32).to_le_bytes());
        // The network-order protocol sits in the field's first two bytes.
        ctx[md::ETH_PROTOCOL.range()][..2].copy_from_slice(&pkt.eth_protocol_raw().to_ne_bytes());
        ctx[md::IP_PROTOCOL.range()].copy_from_slice(&(pkt.protocol.number() as u32).to_le_bytes());
        ctx[md::BIND_INANY.range()].copy_from_slice(&(pkt.bind_inany as u32).to_le_bytes());
        ctx[md::HASH.range()].copy_from_slice(&pkt.hash.to_le_bytes());
        let mut regs = [None; 11];
        regs[1] = Some(Val::Ptr(Ptr { region: Region::Ctx, off: 0 }));
        regs[10] = Some(Val::Ptr(Ptr { region: Region::Stack, off: 0 }));
        Ok(Vm {
            insns: &prog.insns,
            map_at,
            map_names: maps.names().map(str::to_string).collect(),
            maps,
            pkt,
            opts,
            regs,
            stack: [0; STACK],
            init: [false; STACK],
            spill: [None; STACK / 8],
            ctx,
            linear: pkt.linear_len().min(l4.len()),
            l4,
            net,
            migrating_cookie,
            selected: None,
            random: pkt.random,
            random_calls: 0,
            pc: 0,
            executed: 0,
            trace: Vec::new(),
            path: Vec::new(),
        })
    }

    fn err(&self, kind: SimErrorKind, message: impl Into<String>) -> SimError {
        let insn = self.insns.get(self.pc).map(|i| {
            let name = self.map_at.get(self.pc).copied().flatten().map(|m| self.map_names[m as usize].clone());
            disasm_one(*i, self.insns.get(self.pc + 1).copied(), name.as_deref())
        });
        SimError { kind, pc: Some(self.pc), insn, message: message.into() }
    }

    pub(crate) fn run(mut self) -> R<Outcome> {
        loop {
            if self.executed >= self.opts.max_insns {
                return Err(self.err(
                    SimErrorKind::Limit,
                    format!("{} instructions executed without reaching exit", self.executed),
                ));
            }
            let Some(&insn) = self.insns.get(self.pc) else {
                self.pc = self.pc.min(self.insns.len().saturating_sub(1));
                return Err(self.err(SimErrorKind::Memory, "execution ran past the last instruction"));
            };
            self.executed += 1;
            let at = self.pc;
            let done = self.step(insn)?;
            if self.opts.trace && self.trace.len() < TRACE_LIMIT {
                self.trace_line(at, insn);
                self.path.push(at);
            }
            if let Some(ret) = done {
                let verdict = if ret as u32 == SK_PASS { Verdict::Pass } else { Verdict::Drop };
                return Ok(Outcome {
                    verdict,
                    selected: self.selected,
                    ret,
                    insns_executed: self.executed,
                    trace: self.trace,
                    path: self.path,
                });
            }
        }
    }

    fn trace_line(&mut self, at: usize, insn: Insn) {
        let name = self.map_at[at].map(|m| self.map_names[m as usize].clone());
        let mut line = format!("{at:4}: {}", disasm_one(insn, self.insns.get(at + 1).copied(), name.as_deref()));
        let written = match insn.class() {
            bpf::BPF_ALU | bpf::BPF_ALU64 | bpf::BPF_LDX | bpf::BPF_LD => Some(insn.dst as usize),
            bpf::BPF_JMP if insn.op() == JmpOp::Call as u8 => Some(0),
            _ => None,
        };
        if let Some(Some(v)) = written.map(|r| self.regs[r]) {
            line.push_str(&format!("    ; r{} = {v}", written.unwrap_or(0)));
        }
        self.trace.push(line);
    }

    // ----- registers -------------------------------------------------------------------

    fn reg(&self, r: u8) -> R<Val> {
        match self.regs.get(r as usize) {
            Some(Some(v)) => Ok(*v),
            Some(None) => Err(self.err(SimErrorKind::Register, format!("r{r} is read before it is written"))),
            None => Err(self.err(SimErrorKind::Register, format!("there is no register r{r}"))),
        }
    }

    fn scalar(&self, r: u8) -> R<u64> {
        match self.reg(r)? {
            Val::Scalar(v) => Ok(v),
            Val::Ptr(p) => Err(self.err(
                SimErrorKind::Pointer,
                format!("r{r} holds a pointer ({}) where a scalar is needed", Val::Ptr(p)),
            )),
        }
    }

    fn ptr(&self, r: u8) -> R<Ptr> {
        match self.reg(r)? {
            Val::Ptr(p) => Ok(p),
            Val::Scalar(v) => {
                Err(self.err(SimErrorKind::Pointer, format!("r{r} holds the scalar {v:#x} where a pointer is needed")))
            }
        }
    }

    fn set(&mut self, r: u8, v: Val) -> R<()> {
        if r >= 10 {
            return Err(self.err(SimErrorKind::Register, format!("r{r} cannot be written")));
        }
        self.regs[r as usize] = Some(v);
        Ok(())
    }

    // ----- one instruction -------------------------------------------------------------

    /// Executes `insn`; `Some(r0)` when the program exits.
    fn step(&mut self, insn: Insn) -> R<Option<u64>> {
        match insn.class() {
            bpf::BPF_ALU | bpf::BPF_ALU64 => {
                self.alu(insn, insn.class() == bpf::BPF_ALU64)?;
                self.pc += 1;
            }
            bpf::BPF_JMP | bpf::BPF_JMP32 => return self.jmp(insn, insn.class() == bpf::BPF_JMP32),
            bpf::BPF_LDX => {
                let mode = insn.mode();
                let size = insn.size().bytes() as usize;
                let sign = match mode {
                    bpf::BPF_MEM => false,
                    bpf::BPF_MEMSX if size < 8 => true,
                    _ => return Err(self.err(SimErrorKind::Unsupported, "unknown load mode")),
                };
                let p = self.ptr(insn.src)?;
                let at = Ptr { region: p.region, off: p.off + insn.off as i64 };
                let v = self.load(at, size)?;
                let v = match (v, sign) {
                    (Val::Scalar(x), true) => Val::Scalar(eval::sign_extend(x, size as u32 * 8)),
                    (v, _) => v,
                };
                self.set(insn.dst, v)?;
                self.pc += 1;
            }
            bpf::BPF_ST | bpf::BPF_STX => {
                let mode = insn.mode();
                let size = insn.size().bytes() as usize;
                let p = self.ptr(insn.dst)?;
                let at = Ptr { region: p.region, off: p.off + insn.off as i64 };
                match (insn.class(), mode) {
                    (bpf::BPF_ST, bpf::BPF_MEM) => self.store(at, size, Val::Scalar(insn.imm as i64 as u64))?,
                    (bpf::BPF_STX, bpf::BPF_MEM) => {
                        let v = self.reg(insn.src)?;
                        self.store(at, size, v)?
                    }
                    (bpf::BPF_STX, bpf::BPF_ATOMIC) => self.atomic(insn, at, size)?,
                    _ => return Err(self.err(SimErrorKind::Unsupported, "unknown store mode")),
                }
                self.pc += 1;
            }
            bpf::BPF_LD if insn.is_ld_imm64() => {
                let Some(next) = self.insns.get(self.pc + 1).copied() else {
                    return Err(self.err(SimErrorKind::Memory, "ld_imm64 without its second slot"));
                };
                if !next.is_imm64_tail() {
                    return Err(self.err(SimErrorKind::Unsupported, "malformed second slot of ld_imm64"));
                }
                let v = if let Some(m) = self.map_at[self.pc] {
                    Val::Ptr(Ptr { region: Region::Map(m), off: 0 })
                } else if insn.src == 0 {
                    Val::Scalar(insn.imm64(next))
                } else {
                    return Err(self.err(
                        SimErrorKind::Unsupported,
                        format!("ld_imm64 with src_reg {} that no map load resolves", insn.src),
                    ));
                };
                self.set(insn.dst, v)?;
                self.pc += 2;
            }
            _ => return Err(self.err(SimErrorKind::Unsupported, format!("unknown opcode {:#04x}", insn.code))),
        }
        Ok(None)
    }

    fn alu(&mut self, insn: Insn, is64: bool) -> R<()> {
        use bpf::AluOp as A;
        let op = insn.op();
        let width = if is64 { Width::W64 } else { Width::W32 };
        let by_reg = insn.by_reg();
        let d = insn.dst;
        if d >= 10 {
            return Err(self.err(SimErrorKind::Register, format!("r{d} cannot be written")));
        }
        let imm = if is64 { insn.imm as i64 as u64 } else { insn.imm as u32 as u64 };
        if op == A::End as u8 {
            let x = self.scalar(d)?;
            let bits = insn.imm;
            if !matches!(bits, 16 | 32 | 64) {
                return Err(self.err(SimErrorKind::Unsupported, format!("byte swap of {bits} bits")));
            }
            if is64 && by_reg {
                return Err(self.err(SimErrorKind::Unsupported, "ALU64 byte swap with BPF_X"));
            }
            let r = eval::byte_swap(width, by_reg, bits, x).unwrap_or(x);
            return self.set(d, Val::Scalar(r));
        }
        if op == A::Neg as u8 {
            let x = self.scalar(d)?;
            let r = eval::alu(width, AluOp::Neg, 0, x, 0).unwrap_or(x);
            return self.set(d, Val::Scalar(r));
        }
        let src = if by_reg { self.reg(insn.src)? } else { Val::Scalar(imm) };
        if op == A::Mov as u8 {
            let moved = match src {
                Val::Ptr(_) if is64 && insn.off == 0 => Some(src),
                Val::Ptr(_) if !is64 => {
                    return Err(self.err(SimErrorKind::Pointer, "32-bit move of a pointer"));
                }
                // A sign-extending move (nonzero offset) takes a register.
                Val::Scalar(x) if insn.off == 0 || by_reg => {
                    eval::alu(width, AluOp::Mov, insn.off, 0, x).map(Val::Scalar)
                }
                _ => None,
            };
            let Some(r) = moved else {
                return Err(self.err(SimErrorKind::Unsupported, format!("move with offset {}", insn.off)));
            };
            return self.set(d, r);
        }
        let dst = self.reg(d)?;
        let r = match (dst, src) {
            (Val::Scalar(a), Val::Scalar(b)) => Val::Scalar(self.alu_scalar(width, op, insn.off, a, b)?),
            (Val::Ptr(p), Val::Scalar(b)) if is64 && (op == A::Add as u8 || op == A::Sub as u8) => {
                self.check_arith(p)?;
                let delta = b as i64;
                let off = if op == A::Add as u8 { p.off.wrapping_add(delta) } else { p.off.wrapping_sub(delta) };
                Val::Ptr(Ptr { region: p.region, off })
            }
            (Val::Scalar(a), Val::Ptr(p)) if is64 && op == A::Add as u8 => {
                self.check_arith(p)?;
                Val::Ptr(Ptr { region: p.region, off: p.off.wrapping_add(a as i64) })
            }
            (Val::Ptr(p), Val::Ptr(q)) if is64 && op == A::Sub as u8 && p.region == q.region => {
                Val::Scalar(p.off.wrapping_sub(q.off) as u64)
            }
            _ => {
                return Err(self.err(
                    SimErrorKind::Pointer,
                    format!(
                        "{}-bit ALU operation {:#04x} on pointer operands ({dst}, {src})",
                        if is64 { 64 } else { 32 },
                        op
                    ),
                ))
            }
        };
        self.set(d, r)
    }

    fn check_arith(&self, p: Ptr) -> R<()> {
        match p.region {
            Region::Map(_) | Region::Sock(_) => {
                Err(self.err(SimErrorKind::Pointer, format!("arithmetic on {} is forbidden", Val::Ptr(p))))
            }
            Region::Ctx => Err(self.err(SimErrorKind::Pointer, "arithmetic on the context pointer")),
            _ => Ok(()),
        }
    }

    fn alu_scalar(&self, width: Width, op: u8, off: i16, a: u64, b: u64) -> R<u64> {
        use bpf::AluOp as A;
        let signed = off == 1;
        if off != 0 && !(signed && (op == A::Div as u8 || op == A::Mod as u8)) {
            return Err(self.err(SimErrorKind::Unsupported, format!("ALU operation with offset {off}")));
        }
        AluOp::from_code(op)
            .and_then(|o| eval::alu(width, o, off, a, b))
            .ok_or_else(|| self.err(SimErrorKind::Unsupported, format!("unknown ALU operation {op:#04x}")))
    }

    fn jmp(&mut self, insn: Insn, is32: bool) -> R<Option<u64>> {
        use bpf::JmpOp as J;
        let op = insn.op();
        if op == J::Exit as u8 {
            if is32 {
                return Err(self.err(SimErrorKind::Unsupported, "JMP32 exit"));
            }
            return match self.reg(0)? {
                Val::Scalar(v) => Ok(Some(v)),
                Val::Ptr(p) => {
                    Err(self.err(SimErrorKind::Pointer, format!("r0 holds a pointer ({}) at exit", Val::Ptr(p))))
                }
            };
        }
        if op == J::Call as u8 {
            if is32 || insn.src != 0 {
                return Err(self
                    .err(SimErrorKind::Unsupported, "only helper calls are modelled (no BPF-to-BPF calls or kfuncs)"));
            }
            let r0 = self.call(insn.imm)?;
            for r in 1..=5 {
                self.regs[r] = None;
            }
            self.regs[0] = Some(r0);
            self.pc += 1;
            return Ok(None);
        }
        let target = |vm: &Self, delta: i64| -> R<usize> {
            let t = vm.pc as i64 + 1 + delta;
            if t < 0 || t as usize >= vm.insns.len() {
                return Err(vm.err(SimErrorKind::Memory, format!("jump to {t}, outside the program")));
            }
            Ok(t as usize)
        };
        if op == J::Ja as u8 {
            // JMP32 `ja` is `gotol`: the offset is in imm (BPF v4).
            let delta = if is32 { insn.imm as i64 } else { insn.off as i64 };
            self.pc = target(self, delta)?;
            return Ok(None);
        }
        let a = self.reg(insn.dst)?;
        let b = if insn.by_reg() { self.reg(insn.src)? } else { Val::Scalar(insn.imm as i64 as u64) };
        let taken = match (a, b) {
            (Val::Scalar(x), Val::Scalar(y)) => {
                let width = if is32 { Width::W32 } else { Width::W64 };
                self.cond(width, op, x, y)?
            }
            (Val::Ptr(p), Val::Ptr(q)) if !is32 && p.region == q.region => {
                // Same object: only the offsets differ.
                self.cond(Width::W64, op, p.off as u64, q.off as u64)?
            }
            (Val::Ptr(_), Val::Scalar(0)) | (Val::Scalar(0), Val::Ptr(_))
                if !is32 && (op == J::Jeq as u8 || op == J::Jne as u8) =>
            {
                // A pointer is never NULL (NULL is the scalar 0 here).
                op == J::Jne as u8
            }
            _ => {
                return Err(self.err(SimErrorKind::Pointer, format!("comparison of {a} with {b}")));
            }
        };
        self.pc = if taken { target(self, insn.off as i64)? } else { self.pc + 1 };
        Ok(None)
    }

    fn cond(&self, width: Width, op: u8, x: u64, y: u64) -> R<bool> {
        JmpOp::from_code(op)
            .and_then(|j| eval::jump(width, j, x, y))
            .ok_or_else(|| self.err(SimErrorKind::Unsupported, format!("unknown jump operation {op:#04x}")))
    }

    fn atomic(&mut self, insn: Insn, at: Ptr, size: usize) -> R<()> {
        if size != 4 && size != 8 {
            return Err(self.err(SimErrorKind::Unsupported, "atomic operation on 1 or 2 bytes"));
        }
        if !matches!(at.region, Region::Stack | Region::Value { .. }) {
            return Err(self.err(SimErrorKind::Memory, format!("atomic operation on {}", Val::Ptr(at))));
        }
        let mask = if size == 4 { u32::MAX as u64 } else { u64::MAX };
        let src = self.scalar(insn.src)? & mask;
        let old = match self.load(at, size)? {
            Val::Scalar(v) => v,
            Val::Ptr(_) => return Err(self.err(SimErrorKind::Pointer, "atomic operation on a spilled pointer")),
        };
        let (new, fetch_to) = match insn.imm {
            bpf::BPF_XCHG => (src, Some(insn.src)),
            bpf::BPF_CMPXCHG => {
                // BPF_CMPXCHG: compares with r0, loads the old value into r0.
                let expected = self.scalar(0)? & mask;
                (if old == expected { src } else { old }, Some(0))
            }
            imm => {
                let op = [AluOp::Add, AluOp::Or, AluOp::And, AluOp::Xor]
                    .into_iter()
                    .find(|o| *o as i32 == imm & !bpf::BPF_FETCH)
                    .and_then(|o| eval::alu(Width::W64, o, 0, old, src));
                let Some(new) = op else {
                    return Err(self.err(SimErrorKind::Unsupported, format!("atomic operation {imm:#x}")));
                };
                (new, if imm & bpf::BPF_FETCH != 0 { Some(insn.src) } else { None })
            }
        };
        self.store(at, size, Val::Scalar(new & mask))?;
        if let Some(r) = fetch_to {
            self.set(r, Val::Scalar(old))?;
        }
        Ok(())
    }

    // ----- memory ----------------------------------------------------------------------

    fn stack_index(&self, off: i64, len: usize) -> R<usize> {
        let i = STACK as i64 + off;
        if i < 0 || i + len as i64 > STACK as i64 || len == 0 {
            return Err(self.err(
                SimErrorKind::Memory,
                format!("stack access of {len} bytes at fp{off:+} is outside the 512-byte frame"),
            ));
        }
        Ok(i as usize)
    }

    fn value_len(&mut self, region: Region) -> usize {
        match region {
            Region::Value { map, cpu, elem } => self.maps.value_bytes(map as usize, cpu, elem).len(),
            _ => 0,
        }
    }

    fn in_bounds(&self, off: i64, len: usize, size: usize, what: &str) -> R<usize> {
        if off < 0 || off as u64 + len as u64 > size as u64 {
            return Err(self
                .err(SimErrorKind::Memory, format!("access of {len} bytes at offset {off} of {what} ({size} bytes)")));
        }
        Ok(off as usize)
    }

    /// An instruction's load of `size` bytes.
    fn load(&mut self, p: Ptr, size: usize) -> R<Val> {
        match p.region {
            Region::Stack => {
                let i = self.stack_index(p.off, size)?;
                if size == 8 && i % 8 == 0 {
                    if let Some(q) = self.spill[i / 8] {
                        return Ok(Val::Ptr(q));
                    }
                }
                let bytes = self.stack_bytes(i, size)?;
                Ok(Val::Scalar(le(&bytes)))
            }
            Region::Ctx => self.ctx_load(p, size),
            Region::Packet => {
                let i = self.in_bounds(p.off, size, self.linear, "the packet's linear part")?;
                Ok(Val::Scalar(le(&self.l4[i..i + size])))
            }
            Region::Value { map, cpu, elem } => {
                let len = self.value_len(p.region);
                let i = self.in_bounds(p.off, size, len, "a map value")?;
                let v = &self.maps.value_bytes(map as usize, cpu, elem)[i..i + size];
                Ok(Val::Scalar(le(v)))
            }
            Region::Map(_) | Region::Sock(_) => {
                Err(self.err(SimErrorKind::Pointer, format!("load through {}", Val::Ptr(p))))
            }
        }
    }

    /// Initialised stack bytes `i..i + len` that hold no spilled pointer.
    fn stack_bytes(&self, i: usize, len: usize) -> R<Vec<u8>> {
        for slot in i / 8..=(i + len - 1) / 8 {
            if self.spill[slot].is_some() {
                return Err(self.err(
                    SimErrorKind::Memory,
                    format!("partial read of the pointer spilled at fp{}", slot as i64 * 8 - STACK as i64),
                ));
            }
        }
        if let Some(b) = (i..i + len).find(|b| !self.init[*b]) {
            return Err(
                self.err(SimErrorKind::Memory, format!("read of uninitialised stack at fp{}", b as i64 - STACK as i64))
            );
        }
        Ok(self.stack[i..i + len].to_vec())
    }

    fn stack_write(&mut self, i: usize, data: &[u8]) {
        for slot in i / 8..=(i + data.len() - 1) / 8 {
            self.spill[slot] = None;
        }
        self.stack[i..i + data.len()].copy_from_slice(data);
        self.init[i..i + data.len()].iter_mut().for_each(|b| *b = true);
    }

    /// An instruction's store of `size` bytes.
    fn store(&mut self, p: Ptr, size: usize, v: Val) -> R<()> {
        match (p.region, v) {
            (Region::Stack, Val::Ptr(q)) => {
                let i = self.stack_index(p.off, size)?;
                if size != 8 || i % 8 != 0 {
                    return Err(self.err(SimErrorKind::Pointer, "a pointer spilled with a misaligned or partial store"));
                }
                self.stack_write(i, &[0xaa; 8]);
                self.spill[i / 8] = Some(q);
                Ok(())
            }
            (Region::Stack, Val::Scalar(x)) => {
                let i = self.stack_index(p.off, size)?;
                self.stack_write(i, &x.to_le_bytes()[..size]);
                Ok(())
            }
            (Region::Value { map, cpu, elem }, Val::Scalar(x)) => {
                let len = self.value_len(p.region);
                let i = self.in_bounds(p.off, size, len, "a map value")?;
                self.maps.value_bytes(map as usize, cpu, elem)[i..i + size].copy_from_slice(&x.to_le_bytes()[..size]);
                Ok(())
            }
            (Region::Value { .. }, Val::Ptr(_)) => {
                Err(self.err(SimErrorKind::Pointer, "a pointer stored into a map value"))
            }
            _ => Err(self.err(SimErrorKind::Memory, format!("store through {}: read-only memory", Val::Ptr(p)))),
        }
    }

    /// A helper's read of `len` bytes of memory argument `p`.
    fn read_mem(&mut self, p: Ptr, len: usize) -> R<Vec<u8>> {
        match p.region {
            Region::Stack => {
                let i = self.stack_index(p.off, len)?;
                self.stack_bytes(i, len)
            }
            Region::Packet => {
                let i = self.in_bounds(p.off, len, self.linear, "the packet's linear part")?;
                Ok(self.l4[i..i + len].to_vec())
            }
            Region::Value { map, cpu, elem } => {
                let size = self.value_len(p.region);
                let i = self.in_bounds(p.off, len, size, "a map value")?;
                Ok(self.maps.value_bytes(map as usize, cpu, elem)[i..i + len].to_vec())
            }
            _ => Err(self.err(SimErrorKind::Helper, format!("{} is not memory a helper may read", Val::Ptr(p)))),
        }
    }

    /// Checks that a helper may write `len` bytes at `p`.
    fn check_writable(&mut self, p: Ptr, len: usize) -> R<()> {
        match p.region {
            Region::Stack => self.stack_index(p.off, len).map(|_| ()),
            Region::Value { .. } => {
                let size = self.value_len(p.region);
                self.in_bounds(p.off, len, size, "a map value").map(|_| ())
            }
            _ => Err(self.err(SimErrorKind::Helper, format!("{} is not memory a helper may write", Val::Ptr(p)))),
        }
    }

    /// A helper's write of `data` at `p` (checked with [`Vm::check_writable`]).
    fn write_mem(&mut self, p: Ptr, data: &[u8]) -> R<()> {
        self.check_writable(p, data.len())?;
        match p.region {
            Region::Stack => {
                let i = self.stack_index(p.off, data.len())?;
                self.stack_write(i, data);
            }
            Region::Value { map, cpu, elem } => {
                let i = p.off as usize;
                self.maps.value_bytes(map as usize, cpu, elem)[i..i + data.len()].copy_from_slice(data);
            }
            _ => {}
        }
        Ok(())
    }

    /// A load from the context, with the kernel's rules for each field
    /// (`sk_reuseport_is_valid_access`).
    fn ctx_load(&self, p: Ptr, size: usize) -> R<Val> {
        if p.off < 0 || p.off >= CTX_SIZE || p.off % size as i64 != 0 {
            return Err(self.err(
                SimErrorKind::Memory,
                format!("context access of {size} bytes at offset {}: outside or misaligned", p.off),
            ));
        }
        let off = p.off;
        let Some(field) = md::load(off, size as u32) else {
            return Err(self.err(
                SimErrorKind::Memory,
                format!("context access of {size} bytes at offset {off} is not allowed for SK_REUSEPORT"),
            ));
        };
        Ok(match field {
            md::DATA => Val::Ptr(Ptr { region: Region::Packet, off: 0 }),
            md::DATA_END => Val::Ptr(Ptr { region: Region::Packet, off: self.linear as i64 }),
            md::SK => Val::Ptr(Ptr { region: Region::Sock(SockRole::Sk), off: 0 }),
            md::MIGRATING_SK if self.migrating_cookie.is_some() => {
                Val::Ptr(Ptr { region: Region::Sock(SockRole::Migrating), off: 0 })
            }
            md::MIGRATING_SK => Val::Scalar(0),
            _ => Val::Scalar(le(&self.ctx[off as usize..off as usize + size])),
        })
    }

    // ----- helpers ---------------------------------------------------------------------

    fn arg_ptr(&self, r: u8, what: &str) -> R<Ptr> {
        match self.reg(r)? {
            Val::Ptr(p) => Ok(p),
            Val::Scalar(v) => {
                Err(self
                    .err(SimErrorKind::Helper, format!("argument r{r} ({what}) is the scalar {v:#x}, not a pointer")))
            }
        }
    }

    fn arg_scalar(&self, r: u8, what: &str) -> R<u64> {
        match self.reg(r)? {
            Val::Scalar(v) => Ok(v),
            Val::Ptr(p) => Err(self.err(
                SimErrorKind::Helper,
                format!("argument r{r} ({what}) is a pointer ({}), not a scalar", Val::Ptr(p)),
            )),
        }
    }

    fn arg_ctx(&self, r: u8) -> R<()> {
        let p = self.arg_ptr(r, "ctx")?;
        if p.region != Region::Ctx || p.off != 0 {
            return Err(
                self.err(SimErrorKind::Helper, format!("argument r{r} must be the context, not {}", Val::Ptr(p)))
            );
        }
        Ok(())
    }

    fn arg_map(&self, r: u8) -> R<usize> {
        let p = self.arg_ptr(r, "map")?;
        match p.region {
            Region::Map(m) if p.off == 0 => Ok(m as usize),
            _ => Err(self.err(SimErrorKind::Helper, format!("argument r{r} must be a map, not {}", Val::Ptr(p)))),
        }
    }

    /// A map argument for a data-map helper: socket maps and unmodelled maps are refused.
    fn data_map(&self, r: u8, helper_name: &str) -> R<usize> {
        let m = self.arg_map(r)?;
        let map = &self.maps.maps[m];
        match map.store {
            Store::Array { .. } | Store::Hash { .. } | Store::Lpm { .. } => Ok(m),
            Store::Sockets { .. } => Err(self.err(
                SimErrorKind::Helper,
                format!(
                    "{helper_name} on socket map `{}` (the verifier refuses it for this program type)",
                    map.spec.name
                ),
            )),
            Store::Unmodelled => Err(self.err(
                SimErrorKind::Unsupported,
                format!("map `{}` has type {}, which the simulator does not model", map.spec.name, map.spec.map_type),
            )),
        }
    }

    /// Runs helper `id` on r1..r5; returns r0.
    fn call(&mut self, id: i32) -> R<Val> {
        let cpu = self.pkt.cpu;
        let r0: u64 = match id {
            helper::MAP_LOOKUP_ELEM => {
                let m = self.data_map(1, "map_lookup_elem")?;
                let ks = self.maps.maps[m].key_size();
                let kp = self.arg_ptr(2, "key")?;
                let key = self.read_mem(kp, ks)?;
                match self.maps.lookup(m, &key, cpu) {
                    Some((cpu, elem)) => {
                        return Ok(Val::Ptr(Ptr { region: Region::Value { map: m as u32, cpu, elem }, off: 0 }));
                    }
                    None => 0,
                }
            }
            helper::MAP_UPDATE_ELEM => {
                let m = self.data_map(1, "map_update_elem")?;
                let (ks, vs) = (self.maps.maps[m].key_size(), self.maps.maps[m].value_size());
                let kp = self.arg_ptr(2, "key")?;
                let key = self.read_mem(kp, ks)?;
                let vp = self.arg_ptr(3, "value")?;
                let value = self.read_mem(vp, vs)?;
                let flags = self.arg_scalar(4, "flags")?;
                self.maps.update(m, &key, &value, flags, Some(cpu)) as u64
            }
            helper::MAP_DELETE_ELEM => {
                let m = self.data_map(1, "map_delete_elem")?;
                let ks = self.maps.maps[m].key_size();
                let kp = self.arg_ptr(2, "key")?;
                let key = self.read_mem(kp, ks)?;
                self.maps.delete(m, &key) as u64
            }
            helper::KTIME_GET_NS => self.pkt.now_ns,
            helper::KTIME_GET_COARSE_NS => self.pkt.now_ns - self.pkt.now_ns % 4_000_000,
            helper::GET_PRANDOM_U32 => {
                if self.random_calls > 0 {
                    // xorshift32; 0 would stay 0, so step away from it.
                    let mut x = if self.random == 0 { 0x6d2b_79f5 } else { self.random };
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    self.random = x;
                }
                self.random_calls += 1;
                self.random as u64
            }
            helper::GET_SMP_PROCESSOR_ID => cpu as u64,
            helper::SKB_LOAD_BYTES | helper::SKB_LOAD_BYTES_RELATIVE => {
                let relative = id == helper::SKB_LOAD_BYTES_RELATIVE;
                self.arg_ctx(1)?;
                let off = self.arg_scalar(2, "offset")? as u32;
                let to = self.arg_ptr(3, "to")?;
                let len = self.arg_scalar(4, "len")? as u32 as usize;
                if len == 0 {
                    return Err(self.err(SimErrorKind::Helper, "load of 0 bytes (the verifier wants a size > 0)"));
                }
                self.check_writable(to, len)?;
                let got = if relative {
                    let start = self.arg_scalar(5, "start_header")? as u32;
                    match start {
                        // BPF_HDR_START_NET; linear data only: the IP header and the linear
                        // part from the L4 header.
                        helper::HDR_START_NET if off <= 0xffff => {
                            let linear = self.net.len() - self.l4.len() + self.linear;
                            slice(&self.net[..linear], off as usize, len)
                        }
                        // BPF_HDR_START_MAC: no MAC header is modelled.
                        _ => None,
                    }
                } else if off <= i32::MAX as u32 {
                    slice(&self.l4, off as usize, len)
                } else {
                    None
                };
                match got {
                    Some(bytes) => {
                        self.write_mem(to, &bytes)?;
                        0
                    }
                    None => {
                        self.write_mem(to, &vec![0; len])?;
                        EFAULT as u64
                    }
                }
            }
            helper::GET_SOCKET_COOKIE => {
                let p = self.arg_ptr(1, "sk")?;
                match p.region {
                    Region::Sock(SockRole::Sk) if p.off == 0 => self.pkt.sk_cookie,
                    Region::Sock(SockRole::Migrating) if p.off == 0 => {
                        self.migrating_cookie.unwrap_or(DEFAULT_MIGRATING_COOKIE)
                    }
                    _ => {
                        return Err(self
                            .err(SimErrorKind::Helper, format!("get_socket_cookie of {}, not a socket", Val::Ptr(p))))
                    }
                }
            }
            helper::SK_SELECT_REUSEPORT => {
                self.arg_ctx(1)?;
                let m = self.arg_map(2)?;
                if !self.maps.maps[m].is_socket_map() {
                    return Err(self.err(
                        SimErrorKind::Helper,
                        format!("sk_select_reuseport on `{}`, which is not a socket map", self.maps.maps[m].spec.name),
                    ));
                }
                let ks = self.maps.maps[m].key_size();
                let kp = self.arg_ptr(3, "key")?;
                let key = self.read_mem(kp, ks)?;
                let _flags = self.arg_scalar(4, "flags")?;
                match self.maps.socket_at(m, &key) {
                    Some(socket) => {
                        let mut k = [0u8; 8];
                        let n = key.len().min(8);
                        k[..n].copy_from_slice(&key[..n]);
                        self.selected = Some(Selection {
                            map: self.maps.maps[m].spec.name.clone(),
                            key: u64::from_le_bytes(k),
                            socket,
                        });
                        0
                    }
                    None => ENOENT as u64,
                }
            }
            _ => {
                return Err(self.err(
                    SimErrorKind::Helper,
                    format!("helper #{id} is not available to SK_REUSEPORT programs or not modelled"),
                ))
            }
        };
        Ok(Val::Scalar(r0))
    }
}

fn le(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(b)
}

fn slice(data: &[u8], off: usize, len: usize) -> Option<Vec<u8>> {
    let end = off.checked_add(len)?;
    data.get(off..end).map(<[u8]>::to_vec)
}
