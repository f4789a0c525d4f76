//! The text forms of values (see the crate documentation): a small recursive reader, and
//! the canonical printer.

use crate::{check_len, Shape, StructFill, Value, ValueError};
use rsteer_lang::hir::IntTy;
use rsteer_lang::lit;
use std::fmt::Write;

pub(crate) fn parse(shape: &Shape, text: &str) -> Result<Value, ValueError> {
    parse_over(shape, text, None)
}

pub(crate) fn parse_over(shape: &Shape, text: &str, base: Option<&Value>) -> Result<Value, ValueError> {
    let mut r = Reader { text, pos: 0 };
    let v = value(&mut r, shape, true, base)?;
    r.skip_ws();
    if !r.rest().is_empty() {
        return Err(ValueError::new(format!("unexpected `{}` after the value", r.rest())));
    }
    Ok(v)
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Skips whitespace, then `s` if it comes next.
    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        let found = self.rest().starts_with(s);
        if found {
            self.pos += s.len();
        }
        found
    }

    /// Skips whitespace, then reads up to the next delimiter (`,`, `=`, a bracket, a brace or
    /// whitespace): one integer, `true`, a field name.
    fn token(&mut self) -> &'a str {
        self.skip_ws();
        let rest = self.rest();
        let end = rest.find(|c: char| ",=[]{}".contains(c) || c.is_whitespace()).unwrap_or(rest.len());
        self.pos += end;
        &rest[..end]
    }
}

fn value(r: &mut Reader, shape: &Shape, top: bool, base: Option<&Value>) -> Result<Value, ValueError> {
    r.skip_ws();
    if r.rest().starts_with("hex:") {
        return hex(r, shape, top);
    }
    match shape {
        // A `u32` may be written as an IPv4 address, in host order as the language holds it.
        Shape::Int(_) | Shape::Addr4 => {
            let t = if let Shape::Int(t) = shape { *t } else { IntTy::U32 };
            let token = r.token();
            match lit::parse_int(token, t) {
                Ok(bits) => Ok(Value::Int(bits, t)),
                Err(_) if t == IntTy::U32 && lit::parse_ip4(token).is_some() => {
                    Ok(Value::Int(u64::from(lit::parse_ip4(token).unwrap_or(0)), t))
                }
                Err(e) if *shape == Shape::Addr4 => Err(ValueError::new(format!("`{token}` is not an IPv4 address"))
                    .with_help(format!("write it as `10.1.0.7` ({e})"))),
                Err(e) => Err(ValueError::new(e.to_string())),
            }
        }
        Shape::Prefix(addr) => prefix(r, shape, addr),
        Shape::Bool => match r.token() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            other => Err(ValueError::new(format!("`{other}` is not `true` or `false`"))),
        },
        Shape::Array { .. } | Shape::Addr6 => {
            let (elem, len) = match shape {
                Shape::Array { elem, len, .. } => (elem.as_ref(), *len),
                _ => (&Shape::Int(IntTy::U8), 16),
            };
            let rest = r.rest();
            // A `[u8; 16]` may be written as an IPv6 address.
            if shape.is_byte_array() && len == 16 && !rest.starts_with('[') && !rest.starts_with("b\"") {
                let save = r.pos;
                let token = r.token();
                if let Some(octets) = lit::parse_ip6(token) {
                    return Ok(Value::Array(octets.iter().map(|b| Value::Int(u64::from(*b), IntTy::U8)).collect()));
                }
                if *shape == Shape::Addr6 {
                    return Err(ValueError::new(format!("`{token}` is not an IPv6 address"))
                        .with_help("write it as `2001:db8::1`"));
                }
                r.pos = save;
            }
            let items = if shape.is_byte_array() && r.rest().starts_with("b\"") {
                byte_string(r)?.into_iter().map(|b| Value::Int(u64::from(b), IntTy::U8)).collect()
            } else if r.eat("[") {
                list(r, elem)?
            } else {
                let forms =
                    if shape.is_byte_array() { "`[1,2,3]`, `b\"...\"` or `hex:` and the bytes" } else { "`[a,b,c]`" };
                return Err(ValueError::new(format!("`{}` is not an array", r.token()))
                    .with_help(format!("write a `{}` as {forms}", shape.name())));
            };
            check_len(items.len(), len, shape)?;
            Ok(Value::Array(items))
        }
        Shape::Bytes(n) => {
            let bytes = if r.rest().starts_with("b\"") {
                byte_string(r)?
            } else if r.eat("[") {
                let items = list(r, &Shape::Int(IntTy::U8))?;
                items.iter().map(|v| if let Value::Int(b, _) = v { *b as u8 } else { 0 }).collect()
            } else {
                return Err(ValueError::new(format!("`{}` is not {n} bytes", r.token()))
                    .with_help(format!("write {n} bytes as `hex:` and {} hex digits", 2 * n)));
            };
            check_len(bytes.len(), *n, shape)?;
            Ok(Value::Bytes(bytes))
        }
        Shape::Struct { name, fields, .. } => {
            let braced = r.eat("{");
            if !braced && !top {
                return Err(ValueError::new(format!("`{}` is not a `{name}` value", r.token()))
                    .with_help("inside another value, write a struct in braces: `{field=value,field=value}`"));
            }
            let mut fill = StructFill::new(name, fields);
            loop {
                if (braced && r.eat("}")) || (!braced && r.rest().trim().is_empty()) {
                    break;
                }
                let field_name = r.token();
                if !r.eat("=") {
                    return Err(ValueError::new(format!(
                        "write structs as `field=value,field=value`, not `{field_name}{}`",
                        r.token()
                    )));
                }
                let (i, field) = fill.field(field_name)?;
                let field_base = match base {
                    Some(Value::Struct(old)) => old.get(i),
                    _ => None,
                };
                let v = value(r, &field.shape, false, field_base)
                    .map_err(|e| e.within(format_args!("field `{field_name}`")))?;
                fill.set(i, v);
                if r.eat(",") {
                    continue;
                }
                if braced && !r.eat("}") {
                    return Err(ValueError::new(format!(
                        "expected `,` or `}}` after field `{field_name}`, found `{}`",
                        r.rest().trim()
                    )));
                }
                break;
            }
            fill.finish_over(base)
        }
    }
}

