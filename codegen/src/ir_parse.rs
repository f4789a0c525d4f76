//! A parser for the IR's text form, the inverse of `Display for Function` in [`crate::ir`].
//!
//! It exists so that each optimiser pass can be tested on hand-written IR (the file tests of
//! `codegen/tests/passes/`), as Cranelift's filetests do. Printing a parsed function gives
//! back the text it was parsed from; the round-trip test holds that for every example policy.
//!
//! What the text does not carry is filled with neutral values: spans are the default span,
//! block weights are 1 and no block is in a loop. Block and slot numbers are kept as written,
//! so a parsed function prints with the same names; blocks whose number is skipped exist but
//! are unreachable and unterminated, as the optimiser leaves merged blocks. The entry is the
//! first block written, since the printer writes blocks in reverse post-order.
//!
//! Lines that start with `;` (after indentation) and blank lines are ignored, except that in a
//! slot line the text after ` ; ` is the slot's description.

use crate::bpf::{AluOp, JmpOp, Size};
use crate::ir::{self, Arg, Block, Function, Inst, Operand, Slot, SlotData, Term, Value};
use cranelift_entity::EntityRef;
use rsteer_lang::Span;
use std::fmt;

/// A syntax error, with the 1-based line of the text where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses exactly one function.
pub fn parse_function(text: &str) -> Result<Function, ParseError> {
    let mut fs = parse_functions(text)?;
    match fs.len() {
        1 => Ok(fs.remove(0)),
        n => {
            Err(ParseError { line: text.lines().count().max(1), message: format!("expected one function, found {n}") })
        }
    }
}

/// Parses every function of the text, in order.
pub fn parse_functions(text: &str) -> Result<Vec<Function>, ParseError> {
    let mut out = Vec::new();
    let mut cur: Option<Builder> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |message: String| ParseError { line, message };
        let t = raw.trim();
        if t.is_empty() || t.starts_with(';') {
            continue;
        }
        match cur.as_mut() {
            None => {
                let name = t
                    .strip_prefix("function ")
                    .and_then(|r| r.strip_suffix('{'))
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| err(format!("expected `function NAME {{`, found `{t}`")))?;
                cur = Some(Builder::new(name, line));
            }
            Some(b) => {
                if t == "}" {
                    out.push(cur.take().unwrap().finish().map_err(err)?);
                } else {
                    b.line(t).map_err(err)?;
                }
            }
        }
    }
    if let Some(b) = cur {
        return Err(ParseError { line: b.start, message: format!("function {} is not closed by `}}`", b.f.name) });
    }
    Ok(out)
}

struct Builder {
    f: Function,
    start: usize,
    /// The block being filled, once a label was read.
    block: Option<Block>,
    /// Whether the current block already has its terminator.
    terminated: bool,
    /// Blocks that have a label in the text, and whether each was labelled.
    defined: Vec<bool>,
    referenced: Vec<Block>,
    first: Option<Block>,
}

impl Builder {
    fn new(name: &str, start: usize) -> Builder {
        let mut f = Function::new(name, Span::default());
        // `Function::new` makes block0 as the entry; blocks are made on demand instead.
        f.blocks.clear();
        Builder { f, start, block: None, terminated: false, defined: vec![], referenced: vec![], first: None }
    }

    fn ensure_block(&mut self, b: Block) {
        while self.f.blocks.len() <= b.index() {
            self.f.new_block(Span::default());
            self.defined.push(false);
        }
    }

    fn see_value(&mut self, v: Value) {
        self.f.num_values = self.f.num_values.max(v.as_u32() + 1);
    }

    fn line(&mut self, t: &str) -> Result<(), String> {
        if let Some(label) = t.strip_suffix(':') {
            let b = parse_block(label)?;
            if let Some(prev) = self.block.filter(|_| !self.terminated) {
                return Err(format!("block {prev} has no terminator before `{label}:`"));
            }
            self.ensure_block(b);
            if self.defined[b.index()] {
                return Err(format!("block {b} is defined twice"));
            }
            self.defined[b.index()] = true;
            self.first.get_or_insert(b);
            self.block = Some(b);
            self.terminated = false;
            return Ok(());
        }
        if t.starts_with("ss") && t.contains("= slot") {
            if self.block.is_some() {
                return Err("slots are declared before the first block".into());
            }
            return self.slot(t);
        }
        let Some(b) = self.block else { return Err(format!("`{t}` is outside any block")) };
        if self.terminated {
            return Err(format!("`{t}` follows the terminator of {b}"));
        }
        let mut c = Cursor::new(t);
        if let Some(term) = self.term(&mut c)? {
            c.end()?;
            self.f.blocks[b].term = term;
            self.terminated = true;
        } else {
            let inst = self.inst(&mut Cursor::new(t))?;
            for v in inst.uses().into_iter().chain(inst.def()) {
                self.see_value(v);
            }
            self.f.blocks[b].insts.push((inst, Span::default()));
        }
        Ok(())
    }

