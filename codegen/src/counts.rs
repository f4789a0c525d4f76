//! Verdict counters (`rsteer compile --count`, `load --count`): a per-CPU map the program
//! counts every verdict in, which the loader and `rsteer status` read.
//!
//! The map is `rsteer_counts`, a `PerCpuArray` of one entry whose value is the struct
//! `rsteer_counts { pass: u64, drop: u64, MAP: [u64; N], ... }` with one array per socket map
//! (one counter per index; a `SockHash`, keyed by cookie, has one counter for all its
//! selections). The layout is in the map's BTF, so a reader needs nothing but the live map.
//! A policy with a `SockHash` also gets `rsteer_cookies`, a `HashMap<u64, u64>` counting its
//! selections per socket cookie, which a reader turns into indices with the load's record.
//!
//! The program keeps the last successful selection in a value (`2 + the map's first counter +
//! the index`, 0 for none) and every `return` goes through one epilogue: a drop counts as
//! drop, a pass with a selection as that selection (the kernel uses the last socket selected),
//! a pass without as pass. One map lookup (inlined by the verifier for a per-CPU array) and
//! one add per packet.

use crate::bpf::{AluOp, JmpOp, Size};
use crate::ir::{Arg, Function, Inst, Operand, Term, Value};
use foldhash::{HashMap, HashMapExt};
use rsteer_bpf::helper;
use rsteer_lang::hir::{self, FieldDef, MapDecl, MapKind, Program, StructDef, Ty};

/// The counters' map: its name in the object, the kernel (15 characters at most) and BTF.
pub const MAP_NAME: &str = rsteer_bpf::COUNTS_MAP;
/// The struct of the counters, named in BTF.
pub const STRUCT_NAME: &str = "rsteer_counts";
/// Counter 0: passed with no socket selected.
pub const PASS: u32 = 0;
/// Counter 1: dropped.
pub const DROP: u32 = 1;
/// The per-cookie counters of `SockHash` selections.
pub const COOKIES_MAP: &str = rsteer_bpf::COOKIES_MAP;

/// Where each socket map's counters are.
#[derive(Clone, Debug)]
pub struct CountPlan {
    /// The counters' map, as an index into the instrumented program's maps.
    pub map: u32,
    /// Per socket map (by index into the program's maps): its first counter, and whether
    /// selections count per index (`SockArray`, `SockMap`) or all in one (`SockHash`).
    pub slots: HashMap<u32, (u32, bool)>,
    /// Counters in all.
    pub total: u32,
    /// The per-cookie counters' map (a policy with a `SockHash`).
    pub cookies: Option<u32>,
}

/// `prog` with the counters' struct and map added, and where its counters are. A program
/// that declares a map of that name already is left alone (`None`).
pub fn instrument(prog: &Program) -> Option<(Program, CountPlan)> {
    if prog.maps.iter().any(|m| m.name == MAP_NAME || m.name == COOKIES_MAP) {
        return None;
    }
    let mut p = prog.clone();
    let mut fields = vec![FieldDef { name: "pass".into(), ty: Ty::U64 }, FieldDef { name: "drop".into(), ty: Ty::U64 }];
    let mut slots = HashMap::new();
    let mut next = 2u32;
    for (i, m) in prog.maps.iter().enumerate() {
        let (len, by_index) = match m.kind {
            MapKind::SockArray | MapKind::SockMap => (m.capacity, true),
            MapKind::SockHash => (1, false),
            _ => continue,
        };
        slots.insert(i as u32, (next, by_index));
        next = next.checked_add(len)?;
        fields.push(FieldDef { name: m.name.clone(), ty: Ty::Array(Box::new(Ty::U64), len) });
    }
    let span = prog.maps.first().map(|m| m.span).unwrap_or_default();
    let id = hir::StructId(p.structs.len() as u32);
    p.structs.push(StructDef { name: STRUCT_NAME.into(), fields, span });
    let map = p.maps.len() as u32;
    p.maps.push(MapDecl {
        name: MAP_NAME.into(),
        kind: MapKind::PerCpuArray,
        key: Ty::U32,
        value: Ty::Struct(id),
        capacity: 1,
        span,
        doc: "Verdict counters (`--count`).".into(),
    });
    let hashed: u32 = prog.maps.iter().filter(|m| m.kind == MapKind::SockHash).map(|m| m.capacity).sum();
    let cookies = (hashed > 0).then(|| {
        p.maps.push(MapDecl {
            name: COOKIES_MAP.into(),
            kind: MapKind::HashMap,
            key: Ty::U64,
            value: Ty::U64,
            capacity: hashed.max(1),
            span,
            doc: "SockHash selections per socket cookie (`--count`).".into(),
        });
        map + 1
    });
    Some((p, CountPlan { map, slots, total: next, cookies }))
}

/// The lowering's part: the values that hold the last selection.
pub struct Counting {
    pub plan: CountPlan,
    pub sel: Value,
    /// The cookie of the last selection when it was from a `SockHash`, else 0 (with
    /// `plan.cookies` only).
    pub cookie: Option<Value>,
}

