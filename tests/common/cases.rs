//! One `#[test]` per case file, so that every snapshot or golden case fails on its own and
//! can be run alone (`cargo test --test NAME -- CASE`). Include it with
//! `#[macro_use] #[path = ".../tests/common/cases.rs"] mod cases;` at the test crate's root.
//!
//! `file_cases!("dir", "ext", run; a, b, c)` writes `#[test] fn a() { run(&dir/a.ext) }` for
//! each name and `every_file_is_a_case`, which fails while the directory holds a case file
//! that the list lacks (or the list names a file that is gone): a new case is one file and
//! one name, and forgetting the name cannot silently drop it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `dir` (relative to the package of the including test) joined with `name.ext`.
pub fn case_path(dir: &str, name: &str, ext: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(format!("{name}.{ext}"))
}

/// The stems of the `.ext` files of `dir`, sorted.
pub fn stems(dir: &str, ext: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

pub fn assert_all_listed(dir: &str, ext: &str, listed: &[&str]) {
    let mut listed: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(stems(dir, ext), listed, "the case files of {dir} and the names in `file_cases!` differ");
}

macro_rules! file_cases {
    ($dir:literal, $ext:literal, $run:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $run(&crate::cases::case_path($dir, stringify!($name), $ext));
            }
        )*

        #[test]
        fn every_file_is_a_case() {
            crate::cases::assert_all_listed($dir, $ext, &[$(stringify!($name)),*]);
        }
    };
}

/// `example_cases!(run)`: one test per file of `examples/` (the list is written once here).
#[allow(unused_macros)]
macro_rules! example_cases {
    ($run:path) => {
        file_cases!("examples", "rs", $run;
            cpu_affinity, dcid_modulo, dns_zone, generations, jump_hash, override_table, payload_mod,
            quic_cookie, quic_lb, random_spread, select_reuseport, short_drop, socket_counters,
            src_port_mod, tcp_migrate, tenants,
        );
    };
}

/// `data_ok_cases!(run)`: one test per file of `tests/data/ok/`.
#[allow(unused_macros)]
macro_rules! data_ok_cases {
    ($run:path) => {
        file_cases!("tests/data/ok", "rs", $run;
            array_len, byte_classes, fields_tcp, fields_udp, int_methods, jhash_vectors, long_loop,
            payload_reads, rust_idioms, stdlib_all, weighted, tables_and_prefixes,
        );
    };
}
