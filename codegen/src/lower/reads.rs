//! Packet reads. `pkt.l4`, `pkt.payload` and the L4 header fields read the linear part of the
//! packet directly, between `ctx->data` (the L4 header) and `ctx->data_end`, with one bounds
//! check for all the reads of a stretch of straight-line code; `bpf_skb_load_bytes` reads
//! them only when they lie outside the linear part. `pkt.net` reads keep
//! `bpf_skb_load_bytes_relative`: the network header lies before `data`.
//!
//! The kernel pulls the whole UDP or TCP header into the linear part before it looks up a
//! socket (`__udp4_lib_rcv`, `tcp_v4_rcv`: `pskb_may_pull`), so the header fields and the TCP
//! data offset need no helper: when even they are outside the linear part there is no packet
//! (a migration run gets an empty one) and every read fails.

use super::*;

/// The largest extent (offset plus size, from the read's base) read directly. The verifier
/// gives a packet pointer a range only while its offset stays below 64 KiB (MAX_PACKET_OFF),
/// and the payload start adds up to 60; this also keeps every offset within a load's i16.
const DIRECT_LIMIT: u64 = 0x7f00;

/// Where a read starts, from the region's base.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ReadOff {
    Known(u64),
    /// A run-time offset, with an upper bound when lowering knows one (a loop variable's).
    Runtime(Value, Option<u64>),
}

/// One read of a group: `kind` at `off` of the region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ReadSpec {
    pub kind: ReadKind,
    pub off: ReadOff,
    /// Whether bytes outside the linear part are read with `bpf_skb_load_bytes` (region reads);
    /// the L4 header fields are always in the linear part when there is a packet.
    pub helper: bool,
}

/// A read the prefetch scan found: its region, its spec and the expression that reads it.
struct Found<'e> {
    region: Region,
    spec: ReadSpec,
    expr: &'e hir::Expr,
}

/// The address of an expression, the key of [`Lowerer::prefetched`].
pub(super) fn expr_key(e: &hir::Expr) -> usize {
    e as *const hir::Expr as usize
}

/// The direct read of an L4 header field (`pkt.src_port`), when the packet table reads it
/// from the L4 header.
fn l4_field(field: PacketField) -> Option<ReadSpec> {
    match packet::info(field).read {
        Read::L4 { offset, kind } => Some(ReadSpec { kind, off: ReadOff::Known(offset as u64), helper: false }),
        _ => None,
    }
}

/// The smallest L4 header (UDP's 8 bytes, a TCP header has at least 20).
const L4_HEADER_MIN: u64 = 8;

/// Whether a read at a known offset may lie outside the linear part of a real packet: not
/// when it is inside the smallest L4 header, which the kernel always pulls in.
fn needs_helper(region: Region, off: u64, kind: ReadKind) -> bool {
    !(region == Region::L4 && off.saturating_add(kind.size() as u64) <= L4_HEADER_MIN)
}

