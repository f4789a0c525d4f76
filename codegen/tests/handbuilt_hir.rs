//! Code generation on hand-built HIR, independent of the front end: the object for
//! `select(SOCKETS, pkt.payload.u8(0)? as u32 % 4)` passes the real kernel verifier.

use rsteer_lang::hir::*;
use rsteer_lang::{SourceDb, Span};
use std::process::Command;

fn sp() -> Span {
    Span::new(0, 0, 1)
}

fn e(kind: ExprKind, ty: Ty) -> Expr {
    Expr { kind, ty, span: sp() }
}

fn program() -> Program {
    let pkt = e(ExprKind::Local(LocalId(0)), Ty::Packet);
    let read = e(
        ExprKind::RegionRead {
            packet: Box::new(pkt),
            region: Region::Payload,
            kind: ReadKind::U8,
            offset: Box::new(e(ExprKind::Int(0), Ty::U32)),
        },
        Ty::Option(Box::new(Ty::U8)),
    );
    let tried = e(ExprKind::Try { operand: Box::new(read), kind: TryKind::Fallback }, Ty::U8);
    let cast = e(ExprKind::Cast(Box::new(tried)), Ty::U32);
    let rem = e(ExprKind::Binary(BinOp::Rem, Box::new(cast), Box::new(e(ExprKind::Int(4), Ty::U32))), Ty::U32);
    let sel = e(ExprKind::Select { map: MapId(0), key: Box::new(rem), is_try: false }, Ty::Verdict);
    let body = Block { stmts: vec![], tail: Some(Box::new(sel)), ty: Ty::Verdict, span: sp() };
    Program {
        structs: vec![],
        maps: vec![MapDecl {
            name: "SOCKETS".into(),
            kind: MapKind::SockArray,
            key: Ty::U32,
            value: Ty::U64,
            capacity: 4,
            span: sp(),
            doc: String::new(),
        }],
        functions: vec![Function {
            name: "route".into(),
            kind: FnKind::Entry(SteerAttrs { migrate: false, fallback: Verdict::Pass }),
            params: vec![LocalId(0)],
            ret: Ty::Verdict,
            locals: vec![LocalDecl { name: "pkt".into(), ty: Ty::Packet, mutable: false, span: sp() }],
            body,
            span: sp(),
            name_span: sp(),
        }],
        entries: vec![FuncId(0)],
        tests: vec![],
        consts: vec![],
    }
}

#[test]
fn handbuilt_program_compiles_and_verifies() {
    let mut db = SourceDb::new();
    db.add("route.rs", "fn route(pkt: Packet) -> Verdict { select(SOCKETS, pkt.payload.u8(0)? as u32 % 4) }\n");
    let prog = program();
    let compiled = rsteer_codegen::compile(&prog, &db).expect("compiles");
    let p = &compiled.programs[0];
    println!("{}", p.ir);
    println!("{}", p.disasm());
    assert!(p.disasm().contains("call sk_select_reuseport#82"));

    let root = std::fs::read_to_string("/proc/self/status").unwrap_or_default().lines().any(|l| {
        l.starts_with("CapEff:") && u64::from_str_radix(l[7..].trim(), 16).map(|c| c & (1 << 39) != 0).unwrap_or(false)
    });
    let bpftool =
        Command::new("sh").args(["-c", "command -v bpftool"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !root || !bpftool {
        eprintln!("skipping the kernel half: needs CAP_BPF and bpftool");
        return;
    }
    let dir = std::env::temp_dir().join(format!("rsteer_hb_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let obj = dir.join("route.o");
    std::fs::write(&obj, &compiled.object).unwrap();
    let pin = format!("/sys/fs/bpf/rsteer_hb_{}", std::process::id());
    let out = Command::new("bpftool").args(["-d", "prog", "loadall", obj.to_str().unwrap(), &pin]).output().unwrap();
    let _ = std::fs::remove_dir_all(&pin);
    let _ = std::fs::remove_dir_all(&dir);
    let log = String::from_utf8_lossy(&out.stderr);
    let tail: String = log.lines().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
    assert!(out.status.success(), "the kernel rejected the object:\n{tail}");
}
