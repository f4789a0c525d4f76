//! The compile facade: policy source in, checked program and ELF object (or diagnostics) out.
//!
//! Every verb that compiles (`check`, `compile`, `test`, `load`, `demo`) goes through
//! [`check_policy`] or [`compile_policy`], so parsing, checking, `--const`,
//! `--target-kernel` and code generation are wired together in one place. Nothing here
//! prints or touches the kernel: results and diagnostics are data, and the only IO is
//! reading `mod` files through the source's [`ModuleLoader`] (and the policy file itself,
//! for [`PolicySource::read`]).
//!
//! ```
//! use rsteer::build::{compile_policy, BuildOptions, PolicySource};
//!
//! let source = PolicySource::text(
//!     "inline.rs",
//!     "#[map]\nstatic SOCKETS: SockArray<4>;\n\n\
//!      #[steer]\nfn by_port(pkt: Packet) -> Verdict { select(SOCKETS, pkt.src_port as u32 % 4) }\n",
//! );
//! let built = match compile_policy(&source, &BuildOptions::default()) {
//!     Ok(built) => built,
//!     Err(failed) => panic!("{}", failed.render_plain()),
//! };
//! assert!(built.object().starts_with(b"\x7fELF"));
//! assert_eq!(built.program.entries.len(), 1);
//!
//! // A policy with an error gives its diagnostics, with the sources to render them.
//! let broken = PolicySource::text("broken.rs", "#[steer]\nfn f(pkt: Packet) -> Verdict { nope }\n");
//! let failed = compile_policy(&broken, &BuildOptions::default()).unwrap_err();
//! assert!(failed.errors() > 0);
//! assert!(failed.render_plain().contains("broken.rs:2:"));
//! ```

use rsteer_codegen::Compiled;
use rsteer_lang::kernel::KernelVersion;
use rsteer_lang::{hir, CheckOptions, Diagnostic, ModuleError, ModuleLoader, NoModules, SourceDb};
use std::path::{Path, PathBuf};

/// Where a policy's text comes from, and how its `mod name;` declarations are found.
pub struct PolicySource<'m> {
    name: String,
    text: String,
    modules: Modules<'m>,
}

enum Modules<'m> {
    /// `mod name;` reads `name.rs` or `name/mod.rs` beside the declaring file.
    Beside(FsModules),
    Loader(&'m dyn ModuleLoader),
}

impl PolicySource<'static> {
    /// Source text held in memory; `name` is what diagnostics call the file. It has no
    /// modules (`mod x;` is an error) unless [`with_modules`](Self::with_modules) gives a
    /// loader.
    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Self {
        PolicySource { name: name.into(), text: text.into(), modules: Modules::Loader(&NoModules) }
    }

    /// Reads the policy file at `path`; its `mod` files are read from beside it. The error
    /// is a sentence about the file ([`read_source`]).
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = read_source(path)?;
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(PolicySource { name: path.display().to_string(), text, modules: Modules::Beside(FsModules { root }) })
    }
}

impl<'m> PolicySource<'m> {
    /// The same source, with its `mod` declarations resolved through `modules`.
    pub fn with_modules<'n>(self, modules: &'n dyn ModuleLoader) -> PolicySource<'n> {
        PolicySource { name: self.name, text: self.text, modules: Modules::Loader(modules) }
    }

    /// The name diagnostics give the policy file (its path, for [`PolicySource::read`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    fn modules(&self) -> &dyn ModuleLoader {
        match &self.modules {
            Modules::Beside(fs) => fs,
            Modules::Loader(loader) => *loader,
        }
    }
}

/// Reads `mod name;` files from beside the file that declares them.
struct FsModules {
    root: PathBuf,
}

impl ModuleLoader for FsModules {
    fn load(&self, from: &str, name: &str) -> Result<(String, String), ModuleError> {
        let dir = Path::new(from).parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
        let candidates = [dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs")];
        // A name that exists in any form (a directory, a dangling or looping link) counts.
        let present: Vec<&PathBuf> = candidates.iter().filter(|c| std::fs::symlink_metadata(c).is_ok()).collect();
        match present.as_slice() {
            [] => Err(ModuleError::NotFound),
            [one] => match read_source(one) {
                // (source, the name to record for it), as `ModuleLoader` documents.
                Ok(text) => Ok((text, one.display().to_string())),
                Err(why) => Err(ModuleError::Refused(format!("{} {why}", one.display()))),
            },
            [a, b, ..] => Err(ModuleError::Refused(format!(
                "both {} and {} exist, so the module is ambiguous; remove one",
                a.display(),
                b.display()
            ))),
        }
    }
}

/// The largest policy or module file: source text beyond this is refused before it is read.
pub const MAX_SOURCE_BYTES: u64 = 4 << 20;

/// Reads a policy or module file. Only a regular file of at most [`MAX_SOURCE_BYTES`] of
/// UTF-8 is read; anything else is refused at once (a FIFO is opened without blocking and
/// never read, `/dev/zero` is not a regular file), with the reason as a sentence that
/// follows the file's name: `is a directory`, `is not UTF-8: ...`.
pub fn read_source(path: &Path) -> Result<String, String> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let meta = std::fs::metadata(path).map_err(|e| io_reason(&e))?;
    let kind = meta.file_type();
    let not_regular = if kind.is_dir() {
        Some("a directory")
    } else if kind.is_fifo() {
        Some("a FIFO")
    } else if kind.is_char_device() || kind.is_block_device() {
        Some("a device")
    } else if kind.is_socket() {
        Some("a socket")
    } else if !kind.is_file() {
        Some("not a regular file")
    } else {
        None
    };
    if let Some(what) = not_regular {
        return Err(format!("is {what}; a policy or module must be a regular file"));
    }
    let too_large = |n: u64| format!("is {n} bytes; a policy or module is at most {MAX_SOURCE_BYTES} bytes (4 MiB)");
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(too_large(meta.len()));
    }
    // O_NONBLOCK: should the file have become a FIFO since, opening it does not wait.
    let file =
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|e| io_reason(&e))?;
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| io_reason(&e))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        format!("is not UTF-8: invalid byte 0x{:02x} at byte offset {at} (line {line})", bytes[at])
    })
}

