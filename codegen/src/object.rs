//! The object file contract: what the BPF back end hands to the ELF/BTF writer.
//!
//! [`ObjectSpec`] is plain data; `elf::write_object` turns it into the bytes of an ELF64
//! relocatable `EM_BPF` object with `.BTF`, `.BTF.ext`, `.maps` and `license`, shaped as
//! libbpf and aya expect (see KERNEL.md, "ELF object as libbpf and aya expect it").

/// One BPF instruction slot, already encoded (8 bytes, little endian). An `ld_imm64` takes two.
pub type RawInsn = [u8; 8];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSpec {
    pub programs: Vec<ProgramSpec>,
    pub maps: Vec<MapSpec>,
    /// Content of the `license` section, without the trailing NUL (e.g. "GPL").
    pub license: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramSpec {
    /// Function name: the program's ELF symbol (global FUNC) and BTF FUNC name.
    pub name: String,
    /// ELF section: `sk_reuseport` or `sk_reuseport/migrate`.
    pub section: String,
    pub insns: Vec<RawInsn>,
    /// `ld_imm64` instructions that load a map: relocated against the map's symbol.
    pub map_relocs: Vec<MapReloc>,
    /// Source lines, sorted by `insn`; the first has `insn == 0`.
    pub lines: Vec<LineInfo>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapReloc {
    /// Index of the first slot of the `ld_imm64` in `ProgramSpec::insns`.
    pub insn: usize,
    /// Index into `ObjectSpec::maps`.
    pub map: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInfo {
    /// Instruction slot index (the writer converts to bytes for .BTF.ext).
    pub insn: usize,
    /// File name as the user named it (e.g. `examples/payload_mod.rs`).
    pub file_name: String,
    /// The whole source line's text.
    pub line_text: String,
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapSpec {
    pub name: String,
    /// `enum bpf_map_type`.
    pub map_type: u32,
    pub max_entries: u32,
    /// Creation flags (`BPF_F_NO_PREALLOC` for an LPM trie); 0 for none.
    pub map_flags: u32,
    /// The key as the kernel holds it (for an `LpmTrie`: the prefix length, then the address).
    pub key: BtfType,
    pub value: BtfType,
}

/// The BTF description of a key or value type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BtfType {
    /// An integer: `name` is the Rust-style name (`u32`, `i64`, `bool`), `bytes` 1/2/4/8.
    Int { name: String, bytes: u32, signed: bool, is_bool: bool },
    /// `[elem; len]`
    Array { elem: Box<BtfType>, len: u32 },
    /// A C-laid-out struct: members at the given byte offsets, total size `size`.
    Struct { name: String, size: u32, members: Vec<(String, u32, BtfType)> },
}

impl BtfType {
    pub fn size(&self) -> u32 {
        match self {
            BtfType::Int { bytes, .. } => *bytes,
            BtfType::Array { elem, len } => elem.size() * len,
            BtfType::Struct { size, .. } => *size,
        }
    }
}
