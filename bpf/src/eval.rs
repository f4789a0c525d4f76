//! BPF integer semantics: what an ALU instruction computes and whether a jump is taken, at 32
//! and 64 bits, as the kernel's interpreter and JITs define them.
//!
//! The optimiser folds constants with these functions and the simulator executes with them,
//! so a folded program and a simulated one cannot disagree.
//!
//! The rules that differ from Rust's operators: division by zero gives 0 and modulo by zero
//! leaves the dividend; shift amounts are masked to the width (`& 63`, `& 31`); a 32-bit
//! operation reads the low 32 bits of its operands and zero-extends its result.

use crate::insn::{AluOp, JmpOp};

/// The operand width: the instruction class `BPF_ALU`/`BPF_JMP32` (32) or
/// `BPF_ALU64`/`BPF_JMP` (64).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    W32,
    W64,
}

/// `x` with bit `bits - 1` copied into every higher bit.
pub fn sign_extend(x: u64, bits: u32) -> u64 {
    let shift = 64 - bits;
    (((x << shift) as i64) >> shift) as u64
}

/// The result of ALU operation `op` on `dst` and `src` (ignored by `neg`). `off` is the
/// instruction's offset field: 1 makes `div` and `mod` signed (BPF v4), 8, 16 or 32 makes
/// `mov` sign-extend from that many bits (32 only at 64 bits); every other operation
/// wants 0. `None` for a combination the instruction set does not define, and for `end`,
/// which [`byte_swap`] computes.
pub fn alu(width: Width, op: AluOp, off: i16, dst: u64, src: u64) -> Option<u64> {
    match (op, off) {
        (_, 0) | (AluOp::Div | AluOp::Mod, 1) | (AluOp::Mov, 8 | 16) => {}
        (AluOp::Mov, 32) if width == Width::W64 => {}
        _ => return None,
    }
    let signed = off != 0;
    let bits = match width {
        Width::W32 => 32,
        Width::W64 => 64,
    };
    // A 32-bit operation computes on the low halves of its operands, extended as it reads
    // them (sign-extended for the signed ones), and keeps the low half of the result.
    let reads_signed = matches!(op, AluOp::Arsh) || signed && matches!(op, AluOp::Div | AluOp::Mod);
    let extend = |x: u64| if reads_signed { sign_extend(x, bits) } else { truncate(x, bits) };
    let (a, b) = (extend(dst), extend(src));
    let shift = b & (bits as u64 - 1);
    let r = match op {
        AluOp::Add => a.wrapping_add(b),
        AluOp::Sub => a.wrapping_sub(b),
        AluOp::Mul => a.wrapping_mul(b),
        AluOp::Div => match (b, signed) {
            (0, _) => 0,
            (_, false) => a / b,
            (_, true) => (a as i64).wrapping_div(b as i64) as u64,
        },
        AluOp::Mod => match (b, signed) {
            (0, _) => a,
            (_, false) => a % b,
            (_, true) => (a as i64).wrapping_rem(b as i64) as u64,
        },
        AluOp::Or => a | b,
        AluOp::And => a & b,
        AluOp::Xor => a ^ b,
        AluOp::Lsh => a << shift,
        AluOp::Rsh => a >> shift,
        AluOp::Arsh => ((a as i64) >> shift) as u64,
        AluOp::Neg => a.wrapping_neg(),
        AluOp::Mov if signed => sign_extend(b, off as u32),
        AluOp::Mov => b,
        AluOp::End => return None,
    };
    Some(truncate(r, bits))
}

/// The low `bits` bits of `x`.
fn truncate(x: u64, bits: u32) -> u64 {
    if bits >= 64 {
        x
    } else {
        x & ((1 << bits) - 1)
    }
}

/// The `end` instruction on `x`: with `W64` (BPF v4 `bswap`) and with `to_be` (BPF_TO_BE)
/// the low `bits` bytes are swapped, with `W32` and not `to_be` (BPF_TO_LE on a
/// little-endian machine) they are only kept; either way the rest is cleared. `None` when
/// `bits` is not 16, 32 or 64.
pub fn byte_swap(width: Width, to_be: bool, bits: i32, x: u64) -> Option<u64> {
    let swap = width == Width::W64 || to_be;
    Some(match (bits, swap) {
        (16, true) => (x as u16).swap_bytes() as u64,
        (32, true) => (x as u32).swap_bytes() as u64,
        (64, true) => x.swap_bytes(),
        (16, false) => x as u16 as u64,
        (32, false) => x as u32 as u64,
        (64, false) => x,
        _ => return None,
    })
}

