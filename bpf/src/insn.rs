//! Instruction encoding: `struct bpf_insn`, its opcode fields, and constructors.

// Instruction classes (the low three bits of the opcode).
pub const BPF_LD: u8 = 0x00;
pub const BPF_LDX: u8 = 0x01;
pub const BPF_ST: u8 = 0x02;
pub const BPF_STX: u8 = 0x03;
pub const BPF_ALU: u8 = 0x04;
pub const BPF_JMP: u8 = 0x05;
pub const BPF_JMP32: u8 = 0x06;
pub const BPF_ALU64: u8 = 0x07;

// Memory access sizes (bits 3..5 of a load or store opcode).
pub const BPF_W: u8 = 0x00;
pub const BPF_H: u8 = 0x08;
pub const BPF_B: u8 = 0x10;
pub const BPF_DW: u8 = 0x18;

// Memory access modes (the high three bits of a load or store opcode).
pub const BPF_IMM: u8 = 0x00;
pub const BPF_MEM: u8 = 0x60;
/// Sign-extending load (BPF v4, Linux 6.6+).
pub const BPF_MEMSX: u8 = 0x80;
pub const BPF_ATOMIC: u8 = 0xc0;

// Operand source (bit 3 of an ALU or jump opcode).
pub const BPF_K: u8 = 0x00;
pub const BPF_X: u8 = 0x08;

// The `imm` of a BPF_ATOMIC instruction: an ALU operation (add, or, and, xor), optionally
// with BPF_FETCH, or one of the exchanges.
pub const BPF_FETCH: i32 = 0x01;
pub const BPF_XCHG: i32 = 0xe0 | BPF_FETCH;
pub const BPF_CMPXCHG: i32 = 0xf0 | BPF_FETCH;

/// Register numbers. r0 holds return values, r1..r5 arguments (clobbered by calls), r6..r9
/// are callee-saved, r10 is the read-only frame pointer.
pub const R0: u8 = 0;
pub const R1: u8 = 1;
pub const R2: u8 = 2;
pub const R3: u8 = 3;
pub const R4: u8 = 4;
pub const R5: u8 = 5;
pub const R6: u8 = 6;
pub const R7: u8 = 7;
pub const R8: u8 = 8;
pub const R9: u8 = 9;
pub const R10: u8 = 10;
/// The frame pointer.
pub const FP: u8 = R10;

/// An enum of the operations in an opcode's upper nibble, with `ALL` and `from_code`.
macro_rules! opcode_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:expr,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant = $code,)*
        }

        impl $name {
            const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The operation in the upper nibble of `code` (the lower bits are ignored).
            pub fn from_code(code: u8) -> Option<$name> {
                Self::ALL.iter().copied().find(|op| *op as u8 == code & 0xf0)
            }
        }
    };
}