/// The reads of `e` that run whenever `e` runs, in evaluation order: the scan stops at
/// conditional code (branches of `if` and `match`, loop bodies, the right of `&&`/`||`, the
/// default of `unwrap_or`) and at nested blocks, which group their own reads.
fn scan_reads<'e>(e: &'e hir::Expr, out: &mut Vec<Found<'e>>) {
    let mut go = |x: &'e hir::Expr| scan_reads(x, out);
    match &e.kind {
        ExprKind::RegionRead { region: region @ (Region::L4 | Region::Payload), kind, offset, .. } => {
            if let ExprKind::Int(off) = offset.kind {
                out.push(Found {
                    region: *region,
                    spec: ReadSpec { kind: *kind, off: ReadOff::Known(off), helper: needs_helper(*region, off, *kind) },
                    expr: e,
                });
            }
        }
        ExprKind::PacketField { field, .. } => {
            if let Some(spec) = l4_field(*field) {
                out.push(Found { region: Region::L4, spec, expr: e });
            } else if let Read::Net { offset, kind, .. } = packet::info(*field).read {
                // Grouped by `prefetch_net_reads`, not by the bounds-checked groups.
                let spec = ReadSpec { kind, off: ReadOff::Known(offset as u64), helper: true };
                out.push(Found { region: Region::Net, spec, expr: e });
            }
        }
        ExprKind::Binary(BinOp::And | BinOp::Or, a, _) | ExprKind::UnwrapOr(a, _) => go(a),
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
            go(a);
            go(b);
        }
        ExprKind::MapSet { key: a, value: b, .. }
        | ExprKind::MapInsert { key: a, value: b, .. }
        | ExprKind::MapAdd { key: a, delta: b, .. } => {
            go(a);
            go(b);
        }
        ExprKind::Unary(_, x)
        | ExprKind::Cast(x)
        | ExprKind::Some(x)
        | ExprKind::IsSome(x)
        | ExprKind::IsNone(x)
        | ExprKind::Field(x, _)
        | ExprKind::Return(Some(x))
        | ExprKind::Try { operand: x, .. }
        | ExprKind::MapGet { key: x, .. }
        | ExprKind::MapRemove { key: x, .. }
        | ExprKind::MapContains { key: x, .. }
        | ExprKind::Select { key: x, .. } => go(x),
        ExprKind::If { cond: x, .. } | ExprKind::IfLet { scrutinee: x, .. } | ExprKind::Match { scrutinee: x, .. } => {
            go(x)
        }
        ExprKind::For { start, end, .. } => {
            go(start);
            go(end);
        }
        ExprKind::ArrayLit(xs) | ExprKind::StructLit(_, xs) | ExprKind::Call { args: xs, .. } => xs.iter().for_each(go),
        _ => {}
    }
}

pub(super) fn stmt_exprs(s: &Stmt) -> Vec<&hir::Expr> {
    match s {
        Stmt::Let { init, .. } | Stmt::LetElse { init, .. } => vec![init],
        Stmt::Assign { value, .. } => vec![value],
        Stmt::Expr(e) => vec![e],
    }
}

/// Whether `e` (or a function it calls) may call a helper: map operations, `select`,
/// built-ins, socket cookies, `pkt.net` reads and reads at run-time offsets. A value read
/// before such a statement and used after it would have to live across the call.
fn calls_helper(prog: &Program, e: &hir::Expr) -> bool {
    let mut found = false;
    let mut funcs = Vec::new();
    let check = |x: &hir::Expr, found: &mut bool, funcs: &mut Vec<FuncId>| match &x.kind {
        ExprKind::Select { .. }
        | ExprKind::Builtin(_)
        | ExprKind::MapGet { .. }
        | ExprKind::MapSet { .. }
        | ExprKind::MapInsert { .. }
        | ExprKind::MapRemove { .. }
        | ExprKind::MapContains { .. }
        | ExprKind::MapAdd { .. }
        | ExprKind::PacketField { field: PacketField::Cookie | PacketField::MigratingCookie, .. }
        | ExprKind::RegionRead { .. } => *found = true,
        ExprKind::PacketField { field, .. } if matches!(packet::info(*field).read, Read::Net { .. }) => *found = true,
        ExprKind::Call { func, .. } => funcs.push(*func),
        _ => {}
    };
    hir::walk_expr(e, &mut |x| check(x, &mut found, &mut funcs));
    let mut seen = foldhash::HashSet::default();
    while let Some(f) = funcs.pop() {
        if found {
            break;
        }
        if seen.insert(f) {
            hir::walk_block(&prog.functions[f.0 as usize].body, &mut |x| check(x, &mut found, &mut funcs));
        }
    }
    found
}

