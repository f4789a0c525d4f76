//! Literal text: the one reading of an integer written as text (source literals, `--const`
//! values, `rsteer map` keys and values) and of the escapes in a byte string.
//!
//! An integer is an optional `-`, an optional base prefix (`0x` hex, `0o` octal, `0b`
//! binary; decimal without one) and digits of that base, with `_` allowed between them. A
//! `-` is accepted only for the signed types, and the value must lie in the type's range.

use crate::consteval::range_of;
use crate::hir::IntTy;
use std::fmt;

/// Why a text is not an integer of the type asked for. `Display` says it in words, quoting
/// the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntTextError {
    /// No digits where there must be some: ``, `-`, `0x`, `_`.
    NoDigits { text: String },
    /// A `0` followed by a letter that names no base, such as `0z1` or `0X1`.
    UnknownBase { text: String, prefix: String },
    /// A character that is not a digit of the base (`2` in `0b102`, `a` in `12a`).
    BadDigit { text: String, digit: char, base: u32 },
    /// A `-` before a value of an unsigned type.
    Negative { text: String, ty: IntTy },
    /// A value outside the type's range.
    OutOfRange { text: String, ty: IntTy },
}

impl fmt::Display for IntTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntTextError::NoDigits { text } => write!(f, "`{text}` is not an integer: it has no digits"),
            IntTextError::UnknownBase { text, prefix } => write!(
                f,
                "`{text}` is not an integer: `{prefix}` is not a base prefix (write `0x` for hex, `0o` for octal, `0b` for binary)"
            ),
            IntTextError::BadDigit { text, digit, base } => {
                let name = match base {
                    2 => "binary",
                    8 => "octal",
                    16 => "hex",
                    _ => "decimal",
                };
                write!(f, "`{text}` is not an integer: `{digit}` is not a {name} digit")
            }
            IntTextError::Negative { text, ty } => {
                write!(f, "`{text}` is negative, and `{}` holds no negative values", ty.name())
            }
            IntTextError::OutOfRange { text, ty } => {
                let (lo, hi) = range_of(*ty);
                write!(f, "`{text}` does not fit in `{}` ({lo}..={hi})", ty.name())
            }
        }
    }
}

impl std::error::Error for IntTextError {}

/// Reads `text` (surrounding whitespace ignored) as a value of type `ty`. Returns the
/// value's two's-complement bits, zero above the type's width (`-1` as `i8` is `0xff`).
pub fn parse_int(text: &str, ty: IntTy) -> Result<u64, IntTextError> {
    let trimmed = text.trim();
    let (negative, unsigned_text) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let magnitude = parse_magnitude(unsigned_text).map_err(|e| match e {
        // Quote the whole text, sign included, and judge the range against the type asked.
        IntTextError::OutOfRange { .. } => IntTextError::OutOfRange { text: trimmed.to_string(), ty },
        other => with_text(other, trimmed),
    })?;
    if negative && !ty.signed() {
        return Err(IntTextError::Negative { text: trimmed.to_string(), ty });
    }
    let value = if negative { -i128::from(magnitude) } else { i128::from(magnitude) };
    let (lo, hi) = range_of(ty);
    if value < lo || value > hi {
        return Err(IntTextError::OutOfRange { text: trimmed.to_string(), ty });
    }
    let bits = value as u64;
    Ok(if ty.bits() == 64 { bits } else { bits & ((1u64 << ty.bits()) - 1) })
}

/// Reads the unsigned part of an integer: an optional base prefix, digits and `_`. The
/// largest value is `u64::MAX` (an error `OutOfRange` with type `u64` beyond it). No sign,
/// no suffix, no whitespace: a lexer that has split off a literal's suffix calls this.
pub fn parse_magnitude(text: &str) -> Result<u64, IntTextError> {
    let bytes = text.as_bytes();
    let (base, digits) = match (bytes.first(), bytes.get(1)) {
        (Some(b'0'), Some(b'x')) => (16, &text[2..]),
        (Some(b'0'), Some(b'o')) => (8, &text[2..]),
        (Some(b'0'), Some(b'b')) => (2, &text[2..]),
        (Some(b'0'), Some(c)) if c.is_ascii_alphabetic() => {
            return Err(IntTextError::UnknownBase { text: text.to_string(), prefix: text[..2].to_string() })
        }
        _ => (10, text),
    };
    let mut value: u64 = 0;
    let mut any_digit = false;
    for c in digits.chars().filter(|&c| c != '_') {
        let digit = c.to_digit(base).ok_or(IntTextError::BadDigit { text: text.to_string(), digit: c, base })?;
        any_digit = true;
        value = value
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(digit)))
            .ok_or(IntTextError::OutOfRange { text: text.to_string(), ty: IntTy::U64 })?;
    }
    if !any_digit {
        return Err(IntTextError::NoDigits { text: text.to_string() });
    }
    Ok(value)
}

/// The same error, quoting `text` instead of the part that was read.
fn with_text(e: IntTextError, text: &str) -> IntTextError {
    let text = text.to_string();
    match e {
        IntTextError::NoDigits { .. } => IntTextError::NoDigits { text },
        IntTextError::UnknownBase { prefix, .. } => IntTextError::UnknownBase { text, prefix },
        IntTextError::BadDigit { digit, base, .. } => IntTextError::BadDigit { text, digit, base },
        IntTextError::Negative { ty, .. } => IntTextError::Negative { text, ty },
        IntTextError::OutOfRange { ty, .. } => IntTextError::OutOfRange { text, ty },
    }
}

/// Why the contents of a byte string are not valid; each reader says it in its own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscapeError {
    /// A character outside ASCII.
    NonAscii(char),
    /// A `\` at the very end.
    TrailingBackslash,
    /// `\x` not followed by two hex digits.
    BadHex,
    /// `\` followed by a letter that is no escape.
    Unknown(char),
}

