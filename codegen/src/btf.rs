//! BTF and .BTF.ext encoder.
//!
//! aya-obj cannot build STRUCT or ARRAY types through its public API, so rsteer encodes BTF
//! itself. The layouts follow the kernel's `include/uapi/linux/btf.h` and libbpf's
//! `btf_ext_header`; the type graph for maps and programs follows what clang emits for libbpf's
//! `__uint`/`__type` macros, because libbpf and aya recognise BTF-defined maps by that shape.
//!
//! [`Btf`] and [`BtfExt`] are the low-level encoders; [`encode_object_btf`] builds the whole
//! `.BTF` and `.BTF.ext` of an [`ObjectSpec`] for the ELF writer.

use foldhash::{HashMap, HashMapExt};

use crate::object::{BtfType, LineInfo, MapSpec, ObjectSpec, ProgramSpec, RawInsn};

pub use rsteer_bpf::btf::MAGIC as BTF_MAGIC;
pub const BTF_VERSION: u8 = 1;

/// Bytes of a map definition in `.maps`: four pointer-sized members (type, max_entries, key,
/// value), each of which libbpf reads only through BTF, so the data stays zero; a map with
/// creation flags has a fifth, `map_flags` ([`map_def_size`]).
pub const MAP_DEF_SIZE: u32 = 32;

/// Bytes of `map`'s definition in `.maps`.
pub fn map_def_size(map: &MapSpec) -> u32 {
    if map.map_flags != 0 {
        MAP_DEF_SIZE + 8
    } else {
        MAP_DEF_SIZE
    }
}

/// The byte offset of each map's definition in `.maps`, and the section's size.
pub fn map_def_offsets(maps: &[MapSpec]) -> Result<(Vec<u32>, u32), String> {
    let mut offsets = Vec::with_capacity(maps.len());
    let mut at: u32 = 0;
    for m in maps {
        offsets.push(at);
        at = at.checked_add(map_def_size(m)).ok_or_else(|| "too many maps".to_string())?;
    }
    Ok((offsets, at))
}

/// The opcode of `ld_imm64` (BPF_LD | BPF_IMM | BPF_DW), the only two-slot instruction.
pub const LD_IMM64_OPCODE: u8 = 0x18;

const BTF_HEADER_LEN: u32 = 24;
/// clang writes the 32-byte header that includes the CO-RE relocation fields; libbpf and aya
/// accept both, and the longer one matches what every tool has seen most.
const BTF_EXT_HEADER_LEN: u32 = 32;
const FUNC_INFO_REC_SIZE: u32 = 8;
const LINE_INFO_REC_SIZE: u32 = 16;

// The kernel's numbers, written once in `rsteer-bpf` (whose reader decodes what this writes).
pub use rsteer_bpf::btf::{INT_BOOL, INT_CHAR, INT_SIGNED};
use rsteer_bpf::btf::{
    KIND_ARRAY, KIND_DATASEC, KIND_FUNC, KIND_FUNC_PROTO, KIND_FWD, KIND_INT, KIND_PTR, KIND_STRUCT, KIND_VAR,
};

/// `BTF_FUNC_GLOBAL`: the linkage the kernel expects for a program's entry function.
pub const FUNC_GLOBAL: u32 = 1;
/// `BTF_VAR_GLOBAL_ALLOCATED`: what clang gives a non-static global such as a map.
pub const VAR_GLOBAL_ALLOCATED: u32 = 1;

/// The kernel limits vlen to 16 bits.
const MAX_VLEN: usize = 0xffff;
/// The kernel stores string offsets in 24 bits of some records (`BTF_MAX_NAME_OFFSET`).
const MAX_STRINGS_LEN: usize = 0xff_ffff;
/// Older kernels cap identifiers at `KSYM_NAME_LEN` = 128 including the NUL.
const MAX_IDENT_LEN: usize = 127;
/// line_col keeps the column in its low 10 bits and the line in the upper 22.
const MAX_COLUMN: u32 = (1 << 10) - 1;
const MAX_LINE: u32 = (1 << 22) - 1;

