//! The book stays true to the code: every diagnostic code is documented, every example is
//! included, and no user-visible text names the project's private notes. (Listings, the CLI
//! reference, links and walkthroughs: `tests/book_drift.rs`.)

mod common;

use std::path::PathBuf;

fn book(page: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src").join(page);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn every_code_is_documented() {
    let errors = book("errors.md");
    for (code, text) in rsteer_lang::diag::CODES {
        assert!(errors.contains(&format!("### {code}")), "book/src/errors.md lacks {code}");
        let first_words: String = text.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
        assert!(
            errors.split_whitespace().collect::<Vec<_>>().join(" ").contains(&first_words),
            "book/src/errors.md's text for {code} differs from `rsteer explain {code}`"
        );
    }
}

#[test]
fn every_example_has_a_page() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let summary = book("SUMMARY.md");
    let mut all = String::new();
    for line in summary.lines() {
        if let Some(page) = line.split("](").nth(1).and_then(|s| s.split(')').next()) {
            all.push_str(&book(page));
        }
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".rs") {
            assert!(all.contains(&format!("examples/{name}")), "no book page includes examples/{name}");
        }
    }
}

/// Files of the project's own notes, which a user of rsteer does not have: user-visible text
/// points at the book instead.
const PRIVATE_NOTES: [&str; 3] = ["LANGUAGE.md", "KERNEL.md", "DESIGN.md"];

fn assert_names_no_private_notes(what: &str, text: &str) {
    for note in PRIVATE_NOTES {
        assert!(!text.contains(note), "{what} names {note}, a file users do not have:\n{text}");
    }
}

fn rsteer_stdout(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rsteer")).args(args).output().expect("rsteer runs");
    assert!(out.status.success(), "rsteer {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `rsteer <path> --help` and the help of every subcommand it lists, recursively.
fn check_help(path: &mut Vec<String>, seen: &mut usize) {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let help = rsteer_stdout(&args);
    assert_names_no_private_notes(&format!("`rsteer {}`", args.join(" ")), &help);
    *seen += 1;
    let subcommands: Vec<String> = common::help_commands(&help).into_iter().map(str::to_string).collect();
    for sub in subcommands {
        path.push(sub);
        check_help(path, seen);
        path.pop();
    }
}

#[test]
fn no_user_visible_text_names_the_projects_private_notes() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let mut pages = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            let text = std::fs::read_to_string(&p).unwrap();
            assert_names_no_private_notes(&p.display().to_string(), &text);
            pages += 1;
        }
    }
    assert!(pages >= 20, "only {pages} book pages found");
    for (code, text) in rsteer_lang::diag::CODES {
        assert_names_no_private_notes(&format!("`rsteer explain {code}`"), text);
        let shown = rsteer_stdout(&["explain", code]);
        assert_names_no_private_notes(&format!("`rsteer explain {code}`"), &shown);
    }
    let mut seen = 0;
    check_help(&mut Vec::new(), &mut seen);
    assert!(seen >= 10, "only {seen} help texts found");
}

/// Every listing marked `<!-- rsteer test -->` is a whole policy: `rsteer test` checks it,
/// compiles it and runs its `#[test]`s, which must pass.
#[test]
fn marked_listings_are_policies_whose_tests_pass() {
    const MARK: &str = "<!-- rsteer test -->\n```rust,ignore\n";
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let tmp = std::env::temp_dir().join(format!("rsteer_t{}_book_listings", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut checked = 0;
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    pages.sort();
    for page in pages.iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(page).unwrap();
        let name = page.file_stem().unwrap().to_string_lossy().into_owned();
        for (i, rest) in text.split(MARK).skip(1).enumerate() {
            let listing = rest.split("```").next().unwrap();
            let file = tmp.join(format!("{name}_{i}.rs"));
            std::fs::write(&file, listing).unwrap();
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_rsteer"))
                .args(["test", file.to_str().unwrap()])
                .output()
                .expect("rsteer runs");
            assert!(
                out.status.success(),
                "listing {i} of book/src/{name}.md fails `rsteer test`:\n{listing}\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(checked >= 3, "only {checked} marked listings found");
}
