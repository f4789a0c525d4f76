//! `rsteer disasm OBJ.o`: any BPF object (rsteer's or clang's) disassembled, with the source
//! lines of its `.BTF.ext` line info interleaved, as `llvm-objdump -S` does; `--json` gives
//! each program's instructions with their line.

use crate::report::{Failure, Reporter};
use rsteer_bpf::insn::Insn;
use rsteer_bpf::object::ProgramInfo;
use std::path::Path;

/// One instruction: its slot, text and, where a source line starts, that line.
struct Row<'a> {
    slot: usize,
    text: String,
    line: Option<&'a rsteer_bpf::btf::Line>,
}

fn rows(p: &ProgramInfo) -> Vec<Row<'_>> {
    let insns: Vec<Insn> = p.insns.iter().map(|b| Insn::decode(*b)).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < insns.len() {
        let insn = insns[i];
        let reloc = p.relocs.iter().find(|(s, _)| *s == i).map(|(_, n)| n.as_str());
        let text = rsteer_codegen::bpf::disasm_one(insn, insns.get(i + 1).copied(), reloc);
        let line = p.lines.iter().find(|l| l.insn as usize == i);
        out.push(Row { slot: i, text, line });
        i += if insn.is_ld_imm64() { 2 } else { 1 };
    }
    out
}

pub fn run(report: &Reporter, path: &Path) -> Result<(), Failure> {
    let bytes =
        std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display()), None))?;
    let info = rsteer_bpf::object::read(&bytes)
        .map_err(|e| Failure::usage(format!("cannot parse {}: {e}", path.display()), None))?;
    if let Some(e) = &info.btf_error {
        report.status(format_args!("warning: {}: its line info cannot be read: {e}", path.display()));
    }
    if report.is_json() {
        let programs: Vec<serde_json::Value> = info
            .programs
            .iter()
            .map(|p| {
                let insns: Vec<serde_json::Value> = rows(p)
                    .iter()
                    .map(|r| {
                        let at = p.line_of(r.slot as u32).map(|l| {
                            serde_json::json!({ "file": l.file, "line": l.line, "column": l.column, "text": l.text })
                        });
                        serde_json::json!({ "slot": r.slot, "text": r.text, "source": at })
                    })
                    .collect();
                serde_json::json!({ "name": p.name, "section": p.section, "slots": p.insns.len(), "insns": insns })
            })
            .collect();
        report.json(&serde_json::json!({ "object": path.display().to_string(), "programs": programs }));
        return Ok(());
    }
    let mut out = String::new();
    for (n, p) in info.programs.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{} <{}>: {} slots in section {}\n", p.first_slot, p.name, p.insns.len(), p.section));
        let mut last: Option<(&str, u32)> = None;
        for r in rows(p) {
            // A line is shown where it starts, once while it lasts.
            if let Some(l) = r.line.filter(|l| last != Some((l.file.as_str(), l.line))) {
                out.push_str(&format!("; {}:{}\n; {}\n", l.file, l.line, l.text.trim_end()));
                last = Some((l.file.as_str(), l.line));
            }
            out.push_str(&format!("{:6}: {}\n", r.slot, r.text));
        }
    }
    if info.programs.is_empty() {
        out.push_str(&format!("{}: no programs\n", path.display()));
    }
    report.text(out);
    Ok(())
}
