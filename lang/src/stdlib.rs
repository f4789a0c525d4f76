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

/// One item of a standard-library module, as [`Reach`] sees it.
struct ItemText {
    /// The item's name; `None` for a `use` (always kept) or a form without one.
    name: Option<String>,
    /// The bytes blanked when the item is left out: its doc comment and attributes (from
    /// the end of the item before) to the end of its code.
    blank: std::ops::Range<usize>,
    /// The names its code mentions (identifiers outside comments).
    mentions: Vec<String>,
    /// A `#[test]`: never reached (only the policy file's tests run).
    test: bool,
}

/// Which items of the standard-library modules a policy can reach, from the names its own
/// files mention: an item is kept when a kept item or a policy file mentions its name (a
/// textual over-approximation of name resolution), and the rest, with every `#[test]`, is
/// blanked before parsing (spaces over them, every offset and line kept), so that nothing
/// parses or checks what no entry can call. An item that names another module (`std::`) is
/// always kept, so the modules loaded are the same.
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
    /// Records the names a policy file (not the standard library) mentions.
    pub fn mention_file(&mut self, src: &str) {
        let text = crate::prescan::prescan(src).unwrap_or_default();
        for name in idents(&text) {
            self.mention(name);
        }
    }

    fn mention(&mut self, name: &str) {
        if self.left_out.contains(name) {
            self.incomplete = true;
        }
        if !self.mentioned.contains(name) {
            self.mentioned.insert(name.to_string());
        }
    }

    /// The source of a standard-library module with the items nothing mentions blanked.
    pub fn trim(&mut self, src: &str) -> String {
        let Ok(text) = crate::prescan::prescan(src) else { return src.to_string() };
        let mut items = split_items(&text);
        let mut kept = vec![false; items.len()];
        loop {
            let mut grew = false;
            for (i, item) in items.iter_mut().enumerate() {
                let wanted = match &item.name {
                    _ if item.test => false,
                    None => true,
                    Some(_) if item.mentions.iter().any(|m| m == "std") => true,
                    Some(n) => self.mentioned.contains(n),
                };
                if wanted && !kept[i] {
                    kept[i] = true;
                    grew = true;
                    for m in std::mem::take(&mut item.mentions) {
                        self.mention(&m);
                    }
                }
            }
            if !grew {
                break;
            }
        }
        let mut out = src.as_bytes().to_vec();
        for (item, _) in items.iter().zip(&kept).filter(|(_, k)| !**k) {
            if let Some(n) = &item.name {
                self.left_out.insert(n.clone());
            }
            self.trimmed = true;
            for b in &mut out[item.blank.clone()] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        }
        // Only ASCII bytes were written, over whole characters (items start and end at
        // ASCII), so this is UTF-8; should it not be, the module is kept whole.
        String::from_utf8(out).unwrap_or_else(|_| src.to_string())
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
        let attrs: Vec<&str> = window.lines().take_while(|l| l.starts_with("#[")).collect();
        let test = attrs.iter().any(|a| a.starts_with("#[test"));
        // `use` and `mod` items have no name here, and are always kept.
        let name = crate::parse::item_name(text, start).map(|r| text[r].to_string());
        let mentions = idents(&text[start..code_end]).map(str::to_string).collect();
        items.push(ItemText { name, blank: prev_end..code_end, mentions, test });
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
