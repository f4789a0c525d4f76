//! rsteer-value: policy values as bytes.
//!
//! [`layout`] is the C layout of policy types (sizes, alignment, field offsets): the ABI
//! that the compiled program and its BTF, the simulator and `rsteer map` share. [`Shape`]
//! is a type resolved against that layout, and the one codec between a [`Value`] and its
//! bytes (what a map holds), its text (what `rsteer map` reads and prints) and its JSON.
//!
//! **Text.** Integers in any base (`42`, `0x2a`, `0o52`, `0b10_1010`; a `-` for the signed
//! types; range-checked for the type, read by [`rsteer_lang::lit::parse_int`]), `true` and
//! `false`, arrays `[1,2,3]`, byte arrays also as `b"..."` with the language's escapes,
//! structs `field=value,field=value` naming every field (in braces, `{a=1,b=2}`, inside an
//! array or another struct), and for any shape `hex:` with the raw bytes. The printed form
//! is canonical and reads back to the same value: decimal integers, `b"..."` for `[u8; N]`,
//! `hex:` for bytes of no known type, no spaces.
//!
//! **JSON.** Integers are JSON numbers, exact over the whole `u64` and `i64` range (beyond
//! 2^53 a reader that parses numbers as doubles rounds them; one that must not can read the
//! number's text); `bool` is a JSON boolean; arrays, byte arrays and bytes of no known type
//! are arrays of numbers; structs are objects keyed by field name. Reading JSON also takes a
//! string wherever a value goes, read as text of that shape (`"0xff"`, `"b\"ab\""`).

mod btf;
pub mod counts;
mod json;
pub mod layout;
mod text;

pub use layout::{field_offsets, layout, size_of, StructTable};

use rsteer_lang::hir::{IntTy, MapDecl, Ty};
use std::fmt;

/// A policy type laid out in memory: what the codec needs to read and write its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    Int(IntTy),
    Bool,
    /// `[T; N]`: `len` elements, `stride` bytes apart.
    Array {
        elem: Box<Shape>,
        len: u32,
        stride: u32,
    },
    /// A struct: its name, its size with padding, and its fields in declaration order.
    Struct {
        name: String,
        size: u32,
        fields: Vec<Field>,
    },
    /// Bytes of no known type: a map read without its policy, or a type maps do not hold.
    Bytes(u32),
    /// A `u32` that is an IPv4 address (host order, as `pkt.src_ip4`): written and printed
    /// `127.1.0.0`; its value is a `Value::Int` of `u32`.
    Addr4,
    /// A `[u8; 16]` that is an IPv6 address (network order, as `pkt.src_ip6`): written and
    /// printed `2001:db8::1`; its value is a `Value::Array` of 16 `u8`.
    Addr6,
    /// An LPM trie's key: a 4-byte prefix length (host order), then the address in network
    /// order. Written and printed `10.1.0.0/16` (`2001:db8::/32`; `b"ab"/12` for other
    /// bytes); the address alone means its full length. Its value is a `Value::Struct` of
    /// the length (`u32`) and the address as its shape holds it: `Addr4` (a host-order
    /// `u32`), `Addr6`, or a byte array.
    Prefix(Box<Shape>),
}

/// One field of a [`Shape::Struct`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub offset: u32,
    pub shape: Shape,
}

/// A value of some [`Shape`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Two's-complement bits, zero above the type's width (`-1i8` is `0xff`).
    Int(u64, IntTy),
    Bool(bool),
    /// An array's elements.
    Array(Vec<Value>),
    /// A struct's fields, in declaration order.
    Struct(Vec<Value>),
    /// The bytes of a [`Shape::Bytes`].
    Bytes(Vec<u8>),
}

impl Value {
    /// An integer's value as a number (`-1` for the bits `0xff` of an `i8`); `None` for a
    /// value that is not an integer.
    pub fn as_i128(&self) -> Option<i128> {
        match self {
            Value::Int(bits, t) if t.signed() => {
                let shift = 64 - t.bits();
                Some(i128::from(((*bits << shift) as i64) >> shift))
            }
            Value::Int(bits, _) => Some(i128::from(*bits)),
            _ => None,
        }
    }
}