impl<'a> Lowerer<'a> {
    /// Reads ahead the packet reads of the statements of `b` from `from` up to and including
    /// the first one that calls a helper (or the tail): one bounds check per region for all
    /// of them. The reads' expressions then take the values read here. Reading early is safe:
    /// the packet cannot change while the program runs. Returns where the next group starts.
    pub(super) fn prefetch_reads(&mut self, b: &hir::Block, from: usize) -> usize {
        let mut found = Vec::new();
        let mut next = b.stmts.len() + 1;
        for (i, stmt) in b.stmts.iter().enumerate().skip(from) {
            let exprs = stmt_exprs(stmt);
            for e in &exprs {
                scan_reads(e, &mut found);
            }
            if exprs.iter().any(|e| calls_helper(self.prog, e)) {
                next = i + 1;
                break;
            }
        }
        if next > b.stmts.len() {
            if let Some(t) = &b.tail {
                scan_reads(t, &mut found);
            }
        }
        for region in [Region::L4, Region::Payload] {
            let mut specs: Vec<ReadSpec> = Vec::new();
            for f in found.iter().filter(|f| f.region == region) {
                if !specs.contains(&f.spec) {
                    specs.push(f.spec);
                }
            }
            if specs.is_empty() {
                continue;
            }
            // The group's bounds check and loads are the first read's source line.
            let outer = self.span;
            if let Some(first) = found.iter().find(|f| f.region == region) {
                self.span = first.expr.span;
            }
            let vals = self.direct_reads(region, &specs);
            self.span = outer;
            for f in found.iter().filter(|f| f.region == region) {
                let i = specs.iter().position(|s| *s == f.spec).expect("every read has a spec");
                self.prefetched.insert(expr_key(f.expr), vals[i].clone());
            }
        }
        next
    }

