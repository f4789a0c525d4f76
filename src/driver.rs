//! The verbs that compile, test and load: each reads its flags, calls the compile facade
//! (`rsteer::build`) or the loader, and prints through the [`Reporter`] it is given.

use crate::args::{read_policy, CompileArgs, GroupArgs, PolicyArgs};
use crate::report::{diagnostic_json, plural, Failure, Reporter, EXIT_POLICY, EXIT_USAGE};
use rsteer::build::{self, BuildOptions, Built, Checked};
use rsteer_lang::Diagnostic;
use rsteer_loader::{Group, LoadOptions, Loaded};
use std::path::{Path, PathBuf};

/// What `--dump` prints.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Dump {
    /// The typed HIR after checking.
    Hir,
    /// The IR of each entry.
    Ir,
    /// The BPF disassembly of each entry.
    Asm,
}

/// Checks the policy at `path` and shows its diagnostics (the check-only facade).
pub fn check_file(report: &Reporter, path: &Path, compile: &CompileArgs) -> Result<Checked, Failure> {
    let options = compile.options()?;
    report.built(build::check_policy(&read_policy(path)?, &options))
}

/// Checks and compiles the policy at `path` and shows its diagnostics (the whole facade).
pub fn build_file(report: &Reporter, path: &Path, compile: &CompileArgs) -> Result<Built, Failure> {
    let options = compile.options()?;
    report.built(build::compile_policy(&read_policy(path)?, &options))
}

/// The build options of `--const`, `--target-kernel` and `-D`; `--dump hir` shows every item
/// of the standard-library modules used, so it checks them all.
fn dump_options(compile: &CompileArgs, dump: Option<Dump>) -> Result<BuildOptions, Failure> {
    let mut options = compile.options()?;
    options.whole_std = dump == Some(Dump::Hir);
    Ok(options)
}

fn print_hir(report: &Reporter, checked: &Checked, dump: Option<Dump>) {
    if dump == Some(Dump::Hir) {
        report.text(rsteer_lang::pretty::program(&checked.program));
    }
}

fn print_code(report: &Reporter, compiled: &rsteer_codegen::Compiled, dump: Option<Dump>) {
    for p in &compiled.programs {
        match dump {
            Some(Dump::Ir) => report.text(&p.ir),
            Some(Dump::Asm) => {
                report.line(format_args!("{} ({}):", p.name, p.section));
                report.text(p.disasm());
            }
            _ => {}
        }
    }
}

/// The `--dump` of `check`: the HIR, the IR or the assembly. Code generation always runs, so
/// that `check` refuses what `compile` would (the stack, the verifier's cost, the inlining
/// budget, the maps per program): a policy that checks is one the kernel loads.
fn dump_checked(report: &Reporter, checked: &Checked, dump: Option<Dump>) -> Result<(), Vec<Diagnostic>> {
    print_hir(report, checked, dump);
    let compiled = checked.codegen()?;
    if matches!(dump, Some(Dump::Ir) | Some(Dump::Asm)) {
        print_code(report, &compiled, dump);
    }
    Ok(())
}

/// `rsteer check`: diagnostics as text, or with `--json` as one document on standard output.
pub fn check(report: &Reporter, args: &PolicyArgs, dump: Option<Dump>) -> Result<(), Failure> {
    if report.is_json() {
        let options = dump_options(&args.compile, dump)?;
        let (ok, diagnostics) = match build::check_policy(&read_policy(&args.policy)?, &options) {
            Err(failed) => (false, failed.diagnostics.iter().map(|d| diagnostic_json(&failed.db, d)).collect()),
            Ok(checked) => {
                let mut all: Vec<serde_json::Value> =
                    checked.diagnostics.iter().map(|d| diagnostic_json(&checked.db, d)).collect();
                let dumped = dump_checked(report, &checked, dump);
                if let Err(errors) = &dumped {
                    all.extend(errors.iter().map(|d| diagnostic_json(&checked.db, d)));
                }
                (dumped.is_ok(), all)
            }
        };
        report.json(&serde_json::json!({ "ok": ok, "diagnostics": diagnostics }));
        return if ok { Ok(()) } else { Err(Failure::Reported(EXIT_POLICY)) };
    }
    let checked =
        report.built(build::check_policy(&read_policy(&args.policy)?, &dump_options(&args.compile, dump)?))?;
    dump_checked(report, &checked, dump).map_err(|errors| {
        report.diagnostics(&checked.db, &errors);
        Failure::Reported(EXIT_POLICY)
    })?;
    let p = &checked.program;
    report.status(format_args!(
        "{}: ok — {} entr{}, {} map{}, {} test{}",
        args.policy.display(),
        p.entries.len(),
        plural(p.entries.len(), "y", "ies"),
        p.maps.len(),
        plural(p.maps.len(), "", "s"),
        p.tests.len(),
        plural(p.tests.len(), "", "s"),
    ));
    Ok(())
}