/// Whether `name` is a C identifier, which the kernel requires for the names of structs,
/// members, variables and functions (`btf_name_valid_identifier`).
pub fn is_valid_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    name.len() <= MAX_IDENT_LEN && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_identifier(what: &str, name: &str) -> Result<(), String> {
    if is_valid_identifier(name) {
        Ok(())
    } else {
        Err(format!(
            "{what} name {name:?} is not a C identifier of at most {MAX_IDENT_LEN} characters, \
             which BTF requires"
        ))
    }
}

/// For each instruction slot, whether it is the second half of an `ld_imm64`. Such a slot is
/// not an instruction of its own: nothing may point at it (line info, relocations).
pub fn ld_imm64_second_slots(insns: &[RawInsn]) -> Result<Vec<bool>, String> {
    let mut second = vec![false; insns.len()];
    let mut i = 0;
    while i < insns.len() {
        if insns[i][0] == LD_IMM64_OPCODE {
            if i + 1 >= insns.len() {
                return Err(format!("the ld_imm64 at instruction {i} is the last slot: its second half is missing"));
            }
            second[i + 1] = true;
            i += 2;
        } else {
            i += 1;
        }
    }
    Ok(second)
}

/// A `.BTF` section under construction: type records and a deduplicated string table.
#[derive(Clone, Debug)]
pub struct Btf {
    types: Vec<u8>,
    strings: Vec<u8>,
    string_offsets: HashMap<String, u32>,
    /// Number of types added; type ids start at 1 because 0 means `void`.
    type_count: u32,
}

impl Default for Btf {
    fn default() -> Self {
        Self::new()
    }
}

impl Btf {
    pub fn new() -> Self {
        // String offset 0 is the empty string, which anonymous types use as their name.
        let mut string_offsets = HashMap::new();
        string_offsets.insert(String::new(), 0);
        Btf { types: Vec::new(), strings: vec![0], string_offsets, type_count: 0 }
    }

    /// Adds `s` to the string table (once) and returns its offset.
    pub fn add_string(&mut self, s: &str) -> Result<u32, String> {
        if let Some(&off) = self.string_offsets.get(s) {
            return Ok(off);
        }
        if s.contains('\0') {
            return Err(format!("BTF string {s:?} contains a NUL byte"));
        }
        let off = self.strings.len();
        if off + s.len() + 1 > MAX_STRINGS_LEN {
            return Err(format!("the BTF string table would exceed the kernel's limit of {MAX_STRINGS_LEN} bytes"));
        }
        let off = u32::try_from(off).map_err(|_| "BTF string table too large".to_string())?;
        self.strings.extend_from_slice(s.as_bytes());
        self.strings.push(0);
        self.string_offsets.insert(s.to_string(), off);
        Ok(off)
    }

    fn name_offset(&mut self, name: Option<&str>) -> Result<u32, String> {
        match name {
            Some(name) => self.add_string(name),
            None => Ok(0),
        }
    }

    /// Appends the common `struct btf_type` head and returns the new type's id.
    fn push_type(&mut self, name_off: u32, kind: u32, vlen: usize, size_or_type: u32) -> Result<u32, String> {
        if vlen > MAX_VLEN {
            return Err(format!("a BTF type has {vlen} members or entries; the kernel allows {MAX_VLEN}"));
        }
        let id = self.type_count.checked_add(1).ok_or_else(|| "too many BTF types".to_string())?;
        // The vlen check above guarantees the cast is lossless.
        let info = (vlen as u32) | (kind << 24);
        self.push_u32(name_off);
        self.push_u32(info);
        self.push_u32(size_or_type);
        self.type_count = id;
        Ok(id)
    }

    fn push_u32(&mut self, value: u32) {
        self.types.extend_from_slice(&value.to_le_bytes());
    }