/// Why a text or JSON value does not fit its shape: a message in words, and sometimes a hint
/// (a suggestion for a misspelt field, the form to write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
    pub help: Option<String>,
}

impl ValueError {
    fn new(message: impl Into<String>) -> ValueError {
        ValueError { message: message.into(), help: None }
    }

    fn with_help(mut self, help: impl Into<String>) -> ValueError {
        self.help = Some(help.into());
        self
    }

    /// The same error, saying where in the value it is (`field `len``, `element 2`).
    fn within(mut self, place: impl fmt::Display) -> ValueError {
        self.message = format!("in {place}: {}", self.message);
        self
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValueError {}

impl Shape {
    /// The shape of `ty`, with the layout the compiled program uses.
    pub fn of<S: StructTable + ?Sized>(structs: &S, ty: &Ty) -> Shape {
        match ty {
            Ty::Int(i) => Shape::Int(*i),
            Ty::Bool => Shape::Bool,
            Ty::Array(elem, n) => {
                Shape::Array { elem: Box::new(Shape::of(structs, elem)), len: *n, stride: size_of(structs, elem) }
            }
            Ty::Struct(id) => {
                let def = structs.struct_def(*id);
                let fields = def
                    .fields
                    .iter()
                    .zip(field_offsets(structs, *id))
                    .map(|(f, offset)| Field { name: f.name.clone(), offset, shape: Shape::of(structs, &f.ty) })
                    .collect();
                Shape::Struct { name: def.name.clone(), size: size_of(structs, ty), fields }
            }
            other => Shape::Bytes(size_of(structs, other)),
        }
    }

    /// The shape of the keys of `map` as the kernel holds them: the key type, or for a prefix
    /// table ([`Shape::prefix_key`]) the prefix length and the address.
    pub fn map_key<S: StructTable + ?Sized>(structs: &S, map: &MapDecl) -> Shape {
        let key = Shape::of(structs, &map.key);
        if map.kind.info().prefix_key {
            Shape::prefix_key(key)
        } else {
            key
        }
    }

    /// The same shape with every `u32` an IPv4 address and every `[u8; 16]` an IPv6 address
    /// (`rsteer map --addr`).
    pub fn addresses(self) -> Shape {
        match self {
            Shape::Int(IntTy::U32) => Shape::Addr4,
            s @ Shape::Array { len: 16, .. } if s.is_byte_array() => Shape::Addr6,
            Shape::Array { elem, len, stride } => Shape::Array { elem: Box::new(elem.addresses()), len, stride },
            Shape::Struct { name, size, fields } => Shape::Struct {
                name,
                size,
                fields: fields.into_iter().map(|f| Field { shape: f.shape.addresses(), ..f }).collect(),
            },
            Shape::Prefix(a) => Shape::Prefix(Box::new(a.addresses())),
            other => other,
        }
    }

    /// The key of an LPM trie whose addresses have shape `addr`: a `u32` or a `[u8; 4]` is
    /// an IPv4 address and a `[u8; 16]` an IPv6 one (prefix tables' keys are always printed
    /// as addresses).
    pub fn prefix_key(addr: Shape) -> Shape {
        Shape::Prefix(Box::new(match addr {
            Shape::Int(IntTy::U32) => Shape::Addr4,
            s @ Shape::Array { len: 4, .. } if s.is_byte_array() => Shape::Addr4,
            s @ Shape::Array { len: 16, .. } if s.is_byte_array() => Shape::Addr6,
            other => other,
        }))
    }

    /// The key of an LPM trie of `key_size` bytes whose type is not known: an IPv4 prefix
    /// for 8 bytes, an IPv6 one for 20, else a prefix of bytes.
    pub fn untyped_prefix_key(key_size: u32) -> Shape {
        Shape::Prefix(Box::new(match key_size.saturating_sub(4) {
            4 => Shape::Addr4,
            16 => Shape::Addr6,
            n => Shape::Bytes(n),
        }))
    }

    /// The value of prefix `addr/len` in a [`Shape::Prefix`]: the address as its shape holds
    /// it, bits past `len` cleared.
    pub fn prefix_value(&self, addr: Value, len: u32) -> Value {
        let Shape::Prefix(a) = self else { return addr };
        let mut data = a.encode(&addr);
        if **a == Shape::Addr4 {
            data.reverse();
        }
        for (i, b) in data.iter_mut().enumerate() {
            let bit = i as u32 * 8;
            if bit + 8 > len {
                *b &= if bit >= len { 0 } else { 0xffu8 << (8 - (len - bit)) };
            }
        }
        if **a == Shape::Addr4 {
            data.reverse();
        }
        Value::Struct(vec![Value::Int(u64::from(len), IntTy::U32), a.decode(&data)])
    }

    /// The number of address bits of a [`Shape::Prefix`] (the longest prefix length).
    pub fn prefix_bits(&self) -> u32 {
        match self {
            Shape::Prefix(a) => a.size() * 8,
            _ => 0,
        }
    }

    /// The shape of `size` bytes whose type is not known: an unsigned integer when the size
    /// is one (1, 2, 4 or 8 bytes), else bytes.
    pub fn untyped(size: u32) -> Shape {
        match size {
            1 => Shape::Int(IntTy::U8),
            2 => Shape::Int(IntTy::U16),
            4 => Shape::Int(IntTy::U32),
            8 => Shape::Int(IntTy::U64),
            n => Shape::Bytes(n),
        }
    }

    /// Bytes a value of this shape takes, padding included.
    pub fn size(&self) -> u32 {
        match self {
            Shape::Int(i) => i.bytes(),
            Shape::Bool => 1,
            Shape::Array { len, stride, .. } => len * stride,
            Shape::Struct { size, .. } => *size,
            Shape::Bytes(n) => *n,
            Shape::Addr4 => 4,
            Shape::Addr6 => 16,
            Shape::Prefix(a) => 4 + a.size(),
        }
    }

    /// The shape as the user knows it, for messages: `u16`, `[u8; 4]`, `Flow`, `6 bytes`.
    pub fn name(&self) -> String {
        match self {
            Shape::Int(i) => i.name().to_string(),
            Shape::Bool => "bool".to_string(),
            Shape::Array { elem, len, .. } => format!("[{}; {len}]", elem.name()),
            Shape::Struct { name, .. } => name.clone(),
            Shape::Bytes(n) => format!("{n} bytes"),
            Shape::Addr4 => "IPv4 address".to_string(),
            Shape::Addr6 => "IPv6 address".to_string(),
            Shape::Prefix(a) => format!("{} prefix", a.name()),
        }
    }

    /// Whether this is `[u8; N]`, written and printed as a byte string.
    fn is_byte_array(&self) -> bool {
        matches!(self, Shape::Array { elem, .. } if **elem == Shape::Int(IntTy::U8)) || *self == Shape::Addr6
    }

    /// Reads a value from its bytes (little endian, C layout). Bytes past the end of `bytes`
    /// read as zero; bytes past the shape's size are ignored.
    pub fn decode(&self, bytes: &[u8]) -> Value {
        let from = |off: u32| bytes.get(off as usize..).unwrap_or(&[]);
        match self {
            Shape::Int(t) => {
                let mut raw = [0u8; 8];
                let n = (t.bytes() as usize).min(bytes.len());
                raw[..n].copy_from_slice(&bytes[..n]);
                Value::Int(u64::from_le_bytes(raw), *t)
            }
            Shape::Bool => Value::Bool(bytes.first().is_some_and(|b| *b != 0)),
            Shape::Array { elem, len, stride } => {
                Value::Array((0..*len).map(|i| elem.decode(from(i * stride))).collect())
            }
            Shape::Struct { fields, .. } => {
                Value::Struct(fields.iter().map(|f| f.shape.decode(from(f.offset))).collect())
            }
            Shape::Bytes(n) => {
                let mut out = bytes[..(*n as usize).min(bytes.len())].to_vec();
                out.resize(*n as usize, 0);
                Value::Bytes(out)
            }
            Shape::Addr4 => Shape::Int(IntTy::U32).decode(bytes),
            Shape::Addr6 => Shape::byte_array(16).decode(bytes),
            Shape::Prefix(a) => {
                let len = Shape::Int(IntTy::U32).decode(bytes);
                let mut data = from(4)[..(a.size() as usize).min(from(4).len())].to_vec();
                data.resize(a.size() as usize, 0);
                // An IPv4 address is held in host order, the trie's data in network order.
                if **a == Shape::Addr4 {
                    data.reverse();
                }
                Value::Struct(vec![len, a.decode(&data)])
            }
        }
    }

    /// `[u8; n]`.
    fn byte_array(n: u32) -> Shape {
        Shape::Array { elem: Box::new(Shape::Int(IntTy::U8)), len: n, stride: 1 }
    }

    /// The bytes of `value`: exactly [`Shape::size`] of them, padding zero. A part of `value`
    /// that does not match the shape is left zero; values that [`Shape::decode`],
    /// [`Shape::parse`] and [`Shape::from_json`] of the same shape return always match.
    pub fn encode(&self, value: &Value) -> Vec<u8> {
        let mut out = vec![0u8; self.size() as usize];
        self.encode_into(value, &mut out);
        out
    }

    fn encode_into(&self, value: &Value, out: &mut [u8]) {
        match (self, value) {
            (Shape::Int(t), Value::Int(bits, _)) => {
                let n = t.bytes() as usize;
                out[..n].copy_from_slice(&bits.to_le_bytes()[..n]);
            }
            (Shape::Bool, Value::Bool(b)) => out[0] = u8::from(*b),
            (Shape::Array { elem, stride, .. }, Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    elem.encode_into(item, &mut out[i * *stride as usize..]);
                }
            }
            (Shape::Struct { fields, .. }, Value::Struct(items)) => {
                for (f, item) in fields.iter().zip(items) {
                    f.shape.encode_into(item, &mut out[f.offset as usize..]);
                }
            }
            (Shape::Bytes(n), Value::Bytes(b)) => {
                let n = (*n as usize).min(b.len());
                out[..n].copy_from_slice(&b[..n]);
            }
            (Shape::Addr4, v) => Shape::Int(IntTy::U32).encode_into(v, out),
            (Shape::Addr6, v) => Shape::byte_array(16).encode_into(v, out),
            (Shape::Prefix(a), Value::Struct(parts)) if parts.len() == 2 => {
                Shape::Int(IntTy::U32).encode_into(&parts[0], out);
                let mut data = a.encode(&parts[1]);
                if **a == Shape::Addr4 {
                    data.reverse();
                }
                out[4..4 + data.len()].copy_from_slice(&data);
            }
            _ => {}
        }
    }

    /// Reads a value from its text (the forms in the crate documentation).
    pub fn parse(&self, text: &str) -> Result<Value, ValueError> {
        text::parse(self, text)
    }

    /// Reads a value from its text over `base`: a struct's fields left unnamed (at any depth)
    /// keep their value in `base` (`rsteer map set --update`).
    pub fn parse_over(&self, text: &str, base: &Value) -> Result<Value, ValueError> {
        text::parse_over(self, text, Some(base))
    }

    /// Reads a value from JSON over `base`, as [`Shape::parse_over`] does from text.
    pub fn from_json_over(&self, json: &serde_json::Value, base: &Value) -> Result<Value, ValueError> {
        json::from_json_over(self, json, Some(base))
    }

    /// The canonical text of `value`, which [`Shape::parse`] reads back to the same value.
    pub fn print(&self, value: &Value) -> String {
        let mut out = String::new();
        text::print(self, value, true, &mut out);
        out
    }

    /// The bytes of the value written as `text`.
    pub fn parse_bytes(&self, text: &str) -> Result<Vec<u8>, ValueError> {
        self.parse(text).map(|v| self.encode(&v))
    }

    /// The canonical text of the value held in `bytes`.
    pub fn print_bytes(&self, bytes: &[u8]) -> String {
        self.print(&self.decode(bytes))
    }

    /// `value` as JSON.
    pub fn to_json(&self, value: &Value) -> serde_json::Value {
        json::to_json(self, value)
    }

    /// Reads a value from JSON.
    pub fn from_json(&self, json: &serde_json::Value) -> Result<Value, ValueError> {
        json::from_json_over(self, json, None)
    }
}

/// The fields of a struct value as they are named one by one, in any order (text
/// `a=1,b=2`, a JSON object): each must be a field, named once, and every field named.
struct StructFill<'a> {
    name: &'a str,
    fields: &'a [Field],
    values: Vec<Option<Value>>,
}

