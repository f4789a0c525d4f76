//! Source text to [`ast::File`]: the pest grammar (`grammar.pest`) plus a Pratt parser for
//! operator precedence.
//!
//! The parser reads one item at a time. After a syntax error it skips to the next line that
//! starts an item, so one run reports the errors of several items. It never panics: bad
//! literals and over-deep nesting become diagnostics too.

use crate::ast::*;
use crate::diag::Diagnostic;
use crate::errors;
use crate::lit::{self, EscapeError, IntTextError};
use crate::prescan::{self, Problem, MAX_NESTING};
use crate::span::{FileId, Span};
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser;
use std::cell::RefCell;
use std::sync::OnceLock;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct LangParser;

/// Operands and operators in one flat expression beyond this are refused before they are
/// folded into a tree: with the nesting limit, it bounds every tree's depth (and the
/// recursion that drops it) to a few thousand.
pub const MAX_EXPR_PARTS: usize = 200;
/// Expression trees deeper than this are refused for the same reason.
pub const MAX_EXPR_DEPTH: usize = 256;

/// Operator precedence, lowest first (the book's `ref-expressions.md` lists it).
fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::or, Assoc::Left))
            .op(Op::infix(Rule::and, Assoc::Left))
            .op(Op::infix(Rule::eq, Assoc::Left)
                | Op::infix(Rule::ne, Assoc::Left)
                | Op::infix(Rule::lt, Assoc::Left)
                | Op::infix(Rule::le, Assoc::Left)
                | Op::infix(Rule::gt, Assoc::Left)
                | Op::infix(Rule::ge, Assoc::Left))
            .op(Op::infix(Rule::bitor, Assoc::Left))
            .op(Op::infix(Rule::bitxor, Assoc::Left))
            .op(Op::infix(Rule::bitand, Assoc::Left))
            .op(Op::infix(Rule::shl, Assoc::Left) | Op::infix(Rule::shr, Assoc::Left))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left)
                | Op::infix(Rule::div, Assoc::Left)
                | Op::infix(Rule::rem, Assoc::Left))
            .op(Op::postfix(Rule::cast))
            .op(Op::prefix(Rule::neg) | Op::prefix(Rule::not))
            .op(Op::postfix(Rule::try_op)
                | Op::postfix(Rule::method_call)
                | Op::postfix(Rule::field)
                | Op::postfix(Rule::index)
                | Op::postfix(Rule::call))
    })
}

/// Parses one source file. Always returns a (possibly partial) file; errors are in the vec.
pub fn parse_file(file: FileId, src: &str) -> (File, Vec<Diagnostic>) {
    match prescan::prescan(src) {
        Ok(text) => parse_prescanned(file, src, text),
        Err(problem) => (File::default(), vec![prescan_error(file, src, problem)]),
    }
}

