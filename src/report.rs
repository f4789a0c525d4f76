//! How verbs talk to the person (or script) at the other end: one [`Reporter`], made in
//! `main` from the verb's `--json` flag and passed to the verb, and the [`Failure`] a verb
//! returns. Results, tables, dumps and JSON go to standard output; diagnostics, summaries
//! and errors to standard error.

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use rsteer::build::{Built, Checked, Failed, Stage};
use rsteer_lang::{Diagnostic, SourceDb};
use rsteer_loader::verifier::Rejection;
use rsteer_loader::{ErrorKind, LoadError};
use std::fmt::Display;
use std::io::{IsTerminal, Write};

/// Exit codes: 0 ok, 1 policy errors, 2 usage, 3 system or kernel errors.
pub const EXIT_POLICY: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_SYSTEM: u8 = 3;

/// Why a command failed.
pub enum Failure {
    /// Already printed (diagnostics); exit with this code.
    Reported(u8),
    /// Print `error: message` and an optional hint, then exit with `code`.
    Message { code: u8, message: String, hint: Option<String> },
    /// The kernel's verifier refused a program: shown as a diagnostic at its source line,
    /// exit 3.
    Rejected { rejection: Box<Rejection>, hint: Option<String> },
}

impl Failure {
    pub fn usage(message: impl Into<String>, hint: Option<&str>) -> Failure {
        Failure::Message { code: EXIT_USAGE, message: message.into(), hint: hint.map(str::to_string) }
    }

    pub fn system(message: impl Into<String>) -> Failure {
        Failure::Message { code: EXIT_SYSTEM, message: message.into(), hint: None }
    }
}

/// A loader error keeps its message and hint; its kind picks the exit code.
impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Failure {
        if let LoadError::Verifier(r) = &e {
            return Failure::Rejected { rejection: r.clone(), hint: e.hint() };
        }
        let code = match e.kind() {
            ErrorKind::Usage => EXIT_USAGE,
            ErrorKind::NotFound | ErrorKind::Permission | ErrorKind::System => EXIT_SYSTEM,
        };
        Failure::Message { code, message: e.to_string(), hint: e.hint() }
    }
}

/// What form a verb's result takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Lines and tables for a person.
    Human,
    /// One JSON document on standard output (`--json`), for scripts and editors.
    Json,
}

/// The one way verbs print. It holds no state beyond the format, so a verb prints its
/// result through [`Reporter::result`] (both forms in one place) and everything else
/// (status lines, diagnostics, tables) through the other methods.
pub struct Reporter {
    format: Format,
    /// `-v`: the kernel's logs behind an error (the verifier's).
    verbose: bool,
}

impl Reporter {
    pub fn new(format: Format) -> Reporter {
        Reporter { format, verbose: false }
    }

    /// The same reporter, printing the kernel's logs behind errors (`-v`).
    pub fn verbose(mut self, verbose: bool) -> Reporter {
        self.verbose = verbose;
        self
    }

    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// Text on standard output. When standard output is a closed pipe (`rsteer ... | head`),
    /// stop quietly instead of panicking, as other tools do.
    pub fn text(&self, text: impl Display) {
        if write!(std::io::stdout(), "{text}").is_err() {
            std::process::exit(0);
        }
    }

    /// A line on standard output.
    pub fn line(&self, text: impl Display) {
        self.text(format_args!("{text}\n"));
    }

    /// A status line on standard error (summaries such as `wrote p.o`).
    pub fn status(&self, text: impl Display) {
        eprintln!("{text}");
    }

    /// A JSON document, pretty-printed, on standard output.
    pub fn json(&self, value: &serde_json::Value) {
        self.line(serde_json::to_string_pretty(value).unwrap_or_default());
    }

    /// A verb's result: the JSON document when `--json` asked for it, else the human form.
    pub fn result(&self, json: impl FnOnce() -> serde_json::Value, human: impl FnOnce(&Reporter)) {
        match self.format {
            Format::Json => self.json(&json()),
            Format::Human => human(self),
        }
    }

    /// An aligned table on standard output: numbers right-aligned, text left-aligned.
    pub fn table<const N: usize>(&self, header: &[&str; N], rows: &[[String; N]]) {
        self.text(format_table(header, rows));
    }

    /// Diagnostics on standard error, coloured when it is a terminal: the first
    /// [`MAX_SHOWN`](rsteer_lang::diag::MAX_SHOWN), then one line counting the rest.
    pub fn diagnostics(&self, db: &SourceDb, diagnostics: &[Diagnostic]) {
        if diagnostics.is_empty() {
            return;
        }
        let choice = if std::io::stderr().is_terminal() { ColorChoice::Auto } else { ColorChoice::Never };
        let mut stream = StandardStream::stderr(choice);
        let shown = &diagnostics[..diagnostics.len().min(rsteer_lang::diag::MAX_SHOWN)];
        rsteer_lang::diag::render_to(&mut stream, db, shown);
        if let Some(more) = rsteer_lang::diag::more_line(diagnostics) {
            self.status(more);
        }
    }

    /// Shows a build's outcome: its warnings when it worked; when it did not, every
    /// diagnostic and (for a check failure) the `could not compile` summary.
    pub fn built<T: Warned>(&self, result: Result<T, Failed>) -> Result<T, Failure> {
        match result {
            Ok(value) => {
                let (db, warnings) = value.warnings();
                self.diagnostics(db, warnings);
                Ok(value)
            }
            Err(failed) => {
                self.diagnostics(&failed.db, &failed.diagnostics);
                if failed.stage == Stage::Check {
                    let n = failed.errors();
                    self.status(format_args!(
                        "error: could not compile {} ({n} error{})",
                        failed.name,
                        if n == 1 { "" } else { "s" }
                    ));
                }
                Err(Failure::Reported(EXIT_POLICY))
            }
        }
    }