/// Why a file could not be opened or read, as the end of a sentence that names it.
fn io_reason(e: &std::io::Error) -> String {
    match (e.kind(), e.raw_os_error()) {
        (std::io::ErrorKind::NotFound, _) => "does not exist".into(),
        (std::io::ErrorKind::PermissionDenied, _) => "cannot be read: permission denied".into(),
        (_, Some(libc::ELOOP)) => "is a symbolic link that loops (too many levels of symbolic links)".into(),
        _ => format!("cannot be read: {e}"),
    }
}

/// How to compile: what `--const` and `--target-kernel` say on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// `const` overrides as (name, value text), applied before any constant is folded; the
    /// checker reads each value in its constant's declared type.
    pub consts: Vec<(String, String)>,
    /// Every feature the policy uses must exist in this Linux version; `None` checks nothing.
    pub target_kernel: Option<KernelVersion>,
    /// `-D warnings`: every warning is an error, and the policy fails to check.
    pub deny_warnings: bool,
    /// Count every verdict in the `rsteer_counts` map (`--count`; read by `rsteer status`).
    pub count: bool,
    /// Check every item of the standard-library modules the policy uses, not only those it
    /// can reach (for `--dump hir`, which shows them all); diagnostics are the same.
    pub whole_std: bool,
}

impl BuildOptions {
    /// Code generation's part of the options.
    pub fn codegen(&self) -> rsteer_codegen::Options {
        rsteer_codegen::Options { count: self.count }
    }
}

/// A policy that type-checked: its sources, typed program and warnings.
pub struct Checked {
    pub db: SourceDb,
    pub program: hir::Program,
    /// Warnings (a checked policy has no errors).
    pub diagnostics: Vec<Diagnostic>,
}

/// A policy that compiled: its sources, typed program, each entry's code and the ELF object.
pub struct Built {
    pub db: SourceDb,
    pub program: hir::Program,
    pub compiled: Compiled,
    /// Warnings (a built policy has no errors).
    pub diagnostics: Vec<Diagnostic>,
}

impl Built {
    /// The ELF object, for the loader or for a file.
    pub fn object(&self) -> &[u8] {
        &self.compiled.object
    }

    /// How many BPF instructions the object's programs hold together.
    pub fn instructions(&self) -> usize {
        self.compiled.programs.iter().map(|p| p.insns.len()).sum()
    }
}

/// The stage a policy failed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Parsing, resolving, type checking or `--target-kernel`.
    Check,
    /// Code generation: a resource limit (stack, jump range, inlining depth, verifier cost).
    Codegen,
}

/// A policy that did not compile: every diagnostic (warnings too), with the sources to
/// render them.
pub struct Failed {
    /// The policy's name, as [`PolicySource::name`] gives it.
    pub name: String,
    pub stage: Stage,
    pub db: SourceDb,
    pub diagnostics: Vec<Diagnostic>,
}

impl Failed {
    /// How many of the diagnostics are errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// The diagnostics as plain text, as the terminal shows them without colour.
    pub fn render_plain(&self) -> String {
        rsteer_lang::diag::render_plain(&self.db, &self.diagnostics)
    }
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.program;
        write!(f, "Checked({} entries, {} maps, {} tests)", p.entries.len(), p.maps.len(), p.tests.len())
    }
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Built({} programs, {} bytes)", self.compiled.programs.len(), self.compiled.object.len())
    }
}

impl std::fmt::Debug for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Failed({} at {:?}: {} error(s))\n{}", self.name, self.stage, self.errors(), self.render_plain())
    }
}

