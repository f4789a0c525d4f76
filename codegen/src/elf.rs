//! ELF writer: turns an [`ObjectSpec`] into an ELF64 relocatable `EM_BPF` object shaped as
//! libbpf and aya expect (KERNEL.md, "ELF object as libbpf and aya expect it").
//!
//! Layout of the object:
//! - one `SHF_ALLOC | SHF_EXECINSTR` section per distinct `ProgramSpec::section`. Programs that
//!   share a section name are concatenated into that one section in spec order, each with a
//!   global FUNC symbol at its offset whose size is its byte length (libbpf and aya split a
//!   section into programs by symbol sizes);
//! - `.rel<section>` with one `R_BPF_64_64` per map reference, against the map's symbol;
//! - `license`: the license string and a NUL, with a global `_license` symbol as clang emits;
//! - `.maps`: [`MAP_DEF_SIZE`] zero bytes per map, a global OBJECT symbol per map;
//! - `.BTF` and `.BTF.ext` from [`crate::btf::encode_object_btf`].

use foldhash::HashSet;

use object::write::{Object, Relocation, SectionId, Symbol, SymbolSection};
use object::{
    elf, Architecture, BinaryFormat, Endianness, RelocationFlags, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
};

use crate::btf::{
    encode_object_btf, is_valid_identifier, ld_imm64_second_slots, map_def_offsets, map_def_size, SectionLayout,
};
use crate::object::{ObjectSpec, RawInsn};

/// Section names the writer (or `object`) uses for its own data, and `.text`, which libbpf
/// and aya read as subprograms rather than programs: a program section must not take them.
const RESERVED_SECTIONS: [&str; 8] =
    [".maps", "license", ".BTF", ".BTF.ext", ".symtab", ".strtab", ".shstrtab", ".text"];

/// Encodes `spec` as an ELF object, or explains why it cannot.
pub fn write_object(spec: &ObjectSpec) -> Result<Vec<u8>, String> {
    validate(spec)?;
    let layout = layout_sections(spec);
    let btf = encode_object_btf(spec, &layout)?;

    let mut obj = Object::new(BinaryFormat::Elf, Architecture::Bpf, Endianness::Little);

    let mut code_ids = Vec::with_capacity(layout.len());
    for section in &layout {
        let mut data = Vec::new();
        let id = obj.add_section(Vec::new(), section.name.as_bytes().to_vec(), SectionKind::Text);
        code_ids.push(id);
        // clang emits a section symbol for each code section; matching it keeps the symbol
        // table in the shape libbpf and aya are tested against.
        obj.section_symbol(id);
        for &(prog_index, first_insn) in &section.programs {
            let prog = &spec.programs[prog_index];
            let offset = slot_bytes(first_insn)?;
            data.extend(prog.insns.iter().flat_map(|insn: &RawInsn| insn.iter().copied()));
            obj.add_symbol(Symbol {
                name: prog.name.as_bytes().to_vec(),
                value: offset,
                size: slot_bytes(prog.insns.len())?,
                kind: SymbolKind::Text,
                scope: SymbolScope::Dynamic,
                weak: false,
                section: SymbolSection::Section(id),
                flags: SymbolFlags::None,
            });
        }
        obj.set_section_data(id, data, 8);
    }

    let license_id = obj.add_section(Vec::new(), b"license".to_vec(), SectionKind::Data);
    let mut license = spec.license.as_bytes().to_vec();
    license.push(0);
    let license_len = license.len() as u64;
    obj.set_section_data(license_id, license, 1);
    obj.add_symbol(Symbol {
        name: b"_license".to_vec(),
        value: 0,
        size: license_len,
        kind: SymbolKind::Data,
        scope: SymbolScope::Dynamic,
        weak: false,
        section: SymbolSection::Section(license_id),
        flags: SymbolFlags::None,
    });

    let mut map_symbols = Vec::with_capacity(spec.maps.len());
    if !spec.maps.is_empty() {
        let maps_id: SectionId = obj.add_section(Vec::new(), b".maps".to_vec(), SectionKind::Data);
        let (offsets, maps_len) = map_def_offsets(&spec.maps)?;
        obj.set_section_data(maps_id, vec![0u8; maps_len as usize], 8);
        for (map, offset) in spec.maps.iter().zip(offsets) {
            map_symbols.push(obj.add_symbol(Symbol {
                name: map.name.as_bytes().to_vec(),
                value: u64::from(offset),
                size: u64::from(map_def_size(map)),
                kind: SymbolKind::Data,
                scope: SymbolScope::Dynamic,
                weak: false,
                section: SymbolSection::Section(maps_id),
                flags: SymbolFlags::None,
            }));
        }
    }

    // Relocations go in after the section data is set, because for a nonzero addend `object`
    // writes into the data at the relocation's offset; ours are 0, but the order stays safe.
    for (section, &section_id) in layout.iter().zip(&code_ids) {
        for &(prog_index, first_insn) in &section.programs {
            for reloc in &spec.programs[prog_index].map_relocs {
                // BPF objects use SHT_REL, so `object` would store a nonzero addend in the
                // instruction itself; addend 0 leaves the ld_imm64's imm untouched at 0.
                obj.add_relocation(
                    section_id,
                    Relocation {
                        offset: slot_bytes(first_insn + reloc.insn)?,
                        symbol: map_symbols[reloc.map],
                        addend: 0,
                        flags: RelocationFlags::Elf { r_type: elf::R_BPF_64_64 },
                    },
                )
                .map_err(|e| format!("cannot add a map relocation: {e}"))?;
            }
        }
    }

    let btf_id = obj.add_section(Vec::new(), b".BTF".to_vec(), SectionKind::Other);
    obj.set_section_data(btf_id, btf.btf, 4);
    let btf_ext_id = obj.add_section(Vec::new(), b".BTF.ext".to_vec(), SectionKind::Other);
    obj.set_section_data(btf_ext_id, btf.btf_ext, 4);

    obj.write().map_err(|e| format!("cannot write the ELF object: {e}"))
}

