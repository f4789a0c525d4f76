//! A reader of BTF and of `.BTF.ext` line info, for any producer (rsteer, clang, the kernel).
//!
//! The layouts follow the kernel's `include/uapi/linux/btf.h` and libbpf's `btf_ext_header`.
//! Reading never panics: every offset and count is checked against the bytes, and a blob that
//! does not hold together is an `Err` saying where. `rsteer map` reads a live map's key and
//! value types with it (the kernel hands back the BTF a map was created with), the loader
//! places a verifier rejection at its source line, and `rsteer disasm` interleaves source.

/// The first two bytes of `.BTF` and `.BTF.ext`.
pub const MAGIC: u16 = 0xEB9F;

pub const KIND_INT: u32 = 1;
pub const KIND_PTR: u32 = 2;
pub const KIND_ARRAY: u32 = 3;
pub const KIND_STRUCT: u32 = 4;
pub const KIND_UNION: u32 = 5;
pub const KIND_ENUM: u32 = 6;
pub const KIND_FWD: u32 = 7;
pub const KIND_TYPEDEF: u32 = 8;
pub const KIND_VOLATILE: u32 = 9;
pub const KIND_CONST: u32 = 10;
pub const KIND_RESTRICT: u32 = 11;
pub const KIND_FUNC: u32 = 12;
pub const KIND_FUNC_PROTO: u32 = 13;
pub const KIND_VAR: u32 = 14;
pub const KIND_DATASEC: u32 = 15;
pub const KIND_FLOAT: u32 = 16;
pub const KIND_DECL_TAG: u32 = 17;
pub const KIND_TYPE_TAG: u32 = 18;
pub const KIND_ENUM64: u32 = 19;

/// `BTF_INT_SIGNED`, `BTF_INT_CHAR`, `BTF_INT_BOOL`.
pub const INT_SIGNED: u32 = 1;
pub const INT_CHAR: u32 = 2;
pub const INT_BOOL: u32 = 4;

/// One member of a struct or union.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub ty: u32,
    /// Offset in bits from the start of the struct.
    pub bit_offset: u32,
    /// Bits of a bitfield (0 for an ordinary member).
    pub bitfield_size: u32,
}

/// One BTF type, as much of it as rsteer reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// `void` (type id 0).
    Void,
    Int {
        name: String,
        size: u32,
        encoding: u32,
        bits: u32,
    },
    Ptr {
        target: u32,
    },
    Array {
        elem: u32,
        len: u32,
    },
    Struct {
        name: String,
        size: u32,
        members: Vec<Member>,
        union: bool,
    },
    Enum {
        name: String,
        size: u32,
        signed: bool,
    },
    /// A typedef or a qualifier (`const`, `volatile`, `restrict`, a type tag): the type it names.
    Alias {
        name: String,
        target: u32,
    },
    Func {
        name: String,
        proto: u32,
    },
    /// Any other kind (forward declarations, prototypes, variables, sections, floats, tags).
    Other {
        kind: u32,
        name: String,
        size_or_type: u32,
    },
}

/// A parsed `.BTF` blob: its types by id and its string table.
#[derive(Clone, Debug, Default)]
pub struct Btf {
    types: Vec<Type>,
    strings: Vec<u8>,
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off.checked_add(4)?)?.try_into().ok()?))
}

