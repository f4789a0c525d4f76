//! rsteer-codegen: typed HIR → IR → BPF instructions → ELF object with BTF.
//!
//! Pure: values in, bytes and diagnostics out; no syscalls.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod abi;
pub mod bpf;
pub mod btf;
pub mod budget;
pub mod cost;
pub mod counts;
pub mod decision;
pub mod elf;
pub mod emit;
pub mod ir;
pub mod ir_parse;
pub mod liveness;
pub mod lower;
pub mod object;
pub mod opt;
pub mod regalloc;
pub mod verify;

use object::{BtfType, LineInfo, MapReloc, MapSpec, ObjectSpec, ProgramSpec};
use rsteer_lang::hir::{self, Program, Ty};
use rsteer_lang::{Diagnostic, SourceDb};

/// One compiled `#[steer]` entry.
#[derive(Clone, Debug)]
pub struct CompiledProgram {
    pub name: String,
    pub section: String,
    /// The IR as text (what `--dump ir` prints).
    pub ir: String,
    pub insns: Vec<bpf::Insn>,
    /// (instruction slot, map name) of each map load.
    pub map_loads: Vec<(usize, String)>,
    pub stack_size: u32,
    /// The source line of each stretch of instructions, as the object's `.BTF.ext` line info
    /// gives it (sorted by `insn`).
    pub lines: Vec<LineInfo>,
}

impl CompiledProgram {
    /// The disassembly (what `--dump asm` prints).
    pub fn disasm(&self) -> String {
        bpf::disasm(&self.insns, &|i| self.map_loads.iter().find(|(at, _)| *at == i).map(|(_, n)| n.clone()))
    }
}

#[derive(Clone, Debug)]
pub struct Compiled {
    pub programs: Vec<CompiledProgram>,
    /// The ELF object.
    pub object: Vec<u8>,
}

fn btf_type(prog: &Program, ty: &Ty) -> BtfType {
    match ty {
        Ty::Int(i) => BtfType::Int { name: i.name().to_string(), bytes: i.bytes(), signed: i.signed(), is_bool: false },
        Ty::Bool => BtfType::Int { name: "bool".into(), bytes: 1, signed: false, is_bool: true },
        Ty::Array(elem, n) => BtfType::Array { elem: Box::new(btf_type(prog, elem)), len: *n },
        Ty::Struct(id) => {
            let def = &prog.structs[id.0 as usize];
            let offs = rsteer_value::field_offsets(prog, *id);
            let (size, _) = rsteer_value::layout(prog, ty);
            BtfType::Struct {
                name: def.name.clone(),
                size,
                members: def.fields.iter().zip(offs).map(|(f, o)| (f.name.clone(), o, btf_type(prog, &f.ty))).collect(),
            }
        }
        // Maps never hold these; describe them as bytes of their size so BTF stays valid.
        other => {
            let (size, _) = rsteer_value::layout(prog, other);
            BtfType::Array {
                elem: Box::new(BtfType::Int { name: "u8".into(), bytes: 1, signed: false, is_bool: false }),
                len: size.max(1),
            }
        }
    }
}

/// The kernel's key of an LPM trie whose addresses are `key`: `struct { u32 prefixlen; u8
/// data[M]; }`, the address in network order (BTF must describe it as a struct).
fn prefix_key_btf(prog: &Program, map: &str, key: &Ty) -> BtfType {
    let (size, _) = rsteer_value::layout(prog, key);
    let u8_ty = BtfType::Int { name: "u8".into(), bytes: 1, signed: false, is_bool: false };
    let u32_ty = BtfType::Int { name: "u32".into(), bytes: 4, signed: false, is_bool: false };
    BtfType::Struct {
        name: format!("{map}_prefix"),
        size: 4 + size,
        members: vec![
            ("prefixlen".into(), 0, u32_ty),
            ("data".into(), 4, BtfType::Array { elem: Box::new(u8_ty), len: size }),
        ],
    }
}