    fn slot(&mut self, t: &str) -> Result<(), String> {
        let (head, what) = match t.split_once(" ; ") {
            Some((h, w)) => (h, w.to_string()),
            None => (t.strip_suffix(" ;").unwrap_or(t), String::new()),
        };
        let mut c = Cursor::new(head);
        let s = parse_slot(&c.word())?;
        if s.index() != self.f.slots.len() {
            return Err(format!("expected slot ss{}, found {s}", self.f.slots.len()));
        }
        c.expect('=')?;
        c.keyword("slot")?;
        let size = c.uint()?;
        c.end()?;
        self.f.slots.push(SlotData { size: size as u32, what });
        Ok(())
    }

    fn target(&mut self, c: &mut Cursor) -> Result<Block, String> {
        let b = parse_block(&c.word())?;
        self.ensure_block(b);
        self.referenced.push(b);
        Ok(b)
    }

    fn term(&mut self, c: &mut Cursor) -> Result<Option<Term>, String> {
        if c.rest() == "<unterminated>" {
            c.pos = c.s.len();
            return Ok(Some(Term::None));
        }
        let save = c.pos;
        let w = c.word();
        Ok(Some(match w.as_str() {
            "jump" => Term::Jump(self.target(c)?),
            "return" => Term::Return(self.operand(c)?),
            "br" => {
                let cc = c.word();
                let op = jmp_op(&cc).ok_or_else(|| format!("unknown condition `{cc}`"))?;
                let a = self.value(c)?;
                c.expect(',')?;
                let b = self.operand(c)?;
                c.expect(',')?;
                let then = self.target(c)?;
                c.expect(',')?;
                let els = self.target(c)?;
                Term::Branch { op, a, b, then, els }
            }
            _ => {
                c.pos = save;
                return Ok(None);
            }
        }))
    }

    fn value(&mut self, c: &mut Cursor) -> Result<Value, String> {
        let v = parse_value(&c.word())?;
        self.see_value(v);
        Ok(v)
    }

    fn operand(&mut self, c: &mut Cursor) -> Result<Operand, String> {
        if c.peek_int() {
            Ok(Operand::Imm(c.int()?))
        } else {
            Ok(Operand::Val(self.value(c)?))
        }
    }

