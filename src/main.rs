//! The `rsteer` command line: verbs, flags, printing and exit codes.
//!
//! Compile and load logic lives in the library crates; this file only wires them together
//! and talks to the person at the terminal.
#![deny(unsafe_op_in_unsafe_fn)]

/// `println!` for the person reading: when standard output is a closed pipe
/// (`rsteer ... | head`), stop quietly instead of panicking, as other tools do.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// `print!` with the same closed-pipe behaviour as [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if write!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

mod demo;
mod driver;
mod lifecycle;
mod mapcmd;

use clap::{Parser, Subcommand, ValueEnum};
use driver::{Failure, GroupArgs, EXIT_POLICY, EXIT_SYSTEM, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "rsteer", version, about = "Compile, test and load SO_REUSEPORT steering policies", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Dump {
    /// The typed HIR after checking.
    Hir,
    /// The IR of each entry.
    Ir,
    /// The BPF disassembly of each entry.
    Asm,
}

#[derive(clap::Args, Clone)]
struct PolicyArgs {
    /// The policy source file.
    policy: PathBuf,
    /// Override a `const` of the policy: `--const NAME=VALUE` (repeatable).
    #[arg(long = "const", value_name = "NAME=VALUE")]
    consts: Vec<String>,
    /// Refuse features the given Linux version lacks (e.g. `5.14`).
    #[arg(long, value_name = "VERSION")]
    target_kernel: Option<String>,
}

#[derive(Subcommand)]
enum MapAction {
    /// The program's maps, their shapes and how many entries they hold.
    List,
    /// Every entry of a map.
    Dump { map: String },
    /// One entry.
    Get { map: String, key: String },
    /// Write an entry (integers, `true`/`false`, `field=value,...` for structs, `hex:...`).
    Set { map: String, key: String, value: String },
    /// Delete an entry.
    Delete { map: String, key: String },
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check a policy; print its diagnostics.
    Check {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Print an intermediate stage.
        #[arg(long, value_enum)]
        dump: Option<Dump>,
        /// Print the diagnostics as JSON (for editors and scripts).
        #[arg(long)]
        json: bool,
    },
    /// Compile a policy to a BPF ELF object (default: `<policy>.o` beside the input).
    Compile {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Where to write the object.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Print an intermediate stage.
        #[arg(long, value_enum)]
        dump: Option<Dump>,
    },
    /// Run the policy's `#[test]` functions in the simulator.
    Test {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Run only the tests whose name contains this.
        #[arg(long)]
        filter: Option<String>,
        /// Print the results as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Load a policy (or a compiled object) onto a running server's reuseport sockets, as a
    /// named load pinned under /sys/fs/bpf/rsteer/NAME/.
    Load {
        /// A policy `.rs` file (compiled first) or a compiled `.o` object.
        input: PathBuf,
        #[command(flatten)]
        group: lifecycle::LoadGroupArgs,
        /// The load's name (default: the policy's file stem and the port, `by_match-4433`).
        #[arg(long)]
        name: Option<String>,
        /// Which socket map to fill (default: the policy's only SockArray).
        #[arg(long)]
        map: Option<String>,
        /// Which `#[steer]` program to attach when the policy has several.
        #[arg(long)]
        program: Option<String>,
        /// Replace the program already attached (`rsteer replace NAME` when it has a name): the
        /// new one takes over its live maps of the same name and shape, and the swap is atomic.
        #[arg(long)]
        replace: bool,
        /// Override a `const` of the policy.
        #[arg(long = "const", value_name = "NAME=VALUE")]
        consts: Vec<String>,
        /// Refuse features the given Linux version lacks (e.g. `5.14`).
        #[arg(long, value_name = "VERSION")]
        target_kernel: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Detach a named load (removing its pins and record), or the program of a server's group.
    Detach {
        #[command(flatten)]
        args: lifecycle::DetachArgs,
    },
    /// Bring a process's sockets into a named load: a restart (the new generation takes new
    /// flows, old flows keep their sockets by cookie) or more workers.
    Join {
        /// The named load.
        name: String,
        /// The joining process; repeat for several.
        #[arg(long, required = true)]
        pid: Vec<i32>,
        /// Print the load's status as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Swap a named load's policy, keeping its live maps of the same name and shape.
    Replace {
        /// The named load.
        name: String,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Start this map empty instead of keeping the live one (repeatable).
        #[arg(long, value_name = "MAP")]
        fresh: Vec<String>,
        /// Which `#[steer]` program to attach when the policy has several.
        #[arg(long)]
        program: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the named loads: program, group, every socket and whether it is alive.
    Status {
        /// One load (default: all).
        name: Option<String>,
        /// Print a JSON array (a stable schema).
        #[arg(long)]
        json: bool,
    },
    /// Check what this machine offers: kernel, bpffs, capabilities, ptrace scope, JIT, features.
    Doctor {
        /// Print the checks as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read and write the maps of the program attached to a server's reuseport group.
    Map {
        #[command(flatten)]
        group: GroupArgs,
        /// The policy the program came from: keys and values are read and shown in its types.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: MapAction,
    },
    /// List a process's reuseport groups and their sockets.
    Sockets {
        #[arg(long)]
        pid: i32,
        #[arg(long)]
        json: bool,
    },
    /// Run a self-contained demonstration: a 4-socket UDP server, a policy, real traffic.
    Demo {
        /// Datagrams to send.
        #[arg(long, default_value_t = 400)]
        count: u32,
    },
    /// Explain an error code (`rsteer explain E0001`).
    Explain { code: String },
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).format_timestamp(None).init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { policy, dump, json: true } => {
            driver::JSON_DIAGNOSTICS.store(true, std::sync::atomic::Ordering::Relaxed);
            let result = run_check(&policy, dump);
            let diags = driver::COLLECTED.lock().map(|c| c.clone()).unwrap_or_default();
            let ok = result.is_ok();
            outln!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "ok": ok, "diagnostics": diags }))
                    .unwrap_or_default()
            );
            result
        }
        Command::Check { policy, dump, json: false } => run_check(&policy, dump),
        Command::Compile { policy, output, dump } => run_compile(&policy, output, dump),
        Command::Test { policy, filter, json } => {
            driver::run_test(&policy.policy, &policy.consts, policy.target_kernel.as_deref(), filter.as_deref(), json)
        }
        Command::Load { input, group, name, map, program, replace, consts, target_kernel, json } => {
            lifecycle::run_load(lifecycle::LoadRequest {
                input: &input,
                group: &group,
                name,
                map,
                program,
                replace,
                consts: &consts,
                target_kernel: target_kernel.as_deref(),
                json,
            })
        }
        Command::Detach { args } => lifecycle::run_detach(&args),
        Command::Join { name, pid, json } => lifecycle::run_join(&name, &pid, json),
        Command::Replace { name, policy, fresh, program, json } => lifecycle::run_replace(
            &name,
            &policy.policy,
            &policy.consts,
            policy.target_kernel.as_deref(),
            &fresh,
            program,
            json,
        ),
        Command::Status { name, json } => lifecycle::run_status(name.as_deref(), json),
        Command::Doctor { json } => lifecycle::run_doctor(json),
        Command::Sockets { pid, json } => driver::run_sockets(pid, json),
        Command::Map { group, policy, json, action } => {
            let action = match action {
                MapAction::List => mapcmd::Action::List,
                MapAction::Dump { map } => mapcmd::Action::Dump(map),
                MapAction::Get { map, key } => mapcmd::Action::Get(map, key),
                MapAction::Set { map, key, value } => mapcmd::Action::Set(map, key, value),
                MapAction::Delete { map, key } => mapcmd::Action::Delete(map, key),
            };
            mapcmd::run(&group, policy.as_deref(), action, json)
        }
        Command::Demo { count } => demo::run(count),
        Command::Explain { code } => run_explain(&code),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Reported(code)) => ExitCode::from(code),
        Err(Failure::Message { code, message, hint }) => {
            eprintln!("error: {message}");
            if let Some(h) = hint {
                eprintln!("  = help: {h}");
            }
            ExitCode::from(code)
        }
    }
}

