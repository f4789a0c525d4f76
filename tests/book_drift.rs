//! The book cannot drift from the code.
//!
//! - Every ```` ```console,test ```` listing is run, in the order the page gives it, in a
//!   scratch directory holding the repository's `examples/`, `stdlib/` and `tests/data/` and
//!   the files the page created so far (a listing preceded by `<!-- file: NAME -->` is
//!   written to `NAME`, its `{{#include}}`s expanded); each `$ rsteer ...` line is run with
//!   its standard output and error together, and what follows it in the listing must be
//!   exactly what it printed. `RSTEER_BLESS=1` rewrites the listings from the real output.
//! - Every relative link and `#anchor` in `book/src` resolves, and every `{{#include}}`
//!   names a file that exists (the built book cannot have a broken link).
//! - Every ```` ```console,kernel-test ```` listing (a walkthrough on a running server) is run
//!   as root against the real kernel, page by page in the book's order, with the
//!   substitutions the page's `<!-- test: BOOK = COMMAND -->` comments give (the book's pid
//!   23817 is the pid the command prints, ...); the command of a listing marked
//!   `background` runs on as in a terminal of its own; output must match the listing but for
//!   numbers the page does not bind (ids, cookies, times), and its exit status must be 0
//!   unless the listing shows an `error:`. `<!-- test: background COMMAND -->` starts a
//!   server the page assumes; `<!-- test: cleanup COMMAND -->` runs at the end.
//! - Every relative link and `#anchor` in `book/src` resolves, and every `{{#include}}`
//!   names a file that exists (the built book cannot have a broken link).
//! - The numbers the prose states for limits are the limits the checker enforces.

#[macro_use]
mod common;

use common::kernel_ready;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn src() -> PathBuf {
    root().join("book/src")
}

fn pages() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    v.sort();
    v
}

/// `RSTEER_BLESS=1` rewrites the listings that differ; `RSTEER_BLESS=all` rewrites every
/// walkthrough listing from a fresh run.
fn bless() -> bool {
    std::env::var_os("RSTEER_BLESS").is_some_and(|v| v == "1" || v == "all")
}

fn bless_all() -> bool {
    std::env::var_os("RSTEER_BLESS").is_some_and(|v| v == "all")
}

/// One fenced block of a page: its info string, the line index of its opening fence, its
/// body lines, and the `<!-- file: NAME -->` marker right above it, if any.
struct Fence {
    info: String,
    open: usize,
    body: Vec<String>,
    file: Option<String>,
}

fn fences(lines: &[String]) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        if let Some(info) = t.strip_prefix("```") {
            let indent = lines[i].len() - t.len();
            let open = i;
            let file = (i > 0)
                .then(|| lines[i - 1].trim())
                .and_then(|l| l.strip_prefix("<!-- file:"))
                .and_then(|l| l.strip_suffix("-->"))
                .map(|n| n.trim().to_string());
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with("```") {
                let l = &lines[i];
                body.push(if l.len() >= indent && l[..indent].trim().is_empty() {
                    l[indent..].to_string()
                } else {
                    l.clone()
                });
                i += 1;
            }
            out.push(Fence { info: info.trim().to_string(), open, body, file });
        }
        i += 1;
    }
    out
}