opcode_enum! {
    /// The ALU operations (upper nibble of the opcode).
    AluOp {
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
}

opcode_enum! {
    /// Jump operations (upper nibble of the opcode).
    JmpOp {
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
}

impl JmpOp {
    /// Whether this is a conditional jump (not `ja`, `call` or `exit`).
    pub fn is_condition(self) -> bool {
        !matches!(self, JmpOp::Ja | JmpOp::Call | JmpOp::Exit)
    }

    /// The condition that holds exactly when `self` does not (`jset` has none and stays).
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
    /// The size of `n` bytes (1, 2, 4; anything else is taken as 8).
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
    /// The size bits of an opcode.
    pub fn code(self) -> u8 {
        match self {
            Size::B => BPF_B,
            Size::H => BPF_H,
            Size::W => BPF_W,
            Size::DW => BPF_DW,
        }
    }
    /// The size in the size bits of `code`.
    pub fn from_code(code: u8) -> Size {
        match code & 0x18 {
            BPF_B => Size::B,
            BPF_H => Size::H,
            BPF_W => Size::W,
            _ => Size::DW,
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
    /// The 8 bytes of the slot, little endian (dst_reg in the low nibble of byte 1).
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
        Insn { code: BPF_ALU | BPF_X | AluOp::End as u8, dst, src: 0, off: 0, imm: bits }
    }
    /// `ld_imm64`: two slots, the low half of `value` in the first, the high half in the second.
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
    /// The value of an `ld_imm64` whose first slot is `self` and second `next`.
    pub fn imm64(self, next: Insn) -> u64 {
        ((next.imm as u32 as u64) << 32) | self.imm as u32 as u64
    }
    /// Whether `self` can be the second slot of an `ld_imm64` (everything but imm is zero).
    pub fn is_imm64_tail(self) -> bool {
        self.code == 0 && self.dst == 0 && self.src == 0 && self.off == 0
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
        Insn { code: BPF_STX | BPF_ATOMIC | size.code(), dst, src, off, imm: AluOp::Add as i32 }
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
    /// `gotol`: an unconditional jump with a 32-bit offset in `imm` (BPF v4, Linux 6.4).
    pub fn gotol(imm: i32) -> Insn {
        Insn { code: BPF_JMP32 | JmpOp::Ja as u8, dst: 0, src: 0, off: 0, imm }
    }
    /// A call of helper `helper` (see [`crate::helper`]).
    pub fn call(helper: i32) -> Insn {
        Insn { code: BPF_JMP | JmpOp::Call as u8, dst: 0, src: 0, off: 0, imm: helper }
    }
    pub fn exit() -> Insn {
        Insn { code: BPF_JMP | JmpOp::Exit as u8, dst: 0, src: 0, off: 0, imm: 0 }
    }

    /// The instruction class (`BPF_LD` ... `BPF_ALU64`).
    pub fn class(self) -> u8 {
        self.code & 0x07
    }

    /// The operation nibble of an ALU or jump instruction.
    pub fn op(self) -> u8 {
        self.code & 0xf0
    }

    /// The mode bits of a load or store (`BPF_IMM`, `BPF_MEM`, `BPF_MEMSX`, `BPF_ATOMIC`).
    pub fn mode(self) -> u8 {
        self.code & 0xe0
    }

    /// The access size of a load or store.
    pub fn size(self) -> Size {
        Size::from_code(self.code)
    }

    /// Whether an ALU or jump instruction takes its second operand from `src` (BPF_X) rather
    /// than from `imm` (BPF_K).
    pub fn by_reg(self) -> bool {
        self.code & BPF_X != 0
    }

    pub fn is_ld_imm64(self) -> bool {
        self.code == BPF_LD | BPF_DW | BPF_IMM
    }

    /// Whether the instruction jumps (conditionally or not) within the program.
    pub fn is_jump(self) -> bool {
        let class = self.class();
        (class == BPF_JMP || class == BPF_JMP32) && !matches!(self.op(), 0x80 | 0x90)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip() {
        let cases = [
            Insn::mov64_imm(R0, 1),
            Insn::alu64_reg(AluOp::Add, R3, R9),
            Insn::alu32_imm(AluOp::Lsh, R2, 31),
            Insn::alu64_reg_signed(AluOp::Div, R1, R2),
            Insn::to_be(R4, 16),
            Insn::ldx(Size::W, R2, R1, 16),
            Insn::stx(Size::DW, FP, -8, R6),
            Insn::st_imm(Size::B, FP, -512, -1),
            Insn::atomic_add(Size::W, R0, 4, R1),
            Insn::jmp_imm(JmpOp::Jsgt, R1, i32::MIN, -32768),
            Insn::jmp_reg(JmpOp::Jset, R1, R2, 32767),
            Insn::ja(-1),
            Insn::call(crate::helper::SK_SELECT_REUSEPORT),
            Insn::exit(),
        ];
        for insn in cases {
            assert_eq!(Insn::decode(insn.encode()), insn, "{insn:?}");
        }
        assert_eq!(Insn::mov64_imm(R0, 1).encode(), [0xb7, 0x00, 0, 0, 1, 0, 0, 0]);
        assert_eq!(Insn::ldx(Size::W, R2, R1, 16).encode(), [0x61, 0x12, 16, 0, 0, 0, 0, 0]);
        assert_eq!(Insn::exit().encode(), [0x95, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn ld_imm64_is_two_slots() {
        let [a, b] = Insn::ld_imm64(R1, 0xdead_beef_8000_0001);
        assert!(a.is_ld_imm64() && !b.is_ld_imm64());
        assert_eq!(a.encode()[0], 0x18);
        assert!(b.is_imm64_tail());
        assert_eq!(a.imm64(b), 0xdead_beef_8000_0001);
        assert_eq!((a.imm, b.imm), (0x8000_0001u32 as i32, 0xdead_beefu32 as i32));
        assert_eq!(Insn::ld_map(R1), Insn::ld_imm64(R1, 0));
    }

    #[test]
    fn opcode_fields() {
        let i = Insn::ldx(Size::H, R0, R1, 2);
        assert_eq!((i.class(), i.mode(), i.size()), (BPF_LDX, BPF_MEM, Size::H));
        let j = Insn::jmp_reg(JmpOp::Jle, R1, R2, 3);
        assert!(j.by_reg() && j.is_jump());
        assert_eq!(JmpOp::from_code(j.code), Some(JmpOp::Jle));
        assert!(!Insn::call(1).is_jump() && !Insn::exit().is_jump());
        assert_eq!(AluOp::from_code(Insn::alu32_imm(AluOp::Arsh, R1, 3).code), Some(AluOp::Arsh));
        assert_eq!(AluOp::from_code(0xe4), None);
        for s in [Size::B, Size::H, Size::W, Size::DW] {
            assert_eq!(Size::from_code(s.code()), s);
            assert_eq!(Size::from_bytes(s.bytes()), s);
        }
        for op in JmpOp::ALL.iter().copied().filter(|o| *o != JmpOp::Jset && o.is_condition()) {
            assert_eq!(op.invert().invert(), op);
            assert_ne!(op.invert(), op);
        }
    }
}
