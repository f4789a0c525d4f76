//! The standard library: modules written in the language itself (`stdlib/*.rs` of the
//! repository), embedded in the compiler so that `use std::quic;` needs no files at run time.

/// Every standard-library module: its name after `std::` and its source.
pub const MODULES: [(&str, &str); 5] = [
    ("hash", include_str!("../../stdlib/hash.rs")),
    ("balance", include_str!("../../stdlib/balance.rs")),
    ("quic", include_str!("../../stdlib/quic.rs")),
    ("net", include_str!("../../stdlib/net.rs")),
    ("dns", include_str!("../../stdlib/dns.rs")),
];

/// The source of `std::name`.
pub fn source(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// One item of a standard-library module, as [`Reach`] sees it (byte ranges of the module).
struct ItemText {
    /// The item's name; `None` for a `use` or `mod` (always kept).
    name: Option<std::ops::Range<usize>>,
    /// The bytes blanked when the item is left out: its doc comment and attributes (from
    /// the end of the item before) to the end of its code.
    blank: std::ops::Range<usize>,
    /// Its code, whose identifiers are the names it mentions.
    code: std::ops::Range<usize>,
    /// A `#[test]`: never reached (only the policy file's tests run).
    test: bool,
    /// It mentions `std` (a path to another standard module): always kept.
    std: bool,
}

/// A standard-library module with the items no policy reaches blanked.
pub(crate) struct Trimmed {
    /// The module's source with spaces over the items left out (every offset and line kept).
    pub src: String,
    /// The same, as the pre-scan gives it (comments blanked too); the nesting of what is
    /// left is what the whole module's pre-scan found acceptable.
    pub text: String,
}

/// Which items of the standard-library modules a policy can reach, from the names its own
/// files mention: an item is kept when a kept item or a policy file mentions its name (a
/// textual over-approximation of name resolution), and the rest, with every `#[test]`, is
/// blanked before parsing, so that nothing parses or checks what no entry can call. An
/// item that mentions `std` (a path to another module) is always kept, so the modules
/// loaded are the same.
///
/// Leaving out an item can only make a name unknown, never resolve a name differently:
/// a mention of a left-out item found afterwards (a `mod` file loaded after a standard
/// module) sets [`Reach::incomplete`], and the checker then checks again with whole
/// modules, as it does whenever a check with left-out items has an error, so diagnostics
/// are always those of the whole modules.
#[derive(Default)]
pub(crate) struct Reach {
    /// Names mentioned by the policy's files and by kept standard-library items.
    mentioned: std::collections::HashSet<String>,
    /// Names of the items left out so far.
    left_out: std::collections::HashSet<String>,
    /// A name of a left-out item was mentioned after it was left out.
    pub incomplete: bool,
    /// Some item was left out.
    pub trimmed: bool,
}

impl Reach {
    /// Records the names a policy file (not the standard library) mentions; words of its
    /// comments too, which can only keep more.
    pub fn mention_file(&mut self, src: &str) {
        for name in idents(src) {
            self.mention(name);
        }
    }

    fn mention(&mut self, name: &str) {
        if !self.left_out.is_empty() && self.left_out.contains(name) {
            self.incomplete = true;
        }
        if !self.mentioned.contains(name) {
            self.mentioned.insert(name.to_string());
        }
    }

    /// A standard-library module with the items nothing mentions blanked; `None` when its
    /// pre-scan fails (it is then parsed whole, and the failure reported).
    pub fn trim(&mut self, src: &str) -> Option<Trimmed> {
        let text = crate::prescan::prescan(src).ok()?;
        let items = split_items(&text);
        let mut kept = vec![false; items.len()];
        loop {
            let mut grew = false;
            for (i, item) in items.iter().enumerate() {
                let wanted = !kept[i]
                    && !item.test
                    && match &item.name {
                        None => true,
                        Some(n) => item.std || self.mentioned.contains(&text[n.clone()]),
                    };
                if wanted {
                    kept[i] = true;
                    grew = true;
                    for m in idents(&text[item.code.clone()]) {
                        self.mention(m);
                    }
                }
            }
            if !grew {
                break;
            }
        }
        for (item, _) in items.iter().zip(&kept).filter(|(_, k)| !**k) {
            if let Some(n) = &item.name {
                self.left_out.insert(text[n.clone()].to_string());
            }
            self.trimmed = true;
        }
        // Only ASCII bytes are written, over whole items (which start and end at ASCII
        // characters), so both texts stay UTF-8.
        let (mut out, mut text) = (src.as_bytes().to_vec(), text.into_bytes());
        for (item, _) in items.iter().zip(&kept).filter(|(_, k)| !**k) {
            for bytes in [&mut out, &mut text] {
                for b in &mut bytes[item.blank.clone()] {
                    if *b != b'\n' {
                        *b = b' ';
                    }
                }
            }
        }
        Some(Trimmed { src: String::from_utf8(out).ok()?, text: String::from_utf8(text).ok()? })
    }
}

/// The items of a module's comment-blanked text: each starts at a line that starts an
/// item (at column 0: `fn`, `pub`, `#[`, ...; attribute lines go with the item after them).
fn split_items(text: &str) -> Vec<ItemText> {
    let mut starts = Vec::new();
    let mut at = 0;
    let mut in_attrs = false;
    for line in text.split_inclusive('\n') {
        if crate::parse::starts_item(line) && !in_attrs {
            starts.push(at);
        }
        in_attrs = line.starts_with("#[");
        at += line.len();
    }
    let mut items = Vec::new();
    let mut prev_end = 0;
    for (i, &start) in starts.iter().enumerate() {
        let next = starts.get(i + 1).copied().unwrap_or(text.len());
        let window = &text[start..next];
        let code_end = start + window.trim_end().len();
        let test = window.lines().take_while(|l| l.starts_with("#[")).any(|a| a.starts_with("#[test"));
        // `use` and `mod` items have no name here, and are always kept.
        let name = crate::parse::item_name(text, start);
        let code = &text[start..code_end];
        let std = code.contains("std") && idents(code).any(|w| w == "std");
        items.push(ItemText { name, blank: prev_end..code_end, code: start..code_end, test, std });
        prev_end = code_end;
    }
    items
}

/// The identifiers of a text (and the letters after a digit, such as `x1f` of `0x1f`, which
/// can only make more items kept).
fn idents(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let c = bytes[i];
            if c.is_ascii_alphabetic() || c == b'_' {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                return Some(&text[start..i]);
            }
            i += 1;
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items_of(src: &str) -> Vec<String> {
        let (file, diags) = crate::parse::parse_file(0, src);
        assert!(diags.is_empty(), "{diags:?}");
        file.items.iter().map(|i| format!("{:?}", i)).collect()
    }

    #[test]
    fn a_module_with_every_name_mentioned_keeps_all_but_its_tests() {
        for (name, src) in MODULES {
            let mut reach = Reach::default();
            let text = crate::prescan::prescan(src).unwrap();
            for item in split_items(&text) {
                if let Some(n) = item.name {
                    reach.mention(&text[n]);
                }
            }
            let trimmed = reach.trim(src).unwrap();
            assert_eq!(trimmed.text, crate::prescan::prescan(&trimmed.src).unwrap());
            let trimmed = trimmed.src;
            assert_eq!(trimmed.len(), src.len());
            assert_eq!(trimmed.lines().count(), src.lines().count());
            let whole: Vec<String> = items_of(src).into_iter().filter(|i| !i.contains("name: \"test\"")).collect();
            assert_eq!(items_of(&trimmed), whole, "std::{name}");
        }
    }

    #[test]
    fn a_module_nothing_mentions_keeps_only_its_imports() {
        for (name, src) in MODULES {
            let mut reach = Reach::default();
            let trimmed = reach.trim(src).unwrap().src;
            let (file, diags) = crate::parse::parse_file(0, &trimmed);
            assert!(diags.is_empty(), "std::{name}: {diags:?}");
            assert!(file.items.iter().all(|i| matches!(i.kind, crate::ast::ItemKind::Use { .. })), "std::{name}");
            assert!(reach.trimmed && !reach.incomplete);
            // Mentioning a left-out name afterwards is noticed.
            let text = crate::prescan::prescan(src).unwrap();
            let first = split_items(&text).into_iter().find_map(|i| i.name).unwrap();
            reach.mention_file(&format!("fn f() {{ {}(); }}", &text[first]));
            assert!(reach.incomplete, "std::{name}");
        }
    }

    #[test]
    fn a_kept_function_keeps_what_it_calls() {
        let mut reach = Reach::default();
        reach.mention_file("fn f() { balance::rendezvous(1, 2); }");
        let (_, balance) = MODULES.iter().find(|(n, _)| *n == "balance").unwrap();
        let trimmed = reach.trim(balance).unwrap().src;
        assert!(trimmed.contains("pub fn rendezvous("));
        assert!(!trimmed.contains("pub fn jump(") && !trimmed.contains("#[test]"));
        // It calls `hash::mix32`: of `std::hash`, that is kept and nothing else.
        let (_, hash) = MODULES.iter().find(|(n, _)| *n == "hash").unwrap();
        let (file, diags) = crate::parse::parse_file(0, &reach.trim(hash).unwrap().src);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<&str> = file
            .items
            .iter()
            .filter_map(|i| crate::parse::item_name(hash, i.span.start as usize))
            .map(|r| &hash[r])
            .collect();
        assert_eq!(names, ["mix32"]);
    }

    /// The policy's own functions and diagnostics come out the same either way, and what is
    /// left out is left out: the standard library's tests and what nothing calls.
    #[test]
    fn a_policy_checks_alike_with_whole_modules() {
        let check = |src: &str, whole_std: bool| {
            let mut db = crate::SourceDb::new();
            let main = db.add("p.rs", src.to_string());
            let (p, d) = crate::check(&mut db, main, &crate::CheckOptions { whole_std, ..Default::default() });
            // The program's structs are all listed (the standard library's that nothing
            // uses, such as `hash::SipState`, too): the functions are compared.
            let text = p.as_ref().map(|p| {
                let text = crate::pretty::program_of_file(p, main);
                text.lines().filter(|l| !l.starts_with("struct ")).collect::<Vec<_>>().join("\n")
            });
            (text, crate::diag::render_plain(&db, &d), p.map(|p| p.functions.len()))
        };
        let typo = "use std::quic;\n#[steer]\nfn r(pkt: Packet) -> Verdict { if quic::is_long_headr(1) { return Verdict::Drop; } Verdict::Pass }\n";
        for src in [include_str!("../../tests/data/ok/stdlib_all.rs"), typo] {
            let (trimmed, whole) = (check(src, false), check(src, true));
            assert_eq!((&trimmed.0, &trimmed.1), (&whole.0, &whole.1));
            if let (Some(t), Some(w)) = (trimmed.2, whole.2) {
                assert!(t < w, "{t} functions of {w}");
            }
        }
    }
}