/// The maps of a program as the object describes them.
pub fn map_specs(prog: &Program) -> Vec<MapSpec> {
    prog.maps
        .iter()
        .map(|m| MapSpec {
            name: m.name.clone(),
            map_type: abi::map_type(m.kind).number(),
            max_entries: m.capacity,
            map_flags: abi::map_flags(m.kind),
            key: if m.kind.info().prefix_key { prefix_key_btf(prog, &m.name, &m.key) } else { btf_type(prog, &m.key) },
            value: btf_type(prog, &m.value),
        })
        .collect()
}

/// Lowers one entry to IR (for `--dump ir` and tests).
pub fn lower_entry(prog: &Program, entry: hir::FuncId) -> Result<ir::Function, Vec<Diagnostic>> {
    budget::check_entry(prog, entry).map_err(|d| vec![d])?;
    lower::lower_entry(prog, entry)
}

/// How to compile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Count every verdict in the `rsteer_counts` map (see [`counts`]).
    pub count: bool,
}

/// Compiles every `#[steer]` entry of a checked program into one ELF object.
pub fn compile(prog: &Program, db: &SourceDb) -> Result<Compiled, Vec<Diagnostic>> {
    compile_with(prog, db, &Options::default())
}

/// [`compile`] with options: `count` adds the verdict counters.
pub fn compile_with(prog: &Program, db: &SourceDb, options: &Options) -> Result<Compiled, Vec<Diagnostic>> {
    let instrumented = if options.count { counts::instrument(prog) } else { None };
    let (prog, plan) = match &instrumented {
        Some((p, plan)) => (p, Some(plan)),
        None => (prog, None),
    };
    let mut diags = Vec::new();
    let mut programs = Vec::new();
    let mut specs = Vec::new();
    for &entry in &prog.entries {
        let func = &prog.functions[entry.0 as usize];
        let section = match func.kind {
            hir::FnKind::Entry(a) if a.migrate => rsteer_bpf::SECTION_MIGRATE,
            _ => rsteer_bpf::SECTION_SELECT,
        };
        if let Err(d) = budget::check_entry(prog, entry) {
            diags.push(d);
            continue;
        }
        let irf = match lower::lower_entry_counting(prog, entry, plan) {
            Ok(mut f) => {
                opt::optimize(&mut f);
                f
            }
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        let code = match emit::emit(&irf) {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let lines = line_infos(db, &code);
        let map_loads = code.map_relocs.iter().map(|(at, m)| (*at, prog.maps[*m as usize].name.clone())).collect();
        specs.push(ProgramSpec {
            name: func.name.clone(),
            section: section.to_string(),
            insns: code.insns.iter().map(|i| i.encode()).collect(),
            map_relocs: code.map_relocs.iter().map(|(at, m)| MapReloc { insn: *at, map: *m as usize }).collect(),
            lines: lines.clone(),
        });
        programs.push(CompiledProgram {
            name: func.name.clone(),
            section: section.to_string(),
            ir: irf.to_string(),
            insns: code.insns,
            map_loads,
            stack_size: code.stack_size,
            lines,
        });
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let spec = ObjectSpec { programs: specs, maps: map_specs(prog), license: "GPL".into() };
    match elf::write_object(&spec) {
        Ok(object) => Ok(Compiled { programs, object }),
        Err(e) => Err(vec![rsteer_lang::errors::internal(format!("internal error writing the object: {e}"))
            .with_help("this is a compiler bug; please report it with the policy")]),
    }
}

/// One line_info per change of source line, never on the second slot of an `ld_imm64`.
fn line_infos(db: &SourceDb, code: &emit::MachineCode) -> Vec<LineInfo> {
    let mut out: Vec<LineInfo> = Vec::new();
    let mut last: Option<(usize, u32)> = None;
    let mut i = 0;
    while i < code.insns.len() {
        let span = code.spans[i];
        let lc = db.line_col(span);
        let key = (span.file, lc.line);
        if last != Some(key) {
            out.push(LineInfo {
                insn: i,
                file_name: db.name(span.file).to_string(),
                line_text: db.line_text(span.file, lc.line).to_string(),
                line: lc.line,
                column: lc.column,
            });
            last = Some(key);
        }
        i += if code.insns[i].is_ld_imm64() { 2 } else { 1 };
    }
    out
}
