//! BPF instructions: encoding and a readable disassembly.
//!
//! The disassembly uses the kernel's and bpftool's pseudo-C style (`r0 = 1`, `if r1 > 3 goto +2`)
//! so that what `rsteer compile --dump asm` prints reads like `bpftool prog dump xlated`.

use std::fmt;

pub const BPF_LD: u8 = 0x00;
pub const BPF_LDX: u8 = 0x01;
pub const BPF_ST: u8 = 0x02;
pub const BPF_STX: u8 = 0x03;
pub const BPF_ALU: u8 = 0x04;
pub const BPF_JMP: u8 = 0x05;
pub const BPF_JMP32: u8 = 0x06;
pub const BPF_ALU64: u8 = 0x07;

pub const BPF_W: u8 = 0x00;
pub const BPF_H: u8 = 0x08;
pub const BPF_B: u8 = 0x10;
pub const BPF_DW: u8 = 0x18;

pub const BPF_IMM: u8 = 0x00;
pub const BPF_MEM: u8 = 0x60;
pub const BPF_ATOMIC: u8 = 0xc0;

pub const BPF_K: u8 = 0x00;
pub const BPF_X: u8 = 0x08;

/// Register numbers.
pub const R0: u8 = 0;
pub const R1: u8 = 1;
pub const R2: u8 = 2;
pub const R3: u8 = 3;
pub const R4: u8 = 4;
pub const R5: u8 = 5;
pub const R6: u8 = 6;
pub const FP: u8 = 10;

/// The ALU operations (upper nibble of the opcode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    Add = 0x00,
    Sub = 0x10,
    Mul = 0x20,
    Div = 0x30,
    Or = 0x40,
    And = 0x50,
    Lsh = 0x60,
    Rsh = 0x70,
    Neg = 0x80,
    Mod = 0x90,
    Xor = 0xa0,
    Mov = 0xb0,
    Arsh = 0xc0,
    End = 0xd0,
}

/// Jump conditions (upper nibble of the opcode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JmpOp {
    Ja = 0x00,
    Jeq = 0x10,
    Jgt = 0x20,
    Jge = 0x30,
    Jset = 0x40,
    Jne = 0x50,
    Jsgt = 0x60,
    Jsge = 0x70,
    Call = 0x80,
    Exit = 0x90,
    Jlt = 0xa0,
    Jle = 0xb0,
    Jslt = 0xc0,
    Jsle = 0xd0,
}

impl JmpOp {
    /// The condition that holds exactly when `self` does not.
    pub fn invert(self) -> JmpOp {
        use JmpOp::*;
        match self {
            Jeq => Jne,
            Jne => Jeq,
            Jgt => Jle,
            Jle => Jgt,
            Jge => Jlt,
            Jlt => Jge,
            Jsgt => Jsle,
            Jsle => Jsgt,
            Jsge => Jslt,
            Jslt => Jsge,
            other => other,
        }
    }

    fn symbol(self) -> &'static str {
        use JmpOp::*;
        match self {
            Jeq => "==",
            Jne => "!=",
            Jgt => ">",
            Jge => ">=",
            Jlt => "<",
            Jle => "<=",
            Jsgt => "s>",
            Jsge => "s>=",
            Jslt => "s<",
            Jsle => "s<=",
            Jset => "&",
            _ => "?",
        }
    }
}

/// Memory access sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size {
    B,
    H,
    W,
    DW,
}

impl Size {
    pub fn from_bytes(n: u32) -> Size {
        match n {
            1 => Size::B,
            2 => Size::H,
            4 => Size::W,
            _ => Size::DW,
        }
    }
    pub fn bytes(self) -> u32 {
        match self {
            Size::B => 1,
            Size::H => 2,
            Size::W => 4,
            Size::DW => 8,
        }
    }
    fn code(self) -> u8 {
        match self {
            Size::B => BPF_B,
            Size::H => BPF_H,
            Size::W => BPF_W,
            Size::DW => BPF_DW,
        }
    }
    fn suffix(self) -> &'static str {
        match self {
            Size::B => "u8",
            Size::H => "u16",
            Size::W => "u32",
            Size::DW => "u64",
        }
    }
}