    /// The value a prefetch read for `e`, if any.
    /// Reads the network-header fields (`pkt.src_ip4`, `pkt.dst_ip6`, ..) that `exprs` (one
    /// statement) read whenever they run, when there are two or more of one IP version:
    /// one `bpf_skb_load_bytes_relative` of the bytes from the first to the last of them,
    /// after one test of the version, instead of a test and a helper call for each. The
    /// fields lie in the fixed part of their version's header, so the wider read succeeds
    /// exactly when each alone would. Each expression then takes its value from here (an
    /// `Option`, `None` on the other version, unwrapped where it is used).
    pub(super) fn prefetch_net_reads(&mut self, exprs: &[&hir::Expr]) {
        let mut found = Vec::new();
        for e in exprs {
            scan_reads(e, &mut found);
        }
        for v6 in [false, true] {
            let group: Vec<(&hir::Expr, u32, ReadKind)> = found
                .iter()
                .filter_map(|f| match &f.expr.kind {
                    ExprKind::PacketField { field, .. } => match packet::info(*field).read {
                        Read::Net { offset, kind, v6: w } if w == v6 => Some((f.expr, offset, kind)),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            if group.len() < 2 {
                continue;
            }
            let lo = group.iter().map(|g| g.1).min().unwrap_or(0);
            let hi = group.iter().map(|g| g.1 + g.2.size()).max().unwrap_or(0);
            let mut outs: Vec<(u32, ReadKind, Value, Store)> = Vec::new();
            for &(_, off, kind) in &group {
                if !outs.iter().any(|o| o.0 == off && o.1 == kind) {
                    let store = self.new_store(&kind.value_ty().ty(), "read result");
                    outs.push((off, kind, self.new_value(), store));
                }
            }
            let outer = self.span;
            self.span = group[0].0.span;
            let read = self.new_block();
            let some = self.new_block();
            let none = self.new_block();
            let join = self.new_block();
            if self.known_ipv6 == Some(v6) {
                self.jump(read);
            } else {
                let proto = self.new_value();
                self.push(Inst::LoadCtx { dst: proto, off: md::ETH_PROTOCOL.off, size: Size::H });
                // In network byte order: a little-endian 16-bit load of 08 00 is 0x0008.
                let want = if v6 { 0xDD86 } else { 0x0008 };
                self.branch(JmpOp::Jeq, proto, Operand::Imm(want), read, none);
            }
            self.switch_to(read);
            let buf = self.scratch_slot("read", hi - lo);
            let r = self.call(
                helper::SKB_LOAD_BYTES_RELATIVE,
                vec![
                    Arg::Ctx,
                    Arg::Imm(i64::from(lo)),
                    Arg::StackAddr(buf, 0),
                    Arg::Imm(i64::from(hi - lo)),
                    Arg::Imm(helper::HDR_START_NET as i64),
                ],
            );
            self.branch(JmpOp::Jsge, r, Operand::Imm(0), some, none);
            self.switch_to(some);
            for (off, kind, flag, store) in &outs {
                self.push(Inst::Iconst { dst: *flag, imm: 1 });
                match store {
                    Store::Scalar(pv) => {
                        let raw = self.new_value();
                        let size = Size::from_bytes(kind.size());
                        self.push(Inst::StackLoad { dst: raw, slot: buf, off: off - lo, size });
                        let v = self.host_order(raw, *kind);
                        self.push(Inst::Copy { dst: *pv, src: v });
                    }
                    Store::Mem(slot) => self.copy_mem(*slot, 0, buf, off - lo, kind.size()),
                    _ => {}
                }
            }
            self.jump(join);
            self.switch_to(none);
            for (_, kind, flag, store) in &outs {
                self.read_failed(*flag, store, kind.size());
            }
            self.jump(join);
            self.switch_to(join);
            self.span = outer;
            for &(e, off, kind) in &group {
                let (_, _, flag, store) =
                    outs.iter().find(|o| o.0 == off && o.1 == kind).expect("every read has an out");
                let v = Val::Opt(*flag, Box::new(self.take_temp(store)));
                self.prefetched.insert(expr_key(e), v);
            }
        }
    }

    pub(super) fn prefetched_read(&self, e: &hir::Expr) -> Option<Val> {
        self.prefetched.get(&expr_key(e)).cloned()
    }

    /// A header field read from the L4 header (`pkt.src_port`): `Option` of the value.
    pub(super) fn l4_field_read(&mut self, field: PacketField) -> Option<Val> {
        let spec = l4_field(field)?;
        Some(self.direct_reads(Region::L4, &[spec]).remove(0))
    }

    /// Reads `kind` at `off` of `region`: `Option` of the value. `known` is the offset when
    /// it is a constant, `bound` an upper bound of it when one is known.
    pub(super) fn region_read(
        &mut self,
        region: Region,
        kind: ReadKind,
        off: Value,
        known: Option<u64>,
        bound: Option<u64>,
    ) -> Val {
        if region == Region::Net {
            let flag = self.new_value();
            let payload = self.new_store(&kind.value_ty().ty(), "read result");
            let join = self.new_block();
            self.helper_read(region, kind, (off, known.or(bound)), None, flag, &payload, join);
            self.switch_to(join);
            return Val::Opt(flag, Box::new(self.take_temp(&payload)));
        }
        let off = match known {
            Some(c) => ReadOff::Known(c),
            None => ReadOff::Runtime(off, bound),
        };
        let helper = known.is_none_or(|c| needs_helper(region, c, kind));
        self.direct_reads(region, &[ReadSpec { kind, off, helper }]).remove(0)
    }

    /// Reads `reads` of `region` (several only at known offsets) with one bounds check on the
    /// linear part; each read the check does not cover goes to its helper (or fails).
    fn direct_reads(&mut self, region: Region, reads: &[ReadSpec]) -> Vec<Val> {
        let outs: Vec<(Value, Store)> =
            reads.iter().map(|r| (self.new_value(), self.new_store(&r.kind.value_ty().ty(), "read result"))).collect();
        let slow = self.new_block();
        let join = self.new_block();
        let runtime = reads.iter().find_map(|r| match r.off {
            ReadOff::Runtime(v, bound) => Some((v, bound)),
            ReadOff::Known(_) => None,
        });
        let base_off = |r: &ReadSpec| match r.off {
            ReadOff::Known(c) => c,
            ReadOff::Runtime(..) => 0,
        };
        let extent = reads.iter().map(|r| base_off(r).saturating_add(r.kind.size() as u64)).max().unwrap_or(0);
        // The payload start for the helper reads, from the pointers of the direct path.
        let mut start_from = None;
        if extent <= DIRECT_LIMIT {
            let (data, end) = self.packet_bounds();
            let mut base = match (region, self.payload_start) {
                (Region::Payload, Some(start)) => self.alu(AluOp::Add, data, Operand::Val(start)),
                (Region::Payload, None) => self.payload_base(data, end),
                _ => data,
            };
            start_from = Some((base, data));
            if let Some((off, bound)) = runtime {
                // Bounded for the verifier (and below any wrap-around when added to the start),
                // unless its bound is already known (a loop variable's, which the verifier
                // follows exactly).
                if bound.is_none_or(|b| b > DIRECT_LIMIT - extent) {
                    let ok = self.new_block();
                    self.branch(JmpOp::Jgt, off, Operand::Imm((DIRECT_LIMIT - extent) as i64), slow, ok);
                    self.switch_to(ok);
                }
                base = self.alu(AluOp::Add, base, Operand::Val(off));
            }
            let limit = self.alu(AluOp::Add, base, Operand::Imm(extent as i64));
            let fast = self.new_block();
            self.branch(JmpOp::Jgt, limit, Operand::Val(end), slow, fast);
            self.switch_to(fast);
            for (r, (flag, store)) in reads.iter().zip(&outs) {
                self.load_direct(base, base_off(r) as i16, r.kind, store);
                self.push(Inst::Iconst { dst: *flag, imm: 1 });
            }
            self.jump(join);
        } else {
            // Past what a direct read may reach: only the helper path.
            self.jump(slow);
        }
        self.switch_to(slow);
        let start = match (region, start_from) {
            (Region::Payload, _) if self.payload_start.is_some() => self.payload_start,
            (Region::Payload, Some((base, data))) => Some(self.alu(AluOp::Sub, base, Operand::Val(data))),
            (Region::Payload, None) => Some(self.payload_start()),
            _ => None,
        };
        for (r, (flag, store)) in reads.iter().zip(&outs) {
            if r.helper {
                let off = match r.off {
                    ReadOff::Known(c) => self.iconst(c),
                    ReadOff::Runtime(v, _) => v,
                };
                let known = match r.off {
                    ReadOff::Known(c) => Some(c),
                    ReadOff::Runtime(_, bound) => bound,
                };
                let next = self.new_block();
                self.helper_read(region, r.kind, (off, known), start, *flag, store, next);
                self.switch_to(next);
            } else if reads.len() > 1 {
                // A header field the group's wider check did not cover is still checked alone.
                let v = self.direct_reads(region, &[*r]).remove(0);
                let ty = Ty::Option(Box::new(r.kind.value_ty().ty()));
                self.write_store(&Store::Opt(*flag, Box::new(store.clone())), &v, &ty);
            } else {
                self.read_failed(*flag, store, r.kind.size());
            }
        }
        self.jump(join);
        self.switch_to(join);
        outs.iter().map(|(flag, store)| Val::Opt(*flag, Box::new(self.take_temp(store)))).collect()
    }

    /// `store = *(kind *)(ptr + off)` from the packet, in host order.
    fn load_direct(&mut self, ptr: Value, off: i16, kind: ReadKind, store: &Store) {
        let size = kind.size();
        match store {
            Store::Scalar(pv) => {
                let raw = self.new_value();
                self.push(Inst::PtrLoad { dst: raw, ptr, off, size: Size::from_bytes(size) });
                let v = self.host_order(raw, kind);
                self.push(Inst::Copy { dst: *pv, src: v });
            }
            Store::Mem(slot) => {
                let mut done = 0;
                while done < size {
                    let chunk = chunk(size - done, &[done]);
                    let v = self.new_value();
                    let sz = Size::from_bytes(chunk);
                    self.push(Inst::PtrLoad { dst: v, ptr, off: off + done as i16, size: sz });
                    self.push(Inst::StackStore { slot: *slot, off: done, src: Operand::Val(v), size: sz });
                    done += chunk;
                }
            }
            _ => {}
        }
    }

    /// The packet's bytes as loaded; a big-endian read of more than one byte swaps them into
    /// host order.
    fn host_order(&mut self, raw: Value, kind: ReadKind) -> Value {
        let size = kind.size();
        if size > 1 && kind.endian() == Endian::Big {
            let d = self.new_value();
            self.push(Inst::Bswap { dst: d, src: raw, bits: (size * 8) as u8 });
            d
        } else {
            raw
        }
    }

    /// A failed read: the flag 0 and the payload zero.
    fn read_failed(&mut self, flag: Value, payload: &Store, size: u32) {
        self.push(Inst::Iconst { dst: flag, imm: 0 });
        match payload {
            Store::Scalar(pv) => self.push(Inst::Iconst { dst: *pv, imm: 0 }),
            Store::Mem(slot) => {
                let s = *slot;
                self.zero_fill(s, size);
            }
            _ => {}
        }
    }

    /// `ctx->data` and `ctx->data_end`.
    fn packet_bounds(&mut self) -> (Value, Value) {
        let data = self.new_value();
        self.push(Inst::LoadCtx { dst: data, off: md::DATA.off, size: Size::DW });
        let end = self.new_value();
        self.push(Inst::LoadCtx { dst: end, off: md::DATA_END.off, size: Size::DW });
        (data, end)
    }

    /// A pointer to where the payload starts: 8 bytes into a UDP datagram (a constant on
    /// that path); `doff * 4` into a TCP segment (doff is the high nibble of byte 12, in the
    /// linear part with the rest of the header, and read only on the TCP path); and `data`
    /// when there is no TCP header in the linear part, which happens only for the empty
    /// packet of a migration run, where every read fails anyway.
    fn payload_base(&mut self, data: Value, end: Value) -> Value {
        // As in `payload_start`, each case sets the base before its test.
        let base = self.new_value();
        self.push(Inst::Alu { dst: base, op: AluOp::Add, a: data, b: Operand::Imm(8), signed: false });
        let proto = self.new_value();
        self.push(Inst::LoadCtx { dst: proto, off: md::IP_PROTOCOL.off, size: Size::W });
        let tcp = self.new_block();
        let have = self.new_block();
        self.branch(JmpOp::Jeq, proto, Operand::Imm(17), have, tcp);
        self.switch_to(tcp);
        self.push(Inst::Copy { dst: base, src: data });
        let limit = self.alu(AluOp::Add, data, Operand::Imm(13));
        let ok = self.new_block();
        self.branch(JmpOp::Jgt, limit, Operand::Val(end), have, ok);
        self.switch_to(ok);
        let b = self.new_value();
        self.push(Inst::PtrLoad { dst: b, ptr: data, off: 12, size: Size::B });
        // doff * 4 = (b >> 4) << 2 = (b >> 2) & 0x3c: one shift fewer.
        let quarter = self.alu(AluOp::Rsh, b, Operand::Imm(2));
        let len = self.alu(AluOp::And, quarter, Operand::Imm(0x3c));
        self.push(Inst::Alu { dst: base, op: AluOp::Add, a: data, b: Operand::Val(len), signed: false });
        self.jump(have);
        self.switch_to(have);
        base
    }

    /// A program with payload reads in several places computes where the payload starts once,
    /// at the entry, rather than in each group of reads.
    pub(super) fn payload_start_at_entry(&mut self, entry: FuncId) {
        let mut sites = 0;
        let mut seen = foldhash::HashSet::default();
        let mut stack = vec![entry];
        while let Some(f) = stack.pop() {
            if !seen.insert(f) {
                continue;
            }
            hir::walk_block(&self.prog.functions[f.0 as usize].body, &mut |e| match &e.kind {
                ExprKind::RegionRead { region: Region::Payload, .. } => sites += 1,
                ExprKind::Call { func, .. } => stack.push(*func),
                _ => {}
            });
        }
        if sites >= 2 {
            self.payload_start = Some(self.payload_start());
        }
    }

    /// The payload start as an offset from the L4 header (the same three cases as
    /// [`Lowerer::payload_base`]), a scalar the verifier knows to be at most 60, so that a
    /// packet pointer may be moved by it.
    fn payload_start(&mut self) -> Value {
        // Each case sets the start before its test, so that no block is only a constant and
        // a jump: 8, then 0 when not UDP, then the data offset when the TCP header is there.
        let start = self.new_value();
        self.push(Inst::Iconst { dst: start, imm: 8 });
        let proto = self.new_value();
        self.push(Inst::LoadCtx { dst: proto, off: md::IP_PROTOCOL.off, size: Size::W });
        let tcp = self.new_block();
        let have = self.new_block();
        self.branch(JmpOp::Jeq, proto, Operand::Imm(17), have, tcp);
        self.switch_to(tcp);
        self.push(Inst::Iconst { dst: start, imm: 0 });
        let (data, end) = self.packet_bounds();
        let limit = self.alu(AluOp::Add, data, Operand::Imm(13));
        let ok = self.new_block();
        self.branch(JmpOp::Jgt, limit, Operand::Val(end), have, ok);
        self.switch_to(ok);
        // doff * 4 = (b >> 4) << 2 = (b >> 2) & 0x3c: one shift fewer, all in `start`'s
        // register.
        self.push(Inst::PtrLoad { dst: start, ptr: data, off: 12, size: Size::B });
        self.push(Inst::Alu { dst: start, op: AluOp::Rsh, a: start, b: Operand::Imm(2), signed: false });
        self.push(Inst::Alu { dst: start, op: AluOp::And, a: start, b: Operand::Imm(0x3c), signed: false });
        self.jump(have);
        self.switch_to(have);
        start
    }

    /// Reads `kind` at `off` of `region` with `bpf_skb_load_bytes` (or `_relative` for
    /// `pkt.net`) into `flag` and `payload`, then jumps to `join`. `known` is an upper bound
    /// of the offset (the offset itself when it is a constant); `start` the payload start when the caller has it.
    #[allow(clippy::too_many_arguments)]
    fn helper_read(
        &mut self,
        region: Region,
        kind: ReadKind,
        (off, known): (Value, Option<u64>),
        start: Option<Value>,
        flag: Value,
        payload: &Store,
        join: Block,
    ) {
        let size = kind.size();
        let none = self.new_block();
        // Offsets past 4 GiB cannot be in the packet (and the helpers take a u32).
        if known.is_none_or(|c| c > u32::MAX as u64) {
            let fits = self.new_block();
            self.branch(JmpOp::Jle, off, Operand::Imm(u32::MAX as i64), fits, none);
            self.switch_to(fits);
        }
        let total = match region {
            Region::L4 | Region::Net => off,
            Region::Payload => {
                let start = match start.or(self.payload_start) {
                    Some(s) => s,
                    None => self.payload_start(),
                };
                let t = self.alu(AluOp::Add, start, Operand::Val(off));
                // The start is at most 60, so a constant offset below 4 GiB - 60 cannot
                // overflow the helper's u32; a run-time one is checked.
                if known.is_none_or(|c| c > u32::MAX as u64 - 64) {
                    let ok2 = self.new_block();
                    self.branch(JmpOp::Jle, t, Operand::Imm(u32::MAX as i64), ok2, none);
                    self.switch_to(ok2);
                }
                t
            }
        };
        let buf = match payload {
            Store::Mem(slot) => *slot,
            _ => self.scratch_slot("read", 8),
        };
        let r = match region {
            Region::Net => self.call(
                helper::SKB_LOAD_BYTES_RELATIVE,
                vec![
                    Arg::Ctx,
                    Arg::Val(total),
                    Arg::StackAddr(buf, 0),
                    Arg::Imm(size as i64),
                    Arg::Imm(helper::HDR_START_NET as i64),
                ],
            ),
            _ => self.call(
                helper::SKB_LOAD_BYTES,
                vec![Arg::Ctx, Arg::Val(total), Arg::StackAddr(buf, 0), Arg::Imm(size as i64)],
            ),
        };
        let some = self.new_block();
        self.branch(JmpOp::Jsge, r, Operand::Imm(0), some, none);
        self.switch_to(some);
        self.push(Inst::Iconst { dst: flag, imm: 1 });
        if let Store::Scalar(pv) = payload {
            let raw = self.new_value();
            self.push(Inst::StackLoad { dst: raw, slot: buf, off: 0, size: Size::from_bytes(size) });
            let v = self.host_order(raw, kind);
            self.push(Inst::Copy { dst: *pv, src: v });
        }
        self.jump(join);
        self.switch_to(none);
        self.read_failed(flag, payload, size);
        self.jump(join);
    }
}
