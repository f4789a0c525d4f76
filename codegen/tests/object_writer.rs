//! Tests of the ELF/BTF object writer against the tools that consume its output: aya-obj's
//! parser, `object`'s reader, llvm-objdump, bpftool (libbpf) and the running kernel's BTF
//! loader and verifier.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use object::{Object as _, ObjectSection as _, ObjectSymbol as _};
use rsteer_codegen::elf::write_object;
use rsteer_codegen::object::{BtfType, LineInfo, MapReloc, MapSpec, ObjectSpec, ProgramSpec, RawInsn};

const FILE: &str = "examples/objtest_policy.rs";

// ---------------------------------------------------------------------------------------------
// Hand encoding of the few instructions the tests need.

fn insn(opcode: u8, dst: u8, src: u8, off: i16, imm: i32) -> RawInsn {
    let mut raw = [0u8; 8];
    raw[0] = opcode;
    raw[1] = (src << 4) | (dst & 0xf);
    raw[2..4].copy_from_slice(&off.to_le_bytes());
    raw[4..8].copy_from_slice(&imm.to_le_bytes());
    raw
}

fn mov_imm(dst: u8, imm: i32) -> RawInsn {
    insn(0xb7, dst, 0, 0, imm)
}

fn mov_reg(dst: u8, src: u8) -> RawInsn {
    insn(0xbf, dst, src, 0, 0)
}

fn add_imm(dst: u8, imm: i32) -> RawInsn {
    insn(0x07, dst, 0, 0, imm)
}

/// `*(u32 *)(dst + off) = imm`
fn store_w_imm(dst: u8, off: i16, imm: i32) -> RawInsn {
    insn(0x62, dst, 0, off, imm)
}

/// Both slots of `ld_imm64 dst = 0`, to be relocated against a map.
fn ld_map(dst: u8) -> [RawInsn; 2] {
    [insn(0x18, dst, 0, 0, 0), [0; 8]]
}

fn call(helper: i32) -> RawInsn {
    insn(0x85, 0, 0, 0, helper)
}

fn exit() -> RawInsn {
    insn(0x95, 0, 0, 0, 0)
}

fn line(insn: usize, line: u32, text: &str) -> LineInfo {
    LineInfo { insn, file_name: FILE.to_string(), line_text: text.to_string(), line, column: 5 }
}

fn u32_ty() -> BtfType {
    BtfType::Int { name: "u32".into(), bytes: 4, signed: false, is_bool: false }
}

// ---------------------------------------------------------------------------------------------
// The specs under test.

const STEER_LINE: &str = "    select(SOCKS, 0) // rsteer-objtest-select";
const STATS_LINE: &str = "    STATS.get(0) // rsteer-objtest-stats";

/// `r0 = 1; exit`, the smallest valid program.
fn pass_program(name: &str, section: &str) -> ProgramSpec {
    ProgramSpec {
        name: name.to_string(),
        section: section.to_string(),
        insns: vec![mov_imm(0, 1), exit()],
        map_relocs: vec![],
        lines: vec![line(0, 40, "    PASS // rsteer-objtest-pass")],
    }
}

/// Selects socket 0 of SOCKS, looks up STATS[0], and passes.
fn steer_program() -> ProgramSpec {
    let [socks_lo, socks_hi] = ld_map(2);
    let [stats_lo, stats_hi] = ld_map(1);
    let insns = vec![
        mov_reg(6, 1),          // 0: keep ctx
        store_w_imm(10, -4, 0), // 1: key = 0
        socks_lo,               // 2: r2 = &SOCKS
        socks_hi,               // 3
        mov_reg(1, 6),          // 4: r1 = ctx
        mov_reg(3, 10),         // 5
        add_imm(3, -4),         // 6: r3 = &key
        mov_imm(4, 0),          // 7: flags
        call(82),               // 8: bpf_sk_select_reuseport
        stats_lo,               // 9: r1 = &STATS
        stats_hi,               // 10
        mov_reg(2, 10),         // 11
        add_imm(2, -4),         // 12: r2 = &key
        call(1),                // 13: bpf_map_lookup_elem
        mov_imm(0, 1),          // 14
        exit(),                 // 15
    ];
    ProgramSpec {
        name: "steer".into(),
        section: "sk_reuseport".into(),
        insns,
        map_relocs: vec![MapReloc { insn: 2, map: 0 }, MapReloc { insn: 9, map: 1 }],
        lines: vec![
            line(0, 10, "fn steer(ctx) { // rsteer-objtest-fn"),
            // A statement that emitted no code shares slot 1 with the next one: the writer
            // keeps the later line.
            line(1, 11, "    let unused = 0;"),
            line(1, 12, "    let key = 0; // rsteer-objtest-key"),
            line(2, 13, STEER_LINE),
            line(9, 14, STATS_LINE),
            line(14, 15, "    PASS // rsteer-objtest-ret"),
        ],
    }
}