/// One instruction slot as the kernel defines `struct bpf_insn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Insn {
    pub code: u8,
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
}

impl Insn {
    pub fn encode(self) -> [u8; 8] {
        let mut b = [0u8; 8];
        b[0] = self.code;
        b[1] = (self.src << 4) | (self.dst & 0x0f);
        b[2..4].copy_from_slice(&self.off.to_le_bytes());
        b[4..8].copy_from_slice(&self.imm.to_le_bytes());
        b
    }

    pub fn decode(b: [u8; 8]) -> Insn {
        Insn {
            code: b[0],
            dst: b[1] & 0x0f,
            src: b[1] >> 4,
            off: i16::from_le_bytes([b[2], b[3]]),
            imm: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    pub fn alu64_imm(op: AluOp, dst: u8, imm: i32) -> Insn {
        Insn { code: BPF_ALU64 | BPF_K | op as u8, dst, src: 0, off: 0, imm }
    }
    pub fn alu64_reg(op: AluOp, dst: u8, src: u8) -> Insn {
        Insn { code: BPF_ALU64 | BPF_X | op as u8, dst, src, off: 0, imm: 0 }
    }
    /// Signed division and modulo (BPF v4, Linux 6.6+): `off == 1`.
    pub fn alu64_reg_signed(op: AluOp, dst: u8, src: u8) -> Insn {
        Insn { code: BPF_ALU64 | BPF_X | op as u8, dst, src, off: 1, imm: 0 }
    }
    pub fn alu32_imm(op: AluOp, dst: u8, imm: i32) -> Insn {
        Insn { code: BPF_ALU | BPF_K | op as u8, dst, src: 0, off: 0, imm }
    }
    pub fn alu32_reg(op: AluOp, dst: u8, src: u8) -> Insn {
        Insn { code: BPF_ALU | BPF_X | op as u8, dst, src, off: 0, imm: 0 }
    }
    pub fn mov64_imm(dst: u8, imm: i32) -> Insn {
        Insn::alu64_imm(AluOp::Mov, dst, imm)
    }
    pub fn mov64_reg(dst: u8, src: u8) -> Insn {
        Insn::alu64_reg(AluOp::Mov, dst, src)
    }
    /// Byte swap to big endian (`bits` 16, 32 or 64); zero-extends the result.
    pub fn to_be(dst: u8, bits: i32) -> Insn {
        Insn { code: BPF_ALU | 0x08 | AluOp::End as u8, dst, src: 0, off: 0, imm: bits }
    }
    /// `ld_imm64`: two slots.
    pub fn ld_imm64(dst: u8, value: u64) -> [Insn; 2] {
        [
            Insn { code: BPF_LD | BPF_DW | BPF_IMM, dst, src: 0, off: 0, imm: value as u32 as i32 },
            Insn { code: 0, dst: 0, src: 0, off: 0, imm: (value >> 32) as u32 as i32 },
        ]
    }
    /// `ld_imm64` of a map: relocated by the loader (src_reg 0 and imm 0 in the object file).
    pub fn ld_map(dst: u8) -> [Insn; 2] {
        Insn::ld_imm64(dst, 0)
    }
    pub fn ldx(size: Size, dst: u8, src: u8, off: i16) -> Insn {
        Insn { code: BPF_LDX | BPF_MEM | size.code(), dst, src, off, imm: 0 }
    }
    pub fn stx(size: Size, dst: u8, off: i16, src: u8) -> Insn {
        Insn { code: BPF_STX | BPF_MEM | size.code(), dst, src, off, imm: 0 }
    }
    pub fn st_imm(size: Size, dst: u8, off: i16, imm: i32) -> Insn {
        Insn { code: BPF_ST | BPF_MEM | size.code(), dst, src: 0, off, imm }
    }
    /// Atomic `*(dst + off) += src` (BPF_ADD without fetch); `size` W or DW.
    pub fn atomic_add(size: Size, dst: u8, off: i16, src: u8) -> Insn {
        Insn { code: BPF_STX | BPF_ATOMIC | size.code(), dst, src, off, imm: 0 }
    }
    pub fn jmp_imm(op: JmpOp, dst: u8, imm: i32, off: i16) -> Insn {
        Insn { code: BPF_JMP | BPF_K | op as u8, dst, src: 0, off, imm }
    }
    pub fn jmp_reg(op: JmpOp, dst: u8, src: u8, off: i16) -> Insn {
        Insn { code: BPF_JMP | BPF_X | op as u8, dst, src, off, imm: 0 }
    }
    pub fn ja(off: i16) -> Insn {
        Insn { code: BPF_JMP | JmpOp::Ja as u8, dst: 0, src: 0, off, imm: 0 }
    }
    pub fn call(helper: i32) -> Insn {
        Insn { code: BPF_JMP | JmpOp::Call as u8, dst: 0, src: 0, off: 0, imm: helper }
    }
    pub fn exit() -> Insn {
        Insn { code: BPF_JMP | JmpOp::Exit as u8, dst: 0, src: 0, off: 0, imm: 0 }
    }

    pub fn class(self) -> u8 {
        self.code & 0x07
    }

    pub fn is_ld_imm64(self) -> bool {
        self.code == BPF_LD | BPF_DW | BPF_IMM
    }

    pub fn is_jump(self) -> bool {
        let class = self.class();
        (class == BPF_JMP || class == BPF_JMP32) && !matches!(self.code & 0xf0, 0x80 | 0x90)
    }
}

/// Helper ids that rsteer's programs call (KERNEL.md).
pub mod helper {
    pub const MAP_LOOKUP_ELEM: i32 = 1;
    pub const MAP_UPDATE_ELEM: i32 = 2;
    pub const MAP_DELETE_ELEM: i32 = 3;
    pub const KTIME_GET_NS: i32 = 5;
    pub const GET_PRANDOM_U32: i32 = 7;
    pub const GET_SMP_PROCESSOR_ID: i32 = 8;
    pub const SKB_LOAD_BYTES: i32 = 26;
    pub const GET_SOCKET_COOKIE: i32 = 46;
    pub const SKB_LOAD_BYTES_RELATIVE: i32 = 68;
    pub const SK_SELECT_REUSEPORT: i32 = 82;
    pub const KTIME_GET_COARSE_NS: i32 = 160;

    pub fn name(id: i32) -> Option<&'static str> {
        Some(match id {
            MAP_LOOKUP_ELEM => "map_lookup_elem",
            MAP_UPDATE_ELEM => "map_update_elem",
            MAP_DELETE_ELEM => "map_delete_elem",
            KTIME_GET_NS => "ktime_get_ns",
            GET_PRANDOM_U32 => "get_prandom_u32",
            GET_SMP_PROCESSOR_ID => "get_smp_processor_id",
            SKB_LOAD_BYTES => "skb_load_bytes",
            GET_SOCKET_COOKIE => "get_socket_cookie",
            SKB_LOAD_BYTES_RELATIVE => "skb_load_bytes_relative",
            SK_SELECT_REUSEPORT => "sk_select_reuseport",
            KTIME_GET_COARSE_NS => "ktime_get_coarse_ns",
            _ => return None,
        })
    }
}

fn alu_symbol(op: u8) -> &'static str {
    match op {
        0x00 => "+=",
        0x10 => "-=",
        0x20 => "*=",
        0x30 => "/=",
        0x40 => "|=",
        0x50 => "&=",
        0x60 => "<<=",
        0x70 => ">>=",
        0x90 => "%=",
        0xa0 => "^=",
        0xb0 => "=",
        0xc0 => "s>>=",
        _ => "?=",
    }
}

