//! The C layout of policy types: the ABI that the compiled program, its BTF, the simulator
//! and `rsteer map` share. Integers and `bool` are aligned to their size; an array is its
//! elements back to back; a struct places each field at the next offset aligned for it and
//! is padded to a multiple of its largest alignment; `Option<T>` is a flag padded to `T`'s
//! alignment, then `T`.

use rsteer_lang::hir::{Program, StructDef, StructId, Ty};

/// Where the struct definitions that types name (`Ty::Struct(id)`) are found.
pub trait StructTable {
    fn struct_def(&self, id: StructId) -> &StructDef;
}

impl StructTable for [StructDef] {
    fn struct_def(&self, id: StructId) -> &StructDef {
        &self[id.0 as usize]
    }
}

impl StructTable for Vec<StructDef> {
    fn struct_def(&self, id: StructId) -> &StructDef {
        &self[id.0 as usize]
    }
}

impl StructTable for Program {
    fn struct_def(&self, id: StructId) -> &StructDef {
        &self.structs[id.0 as usize]
    }
}

/// Byte size and alignment of a type in memory.
pub fn layout<S: StructTable + ?Sized>(structs: &S, ty: &Ty) -> (u32, u32) {
    match ty {
        Ty::Int(i) => (i.bytes(), i.bytes()),
        Ty::Bool => (1, 1),
        Ty::Verdict => (4, 4),
        Ty::Array(elem, n) => {
            let (s, a) = layout(structs, elem);
            (s * n, a)
        }
        Ty::Struct(id) => {
            let (mut off, mut align) = (0u32, 1u32);
            for field in &structs.struct_def(*id).fields {
                let (s, a) = layout(structs, &field.ty);
                off = off.div_ceil(a) * a + s;
                align = align.max(a);
            }
            (off.div_ceil(align) * align, align)
        }
        Ty::Option(inner) => {
            let (s, a) = layout(structs, inner);
            let a = a.max(1);
            (a + s.div_ceil(a) * a, a)
        }
        Ty::Packet | Ty::Unit | Ty::Never => (0, 1),
    }
}

/// Byte size of a type in memory (padding included).
pub fn size_of<S: StructTable + ?Sized>(structs: &S, ty: &Ty) -> u32 {
    layout(structs, ty).0
}

/// Byte offsets of a struct's fields, in declaration order.
pub fn field_offsets<S: StructTable + ?Sized>(structs: &S, id: StructId) -> Vec<u32> {
    let mut off = 0u32;
    let mut out = Vec::new();
    for field in &structs.struct_def(id).fields {
        let (s, a) = layout(structs, &field.ty);
        off = off.div_ceil(a) * a;
        out.push(off);
        off += s;
    }
    out
}
