//! The interpreter on hand-written instruction sequences: ALU and jump semantics, memory
//! checks, helper argument checks.

use rsteer_codegen::bpf::{helper, AluOp, Insn, JmpOp, Size, BPF_ALU, BPF_ALU64, BPF_JMP32, BPF_K, BPF_X};
use rsteer_codegen::object::{BtfType, MapSpec};
use rsteer_codegen::CompiledProgram;
use rsteer_sim::{run, Maps, SimErrorKind, SimPacket, Verdict};

fn prog(insns: Vec<Insn>, map_loads: Vec<(usize, String)>) -> CompiledProgram {
    CompiledProgram {
        name: "t".into(),
        section: "sk_reuseport".into(),
        ir: String::new(),
        insns,
        map_loads,
        stack_size: 512,
        lines: vec![],
    }
}

/// `r0 = bpf_skb_load_bytes(ctx, 0, fp + at, len)`, then exit.
fn load_bytes_to_stack(at: i32, len: i32) -> Vec<Insn> {
    vec![
        Insn::mov64_reg(3, 10),
        Insn::alu64_imm(AluOp::Add, 3, at),
        Insn::mov64_imm(2, 0),
        Insn::mov64_imm(4, len),
        Insn::call(helper::SKB_LOAD_BYTES),
        Insn::exit(),
    ]
}

fn pkt() -> SimPacket {
    SimPacket::udp("10.0.0.7:5000".parse().unwrap(), "10.0.0.1:443".parse().unwrap(), b"abcd")
}

fn u32_ty() -> BtfType {
    BtfType::Int { name: "u32".into(), bytes: 4, signed: false, is_bool: false }
}

fn u64_ty() -> BtfType {
    BtfType::Int { name: "u64".into(), bytes: 8, signed: false, is_bool: false }
}

/// Runs `body` (which leaves its result in r0) and returns r0.
fn eval(body: Vec<Insn>) -> u64 {
    let mut insns = body;
    insns.push(Insn::exit());
    let p = prog(insns, vec![]);
    let out = run(&p, &mut Maps::new(&[]), &pkt()).unwrap_or_else(|e| panic!("{e}\n{}", p.disasm()));
    out.ret
}

fn imm64(dst: u8, v: u64) -> Vec<Insn> {
    Insn::ld_imm64(dst, v).to_vec()
}

