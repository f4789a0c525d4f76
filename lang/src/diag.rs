//! One diagnostic type for every stage of the pipeline.
//!
//! Stages collect diagnostics instead of stopping at the first; the CLI renders them with
//! codespan-reporting. Each error has a stable code (`E0xxx`) explained in [`explain`].

use crate::span::{FileId, SourceDb, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The primary label is underlined with `^`, secondary ones with `-`.
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable error code such as `E0001`.
    pub code: &'static str,
    pub message: String,
    pub labels: Vec<Label>,
    /// Free-form notes, each rendered as `= note: ...`; hints start with `help: `.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, code, message: message.into(), labels: vec![], notes: vec![] }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, code, message: message.into(), labels: vec![], notes: vec![] }
    }

    /// Adds the primary label.
    pub fn with_primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: true });
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// A hint for the person reading: rendered as `= help: ...`.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    fn to_codespan(&self) -> cs::Diagnostic<FileId> {
        let d = match self.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        };
        d.with_code(self.code)
            .with_message(self.message.clone())
            .with_labels(
                self.labels
                    .iter()
                    .map(|l| {
                        let style = if l.primary { cs::LabelStyle::Primary } else { cs::LabelStyle::Secondary };
                        cs::Label::new(style, l.span.file, l.span.range()).with_message(l.message.clone())
                    })
                    .collect(),
            )
            .with_notes(self.notes.clone())
    }
}

/// Renders diagnostics as plain text (no colour), as snapshot tests and pipes see them.
pub fn render_plain(db: &SourceDb, diags: &[Diagnostic]) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let _ = term::emit_to_string(&mut out, &config, &db.files, &d.to_codespan());
    }
    out
}

/// Renders diagnostics to a colour-capable writer (the CLI picks colour or not).
pub fn render_to<W: term::termcolor::WriteColor>(writer: &mut W, db: &SourceDb, diags: &[Diagnostic]) {
    let config = term::Config::default();
    for d in diags {
        let _ = term::emit_to_write_style(writer, &config, &db.files, &d.to_codespan());
    }
}