    fn inst(&mut self, c: &mut Cursor) -> Result<Inst, String> {
        let first = c.word();
        if first == "call" {
            return self.call(c, None);
        }
        if let Some((kind, size)) = first.split_once('.') {
            let size = parse_size(size)?;
            let inst = match kind {
                "store" if c.peek('[') => {
                    let (ptr, off) = self.ptr(c)?;
                    c.expect(',')?;
                    Inst::PtrStore { ptr, off, src: self.value(c)?, size }
                }
                "store" => {
                    let (slot, off) = self.slot_off(c)?;
                    c.expect(',')?;
                    Inst::StackStore { slot, off, src: self.operand(c)?, size }
                }
                "atomic_add" => {
                    let (ptr, off) = self.ptr(c)?;
                    c.expect(',')?;
                    Inst::AtomicAdd { ptr, off, src: self.value(c)?, size }
                }
                _ => return Err(format!("unknown instruction `{first}`")),
            };
            c.end()?;
            return Ok(inst);
        }
        let dst = parse_value(&first)?;
        c.expect('=')?;
        let op = c.word();
        let inst = match op.as_str() {
            "call" => return self.call(c, Some(dst)),
            "iconst" => Inst::Iconst { dst, imm: c.int()? as u64 },
            "copy" => Inst::Copy { dst, src: self.value(c)? },
            "neg" => Inst::Neg { dst, a: self.value(c)? },
            "addr" => {
                let (slot, off) = self.slot_off(c)?;
                Inst::StackAddr { dst, slot, off }
            }
            _ if op.starts_with("load.") => {
                let size = parse_size(&op[5..])?;
                if c.peek('[') {
                    let (ptr, off) = self.ptr(c)?;
                    Inst::PtrLoad { dst, ptr, off, size }
                } else if c.rest().starts_with("ctx") {
                    c.word();
                    c.expect('+')?;
                    let off = c.int()?;
                    let off = i16::try_from(off).map_err(|_| format!("offset {off} does not fit 16 bits"))?;
                    Inst::LoadCtx { dst, off, size }
                } else {
                    let (slot, off) = self.slot_off(c)?;
                    Inst::StackLoad { dst, slot, off, size }
                }
            }
            _ => {
                if let Some((op, signed)) = alu_op(&op) {
                    let a = self.value(c)?;
                    c.expect(',')?;
                    Inst::Alu { dst, op, a, b: self.operand(c)?, signed }
                } else if let Some(bits) = op.strip_prefix("be") {
                    Inst::Bswap { dst, src: self.value(c)?, bits: parse_bits(bits)? }
                } else if let Some(bits) = op.strip_prefix("uext") {
                    Inst::Normalize { dst, src: self.value(c)?, bits: parse_bits(bits)?, signed: false }
                } else if let Some(bits) = op.strip_prefix("sext") {
                    Inst::Normalize { dst, src: self.value(c)?, bits: parse_bits(bits)?, signed: true }
                } else {
                    return Err(format!("unknown instruction `{op}`"));
                }
            }
        };
        c.end()?;
        Ok(inst)
    }

    fn call(&mut self, c: &mut Cursor, dst: Option<Value>) -> Result<Inst, String> {
        let name = c.word();
        let helper = helper_id(&name).ok_or_else(|| format!("unknown helper `{name}`"))?;
        c.expect('(')?;
        let mut args = Vec::new();
        if !c.eat(')') {
            loop {
                args.push(self.arg(c)?);
                if c.eat(')') {
                    break;
                }
                c.expect(',')?;
            }
        }
        c.end()?;
        Ok(Inst::Call { dst, helper, args })
    }

    fn arg(&mut self, c: &mut Cursor) -> Result<Arg, String> {
        if c.eat('&') {
            let s = parse_slot(&c.word())?;
            let off = if c.eat('+') { c.uint()? as u32 } else { 0 };
            return Ok(Arg::StackAddr(s, off));
        }
        if c.peek_int() {
            return Ok(Arg::Imm(c.int()?));
        }
        let w = c.word();
        if w == "ctx" {
            return Ok(Arg::Ctx);
        }
        if let Some(n) = w.strip_prefix("map").and_then(|n| n.parse().ok()) {
            return Ok(Arg::Map(n));
        }
        let v = parse_value(&w)?;
        self.see_value(v);
        Ok(Arg::Val(v))
    }

    /// `ssN+OFF`
    fn slot_off(&mut self, c: &mut Cursor) -> Result<(Slot, u32), String> {
        let s = parse_slot(&c.word())?;
        c.expect('+')?;
        let off = c.uint()?;
        let off = u32::try_from(off).map_err(|_| format!("offset {off} does not fit 32 bits"))?;
        Ok((s, off))
    }

    /// `[vN+OFF]`
    fn ptr(&mut self, c: &mut Cursor) -> Result<(Value, i16), String> {
        c.expect('[')?;
        let v = self.value(c)?;
        // `[v+8]`, or `[v-1]` below a pointer (a packet read through its bounds check).
        if !c.peek('-') {
            c.expect('+')?;
        }
        let off = c.int()?;
        let off = i16::try_from(off).map_err(|_| format!("offset {off} does not fit 16 bits"))?;
        c.expect(']')?;
        Ok((v, off))
    }

    fn finish(mut self) -> Result<Function, String> {
        if let Some(last) = self.block.filter(|_| !self.terminated) {
            return Err(format!("block {last} has no terminator"));
        }
        let Some(entry) = self.first else { return Err(format!("function {} has no block", self.f.name)) };
        for b in &self.referenced {
            if !self.defined[b.index()] {
                return Err(format!("{b} is a branch target but has no label"));
            }
        }
        self.f.entry = entry;
        Ok(self.f)
    }
}