/// The NUL-terminated string at `off` of `table`; `None` past the end.
fn string_at(table: &[u8], off: u32) -> Option<String> {
    let rest = table.get(off as usize..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// Checks a `.BTF` blob's header: the magic, and type and string sections inside the blob.
/// (A type of a kind this reader does not know is no error here: newer compilers emit them.)
pub fn check_header(bytes: &[u8]) -> Result<(), String> {
    Btf::sections(bytes).map(|_| ())
}

impl Btf {
    /// The type and string sections of a blob, checked against its length.
    fn sections(bytes: &[u8]) -> Result<(&[u8], &[u8]), String> {
        let err = |what: &str| format!("the BTF {what}");
        if u16_at(bytes, 0) != Some(MAGIC) {
            return Err(err("does not start with the BTF magic 0xeb9f"));
        }
        let hdr_len = u32_at(bytes, 4).ok_or_else(|| err("header is cut short"))? as usize;
        let field = |i: usize| u32_at(bytes, 8 + 4 * i).ok_or_else(|| err("header is cut short"));
        let (type_off, type_len, str_off, str_len) = (field(0)?, field(1)?, field(2)?, field(3)?);
        let section = |off: u32, len: u32, what: &str| {
            let start = hdr_len.checked_add(off as usize);
            let end = start.and_then(|s| s.checked_add(len as usize));
            match (start, end) {
                (Some(s), Some(e)) if e <= bytes.len() => Ok(&bytes[s..e]),
                _ => Err(err(&format!("{what} section runs past the end of the blob"))),
            }
        };
        Ok((section(type_off, type_len, "type")?, section(str_off, str_len, "string")?))
    }

    /// Parses a `.BTF` blob (little endian, as every BPF target writes it).
    pub fn parse(bytes: &[u8]) -> Result<Btf, String> {
        let err = |what: &str| format!("the BTF {what}");
        let (types_bytes, strings) = Btf::sections(bytes)?;
        let strings = strings.to_vec();
        let mut btf = Btf { types: vec![Type::Void], strings };
        let mut off = 0usize;
        while off < types_bytes.len() {
            let (ty, len) = btf.read_type(types_bytes, off).ok_or_else(|| {
                err(&format!("type {} (at byte {off} of the type section) is cut short", btf.types.len()))
            })?;
            btf.types.push(ty);
            off += len;
        }
        Ok(btf)
    }

    fn name(&self, off: u32) -> String {
        string_at(&self.strings, off).unwrap_or_default()
    }

    /// The string at `off` of the string table (names, file names, source lines).
    pub fn string(&self, off: u32) -> Option<String> {
        string_at(&self.strings, off)
    }

    /// Reads the type record at `off`: the type and the bytes it takes.
    fn read_type(&self, b: &[u8], off: usize) -> Option<(Type, usize)> {
        let name_off = u32_at(b, off)?;
        let info = u32_at(b, off + 4)?;
        let size_or_type = u32_at(b, off + 8)?;
        let vlen = (info & 0xffff) as usize;
        let kind = (info >> 24) & 0x1f;
        let kind_flag = info >> 31 == 1;
        let body = off + 12;
        let name = self.name(name_off);
        let (ty, extra) = match kind {
            KIND_INT => {
                let word = u32_at(b, body)?;
                (Type::Int { name, size: size_or_type, encoding: (word >> 24) & 0xf, bits: word & 0xff }, 4)
            }
            KIND_PTR => (Type::Ptr { target: size_or_type }, 0),
            KIND_ARRAY => (Type::Array { elem: u32_at(b, body)?, len: u32_at(b, body + 8)? }, 12),
            KIND_STRUCT | KIND_UNION => {
                let mut members = Vec::with_capacity(vlen.min(4096));
                for i in 0..vlen {
                    let m = body.checked_add(i.checked_mul(12)?)?;
                    let raw = u32_at(b, m + 8)?;
                    let (bit_offset, bitfield_size) = if kind_flag { (raw & 0xff_ffff, raw >> 24) } else { (raw, 0) };
                    members.push(Member {
                        name: self.name(u32_at(b, m)?),
                        ty: u32_at(b, m + 4)?,
                        bit_offset,
                        bitfield_size,
                    });
                }
                (Type::Struct { name, size: size_or_type, members, union: kind == KIND_UNION }, vlen.checked_mul(12)?)
            }
            KIND_ENUM => (Type::Enum { name, size: size_or_type, signed: kind_flag }, vlen.checked_mul(8)?),
            KIND_ENUM64 => (Type::Enum { name, size: size_or_type, signed: kind_flag }, vlen.checked_mul(12)?),
            KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG => {
                (Type::Alias { name, target: size_or_type }, 0)
            }
            KIND_FUNC => (Type::Func { name, proto: size_or_type }, 0),
            KIND_FUNC_PROTO => (Type::Other { kind, name, size_or_type }, vlen.checked_mul(8)?),
            KIND_VAR => (Type::Other { kind, name, size_or_type }, 4),
            KIND_DATASEC => (Type::Other { kind, name, size_or_type }, vlen.checked_mul(12)?),
            KIND_DECL_TAG => (Type::Other { kind, name, size_or_type }, 4),
            KIND_FWD | KIND_FLOAT => (Type::Other { kind, name, size_or_type }, 0),
            _ => return None,
        };
        let len = 12usize.checked_add(extra)?;
        b.get(off..off.checked_add(len)?)?;
        Some((ty, len))
    }

    /// The type with id `id`; `None` past the last.
    pub fn get(&self, id: u32) -> Option<&Type> {
        self.types.get(id as usize)
    }

    /// The number of types, `void` included.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.len() <= 1
    }

    /// `id` with typedefs and qualifiers looked through (at most 64 deep, so a cycle ends).
    pub fn resolve(&self, mut id: u32) -> u32 {
        for _ in 0..64 {
            match self.get(id) {
                Some(Type::Alias { target, .. }) => id = *target,
                _ => break,
            }
        }
        id
    }

    /// The byte size of type `id` (`None` for a type of no size, or one too deep or too big).
    pub fn size_of(&self, id: u32) -> Option<u32> {
        self.size_at(id, 0)
    }

    fn size_at(&self, id: u32, depth: u32) -> Option<u32> {
        if depth > 64 {
            return None;
        }
        match self.get(self.resolve(id))? {
            Type::Int { size, .. } | Type::Struct { size, .. } | Type::Enum { size, .. } => Some(*size),
            Type::Ptr { .. } => Some(8),
            Type::Array { elem, len } => self.size_at(*elem, depth + 1)?.checked_mul(*len),
            _ => None,
        }
    }

    /// The id of the function named `name` (a program's entry), if any.
    pub fn func_named(&self, name: &str) -> Option<u32> {
        self.types.iter().position(|t| matches!(t, Type::Func { name: n, .. } if n == name)).map(|i| i as u32)
    }
}

/// One `.BTF.ext` line-info record, resolved through the BTF string table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The instruction slot (not byte) offset within the section.
    pub insn: u32,
    pub file: String,
    /// The source line's text, as the producer recorded it.
    pub text: String,
    pub line: u32,
    pub column: u32,
}