fn run_check(args: &PolicyArgs, dump: Option<Dump>) -> Result<(), Failure> {
    let checked = driver::check(&args.policy, &args.consts, args.target_kernel.as_deref())?;
    if dump == Some(Dump::Hir) {
        out!("{}", rsteer_lang::pretty::program(&checked.program));
    }
    if matches!(dump, Some(Dump::Ir) | Some(Dump::Asm)) {
        let compiled = driver::compile(&checked)?;
        print_dump(&compiled, dump);
    }
    let p = &checked.program;
    if driver::JSON_DIAGNOSTICS.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    eprintln!(
        "{}: ok — {} entr{}, {} map{}, {} test{}",
        args.policy.display(),
        p.entries.len(),
        if p.entries.len() == 1 { "y" } else { "ies" },
        p.maps.len(),
        if p.maps.len() == 1 { "" } else { "s" },
        p.tests.len(),
        if p.tests.len() == 1 { "" } else { "s" },
    );
    Ok(())
}

fn print_dump(compiled: &rsteer_codegen::Compiled, dump: Option<Dump>) {
    for p in &compiled.programs {
        match dump {
            Some(Dump::Ir) => out!("{}", p.ir),
            Some(Dump::Asm) => {
                outln!("{} ({}):", p.name, p.section);
                out!("{}", p.disasm());
            }
            _ => {}
        }
    }
}

fn run_compile(args: &PolicyArgs, output: Option<PathBuf>, dump: Option<Dump>) -> Result<(), Failure> {
    let checked = driver::check(&args.policy, &args.consts, args.target_kernel.as_deref())?;
    if dump == Some(Dump::Hir) {
        out!("{}", rsteer_lang::pretty::program(&checked.program));
    }
    let compiled = driver::compile(&checked)?;
    print_dump(&compiled, dump);
    let out = output.unwrap_or_else(|| args.policy.with_extension("o"));
    std::fs::write(&out, &compiled.object).map_err(|e| Failure::Message {
        code: EXIT_SYSTEM,
        message: format!("cannot write {}: {e}", out.display()),
        hint: None,
    })?;
    let insns: usize = compiled.programs.iter().map(|p| p.insns.len()).sum();
    eprintln!(
        "wrote {} ({} program{}, {} instructions, {} bytes)",
        out.display(),
        compiled.programs.len(),
        if compiled.programs.len() == 1 { "" } else { "s" },
        insns,
        compiled.object.len()
    );
    Ok(())
}

fn run_explain(code: &str) -> Result<(), Failure> {
    let code = code.trim().to_ascii_uppercase();
    match rsteer_lang::diag::explain(&code) {
        Some(text) => {
            outln!("{code}\n\n{text}");
            Ok(())
        }
        None => Err(Failure::Message {
            code: EXIT_USAGE,
            message: format!("no such error code `{code}`"),
            hint: Some("codes look like E0001; `rsteer check` prints them".into()),
        }),
    }
}

#[allow(dead_code)]
const _CODES: (u8, u8) = (EXIT_POLICY, EXIT_SYSTEM);