/// A cursor over one line; words are runs of letters, digits, `_` and `.`.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Cursor<'a> {
        Cursor { s, pos: 0 }
    }

    fn skip_ws(&mut self) {
        while self.s[self.pos..].starts_with(' ') {
            self.pos += 1;
        }
    }

    fn rest(&mut self) -> &'a str {
        self.skip_ws();
        &self.s[self.pos..]
    }

    fn peek(&mut self, ch: char) -> bool {
        self.rest().starts_with(ch)
    }

    fn eat(&mut self, ch: char) -> bool {
        if self.peek(ch) {
            self.pos += ch.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, ch: char) -> Result<(), String> {
        if self.eat(ch) {
            Ok(())
        } else {
            Err(format!("expected `{ch}` at `{}`", self.rest()))
        }
    }

    fn word(&mut self) -> String {
        let r = self.rest();
        let n = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(r.len());
        self.pos += n;
        r[..n].to_string()
    }

    fn keyword(&mut self, k: &str) -> Result<(), String> {
        let w = self.word();
        if w == k {
            Ok(())
        } else {
            Err(format!("expected `{k}`, found `{w}`"))
        }
    }

    fn peek_int(&mut self) -> bool {
        let r = self.rest();
        let r = r.strip_prefix('-').unwrap_or(r);
        r.starts_with(|c: char| c.is_ascii_digit())
    }

    /// A decimal integer, optionally negative.
    fn int(&mut self) -> Result<i64, String> {
        if !self.peek_int() {
            return Err(format!("expected an integer at `{}`", self.rest()));
        }
        let neg = self.eat('-');
        let w = self.word();
        let mag: u64 = w.parse().map_err(|_| format!("`{w}` is not an integer"))?;
        if neg {
            if mag > 1 << 63 {
                return Err(format!("-{w} does not fit 64 bits"));
            }
            Ok((mag as i64).wrapping_neg())
        } else {
            i64::try_from(mag).map_err(|_| format!("{w} does not fit a signed 64-bit integer"))
        }
    }

    fn uint(&mut self) -> Result<u64, String> {
        let v = self.int()?;
        u64::try_from(v).map_err(|_| format!("{v} is negative"))
    }

    fn end(&mut self) -> Result<(), String> {
        let r = self.rest();
        if r.is_empty() {
            Ok(())
        } else {
            Err(format!("unexpected `{r}` at the end of the line"))
        }
    }
}

fn numbered(w: &str, prefix: &str, what: &str) -> Result<u32, String> {
    w.strip_prefix(prefix)
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("expected a {what} (`{prefix}N`), found `{w}`"))
}

fn parse_value(w: &str) -> Result<Value, String> {
    numbered(w, "v", "value").map(Value::from_u32)
}

fn parse_block(w: &str) -> Result<Block, String> {
    numbered(w, "block", "block").map(Block::from_u32)
}

fn parse_slot(w: &str) -> Result<Slot, String> {
    numbered(w, "ss", "stack slot").map(Slot::from_u32)
}

fn parse_bits(w: &str) -> Result<u8, String> {
    w.parse().map_err(|_| format!("`{w}` is not a bit width"))
}

fn parse_size(w: &str) -> Result<Size, String> {
    [Size::B, Size::H, Size::W, Size::DW]
        .into_iter()
        .find(|s| ir::size_name(*s) == w)
        .ok_or_else(|| format!("unknown access size `{w}`"))
}

/// The inverse of the printer's ALU names (searched, so the two cannot disagree).
fn alu_op(w: &str) -> Option<(AluOp, bool)> {
    let ops = (0..16u8).filter_map(|n| AluOp::from_code(n << 4));
    ops.flat_map(|op| [(op, false), (op, true)]).find(|(op, signed)| ir::alu_name(*op, *signed) == w)
}

/// The inverse of the printer's condition names.
fn jmp_op(w: &str) -> Option<JmpOp> {
    (0..16u8).filter_map(|n| JmpOp::from_code(n << 4)).filter(|op| op.is_condition()).find(|op| ir::jmp_name(*op) == w)
}

/// The helper a printed name stands for.
fn helper_id(w: &str) -> Option<i32> {
    (0..256).find(|&id| crate::bpf::helper::name(id) == Some(w))
}
