//! A reader of BPF ELF objects from any producer (rsteer, clang): the programs with their
//! instructions, map relocations and source lines (from `.BTF.ext`), and the object's BTF.
//!
//! It is the one place that reads an object's structure: the loader validates an object with
//! it before aya sees it and places a verifier rejection at its source line, and
//! `rsteer disasm` prints from it. Reading never panics; a malformed object is an `Err` in
//! words.

use crate::btf::{self, Btf, Line};
use object::{Object as _, ObjectSection as _, ObjectSymbol as _, RelocationTarget, SectionKind, SymbolKind};

/// Bytes of one instruction slot.
pub const INSN_SIZE: usize = 8;

/// One program (a global function in an executable section).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramInfo {
    pub name: String,
    pub section: String,
    /// Its instruction slots, 8 bytes each.
    pub insns: Vec<[u8; 8]>,
    /// Slot of its first instruction within the section (several programs may share one).
    pub first_slot: usize,
    /// (slot within the program, symbol) of each relocated instruction: a map load, or a call.
    pub relocs: Vec<(usize, String)>,
    /// Source lines, slots relative to the program's first instruction.
    pub lines: Vec<Line>,
}

impl ProgramInfo {
    /// The source line of instruction `slot` (relative to the program), if the object has
    /// line info for it.
    pub fn line_of(&self, slot: u32) -> Option<&Line> {
        btf::line_of(&self.lines, slot)
    }
}

/// What [`read`] finds in an object.
#[derive(Clone, Debug, Default)]
pub struct ObjectInfo {
    pub programs: Vec<ProgramInfo>,
    /// The object's `.BTF`, when it has one that parses.
    pub btf: Option<Btf>,
    /// Why `.BTF` or `.BTF.ext` could not be read, when they are there but broken.
    pub btf_error: Option<String>,
    /// Why `.BTF`'s header does not hold together (the blob cannot be BTF at all).
    pub btf_header_error: Option<String>,
}

impl ObjectInfo {
    pub fn program(&self, name: &str) -> Option<&ProgramInfo> {
        self.programs.iter().find(|p| p.name == name)
    }

    /// Whether the object's source lines are from `.rs` files: an object rsteer wrote.
    pub fn from_rsteer(&self) -> bool {
        self.programs.iter().flat_map(|p| &p.lines).next().is_some_and(|l| l.file.ends_with(".rs"))
    }
}

/// Reads a BPF ELF object.
pub fn read(bytes: &[u8]) -> Result<ObjectInfo, String> {
    let file = object::File::parse(bytes).map_err(|e| format!("it is not an ELF object ({e})"))?;
    if file.architecture() != object::Architecture::Bpf {
        return Err(format!("it is an ELF object for {:?}, not for BPF", file.architecture()));
    }
    let section_data = |name: &str| -> Result<Option<&[u8]>, String> {
        match file.section_by_name(name) {
            None => Ok(None),
            Some(s) => s.data().map(Some).map_err(|e| format!("its {name} section cannot be read ({e})")),
        }
    };
    let mut info = ObjectInfo::default();
    let mut lines_by_section: Vec<(String, Vec<Line>)> = Vec::new();
    if let Some(raw) = section_data(".BTF")? {
        info.btf_header_error = btf::check_header(raw).err();
        match Btf::parse(raw) {
            Ok(b) => {
                if let Some(ext) = section_data(".BTF.ext")? {
                    match btf::line_info(ext, &b) {
                        Ok(l) => lines_by_section = l,
                        Err(e) => info.btf_error = Some(e),
                    }
                }
                info.btf = Some(b);
            }
            Err(e) => info.btf_error = Some(e),
        }
    }
    for section in file.sections() {
        if section.kind() != SectionKind::Text {
            continue;
        }
        let name = section.name().map_err(|e| format!("a section name cannot be read ({e})"))?.to_string();
        let data = section.data().map_err(|e| format!("section {name} cannot be read ({e})"))?;
        if data.is_empty() {
            continue;
        }
        if data.len() % INSN_SIZE != 0 {
            return Err(format!("section {name} has {} bytes, not a whole number of 8-byte instructions", data.len()));
        }
        let mut relocs: Vec<(usize, String)> = Vec::new();
        for (offset, r) in section.relocations() {
            if let RelocationTarget::Symbol(i) = r.target() {
                let sym =
                    file.symbol_by_index(i).map_err(|e| format!("a relocation of {name} names no symbol ({e})"))?;
                let mut target = sym.name().unwrap_or("?").to_string();
                if target.is_empty() {
                    // A section symbol: the relocation is to something inside that section.
                    target = sym
                        .section_index()
                        .and_then(|s| file.section_by_index(s).ok())
                        .and_then(|s| s.name().ok().map(str::to_string))
                        .unwrap_or_default();
                }
                relocs.push((offset as usize / INSN_SIZE, target));
            }
        }
        let mut funcs: Vec<(String, usize, usize)> = file
            .symbols()
            .filter(|s| s.section_index() == Some(section.index()) && s.kind() == SymbolKind::Text && s.is_global())
            .filter_map(|s| {
                let start = usize::try_from(s.address()).ok()? / INSN_SIZE;
                let size = usize::try_from(s.size()).ok()? / INSN_SIZE;
                Some((s.name().ok()?.to_string(), start, size))
            })
            .collect();
        funcs.sort_by_key(|f| f.1);
        let total = data.len() / INSN_SIZE;
        let lines = lines_by_section.iter().find(|(s, _)| *s == name).map(|(_, l)| l.as_slice()).unwrap_or(&[]);
        for (i, (fname, start, size)) in funcs.iter().enumerate() {
            let next = funcs.get(i + 1).map_or(total, |f| f.1);
            let end = if *size == 0 { next } else { start.saturating_add(*size).min(total) };
            if *start >= end {
                continue;
            }
            let insns = data[start * INSN_SIZE..end * INSN_SIZE]
                .chunks_exact(INSN_SIZE)
                .map(|c| <[u8; 8]>::try_from(c).unwrap_or([0; 8]))
                .collect();
            let rel = |slot: usize| (slot >= *start && slot < end).then(|| slot - start);
            info.programs.push(ProgramInfo {
                name: fname.clone(),
                section: name.clone(),
                insns,
                first_slot: *start,
                relocs: relocs.iter().filter_map(|(s, t)| rel(*s).map(|s| (s, t.clone()))).collect(),
                lines: lines
                    .iter()
                    .filter_map(|l| rel(l.insn as usize).map(|s| Line { insn: s as u32, ..l.clone() }))
                    .collect(),
            });
        }
    }
    Ok(info)
}
