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