/// `{{#include PATH}}`, `{{#include PATH:A}}` and `{{#include PATH:A:B}}` as mdBook expands
/// them (1-based lines, `A:` to the end).
fn expand_includes(body: &[String], page_dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for line in body {
        let Some(spec) = line.trim().strip_prefix("{{#include ").and_then(|s| s.strip_suffix("}}")) else {
            out.push(line.clone());
            continue;
        };
        let mut parts = spec.trim().split(':');
        let path = page_dir.join(parts.next().unwrap());
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{{{{#include}}}} {}: {e}", path.display()));
        let all: Vec<&str> = text.lines().collect();
        let from = parts.next().filter(|s| !s.is_empty()).map_or(1, |s| s.parse::<usize>().unwrap());
        let to = parts.next().filter(|s| !s.is_empty()).map_or(all.len(), |s| s.parse::<usize>().unwrap());
        out.extend(all[from - 1..to.min(all.len())].iter().map(|s| s.to_string()));
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A scratch directory shaped like the repository for the commands a reader runs.
fn scratch(tag: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix(&format!("rsteer-book-{}-{tag}-", std::process::id())).tempdir().unwrap();
    for sub in ["examples", "stdlib", "tests/data"] {
        copy_dir(&root().join(sub), &dir.path().join(sub));
    }
    dir
}

/// Runs one listed command line as a reader's shell would, with this build's `rsteer` first
/// on `PATH`; returns what it printed on standard output and error, in order.
fn run_line(cmd: &str, cwd: &Path) -> String {
    run_status(cmd, cwd).1
}

/// [`run_line`] with the exit status.
fn run_status(cmd: &str, cwd: &Path) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_rsteer")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1; {cmd}"))
        .current_dir(cwd)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("sh runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn trim_lines(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    while v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

/// A listing's new body, indented as the listing is: (first line, end line, lines).
type Rewrite = (usize, usize, Vec<String>);

fn rewrite(lines: &[String], f: &Fence, fresh: Vec<String>) -> Rewrite {
    let indent: String = lines[f.open].chars().take_while(|c| c.is_whitespace()).collect();
    let fresh = fresh.into_iter().map(|l| if l.is_empty() { l } else { format!("{indent}{l}") }).collect();
    (f.open + 1, f.open + 1 + f.body.len(), fresh)
}

/// Writes `page` with each listing's body replaced, bottom-up so that line numbers above
/// stay valid.
fn write_rewrites(page: &Path, mut lines: Vec<String>, rewrites: Vec<Rewrite>) {
    for (a, b, fresh) in rewrites.into_iter().rev() {
        lines.splice(a..b, fresh);
    }
    std::fs::write(page, lines.join("\n") + "\n").unwrap();
}

/// Checks (or, blessing, rewrites) every `console,test` listing of one page; returns the
/// number of commands run and the differences found.
fn check_page(page: &Path) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(page).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let name = page.file_name().unwrap().to_string_lossy().into_owned();
    let dir = scratch(name.trim_end_matches(".md"));
    let (mut commands, mut diffs) = (0, Vec::new());
    let mut rewrites: Vec<Rewrite> = Vec::new();
    for f in fences(&lines) {
        if let Some(file) = &f.file {
            let body = expand_includes(&f.body, page.parent().unwrap());
            std::fs::write(dir.path().join(file), body.join("\n") + "\n").unwrap();
        }
        let mut attrs = f.info.split(',').map(str::trim);
        if attrs.next() != Some("console") || !attrs.any(|a| a == "test") {
            continue;
        }
        let mut fresh: Vec<String> = Vec::new();
        let mut k = 0;
        while k < f.body.len() {
            let line = &f.body[k];
            let Some(cmd) = line.strip_prefix("$ ") else {
                diffs.push(format!("{name}:{}: a `console,test` listing must start with `$ `", f.open + k + 2));
                break;
            };
            k += 1;
            let start = k;
            while k < f.body.len() && !f.body[k].starts_with("$ ") {
                k += 1;
            }
            let listed = trim_lines(&f.body[start..k].join("\n"));
            let (code, out) = run_status(cmd, dir.path());
            let got = trim_lines(&out);
            commands += 1;
            // A listing that shows an error must come from a command that failed, and one
            // that shows none from a command that succeeded.
            let shows_error = listed.iter().any(|l| l.starts_with("error") || l.contains("FAILED"));
            if listed != got || (code == 0) == shows_error {
                diffs.push(format!(
                    "{name}:{}: `{cmd}` exits {code} and prints\n{}\n-- but the book shows --\n{}",
                    f.open + start + 1,
                    got.join("\n"),
                    listed.join("\n")
                ));
            }
            fresh.push(line.clone());
            fresh.extend(got);
        }
        rewrites.push(rewrite(&lines, &f, fresh));
    }
    if bless() && !diffs.is_empty() {
        write_rewrites(page, lines, rewrites);
    }
    (commands, diffs)
}

#[test]
fn every_tested_listing_prints_what_the_book_shows() {
    let (mut commands, mut diffs) = (0, Vec::new());
    for page in pages() {
        let (n, d) = check_page(&page);
        commands += n;
        diffs.extend(d);
    }
    assert!(commands >= 20, "only {commands} listed commands are checked");
    assert!(
        diffs.is_empty() || bless(),
        "{} listing(s) differ from the code (RSTEER_BLESS=1 rewrites them):\n\n{}",
        diffs.len(),
        diffs.join("\n\n")
    );
}

/// A page's walkthrough in progress: its scratch directory, the substitutions bound so far,
/// the background processes it started and the cleanup commands it declared.
struct Walkthrough {
    dir: tempfile::TempDir,
    bind: Vec<(String, String)>,
    background: Vec<std::process::Child>,
    cleanup: Vec<String>,
    runs: usize,
}

impl Walkthrough {
    fn subst(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (book, real) in &self.bind {
            out = out.replace(book.as_str(), real);
        }
        out
    }

    /// `text` with the bound values written back as the book writes them.
    fn unsubst(&self, text: &str) -> String {
        let mut bind = self.bind.clone();
        bind.sort_by_key(|(_, real)| std::cmp::Reverse(real.len()));
        let mut out = text.to_string();
        for (book, real) in &bind {
            out = out.replace(real.as_str(), book);
        }
        out
    }

    /// Runs `cmd` in the scratch directory with this build first on `PATH`; returns its exit
    /// code and output. `background`: leave it running with its stdin open, and return what
    /// it printed in its first moments.
    fn run(&mut self, cmd: &str, background: bool) -> (i32, String) {
        let bin = Path::new(env!("CARGO_BIN_EXE_rsteer")).parent().unwrap().to_path_buf();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        self.runs += 1;
        let log = self.dir.path().join(format!(".out{}", self.runs));
        let file = std::fs::File::create(&log).unwrap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec 2>&1; exec {cmd}"))
            .current_dir(self.dir.path())
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::piped())
            .stdout(file)
            .spawn()
            .expect("sh runs");
        if background {
            let start = std::time::Instant::now();
            while std::fs::metadata(&log).map_or(0, |m| m.len()) == 0
                && start.elapsed() < std::time::Duration::from_secs(5)
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            self.background.push(child);
            return (0, std::fs::read_to_string(&log).unwrap_or_default());
        }
        drop(child.stdin.take());
        let status = child.wait().unwrap();
        (status.code().unwrap_or(-1), std::fs::read_to_string(&log).unwrap_or_default())
    }

    /// A line as the comparison sees it: its words, with what changes from run to run
    /// made `#`: numbers of two digits or more (ids, cookies, pids, ports: a fresh boot
    /// numbers sockets from 1, so a cookie may be 41 or 21676) and hex
    /// strings of eight or more (tags), every number in a word with a `:` (times, dates,
    /// addresses) and durations (`0s`). Small numbers (indices, fds, counts, `sock=N`)
    /// and the values the page bound stay as they are.
    fn shape(&self, line: &str) -> String {
        line.split_whitespace()
            .map(|w| {
                if self.bind.iter().any(|(_, real)| real == w) {
                    return w.to_string();
                }
                let all = w.contains(':')
                    || (w.len() > 1 && w.ends_with('s') && w[..w.len() - 1].bytes().all(|b| b.is_ascii_digit()));
                let mut out = String::new();
                let mut run = String::new();
                for c in w.chars().chain(std::iter::once(' ')) {
                    if c.is_ascii_hexdigit() {
                        run.push(c);
                        continue;
                    }
                    let digits = run.chars().filter(char::is_ascii_digit).count();
                    let number = digits == run.len();
                    if digits > 0 && (all || (number && digits >= 2) || (!number && run.len() >= 8)) {
                        out.push('#');
                    } else {
                        out.push_str(&run);
                    }
                    run.clear();
                    if c != ' ' {
                        out.push(c);
                    }
                }
                out
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether `got` matches the listing `want`, where a `...` line stands for any lines.
    fn matches(&self, want: &[String], got: &[String]) -> bool {
        match want.first() {
            None => got.is_empty(),
            Some(w) if w.trim() == "..." => (0..=got.len()).any(|k| self.matches(&want[1..], &got[k..])),
            Some(w) => {
                got.first().is_some_and(|g| self.shape(g) == self.shape(w)) && self.matches(&want[1..], &got[1..])
            }
        }
    }
}

impl Drop for Walkthrough {
    fn drop(&mut self) {
        for cmd in std::mem::take(&mut self.cleanup) {
            let _ = self.run(&cmd, false);
        }
        for mut c in self.background.drain(..) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A port that no socket uses now (TCP, without `SO_REUSEADDR`, so that a port still in
/// TIME_WAIT does not count as free, and UDP), congruent to `r` modulo `m`, with as many
/// digits as `like` (the port the book shows), so that tables keep their alignment.
fn free_port(r: u16, m: u16, like: &str) -> String {
    let (low, span) = if like.len() <= 4 { (2_000, 7_000) } else { (20_000, 30_000) };
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    for _ in 0..10_000 {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let seed = (std::process::id().wrapping_mul(2_654_435_761) ^ n.wrapping_mul(40_503)) % span;
        let port = (low + seed as u16) / m * m + r;
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
        let tcp = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        if tcp.bind(&addr.into()).is_ok() && std::net::UdpSocket::bind(addr).is_ok() {
            return port.to_string();
        }
    }
    panic!("no free port");
}

/// Runs the `console,kernel-test` listings of one page in order; returns the commands run and
/// the differences found.
fn walk_page(page: &Path) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(page).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let name = page.file_name().unwrap().to_string_lossy().into_owned();
    let mut w = Walkthrough {
        dir: scratch(name.trim_end_matches(".md")),
        bind: Vec::new(),
        background: Vec::new(),
        cleanup: Vec::new(),
        runs: 0,
    };
    let (mut commands, mut diffs) = (0, Vec::new());
    let fences = fences(&lines);
    let mut next_fence = 0;
    // Blessing: each listing's new body, from what the commands printed.
    let mut rewrites: Vec<Rewrite> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if let Some(d) = line.trim().strip_prefix("<!-- test:").and_then(|l| l.strip_suffix("-->")) {
            let d = d.trim();
            if let Some(cmd) = d.strip_prefix("cleanup ") {
                w.cleanup.push(w.subst(cmd));
            } else if let Some(cmd) = d.strip_prefix("background ") {
                // A server the page assumes is running, started out of the reader's sight.
                let cmd = w.subst(cmd);
                w.run(&cmd, true);
            } else if let Some((book, cmd)) = d.split_once(" = ") {
                // `free-port`, or `free-port R/M` for one congruent to R modulo M.
                let real = match cmd.trim().strip_prefix("free-port") {
                    Some(rm) => {
                        let (r, m) = rm.trim().split_once('/').unwrap_or(("0", "1"));
                        free_port(r.parse().unwrap(), m.parse().unwrap(), book.trim())
                    }
                    None => w.run(&w.subst(cmd), false).1.trim().to_string(),
                };
                assert!(!real.is_empty(), "{name}:{}: `{cmd}` printed nothing", n + 1);
                w.bind.push((book.trim().to_string(), real));
                w.bind.sort_by_key(|(b, _)| std::cmp::Reverse(b.len()));
            }
        }
        while next_fence < fences.len() && fences[next_fence].open < n {
            next_fence += 1;
        }
        if next_fence >= fences.len() || fences[next_fence].open != n {
            continue;
        }
        let f = &fences[next_fence];
        if let Some(file) = &f.file {
            let body = expand_includes(&f.body, page.parent().unwrap());
            std::fs::write(w.dir.path().join(file), w.subst(&body.join("\n")) + "\n").unwrap();
        }
        let attrs: Vec<&str> = f.info.split(',').map(str::trim).collect();
        if attrs.first() != Some(&"console") || !attrs.contains(&"kernel-test") {
            continue;
        }
        // `background`: the listing's command runs on as in a terminal of its own.
        let in_background = attrs.contains(&"background");
        let mut fresh: Vec<String> = Vec::new();
        let mut k = 0;
        while k < f.body.len() {
            let Some(cmd) = f.body[k].strip_prefix("# ").or_else(|| f.body[k].strip_prefix("$ ")) else {
                diffs.push(format!(
                    "{name}:{}: a `console,kernel-test` listing must start with `# ` or `$ `",
                    f.open + k + 2
                ));
                break;
            };
            k += 1;
            let start = k;
            while k < f.body.len() && !f.body[k].starts_with("# ") && !f.body[k].starts_with("$ ") {
                k += 1;
            }
            let want: Vec<String> = trim_lines(&w.subst(&f.body[start..k].join("\n")));
            let real = w.subst(cmd);
            let (code, out) = w.run(&real, in_background);
            let got = trim_lines(&out);
            commands += 1;
            let expects_error = want.iter().any(|l| l.starts_with("error"));
            fresh.push(f.body[start - 1].clone());
            if w.matches(&want, &got) && !bless_all() {
                fresh.extend_from_slice(&f.body[start..k]);
            } else {
                fresh.extend(got.iter().map(|l| w.unsubst(l)));
            }
            if !w.matches(&want, &got) || (code == 0) == expects_error {
                diffs.push(format!(
                    "{name}:{}: `{real}` exited {code} and printed\n{}\n-- but the book shows --\n{}",
                    f.open + start + 1,
                    got.join("\n"),
                    want.join("\n")
                ));
                if !bless() {
                    return (commands, diffs);
                }
            }
        }
        rewrites.push(rewrite(&lines, f, fresh));
    }
    if bless() && (!diffs.is_empty() || bless_all()) {
        write_rewrites(page, lines, rewrites);
    }
    (commands, diffs)
}

#[test]
fn every_walkthrough_runs_as_the_book_shows() {
    require_kernel!("nginx", "curl", "python3");
    let (mut commands, mut diffs) = (0, Vec::new());
    for page in pages() {
        let (n, d) = walk_page(&page);
        commands += n;
        diffs.extend(d);
    }
    // Every load a walkthrough made was detached: none left behind, not even a gone one.
    let status = run_line("rsteer status --json", &root());
    let loads: serde_json::Value = serde_json::from_str(&status).unwrap_or_else(|e| panic!("{e}: {status}"));
    let left: Vec<&str> = loads
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["policy"].as_str().is_some_and(|p| p.contains(&format!("rsteer-book-{}-", std::process::id()))))
        .filter_map(|l| l["name"].as_str())
        .collect();
    for name in &left {
        let _ = run_line(&format!("rsteer detach {name}"), &root());
    }
    assert!(left.is_empty(), "walkthroughs left loads behind (add a `<!-- test: cleanup ... -->`): {left:?}");
    assert!(
        diffs.is_empty() || bless(),
        "walkthroughs differ from what the commands do (RSTEER_BLESS=1 rewrites them from a run):\n\n{}",
        diffs.join("\n\n")
    );
    assert!(commands >= 10, "only {commands} walkthrough commands ran");
}

/// The lines of a page outside fenced listings, with their 0-based numbers.
fn prose_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut in_fence = false;
    text.lines().enumerate().filter(move |(_, line)| {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            return false;
        }
        !in_fence
    })
}

/// The id mdBook gives a heading: its text without markup, lower-cased, spaces as `-`,
/// other punctuation dropped; a repeated id gets `-1`, `-2`, ...
fn heading_ids(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for (_, line) in prose_lines(text) {
        if !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        // Link text stays, link targets go: `[a](b)` reads `a`.
        let mut plain = String::new();
        let mut rest = title;
        while let Some(i) = rest.find("](") {
            plain.push_str(&rest[..i]);
            rest = rest[i..].split_once(')').map_or("", |(_, r)| r);
        }
        plain.push_str(rest);
        let id: String = plain
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    Some(c.to_ascii_lowercase())
                } else if c.is_whitespace() {
                    Some('-')
                } else {
                    None
                }
            })
            .collect();
        let n = ids
            .iter()
            .filter(|x| {
                **x == id || x.strip_prefix(&id).is_some_and(|s| s.starts_with('-') && s[1..].parse::<u32>().is_ok())
            })
            .count();
        ids.push(if n == 0 { id } else { format!("{id}-{n}") });
    }
    ids
}

/// The targets of the inline links `[text](target)` of a page, outside code.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose_lines(text) {
        // Drop inline code first: `a[i](x)` in code is no link.
        let mut outside = String::new();
        for (k, part) in line.split('`').enumerate() {
            if k % 2 == 0 {
                outside.push_str(part);
            }
        }
        let mut rest = outside.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let end = after.find(')').unwrap_or(after.len());
            out.push((n + 1, after[..end].trim().to_string()));
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let linked = if file.is_empty() { page.clone() } else { src().join(file) };
            if !linked.starts_with(src()) || file.contains("..") {
                broken.push(format!(
                    "{name}:{line}: `{target}` leaves the book (a reader of the built book has no such page)"
                ));
                continue;
            }
            let Ok(body) = std::fs::read_to_string(&linked) else {
                broken.push(format!("{name}:{line}: `{target}`: no such page"));
                continue;
            };
            if let Some(a) = anchor {
                if !heading_ids(&body).iter().any(|id| id == a) {
                    broken.push(format!("{name}:{line}: `{target}`: {file} has no heading with id `{a}`"));
                }
            }
        }
        for l in text.lines() {
            if let Some(spec) = l.trim().strip_prefix("{{#include ").and_then(|s| s.strip_suffix("}}")) {
                let path = page.parent().unwrap().join(spec.split(':').next().unwrap());
                if !path.is_file() {
                    broken.push(format!("{name}: {{{{#include {spec}}}}}: no such file"));
                } else if spec.contains(".rs:") {
                    // A line range of a source file must still cut it at item boundaries: a
                    // range that the file's edits shifted shows half an item.
                    let lines = expand_includes(&[l.trim().to_string()], page.parent().unwrap());
                    let text = lines.join("\n");
                    let balanced = text.matches('{').count() == text.matches('}').count();
                    let trimmed = lines.first().is_some_and(|f| !f.trim().is_empty())
                        && lines.last().is_some_and(|f| !f.trim().is_empty());
                    if !balanced || !trimmed {
                        broken.push(format!("{name}: {{{{#include {spec}}}}} cuts the file mid-item:\n{text}"));
                    }
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} links found");
    assert!(broken.is_empty(), "broken links in book/src:\n{}", broken.join("\n"));
}

#[test]
fn every_summary_entry_is_a_page_and_every_page_is_in_the_summary() {
    let summary = std::fs::read_to_string(src().join("SUMMARY.md")).unwrap();
    let listed: Vec<String> = links(&summary).into_iter().map(|(_, t)| t).collect();
    for t in &listed {
        assert!(src().join(t).is_file(), "SUMMARY.md lists {t}, which does not exist");
    }
    for p in pages() {
        let n = p.file_name().unwrap().to_string_lossy().into_owned();
        if n != "SUMMARY.md" {
            assert!(listed.contains(&n), "book/src/{n} is not in SUMMARY.md: the built book would not show it");
        }
    }
}

/// The first number (digits with `,` or `_` separators) after the first `keyword` in `page`.
fn stated(page: &str, keyword: &str) -> u64 {
    let text = std::fs::read_to_string(src().join(page)).unwrap();
    let at = text.find(keyword).unwrap_or_else(|| panic!("book/src/{page} no longer says {keyword:?}"));
    let digits: String = text[at + keyword.len()..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '_')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or_else(|_| panic!("book/src/{page}: no number after {keyword:?}"))
}

/// `rsteer check` of a policy text: the exit code and what it printed.
fn check_text(dir: &Path, text: &str) -> (i32, String) {
    let p = dir.join("limit.rs");
    std::fs::write(&p, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rsteer")).arg("check").arg(&p).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A limit the book states is the one the checker enforces: `at(n)` is accepted and
/// `at(n + 1)` refused with `code`.
fn enforced(dir: &Path, what: &str, n: u64, code: &str, at: impl Fn(u64) -> String) {
    let (ok, err) = check_text(dir, &at(n));
    assert_eq!(ok, 0, "the book says {what} {n} is allowed, but `rsteer check` refuses it:\n{err}");
    let (bad, err) = check_text(dir, &at(n + 1));
    assert!(
        bad != 0 && err.contains(code),
        "the book says {what} {n} is the limit, but {} is not refused with {code}:\n{err}",
        n + 1
    );
}

const ENTRY: &str = "#[map]\nstatic SOCKETS: SockArray<4>;\n#[steer]\nfn f(pkt: Packet) -> Verdict {\n    select(SOCKETS, pkt.hash % 4)\n}\n";

#[test]
fn limits_in_prose_are_the_limits_the_code_enforces() {
    let dir = tempfile::tempdir().unwrap();
    let capacity = stated("ref-limits.md", "map capacities from 1 to");
    assert_eq!(
        stated("ref-maps.md", "at least 1 and at most"),
        capacity,
        "ref-maps.md and ref-limits.md disagree on map capacity"
    );
    enforced(dir.path(), "a map capacity of", capacity, "E0402", |n| {
        format!("{ENTRY}#[map]\nstatic T: HashMap<u32, u32, {n}>;\n")
    });
    let array = stated("ref-limits.md", "arrays of at most");
    enforced(dir.path(), "an array of", array, "E0404", |n| format!("{ENTRY}#[map]\nstatic T: Array<[u8; {n}], 1>;\n"));
    let nesting = stated("ref-limits.md", "nesting at most");
    enforced(dir.path(), "nesting of", nesting, "E0010", |n| {
        format!("{ENTRY}const C: u32 = {}1{};\n", "(".repeat(n as usize), ")".repeat(n as usize))
    });
    assert_eq!(
        stated("ref-lexical.md", "nesting deeper than"),
        nesting,
        "ref-lexical.md and ref-limits.md disagree on nesting"
    );
    let stack = format!("{} bytes of stack", rsteer_bpf::STACK_SIZE);
    assert!(
        std::fs::read_to_string(src().join("ref-limits.md")).unwrap().contains(&stack),
        "ref-limits.md does not say {stack}"
    );
}

/// The CLI reference is clap's own text: every verb of `rsteer --help` has its
/// `$ rsteer VERB --help` listing in `cli.md`, which the listing test above compares with
/// the binary (and `RSTEER_BLESS=1` regenerates).
#[test]
fn the_cli_reference_is_generated_from_clap() {
    let help = run_line("rsteer --help", &root());
    let verbs = common::help_commands(&help);
    assert!(verbs.len() >= 10, "could not read the verbs:\n{help}");
    let cli = std::fs::read_to_string(src().join("cli.md")).unwrap();
    let tested: Vec<Fence> = fences(&cli.lines().map(str::to_string).collect::<Vec<_>>())
        .into_iter()
        .filter(|f| f.info == "console,test")
        .collect();
    for verb in verbs {
        let line = format!("$ rsteer {verb} --help");
        assert!(
            tested.iter().any(|f| f.body.first() == Some(&line)),
            "book/src/cli.md has no `console,test` listing of `{line}` (add one under `## \\`rsteer {verb}\\`` and run with RSTEER_BLESS=1)"
        );
    }
}

/// The examples chapter's table lists every file of `examples/`, each linked to its page.
#[test]
fn the_examples_table_lists_every_example() {
    let table = std::fs::read_to_string(src().join("examples.md")).unwrap();
    let mut n = 0;
    for e in std::fs::read_dir(root().join("examples")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".rs") {
            let page = format!("example-{}.md", stem.replace('_', "-"));
            assert!(
                table.contains(&format!("| [`{name}`]({page}) |")),
                "book/src/examples.md's table has no row `| [`{name}`]({page}) |`"
            );
            assert!(src().join(&page).is_file(), "examples/{name} has no page book/src/{page}");
            n += 1;
        }
    }
    assert!(n >= 12, "only {n} examples");
}

/// The chapters the book promises its readers, by title, in `SUMMARY.md`.
#[test]
fn the_book_has_its_chapters() {
    let summary = std::fs::read_to_string(src().join("SUMMARY.md")).unwrap();
    for title in [
        "Getting started",
        "The language",
        "Reference",
        "Packets and headers",
        "Maps and sockets",
        "Testing offline",
        "Steering a running server",
        "Steering nginx",
        "QUIC routing",
        "Restarting without losing flows",
        "TCP listener migration",
        "Operating in production",
        "Embedding rsteer in a Rust server",
        "Examples",
        "CLI reference",
        "How the compiler works",
        "Error index",
    ] {
        assert!(summary.contains(&format!("[{title}")), "SUMMARY.md has no chapter `{title}`");
    }
}