#[test]
fn alu64_and_alu32() {
    let cases: Vec<(Vec<Insn>, u64)> = vec![
        // Division and modulo by zero, unsigned and signed.
        ([imm64(0, 7), vec![Insn::mov64_imm(1, 0), Insn::alu64_reg(AluOp::Div, 0, 1)]].concat(), 0),
        ([imm64(0, 7), vec![Insn::mov64_imm(1, 0), Insn::alu64_reg(AluOp::Mod, 0, 1)]].concat(), 7),
        (
            [imm64(0, -7i64 as u64), vec![Insn::mov64_imm(1, 2), Insn::alu64_reg_signed(AluOp::Div, 0, 1)]].concat(),
            -3i64 as u64,
        ),
        (
            [imm64(0, -7i64 as u64), vec![Insn::mov64_imm(1, 2), Insn::alu64_reg_signed(AluOp::Mod, 0, 1)]].concat(),
            -1i64 as u64,
        ),
        (
            [imm64(0, i64::MIN as u64), vec![Insn::mov64_imm(1, -1), Insn::alu64_reg_signed(AluOp::Div, 0, 1)]]
                .concat(),
            i64::MIN as u64,
        ),
        (
            [imm64(0, i64::MIN as u64), vec![Insn::mov64_imm(1, -1), Insn::alu64_reg_signed(AluOp::Mod, 0, 1)]]
                .concat(),
            0,
        ),
        (
            [imm64(0, -7i64 as u64), vec![Insn::mov64_imm(1, 0), Insn::alu64_reg_signed(AluOp::Mod, 0, 1)]].concat(),
            -7i64 as u64,
        ),
        // 32-bit operations zero-extend.
        (vec![Insn::mov64_imm(0, -1), Insn::alu32_imm(AluOp::Add, 0, 1)], 0),
        (vec![Insn::mov64_imm(0, -1), Insn::alu32_imm(AluOp::Rsh, 0, 4)], 0x0fff_ffff),
        (vec![Insn::mov64_imm(0, -16), Insn::alu32_imm(AluOp::Arsh, 0, 2)], 0xffff_fffc),
        (vec![Insn::mov64_imm(0, -1), Insn::alu32_reg(AluOp::Mov, 0, 0)], 0xffff_ffff),
        (vec![Insn::mov64_imm(0, 5), Insn::alu32_imm(AluOp::Neg, 0, 0)], 0xffff_fffb),
        (vec![Insn::mov64_imm(0, 5), Insn::alu64_imm(AluOp::Neg, 0, 0)], -5i64 as u64),
        // Immediates are sign-extended in ALU64.
        (vec![Insn::mov64_imm(0, 0), Insn::alu64_imm(AluOp::Or, 0, -2)], -2i64 as u64),
        // Shifts take the amount modulo the width.
        (vec![Insn::mov64_imm(0, 1), Insn::mov64_imm(1, 65), Insn::alu64_reg(AluOp::Lsh, 0, 1)], 2),
        (vec![Insn::mov64_imm(0, 1), Insn::mov64_imm(1, 33), Insn::alu32_reg(AluOp::Lsh, 0, 1)], 2),
        (vec![Insn::mov64_imm(0, -8), Insn::alu64_imm(AluOp::Arsh, 0, 1)], -4i64 as u64),
        // Byte swaps: to_be swaps (and zero-extends), to_le truncates, ALU64 END swaps.
        ([imm64(0, 0x1122_3344_5566_7788), vec![Insn::to_be(0, 16)]].concat(), 0x8877),
        ([imm64(0, 0x1122_3344_5566_7788), vec![Insn::to_be(0, 32)]].concat(), 0x8877_6655),
        ([imm64(0, 0x1122_3344_5566_7788), vec![Insn::to_be(0, 64)]].concat(), 0x8877_6655_4433_2211),
        (
            [
                imm64(0, 0x1122_3344_5566_7788),
                vec![Insn { code: BPF_ALU | BPF_K | AluOp::End as u8, dst: 0, src: 0, off: 0, imm: 16 }],
            ]
            .concat(),
            0x7788,
        ),
        (
            [
                imm64(0, 0x1122_3344_5566_7788),
                vec![Insn { code: BPF_ALU64 | BPF_K | AluOp::End as u8, dst: 0, src: 0, off: 0, imm: 32 }],
            ]
            .concat(),
            0x8877_6655,
        ),
        // movsx (BPF v4).
        (
            vec![
                Insn::mov64_imm(1, 0x80),
                Insn { code: BPF_ALU64 | BPF_X | AluOp::Mov as u8, dst: 0, src: 1, off: 8, imm: 0 },
            ],
            -128i64 as u64,
        ),
        (
            vec![
                Insn::mov64_imm(1, 0x8000),
                Insn { code: BPF_ALU | BPF_X | AluOp::Mov as u8, dst: 0, src: 1, off: 16, imm: 0 },
            ],
            0xffff_8000,
        ),
    ];
    for (i, (body, want)) in cases.into_iter().enumerate() {
        assert_eq!(eval(body.clone()), want, "case {i}: {}", prog(body, vec![]).disasm());
    }
}

#[test]
fn jumps_64_and_32_bit_signed_and_unsigned() {
    // r0 = 1 if `a op b` else 0.
    let test = |op: JmpOp, a: u64, b: u64, jmp32: bool| {
        let mut body = imm64(1, a);
        body.extend(imm64(2, b));
        body.push(Insn::mov64_imm(0, 1));
        let mut j = Insn::jmp_reg(op, 1, 2, 1);
        if jmp32 {
            j.code = (j.code & !0x07) | BPF_JMP32;
        }
        body.push(j);
        body.push(Insn::mov64_imm(0, 0));
        eval(body) == 1
    };
    let m1 = u64::MAX;
    assert!(test(JmpOp::Jgt, m1, 1, false));
    assert!(!test(JmpOp::Jsgt, m1, 1, false));
    assert!(test(JmpOp::Jslt, m1, 1, false));
    assert!(test(JmpOp::Jeq, 0x1_0000_0005, 5, true));
    assert!(!test(JmpOp::Jeq, 0x1_0000_0005, 5, false));
    assert!(test(JmpOp::Jslt, 0x8000_0000, 0, true));
    assert!(!test(JmpOp::Jslt, 0x8000_0000, 0, false));
    assert!(test(JmpOp::Jset, 6, 2, false));
    assert!(!test(JmpOp::Jset, 6, 1, false));
    assert!(test(JmpOp::Jle, 3, 3, false));
    assert!(test(JmpOp::Jsge, 3, m1, false));
    // Immediates are sign-extended for 64-bit compares.
    let body =
        vec![Insn::mov64_imm(1, -1), Insn::mov64_imm(0, 1), Insn::jmp_imm(JmpOp::Jeq, 1, -1, 1), Insn::mov64_imm(0, 0)];
    assert_eq!(eval(body), 1);
}