fn maps() -> Vec<MapSpec> {
    vec![
        MapSpec {
            name: "SOCKS".into(),
            map_type: 20,
            max_entries: 4,
            map_flags: 0,
            key: u32_ty(),
            value: BtfType::Int { name: "u64".into(), bytes: 8, signed: false, is_bool: false },
        },
        MapSpec {
            name: "STATS".into(),
            map_type: 2,
            max_entries: 1,
            map_flags: 0,
            key: u32_ty(),
            value: BtfType::Struct {
                name: "Stats".into(),
                size: 24,
                members: vec![
                    ("hits".into(), 0, u32_ty()),
                    ("delta".into(), 8, BtfType::Int { name: "i64".into(), bytes: 8, signed: true, is_bool: false }),
                    ("seen".into(), 16, BtfType::Int { name: "bool".into(), bytes: 1, signed: false, is_bool: true }),
                    (
                        "tag".into(),
                        17,
                        BtfType::Array {
                            elem: Box::new(BtfType::Int { name: "u8".into(), bytes: 1, signed: false, is_bool: false }),
                            len: 3,
                        },
                    ),
                ],
            },
        },
    ]
}

/// Three programs: two sharing `sk_reuseport` (concatenated) and one in the migrate section.
fn full_spec() -> ObjectSpec {
    ObjectSpec {
        programs: vec![
            steer_program(),
            pass_program("pass_all", "sk_reuseport"),
            pass_program("migrate", "sk_reuseport/migrate"),
        ],
        maps: maps(),
        license: "GPL".into(),
    }
}

/// Only `r0 = 1; exit`, no maps.
fn minimal_spec() -> ObjectSpec {
    ObjectSpec { programs: vec![pass_program("minimal", "sk_reuseport")], maps: vec![], license: "GPL".into() }
}

// ---------------------------------------------------------------------------------------------
// Pure checks: no kernel, no tools.

#[test]
fn aya_parses_programs_and_maps() {
    let bytes = write_object(&full_spec()).expect("object");
    let obj = aya_obj::Object::parse(&bytes).expect("aya-obj parses the object");

    assert_eq!(obj.license.to_str().unwrap(), "GPL");
    let mut names: Vec<_> = obj.programs.keys().cloned().collect();
    names.sort();
    assert_eq!(names, ["migrate", "pass_all", "steer"]);
    assert!(matches!(obj.programs["migrate"].section, aya_obj::ProgramSection::SkReuseport { .. }));
    assert!(obj.btf.is_some(), "aya found .BTF");
    assert!(obj.btf_ext.is_some(), "aya found .BTF.ext");

    let socks = &obj.maps["SOCKS"];
    assert!(matches!(socks, aya_obj::Map::Btf(_)), "SOCKS is a BTF map");
    assert_eq!((socks.map_type(), socks.key_size(), socks.value_size(), socks.max_entries()), (20, 4, 8, 4));
    let stats = &obj.maps["STATS"];
    assert_eq!((stats.map_type(), stats.key_size(), stats.value_size(), stats.max_entries()), (2, 4, 24, 1));

    let steer = obj.functions.values().find(|f| f.name == "steer").expect("steer function");
    assert_eq!(steer.instructions.len(), 16);
    // aya keeps the per-section count in num_info and filters the records per function.
    assert_eq!(steer.func_info.func_info.len(), 1);
    // Six lines in the spec, two of which share slot 1: the later one is kept.
    let offsets: Vec<u32> = steer.line_info.line_info.iter().map(|l| l.insn_off).collect();
    assert_eq!(offsets, [0, 1, 2, 9, 14]);
    assert_eq!(steer.line_info.line_info[1].line_col >> 10, 12);
    let pass_all = obj.functions.values().find(|f| f.name == "pass_all").expect("pass_all function");
    assert_eq!(pass_all.section_offset, 16 * 8);
    assert_eq!(pass_all.instructions.len(), 2);
    assert_eq!(pass_all.func_info.func_info.len(), 1);
    assert_eq!(pass_all.line_info.line_info.len(), 1);
    assert_eq!(pass_all.line_info.line_info[0].insn_off, 0);
}