    /// Prints a failure (unless already printed) and gives the exit code.
    pub fn failure(&self, failure: Failure) -> u8 {
        match failure {
            Failure::Reported(code) => code,
            Failure::Message { code, message, hint } => {
                eprintln!("error: {message}");
                if let Some(h) = hint {
                    eprintln!("  = help: {h}");
                }
                code
            }
            Failure::Rejected { rejection, hint } => {
                self.rejection(&rejection, hint);
                EXIT_SYSTEM
            }
        }
    }

    /// A verifier rejection as a diagnostic at its source line: the file when it is at hand,
    /// else the line's text as the object recorded it; the log's tail with `-v`.
    fn rejection(&self, r: &Rejection, hint: Option<String>) {
        let mut db = SourceDb::new();
        let mut d = rsteer_lang::errors::verifier_rejected(r.to_string());
        if let Some(at) = &r.at {
            let line = at.line.max(1) as usize;
            let on_disk = [at.path.as_deref(), Some(at.file.as_str())]
                .into_iter()
                .flatten()
                .find_map(|f| std::fs::read_to_string(f).ok().filter(|t| t.lines().count() >= line));
            // Not at hand: a file of the recorded line alone, at its line number.
            let text = on_disk.unwrap_or_else(|| format!("{}{}\n", "\n".repeat(line - 1), at.text));
            let start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
            let line_text = text[start..].lines().next().unwrap_or("");
            let indent = line_text.len() - line_text.trim_start().len();
            let file = db.add(at.file.clone(), text.clone());
            let span = rsteer_lang::Span::new(file, start + indent, start + line_text.trim_end().len());
            let label = match (&r.insn, &r.insn_text) {
                (Some(n), Some(t)) => format!("instruction {n}: {t}"),
                (Some(n), None) => format!("instruction {n}"),
                _ => "here".to_string(),
            };
            d = d.with_primary(span, label);
        } else if let (Some(n), Some(t)) = (&r.insn, &r.insn_text) {
            d = d.with_note(format!("at instruction {n}: {t} (the object has no line info)"));
        }
        if let Some(h) = hint {
            d = d.with_help(h);
        }
        self.diagnostics(&db, &[d]);
        if self.verbose {
            let lines: Vec<&str> = r.log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(60)..];
            eprintln!("the verifier's log{}:", if tail.len() < lines.len() { " (its last 60 lines)" } else { "" });
            for l in tail {
                eprintln!("  {l}");
            }
        }
    }
}

/// A build result that carries warnings: [`Checked`] and [`Built`].
pub trait Warned {
    fn warnings(&self) -> (&SourceDb, &[Diagnostic]);
}

impl Warned for Checked {
    fn warnings(&self) -> (&SourceDb, &[Diagnostic]) {
        (&self.db, &self.diagnostics)
    }
}

impl Warned for Built {
    fn warnings(&self) -> (&SourceDb, &[Diagnostic]) {
        (&self.db, &self.diagnostics)
    }
}

/// "s" when `n` is not 1, for "1 map", "2 maps".
pub fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// One diagnostic as a script reads it: code, severity, message, file, 1-based line and
/// column of the primary label, every label and the notes.
pub fn diagnostic_json(db: &SourceDb, d: &Diagnostic) -> serde_json::Value {
    let at = |span: rsteer_lang::Span| {
        let lc = db.line_col(span);
        serde_json::json!({ "file": db.name(span.file), "line": lc.line, "column": lc.column })
    };
    let primary = d.primary_span().map(at);
    let labels: Vec<serde_json::Value> = d
        .labels
        .iter()
        .map(|l| serde_json::json!({ "at": at(l.span), "message": l.message, "primary": l.primary }))
        .collect();
    serde_json::json!({
        "severity": if d.is_error() { "error" } else { "warning" },
        "code": d.code, "message": d.message, "at": primary, "labels": labels, "notes": d.notes,
    })
}

/// The text of an aligned table: a column whose every cell is a number is right-aligned.
fn format_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut width = [0usize; N];
    for (i, h) in header.iter().enumerate() {
        width[i] = h.len();
    }
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            width[i] = width[i].max(c.len());
        }
    }
    let numeric: Vec<bool> = (0..N).map(|i| rows.iter().all(|r| r[i].parse::<f64>().is_ok())).collect();
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut s = String::from(" ");
        for (i, c) in cells.iter().enumerate() {
            if numeric[i] {
                s.push_str(&format!(" {:>w$}", c, w = width[i]));
            } else {
                s.push_str(&format!(" {:<w$}", c, w = width[i]));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_numbers_right_and_text_left() {
        let rows = [["0".to_string(), "udp".to_string()], ["12".to_string(), "tcp6".to_string()]];
        assert_eq!(format_table(&["index", "proto"], &rows), "  index proto\n      0 udp\n     12 tcp6\n");
    }

    #[test]
    fn load_errors_keep_their_exit_code_and_hint() {
        let Failure::Message { code, hint, .. } = Failure::from(LoadError::NoSuchProcess { pid: 7 }) else {
            panic!("a message")
        };
        assert_eq!((code, hint.is_some()), (EXIT_SYSTEM, true));
        let Failure::Message { code, .. } = Failure::from(LoadError::BadLocal { text: "x".into() }) else {
            panic!("a message")
        };
        assert_eq!(code, EXIT_USAGE);
    }
}