/// [`parse_file`] of a file whose pre-scan is done: `text` is `src` as [`prescan::prescan`]
/// gave it.
pub(crate) fn parse_prescanned(file: FileId, src: &str, mut text: String) -> (File, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut items = Vec::new();
    let mut allows = Vec::new();
    let mut broken = Vec::new();
    let mut repairs = 0;
    let mut repaired: Option<usize> = None;
    let mut pos = 0usize;
    while pos <= src.len() {
        // The grammar's whitespace (comments are spaces by now), skipped here at once rather
        // than a character at a time by the grammar: no offset changes.
        pos += text.as_bytes()[pos.min(text.len())..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .count();
        match parse_item(&text, pos) {
            Ok(mut pairs) => {
                repaired = None;
                let Some(one) = pairs.next() else { break };
                let Some(inner) = one.into_inner().next() else {
                    break;
                };
                if inner.as_rule() != Rule::item {
                    break; // EOI: only whitespace and comments were left.
                }
                let end = inner.as_span().end();
                let b = Builder { file, base: pos, src, diags: RefCell::new(Vec::new()), allows: RefCell::default() };
                if let Some(item) = b.item(inner) {
                    for a in item.attrs.iter().filter(|a| a.name.name == "allow") {
                        let lints = a.args.iter().map(|a| a.name.clone()).collect();
                        allows.push(Allow { scope: item.span, lints });
                    }
                    allows.append(&mut b.allows.borrow_mut());
                    if let Some(span) = expr_depth_item(&item) {
                        diags.push(
                            errors::too_deep("expression nested too deeply")
                                .with_primary(span, format!("more than {MAX_EXPR_DEPTH} levels of operators and calls"))
                                .with_help("split the expression with `let` bindings"),
                        );
                    } else {
                        items.push(item);
                    }
                }
                diags.extend(b.diags.into_inner());
                if end == 0 {
                    break;
                }
                pos += end;
            }
            Err(e) => {
                if let Some(at) = repaired.take() {
                    if pos + error_pos(&e) <= at + 1 {
                        // The `;` put in was not what the item lacked: one error is enough.
                        text.replace_range(at..at + 1, &src[at..at + 1]);
                        if let Some(name) = item_name(&text, pos) {
                            broken.push(Ident {
                                name: text[name.clone()].to_string(),
                                span: Span::new(file, name.start, name.end),
                            });
                        }
                        match recovery_point(&text, at) {
                            Some(next) if next > pos => {
                                pos = next;
                                continue;
                            }
                            _ => break,
                        }
                    }
                }
                let d = syntax_error(file, pos, &text, &e);
                // A missing `;` is certain: put one in (over the whitespace after the
                // statement, so that no offset moves) and parse the item again, so that the
                // rest of it is checked and nothing that uses it errs for want of it.
                let semi = d.message == MISSING_SEMI && repairs < MAX_REPAIRS;
                let end = d.primary_span().map(|s| s.end as usize).unwrap_or(0);
                diags.push(d);
                if semi && text[end..].starts_with(|c: char| c.is_ascii_whitespace()) {
                    text.replace_range(end..end + 1, ";");
                    repairs += 1;
                    repaired = Some(end);
                    continue;
                }
                if let Some(name) = item_name(&text, pos) {
                    broken.push(Ident {
                        name: text[name.clone()].to_string(),
                        span: Span::new(file, name.start, name.end),
                    });
                }
                let at = pos + error_pos(&e);
                // An item that starts where the error is (after a missing `}`) is parsed on
                // its own; otherwise parsing resumes at the next line that starts an item.
                let line = text[..at.min(text.len())].rfind('\n').map(|n| n + 1).unwrap_or(0);
                let here = (line > pos && starts_item(&text[line..])).then_some(line);
                match here.or_else(|| recovery_point(&text, at)) {
                    Some(next) if next > pos => pos = next,
                    _ => break,
                }
            }
        }
    }
    (File { items, allows, broken }, diags)
}

/// The message of a syntax error that is a missing `;`.
const MISSING_SEMI: &str = "syntax error: expected `;`";
/// Missing `;`s put in per file before the parser gives up on repairs.
const MAX_REPAIRS: usize = 50;

/// The byte range of the name of the item at `pos` (after its attributes, `pub` and
/// keyword), if it has one.
pub(crate) fn item_name(text: &str, pos: usize) -> Option<std::ops::Range<usize>> {
    let mut i = pos;
    loop {
        i += text[i..].len() - text[i..].trim_start().len();
        if text[i..].starts_with("#[") {
            i += text[i..].find(']')? + 1;
        } else if let Some(kw) =
            ["pub ", "fn ", "const ", "static ", "struct "].iter().find(|k| text[i..].starts_with(**k))
        {
            i += kw.len();
            if *kw != "pub " {
                i += text[i..].len() - text[i..].trim_start().len();
                let len = text[i..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len() - i);
                return (len > 0).then_some(i..i + len);
            }
        } else {
            return None;
        }
    }
}

/// The pre-scan's refusal as a diagnostic.
fn prescan_error(file: FileId, src: &str, problem: Problem) -> Diagnostic {
    match problem {
        Problem::UnterminatedComment { at } => errors::syntax("unterminated block comment")
            .with_primary(Span::new(file, at, (at + 2).min(src.len())), "this `/*` has no matching `*/`")
            .with_help("block comments nest: every `/*` inside needs its own `*/`"),
        Problem::TooDeep { at, len, what } => {
            let span = Span::new(file, at, (at + len).min(src.len()));
            let (message, help) = match what {
                "bracket" => ("brackets nested too deeply", "move inner parts into `let` bindings or helper functions"),
                "if" => (
                    "`if` nested or chained too deeply",
                    "a long `else if` chain is a `match`; or split it into helper functions",
                ),
                "return" => {
                    ("`return` nested too deeply", "a `return` inside a `return` never runs: remove the inner ones")
                }
                _ => ("expressions nested too deeply", "move inner parts into `let` bindings or helper functions"),
            };
            errors::too_deep(message)
                .with_primary(span, format!("more than {MAX_NESTING} levels of nesting here"))
                .with_note(format!(
                    "brackets and the `if`, `else if`, `match`, `for` and `return` expressions open around a point count \
                     as levels; the limit is {MAX_NESTING}"
                ))
                .with_help(help)
        }
    }
}

/// Parses the item at `pos`. pest builds an error's source line by walking from the end of
/// its input back to the error, so parsing the whole rest of the file for every item would
/// make a file of many broken items quadratic: the item is parsed in a window that ends at
/// the next line starting an item first, and in the whole rest only when that parse ran
/// into the window's end (an item that really goes on, such as a string literal holding
/// such a line).
/// Parses the item at `pos`. Pest's record of what it tried (which makes its error messages
/// say what was expected) costs about as much as the parse itself, so the first attempt runs
/// without it and only an item that fails is parsed again with it.
fn parse_item(text: &str, pos: usize) -> Result<Pairs<'_, Rule>, pest::error::Error<Rule>> {
    pest::set_error_detail(false);
    match parse_item_once(text, pos) {
        Ok(pairs) => Ok(pairs),
        Err(_) => {
            pest::set_error_detail(true);
            let again = parse_item_once(text, pos);
            pest::set_error_detail(false);
            again
        }
    }
}

fn parse_item_once(text: &str, pos: usize) -> Result<Pairs<'_, Rule>, pest::error::Error<Rule>> {
    let mut body = pos;
    loop {
        body += text[body..].len() - text[body..].trim_start().len();
        if !text[body..].starts_with("#[") {
            break;
        }
        match text[body..].find('\n') {
            Some(nl) => body += nl + 1,
            None => break,
        }
    }
    if let Some(end) = recovery_point(text, body) {
        let window = &text[pos..end];
        match LangParser::parse(Rule::one_item, window) {
            Ok(pairs)
                if pairs
                    .clone()
                    .next()
                    .and_then(|one| one.into_inner().next())
                    .is_some_and(|i| i.as_rule() == Rule::item) =>
            {
                return Ok(pairs)
            }
            Err(e) if error_pos(&e) < window.trim_end().len() => return Err(e),
            _ => {}
        }
    }
    LangParser::parse(Rule::one_item, &text[pos..])
}

/// The start of the next line after `at` that begins an item, where parsing resumes.
fn recovery_point(src: &str, at: usize) -> Option<usize> {
    let mut i = at.min(src.len());
    while let Some(nl) = src[i..].find('\n') {
        let line = i + nl + 1;
        if starts_item(&src[line..]) {
            return Some(line);
        }
        i = line;
    }
    None
}

/// Whether a line starts an item (where parsing can resume after an error).
pub(crate) fn starts_item(line: &str) -> bool {
    const STARTS: [&str; 8] = ["fn ", "#[", "const ", "static ", "struct ", "use ", "mod ", "pub "];
    STARTS.iter().any(|s| line.starts_with(s))
}