/// Sends every `return` of `f` through one epilogue that counts the verdict.
pub fn count_returns(f: &mut Function, c: &Counting) {
    let span = f.span;
    let verdict = f.new_value();
    let epilogue = f.new_block(span);
    let blocks: Vec<_> = f.blocks.keys().collect();
    for b in blocks {
        if b == epilogue {
            continue;
        }
        if let Term::Return(op) = f.blocks[b].term {
            let inst = match op {
                Operand::Val(v) => Inst::Copy { dst: verdict, src: v },
                Operand::Imm(i) => Inst::Iconst { dst: verdict, imm: i as u64 },
            };
            let term_span = f.blocks[b].term_span;
            f.blocks[b].insts.push((inst, term_span));
            f.blocks[b].term = Term::Jump(epilogue);
        }
    }
    let idx = f.new_value();
    let dropped = f.new_block(span);
    let check = f.new_block(span);
    let look = f.new_block(span);
    let inc = f.new_block(span);
    let ret = f.new_block(span);
    let key = f.new_slot(8, "counter key");
    let push = |f: &mut Function, b, inst| f.blocks[b].insts.push((inst, span));
    push(f, epilogue, Inst::Copy { dst: idx, src: c.sel });
    f.blocks[epilogue].term = Term::Branch {
        op: JmpOp::Jeq,
        a: verdict,
        b: Operand::Imm(rsteer_bpf::SK_DROP as i64),
        then: dropped,
        els: check,
    };
    push(f, dropped, Inst::Iconst { dst: idx, imm: u64::from(DROP) });
    f.blocks[dropped].term = Term::Jump(check);
    // The bound the verifier needs for the variable offset below.
    f.blocks[check].term =
        Term::Branch { op: JmpOp::Jge, a: idx, b: Operand::Imm(i64::from(c.plan.total)), then: ret, els: look };
    push(f, look, Inst::StackStore { slot: key, off: 0, src: Operand::Imm(0), size: Size::W });
    let ptr = f.new_value();
    push(
        f,
        look,
        Inst::Call {
            dst: Some(ptr),
            helper: helper::MAP_LOOKUP_ELEM,
            args: vec![Arg::Map(c.plan.map), Arg::StackAddr(key, 0)],
        },
    );
    f.blocks[look].term = Term::Branch { op: JmpOp::Jeq, a: ptr, b: Operand::Imm(0), then: ret, els: inc };
    let off = f.new_value();
    let at = f.new_value();
    let n = f.new_value();
    let n1 = f.new_value();
    push(f, inc, Inst::Alu { dst: off, op: AluOp::Lsh, a: idx, b: Operand::Imm(3), signed: false });
    push(f, inc, Inst::Alu { dst: at, op: AluOp::Add, a: ptr, b: Operand::Val(off), signed: false });
    push(f, inc, Inst::PtrLoad { dst: n, ptr: at, off: 0, size: Size::DW });
    push(f, inc, Inst::Alu { dst: n1, op: AluOp::Add, a: n, b: Operand::Imm(1), signed: false });
    push(f, inc, Inst::PtrStore { ptr: at, off: 0, src: n1, size: Size::DW });
    f.blocks[inc].term = Term::Jump(ret);
    if let (Some(map), Some(cookie)) = (c.plan.cookies, c.cookie) {
        // A pass whose last selection was from a SockHash: one more for its cookie.
        let by_cookie = f.new_block(span);
        let counted = f.new_block(span);
        let found = f.new_block(span);
        let insert = f.new_block(span);
        f.blocks[inc].term = Term::Branch { op: JmpOp::Jeq, a: cookie, b: Operand::Imm(0), then: ret, els: by_cookie };
        let key = f.new_slot(8, "cookie key");
        let one_slot = f.new_slot(8, "cookie count");
        push(f, by_cookie, Inst::StackStore { slot: key, off: 0, src: Operand::Val(cookie), size: Size::DW });
        let p = f.new_value();
        push(
            f,
            by_cookie,
            Inst::Call {
                dst: Some(p),
                helper: helper::MAP_LOOKUP_ELEM,
                args: vec![Arg::Map(map), Arg::StackAddr(key, 0)],
            },
        );
        f.blocks[by_cookie].term = Term::Branch { op: JmpOp::Jeq, a: p, b: Operand::Imm(0), then: insert, els: found };
        let one = f.new_value();
        push(f, found, Inst::Iconst { dst: one, imm: 1 });
        push(f, found, Inst::AtomicAdd { ptr: p, off: 0, src: one, size: Size::DW });
        f.blocks[found].term = Term::Jump(counted);
        push(f, insert, Inst::StackStore { slot: one_slot, off: 0, src: Operand::Imm(1), size: Size::DW });
        let r = f.new_value();
        push(
            f,
            insert,
            Inst::Call {
                dst: Some(r),
                helper: helper::MAP_UPDATE_ELEM,
                args: vec![
                    Arg::Map(map),
                    Arg::StackAddr(key, 0),
                    Arg::StackAddr(one_slot, 0),
                    Arg::Imm(rsteer_bpf::map::BPF_NOEXIST as i64),
                ],
            },
        );
        f.blocks[insert].term = Term::Jump(counted);
        f.blocks[counted].term = Term::Jump(ret);
    }
    f.blocks[ret].term = Term::Return(Operand::Val(verdict));
}