/// Whether conditional jump `op` on `dst` and `src` is taken; at `W32` only the low 32 bits
/// are compared (as `u32` or `i32`). `None` for `ja`, `call` and `exit`.
pub fn jump(width: Width, op: JmpOp, dst: u64, src: u64) -> Option<bool> {
    let (ux, uy, sx, sy) = match width {
        Width::W64 => (dst, src, dst as i64, src as i64),
        Width::W32 => (dst as u32 as u64, src as u32 as u64, dst as i32 as i64, src as i32 as i64),
    };
    Some(match op {
        JmpOp::Jeq => ux == uy,
        JmpOp::Jne => ux != uy,
        JmpOp::Jgt => ux > uy,
        JmpOp::Jge => ux >= uy,
        JmpOp::Jlt => ux < uy,
        JmpOp::Jle => ux <= uy,
        JmpOp::Jset => ux & uy != 0,
        JmpOp::Jsgt => sx > sy,
        JmpOp::Jsge => sx >= sy,
        JmpOp::Jslt => sx < sy,
        JmpOp::Jsle => sx <= sy,
        JmpOp::Ja | JmpOp::Call | JmpOp::Exit => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::Width::{W32, W64};
    use super::*;
    use AluOp::*;
    use JmpOp::*;

    /// (width, operation, offset field, dst, src, result): `alu`'s answer for each.
    type AluCase = (Width, AluOp, i16, u64, u64, Option<u64>);
    #[rustfmt::skip]
    const ALU: &[AluCase] = &[
        // wrapping arithmetic
        (W64, Add, 0, u64::MAX, 2, Some(1)),
        (W64, Sub, 0, 0, 1, Some(u64::MAX)),
        (W64, Mul, 0, 1 << 63, 2, Some(0)),
        (W32, Add, 0, 0xffff_ffff, 1, Some(0)),
        (W32, Sub, 0, 0, 1, Some(0xffff_ffff)),
        (W32, Mul, 0, 0x8000_0000, 2, Some(0)),
        (W64, Neg, 0, 1, 99, Some(u64::MAX)),
        (W32, Neg, 0, 1, 99, Some(0xffff_ffff)),
        (W64, And, 0, 0xf0f0, 0xff00, Some(0xf000)),
        (W64, Or, 0, 0xf0, 0x0f, Some(0xff)),
        (W64, Xor, 0, 0xff, 0x0f, Some(0xf0)),
        // Results of 32-bit operations are zero-extended: the high halves of the operands are ignored and the result's is cleared.
        (W32, Add, 0, 0xdead_beef_0000_0001, 0x1234_0000_0000_0002, Some(3)),
        (W32, Mov, 0, 0, 0xffff_ffff_ffff_ffff, Some(0xffff_ffff)),
        (W32, Or, 0, 0xffff_ffff_0000_0000, 0, Some(0)),
        (W32, Arsh, 0, 0x8000_0000, 31, Some(0xffff_ffff)),
        (W64, Mov, 0, 0, 0xffff_ffff_ffff_ffff, Some(u64::MAX)),
        // division by zero
        (W64, Div, 0, 7, 0, Some(0)),
        (W64, Mod, 0, 7, 0, Some(7)),
        (W32, Div, 0, 7, 0, Some(0)),
        // Modulo by zero leaves the dividend, truncated to 32 bits in a 32-bit operation.
        (W32, Mod, 0, 0x1_0000_0007, 0, Some(7)),
        // Only the low half of the divisor counts at 32 bits.
        (W32, Div, 0, 7, 0x1_0000_0000, Some(0)),
        (W64, Div, 1, 7, 0, Some(0)),
        (W64, Mod, 1, -7i64 as u64, 0, Some(-7i64 as u64)),
        (W32, Mod, 1, -7i64 as u64, 0, Some(-7i32 as u32 as u64)),
        // signed division
        (W64, Div, 1, -7i64 as u64, 2, Some(-3i64 as u64)),
        (W64, Mod, 1, -7i64 as u64, 2, Some(-1i64 as u64)),
        (W64, Div, 0, -7i64 as u64, 2, Some((u64::MAX - 6) / 2)),
        // The one overflowing quotient wraps, and its remainder is 0.
        (W64, Div, 1, i64::MIN as u64, -1i64 as u64, Some(i64::MIN as u64)),
        (W64, Mod, 1, i64::MIN as u64, -1i64 as u64, Some(0)),
        (W32, Div, 1, i32::MIN as u32 as u64, u32::MAX as u64, Some(0x8000_0000)),
        (W32, Div, 1, -8i32 as u32 as u64, 2, Some(-4i32 as u32 as u64)),
        // shifts are masked to the width
        (W64, Lsh, 0, 1, 63, Some(1 << 63)),
        (W64, Lsh, 0, 1, 64, Some(1)),
        (W64, Lsh, 0, 1, 65, Some(2)),
        (W64, Rsh, 0, 1 << 63, 127, Some(1)),
        (W32, Lsh, 0, 1, 32, Some(1)),
        (W32, Lsh, 0, 1, 31, Some(0x8000_0000)),
        (W32, Rsh, 0, 0x8000_0000, 33, Some(0x4000_0000)),
        (W32, Lsh, 0, 0x8000_0000, 1, Some(0)),
        // arithmetic shift
        (W64, Arsh, 0, -16i64 as u64, 2, Some(-4i64 as u64)),
        (W64, Arsh, 0, 1 << 63, 63, Some(u64::MAX)),
        (W64, Arsh, 0, 0x7fff_ffff_ffff_ffff, 62, Some(1)),
        (W64, Arsh, 0, -1i64 as u64, 64, Some(u64::MAX)),
        // 32-bit: the sign is bit 31, and the result is zero-extended.
        (W32, Arsh, 0, 0xffff_fff0, 2, Some(0xffff_fffc)),
        (W32, Arsh, 0, 0x1_7fff_fff0, 4, Some(0x07ff_ffff)),
        (W64, Rsh, 0, -16i64 as u64, 60, Some(0xf)),
        // sign extending moves
        (W64, Mov, 8, 0, 0x80, Some(0xffff_ffff_ffff_ff80)),
        (W64, Mov, 16, 0, 0x7fff, Some(0x7fff)),
        (W64, Mov, 32, 0, 0x8000_0000, Some(0xffff_ffff_8000_0000)),
        (W32, Mov, 16, 0, 0x8000, Some(0xffff_8000)),
        (W32, Mov, 32, 0, 0x8000, None),
        // undefined combinations
        (W64, Add, 1, 1, 1, None),
        (W64, Div, 2, 1, 1, None),
        (W64, End, 0, 1, 1, None),
    ];

    #[test]
    fn alu_operations() {
        for &(width, op, off, dst, src, want) in ALU {
            assert_eq!(alu(width, op, off, dst, src), want, "{width:?} {op:?} off={off} {dst:#x} {src:#x}");
        }
    }

    #[test]
    fn sign_extension_and_jumps_that_are_not_conditions() {
        assert_eq!(sign_extend(0xff, 8), u64::MAX);
        assert_eq!(sign_extend(0x7f, 8), 0x7f);
        assert_eq!(jump(W64, Ja, 0, 0), None);
        assert_eq!(jump(W64, Call, 0, 0), None);
        assert_eq!(jump(W32, Exit, 0, 0), None);
    }

    #[test]
    fn byte_swaps() {
        assert_eq!(byte_swap(W32, true, 16, 0xffff_1234), Some(0x3412));
        assert_eq!(byte_swap(W32, false, 16, 0xffff_1234), Some(0x1234));
        assert_eq!(byte_swap(W32, true, 32, 0x1122_3344), Some(0x4433_2211));
        assert_eq!(byte_swap(W64, false, 64, 0x0102_0304_0506_0708), Some(0x0807_0605_0403_0201));
        assert_eq!(byte_swap(W32, false, 64, 5), Some(5));
        assert_eq!(byte_swap(W32, true, 8, 5), None);
    }

    #[test]
    fn unsigned_conditions() {
        let m = u64::MAX;
        for (op, x, y, taken) in [
            (Jeq, 3, 3, true),
            (Jeq, 3, 4, false),
            (Jne, 3, 4, true),
            (Jgt, m, 1, true),
            (Jge, 1, 1, true),
            (Jlt, 1, m, true),
            (Jle, 2, 1, false),
            (Jset, 0b1010, 0b0100, false),
            (Jset, 0b1010, 0b0010, true),
        ] {
            assert_eq!(jump(W64, op, x, y), Some(taken), "{op:?} {x} {y}");
        }
    }

    #[test]
    fn signed_conditions() {
        let neg = |x: i64| x as u64;
        assert_eq!(jump(W64, Jsgt, 1, neg(-1)), Some(true));
        assert_eq!(jump(W64, Jgt, 1, neg(-1)), Some(false));
        assert_eq!(jump(W64, Jsge, neg(-1), neg(-1)), Some(true));
        assert_eq!(jump(W64, Jslt, neg(i64::MIN), 0), Some(true));
        assert_eq!(jump(W64, Jsle, 0, neg(-1)), Some(false));
        // 32-bit: bit 31 is the sign, the high half is ignored.
        assert_eq!(jump(W32, Jslt, 0x8000_0000, 0), Some(true));
        assert_eq!(jump(W64, Jslt, 0x8000_0000, 0), Some(false));
        assert_eq!(jump(W32, Jeq, 0x1_0000_0005, 5), Some(true));
        assert_eq!(jump(W32, Jgt, 0x1_0000_0000, 1), Some(false));
        assert_eq!(jump(W32, Jsge, 0xffff_ffff, neg(-1)), Some(true));
        assert_eq!(jump(W32, Jset, 0x1_0000_0000, 0x1_0000_0000), Some(false));
    }
}