    /// Adds an INT of `bytes` bytes using all its bits; `encoding` is 0 or one of
    /// [`INT_SIGNED`], [`INT_CHAR`], [`INT_BOOL`].
    pub fn add_int(&mut self, name: &str, bytes: u32, encoding: u32) -> Result<u32, String> {
        if !matches!(bytes, 1 | 2 | 4 | 8 | 16) {
            return Err(format!("integer type {name:?} has {bytes} bytes; BTF allows 1, 2, 4, 8 or 16"));
        }
        if !matches!(encoding, 0 | INT_SIGNED | INT_CHAR | INT_BOOL) {
            return Err(format!(
                "integer type {name:?} has encoding {encoding:#x}; the kernel accepts one flag at most"
            ));
        }
        if name.is_empty() {
            return Err("an integer type needs a name".to_string());
        }
        let name_off = self.add_string(name)?;
        let id = self.push_type(name_off, KIND_INT, 0, bytes)?;
        // BTF_INT_ENCODING in bits 24..28, BTF_INT_OFFSET 16..24 (0), BTF_INT_BITS 0..8.
        self.push_u32((encoding << 24) | (bytes * 8));
        Ok(id)
    }

    pub fn add_ptr(&mut self, target: u32) -> Result<u32, String> {
        self.push_type(0, KIND_PTR, 0, target)
    }

    pub fn add_array(&mut self, elem: u32, index: u32, nelems: u32) -> Result<u32, String> {
        let id = self.push_type(0, KIND_ARRAY, 0, 0)?;
        self.push_u32(elem);
        self.push_u32(index);
        self.push_u32(nelems);
        Ok(id)
    }

    /// Adds a STRUCT; `name` None makes it anonymous. Members are (name, type id, bit offset).
    pub fn add_struct(&mut self, name: Option<&str>, size: u32, members: &[(&str, u32, u32)]) -> Result<u32, String> {
        if let Some(name) = name {
            check_identifier("struct", name)?;
        }
        for (member, _, _) in members {
            check_identifier("struct member", member)?;
        }
        let name_off = self.name_offset(name)?;
        let mut member_offs = Vec::with_capacity(members.len());
        for (member, _, _) in members {
            member_offs.push(self.add_string(member)?);
        }
        let id = self.push_type(name_off, KIND_STRUCT, members.len(), size)?;
        for ((_, ty, bit_offset), name_off) in members.iter().zip(member_offs) {
            self.push_u32(name_off);
            self.push_u32(*ty);
            // kind_flag is 0, so the whole field is the bit offset (no bitfield size).
            self.push_u32(*bit_offset);
        }
        Ok(id)
    }

    /// Adds a forward declaration of `struct name`.
    pub fn add_fwd_struct(&mut self, name: &str) -> Result<u32, String> {
        check_identifier("struct", name)?;
        let name_off = self.add_string(name)?;
        self.push_type(name_off, KIND_FWD, 0, 0)
    }

    /// Adds an anonymous FUNC_PROTO; params are (name, type id).
    pub fn add_func_proto(&mut self, ret: u32, params: &[(&str, u32)]) -> Result<u32, String> {
        let mut param_offs = Vec::with_capacity(params.len());
        for (param, _) in params {
            check_identifier("parameter", param)?;
            param_offs.push(self.add_string(param)?);
        }
        let id = self.push_type(0, KIND_FUNC_PROTO, params.len(), ret)?;
        for ((_, ty), name_off) in params.iter().zip(param_offs) {
            self.push_u32(name_off);
            self.push_u32(*ty);
        }
        Ok(id)
    }

    /// Adds a FUNC; for this kind vlen carries the linkage.
    pub fn add_func(&mut self, name: &str, proto: u32, linkage: u32) -> Result<u32, String> {
        check_identifier("function", name)?;
        let name_off = self.add_string(name)?;
        self.push_type(name_off, KIND_FUNC, linkage as usize, proto)
    }

    pub fn add_var(&mut self, name: &str, ty: u32, linkage: u32) -> Result<u32, String> {
        check_identifier("variable", name)?;
        let name_off = self.add_string(name)?;
        let id = self.push_type(name_off, KIND_VAR, 0, ty)?;
        self.push_u32(linkage);
        Ok(id)
    }

