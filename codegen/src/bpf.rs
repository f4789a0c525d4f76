//! BPF instructions: the encoding (from `rsteer_bpf`, re-exported) and a readable disassembly.
//!
//! The disassembly uses the kernel's and bpftool's pseudo-C style (`r0 = 1`, `if r1 > 3 goto +2`)
//! so that what `rsteer compile --dump asm` prints reads like `bpftool prog dump xlated`.

pub use rsteer_bpf::helper;
pub use rsteer_bpf::insn::{
    AluOp, Insn, JmpOp, Size, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_B, BPF_DW, BPF_H, BPF_IMM, BPF_JMP, BPF_JMP32, BPF_K,
    BPF_LD, BPF_LDX, BPF_MEM, BPF_ST, BPF_STX, BPF_W, BPF_X, FP, R0, R1, R2, R3, R4, R5, R6,
};

fn jmp_symbol(op: JmpOp) -> &'static str {
    use JmpOp::*;
    match op {
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

fn size_suffix(size: Size) -> &'static str {
    match size {
        Size::B => "u8",
        Size::H => "u16",
        Size::W => "u32",
        Size::DW => "u64",
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
    let suffix = size_suffix(insn.size());
    match class {
        BPF_ALU | BPF_ALU64 => {
            let r = if class == BPF_ALU64 { "r" } else { "w" };
            let op = insn.op();
            let src_x = insn.by_reg();
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
            format!("r{} = *({} *)(r{} {:+})", insn.dst, suffix, insn.src, insn.off)
        }
        BPF_STX if insn.mode() == BPF_ATOMIC => {
            format!("lock *({} *)(r{} {:+}) += r{}", suffix, insn.dst, insn.off, insn.src)
        }
        BPF_STX => {
            format!("*({} *)(r{} {:+}) = r{}", suffix, insn.dst, insn.off, insn.src)
        }
        BPF_ST => {
            format!("*({} *)(r{} {:+}) = {}", suffix, insn.dst, insn.off, insn.imm)
        }
        BPF_LD if insn.is_ld_imm64() => {
            if let Some(name) = map_name {
                return format!("r{} = map[{name}] ll", insn.dst);
            }
            let v = insn.imm64(next.unwrap_or_default());
            format!("r{} = {} ll", insn.dst, v as i64)
        }
        BPF_JMP | BPF_JMP32 => {
            let op = insn.op();
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
            if op == JmpOp::Ja as u8 && class == BPF_JMP32 {
                return format!("gotol {:+}", insn.imm);
            }
            if op == JmpOp::Ja as u8 {
                return format!("goto {:+}", insn.off);
            }
            let sym = JmpOp::from_code(op).map(jmp_symbol).unwrap_or("?");
            if insn.by_reg() {
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