/// `rsteer compile`: writes the object (default: `<policy>.o` beside the input).
pub fn compile(
    report: &Reporter,
    args: &PolicyArgs,
    output: Option<PathBuf>,
    dump: Option<Dump>,
) -> Result<(), Failure> {
    // The check's warnings are shown once, with the build's outcome.
    let options = dump_options(&args.compile, dump)?;
    let checked = match build::check_policy(&read_policy(&args.policy)?, &options) {
        Ok(checked) => checked,
        Err(failed) => return report.built::<Built>(Err(failed)).map(|_| ()),
    };
    print_hir(report, &checked, dump);
    let built =
        report.built(checked.compile_with(&args.policy.display().to_string(), &args.compile.options()?.codegen()))?;
    print_code(report, &built.compiled, dump);
    let out = output.unwrap_or_else(|| args.policy.with_extension("o"));
    refuse_overwriting_sources(&out, &built)?;
    write_atomically(&out, built.object())?;
    let programs = built.compiled.programs.len();
    report.status(format_args!(
        "wrote {} ({programs} program{}, {} instructions, {} bytes)",
        out.display(),
        plural(programs, "", "s"),
        built.instructions(),
        built.object().len()
    ));
    Ok(())
}

/// The object may not replace a file the policy was read from (the policy itself, as
/// `rsteer compile x.o` would by default, or one of its `mod` files).
fn refuse_overwriting_sources(out: &Path, built: &Built) -> Result<(), Failure> {
    let Ok(target) = out.canonicalize() else {
        return Ok(()); // A file that does not exist yet is no source.
    };
    let db = &built.db;
    for file in 0..db.len() {
        let name = db.name(file);
        if Path::new(name).canonicalize().is_ok_and(|p| p == target) {
            return Err(Failure::usage(
                format!("refusing to write the object over {name}, which the policy is read from"),
                Some("name another output file with `-o`, e.g. `-o policy.o`"),
            ));
        }
    }
    Ok(())
}

/// Writes `bytes` to a new file beside `out` and renames it over `out`, so that a write
/// that fails leaves `out` as it was.
fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let cannot = |e: std::io::Error| Failure::system(format!("cannot write {}: {e}", out.display()));
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = out.with_file_name(format!(".{name}.rsteer-{}.tmp", std::process::id()));
    // A device or pipe (`-o /dev/null`, `-o /dev/stdout`) is written in place: no rename.
    if out.metadata().is_ok_and(|m| !m.is_file()) {
        return std::fs::write(out, bytes).map_err(cannot);
    }
    std::fs::write(&tmp, bytes).map_err(cannot)?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        cannot(e)
    })
}

/// `rsteer test`: runs the policy's tests in the simulator; exit 1 when one fails.
pub fn test(report: &Reporter, args: &PolicyArgs, filter: Option<&str>) -> Result<(), Failure> {
    let built = build_file(report, &args.policy, &args.compile)?;
    let results = rsteer_sim::harness::run_tests(&built.program, &built.compiled, filter);
    let failed = results.iter().filter(|r| r.failure.is_some()).count();
    let passed = results.len() - failed;
    let db = &built.db;
    report.result(
        || {
            let tests: Vec<serde_json::Value> = results
                .iter()
                .map(|r| {
                    let at = r.failure.as_ref().map(|f| {
                        let lc = db.line_col(f.span);
                        format!("{}:{}:{}", db.name(f.span.file), lc.line, lc.column)
                    });
                    serde_json::json!({
                        "name": r.name, "passed": r.failure.is_none(), "runs": r.runs, "steps": r.steps,
                        "at": at, "message": r.failure.as_ref().map(|f| f.message.clone()),
                    })
                })
                .collect();
            serde_json::json!({ "passed": passed, "failed": failed, "tests": tests })
        },
        |out| {
            out.line(format_args!(
                "running {} test{} from {}",
                results.len(),
                plural(results.len(), "", "s"),
                args.policy.display()
            ));
            for r in &results {
                match &r.failure {
                    None => out.line(format_args!("  ok      {}", r.name)),
                    Some(f) => {
                        let lc = db.line_col(f.span);
                        out.line(format_args!("  FAILED  {}", r.name));
                        out.line(format_args!("          at {}:{}:{}", db.name(f.span.file), lc.line, lc.column));
                        out.line(format_args!("          {}", db.line_text(f.span.file, lc.line).trim()));
                        for line in f.message.lines() {
                            out.line(format_args!("          {line}"));
                        }
                    }
                }
            }
            out.line(format_args!("{passed} passed, {failed} failed"));
        },
    );
    if failed > 0 {
        Err(Failure::Reported(EXIT_POLICY))
    } else {
        Ok(())
    }
}