/// An IPv4 address in dotted-quad notation (`127.1.0.0`), as the `u32` the language holds:
/// host order, as `pkt.src_ip4` gives it. `None` for text that is not one.
pub fn parse_ip4(text: &str) -> Option<u32> {
    text.trim().parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

/// An IPv6 address in its usual notation (`2001:db8::1`, `::ffff:10.0.0.1`), as the
/// `[u8; 16]` the language holds: network order, as `pkt.src_ip6` gives it.
pub fn parse_ip6(text: &str) -> Option<[u8; 16]> {
    text.trim().parse::<std::net::Ipv6Addr>().ok().map(|a| a.octets())
}

/// Decodes the contents of a byte string (the text between `b"` and `"`): ASCII characters
/// stand for themselves; the escapes are `\n`, `\r`, `\t`, `\0`, `\\`, `\'`, `\"` and
/// `\xHH`.
pub fn unescape(body: &str) -> Result<Vec<u8>, EscapeError> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        if !c.is_ascii() {
            return Err(EscapeError::NonAscii(c));
        }
        if c != '\\' {
            out.push(c as u8);
            continue;
        }
        let Some(e) = rest.chars().next() else {
            return Err(EscapeError::TrailingBackslash);
        };
        rest = &rest[e.len_utf8()..];
        let byte = match e {
            'n' => b'\n',
            'r' => b'\r',
            't' => b'\t',
            '0' => 0,
            '\\' | '\'' | '"' => e as u8,
            'x' => {
                let hex = rest.get(..2).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                let Some(hex) = hex else {
                    return Err(EscapeError::BadHex);
                };
                rest = &rest[2..];
                u8::from_str_radix(hex, 16).map_err(|_| EscapeError::BadHex)?
            }
            other => return Err(EscapeError::Unknown(other)),
        };
        out.push(byte);
    }
    Ok(out)
}

/// The inverse of [`unescape`]: the text between `b"` and `"` that reads back as `bytes`
/// (printable ASCII as itself, `\n`, `\r`, `\t`, `\\`, `\"`, and `\xHH` for the rest).
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// [`unescape`], with the error said in words (as `rsteer map` reports it).
pub fn unescape_bytes(body: &str) -> Result<Vec<u8>, String> {
    unescape(body).map_err(|e| match e {
        EscapeError::NonAscii(c) => format!("non-ASCII character `{c}` in a byte string; write it as `\\x..` escapes"),
        EscapeError::TrailingBackslash => "a byte string cannot end with `\\`".into(),
        EscapeError::BadHex => "`\\x` must be followed by two hex digits".into(),
        EscapeError::Unknown(other) => format!("unknown escape `\\{other}` in a byte string"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_base_and_sign() {
        assert_eq!(parse_int("42", IntTy::U8), Ok(42));
        assert_eq!(parse_int(" 0x2A ", IntTy::U8), Ok(42));
        assert_eq!(parse_int("0o52", IntTy::U8), Ok(42));
        assert_eq!(parse_int("0b10_1010", IntTy::U8), Ok(42));
        assert_eq!(parse_int("1_000", IntTy::U16), Ok(1000));
        assert_eq!(parse_int("-1", IntTy::I8), Ok(0xff));
        assert_eq!(parse_int("-128", IntTy::I8), Ok(0x80));
        assert_eq!(parse_int("-0x8000_0000_0000_0000", IntTy::I64), Ok(1 << 63));
        assert_eq!(parse_int("18446744073709551615", IntTy::U64), Ok(u64::MAX));
    }

    #[test]
    fn errors_in_words() {
        let e = |t: &str, ty| parse_int(t, ty).unwrap_err().to_string();
        assert_eq!(e("256", IntTy::U8), "`256` does not fit in `u8` (0..=255)");
        assert_eq!(e("-129", IntTy::I8), "`-129` does not fit in `i8` (-128..=127)");
        assert_eq!(
            e("18446744073709551616", IntTy::U64),
            "`18446744073709551616` does not fit in `u64` (0..=18446744073709551615)"
        );
        assert_eq!(e("99999999999999999999", IntTy::U8), "`99999999999999999999` does not fit in `u8` (0..=255)");
        assert_eq!(e("-1", IntTy::U32), "`-1` is negative, and `u32` holds no negative values");
        assert_eq!(e("0b102", IntTy::U32), "`0b102` is not an integer: `2` is not a binary digit");
        assert_eq!(e("12a", IntTy::U32), "`12a` is not an integer: `a` is not a decimal digit");
        assert!(e("0z12", IntTy::U32).contains("`0z` is not a base prefix"));
        assert!(e("0X12", IntTy::U32).contains("`0X` is not a base prefix"));
        assert_eq!(e("0x", IntTy::U32), "`0x` is not an integer: it has no digits");
        assert_eq!(e("-", IntTy::I32), "`-` is not an integer: it has no digits");
        assert_eq!(e("", IntTy::I32), "`` is not an integer: it has no digits");
    }

    #[test]
    fn escape_is_the_inverse_of_unescape() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unescape(&escape(&all)).unwrap(), all);
        assert_eq!(escape(b"\x03a\"\\\n"), "\\x03a\\\"\\\\\\n");
    }

    #[test]
    fn byte_string_escapes() {
        assert_eq!(unescape_bytes(r#"a\x00\n\\\"\'\t\r\0"#), Ok(b"a\x00\n\\\"'\t\r\0".to_vec()));
        assert!(unescape_bytes(r"\x4").is_err());
        assert!(unescape_bytes(r"\q").is_err());
        assert!(unescape_bytes("\\").is_err());
        assert!(unescape_bytes("é").is_err());
    }
}