    /// Adds a DATASEC; vars are (VAR type id, byte offset, byte size), sorted by offset.
    pub fn add_datasec(&mut self, name: &str, size: u32, vars: &[(u32, u32, u32)]) -> Result<u32, String> {
        let name_off = self.add_string(name)?;
        let id = self.push_type(name_off, KIND_DATASEC, vars.len(), size)?;
        for (ty, offset, var_size) in vars {
            self.push_u32(*ty);
            self.push_u32(*offset);
            self.push_u32(*var_size);
        }
        Ok(id)
    }

    /// The bytes of the `.BTF` section: header, types, strings.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        let type_len = u32::try_from(self.types.len()).map_err(|_| "BTF type section too large".to_string())?;
        let str_len = u32::try_from(self.strings.len()).map_err(|_| "BTF string section too large".to_string())?;
        let mut out = Vec::with_capacity(BTF_HEADER_LEN as usize + self.types.len() + self.strings.len());
        out.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        out.push(BTF_VERSION);
        out.push(0); // flags
        for field in [BTF_HEADER_LEN, 0, type_len, type_len, str_len] {
            out.extend_from_slice(&field.to_le_bytes());
        }
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        Ok(out)
    }
}

/// One `struct bpf_func_info` as stored in `.BTF.ext`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncInfoRecord {
    /// Byte offset from the start of the ELF section.
    pub insn_off: u32,
    pub type_id: u32,
}

/// One `struct bpf_line_info` as stored in `.BTF.ext`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineInfoRecord {
    /// Byte offset from the start of the ELF section.
    pub insn_off: u32,
    pub file_name_off: u32,
    pub line_off: u32,
    pub line_col: u32,
}

/// A `.BTF.ext` section under construction: func_info and line_info grouped by ELF section,
/// each group named by a string offset into the `.BTF` string table.
#[derive(Clone, Debug, Default)]
pub struct BtfExt {
    pub func_info: Vec<(u32, Vec<FuncInfoRecord>)>,
    pub line_info: Vec<(u32, Vec<LineInfoRecord>)>,
}

impl BtfExt {
    /// The bytes of the `.BTF.ext` section. Groups without records are left out, because
    /// libbpf rejects a section entry whose count is 0.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        let mut func = Vec::new();
        func.extend_from_slice(&FUNC_INFO_REC_SIZE.to_le_bytes());
        for (sec_name_off, records) in self.func_info.iter().filter(|(_, r)| !r.is_empty()) {
            push_group_head(&mut func, *sec_name_off, records.len())?;
            for rec in records {
                for field in [rec.insn_off, rec.type_id] {
                    func.extend_from_slice(&field.to_le_bytes());
                }
            }
        }
        let mut line = Vec::new();
        line.extend_from_slice(&LINE_INFO_REC_SIZE.to_le_bytes());
        for (sec_name_off, records) in self.line_info.iter().filter(|(_, r)| !r.is_empty()) {
            push_group_head(&mut line, *sec_name_off, records.len())?;
            for rec in records {
                for field in [rec.insn_off, rec.file_name_off, rec.line_off, rec.line_col] {
                    line.extend_from_slice(&field.to_le_bytes());
                }
            }
        }
        let too_large = || ".BTF.ext too large".to_string();
        let func_len = u32::try_from(func.len()).map_err(|_| too_large())?;
        let line_len = u32::try_from(line.len()).map_err(|_| too_large())?;
        let core_relo_off = func_len.checked_add(line_len).ok_or_else(too_large)?;

        let mut out = Vec::with_capacity(BTF_EXT_HEADER_LEN as usize + func.len() + line.len());
        out.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        out.push(BTF_VERSION);
        out.push(0); // flags
                     // Offsets count from the end of the header. There are no CO-RE relocations.
        for field in [BTF_EXT_HEADER_LEN, 0, func_len, func_len, line_len, core_relo_off, 0] {
            out.extend_from_slice(&field.to_le_bytes());
        }
        out.extend_from_slice(&func);
        out.extend_from_slice(&line);
        Ok(out)
    }
}

fn push_group_head(out: &mut Vec<u8>, sec_name_off: u32, count: usize) -> Result<(), String> {
    let count = u32::try_from(count).map_err(|_| "too many .BTF.ext records".to_string())?;
    out.extend_from_slice(&sec_name_off.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    Ok(())
}

/// Where the ELF writer placed programs: one entry per ELF program section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionLayout {
    /// The ELF section name.
    pub name: String,
    /// (index into `ObjectSpec::programs`, first instruction slot within the section), in
    /// ascending slot order.
    pub programs: Vec<(usize, usize)>,
}