#[test]
fn elf_layout_symbols_and_relocations() {
    let spec = full_spec();
    let bytes = write_object(&spec).expect("object");
    let file = object::File::parse(&*bytes).expect("object reads it back");
    assert_eq!(file.architecture(), object::Architecture::Bpf);
    assert!(file.is_little_endian());
    assert!(file.is_64());
    assert_eq!(file.kind(), object::ObjectKind::Relocatable);

    // The code section is the two programs' bytes, unchanged: relocation addends must not
    // have been written into the ld_imm64 immediates.
    let code = file.section_by_name("sk_reuseport").expect("code section");
    let expected: Vec<u8> = spec.programs[0].insns.iter().chain(&spec.programs[1].insns).flatten().copied().collect();
    assert_eq!(code.data().unwrap(), &expected[..]);
    match code.flags() {
        object::SectionFlags::Elf { sh_type, sh_flags } => {
            assert_eq!(sh_type, object::elf::SHT_PROGBITS);
            assert_eq!(sh_flags, object::elf::SHF_ALLOC | object::elf::SHF_EXECINSTR);
        }
        other => panic!("unexpected flags {other:?}"),
    }

    let relocs: Vec<_> = code.relocations().collect();
    assert_eq!(relocs.len(), 2);
    for ((offset, reloc), (want_offset, want_map)) in relocs.iter().zip([(16, "SOCKS"), (72, "STATS")]) {
        assert_eq!(*offset, want_offset);
        assert_eq!(reloc.flags(), object::RelocationFlags::Elf { r_type: object::elf::R_BPF_64_64 });
        assert_eq!(reloc.addend(), 0);
        let object::RelocationTarget::Symbol(sym) = reloc.target() else {
            panic!("relocation against a non-symbol");
        };
        assert_eq!(file.symbol_by_index(sym).unwrap().name().unwrap(), want_map);
    }
    let rel = file.section_by_name(".relsk_reuseport").expect(".rel section");
    // libbpf reads only SHT_REL relocation sections for BPF.
    match rel.flags() {
        object::SectionFlags::Elf { sh_type, .. } => assert_eq!(sh_type, object::elf::SHT_REL),
        other => panic!("unexpected flags {other:?}"),
    }

    let sym = |name: &str| file.symbols().find(|s| s.name() == Ok(name)).unwrap_or_else(|| panic!("symbol {name}"));
    for (name, value, size) in [("steer", 0, 128), ("pass_all", 128, 16)] {
        let s = sym(name);
        assert_eq!(s.kind(), object::SymbolKind::Text);
        assert!(s.is_global());
        assert_eq!((s.address(), s.size()), (value, size), "{name}");
    }
    for (name, value) in [("SOCKS", 0), ("STATS", 32)] {
        let s = sym(name);
        assert_eq!(s.kind(), object::SymbolKind::Data);
        assert!(s.is_global());
        assert_eq!((s.address(), s.size()), (value, 32), "{name}");
    }
    assert_eq!(sym("_license").size(), 4);
    assert_eq!(file.section_by_name("license").unwrap().data().unwrap(), b"GPL\0");
    assert_eq!(file.section_by_name(".maps").unwrap().data().unwrap(), &[0u8; 64][..]);

    // Local symbols come before global ones, as ELF requires.
    let mut seen_global = false;
    for s in file.symbols() {
        if s.is_global() {
            seen_global = true;
        } else {
            assert!(!seen_global, "local symbol {:?} after a global", s.name());
        }
    }
}

#[test]
fn btf_headers() {
    let bytes = write_object(&full_spec()).expect("object");
    let file = object::File::parse(&*bytes).unwrap();
    let btf = file.section_by_name(".BTF").unwrap().data().unwrap();
    assert_eq!(&btf[..4], &[0x9f, 0xeb, 1, 0]);
    let word = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    assert_eq!(word(btf, 4), 24);
    let (type_off, type_len, str_off, str_len) = (word(btf, 8), word(btf, 12), word(btf, 16), word(btf, 20));
    assert_eq!(type_off, 0);
    assert_eq!(str_off, type_len);
    assert_eq!(btf.len() as u32, 24 + type_len + str_len);
    let strings = &btf[(24 + str_off) as usize..];
    assert_eq!(strings[0], 0);
    assert_eq!(*strings.last().unwrap(), 0);

    let ext = file.section_by_name(".BTF.ext").unwrap().data().unwrap();
    assert_eq!(&ext[..4], &[0x9f, 0xeb, 1, 0]);
    assert_eq!(word(ext, 4), 32);
    let (func_off, func_len, line_off, line_len) = (word(ext, 8), word(ext, 12), word(ext, 16), word(ext, 20));
    assert_eq!(func_off, 0);
    // Record size, then two sections: sk_reuseport with two funcs, the migrate one with one.
    assert_eq!(func_len, 4 + (8 + 2 * 8) + (8 + 8));
    assert_eq!(word(ext, 32), 8);
    assert_eq!(line_off, func_len);
    assert_eq!(line_len, 4 + (8 + 6 * 16) + (8 + 16));
    assert_eq!(word(ext, 32 + line_off as usize), 16);
    // pass_all's func_info is at its byte offset in the shared section.
    assert_eq!(word(ext, 32 + 4 + 8 + 8), 128);
}