/// `ADDR/LEN` (or `ADDR`, its full length): a prefix of an LPM trie's key, bits past `LEN`
/// cleared.
fn prefix(r: &mut Reader, shape: &Shape, addr: &Shape) -> Result<Value, ValueError> {
    let token = r.token();
    let bits = shape.prefix_bits();
    let (addr_text, len) = match token.rsplit_once('/') {
        Some((a, l)) if !l.is_empty() && l.bytes().all(|c| c.is_ascii_digit()) => {
            let len = l.parse::<u32>().ok().filter(|n| *n <= bits).ok_or_else(|| {
                ValueError::new(format!("prefix length {l} is longer than the address's {bits} bits"))
            })?;
            (a, len)
        }
        _ => (token, bits),
    };
    let example = match addr {
        Shape::Addr4 => "`10.1.0.0/16`",
        Shape::Addr6 => "`2001:db8::/32`",
        _ => "the address's bytes, `/` and the prefix length",
    };
    let value = parse(addr, addr_text).map_err(|e| {
        ValueError::new(format!("`{token}` is not a prefix: {}", e.message)).with_help(format!("write {example}"))
    })?;
    Ok(shape.prefix_value(value, len))
}

/// `[a,b,c]` after its `[`: the elements, a trailing comma allowed.
fn list(r: &mut Reader, elem: &Shape) -> Result<Vec<Value>, ValueError> {
    let mut items = Vec::new();
    loop {
        if r.eat("]") {
            return Ok(items);
        }
        let v = value(r, elem, false, None).map_err(|e| e.within(format_args!("element {}", items.len())))?;
        items.push(v);
        if r.eat(",") {
            continue;
        }
        if r.eat("]") {
            return Ok(items);
        }
        let found = r.rest().trim();
        return Err(ValueError::new(format!("expected `,` or `]` after element {}, found `{found}`", items.len() - 1)));
    }
}

