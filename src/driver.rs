//! The verbs that compile, test and load: each reads its flags, calls the compile facade
//! (`rsteer::build`) or the loader, and prints through the [`Reporter`] it is given.

use crate::args::{read_policy, CompileArgs, GroupArgs, PolicyArgs};
use crate::report::{diagnostic_json, plural, Failure, Reporter, EXIT_POLICY, EXIT_USAGE};
use rsteer::build::{self, Built, Checked};
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
        let options = args.compile.options()?;
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
    let checked = check_file(report, &args.policy, &args.compile)?;
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
    let checked = check_file(report, &args.policy, &args.compile)?;
    print_hir(report, &checked, dump);
    let built = report.built(checked.compile(&args.policy.display().to_string()))?;
    print_code(report, &built.compiled, dump);
    let out = output.unwrap_or_else(|| args.policy.with_extension("o"));
    std::fs::write(&out, built.object())
        .map_err(|e| Failure::system(format!("cannot write {}: {e}", out.display())))?;
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
                        "name": r.name, "passed": r.failure.is_none(), "runs": r.runs,
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
    let loaded = rsteer_loader::load(&object, &group, &options)?;
    show_loaded(report, &loaded, &group, &[pid], target.replace, None);
    Ok(())
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
    report.result(
        || {
            let out: Vec<serde_json::Value> = groups
                .iter()
                .map(|g| {
                    serde_json::json!({
                        "protocol": g.protocol.to_string(), "local": g.local.to_string(),
                        "sockets": g.sockets.iter().map(|s| serde_json::json!({
                            "fd": s.target_fd, "inode": s.inode, "cookie": s.cookie,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::Value::Array(out)
        },
        |out| {
            let rows: Vec<[String; 5]> = groups
                .iter()
                .flat_map(|g| {
                    g.sockets.iter().enumerate().map(move |(i, s)| {
                        [
                            g.protocol.to_string(),
                            g.local.to_string(),
                            i.to_string(),
                            s.target_fd.to_string(),
                            s.cookie.to_string(),
                        ]
                    })
                })
                .collect();
            if rows.is_empty() {
                out.line(format_args!("pid {pid} has no reuseport sockets"));
            } else {
                out.table(&["proto", "local", "index", "fd", "cookie"], &rows);
            }
        },
    );
    Ok(())
}

/// `rsteer explain CODE`.
pub fn explain(report: &Reporter, code: &str) -> Result<(), Failure> {
    let code = code.trim().to_ascii_uppercase();
    match rsteer_lang::diag::explain(&code) {
        Some(text) => {
            report.line(format_args!("{code}\n\n{text}"));
            Ok(())
        }
        None => Err(Failure::usage(
            format!("no such error code `{code}`"),
            Some("codes look like E0001; `rsteer check` prints them"),
        )),
    }
}
