//! The pass before the grammar: one iterative walk over the characters of a file that
//! removes comments (so that nested block comments of any depth cost no recursion) and
//! bounds how deeply the grammar will have to recurse (so that no later pass can run out of
//! stack on hostile input).
//!
//! Comments are replaced by spaces of the same byte length (newlines kept), so every byte
//! offset, and so every span, is the same in the text the grammar reads as in the file.
//!
//! Nesting is counted on the token stream: every open bracket (`(`, `[`, `{`) is a level,
//! and so is every `if`, `match`, `for` and `return` whose expression is still open at the
//! same bracket level (`return return x`, `if if c {..} {..}`, the `else if` chains that the
//! grammar nests one inside the other). A `;`, `,` or `=>` ends the expressions open at its
//! level, and an `if`/`match`/`for`/`return` right after a `}` starts a new statement.

/// Nesting beyond this is refused before parsing. It bounds the depth of the syntax tree
/// (with the operator limits of `parse.rs`), and so the recursion of every pass after it.
pub const MAX_NESTING: usize = 128;

/// The comment-free text and nothing too deep, or the first problem.
pub fn prescan(src: &str) -> Result<String, Problem> {
    let bytes = src.as_bytes();
    let mut out: Vec<u8> = bytes.to_vec();
    let mut scan = Depth::default();
    let mut prev: Prev = Prev::Other;
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        let c = bytes[i];
        match c {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find('\n').map(|e| i + e).unwrap_or(n);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut depth = 0usize;
                loop {
                    if i >= n {
                        return Err(Problem::UnterminatedComment { at: start });
                    }
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                blank(&mut out, start, i);
            }
            b'"' => {
                i = skip_quoted(bytes, i + 1, b'"');
                prev = Prev::Other;
            }
            b'b' if bytes.get(i + 1) == Some(&b'"') || bytes.get(i + 1) == Some(&b'\'') => {
                i = skip_quoted(bytes, i + 2, bytes[i + 1]);
                prev = Prev::Other;
            }
            b'(' | b'[' | b'{' => {
                scan.open(i)?;
                prev = Prev::Other;
                i += 1;
            }
            b')' | b']' | b'}' => {
                scan.close();
                prev = if c == b'}' { Prev::CloseBrace } else { Prev::Other };
                i += 1;
            }
            b';' | b',' => {
                scan.end_expr();
                prev = Prev::Other;
                i += 1;
            }
            b'=' if bytes.get(i + 1) == Some(&b'>') => {
                scan.end_expr();
                prev = Prev::Other;
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let start = i;
                while i < n && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &src[start..i];
                match word {
                    "if" | "match" | "for" | "return" => {
                        if prev == Prev::CloseBrace {
                            scan.end_expr();
                        }
                        scan.keyword(start, word)?;
                    }
                    _ => {}
                }
                prev = if word == "else" { Prev::Else } else { Prev::Other };
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                prev = Prev::Other;
                i += 1;
            }
        }
    }
    // Only ASCII bytes were replaced, by ASCII spaces: the text is still UTF-8.
    Ok(String::from_utf8(out).unwrap_or_else(|_| src.to_string()))
}

/// What stopped the pre-scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A `/*` at this byte offset has no matching `*/`.
    UnterminatedComment { at: usize },
    /// Nesting went past [`MAX_NESTING`] at this byte offset, opened by `what` (a bracket,
    /// or the keyword).
    TooDeep { at: usize, len: usize, what: &'static str },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    CloseBrace,
    Else,
    Other,
}

/// Bracket levels, each with the keyword expressions open at it.
#[derive(Default)]
struct Depth {
    open_at_level: Vec<usize>,
    /// Keyword expressions open at the current (innermost) level.
    current: usize,
    total: usize,
    /// The last keyword counted, which names the problem when keywords make most levels.
    last_keyword: Option<&'static str>,
}

impl Depth {
    fn open(&mut self, at: usize) -> Result<(), Problem> {
        self.open_at_level.push(self.current);
        self.current = 0;
        self.total += 1;
        let keywords = self.total - self.open_at_level.len();
        let what = match self.last_keyword {
            Some(k) if keywords >= self.open_at_level.len() => k,
            _ => "bracket",
        };
        self.check(at, 1, what)
    }

    fn close(&mut self) {
        if let Some(outer) = self.open_at_level.pop() {
            self.total -= self.current + 1;
            self.current = outer;
        }
    }

    fn end_expr(&mut self) {
        self.total -= self.current;
        self.current = 0;
    }

    fn keyword(&mut self, at: usize, word: &str) -> Result<(), Problem> {
        self.current += 1;
        self.total += 1;
        let what = match word {
            "if" => "if",
            "match" => "match",
            "for" => "for",
            _ => "return",
        };
        self.last_keyword = Some(what);
        self.check(at, word.len(), what)
    }

    fn check(&self, at: usize, len: usize, what: &'static str) -> Result<(), Problem> {
        if self.total > MAX_NESTING {
            Err(Problem::TooDeep { at, len, what })
        } else {
            Ok(())
        }
    }
}

fn blank(out: &mut [u8], start: usize, end: usize) {
    for b in &mut out[start..end] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
}

/// The offset after the closing `quote` of a literal whose text starts at `i`, or the end.
fn skip_quoted(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            // A byte literal never spans lines: stop there and let the grammar report it.
            b'\n' if quote == b'\'' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_become_spaces_of_the_same_length() {
        let src = "a /* b /* c */ d */ e // f\ng \"/* no */\" é";
        let out = prescan(src).unwrap();
        assert_eq!(out.len(), src.len());
        assert_eq!(out, "a                   e     \ng \"/* no */\" é");
    }

    #[test]
    fn deep_comments_are_fine_and_unterminated_ones_are_located() {
        let src = format!("{}{}x", "/*".repeat(50_000), "*/".repeat(50_000));
        assert!(prescan(&src).unwrap().ends_with('x'));
        assert_eq!(prescan("x /* /* */"), Err(Problem::UnterminatedComment { at: 2 }));
    }

    #[test]
    fn keyword_chains_count_as_nesting() {
        let deep = format!("fn f() {{ {} 1 }}", "return ".repeat(MAX_NESTING));
        assert!(matches!(prescan(&deep), Err(Problem::TooDeep { what: "return", .. })));
        // Statements one after another do not nest.
        let flat = format!("fn f() {{ {} }}", "if a { b } ".repeat(10 * MAX_NESTING));
        assert!(prescan(&flat).is_ok());
        let flat = format!("fn f() {{ {} }}", "return 1; ".repeat(10 * MAX_NESTING));
        assert!(prescan(&flat).is_ok());
        let chain = format!("fn f() {{ if a {{}} {} }}", "else if a {} ".repeat(MAX_NESTING));
        assert!(matches!(prescan(&chain), Err(Problem::TooDeep { what: "if", .. })));
    }
}
