//! rsteer-lang: the steering language's front end.
//!
//! Text in, typed HIR and diagnostics out. No IO beyond the sources the caller hands in
//! (through [`ModuleLoader`] for `mod name;` files); no knowledge of BPF.
#![deny(unsafe_op_in_unsafe_fn)]

// pest is built without `std` (see the workspace manifest); its derived parser names `alloc`.
extern crate alloc;

pub mod ast;
pub mod builtins;
mod check;
pub mod codes;
pub mod consteval;
pub mod diag;
pub mod errors;
pub mod examples;
pub mod exhaustive;
pub mod hir;
mod items;
pub mod kernel;
mod lint;
pub mod lit;
pub mod mapkind;
pub mod ops;
pub mod packet;
pub mod parse;
pub mod prescan;
pub mod pretty;
pub mod span;
pub mod stack;
pub mod stdlib;
mod suggest;
mod typeck;
pub mod version;

pub use diag::{explain, Diagnostic, Severity};
/// Limits the checker enforces (and `rsteer explain` names).
pub use items::{MAX_ARRAY_LEN, MAX_CAPACITY, MAX_NAME_LEN};
pub use span::{FileId, SourceDb, Span};

/// Supplies the text of `mod name;` files. The CLI reads them from disk beside the policy;
/// tests hand them from memory. `Sync`, because checking runs on a thread of its own
/// ([`stack::with_stack`]).
pub trait ModuleLoader: Sync {
    /// The source of module `name` declared in the file called `from` (its name in the
    /// [`SourceDb`]), and the name to record for it; why not when it cannot be had.
    fn load(&self, from: &str, name: &str) -> Result<(String, String), ModuleError>;
}

/// Why a `mod name;` file cannot be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleError {
    /// There is no such file.
    NotFound,
    /// There is a file, but it cannot be used: the sentence says why and names it (`m.rs is
    /// a directory`, `m.rs is not UTF-8: ...`, `both m.rs and m/mod.rs exist`).
    Refused(String),
}

/// A loader that knows no modules: `mod x;` is an error.
pub struct NoModules;

impl ModuleLoader for NoModules {
    fn load(&self, _from: &str, _name: &str) -> Result<(String, String), ModuleError> {
        Err(ModuleError::NotFound)
    }
}

/// Options of one compilation.
pub struct CheckOptions<'a> {
    /// `--const NAME=VALUE` overrides, applied before any constant is folded. The value is
    /// the text after `=`: an integer (decimal, `0x`, `0o`, `0b`, `_`, a leading `-` for the
    /// signed types) or `true`/`false`, read in the constant's declared type.
    pub const_overrides: Vec<(String, String)>,
    pub modules: &'a dyn ModuleLoader,
    /// `--target-kernel`: every feature the policy uses must exist in this Linux version.
    /// `None` checks nothing (the program is for a current kernel).
    pub target_kernel: Option<kernel::KernelVersion>,
    /// Parse and check every item of the standard-library modules the policy uses, their
    /// `#[test]`s too (for `--dump hir`, which shows them). Otherwise only the items the
    /// policy can reach are; the outcome is the same.
    pub whole_std: bool,
}

impl Default for CheckOptions<'_> {
    fn default() -> Self {
        CheckOptions { const_overrides: vec![], modules: &NoModules, target_kernel: None, whole_std: false }
    }
}

/// Parses, resolves and type-checks the policy in `main` (already added to `db`; modules and
/// standard-library files are added to `db` as they are loaded). Returns the program when
/// there was no error, and every diagnostic (errors and warnings) either way.
///
/// It runs on a thread with a stack of known size ([`stack::with_stack`]), so the answer
/// for a deeply nested policy does not depend on the caller's stack.
pub fn check(db: &mut SourceDb, main: FileId, options: &CheckOptions) -> (Option<hir::Program>, Vec<Diagnostic>) {
    stack::with_stack(|| check_here(db, main, options))
}

fn check_here(db: &mut SourceDb, main: FileId, options: &CheckOptions) -> (Option<hir::Program>, Vec<Diagnostic>) {
    let (program, mut diags) = check::run(db, main, options);
    let program = match (program, options.target_kernel) {
        (Some(p), Some(target)) => {
            let found = kernel::check_target(&p, target);
            let failed = !found.is_empty();
            diags.extend(found);
            if failed {
                None
            } else {
                Some(p)
            }
        }
        (program, _) => program,
    };
    diag::sort_by_source(&mut diags);
    (program, diags)
}