/// `b"..."`: the bytes, escapes decoded.
fn byte_string(r: &mut Reader) -> Result<Vec<u8>, ValueError> {
    let body_start = r.pos + 2;
    let mut escaped = false;
    let end = r.text[body_start..].char_indices().find(|&(_, c)| {
        let closes = c == '"' && !escaped;
        escaped = c == '\\' && !escaped;
        closes
    });
    let Some((end, _)) = end else {
        return Err(ValueError::new(format!("`{}` has no closing `\"`", r.rest())));
    };
    let body = &r.text[body_start..body_start + end];
    r.pos = body_start + end + 1;
    lit::unescape_bytes(body).map_err(ValueError::new)
}

/// `hex:` and two digits per byte: the raw bytes of any shape. At the top of a value the
/// digits may be split by whitespace (`hex:0a0b 0c0d`).
fn hex(r: &mut Reader, shape: &Shape, top: bool) -> Result<Value, ValueError> {
    let start = r.pos;
    let digits: String = if top {
        r.pos = r.text.len();
        r.text[start + 4..].chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        r.token()[4..].to_string()
    };
    let size = shape.size() as usize;
    if digits.len() != 2 * size || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(ValueError::new(format!(
            "`{}` must be {size} bytes of hex (hex: and {} digits)",
            r.text[start..r.pos].trim(),
            2 * size
        )));
    }
    let bytes: Vec<u8> = (0..size).map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap_or(0)).collect();
    Ok(shape.decode(&bytes))
}

/// Appends the canonical text of `value` to `out`; a struct is braced unless it is the
/// whole value.
pub(crate) fn print(shape: &Shape, value: &Value, top: bool, out: &mut String) {
    match (shape, value) {
        (Shape::Addr4, Value::Int(bits, _)) => {
            let _ = write!(out, "{}", std::net::Ipv4Addr::from(*bits as u32));
        }
        (Shape::Addr6, Value::Array(items)) if items.len() == 16 => {
            let mut octets = [0u8; 16];
            for (o, v) in octets.iter_mut().zip(items) {
                *o = if let Value::Int(b, _) = v { *b as u8 } else { 0 };
            }
            let _ = write!(out, "{}", std::net::Ipv6Addr::from(octets));
        }
        (Shape::Prefix(a), Value::Struct(parts)) if parts.len() == 2 => {
            print(a, &parts[1], false, out);
            let _ = write!(out, "/{}", parts[0].as_i128().unwrap_or_default());
        }
        (_, Value::Int(..)) => {
            let _ = write!(out, "{}", value.as_i128().unwrap_or_default());
        }
        (_, Value::Bool(b)) => {
            let _ = write!(out, "{b}");
        }
        (_, Value::Array(items)) if shape.is_byte_array() => {
            let bytes: Vec<u8> = items.iter().map(|v| if let Value::Int(b, _) = v { *b as u8 } else { 0 }).collect();
            out.push_str("b\"");
            out.push_str(&lit::escape(&bytes));
            out.push('"');
        }
        (_, Value::Array(items)) => {
            let elem = match shape {
                Shape::Array { elem, .. } => elem,
                _ => shape,
            };
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                print(elem, item, false, out);
            }
            out.push(']');
        }
        (Shape::Struct { fields, .. }, Value::Struct(items)) => {
            out.push_str(if top { "" } else { "{" });
            for (i, (f, item)) in fields.iter().zip(items).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&f.name);
                out.push('=');
                print(&f.shape, item, false, out);
            }
            out.push_str(if top { "" } else { "}" });
        }
        // A struct value under another shape (a caller's mistake): its fields, unnamed.
        (_, Value::Struct(items)) => {
            out.push('{');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                print(&Shape::Bytes(0), item, false, out);
            }
            out.push('}');
        }
        (_, Value::Bytes(bytes)) => {
            out.push_str("hex:");
            for b in bytes {
                let _ = write!(out, "{b:02x}");
            }
        }
    }
}