/// The encoded `.BTF` and `.BTF.ext` sections of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectBtf {
    pub btf: Vec<u8>,
    pub btf_ext: Vec<u8>,
}

/// Builds `.BTF` and `.BTF.ext` for `spec`, with programs placed as `sections` says and map
/// `i` at byte offset `i * MAP_DEF_SIZE` of `.maps`.
pub fn encode_object_btf(spec: &ObjectSpec, sections: &[SectionLayout]) -> Result<ObjectBtf, String> {
    let mut enc = ObjectBtfEncoder::new();
    let int = enc.btf.add_int("int", 4, INT_SIGNED)?;

    let mut map_vars = Vec::with_capacity(spec.maps.len());
    let (offsets, maps_size) = map_def_offsets(&spec.maps)?;
    for (map, &offset) in spec.maps.iter().zip(&offsets) {
        let ctx = |e: String| format!("map {}: {e}", map.name);
        let type_ptr = enc.int_array_ptr(int, map.map_type).map_err(ctx)?;
        let max_entries_ptr = enc.int_array_ptr(int, map.max_entries).map_err(ctx)?;
        let key = enc.value_type(&map.key).map_err(|e| ctx(format!("key: {e}")))?;
        let key_ptr = enc.btf.add_ptr(key)?;
        let value = enc.value_type(&map.value).map_err(|e| ctx(format!("value: {e}")))?;
        let value_ptr = enc.btf.add_ptr(value)?;
        let mut members = vec![
            ("type", type_ptr, 0),
            ("max_entries", max_entries_ptr, 64),
            ("key", key_ptr, 128),
            ("value", value_ptr, 192),
        ];
        if map.map_flags != 0 {
            members.push(("map_flags", enc.int_array_ptr(int, map.map_flags).map_err(ctx)?, 256));
        }
        let size = map_def_size(map);
        let def = enc.btf.add_struct(None, size, &members)?;
        let var = enc.btf.add_var(&map.name, def, VAR_GLOBAL_ALLOCATED).map_err(ctx)?;
        map_vars.push((var, offset, size));
    }
    if !map_vars.is_empty() {
        enc.btf.add_datasec(".maps", maps_size, &map_vars)?;
    }

    let mut ext = BtfExt::default();
    if !sections.is_empty() {
        let ctx_ptr = enc.sk_reuseport_md_ptr()?;
        let proto = enc.btf.add_func_proto(int, &[("ctx", ctx_ptr)])?;
        for section in sections {
            let sec_name_off = enc.btf.add_string(&section.name)?;
            let mut funcs = Vec::new();
            let mut lines = Vec::new();
            for &(prog_index, first_insn) in &section.programs {
                let prog = spec
                    .programs
                    .get(prog_index)
                    .ok_or_else(|| format!("section layout names program {prog_index}, which does not exist"))?;
                let func = enc
                    .btf
                    .add_func(&prog.name, proto, FUNC_GLOBAL)
                    .map_err(|e| format!("program {}: {e}", prog.name))?;
                funcs.push(FuncInfoRecord { insn_off: insn_byte_offset(first_insn, 0)?, type_id: func });
                enc.line_records(prog, first_insn, &mut lines).map_err(|e| format!("program {}: {e}", prog.name))?;
            }
            ext.func_info.push((sec_name_off, funcs));
            ext.line_info.push((sec_name_off, lines));
        }
    }

    Ok(ObjectBtf { btf: enc.btf.encode()?, btf_ext: ext.encode()? })
}

fn insn_byte_offset(base: usize, insn: usize) -> Result<u32, String> {
    base.checked_add(insn)
        .and_then(|slot| slot.checked_mul(8))
        .and_then(|bytes| u32::try_from(bytes).ok())
        .ok_or_else(|| "instruction offset does not fit in 32 bits".to_string())
}