#[test]
fn bad_specs_are_errors_not_panics() {
    // `full_spec()` with `edit` made must be refused with an error that mentions `needle`.
    let check = |edit: &dyn Fn(&mut ObjectSpec), needle: &str| {
        let mut spec = full_spec();
        edit(&mut spec);
        let err = write_object(&spec).expect_err("spec should be rejected");
        assert!(err.contains(needle), "error {err:?} should mention {needle:?}");
    };

    check(&|s| s.programs[0].map_relocs.push(MapReloc { insn: 2, map: 7 }), "map 7");
    check(&|s| s.programs[0].map_relocs[0].insn = 4, "not the first slot of an ld_imm64");
    check(&|s| s.programs[0].map_relocs[0].insn = 3, "not the first slot of an ld_imm64");
    check(&|s| s.programs[0].map_relocs[0].insn = 400, "not the first slot");
    check(&|s| s.programs[0].lines.push(line(12, 99, "out of order")), "not sorted");
    check(&|s| s.programs[0].lines = vec![line(0, 1, "a"), line(3, 2, "b")], "second half of an ld_imm64");
    check(&|s| s.programs[0].lines = vec![line(2, 1, "a")], "kernel requires one at 0");
    check(&|s| s.programs[0].lines.push(line(99, 1, "past the end")), "past the program");
    check(&|s| s.programs[1].name = "steer".into(), "used twice");
    check(&|s| s.maps[1].name = "steer".into(), "used twice");
    check(&|s| s.maps[0].name = "bad-name".into(), "not a C identifier");
    check(&|s| s.programs[2].section = ".maps".into(), "cannot live in section");
    check(
        &|s| {
            s.programs[2].insns.clear();
            s.programs[2].lines.clear();
        },
        "no instructions",
    );
    check(&|s| s.programs[2].insns = vec![insn(0x18, 0, 0, 0, 0)], "second half is missing");
    check(&|s| s.maps[0].key = BtfType::Int { name: "u24".into(), bytes: 3, signed: false, is_bool: false }, "3 bytes");
    check(&|s| s.maps[0].value = BtfType::Array { elem: Box::new(u32_ty()), len: u32::MAX }, "overflows");
    check(
        &|s| {
            if let BtfType::Struct { size, .. } = &mut s.maps[1].value {
                *size = 16;
            }
        },
        "does not fit",
    );
    check(&|s| s.maps[0].max_entries = u32::MAX, "too large");
    check(&|s| s.programs[0].lines[0].line_text = "nul\0".into(), "NUL");
    check(&|s| s.license = "G\0PL".into(), "NUL");
}

#[test]
fn long_columns_are_clamped() {
    let mut spec = minimal_spec();
    spec.programs[0].lines[0].column = 5000;
    let bytes = write_object(&spec).expect("object");
    let obj = aya_obj::Object::parse(&bytes).expect("aya-obj parses the object");
    let f = obj.functions.values().next().unwrap();
    assert_eq!(f.line_info.line_info[0].line_col, (40 << 10) | 1023);
}

// ---------------------------------------------------------------------------------------------
// Checks with external tools and the kernel.

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A scratch file for an object, removed when dropped.
struct TempObject(PathBuf);

impl TempObject {
    fn new(bytes: &[u8]) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("rsteer_objtest_{}_{n}.o", std::process::id()));
        std::fs::write(&path, bytes).expect("write temp object");
        TempObject(path)
    }
}

impl Drop for TempObject {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A bpffs pin directory this test created; removed (with its pins) when dropped, so that a
/// failing assertion still cleans up.
struct PinDir(PathBuf);

impl PinDir {
    fn new() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        PinDir(PathBuf::from(format!("/sys/fs/bpf/rsteer_objtest_{}_{n}", std::process::id())))
    }
}

