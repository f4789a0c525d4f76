//! The pipeline as the CLI drives it: read sources, check, compile, load; render errors.

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use rsteer_lang::{CheckOptions, Diagnostic, ModuleLoader, SourceDb};
use rsteer_loader::{ErrorKind, LoadError, LoadOptions, Protocol};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Exit codes: 0 ok, 1 policy errors, 2 usage, 3 system or kernel errors.
pub const EXIT_POLICY: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_SYSTEM: u8 = 3;

/// Why a command failed.
pub enum Failure {
    /// Already printed (diagnostics); exit with this code.
    Reported(u8),
    /// Print `error: message` and an optional hint, then exit with `code`.
    Message { code: u8, message: String, hint: Option<String> },
}

pub struct Checked {
    pub db: SourceDb,
    pub program: rsteer_lang::hir::Program,
}

/// Reads `mod name;` files from beside the file that declares them.
struct FsModules {
    root: PathBuf,
}

impl ModuleLoader for FsModules {
    fn load(&self, from: &str, name: &str) -> Option<(String, String)> {
        let dir = Path::new(from).parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
        for candidate in [dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs")] {
            if let Ok(text) = std::fs::read_to_string(&candidate) {
                // (source, the name to record for it), as `ModuleLoader` documents.
                return Some((text, candidate.display().to_string()));
            }
        }
        None
    }
}

/// When set (`rsteer check --json`), diagnostics are collected as JSON instead of rendered.
pub static JSON_DIAGNOSTICS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// The diagnostics collected in JSON mode.
pub static COLLECTED: std::sync::Mutex<Vec<serde_json::Value>> = std::sync::Mutex::new(Vec::new());

/// One diagnostic as a script reads it: code, severity, message, file, 1-based line and
/// column of the primary label, every label and the notes.
fn diagnostic_json(db: &SourceDb, d: &Diagnostic) -> serde_json::Value {
    let at = |span: rsteer_lang::Span| {
        let lc = db.line_col(span);
        serde_json::json!({ "file": db.name(span.file), "line": lc.line, "column": lc.column })
    };
    let primary = d.primary_span().map(at);
    let labels: Vec<serde_json::Value> = d
        .labels
        .iter()
        .map(|l| serde_json::json!({ "at": at(l.span), "message": l.message, "primary": l.primary }))
        .collect();
    serde_json::json!({
        "severity": if d.is_error() { "error" } else { "warning" },
        "code": d.code, "message": d.message, "at": primary, "labels": labels, "notes": d.notes,
    })
}

pub fn render(db: &SourceDb, diags: &[Diagnostic]) {
    if diags.is_empty() {
        return;
    }
    if JSON_DIAGNOSTICS.load(std::sync::atomic::Ordering::Relaxed) {
        if let Ok(mut c) = COLLECTED.lock() {
            c.extend(diags.iter().map(|d| diagnostic_json(db, d)));
        }
        return;
    }
    let choice = if std::io::stderr().is_terminal() { ColorChoice::Auto } else { ColorChoice::Never };
    let mut stream = StandardStream::stderr(choice);
    rsteer_lang::diag::render_to(&mut stream, db, diags);
}

