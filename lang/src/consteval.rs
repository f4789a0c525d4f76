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
    /// A constant index past the end of a constant array (the checker reports it at the index).
    OutOfBounds(Span),
    /// Part of the expression already failed to check (its type is `Never`).
    Erroneous,
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
                (op, Ty::Int(t)) => Ok(eval_unary(*op, *t, v)),
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
            if let Ty::Array(..) = l.ty {
                let same = fold(l)?.same_literal(&fold(r)?);
                return match op {
                    BinOp::Eq => Ok(u64::from(same)),
                    BinOp::Ne => Ok(u64::from(!same)),
                    _ => Err(EvalError::NotConst(e.span)),
                };
            }
            let a = eval(l)?;
            let b = eval(r)?;
            binary(*op, &l.ty, &r.ty, a, b).ok_or(EvalError::DivByZero(r.span))
        }
        ExprKind::Index(base, idx) => eval(&element(base, idx)?),
        _ => Err(EvalError::NotConst(e.span)),
    }
}

/// The standard-library functions the compiler evaluates itself when every argument is a
/// constant (module, function, model over the arguments' raw bits), so that their calls
/// may initialise a `const`. Each is also written in the language (`stdlib/`), which is
/// what a call with run-time arguments runs; the simulator's tests compare the two.
pub const STD_CONST_FNS: [(&str, &str, ConstModel); 2] = [
    ("std::net", "ip4", |a| ExprKind::Int(a.iter().fold(0, |acc, b| (acc << 8) | (b & 0xff)))),
    ("std::net", "ip6", |a| ExprKind::Bytes(a.iter().flat_map(|g| (*g as u16).to_be_bytes()).collect())),
];

/// A standard-library function's value from its arguments' raw bits.
pub type ConstModel = fn(&[u64]) -> ExprKind;

/// The model of `module::name` in [`STD_CONST_FNS`], if it has one.
pub fn std_const_fn(module: &str, name: &str) -> Option<ConstModel> {
    STD_CONST_FNS.iter().find(|(m, n, _)| *m == module && *n == name).map(|(_, _, f)| *f)
}

/// Folds `e` to a literal expression of its type: `Int` or `Bool` for a scalar, `Bytes` for a
/// `[u8; N]`, an `ArrayLit` of literals for any other array. This is the value of a constant
/// item, substituted at each use.
pub fn fold(e: &Expr) -> Result<Expr, EvalError> {
    match &e.ty {
        Ty::Int(_) => Ok(Expr { kind: ExprKind::Int(eval(e)?), ty: e.ty.clone(), span: e.span }),
        Ty::Bool => Ok(Expr { kind: ExprKind::Bool(eval(e)? != 0), ty: Ty::Bool, span: e.span }),
        Ty::Never => Err(EvalError::Erroneous),
        Ty::Array(..) => match &e.kind {
            ExprKind::Bytes(_) => Ok(e.clone()),
            ExprKind::ArrayLit(xs) => {
                let items = xs.iter().map(fold).collect::<Result<Vec<_>, _>>()?;
                Ok(array_literal(items, e.ty.clone(), e.span))
            }
            ExprKind::Block(b) if b.stmts.is_empty() => match &b.tail {
                Some(t) => Ok(Expr { span: e.span, ..fold(t)? }),
                None => Err(EvalError::NotConst(e.span)),
            },
            ExprKind::Index(base, idx) => element(base, idx),
            _ => Err(EvalError::NotConst(e.span)),
        },
        _ => Err(EvalError::NotConst(e.span)),
    }
}

/// An array literal of folded `items`: a `[u8; N]` becomes `Bytes`.
pub fn array_literal(items: Vec<Expr>, ty: Ty, span: Span) -> Expr {
    let bytes: Option<Vec<u8>> = match &ty {
        Ty::Array(elem, _) if **elem == Ty::U8 => items
            .iter()
            .map(|x| match x.kind {
                ExprKind::Int(v) => Some(v as u8),
                _ => None,
            })
            .collect(),
        _ => None,
    };
    let kind = match bytes {
        Some(b) => ExprKind::Bytes(b),
        None => ExprKind::ArrayLit(items),
    };
    Expr { kind, ty, span }
}