/// Which program and map `load` uses, and whether it replaces the attached program.
pub struct LoadTarget {
    pub map: Option<String>,
    pub program: Option<String>,
    pub replace: bool,
}

/// `rsteer load`: compiles the policy (or reads the object), loads it onto the group and
/// prints the filled socket map.
pub fn load(
    report: &Reporter,
    input: &Path,
    group: &GroupArgs,
    target: LoadTarget,
    compile: &CompileArgs,
) -> Result<(), Failure> {
    let object = read_object(report, input, compile)?;
    let pid = group.pid;
    let group = group.pick()?;
    let options = LoadOptions { program: target.program, map: target.map, replace: target.replace };
    let loaded = rsteer_loader::load(&object, &group, &options).map_err(object_failure(input))?;
    show_loaded(report, &loaded, &group, &[pid], target.replace, None);
    Ok(())
}

/// A loader error about the object `input` names the file: `cannot parse bad.o: ...`.
pub fn object_failure(input: &Path) -> impl Fn(rsteer_loader::LoadError) -> Failure + '_ {
    move |e| match e {
        rsteer_loader::LoadError::Object { message } => Failure::Message {
            code: EXIT_USAGE,
            message: format!("cannot parse {}: {message}", input.display()),
            hint: Some("pass a BPF object that `rsteer compile` or `clang -target bpf` wrote, whole".into()),
        },
        other => Failure::from(other),
    }
}

/// The object `load` and `replace` take: a policy compiled through the facade, or a `.o`
/// file read as it is; anything but ELF is refused.
pub fn read_object(report: &Reporter, input: &Path, compile: &CompileArgs) -> Result<Vec<u8>, Failure> {
    let object = if input.extension().is_some_and(|e| e == "o") {
        std::fs::read(input).map_err(|e| Failure::usage(format!("cannot read {}: {e}", input.display()), None))?
    } else {
        build_file(report, input, compile)?.compiled.object
    };
    if !object.starts_with(b"\x7fELF") {
        return Err(Failure::Message {
            code: EXIT_USAGE,
            message: format!("{} is not an ELF object", input.display()),
            hint: Some("pass a policy `.rs` file, or an object that `rsteer compile` wrote".into()),
        });
    }
    Ok(object)
}

/// What a load did: the program, the group, and per index the socket now in the map;
/// `name` is the named load's name (its JSON then carries `name` and `pids`).
pub fn show_loaded(
    report: &Reporter,
    loaded: &Loaded,
    group: &Group,
    pids: &[i32],
    replaced: bool,
    name: Option<&str>,
) {
    report.result(
        || {
            let rows: Vec<serde_json::Value> = loaded
                .rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "index": r.index, "pid": r.pid, "fd": r.target_fd,
                        "local": r.local.to_string(), "cookie": r.cookie,
                    })
                })
                .collect();
            let mut v = serde_json::json!({
                "program": loaded.program_name, "program_id": loaded.program_id,
                "map": loaded.map_name, "also_filled": loaded.also_filled, "protocol": group.protocol.to_string(),
                "local": group.local.to_string(), "pid": pids[0], "sockets": rows,
            });
            if let Some(name) = name {
                v["name"] = name.into();
                v["pids"] = pids.into();
            }
            v
        },
        |out| {
            let pids: Vec<String> = pids.iter().map(i32::to_string).collect();
            out.line(format_args!(
                "{} `{}` (prog id {}) to {} {} of pid {}; map {} holds {} socket{}",
                if replaced { "swapped in" } else { "attached" },
                loaded.program_name,
                loaded.program_id,
                group.protocol,
                group.local,
                pids.join(", "),
                loaded.map_name,
                loaded.rows.len(),
                plural(loaded.rows.len(), "", "s")
            ));
            if !loaded.also_filled.is_empty() {
                out.line(format_args!("also filled with the same sockets: {}", loaded.also_filled.join(", ")));
            }
            if let Some(name) = name {
                out.line(format_args!(
                    "load `{name}`: pinned under {}",
                    rsteer_loader::state::load_dir(name).display()
                ));
            }
            let table: Vec<[String; 5]> = loaded
                .rows
                .iter()
                .map(|r| {
                    let (index, fd) = (r.index.to_string(), r.target_fd.to_string());
                    [index, r.pid.to_string(), fd, r.local.to_string(), r.cookie.to_string()]
                })
                .collect();
            out.table(&["index", "pid", "fd", "local", "cookie"], &table);
        },
    );
}