/// Splits `--const NAME=VALUE` flags; the checker reads each value in its constant's type.
fn parse_consts(consts: &[String]) -> Result<Vec<(String, String)>, Failure> {
    consts
        .iter()
        .map(|c| {
            let (name, value) = c.split_once('=').ok_or_else(|| Failure::Message {
                code: EXIT_USAGE,
                message: format!("`--const {c}` is not NAME=VALUE"),
                hint: Some("for example: --const WORKERS=16".into()),
            })?;
            Ok((name.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

/// Reads and checks a policy; renders diagnostics (warnings too).
pub fn check(path: &Path, consts: &[String], target: Option<&str>) -> Result<Checked, Failure> {
    let target_kernel = match target {
        None => None,
        Some(t) => Some(t.parse::<rsteer_lang::kernel::KernelVersion>().map_err(|e| Failure::Message {
            code: EXIT_USAGE,
            message: format!("--target-kernel: {e}"),
            hint: Some("for example: --target-kernel 5.14".into()),
        })?),
    };
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Message {
        code: EXIT_USAGE,
        message: format!("cannot read {}: {e}", path.display()),
        hint: None,
    })?;
    let overrides = parse_consts(consts)?;
    let mut db = SourceDb::new();
    let main = db.add(path.display().to_string(), text);
    let modules = FsModules { root: path.parent().map(Path::to_path_buf).unwrap_or_default() };
    let options = CheckOptions { const_overrides: overrides, modules: &modules, target_kernel };
    let (program, diags) = rsteer_lang::check(&mut db, main, &options);
    render(&db, &diags);
    match program {
        Some(program) if !diags.iter().any(Diagnostic::is_error) => Ok(Checked { db, program }),
        _ => {
            let n = diags.iter().filter(|d| d.is_error()).count();
            if !JSON_DIAGNOSTICS.load(std::sync::atomic::Ordering::Relaxed) {
                eprintln!("error: could not compile {} ({n} error{})", path.display(), if n == 1 { "" } else { "s" });
            }
            Err(Failure::Reported(EXIT_POLICY))
        }
    }
}

pub fn compile(checked: &Checked) -> Result<rsteer_codegen::Compiled, Failure> {
    rsteer_codegen::compile(&checked.program, &checked.db).map_err(|diags| {
        render(&checked.db, &diags);
        Failure::Reported(EXIT_POLICY)
    })
}

pub fn load_failure(e: LoadError) -> Failure {
    let code = match e.kind() {
        ErrorKind::Usage => EXIT_USAGE,
        ErrorKind::NotFound | ErrorKind::Permission | ErrorKind::System => EXIT_SYSTEM,
    };
    Failure::Message { code, message: e.to_string(), hint: e.hint() }
}

fn parse_proto(proto: Option<&str>) -> Option<Protocol> {
    proto.and_then(|p| p.parse().ok())
}

/// Which program and map `load` uses, and whether it replaces the attached program.
pub struct LoadTarget {
    pub map: Option<String>,
    pub program: Option<String>,
    pub replace: bool,
}

/// The flags that name a server's reuseport group (`load`, `detach`, `map`).
#[derive(clap::Args, Clone)]
pub struct GroupArgs {
    /// The server process.
    #[arg(long)]
    pub pid: i32,
    /// The group's port; may be left out when the process has one reuseport group.
    #[arg(long)]
    pub port: Option<u16>,
    /// The group's protocol, when UDP and TCP share the port.
    #[arg(long, value_parser = ["udp", "tcp"])]
    pub proto: Option<String>,
    /// The group's local address (`0.0.0.0`, `[::]:443`), when IPv4 and IPv6 share the port.
    #[arg(long, value_name = "ADDR")]
    pub local: Option<String>,
}

impl GroupArgs {
    pub fn pick(&self) -> Result<rsteer_loader::Group, Failure> {
        pick_group(self.pid, self.port, self.proto.as_deref(), self.local.as_deref())
    }
}

/// The reuseport group of `pid` that `--port`, `--proto` and `--local` name. `--local` takes
/// an address with or without a port (`0.0.0.0`, `[::]:443`): a dual-stack server has an
/// IPv4 and an IPv6 group on the same port.
fn pick_group(
    pid: i32,
    port: Option<u16>,
    proto: Option<&str>,
    local: Option<&str>,
) -> Result<rsteer_loader::Group, Failure> {
    let mut groups = rsteer_loader::discover(pid).map_err(load_failure)?;
    if let Some(text) = local {
        let want: (std::net::IpAddr, Option<u16>) = if let Ok(a) = text.parse::<std::net::SocketAddr>() {
            (a.ip(), Some(a.port()))
        } else if let Ok(ip) = text.trim_matches(|c| c == '[' || c == ']').parse::<std::net::IpAddr>() {
            (ip, None)
        } else {
            return Err(Failure::Message {
                code: EXIT_USAGE,
                message: format!("--local: `{text}` is not an address"),
                hint: Some("for example: --local 0.0.0.0, --local [::]:443".into()),
            });
        };
        let found: Vec<String> = groups.iter().map(|g| format!("{} {}", g.protocol, g.local)).collect();
        groups.retain(|g| g.local.ip() == want.0 && want.1.is_none_or(|p| g.local.port() == p));
        if groups.is_empty() {
            return Err(Failure::Message {
                code: EXIT_USAGE,
                message: format!("no reuseport group of pid {pid} is bound to {text}"),
                hint: Some(format!("its groups: {}", found.join(", "))),
            });
        }
    }
    rsteer_loader::select_group(groups, port, parse_proto(proto)).map_err(load_failure)
}

pub fn run_load(
    input: &Path,
    args: &GroupArgs,
    load: LoadTarget,
    consts: &[String],
    target: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    let object = if input.extension().is_some_and(|e| e == "o") {
        std::fs::read(input).map_err(|e| Failure::Message {
            code: EXIT_USAGE,
            message: format!("cannot read {}: {e}", input.display()),
            hint: None,
        })?
    } else {
        let checked = check(input, consts, target)?;
        compile(&checked)?.object
    };
    if !object.starts_with(b"\x7fELF") {
        return Err(Failure::Message {
            code: EXIT_USAGE,
            message: format!("{} is not an ELF object", input.display()),
            hint: Some("pass a policy `.rs` file, or an object that `rsteer compile` wrote".into()),
        });
    }
    let group = args.pick()?;
    let pid = args.pid;
    let options = LoadOptions { program: load.program, map: load.map, replace: load.replace };
    let loaded = rsteer_loader::load(&object, &group, &options).map_err(load_failure)?;
    if json {
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
        let out = serde_json::json!({
            "program": loaded.program_name, "program_id": loaded.program_id,
            "map": loaded.map_name, "also_filled": loaded.also_filled, "protocol": group.protocol.to_string(),
            "local": group.local.to_string(), "pid": pid, "sockets": rows,
        });
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    outln!(
        "{} `{}` (prog id {}) to {} {} of pid {pid}; map {} holds {} socket{}",
        if load.replace { "swapped in" } else { "attached" },
        loaded.program_name,
        loaded.program_id,
        group.protocol,
        group.local,
        loaded.map_name,
        loaded.rows.len(),
        if loaded.rows.len() == 1 { "" } else { "s" }
    );
    if !loaded.also_filled.is_empty() {
        outln!("also filled with the same sockets: {}", loaded.also_filled.join(", "));
    }
    let table: Vec<[String; 5]> = loaded
        .rows
        .iter()
        .map(|r| {
            [r.index.to_string(), r.pid.to_string(), r.target_fd.to_string(), r.local.to_string(), r.cookie.to_string()]
        })
        .collect();
    print_table(&["index", "pid", "fd", "local", "cookie"], &table);
    Ok(())
}

/// Prints an aligned table: numbers right-aligned, text left-aligned.
pub fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let mut width = [0usize; N];
    for (i, h) in header.iter().enumerate() {
        width[i] = h.len();
    }
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            width[i] = width[i].max(c.len());
        }
    }
    let numeric: Vec<bool> = (0..N).map(|i| rows.iter().all(|r| r[i].parse::<f64>().is_ok())).collect();
    let line = |cells: Vec<&str>| {
        let mut s = String::from(" ");
        for (i, c) in cells.iter().enumerate() {
            if numeric[i] {
                s.push_str(&format!(" {:>w$}", c, w = width[i]));
            } else {
                s.push_str(&format!(" {:<w$}", c, w = width[i]));
            }
        }
        outln!("{}", s.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

pub fn run_detach(args: &GroupArgs) -> Result<(), Failure> {
    let group = args.pick()?;
    rsteer_loader::detach(&group).map_err(load_failure)?;
    outln!("detached the program from {} {} of pid {}", group.protocol, group.local, args.pid);
    Ok(())
}

pub fn run_sockets(pid: i32, json: bool) -> Result<(), Failure> {
    let groups = rsteer_loader::discover(pid).map_err(load_failure)?;
    if json {
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
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
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
        outln!("pid {pid} has no reuseport sockets");
        return Ok(());
    }
    print_table(&["proto", "local", "index", "fd", "cookie"], &rows);
    Ok(())
}

/// `rsteer test`: runs the policy's tests in the simulator; exit 1 when one fails.
pub fn run_test(
    path: &Path,
    consts: &[String],
    target: Option<&str>,
    filter: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    let checked = check(path, consts, target)?;
    let compiled = compile(&checked)?;
    let results = rsteer_sim::harness::run_tests(&checked.program, &compiled, filter);
    let failed = results.iter().filter(|r| r.failure.is_some()).count();
    let passed = results.len() - failed;
    if json {
        let tests: Vec<serde_json::Value> = results
            .iter()
            .map(|r| {
                let at = r.failure.as_ref().map(|f| {
                    let lc = checked.db.line_col(f.span);
                    format!("{}:{}:{}", checked.db.name(f.span.file), lc.line, lc.column)
                });
                serde_json::json!({
                    "name": r.name, "passed": r.failure.is_none(), "runs": r.runs,
                    "at": at, "message": r.failure.as_ref().map(|f| f.message.clone()),
                })
            })
            .collect();
        let out = serde_json::json!({ "passed": passed, "failed": failed, "tests": tests });
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        outln!("running {} test{} from {}", results.len(), if results.len() == 1 { "" } else { "s" }, path.display());
        for r in &results {
            match &r.failure {
                None => outln!("  ok      {}", r.name),
                Some(f) => {
                    let lc = checked.db.line_col(f.span);
                    outln!("  FAILED  {}", r.name);
                    outln!("          at {}:{}:{}", checked.db.name(f.span.file), lc.line, lc.column);
                    outln!("          {}", checked.db.line_text(f.span.file, lc.line).trim());
                    for line in f.message.lines() {
                        outln!("          {line}");
                    }
                }
            }
        }
        outln!("{passed} passed, {failed} failed");
    }
    if failed > 0 {
        Err(Failure::Reported(EXIT_POLICY))
    } else {
        Ok(())
    }
}