/// Element `idx` of the constant array `base`, as a literal.
fn element(base: &Expr, idx: &Expr) -> Result<Expr, EvalError> {
    // The index first: a run-time one is the common case, and fails before the table is copied.
    let i = eval(idx)?;
    let arr = fold(base)?;
    let elem_ty = match &base.ty {
        Ty::Array(t, _) => (**t).clone(),
        _ => return Err(EvalError::NotConst(base.span)),
    };
    let found = match &arr.kind {
        ExprKind::Bytes(b) => usize::try_from(i).ok().and_then(|i| b.get(i)).map(|v| Expr {
            kind: ExprKind::Int(*v as u64),
            ty: elem_ty,
            span: idx.span,
        }),
        ExprKind::ArrayLit(xs) => usize::try_from(i).ok().and_then(|i| xs.get(i)).cloned(),
        _ => None,
    };
    found.ok_or(EvalError::OutOfBounds(idx.span))
}

impl Expr {
    /// Whether two folded literals (from [`fold`]) are the same value.
    pub fn same_literal(&self, other: &Expr) -> bool {
        match (&self.kind, &other.kind) {
            (ExprKind::Int(a), ExprKind::Int(b)) => a == b,
            (ExprKind::Bool(a), ExprKind::Bool(b)) => a == b,
            (ExprKind::Bytes(a), ExprKind::Bytes(b)) => a == b,
            (ExprKind::ArrayLit(a), ExprKind::ArrayLit(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_literal(y))
            }
            _ => false,
        }
    }

    /// Whether this is a literal that [`fold`] returns (a constant's value).
    pub fn is_literal(&self) -> bool {
        match &self.kind {
            ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Bytes(_) => true,
            ExprKind::ArrayLit(xs) => xs.iter().all(Expr::is_literal),
            _ => false,
        }
    }
}

/// One binary operation on raw bits; `None` for a zero divisor. Booleans compare with
/// `==` and `!=`.
pub fn binary(op: BinOp, lt: &Ty, _rt: &Ty, a: u64, b: u64) -> Option<u64> {
    match lt {
        Ty::Int(t) => eval_binary(op, *t, a, b).ok(),
        // Comparisons of booleans.
        _ => Some(u64::from(match op {
            BinOp::Eq => a == b,
            BinOp::Ne => a != b,
            _ => false,
        })),
    }
}

/// A division or remainder by zero, which has no value in the language's arithmetic. (The
/// compiled program follows BPF, where `x / 0 == 0` and `x % 0 == x`; a caller that models it
/// says so itself.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DivByZero;

/// The language's integer semantics for one binary operator on operands of type `t`: the
/// language-level evaluator the constant folder and the simulator's HIR interpreter share.
///
/// `a` and `b` are raw bits of `t`; bits above the type's width are ignored, so zero- and
/// sign-extended inputs give the same answer. Arithmetic wraps in `t`; `/` and `%` of a signed
/// type truncate toward zero (`MIN / -1` wraps to `MIN`); a shift amount is taken modulo the
/// width of `t` (the shift's right operand is an integer of any type). The result is the raw
/// bits of `t`, zero-extended; a comparison gives 0 or 1. `&&` and `||` are not integer
/// operators and give 0.
pub fn eval_binary(op: BinOp, t: IntTy, a: u64, b: u64) -> Result<u64, DivByZero> {
    let (sa, sb) = (to_i128(a, t), to_i128(b, t));
    let bits = t.bits() as u64;
    let shift = (b % bits) as u32;
    let v = match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::Div | BinOp::Rem if zero_extend(b, t) == 0 => return Err(DivByZero),
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
        BinOp::Eq => return Ok(u64::from(sa == sb)),
        BinOp::Ne => return Ok(u64::from(sa != sb)),
        BinOp::Lt => return Ok(u64::from(sa < sb)),
        BinOp::Le => return Ok(u64::from(sa <= sb)),
        BinOp::Gt => return Ok(u64::from(sa > sb)),
        BinOp::Ge => return Ok(u64::from(sa >= sb)),
        BinOp::And | BinOp::Or => return Ok(0),
    };
    Ok(zero_extend(v, t))
}

/// The language's integer semantics for one unary operator on raw bits `v` of type `t`:
/// `!` flips every bit of the type, `-` negates wrapping in it. The result is zero-extended.
pub fn eval_unary(op: UnOp, t: IntTy, v: u64) -> u64 {
    match op {
        UnOp::Not => zero_extend(!v, t),
        UnOp::Neg => zero_extend(v.wrapping_neg(), t),
    }
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