fn error_pos(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// Turns pest's error into a diagnostic saying what was expected, in the language's terms.
fn syntax_error(file: FileId, base: usize, src: &str, e: &pest::error::Error<Rule>) -> Diagnostic {
    let at = (base + error_pos(e)).min(src.len());
    let mut expected: Vec<String> = Vec::new();
    fn push(expected: &mut Vec<String>, s: String) {
        if !expected.contains(&s) {
            expected.push(s);
        }
    }
    let mut tokens: Vec<String> = Vec::new();
    // The deepest rules pest tried at the error name the construct best; its "positives"
    // are the fallback when it recorded none.
    if let Some(attempts) = e.parse_attempts() {
        for stack in attempts.call_stacks() {
            let rule = stack.deepest.get_rule().copied().or(stack.parent);
            if let Some(r) = rule.and_then(describe_rule) {
                push(&mut expected, r.to_string());
            }
        }
        for tok in attempts.expected_tokens() {
            let t = tok.to_string();
            let noise = matches!(t.as_str(), "BUILTIN_RULE" | "" | " " | "\t" | "\n" | "\r" | "/*" | "//" | "_");
            // Character ranges print as `a..z`; they name no token a person would type.
            let range = t.chars().count() == 4 && t.contains("..");
            if !(noise || range) {
                tokens.push(t);
            }
        }
    }
    if expected.is_empty() {
        if let pest::error::ErrorVariant::ParsingError { positives, .. } = &e.variant {
            for r in positives {
                if let Some(d) = describe_rule(*r) {
                    push(&mut expected, d.to_string());
                }
            }
        }
    }
    // Tokens that merely start an expression or are operators are covered by the words
    // "an expression" and "an operator"; listing each would bury the useful ones.
    const EXPR_START: [&str; 16] = [
        "-", "!", "(", "[", "{", "b'", "b\"", "\"", "true", "false", "break", "continue", "return", "if", "match",
        "for",
    ];
    const OPERATORS: [&str; 21] = [
        "||", "&&", "==", "!=", "<=", ">=", "<<", ">>", "<", ">", "|", "^", "&", "+", "-", "*", "/", "%", "?", ".",
        "as",
    ];
    let has_expr = expected.iter().any(|s| s == "an expression");
    let mut closers = Vec::new();
    let mut others = Vec::new();
    let mut ops: Vec<String> = Vec::new();
    for t in tokens {
        if has_expr && EXPR_START.contains(&t.as_str()) {
            continue;
        } else if OPERATORS.contains(&t.as_str()) {
            ops.push(format!("`{t}`"));
        } else if matches!(t.as_str(), ";" | ")" | "]" | "}" | "," | "=>" | "=" | "{") {
            closers.push(format!("`{t}`"));
        } else {
            others.push(format!("`{t}`"));
        }
    }
    // Punctuation that ends a construct is the likeliest fix, so it comes first.
    let mut ordered = closers;
    ordered.append(&mut expected);
    ordered.append(&mut others);
    // Many operator tokens mean "an operator could continue the expression here"; one or
    // two (a `<` opening generic arguments) are worth naming.
    if ops.len() > 2 {
        if !ordered.iter().any(|s| s == "an operator") {
            ordered.push("an operator".to_string());
        }
    } else {
        ordered.append(&mut ops);
    }
    let mut expected: Vec<String> = Vec::new();
    for s in ordered {
        push(&mut expected, s);
    }
    // Long lists help nobody: keep the first few.
    expected.truncate(6);
    let found = match src[at..].chars().next() {
        None => "end of file".to_string(),
        Some(_) => {
            let word: String = src[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if word.is_empty() {
                format!("`{}`", src[at..].chars().next().unwrap_or(' '))
            } else {
                format!("`{word}`")
            }
        }
    };
    let end = (at + src[at..].chars().next().map(|c| c.len_utf8()).unwrap_or(0)).min(src.len());
    // A `;` that could end the statement, before a token on a later line (or a `let`): the
    // statement lacks its `;`, and the place to say so is its end, not the next line.
    let prev_end = src[..at].trim_end().len();
    let word_let =
        src[at..].starts_with("let") && !src[at + 3..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
    if expected.iter().any(|e| e == "`;`") && prev_end > 0 && (src[prev_end..at].contains('\n') || word_let) {
        let last = src[..prev_end].chars().next_back().map(|c| c.len_utf8()).unwrap_or(1);
        return errors::syntax(MISSING_SEMI)
            .with_primary(Span::new(file, prev_end - last, prev_end), "expected `;` after this")
            .with_secondary(
                Span::new(file, at, end),
                if found == "end of file" {
                    "the file ends here".to_string()
                } else {
                    format!("{found} cannot continue the statement")
                },
            )
            .with_help("end the statement with `;`");
    }
    let label =
        if expected.is_empty() { "unexpected here".to_string() } else { format!("expected {}", join_or(&expected)) };
    let mut d =
        errors::syntax(format!("syntax error: unexpected {found}")).with_primary(Span::new(file, at, end), label);
    if found == "end of file" {
        d = d.with_help("the file ends inside an item: is a `}` or `;` missing?");
    } else if (at == 0 || src[..at].ends_with('\n')) && starts_item(&src[at..]) {
        d = d.with_help("an item cannot start inside another one: is a `}` missing above it?");
    }
    d
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// How a grammar rule is named in an error message; `None` for rules too small to mention.
fn describe_rule(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::item | Rule::one_item => "an item (`fn`, `const`, `static`, `struct`, `use`, `mod`)",
        Rule::expr | Rule::primary | Rule::const_arg => "an expression",
        Rule::ty | Rule::path_ty | Rule::array_ty => "a type",
        Rule::ident | Rule::path => "a name",
        Rule::stmt | Rule::expr_stmt | Rule::let_stmt => "a statement",
        Rule::block => "a block `{ ... }`",
        Rule::pat | Rule::pat_atom => "a pattern",
        Rule::int_lit => "an integer",
        Rule::semi => "`;`",
        Rule::assign_op => "`=`",
        Rule::or
        | Rule::and
        | Rule::eq
        | Rule::ne
        | Rule::lt
        | Rule::le
        | Rule::gt
        | Rule::ge
        | Rule::bitor
        | Rule::bitxor
        | Rule::bitand
        | Rule::shl
        | Rule::shr
        | Rule::add
        | Rule::sub
        | Rule::mul
        | Rule::div
        | Rule::rem => "an operator",
        Rule::match_arm => "a match arm",
        Rule::attr => "an attribute",
        Rule::field_decl => "a field",
        Rule::param => "a parameter",
        _ => return None,
    })
}

/// Returns the span of an expression deeper than [`MAX_EXPR_DEPTH`] in `item`, if any.
fn expr_depth_item(item: &Item) -> Option<Span> {
    match &item.kind {
        ItemKind::Fn(f) => block_depth(&f.body, 0),
        ItemKind::Const { value, .. } => expr_depth(value, 0),
        _ => None,
    }
}

fn block_depth(b: &Block, d: usize) -> Option<Span> {
    for s in &b.stmts {
        let found = match &s.kind {
            StmtKind::Let { init, .. } => expr_depth(init, d),
            StmtKind::LetElse { init, else_block, .. } => {
                expr_depth(init, d).or_else(|| block_depth(else_block, d + 1))
            }
            StmtKind::Assign { place, value, .. } => expr_depth(place, d).or_else(|| expr_depth(value, d)),
            StmtKind::Expr(e) => expr_depth(e, d),
        };
        if found.is_some() {
            return found;
        }
    }
    b.tail.as_ref().and_then(|t| expr_depth(t, d))
}

fn expr_depth(e: &Expr, d: usize) -> Option<Span> {
    if d > MAX_EXPR_DEPTH {
        return Some(e.span);
    }
    let d = d + 1;
    let all = |es: &[Expr]| es.iter().find_map(|x| expr_depth(x, d));
    match &e.kind {
        ExprKind::Paren(x)
        | ExprKind::Unary(_, x)
        | ExprKind::Cast(x, _)
        | ExprKind::Field(x, _)
        | ExprKind::Try(x) => expr_depth(x, d),
        ExprKind::Binary { lhs, rhs, .. } | ExprKind::Index(lhs, rhs) | ExprKind::ArrayRepeat(lhs, rhs) => {
            expr_depth(lhs, d).or_else(|| expr_depth(rhs, d))
        }
        ExprKind::MethodCall { recv, args, .. } => expr_depth(recv, d).or_else(|| all(args)),
        ExprKind::Call { callee, args } => expr_depth(callee, d).or_else(|| all(args)),
        ExprKind::Macro { args, .. } | ExprKind::ArrayList(args) => all(args),
        ExprKind::StructLit { fields, .. } => fields.iter().find_map(|(_, x)| expr_depth(x, d)),
        ExprKind::Block(b) => block_depth(b, d),
        ExprKind::If { cond, then, els } => {
            expr_depth(cond, d).or_else(|| block_depth(then, d)).or_else(|| els.as_ref().and_then(|x| expr_depth(x, d)))
        }
        ExprKind::IfLet { scrutinee, then, els, .. } => expr_depth(scrutinee, d)
            .or_else(|| block_depth(then, d))
            .or_else(|| els.as_ref().and_then(|x| expr_depth(x, d))),
        ExprKind::Match { scrutinee, arms } => {
            expr_depth(scrutinee, d).or_else(|| arms.iter().find_map(|a| expr_depth(&a.body, d)))
        }
        ExprKind::For { start, end, body, .. } => {
            expr_depth(start, d).or_else(|| expr_depth(end, d)).or_else(|| block_depth(body, d))
        }
        ExprKind::Return(Some(x)) => expr_depth(x, d),
        _ => None,
    }
}

/// Builds AST nodes from pest pairs of one item. `base` is the item's offset in the file.
struct Builder<'s> {
    file: FileId,
    base: usize,
    src: &'s str,
    diags: RefCell<Vec<Diagnostic>>,
    allows: RefCell<Vec<Allow>>,
}

fn is_kw(r: Rule) -> bool {
    matches!(
        r,
        Rule::kw_let
            | Rule::kw_else
            | Rule::kw_in
            | Rule::kw_as
            | Rule::kw_fn
            | Rule::kw_const
            | Rule::kw_static
            | Rule::kw_struct
            | Rule::kw_use
            | Rule::kw_mod
            | Rule::kw_if
            | Rule::kw_match
            | Rule::kw_for
            | Rule::kw_return
    )
}

/// The children of a pair without keyword tokens.
fn kids(p: Pair<'_, Rule>) -> Vec<Pair<'_, Rule>> {
    p.into_inner().filter(|c| !is_kw(c.as_rule())).collect()
}

impl<'s> Builder<'s> {
    /// The span of a pair without the whitespace pest leaves at the end of rules that
    /// end in an optional part.
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        let len = p.as_str().trim_end().len();
        Span::new(self.file, self.base + s.start(), self.base + s.start() + len)
    }

    fn error(&self, d: Diagnostic) {
        self.diags.borrow_mut().push(d);
    }

    fn ident(&self, p: Pair<'_, Rule>) -> Ident {
        Ident { name: p.as_str().to_string(), span: self.span(&p) }
    }

    fn path(&self, p: Pair<'_, Rule>) -> Path {
        let span = self.span(&p);
        Path { segments: kids(p).into_iter().map(|c| self.ident(c)).collect(), span }
    }

    /// The `///` lines directly above the item starting at byte `start` of the file.
    fn doc_above(&self, start: usize) -> String {
        let before = &self.src[..start.min(self.src.len())];
        let mut lines: Vec<&str> = Vec::new();
        for line in before.lines().rev() {
            let t = line.trim();
            if let Some(doc) = t.strip_prefix("///") {
                lines.push(doc.strip_prefix(' ').unwrap_or(doc));
            } else if t.is_empty() && lines.is_empty() {
                continue;
            } else {
                break;
            }
        }
        lines.reverse();
        lines.join("\n")
    }

    fn item(&self, p: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&p);
        let mut attrs = Vec::new();
        let mut is_pub = false;
        let mut kind = None;
        for c in kids(p) {
            match c.as_rule() {
                Rule::attr => attrs.push(self.attr(c)),
                Rule::pub_kw => is_pub = true,
                Rule::use_item => {
                    let mut path = Vec::new();
                    let mut group = None;
                    for k in kids(c) {
                        match k.as_rule() {
                            Rule::ident => path.push(self.ident(k)),
                            Rule::use_group => group = Some(kids(k).into_iter().map(|i| self.ident(i)).collect()),
                            _ => {}
                        }
                    }
                    kind = Some(ItemKind::Use { path, group });
                }
                Rule::mod_item => {
                    let k = kids(c);
                    kind = Some(ItemKind::Mod { name: self.ident(k.into_iter().next()?) });
                }
                Rule::const_item => {
                    let mut k = kids(c).into_iter();
                    let name = self.ident(k.next()?);
                    let ty = self.ty(k.next()?);
                    let value = self.expr(k.next()?);
                    kind = Some(ItemKind::Const { name, ty, value });
                }
                Rule::struct_item => {
                    let mut k = kids(c).into_iter();
                    let name = self.ident(k.next()?);
                    let mut fields = Vec::new();
                    for f in k {
                        let mut fk = kids(f).into_iter();
                        let fname = self.ident(fk.next()?);
                        let fty = self.ty(fk.next()?);
                        fields.push((fname, fty));
                    }
                    kind = Some(ItemKind::Struct { name, fields });
                }
                Rule::static_item => {
                    let mut k = kids(c).into_iter();
                    let name = self.ident(k.next()?);
                    let ty = self.ty(k.next()?);
                    kind = Some(ItemKind::Static { name, ty });
                }
                Rule::fn_item => kind = Some(ItemKind::Fn(self.fn_decl(c)?)),
                _ => {}
            }
        }
        let doc = self.doc_above(span.start as usize);
        Some(Item { attrs, is_pub, kind: kind?, span, doc })
    }

    /// A statement's attribute: `#[allow(..)]` covers the statement; nothing else is known.
    fn statement_attr(&self, attr: &Attr, stmt: Span) {
        if attr.name.name == "allow" {
            let lints = attr.args.iter().map(|a| a.name.clone()).collect();
            self.allows.borrow_mut().push(Allow { scope: stmt, lints });
        } else {
            self.error(
                errors::bad_attribute(format!("unknown attribute `{}` on a statement", attr.name.name))
                    .with_primary(attr.span, "statements take only `#[allow(..)]`"),
            );
        }
    }

    fn attr(&self, p: Pair<'_, Rule>) -> Attr {
        let span = self.span(&p);
        let mut name = Ident { name: String::new(), span };
        let mut args = Vec::new();
        for c in kids(p) {
            match c.as_rule() {
                Rule::ident => name = self.ident(c),
                Rule::attr_args => {
                    for a in kids(c) {
                        let aspan = self.span(&a);
                        let mut k = kids(a).into_iter();
                        if let Some(n) = k.next() {
                            args.push(AttrArg {
                                name: self.ident(n),
                                value: k.next().map(|v| self.ident(v)),
                                span: aspan,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        Attr { name, args, span }
    }

    fn fn_decl(&self, p: Pair<'_, Rule>) -> Option<FnDecl> {
        let mut k = kids(p).into_iter();
        let name = self.ident(k.next()?);
        let mut params = Vec::new();
        let mut ret = None;
        let mut body = None;
        for c in k {
            match c.as_rule() {
                Rule::param => {
                    let pspan = self.span(&c);
                    let mut mutable = false;
                    let mut pname = None;
                    let mut pty = None;
                    for x in kids(c) {
                        match x.as_rule() {
                            Rule::mut_kw => mutable = true,
                            Rule::ident => pname = Some(self.ident(x)),
                            Rule::ty => pty = Some(self.ty(x)),
                            _ => {}
                        }
                    }
                    params.push(Param { mutable, name: pname?, ty: pty?, span: pspan });
                }
                Rule::ret_ty => ret = Some(self.ty(kids(c).into_iter().next()?)),
                Rule::block => body = Some(self.block(c)),
                _ => {}
            }
        }
        Some(FnDecl { name, params, ret, body: body? })
    }

    fn ty(&self, p: Pair<'_, Rule>) -> Type {
        let span = self.span(&p);
        let error = Type { kind: TypeKind::Unit, span };
        let Some(inner) = kids(p).into_iter().next() else {
            return error;
        };
        match inner.as_rule() {
            Rule::unit_ty => Type { kind: TypeKind::Unit, span },
            Rule::array_ty => {
                let mut k = kids(inner).into_iter();
                match (k.next(), k.next()) {
                    (Some(t), Some(n)) => {
                        Type { kind: TypeKind::Array(Box::new(self.ty(t)), Box::new(self.expr(n))), span }
                    }
                    _ => error,
                }
            }
            Rule::path_ty => {
                let mut path = None;
                let mut args = Vec::new();
                for c in kids(inner) {
                    match c.as_rule() {
                        Rule::path => path = Some(self.path(c)),
                        Rule::generic_args => args = kids(c).into_iter().filter_map(|a| self.generic_arg(a)).collect(),
                        _ => {}
                    }
                }
                match path {
                    Some(path) => Type { kind: TypeKind::Path(path, args), span },
                    None => error,
                }
            }
            _ => error,
        }
    }

    fn generic_arg(&self, p: Pair<'_, Rule>) -> Option<GenericArg> {
        let inner = kids(p).into_iter().next()?;
        Some(match inner.as_rule() {
            Rule::ty => GenericArg::Type(self.ty(inner)),
            _ => GenericArg::Const(self.expr(inner)),
        })
    }

    fn block(&self, p: Pair<'_, Rule>) -> Block {
        let span = self.span(&p);
        let mut stmts = Vec::new();
        let mut tail = None;
        let all = kids(p);
        let n = all.len();
        for (i, s) in all.into_iter().enumerate() {
            let last = i + 1 == n;
            let sspan = self.span(&s);
            let mut parts = kids(s).into_iter().peekable();
            while let Some(a) = parts.next_if(|p| p.as_rule() == Rule::attr) {
                let attr = self.attr(a);
                self.statement_attr(&attr, sspan);
            }
            let Some(inner) = parts.next() else {
                continue;
            };
            match inner.as_rule() {
                Rule::let_stmt => {
                    let mut mutable = false;
                    let mut name = None;
                    let mut ty = None;
                    let mut init = None;
                    for c in kids(inner) {
                        match c.as_rule() {
                            Rule::mut_kw => mutable = true,
                            Rule::ident => name = Some(self.ident(c)),
                            // `let _ = e;` evaluates `e` into a local nobody can name.
                            Rule::wild_pat => name = Some(Ident { name: "_".into(), span: self.span(&c) }),
                            Rule::ty => ty = Some(self.ty(c)),
                            Rule::expr => init = Some(self.expr(c)),
                            _ => {}
                        }
                    }
                    if let (Some(name), Some(init)) = (name, init) {
                        stmts.push(Stmt { kind: StmtKind::Let { mutable, name, ty, init }, span: sspan });
                    }
                }
                Rule::let_else => {
                    let mut mutable = false;
                    let mut name = None;
                    let mut init = None;
                    let mut els = None;
                    for c in kids(inner) {
                        match c.as_rule() {
                            Rule::mut_kw => mutable = true,
                            Rule::ident => name = Some(self.ident(c)),
                            Rule::expr => init = Some(self.expr(c)),
                            Rule::block => els = Some(self.block(c)),
                            _ => {}
                        }
                    }
                    if let (Some(name), Some(init), Some(else_block)) = (name, init, els) {
                        stmts.push(Stmt { kind: StmtKind::LetElse { mutable, name, init, else_block }, span: sspan });
                    }
                }
                Rule::blocklike_stmt => {
                    let mut k = kids(inner).into_iter();
                    let Some(e) = k.next() else { continue };
                    let has_semi = k.next().is_some();
                    let e = self.expr_atom(e);
                    if last && !has_semi && !matches!(e.kind, ExprKind::For { .. }) {
                        tail = Some(Box::new(e));
                    } else {
                        stmts.push(Stmt { kind: StmtKind::Expr(e), span: sspan });
                    }
                }
                Rule::expr_stmt => {
                    let mut exprs = Vec::new();
                    let mut op = None;
                    let mut has_semi = false;
                    for c in kids(inner) {
                        match c.as_rule() {
                            Rule::expr => exprs.push(self.expr(c)),
                            Rule::assign_op => op = Some(c.as_str().to_string()),
                            Rule::semi => has_semi = true,
                            _ => {}
                        }
                    }
                    let mut ex = exprs.into_iter();
                    let Some(first) = ex.next() else { continue };
                    if let Some(op) = op {
                        let Some(value) = ex.next() else { continue };
                        let op = compound_op(&op);
                        stmts.push(Stmt { kind: StmtKind::Assign { place: first, op, value }, span: sspan });
                    } else if !has_semi && last {
                        tail = Some(Box::new(first));
                    } else {
                        stmts.push(Stmt { kind: StmtKind::Expr(first), span: sspan });
                    }
                }
                _ => {}
            }
        }
        Block { stmts, tail, span }
    }

    /// An expression: operands and operators folded by precedence.
    fn expr(&self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        let pairs: Pairs<'_, Rule> = p.into_inner();
        if pairs.len() > MAX_EXPR_PARTS {
            self.error(
                errors::too_deep("expression too long")
                    .with_primary(span, format!("more than {MAX_EXPR_PARTS} operands and operators"))
                    .with_help("split the expression with `let` bindings"),
            );
            return Expr { kind: ExprKind::Error, span };
        }
        let ops = pratt();
        ops.map_primary(|x| self.expr_atom(x))
            .map_prefix(|op, rhs| {
                let s = self.span(&op).to(rhs.span);
                let u = if op.as_rule() == Rule::neg { UnOp::Neg } else { UnOp::Not };
                Expr { kind: ExprKind::Unary(u, Box::new(rhs)), span: s }
            })
            .map_postfix(|lhs, op| self.postfix(lhs, op))
            .map_infix(|lhs, op, rhs| self.infix(lhs, op, rhs))
            .parse(pairs)
    }

    fn infix(&self, lhs: Expr, op: Pair<'_, Rule>, rhs: Expr) -> Expr {
        let op_span = self.span(&op);
        let bop = match op.as_rule() {
            Rule::or => BinOp::Or,
            Rule::and => BinOp::And,
            Rule::eq => BinOp::Eq,
            Rule::ne => BinOp::Ne,
            Rule::lt => BinOp::Lt,
            Rule::le => BinOp::Le,
            Rule::gt => BinOp::Gt,
            Rule::ge => BinOp::Ge,
            Rule::bitor => BinOp::BitOr,
            Rule::bitxor => BinOp::BitXor,
            Rule::bitand => BinOp::BitAnd,
            Rule::shl => BinOp::Shl,
            Rule::shr => BinOp::Shr,
            Rule::add => BinOp::Add,
            Rule::sub => BinOp::Sub,
            Rule::mul => BinOp::Mul,
            Rule::div => BinOp::Div,
            _ => BinOp::Rem,
        };
        if bop.is_comparison() {
            if let ExprKind::Binary { op: inner, op_span: inner_span, .. } = &lhs.kind {
                if inner.is_comparison() {
                    self.error(
                        errors::chained_comparison("comparison operators cannot be chained")
                            .with_primary(op_span, "second comparison")
                            .with_secondary(*inner_span, "first comparison")
                            .with_help("split it with `&&`: `a < b && b < c`, or add parentheses"),
                    );
                    // The whole chain is one error; checking it further would only repeat it.
                    return Expr { kind: ExprKind::Error, span: lhs.span.to(rhs.span) };
                }
            }
        }
        let span = lhs.span.to(rhs.span);
        Expr { kind: ExprKind::Binary { op: bop, op_span, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span }
    }

    fn postfix(&self, lhs: Expr, op: Pair<'_, Rule>) -> Expr {
        let span = lhs.span.to(self.span(&op));
        let kind = match op.as_rule() {
            Rule::try_op => ExprKind::Try(Box::new(lhs)),
            Rule::field => match kids(op).into_iter().next() {
                Some(i) => ExprKind::Field(Box::new(lhs), self.ident(i)),
                None => ExprKind::Error,
            },
            Rule::index => match kids(op).into_iter().next() {
                Some(i) => ExprKind::Index(Box::new(lhs), Box::new(self.expr(i))),
                None => ExprKind::Error,
            },
            Rule::call => {
                let args = kids(op).into_iter().next().map(|a| self.args(a)).unwrap_or_default();
                ExprKind::Call { callee: Box::new(lhs), args }
            }
            Rule::cast => match kids(op).into_iter().next() {
                Some(i) => ExprKind::Cast(Box::new(lhs), self.ident(i)),
                None => ExprKind::Error,
            },
            Rule::method_call => {
                let mut method = None;
                let mut generics = Vec::new();
                let mut args = Vec::new();
                for c in kids(op) {
                    match c.as_rule() {
                        Rule::ident => method = Some(self.ident(c)),
                        Rule::turbofish => generics = kids(c).into_iter().filter_map(|g| self.generic_arg(g)).collect(),
                        Rule::call_args => args = self.args(c),
                        _ => {}
                    }
                }
                match method {
                    Some(method) => ExprKind::MethodCall { recv: Box::new(lhs), method, generics, args },
                    None => ExprKind::Error,
                }
            }
            _ => ExprKind::Error,
        };
        Expr { kind, span }
    }

    fn args(&self, p: Pair<'_, Rule>) -> Vec<Expr> {
        kids(p).into_iter().filter(|c| c.as_rule() == Rule::expr).map(|c| self.expr(c)).collect()
    }

    /// A primary expression (an operand).
    fn expr_atom(&self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::expr => return self.expr(p),
            Rule::const_arg => return self.expr(p),
            Rule::bool_lit => ExprKind::Bool(p.as_str() == "true"),
            Rule::int_lit => match parse_int(p.as_str()) {
                Ok((value, suffix)) => ExprKind::Int { value, suffix },
                Err((msg, help)) => {
                    self.error(errors::malformed_literal(msg).with_primary(span, "invalid literal").with_help(help));
                    ExprKind::Error
                }
            },
            Rule::byte_lit => {
                let text = p.as_str();
                let inner = text.get(2..text.len().saturating_sub(1)).unwrap_or("");
                match unescape(inner) {
                    Ok(bytes) if bytes.len() == 1 => ExprKind::Byte(bytes[0]),
                    Ok(_) => {
                        self.error(
                            errors::malformed_literal("a byte literal holds exactly one byte")
                                .with_primary(span, "invalid literal"),
                        );
                        ExprKind::Error
                    }
                    Err(msg) => {
                        self.error(errors::malformed_literal(msg).with_primary(span, "invalid literal"));
                        ExprKind::Error
                    }
                }
            }
            Rule::byte_str => {
                let text = p.as_str();
                let inner = text.get(2..text.len().saturating_sub(1)).unwrap_or("");
                match unescape(inner) {
                    Ok(bytes) => ExprKind::ByteStr(bytes),
                    Err(msg) => {
                        self.error(errors::malformed_literal(msg).with_primary(span, "invalid literal"));
                        ExprKind::Error
                    }
                }
            }
            Rule::str_lit => {
                let text = p.as_str();
                ExprKind::Str(text.get(1..text.len().saturating_sub(1)).unwrap_or("").to_string())
            }
            Rule::path => ExprKind::Path(self.path(p)),
            Rule::paren_expr => match kids(p).into_iter().next() {
                Some(e) => ExprKind::Paren(Box::new(self.expr(e))),
                None => ExprKind::Error,
            },
            Rule::macro_call => {
                let mut k = kids(p).into_iter();
                match k.next() {
                    Some(n) => ExprKind::Macro { name: self.ident(n), args: k.map(|e| self.expr(e)).collect() },
                    None => ExprKind::Error,
                }
            }
            Rule::struct_lit => {
                let mut k = kids(p).into_iter();
                match k.next() {
                    Some(path) => {
                        let path = self.path(path);
                        let mut fields = Vec::new();
                        for f in k {
                            let mut fk = kids(f).into_iter();
                            if let (Some(n), Some(v)) = (fk.next(), fk.next()) {
                                fields.push((self.ident(n), self.expr(v)));
                            }
                        }
                        ExprKind::StructLit { path, fields }
                    }
                    None => ExprKind::Error,
                }
            }
            Rule::array_list => ExprKind::ArrayList(kids(p).into_iter().map(|e| self.expr(e)).collect()),
            Rule::array_repeat => {
                let mut k = kids(p).into_iter();
                match (k.next(), k.next()) {
                    (Some(v), Some(n)) => ExprKind::ArrayRepeat(Box::new(self.expr(v)), Box::new(self.expr(n))),
                    _ => ExprKind::Error,
                }
            }
            Rule::block => ExprKind::Block(self.block(p)),
            Rule::if_expr => return self.if_expr(p),
            Rule::match_expr => {
                let mut k = kids(p).into_iter();
                let Some(scrutinee) = k.next() else {
                    return Expr { kind: ExprKind::Error, span };
                };
                let scrutinee = Box::new(self.expr(scrutinee));
                let arms = k.map(|a| self.arm(a)).collect();
                ExprKind::Match { scrutinee, arms }
            }
            Rule::for_expr => {
                let mut k = kids(p).into_iter();
                match (k.next(), k.next(), k.next(), k.next()) {
                    (Some(v), Some(s), Some(e), Some(b)) => ExprKind::For {
                        var: self.ident(v),
                        start: Box::new(self.expr(s)),
                        end: Box::new(self.expr(e)),
                        body: self.block(b),
                    },
                    _ => ExprKind::Error,
                }
            }
            Rule::return_expr => ExprKind::Return(kids(p).into_iter().next().map(|e| Box::new(self.expr(e)))),
            Rule::break_expr => ExprKind::Break,
            Rule::continue_expr => ExprKind::Continue,
            _ => ExprKind::Error,
        };
        Expr { kind, span }
    }

    fn if_expr(&self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        let mut k = kids(p).into_iter();
        let (Some(cond), Some(then)) = (k.next(), k.next()) else {
            return Expr { kind: ExprKind::Error, span };
        };
        let then = self.block(then);
        let els = k.next().map(|e| Box::new(self.expr_atom(e)));
        if cond.as_rule() == Rule::let_cond {
            let mut mutable = false;
            let mut name = None;
            let mut scrutinee = None;
            for c in kids(cond) {
                match c.as_rule() {
                    Rule::mut_kw => mutable = true,
                    Rule::ident => name = Some(self.ident(c)),
                    Rule::expr => scrutinee = Some(self.expr(c)),
                    _ => {}
                }
            }
            match (name, scrutinee) {
                (Some(name), Some(s)) => {
                    Expr { kind: ExprKind::IfLet { mutable, name, scrutinee: Box::new(s), then, els }, span }
                }
                _ => Expr { kind: ExprKind::Error, span },
            }
        } else {
            Expr { kind: ExprKind::If { cond: Box::new(self.expr(cond)), then, els }, span }
        }
    }

    fn arm(&self, p: Pair<'_, Rule>) -> MatchArm {
        let span = self.span(&p);
        let mut pats = Vec::new();
        let mut body = None;
        for c in kids(p) {
            match c.as_rule() {
                Rule::pat => pats.push(self.pat(c)),
                Rule::expr => body = Some(self.expr(c)),
                _ => {}
            }
        }
        MatchArm { pats, body: body.unwrap_or(Expr { kind: ExprKind::Error, span }), span }
    }

    fn pat(&self, p: Pair<'_, Rule>) -> Pat {
        let span = self.span(&p);
        let Some(inner) = kids(p).into_iter().next() else {
            return Pat { kind: PatKind::Wild, span };
        };
        let kind = match inner.as_rule() {
            Rule::wild_pat => PatKind::Wild,
            Rule::some_pat => {
                let mut mutable = false;
                let mut name = None;
                for c in kids(inner) {
                    match c.as_rule() {
                        Rule::mut_kw => mutable = true,
                        Rule::ident => name = Some(Ident { name: c.as_str().to_string(), span: self.span(&c) }),
                        _ => {}
                    }
                }
                PatKind::Some { mutable, name }
            }
            Rule::range_pat => {
                let mut k = kids(inner).into_iter();
                match (k.next(), k.next()) {
                    (Some(a), Some(b)) => PatKind::Range(self.pat_atom(a), self.pat_atom(b)),
                    _ => PatKind::Wild,
                }
            }
            _ => PatKind::Atom(self.pat_atom(inner)),
        };
        Pat { kind, span }
    }

    fn pat_atom(&self, p: Pair<'_, Rule>) -> PatAtom {
        let span = self.span(&p);
        let mut negative = false;
        let mut kind = PatAtomKind::Error;
        for c in kids(p) {
            match c.as_rule() {
                Rule::neg => negative = true,
                Rule::int_lit => {
                    kind = match parse_int(c.as_str()) {
                        Ok((value, suffix)) => PatAtomKind::Int { value, suffix },
                        Err((msg, help)) => {
                            self.error(
                                errors::malformed_literal(msg).with_primary(span, "invalid literal").with_help(help),
                            );
                            PatAtomKind::Error
                        }
                    }
                }
                Rule::byte_lit => {
                    let text = c.as_str();
                    let inner = text.get(2..text.len().saturating_sub(1)).unwrap_or("");
                    kind = match unescape(inner) {
                        Ok(b) if b.len() == 1 => PatAtomKind::Byte(b[0]),
                        _ => {
                            self.error(
                                errors::malformed_literal("invalid byte literal").with_primary(span, "invalid literal"),
                            );
                            PatAtomKind::Error
                        }
                    }
                }
                Rule::path => kind = PatAtomKind::Path(self.path(c)),
                _ => {}
            }
        }
        PatAtom { negative, kind, span }
    }
}

fn compound_op(op: &str) -> Option<BinOp> {
    Some(match op {
        "+=" => BinOp::Add,
        "-=" => BinOp::Sub,
        "*=" => BinOp::Mul,
        "/=" => BinOp::Div,
        "%=" => BinOp::Rem,
        "<<=" => BinOp::Shl,
        ">>=" => BinOp::Shr,
        "&=" => BinOp::BitAnd,
        "^=" => BinOp::BitXor,
        "|=" => BinOp::BitOr,
        _ => return None,
    })
}

/// Parses an integer literal's text: digits in its radix, `_` separators, optional suffix.
/// The digits are read by [`lit::parse_magnitude`]; errors are (message, help) in the
/// lexer's words.
pub fn parse_int(text: &str) -> Result<(u64, Option<IntTy>), (String, String)> {
    let (radix, prefix) = match text.get(..2) {
        Some("0x") => (16, 2),
        Some("0o") => (8, 2),
        Some("0b") => (2, 2),
        _ => (10, 0),
    };
    let body = &text[prefix..];
    let digits_end = body
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '_' || (radix == 16 && c.is_ascii_hexdigit())))
        .map(|(i, _)| i)
        .unwrap_or(body.len());
    let suffix = &body[digits_end..];
    let suffix_ty = if suffix.is_empty() {
        None
    } else {
        match IntTy::named(suffix) {
            Some(t) => Some(t),
            None => {
                return Err((
                    format!("invalid suffix `{suffix}` on an integer literal"),
                    "the suffix must be an integer type: `u8`, `u16`, `u32`, `u64`, `i8`, `i16`, `i32` or `i64`".into(),
                ))
            }
        }
    };
    match lit::parse_magnitude(&text[..prefix + digits_end]) {
        Ok(value) => Ok((value, suffix_ty)),
        Err(IntTextError::BadDigit { digit, base, .. }) => {
            let kind = match base {
                2 => "binary",
                8 => "octal",
                _ => "decimal",
            };
            Err((
                format!("invalid digit `{digit}` in a {kind} literal"),
                format!("a {kind} literal uses digits below {base}"),
            ))
        }
        Err(IntTextError::OutOfRange { .. }) => Err((
            "integer literal is too large".into(),
            "the largest integer is `u64::MAX`, 18446744073709551615".into(),
        )),
        Err(_) => Err((
            "integer literal has no digits".into(),
            "write at least one digit after the radix prefix, e.g. `0x0`".into(),
        )),
    }
}

/// Decodes the escapes of a byte or byte-string literal's contents, with the error in the
/// lexer's words.
fn unescape(s: &str) -> Result<Vec<u8>, String> {
    lit::unescape(s).map_err(|e| match e {
        EscapeError::NonAscii(c) => format!("non-ASCII character `{c}` in a byte literal; write it as `\\x..` escapes"),
        EscapeError::BadHex => "`\\x` must be followed by two hex digits".into(),
        EscapeError::Unknown(other) => format!("unknown escape `\\{other}`"),
        EscapeError::TrailingBackslash => "a literal cannot end with `\\`".into(),
    })
}