fn slot_bytes(slots: usize) -> Result<u64, String> {
    slots.checked_mul(8).map(|b| b as u64).ok_or_else(|| "program too large".to_string())
}

/// Groups programs by section name, in order of first appearance; programs sharing a section
/// follow each other in spec order.
fn layout_sections(spec: &ObjectSpec) -> Vec<SectionLayout> {
    let mut layout: Vec<(SectionLayout, usize)> = Vec::new();
    for (i, prog) in spec.programs.iter().enumerate() {
        match layout.iter_mut().find(|(s, _)| s.name == prog.section) {
            Some((section, next_slot)) => {
                section.programs.push((i, *next_slot));
                *next_slot += prog.insns.len();
            }
            None => {
                layout.push((SectionLayout { name: prog.section.clone(), programs: vec![(i, 0)] }, prog.insns.len()))
            }
        }
    }
    layout.into_iter().map(|(section, _)| section).collect()
}

/// Checks everything the ELF side relies on, so that writing cannot fail half-way on bad input.
/// BTF-specific checks (type shapes, line info order) happen in the BTF encoder.
fn validate(spec: &ObjectSpec) -> Result<(), String> {
    if spec.license.contains('\0') {
        return Err(format!("license {:?} contains a NUL byte", spec.license));
    }
    // Program and map names all become global ELF symbols, next to `_license`.
    let mut symbols: HashSet<&str> = HashSet::from_iter(["_license"]);
    for prog in &spec.programs {
        if !is_valid_identifier(&prog.name) {
            return Err(format!("program name {:?} is not a C identifier", prog.name));
        }
        if !symbols.insert(&prog.name) {
            return Err(format!("the name {} is used twice in the object", prog.name));
        }
        if prog.section.is_empty()
            || prog.section.contains('\0')
            || prog.section.starts_with(".rel")
            || RESERVED_SECTIONS.contains(&prog.section.as_str())
        {
            return Err(format!("program {} cannot live in section {:?}", prog.name, prog.section));
        }
        if prog.insns.is_empty() {
            return Err(format!("program {} has no instructions", prog.name));
        }
        let second = ld_imm64_second_slots(&prog.insns).map_err(|e| format!("program {}: {e}", prog.name))?;
        for reloc in &prog.map_relocs {
            if reloc.map >= spec.maps.len() {
                return Err(format!(
                    "program {}: the relocation at instruction {} names map {}, but there are {} maps",
                    prog.name,
                    reloc.insn,
                    reloc.map,
                    spec.maps.len()
                ));
            }
            let is_ld_imm64 = prog.insns.get(reloc.insn).is_some_and(|insn| insn[0] == crate::btf::LD_IMM64_OPCODE);
            if !is_ld_imm64 || second[reloc.insn] {
                return Err(format!(
                    "program {}: the relocation for map {} is at instruction {}, which is not \
                     the first slot of an ld_imm64",
                    prog.name, spec.maps[reloc.map].name, reloc.insn
                ));
            }
        }
    }
    for map in &spec.maps {
        if !is_valid_identifier(&map.name) {
            return Err(format!("map name {:?} is not a C identifier", map.name));
        }
        if !symbols.insert(&map.name) {
            return Err(format!("the name {} is used twice in the object", map.name));
        }
    }
    // Every program's bytes, summed per section, must fit the 32-bit offsets of .BTF.ext.
    let total_slots: usize = spec.programs.iter().map(|p| p.insns.len()).sum();
    if total_slots > (u32::MAX / 8) as usize {
        return Err("the programs are too large for one object".to_string());
    }
    Ok(())
}