/// `rsteer detach`.
pub fn detach(report: &Reporter, args: &GroupArgs) -> Result<(), Failure> {
    let group = args.pick()?;
    rsteer_loader::detach(&group)?;
    report.line(format_args!("detached the program from {} {} of pid {}", group.protocol, group.local, args.pid));
    Ok(())
}

/// `rsteer sockets`: every reuseport group of a process and its sockets.
pub fn sockets(report: &Reporter, pid: i32) -> Result<(), Failure> {
    let groups = rsteer_loader::discover(pid)?;
    // Which processes of the family (a master and its workers) poll each socket.
    let inodes: Vec<u64> = groups.iter().flat_map(|g| g.sockets.iter().map(|s| s.inode)).collect();
    let pollers = rsteer_loader::poll::pollers(pid, &inodes);
    let polled_by = |inode: u64| pollers.get(&inode).cloned().unwrap_or_default();
    report.result(
        || {
            let out: Vec<serde_json::Value> = groups
                .iter()
                .map(|g| {
                    serde_json::json!({
                        "protocol": g.protocol.to_string(), "local": g.local.to_string(),
                        "sockets": g.sockets.iter().enumerate().map(|(i, s)| serde_json::json!({
                            "index": i, "fd": s.target_fd, "inode": s.inode, "cookie": s.cookie,
                            "polled_by": polled_by(s.inode),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::Value::Array(out)
        },
        |out| {
            let rows: Vec<[String; 6]> = groups
                .iter()
                .flat_map(|g| {
                    g.sockets.iter().enumerate().map(|(i, s)| {
                        let who: Vec<String> = polled_by(s.inode).iter().map(i32::to_string).collect();
                        [
                            g.protocol.to_string(),
                            g.local.to_string(),
                            i.to_string(),
                            s.target_fd.to_string(),
                            s.cookie.to_string(),
                            if who.is_empty() { "-".to_string() } else { who.join(",") },
                        ]
                    })
                })
                .collect();
            if rows.is_empty() {
                out.line(format_args!("pid {pid} has no reuseport sockets"));
            } else {
                out.table(&["proto", "local", "index", "fd", "cookie", "polled by"], &rows);
            }
        },
    );
    Ok(())
}

/// `rsteer explain CODE`: the explanation, then the wrong and the fixed example;
/// `rsteer explain --list`: every code with the first sentence of its explanation.
pub fn explain(report: &Reporter, code: Option<&str>, list: bool) -> Result<(), Failure> {
    if list {
        let rows: Vec<[String; 2]> =
            rsteer_lang::diag::CODES.iter().map(|(c, text)| [c.to_string(), summary(text)]).collect();
        report.table(&["code", "meaning"], &rows);
        return Ok(());
    }
    let code = code.unwrap_or_default().trim().to_ascii_uppercase();
    let Some(text) = rsteer_lang::diag::explain(&code) else {
        return Err(Failure::usage(
            format!("no such error code `{code}`"),
            Some("codes look like E0001; `rsteer check` prints them, `rsteer explain --list` lists them"),
        ));
    };
    report.line(format_args!("{code}\n\n{text}"));
    if rsteer_lang::examples::WITHOUT_EXAMPLE.contains(&code.as_str()) {
        report.line("\n(No example: it would take a program too long to read, or a compiler bug.)");
    }
    if let Some(e) = rsteer_lang::examples::example(&code) {
        let with = |args: &[&str], modules: &[(&str, &str)]| {
            let mut s = String::new();
            if !args.is_empty() {
                s.push_str(&format!(" (with `{}`)", args.join(" ")));
            }
            for (name, _) in modules {
                s.push_str(&format!(", beside `{name}.rs`"));
            }
            s
        };
        let modules = |modules: &[(&str, &str)]| {
            modules.iter().map(|(name, text)| format!("\n// {name}.rs\n{text}")).collect::<String>()
        };
        report.line(format_args!(
            "\nWrong{}:\n\n{}{}\nFixed{}:\n\n{}{}",
            with(e.wrong_args, e.wrong_modules),
            e.wrong,
            modules(e.wrong_modules),
            with(e.fixed_args, e.fixed_modules),
            e.fixed(),
            modules(e.fixed_modules)
        ));
    }
    Ok(())
}

/// The first sentence of an explanation.
fn summary(text: &str) -> String {
    let end = text.find(". ").map(|i| i + 1).unwrap_or(text.len());
    text[..end].to_string()
}