impl<'a> StructFill<'a> {
    fn new(name: &'a str, fields: &'a [Field]) -> StructFill<'a> {
        StructFill { name, fields, values: vec![None; fields.len()] }
    }

    /// The field called `name`, or why there is none to fill.
    fn field(&self, name: &str) -> Result<(usize, &'a Field), ValueError> {
        let Some(i) = self.fields.iter().position(|f| f.name == name) else {
            let e = ValueError::new(format!("`{}` has no field `{name}`", self.name));
            let close = self
                .fields
                .iter()
                .map(|f| (strsim::osa_distance(name, &f.name), &f.name))
                .filter(|(d, f)| *d <= (f.len() / 3).max(1) || f.eq_ignore_ascii_case(name))
                .min();
            return Err(match close {
                Some((_, f)) => e.with_help(format!("did you mean `{f}`?")),
                None => e.with_help(format!("its fields: {}", self.field_list())),
            });
        };
        if self.values[i].is_some() {
            return Err(ValueError::new(format!("field `{name}` is given twice")));
        }
        Ok((i, &self.fields[i]))
    }

    fn set(&mut self, i: usize, v: Value) {
        self.values[i] = Some(v);
    }

    fn field_list(&self) -> String {
        self.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The struct value, fields left unnamed taken from `base` (the current value, for
    /// `rsteer map set --update`); with no base, the fields left unnamed are an error.
    fn finish_over(mut self, base: Option<&Value>) -> Result<Value, ValueError> {
        if let Some(Value::Struct(old)) = base {
            for (v, o) in self.values.iter_mut().zip(old) {
                if v.is_none() {
                    *v = Some(o.clone());
                }
            }
        }
        self.finish()
    }

    /// The struct value, or the fields left unnamed.
    fn finish(self) -> Result<Value, ValueError> {
        let missing: Vec<String> = self
            .fields
            .iter()
            .zip(&self.values)
            .filter(|(_, v)| v.is_none())
            .map(|(f, _)| format!("`{}`", f.name))
            .collect();
        if missing.is_empty() {
            return Ok(Value::Struct(self.values.into_iter().flatten().collect()));
        }
        let (noun, list) = match missing.split_last() {
            Some((last, [])) => ("field", last.clone()),
            Some((last, rest)) => ("fields", format!("{} and {last}", rest.join(", "))),
            None => unreachable!("missing is not empty"),
        };
        let form: Vec<String> = self.fields.iter().map(|f| format!("{}=...", f.name)).collect();
        Err(ValueError::new(format!("the `{}` value does not name {noun} {list}", self.name))
            .with_help(format!("write every field: `{}`", form.join(","))))
    }
}

/// That `found` elements (bytes of a byte array) are the `want` the shape holds.
pub(crate) fn check_len(found: usize, want: u32, shape: &Shape) -> Result<(), ValueError> {
    if found == want as usize {
        return Ok(());
    }
    let unit = if matches!(shape, Shape::Bytes(_)) || shape.is_byte_array() { "byte" } else { "element" };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    Err(ValueError::new(format!("`{}` holds {want} {unit}{}, not {found}", shape.name(), plural(want as usize))))
}

#[cfg(test)]
mod tests;
