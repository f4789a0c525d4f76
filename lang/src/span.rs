//! Source files and byte spans into them.
//!
//! The language crate does no IO of its own: the caller hands it source text, and every
//! later stage (codegen, loader, CLI) refers back to that text through [`FileId`] and [`Span`].

use codespan_reporting::files::{Files, SimpleFiles};

/// Index of a source file in a [`SourceDb`].
pub type FileId = usize;

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start: start as u32, end: end as u32 }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// All source files of one compilation: the policy, its `mod` files and the standard library.
#[derive(Default, Clone)]
pub struct SourceDb {
    pub files: SimpleFiles<String, String>,
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl SourceDb {
    pub fn new() -> SourceDb {
        SourceDb::default()
    }

    pub fn add(&mut self, name: impl Into<String>, source: impl Into<String>) -> FileId {
        self.files.add(name.into(), source.into())
    }

    pub fn name(&self, file: FileId) -> &str {
        self.files.get(file).map(|f| f.name().as_str()).unwrap_or("<unknown>")
    }

    pub fn source(&self, file: FileId) -> &str {
        self.files.get(file).map(|f| f.source().as_str()).unwrap_or("")
    }

    /// 1-based line and column of the start of `span`: a binary search in the file's line
    /// starts (kept by `SimpleFiles`), so a lookup per instruction stays linear overall.
    pub fn line_col(&self, span: Span) -> LineCol {
        use codespan_reporting::files::Files;
        let src = self.source(span.file);
        let mut at = (span.start as usize).min(src.len());
        while !src.is_char_boundary(at) {
            at -= 1;
        }
        let index = self.files.line_index(span.file, at).unwrap_or(0);
        let line_start = self.files.line_range(span.file, index).map(|r| r.start).unwrap_or(0).min(at);
        let column = src[line_start..at].chars().count() as u32 + 1;
        LineCol { line: index as u32 + 1, column }
    }

    /// The text of the 1-based `line` of `file`, without its newline.
    pub fn line_text(&self, file: FileId, line: u32) -> &str {
        let Some(index) = (line as usize).checked_sub(1) else { return "" };
        match self.files.line_range(file, index) {
            Ok(r) => {
                let text = &self.source(file)[r];
                let text = text.strip_suffix('\n').unwrap_or(text);
                text.strip_suffix('\r').unwrap_or(text)
            }
            Err(_) => "",
        }
    }

    pub fn len(&self) -> usize {
        let mut n = 0;
        while self.files.get(n).is_ok() {
            n += 1;
        }
        n
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
