//! Folding of constant expressions over the typed HIR.
//!
//! Constants are checked like any expression and then folded here, so that constant and
//! run-time arithmetic share one set of typing rules. Arithmetic wraps in the expression's
//! type, as at run time; a zero divisor is an error because it is almost certainly a bug.

use crate::hir::{BinOp, Expr, ExprKind, IntTy, Ty, UnOp};
use crate::span::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// The expression reads something only known at run time.
    NotConst(Span),
    DivByZero(Span),
}

/// Keeps the low `t.bits()` bits of `v` and clears the rest: the raw bits of a value of
/// type `t`, zero-extended to 64 bits whatever the signedness of `t`.
pub fn zero_extend(v: u64, t: IntTy) -> u64 {
    if t.bits() == 64 {
        v
    } else {
        v & ((1u64 << t.bits()) - 1)
    }
}

/// The value of raw bits `v` of type `t` as a mathematical integer.
pub fn to_i128(v: u64, t: IntTy) -> i128 {
    let v = zero_extend(v, t);
    if t.signed() && t.bits() < 128 && (v >> (t.bits() - 1)) & 1 == 1 {
        v as i128 - (1i128 << t.bits())
    } else {
        v as i128
    }
}

/// The smallest and largest value of `t`.
pub fn range_of(t: IntTy) -> (i128, i128) {
    let bits = t.bits();
    if t.signed() {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

/// Folds `e` to raw bits (booleans are 0 and 1).
pub fn eval(e: &Expr) -> Result<u64, EvalError> {
    match &e.kind {
        ExprKind::Int(v) => Ok(*v),
        ExprKind::Bool(b) => Ok(u64::from(*b)),
        ExprKind::Block(b) if b.stmts.is_empty() => match &b.tail {
            Some(t) => eval(t),
            None => Err(EvalError::NotConst(e.span)),
        },
        ExprKind::Unary(op, x) => {
            let v = eval(x)?;
            match (op, &e.ty) {
                (UnOp::Not, Ty::Bool) => Ok(u64::from(v == 0)),
                (UnOp::Not, Ty::Int(t)) => Ok(zero_extend(!v, *t)),
                (UnOp::Neg, Ty::Int(t)) => Ok(zero_extend(v.wrapping_neg(), *t)),
                _ => Err(EvalError::NotConst(e.span)),
            }
        }
        ExprKind::Cast(x) => {
            let v = eval(x)?;
            match (&x.ty, &e.ty) {
                (Ty::Int(from), Ty::Int(to)) => Ok(zero_extend(to_i128(v, *from) as u64, *to)),
                (Ty::Bool, Ty::Int(_)) => Ok(v),
                _ => Err(EvalError::NotConst(e.span)),
            }
        }
        ExprKind::Binary(op, l, r) => {
            // Short-circuit operators fold only what they would evaluate.
            if *op == BinOp::And || *op == BinOp::Or {
                let a = eval(l)? != 0;
                if (*op == BinOp::And && !a) || (*op == BinOp::Or && a) {
                    return Ok(u64::from(a));
                }
                return Ok(u64::from(eval(r)? != 0));
            }
            let a = eval(l)?;
            let b = eval(r)?;
            binary(*op, &l.ty, &r.ty, a, b).ok_or(EvalError::DivByZero(r.span))
        }
        _ => Err(EvalError::NotConst(e.span)),
    }
}

/// One binary operation on raw bits; `None` for a zero divisor.
pub fn binary(op: BinOp, lt: &Ty, rt: &Ty, a: u64, b: u64) -> Option<u64> {
    let t = match lt {
        Ty::Int(t) => *t,
        // Comparisons of booleans.
        _ => {
            return Some(u64::from(match op {
                BinOp::Eq => a == b,
                BinOp::Ne => a != b,
                _ => false,
            }))
        }
    };
    let (sa, sb) = (to_i128(a, t), to_i128(b, t));
    let bits = t.bits() as u64;
    let shift = match rt {
        Ty::Int(rt) => (zero_extend(b, *rt) % bits) as u32,
        _ => 0,
    };
    let v = match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::Div | BinOp::Rem if zero_extend(b, t) == 0 => return None,
        BinOp::Div if t.signed() => sa.wrapping_div(sb) as u64,
        BinOp::Div => zero_extend(a, t) / zero_extend(b, t),
        BinOp::Rem if t.signed() => sa.wrapping_rem(sb) as u64,
        BinOp::Rem => zero_extend(a, t) % zero_extend(b, t),
        BinOp::Shl => a << shift,
        BinOp::Shr if t.signed() => (sa >> shift) as u64,
        BinOp::Shr => zero_extend(a, t) >> shift,
        BinOp::BitAnd => a & b,
        BinOp::BitOr => a | b,
        BinOp::BitXor => a ^ b,
        BinOp::Eq => return Some(u64::from(sa == sb)),
        BinOp::Ne => return Some(u64::from(sa != sb)),
        BinOp::Lt => return Some(u64::from(sa < sb)),
        BinOp::Le => return Some(u64::from(sa <= sb)),
        BinOp::Gt => return Some(u64::from(sa > sb)),
        BinOp::Ge => return Some(u64::from(sa >= sb)),
        BinOp::And | BinOp::Or => return Some(0),
    };
    Some(zero_extend(v, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_helpers() {
        assert_eq!(to_i128(0xff, IntTy::I8), -1);
        assert_eq!(to_i128(0xff, IntTy::U8), 255);
        assert_eq!(range_of(IntTy::I16), (-32768, 32767));
        assert_eq!(binary(BinOp::Div, &Ty::Int(IntTy::I8), &Ty::Int(IntTy::I8), 0xfc, 2), Some(0xfe));
        assert_eq!(binary(BinOp::Shl, &Ty::U8, &Ty::U32, 1, 9), Some(2));
        assert_eq!(binary(BinOp::Rem, &Ty::U32, &Ty::U32, 1, 0), None);
    }
}
