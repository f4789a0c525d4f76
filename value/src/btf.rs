//! Shapes from BTF: the key and value types of a live map, read from the BTF the kernel keeps
//! with it, so that `rsteer map` shows and takes typed values without the policy at hand.

use crate::{Field, Shape};
use rsteer_bpf::btf::{Btf, Type, INT_BOOL, INT_SIGNED};
use rsteer_lang::hir::IntTy;

/// How deep types may nest before the reader gives up (a cycle, or a hostile blob).
const MAX_DEPTH: u32 = 32;

impl Shape {
    /// The shape of BTF type `id`: integers by size and signedness (a `bool` by its encoding),
    /// structs with their members, arrays; typedefs and qualifiers looked through; enums as
    /// integers of their size; anything else (a union, a bitfield, a pointer) as bytes of its
    /// size. `None` when the type has no size.
    pub fn from_btf(btf: &Btf, id: u32) -> Option<Shape> {
        shape(btf, id, 0)
    }
}

fn int(size: u32, signed: bool) -> Option<IntTy> {
    Some(match (size, signed) {
        (1, false) => IntTy::U8,
        (2, false) => IntTy::U16,
        (4, false) => IntTy::U32,
        (8, false) => IntTy::U64,
        (1, true) => IntTy::I8,
        (2, true) => IntTy::I16,
        (4, true) => IntTy::I32,
        (8, true) => IntTy::I64,
        _ => return None,
    })
}

fn shape(btf: &Btf, id: u32, depth: u32) -> Option<Shape> {
    if depth > MAX_DEPTH {
        return None;
    }
    let id = btf.resolve(id);
    let size = btf.size_of(id)?;
    let bytes = Shape::Bytes(size);
    Some(match btf.get(id)? {
        Type::Int { size, encoding, bits, .. } if *encoding & INT_BOOL != 0 && *size == 1 && *bits <= 8 => Shape::Bool,
        Type::Int { size, encoding, bits, .. } if *bits == size * 8 => {
            int(*size, encoding & INT_SIGNED != 0).map_or(bytes, Shape::Int)
        }
        Type::Enum { size, signed, .. } => int(*size, *signed).map_or(bytes, Shape::Int),
        Type::Array { elem, len } => {
            let elem_shape = shape(btf, *elem, depth + 1)?;
            let stride = btf.size_of(*elem)?;
            Shape::Array { elem: Box::new(elem_shape), len: *len, stride }
        }
        Type::Struct { name, size, members, union: false }
            if members.iter().all(|m| m.bitfield_size == 0 && m.bit_offset % 8 == 0 && !m.name.is_empty()) =>
        {
            let mut fields = Vec::with_capacity(members.len());
            for m in members {
                fields.push(Field {
                    name: m.name.clone(),
                    offset: m.bit_offset / 8,
                    shape: shape(btf, m.ty, depth + 1)?,
                });
            }
            let name = if name.is_empty() { "struct".to_string() } else { name.clone() };
            Shape::Struct { name, size: *size, fields }
        }
        _ => bytes,
    })
}