/// One disassembled line; `next` is the following slot for `ld_imm64`.
pub fn disasm_one(insn: Insn, next: Option<Insn>, map_name: Option<&str>) -> String {
    let class = insn.class();
    let sizes = |code: u8| match code & 0x18 {
        BPF_B => Size::B,
        BPF_H => Size::H,
        BPF_W => Size::W,
        _ => Size::DW,
    };
    match class {
        BPF_ALU | BPF_ALU64 => {
            let r = if class == BPF_ALU64 { "r" } else { "w" };
            let op = insn.code & 0xf0;
            let src_x = insn.code & BPF_X != 0;
            if op == AluOp::End as u8 {
                let kind = if src_x { "be" } else { "le" };
                return format!("{r}{} = {kind}{} {r}{}", insn.dst, insn.imm, insn.dst);
            }
            if op == AluOp::Neg as u8 {
                return format!("{r}{} = -{r}{}", insn.dst, insn.dst);
            }
            let mut sym = alu_symbol(op).to_string();
            if insn.off == 1 && (op == AluOp::Div as u8 || op == AluOp::Mod as u8) {
                sym = format!("s{sym}");
            }
            if src_x {
                format!("{r}{} {sym} {r}{}", insn.dst, insn.src)
            } else {
                format!("{r}{} {sym} {}", insn.dst, insn.imm)
            }
        }
        BPF_LDX => {
            let s = sizes(insn.code);
            format!("r{} = *({} *)(r{} {:+})", insn.dst, s.suffix(), insn.src, insn.off)
        }
        BPF_STX if insn.code & 0xe0 == BPF_ATOMIC => {
            let s = sizes(insn.code);
            format!("lock *({} *)(r{} {:+}) += r{}", s.suffix(), insn.dst, insn.off, insn.src)
        }
        BPF_STX => {
            let s = sizes(insn.code);
            format!("*({} *)(r{} {:+}) = r{}", s.suffix(), insn.dst, insn.off, insn.src)
        }
        BPF_ST => {
            let s = sizes(insn.code);
            format!("*({} *)(r{} {:+}) = {}", s.suffix(), insn.dst, insn.off, insn.imm)
        }
        BPF_LD if insn.is_ld_imm64() => {
            if let Some(name) = map_name {
                return format!("r{} = map[{name}] ll", insn.dst);
            }
            let hi = next.map(|n| n.imm as u32 as u64).unwrap_or(0);
            let v = (hi << 32) | insn.imm as u32 as u64;
            format!("r{} = {} ll", insn.dst, v as i64)
        }
        BPF_JMP | BPF_JMP32 => {
            let op = insn.code & 0xf0;
            let r = if class == BPF_JMP { "r" } else { "w" };
            if op == JmpOp::Exit as u8 {
                return "exit".into();
            }
            if op == JmpOp::Call as u8 {
                return match helper::name(insn.imm) {
                    Some(n) => format!("call {n}#{}", insn.imm),
                    None => format!("call #{}", insn.imm),
                };
            }
            if op == JmpOp::Ja as u8 {
                return format!("goto {:+}", insn.off);
            }
            let jop = [
                JmpOp::Jeq,
                JmpOp::Jgt,
                JmpOp::Jge,
                JmpOp::Jset,
                JmpOp::Jne,
                JmpOp::Jsgt,
                JmpOp::Jsge,
                JmpOp::Jlt,
                JmpOp::Jle,
                JmpOp::Jslt,
                JmpOp::Jsle,
            ]
            .into_iter()
            .find(|j| *j as u8 == op);
            let sym = jop.map(|j| j.symbol()).unwrap_or("?");
            if insn.code & BPF_X != 0 {
                format!("if {r}{} {sym} {r}{} goto {:+}", insn.dst, insn.src, insn.off)
            } else {
                format!("if {r}{} {sym} {} goto {:+}", insn.dst, insn.imm, insn.off)
            }
        }
        _ => format!("<unknown opcode {:#04x}>", insn.code),
    }
}

/// A whole program's disassembly, one numbered line per instruction (an `ld_imm64` takes two
/// slot numbers, as in bpftool).
pub fn disasm(insns: &[Insn], map_at: &dyn Fn(usize) -> Option<String>) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < insns.len() {
        let insn = insns[i];
        let next = insns.get(i + 1).copied();
        let map = map_at(i);
        out.push_str(&format!("{i:4}: {}\n", disasm_one(insn, next, map.as_deref())));
        i += if insn.is_ld_imm64() { 2 } else { 1 };
    }
    out
}

impl fmt::Display for Insn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&disasm_one(*self, None, None))
    }
}