/// The object-specific part of the encoding: shared types made once and reused.
struct ObjectBtfEncoder {
    btf: Btf,
    /// Value types already encoded, so that a `u32` key shared by maps is one type.
    value_types: Vec<(BtfType, u32)>,
    /// `__ARRAY_SIZE_TYPE__`, the index type clang gives every array.
    array_index: Option<u32>,
    /// PTR to ARRAY of int, by nelems, as `__uint(name, n)` produces.
    int_array_ptrs: HashMap<u32, u32>,
}

impl ObjectBtfEncoder {
    fn new() -> Self {
        ObjectBtfEncoder { btf: Btf::new(), value_types: Vec::new(), array_index: None, int_array_ptrs: HashMap::new() }
    }

    fn array_index(&mut self) -> Result<u32, String> {
        if let Some(id) = self.array_index {
            return Ok(id);
        }
        let id = self.btf.add_int("__ARRAY_SIZE_TYPE__", 4, 0)?;
        self.array_index = Some(id);
        Ok(id)
    }

    /// `int (*)[n]`: libbpf reads a map's numeric attributes from the array's nelems.
    fn int_array_ptr(&mut self, int: u32, n: u32) -> Result<u32, String> {
        if let Some(&id) = self.int_array_ptrs.get(&n) {
            return Ok(id);
        }
        // The kernel rejects arrays whose byte size overflows u32, and int is 4 bytes.
        if n > u32::MAX / 4 {
            return Err(format!(
                "the number {n} is too large to encode as an int array in BTF (at most {})",
                u32::MAX / 4
            ));
        }
        let index = self.array_index()?;
        let array = self.btf.add_array(int, index, n)?;
        let ptr = self.btf.add_ptr(array)?;
        self.int_array_ptrs.insert(n, ptr);
        Ok(ptr)
    }

    /// Encodes a key or value type and returns its id (shared with earlier equal types).
    fn value_type(&mut self, ty: &BtfType) -> Result<u32, String> {
        if let Some((_, id)) = self.value_types.iter().find(|(t, _)| t == ty) {
            return Ok(*id);
        }
        let id = match ty {
            BtfType::Int { name, bytes, signed, is_bool } => {
                let encoding = match (signed, is_bool) {
                    (false, false) => 0,
                    (true, false) => INT_SIGNED,
                    (false, true) => INT_BOOL,
                    (true, true) => return Err(format!("integer type {name:?} cannot be both signed and bool")),
                };
                self.btf.add_int(name, *bytes, encoding)?
            }
            BtfType::Array { elem, len } => {
                let elem_size = type_size(elem)?;
                if elem_size.checked_mul(*len).is_none() {
                    return Err(format!("array of {len} elements of {elem_size} bytes overflows 32 bits"));
                }
                let elem = self.value_type(elem)?;
                let index = self.array_index()?;
                self.btf.add_array(elem, index, *len)?
            }
            BtfType::Struct { name, size, members } => {
                let mut encoded = Vec::with_capacity(members.len());
                for (i, (member, offset, member_ty)) in members.iter().enumerate() {
                    if members[..i].iter().any(|(m, _, _)| m == member) {
                        return Err(format!("struct {name} has two members named {member}"));
                    }
                    let member_size = type_size(member_ty)?;
                    let end = offset.checked_add(member_size);
                    if end.is_none_or(|end| end > *size) {
                        return Err(format!(
                            "member {member} of struct {name} (offset {offset}, {member_size} \
                             bytes) does not fit in its {size} bytes"
                        ));
                    }
                    let bit_offset = offset
                        .checked_mul(8)
                        .ok_or_else(|| format!("member {member} of struct {name}: bit offset overflows"))?;
                    encoded.push((member.as_str(), self.value_type(member_ty)?, bit_offset));
                }
                let name = (!name.is_empty()).then_some(name.as_str());
                self.btf.add_struct(name, *size, &encoded)?
            }
        };
        self.value_types.push((ty.clone(), id));
        Ok(id)
    }