/// Parses, resolves and type-checks a policy (and applies `--target-kernel`).
pub fn check_policy(source: &PolicySource, options: &BuildOptions) -> Result<Checked, Failed> {
    let mut db = SourceDb::new();
    let main = db.add(source.name.clone(), source.text.clone());
    let check = CheckOptions {
        const_overrides: options.consts.clone(),
        modules: source.modules(),
        target_kernel: options.target_kernel,
        whole_std: options.whole_std,
    };
    let (program, mut diagnostics) = rsteer_lang::check(&mut db, main, &check);
    if options.deny_warnings {
        for d in diagnostics.iter_mut().filter(|d| !d.is_error()) {
            d.severity = rsteer_lang::Severity::Error;
            d.notes.push("`-D warnings` turns this warning into an error".into());
        }
    }
    match program {
        Some(program) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(Checked { db, program, diagnostics }),
        _ => Err(Failed { name: source.name.clone(), stage: Stage::Check, db, diagnostics }),
    }
}

/// Checks and compiles a policy: the typed program and its ELF object, or every diagnostic.
pub fn compile_policy(source: &PolicySource, options: &BuildOptions) -> Result<Built, Failed> {
    let checked = check_policy(source, options)?;
    checked.compile_with(source.name(), &options.codegen())
}

impl Checked {
    /// Generates code for the checked program. On failure, only code generation's own
    /// diagnostics (the check's warnings stay in `self.diagnostics`).
    /// Runs on a stack of known size, as checking does (`rsteer_lang::stack`).
    pub fn codegen(&self) -> Result<Compiled, Vec<Diagnostic>> {
        self.codegen_with(&rsteer_codegen::Options::default())
    }

    /// [`Checked::codegen`] with code generation's options (`--count`).
    pub fn codegen_with(&self, options: &rsteer_codegen::Options) -> Result<Compiled, Vec<Diagnostic>> {
        rsteer_lang::stack::with_stack(|| rsteer_codegen::compile_with(&self.program, &self.db, options))
    }

    /// Generates code and keeps everything: a [`Built`], or a [`Failed`] holding the check's
    /// warnings and code generation's errors. `name` is the policy's name for the failure.
    pub fn compile(self, name: &str) -> Result<Built, Failed> {
        self.compile_with(name, &rsteer_codegen::Options::default())
    }

    /// [`Checked::compile`] with code generation's options (`--count`).
    pub fn compile_with(self, name: &str, options: &rsteer_codegen::Options) -> Result<Built, Failed> {
        match self.codegen_with(options) {
            Ok(compiled) => Ok(Built { db: self.db, program: self.program, compiled, diagnostics: self.diagnostics }),
            Err(errors) => {
                let mut diagnostics = self.diagnostics;
                diagnostics.extend(errors);
                rsteer_lang::diag::sort_by_source(&mut diagnostics);
                Err(Failed { name: name.to_string(), stage: Stage::Codegen, db: self.db, diagnostics })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "const WORKERS: u32 = 4;\n#[map]\nstatic S: SockArray<WORKERS>;\n\
        #[steer]\nfn r(pkt: Packet) -> Verdict { select(S, pkt.src_port as u32 % WORKERS) }\n";

    /// Modules from a table in memory, as a server embedding rsteer might keep them.
    struct Table(&'static [(&'static str, &'static str)]);

    impl ModuleLoader for Table {
        fn load(&self, _from: &str, name: &str) -> Result<(String, String), ModuleError> {
            let found = self.0.iter().find(|(n, _)| *n == name);
            found.map(|(n, text)| (text.to_string(), format!("{n}.rs"))).ok_or(ModuleError::NotFound)
        }
    }

    #[test]
    fn consts_change_the_object() {
        let source = PolicySource::text("p.rs", POLICY);
        let four = compile_policy(&source, &BuildOptions::default()).unwrap();
        let options = BuildOptions { consts: vec![("WORKERS".into(), "8".into())], ..BuildOptions::default() };
        let eight = compile_policy(&source, &options).unwrap();
        assert_ne!(four.object(), eight.object());
        assert!(four.instructions() > 0);
    }

    #[test]
    fn modules_come_from_the_given_loader() {
        let main = "mod pick;\n#[map]\nstatic S: SockArray<4>;\n\
            #[steer]\nfn r(pkt: Packet) -> Verdict { select(S, pick::index(pkt.src_port)) }\n";
        let source = PolicySource::text("main.rs", main);
        let failed = check_policy(&source, &BuildOptions::default()).unwrap_err();
        assert_eq!(failed.stage, Stage::Check);
        assert!(failed.render_plain().contains("pick"), "{failed:?}");
        let table = Table(&[("pick", "pub fn index(port: u16) -> u32 { port as u32 % 4 }\n")]);
        let built = compile_policy(&source.with_modules(&table), &BuildOptions::default());
        assert!(built.is_ok(), "{:?}", built.err());
    }

    #[test]
    fn target_kernel_failures_are_check_failures() {
        let source = PolicySource::text("p.rs", POLICY);
        let options = BuildOptions { target_kernel: Some(KernelVersion(3, 0)), ..BuildOptions::default() };
        let failed = compile_policy(&source, &options).unwrap_err();
        assert_eq!((failed.stage, failed.name.as_str()), (Stage::Check, "p.rs"));
        assert!(failed.errors() > 0);
    }
}