#[test]
fn verdict_is_r0_low_32_bits_equal_to_one() {
    let verdict = |v: u64| {
        let mut body = imm64(0, v);
        body.push(Insn::exit());
        run(&prog(body, vec![]), &mut Maps::new(&[]), &pkt()).unwrap().verdict
    };
    assert_eq!(verdict(1), Verdict::Pass);
    assert_eq!(verdict(0x1_0000_0001), Verdict::Pass);
    assert_eq!(verdict(0), Verdict::Drop);
    assert_eq!(verdict(2), Verdict::Drop);
}

#[test]
fn stack_atomics_and_spills() {
    let body = vec![
        Insn::st_imm(Size::DW, 10, -8, 40),
        Insn::mov64_imm(1, 2),
        Insn::atomic_add(Size::DW, 10, -8, 1),
        // fetch-or: r1 gets the old value (42).
        Insn { code: 0xc3 | 0x18, dst: 10, src: 1, off: -8, imm: 0x41 },
        Insn::ldx(Size::DW, 0, 10, -8),
        Insn::alu64_reg(AluOp::Add, 0, 1),
        // Spill the frame pointer and read it back.
        Insn::stx(Size::DW, 10, -16, 10),
        Insn::ldx(Size::DW, 2, 10, -16),
        Insn::ldx(Size::DW, 3, 2, -8),
        Insn::alu64_reg(AluOp::Add, 0, 3),
    ];
    // (42 | 42) + 42 + 42
    assert_eq!(eval(body), 126);
}

fn expect_err(insns: Vec<Insn>, kind: SimErrorKind, needle: &str) {
    let p = prog(insns, vec![]);
    let err = run(&p, &mut Maps::new(&[]), &pkt()).unwrap_err();
    assert_eq!(err.kind, kind, "{err}");
    assert!(err.to_string().contains(needle), "{err}");
}

#[test]
fn invalid_programs_are_errors_at_their_instruction() {
    expect_err(vec![Insn::mov64_reg(0, 3), Insn::exit()], SimErrorKind::Register, "r3 is read before");
    expect_err(vec![Insn::ldx(Size::W, 0, 10, -4), Insn::exit()], SimErrorKind::Memory, "uninitialised stack");
    expect_err(vec![Insn::st_imm(Size::W, 10, 0, 1), Insn::exit()], SimErrorKind::Memory, "outside the 512-byte frame");
    expect_err(vec![Insn::st_imm(Size::W, 10, -516, 1), Insn::exit()], SimErrorKind::Memory, "instruction 0");
    expect_err(vec![Insn::ldx(Size::W, 0, 1, 36), Insn::exit()], SimErrorKind::Memory, "offset 36");
    expect_err(vec![Insn::ldx(Size::H, 0, 1, 32), Insn::exit()], SimErrorKind::Memory, "not allowed");
    expect_err(vec![Insn::ldx(Size::B, 0, 1, 21), Insn::exit()], SimErrorKind::Memory, "not allowed");
    expect_err(vec![Insn::st_imm(Size::W, 1, 16, 0), Insn::exit()], SimErrorKind::Memory, "read-only");
    expect_err(
        vec![Insn::stx(Size::DW, 10, -8, 10), Insn::ldx(Size::W, 0, 10, -8), Insn::exit()],
        SimErrorKind::Memory,
        "partial read",
    );
    expect_err(vec![Insn::mov64_reg(0, 10), Insn::exit()], SimErrorKind::Pointer, "at exit");
    expect_err(
        vec![Insn::mov64_reg(0, 10), Insn::alu64_imm(AluOp::Mul, 0, 2), Insn::exit()],
        SimErrorKind::Pointer,
        "ALU",
    );
    expect_err(
        vec![Insn::mov64_imm(0, 0), Insn::call(helper::KTIME_GET_NS), Insn::mov64_reg(0, 1), Insn::exit()],
        SimErrorKind::Register,
        "r1",
    );
    expect_err(vec![Insn::call(999), Insn::exit()], SimErrorKind::Helper, "#999");
    expect_err(vec![Insn::mov64_imm(0, 0)], SimErrorKind::Memory, "past the last instruction");
    expect_err(vec![Insn::ja(-1), Insn::exit()], SimErrorKind::Limit, "without reaching exit");
    // bpf_skb_load_bytes into a buffer that leaves the frame.
    expect_err(load_bytes_to_stack(-2, 4), SimErrorKind::Memory, "outside");
}