impl Drop for PinDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tool_exists(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn run(cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"))
}

fn stdout_of(cmd: &str, args: &[&str]) -> String {
    let out = run(cmd, args);
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn is_root() -> bool {
    // The effective uid is in /proc/self/status; reading it avoids unsafe libc calls.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn llvm_objdump_disassembles() {
    if !tool_exists("llvm-objdump") {
        eprintln!("skipping: llvm-objdump is not installed");
        return;
    }
    let obj = TempObject::new(&write_object(&full_spec()).unwrap());
    let text = stdout_of("llvm-objdump", &["-d", "-r", path_str(&obj.0)]);
    assert!(text.contains("<steer>:"), "{text}");
    assert!(text.contains("<pass_all>:"), "{text}");
    assert!(text.contains("<migrate>:"), "{text}");
    assert!(text.contains("call 0x52") || text.contains("call 82"), "{text}");
    assert!(text.contains("R_BPF_64_64\tSOCKS"), "{text}");
    assert!(text.contains("R_BPF_64_64\tSTATS"), "{text}");
}

#[test]
fn bpftool_dumps_btf() {
    if !tool_exists("bpftool") {
        eprintln!("skipping: bpftool is not installed");
        return;
    }
    let obj = TempObject::new(&write_object(&full_spec()).unwrap());
    let dump = stdout_of("bpftool", &["btf", "dump", "file", path_str(&obj.0)]);
    for needle in [
        "VAR 'SOCKS'",
        "VAR 'STATS'",
        "linkage=global",
        "DATASEC '.maps' size=64 vlen=2",
        "offset=32 size=32 (VAR 'STATS')",
        "FUNC 'steer'",
        "FUNC 'pass_all'",
        "FUNC 'migrate'",
        "'ctx' type_id=",
        "STRUCT 'sk_reuseport_md' size=56 vlen=9",
        "STRUCT 'Stats' size=24 vlen=4",
        "INT 'bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL",
        "INT 'i64' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED",
        "nr_elems=20",
    ] {
        assert!(dump.contains(needle), "missing {needle:?} in\n{dump}");
    }
}

/// Loads `spec` with libbpf (bpftool) into the kernel, then checks that every program carries
/// BTF and that `steer`'s line info shows up.
fn load_and_check(spec: &ObjectSpec, line_needles: &[(&str, &str)]) {
    if !is_root() {
        eprintln!("skipping: loading BPF programs needs root (CAP_BPF)");
        return;
    }
    if !tool_exists("bpftool") {
        eprintln!("skipping: bpftool is not installed");
        return;
    }
    let obj = TempObject::new(&write_object(spec).unwrap());
    let pins = PinDir::new();
    let out = run("bpftool", &["-d", "prog", "loadall", path_str(&obj.0), path_str(&pins.0)]);
    assert!(out.status.success(), "bpftool prog loadall failed:\n{}", String::from_utf8_lossy(&out.stderr));
    // libbpf silently drops BTF the kernel rejects; its debug log says so.
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains("Error loading .BTF"), "{log}");

    for prog in &spec.programs {
        let pin = pins.0.join(&prog.name);
        let show = stdout_of("bpftool", &["-j", "prog", "show", "pinned", path_str(&pin)]);
        assert!(show.contains("\"btf_id\":"), "{} has no btf_id: {show}", prog.name);
        assert!(show.contains("\"type\":\"sk_reuseport\""), "{show}");
    }
    for (prog, needle) in line_needles {
        let pin = pins.0.join(prog);
        let xlated = stdout_of("bpftool", &["prog", "dump", "xlated", "pinned", path_str(&pin), "linum"]);
        assert!(xlated.contains(needle), "missing {needle:?} in\n{xlated}");
        assert!(xlated.contains(FILE), "missing the file name in\n{xlated}");
    }
}

#[test]
fn kernel_loads_minimal_program_with_btf() {
    load_and_check(&minimal_spec(), &[("minimal", "rsteer-objtest-pass")]);
}

#[test]
fn kernel_loads_maps_and_line_info() {
    load_and_check(
        &full_spec(),
        &[
            ("steer", "rsteer-objtest-fn"),
            ("steer", "rsteer-objtest-key"),
            ("steer", "rsteer-objtest-select"),
            ("steer", "rsteer-objtest-stats"),
            ("steer", "[file:examples/objtest_policy.rs line_num:13 line_col:5]"),
            ("pass_all", "rsteer-objtest-pass"),
            ("migrate", "rsteer-objtest-pass"),
        ],
    );
}