    /// `struct sk_reuseport_md *`, with the struct laid out as the UAPI header does (56 bytes).
    fn sk_reuseport_md_ptr(&mut self) -> Result<u32, String> {
        use rsteer_bpf::ctx::FieldType;
        let u32_ty =
            self.value_type(&BtfType::Int { name: "__u32".to_string(), bytes: 4, signed: false, is_bool: false })?;
        // data and data_end are `__bpf_md_ptr(void *, ...)`: 8-byte pointers to void.
        let void_ptr = self.btf.add_ptr(0)?;
        let bpf_sock = self.btf.add_fwd_struct("bpf_sock")?;
        let sock_ptr = self.btf.add_ptr(bpf_sock)?;
        let members: Vec<(&str, u32, u32)> = rsteer_bpf::ctx::FIELDS
            .iter()
            .map(|f| {
                let ty = match f.ty {
                    FieldType::PacketPtr => void_ptr,
                    FieldType::U32 => u32_ty,
                    FieldType::SockPtr => sock_ptr,
                };
                (f.name, ty, f.off as u32 * 8)
            })
            .collect();
        let md = self.btf.add_struct(Some("sk_reuseport_md"), rsteer_bpf::ctx::SIZE, &members)?;
        self.btf.add_ptr(md)
    }

    /// Appends `prog`'s line info, shifted to the program's place in its section.
    fn line_records(
        &mut self,
        prog: &ProgramSpec,
        first_insn: usize,
        out: &mut Vec<LineInfoRecord>,
    ) -> Result<(), String> {
        for line in program_lines(prog)? {
            if line.line > MAX_LINE {
                return Err(format!(
                    "line {} of {} is beyond the {MAX_LINE} lines line_info can express",
                    line.line, line.file_name
                ));
            }
            // Columns past 1023 cannot be expressed; the line number matters more, so keep it
            // and clamp the column rather than fail the build.
            let column = line.column.min(MAX_COLUMN);
            out.push(LineInfoRecord {
                insn_off: insn_byte_offset(first_insn, line.insn)?,
                file_name_off: self.btf.add_string(&line.file_name)?,
                line_off: self.btf.add_string(&line.line_text)?,
                line_col: (line.line << 10) | column,
            });
        }
        Ok(())
    }
}

/// The program's line infos as the kernel will accept them: the first at slot 0, strictly
/// increasing, none on the second slot of an `ld_imm64`. When several lines start at the same
/// slot (a statement that emitted no code followed by one that did), the last one is kept,
/// because it is the one whose code begins there.
pub fn program_lines(prog: &ProgramSpec) -> Result<Vec<&LineInfo>, String> {
    let second = ld_imm64_second_slots(&prog.insns)?;
    let mut kept: Vec<&LineInfo> = Vec::with_capacity(prog.lines.len());
    for line in &prog.lines {
        if line.insn >= prog.insns.len() {
            return Err(format!(
                "line info for {}:{} points at instruction {}, past the program's {} slots",
                line.file_name,
                line.line,
                line.insn,
                prog.insns.len()
            ));
        }
        if second[line.insn] {
            return Err(format!(
                "line info for {}:{} points at instruction {}, the second half of an ld_imm64",
                line.file_name, line.line, line.insn
            ));
        }
        match kept.last() {
            Some(prev) if prev.insn == line.insn => {
                kept.pop();
            }
            Some(prev) if prev.insn > line.insn => {
                return Err(format!(
                    "line infos are not sorted by instruction: {} comes after {}",
                    line.insn, prev.insn
                ));
            }
            _ => {}
        }
        kept.push(line);
    }
    if let Some(first) = kept.first() {
        if first.insn != 0 {
            return Err(format!("the first line info is at instruction {}; the kernel requires one at 0", first.insn));
        }
    }
    Ok(kept)
}

/// The byte size of `ty`, computed without overflow (unlike `BtfType::size`).
pub fn type_size(ty: &BtfType) -> Result<u32, String> {
    match ty {
        BtfType::Int { bytes, .. } => Ok(*bytes),
        BtfType::Array { elem, len } => {
            type_size(elem)?.checked_mul(*len).ok_or_else(|| format!("array of {len} elements overflows 32 bits"))
        }
        BtfType::Struct { size, .. } => Ok(*size),
    }
}