#[test]
fn load_bytes_helpers() {
    // r0 = load_bytes(ctx, off, fp-8, 4) result; r6 holds the loaded word.
    let load = |off: i32, relative: Option<i32>| {
        let mut insns = vec![
            Insn::mov64_reg(6, 1),
            Insn::mov64_reg(3, 10),
            Insn::alu64_imm(AluOp::Add, 3, -8),
            Insn::mov64_imm(2, off),
            Insn::mov64_imm(4, 4),
        ];
        match relative {
            Some(start) => {
                insns.push(Insn::mov64_imm(5, start));
                insns.push(Insn::call(helper::SKB_LOAD_BYTES_RELATIVE));
            }
            None => insns.push(Insn::call(helper::SKB_LOAD_BYTES)),
        }
        insns.extend([Insn::ldx(Size::W, 7, 10, -8), Insn::stx(Size::DW, 10, -16, 0), Insn::ldx(Size::DW, 0, 10, -16)]);
        insns.push(Insn::alu64_imm(AluOp::Lsh, 0, 32));
        insns.push(Insn::alu64_reg(AluOp::Or, 0, 7));
        insns.push(Insn::exit());
        let r = run(&prog(insns, vec![]), &mut Maps::new(&[]), &pkt()).unwrap().ret;
        ((r >> 32) as i32, (r as u32).to_le_bytes())
    };
    // UDP header: ports 5000 -> 443, length 12; payload "abcd".
    assert_eq!(load(0, None), (0, [0x13, 0x88, 0x01, 0xbb]));
    assert_eq!(load(8, None), (0, *b"abcd"));
    assert_eq!(load(9, None), (-14, [0; 4]));
    assert_eq!(load(-1, None), (-14, [0; 4]));
    assert_eq!(load(12, Some(1)), (0, [10, 0, 0, 7]));
    assert_eq!(load(28, Some(1)), (0, *b"abcd"));
    assert_eq!(load(29, Some(1)), (-14, [0; 4]));
    assert_eq!(load(0, Some(0)), (-14, [0; 4]));
    let mig = SimPacket::migration("10.0.0.7:5000".parse().unwrap(), "10.0.0.1:443".parse().unwrap(), 1);
    assert_eq!(run(&prog(load_bytes_to_stack(-8, 1), vec![]), &mut Maps::new(&[]), &mig).unwrap().ret as i64, -14);
}

#[test]
fn map_helpers_on_raw_instructions() {
    let specs = vec![
        MapSpec { name: "A".into(), map_type: 2, max_entries: 2, map_flags: 0, key: u32_ty(), value: u64_ty() },
        MapSpec { name: "S".into(), map_type: 20, max_entries: 2, map_flags: 0, key: u32_ty(), value: u64_ty() },
    ];
    // update A[1] = 5 with flags NOEXIST: arrays say -EEXIST; delete: -EINVAL; lookup
    // of index 2: NULL.
    let key_at =
        |k: i32| vec![Insn::st_imm(Size::W, 10, -4, k), Insn::mov64_reg(2, 10), Insn::alu64_imm(AluOp::Add, 2, -4)];
    let mut insns =
        vec![Insn::st_imm(Size::DW, 10, -16, 5), Insn::mov64_reg(3, 10), Insn::alu64_imm(AluOp::Add, 3, -16)];
    insns.extend(key_at(1));
    insns.extend(Insn::ld_map(1));
    let ld1 = insns.len() - 2;
    insns.push(Insn::mov64_imm(4, 1));
    insns.push(Insn::call(helper::MAP_UPDATE_ELEM));
    insns.push(Insn::mov64_reg(6, 0));
    insns.extend(key_at(1));
    insns.extend(Insn::ld_map(1));
    let ld2 = insns.len() - 2;
    insns.push(Insn::call(helper::MAP_DELETE_ELEM));
    insns.push(Insn::alu64_imm(AluOp::Lsh, 6, 8));
    insns.push(Insn::alu64_reg(AluOp::Sub, 6, 0));
    insns.extend(key_at(2));
    insns.extend(Insn::ld_map(1));
    let ld3 = insns.len() - 2;
    insns.push(Insn::call(helper::MAP_LOOKUP_ELEM));
    insns.push(Insn::jmp_imm(JmpOp::Jne, 0, 0, 1));
    insns.push(Insn::alu64_imm(AluOp::Add, 6, 1000));
    insns.push(Insn::mov64_reg(0, 6));
    insns.push(Insn::exit());
    let p = prog(insns, vec![(ld1, "A".into()), (ld2, "A".into()), (ld3, "A".into())]);
    let mut maps = Maps::new(&specs);
    let r = run(&p, &mut maps, &pkt()).unwrap_or_else(|e| panic!("{e}\n{}", p.disasm())).ret as i64;
    assert_eq!(r, (-17i64 << 8) + 22 + 1000);
    // A lookup in a sockarray is refused, as the verifier does.
    let mut insns = key_at(0);
    insns.extend(Insn::ld_map(1));
    insns.push(Insn::call(helper::MAP_LOOKUP_ELEM));
    insns.push(Insn::exit());
    let p = prog(insns, vec![(3, "S".into())]);
    let err = run(&p, &mut maps, &pkt()).unwrap_err();
    assert_eq!(err.kind, SimErrorKind::Helper, "{err}");
    assert!(err.to_string().contains("socket map `S`"), "{err}");
}