/// The line info of every ELF section `.BTF.ext` describes: (section name, its records).
pub fn line_info(ext: &[u8], btf: &Btf) -> Result<Vec<(String, Vec<Line>)>, String> {
    let err = |what: &str| format!("the .BTF.ext {what}");
    if u16_at(ext, 0) != Some(MAGIC) {
        return Err(err("does not start with the BTF magic 0xeb9f"));
    }
    let hdr_len = u32_at(ext, 4).ok_or_else(|| err("header is cut short"))? as usize;
    let line_off = u32_at(ext, 16).ok_or_else(|| err("header is cut short"))? as usize;
    let line_len = u32_at(ext, 20).ok_or_else(|| err("header is cut short"))? as usize;
    let start = hdr_len.checked_add(line_off).ok_or_else(|| err("line info offset overflows"))?;
    let end =
        start.checked_add(line_len).filter(|&e| e <= ext.len()).ok_or_else(|| err("line info runs past its end"))?;
    let b = &ext[start..end];
    if b.is_empty() {
        return Ok(Vec::new());
    }
    let rec_size = u32_at(b, 0).ok_or_else(|| err("line info is cut short"))? as usize;
    if rec_size < 16 {
        return Err(err(&format!("line info records are {rec_size} bytes, fewer than 16")));
    }
    let mut out = Vec::new();
    let mut off = 4usize;
    while off < b.len() {
        let cut = || err("line info is cut short");
        let sec = btf.string(u32_at(b, off).ok_or_else(cut)?).unwrap_or_default();
        let n = u32_at(b, off + 4).ok_or_else(cut)? as usize;
        off += 8;
        let mut lines = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let rec = off;
            let insn_off = u32_at(b, rec).ok_or_else(cut)?;
            let file = btf.string(u32_at(b, rec + 4).ok_or_else(cut)?).unwrap_or_default();
            let text = btf.string(u32_at(b, rec + 8).ok_or_else(cut)?).unwrap_or_default();
            let line_col = u32_at(b, rec + 12).ok_or_else(cut)?;
            lines.push(Line { insn: insn_off / 8, file, text, line: line_col >> 10, column: line_col & 0x3ff });
            off = off.checked_add(rec_size).ok_or_else(cut)?;
        }
        out.push((sec, lines));
    }
    Ok(out)
}

/// The line that covers instruction `insn` of a section's `lines`: the last that starts at or
/// before it.
pub fn line_of(lines: &[Line], insn: u32) -> Option<&Line> {
    lines.iter().filter(|l| l.insn <= insn).max_by_key(|l| l.insn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BTF blob: the given type records and string table.
    fn blob(types: &[u8], strings: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&MAGIC.to_le_bytes());
        b.extend_from_slice(&[1, 0]);
        b.extend_from_slice(&24u32.to_le_bytes());
        for v in [0, types.len() as u32, types.len() as u32, strings.len() as u32] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(types);
        b.extend_from_slice(strings);
        b
    }

    fn words(w: &[u32]) -> Vec<u8> {
        w.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn reads_ints_structs_and_arrays() {
        // 1: u32; 2: struct Rule { u32 a; u32 b[2]; } (12 bytes); 3: [u32; 2].
        let types = words(&[
            1,
            KIND_INT << 24,
            4,
            32, //
            5,
            (KIND_STRUCT << 24) | 2,
            12,
            10,
            1,
            0,
            12,
            3,
            32, //
            0,
            KIND_ARRAY << 24,
            0,
            1,
            1,
            2,
        ]);
        let btf = Btf::parse(&blob(&types, b"\0u32\0Rule\0a\0b\0")).unwrap();
        assert_eq!(btf.len(), 4);
        assert_eq!(btf.size_of(2), Some(12));
        let Some(Type::Struct { name, members, .. }) = btf.get(2) else { panic!("a struct") };
        assert_eq!((name.as_str(), members[1].name.as_str(), members[1].bit_offset), ("Rule", "b", 32));
    }

    #[test]
    fn truncated_blobs_are_errors_not_panics() {
        let types = words(&[1, KIND_INT << 24, 4, 32]);
        let good = blob(&types, b"\0u32\0");
        for n in 0..good.len() {
            let _ = Btf::parse(&good[..n]);
        }
        let mut bad = good.clone();
        bad[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Btf::parse(&bad).is_err());
    }
}
