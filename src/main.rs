//! The `rsteer` command line: verbs, flags and exit codes.
//!
//! Compiling goes through the library's facade (`rsteer::build`), loading through
//! `rsteer_loader`; this binary reads flags, calls them and prints through one
//! [`report::Reporter`] made here from the verb's `--json`.
#![deny(unsafe_op_in_unsafe_fn)]

mod args;
mod demo;
mod disasm;
mod driver;
mod lifecycle;
mod mapcmd;
mod report;
mod simulate;
mod top;

use args::{CompileArgs, PolicyArgs};
use clap::{Parser, Subcommand};
use driver::Dump;
use report::{Format, Reporter};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "rsteer", version, about = "Compile, test and load SO_REUSEPORT steering policies", long_about = None)]
struct Cli {
    /// Show more: the kernel's verifier log behind a rejection.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum MapAction {
    /// The program's maps, their kinds, key and value types and how many entries they hold.
    List,
    /// Every entry of a map.
    Dump { map: String },
    // Keys and values may be negative (`-1`, `-0x1`): a key or value may start with `-`, so
    // flags go before the subcommand or after the last key or value.
    /// One entry.
    Get {
        map: String,
        #[arg(allow_hyphen_values = true)]
        key: String,
    },
    /// Write an entry: integers in any base (negative where signed), `true`/`false`, `[a,b]` and
    /// `b"..."` for arrays, `field=value,...` naming every field for structs (or only some,
    /// with --update), `hex:...`, or JSON as `--json` prints it; one argument is a whole JSON
    /// entry (`{"key": K, "value": V}`, what `get --json` prints).
    Set {
        map: String,
        #[arg(allow_hyphen_values = true)]
        key: String,
        #[arg(allow_hyphen_values = true)]
        value: Option<String>,
    },
    /// Delete an entry (of a hash map: array entries always exist; socket maps are read-only).
    Delete {
        map: String,
        #[arg(allow_hyphen_values = true)]
        key: String,
    },
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
        /// Count every verdict per socket in a per-CPU map (`rsteer status` and `rsteer top` read it).
        #[arg(long)]
        count: bool,
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
    /// Run a capture's packets (or random ones) through a policy offline: the distribution of
    /// its verdicts per socket, and the source lines one packet went through.
    Simulate {
        #[command(flatten)]
        args: simulate::SimulateArgs,
    },
    /// Load a policy (or a compiled object) onto a running server's reuseport sockets, as a
    /// named load pinned under /sys/fs/bpf/rsteer/NAME/.
    Load {
        /// A policy `.rs` file (compiled first) or a compiled `.o` object.
        input: PathBuf,
        #[command(flatten)]
        group: args::ProcessesArgs,
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
        /// Compile the policy with verdict counters (`rsteer status` and `rsteer top` read them).
        #[arg(long)]
        count: bool,
        #[command(flatten)]
        compile: CompileArgs,
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
    /// A live view of the loads compiled with `--count`: per socket its packets per second and
    /// share, with pid and fd; pass and drop rates; refreshed every second.
    Top {
        /// One load (default: every load with counters).
        name: Option<String>,
        /// Print one frame (two samples an interval apart) and exit.
        #[arg(long)]
        once: bool,
        /// Seconds between samples.
        #[arg(long, default_value_t = 1.0)]
        interval: f64,
        /// Print the rates once as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check what this machine offers: kernel, bpffs, capabilities, ptrace scope, JIT, features.
    Doctor {
        /// Print the checks as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read and write the maps of a named load (`rsteer map NAME list`) or of the program
    /// attached to a server's reuseport group (`rsteer map --pid PID list`), in the types the
    /// live maps carry in their BTF.
    #[command(args_conflicts_with_subcommands = false, subcommand_precedence_over_arg = true)]
    Map {
        /// The named load (see `rsteer status`); or give --pid.
        name: Option<String>,
        /// The server process whose group's attached program to use.
        #[arg(long, global = true)]
        pid: Option<i32>,
        #[command(flatten)]
        filter: args::GroupFilter,
        /// Read keys and values in this policy's types instead of the live map's BTF (refused
        /// when they do not fit the live map).
        #[arg(long, global = true)]
        policy: Option<PathBuf>,
        /// Print every `u32` as an IPv4 address and every `[u8; 16]` as an IPv6 address
        /// (an `LpmTrie`'s keys always are).
        #[arg(long, global = true)]
        addr: bool,
        /// With `set`: merge the fields given into the current value.
        #[arg(long, global = true)]
        update: bool,
        /// Print the result as JSON.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: MapAction,
    },
    /// List a process's reuseport groups and their sockets, and which processes poll each.
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
    /// Disassemble a BPF object (rsteer's or clang's), source lines interleaved from its line info.
    Disasm {
        /// The object.
        object: PathBuf,
        /// Print each program's instructions and their source lines as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Explain a diagnostic code with a wrong and a fixed example (`rsteer explain E0001`);
    /// `--list` lists every code.
    Explain {
        #[arg(required_unless_present = "list")]
        code: Option<String>,
        /// List every code with its one-line summary.
        #[arg(long, conflicts_with = "code")]
        list: bool,
    },
}

impl Command {
    /// The form of the verb's result: JSON when its `--json` flag is given.
    fn format(&self) -> Format {
        let json = match self {
            Command::Simulate { args } => args.json,
            Command::Check { json, .. }
            | Command::Test { json, .. }
            | Command::Load { json, .. }
            | Command::Map { json, .. }
            | Command::Join { json, .. }
            | Command::Replace { json, .. }
            | Command::Status { json, .. }
            | Command::Top { json, .. }
            | Command::Disasm { json, .. }
            | Command::Doctor { json }
            | Command::Sockets { json, .. } => *json,
            Command::Compile { .. } | Command::Detach { .. } | Command::Demo { .. } | Command::Explain { .. } => false,
        };
        if json {
            Format::Json
        } else {
            Format::Human
        }
    }

    fn run(self, report: &Reporter) -> Result<(), report::Failure> {
        match self {
            Command::Check { policy, dump, .. } => driver::check(report, &policy, dump),
            Command::Compile { mut policy, output, dump, count } => {
                policy.compile.count = count;
                driver::compile(report, &policy, output, dump)
            }
            Command::Test { policy, filter, .. } => driver::test(report, &policy, filter.as_deref()),
            Command::Simulate { args } => simulate::run(report, &args),
            Command::Load { input, group, name, map, program, replace, count, mut compile, .. } => {
                compile.count = count;
                lifecycle::run_load(
                    report,
                    lifecycle::LoadRequest {
                        input: &input,
                        group: &group,
                        name,
                        map,
                        program,
                        replace,
                        compile: &compile,
                    },
                )
            }
            Command::Detach { args } => lifecycle::run_detach(report, &args),
            Command::Join { name, pid, .. } => lifecycle::run_join(report, &name, &pid),
            Command::Replace { name, policy, fresh, program, .. } => {
                lifecycle::run_replace(report, &name, &policy.policy, &policy.compile, &fresh, program)
            }
            Command::Status { name, .. } => lifecycle::run_status(report, name.as_deref()),
            Command::Doctor { .. } => lifecycle::run_doctor(report),
            Command::Top { name, once, interval, .. } => {
                top::run(report, name.as_deref(), &top::TopOptions { once, interval })
            }
            Command::Sockets { pid, .. } => driver::sockets(report, pid),
            Command::Map { name, pid, filter, policy, addr, update, action, .. } => {
                let action = match action {
                    MapAction::List => mapcmd::Action::List,
                    MapAction::Dump { map } => mapcmd::Action::Dump(map),
                    MapAction::Get { map, key } => mapcmd::Action::Get(map, key),
                    MapAction::Set { map, key, value } => mapcmd::Action::Set(map, key, value),
                    MapAction::Delete { map, key } => mapcmd::Action::Delete(map, key),
                };
                let target = mapcmd::Target { name: name.as_deref(), pid, filter: &filter };
                mapcmd::run(report, target, mapcmd::Options { policy: policy.as_deref(), update, addr }, action)
            }
            Command::Demo { count } => demo::run(report, count),
            Command::Disasm { object, .. } => disasm::run(report, &object),
            Command::Explain { code, list } => driver::explain(report, code.as_deref(), list),
        }
    }
}

fn main() -> ExitCode {
    // Everything runs on a stack of known size, so that no answer depends on `ulimit -s`
    // (the compiler's passes recurse over the syntax tree, whose depth the parser bounds):
    // the main thread's, when it can grow that far, else a thread's made for it.
    if main_stack_can_grow() {
        ExitCode::from(rsteer_lang::stack::on_known_stack(run))
    } else {
        ExitCode::from(rsteer_lang::stack::with_stack(run))
    }
}

/// Whether the main thread's stack can grow to at least half of the compiler's stack
/// (`rsteer_lang::stack::STACK_BYTES`): its soft limit is raised to that size when the hard
/// limit allows it (`ulimit -s 1024` sets both, and then a thread is made), and glibc says
/// how far the stack can grow (the limit, and the mapping below it).
fn main_stack_can_grow() -> bool {
    let want = rsteer_lang::stack::STACK_BYTES;
    // SAFETY: plain libc calls on locals: getrlimit/setrlimit of this process, and
    // pthread_getattr_np on the calling thread into an attribute destroyed after its read.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_STACK, &mut limit) != 0 {
            return false;
        }
        let below = |n: libc::rlim_t| n != libc::RLIM_INFINITY && n < want as libc::rlim_t;
        if below(limit.rlim_cur) {
            if below(limit.rlim_max) {
                return false;
            }
            limit.rlim_cur = want as libc::rlim_t;
            if libc::setrlimit(libc::RLIMIT_STACK, &limit) != 0 {
                return false;
            }
        }
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return false;
        }
        let (mut addr, mut size) = (std::ptr::null_mut(), 0usize);
        let read = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        read && size >= want / 2
    }
}

fn run() -> u8 {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).format_timestamp(None).init();
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match plain_compile(&args) {
        Some(cli) => cli,
        None => Cli::parse_from(args),
    };
    let command = cli.command;
    let report = Reporter::new(command.format()).verbose(cli.verbose);
    match command.run(&report) {
        Ok(()) => 0,
        Err(failure) => report.failure(failure),
    }
}

/// `rsteer compile POLICY`, with `-o OUT` or `--output OUT` before or after the policy: the
/// form builds and benchmarks run most, read without clap, whose tree of every verb and
/// flag costs a small compile a fifth of its instructions. Any other form (another flag,
/// `--`, a value that starts with `-`) goes to clap, which reads these forms alike
/// (`tests::plain_compiles_are_read_as_clap_reads_them`).
fn plain_compile(args: &[OsString]) -> Option<Cli> {
    let plain = |a: &OsString| !a.is_empty() && !a.as_encoded_bytes().starts_with(b"-");
    let out_flag = |o: &OsString| o == "-o" || o == "--output";
    let (policy, output) = match args {
        [_, verb, policy] if verb == "compile" && plain(policy) => (policy, None),
        [_, verb, policy, o, out] if verb == "compile" && plain(policy) && out_flag(o) && plain(out) => {
            (policy, Some(out))
        }
        [_, verb, o, out, policy] if verb == "compile" && plain(policy) && out_flag(o) && plain(out) => {
            (policy, Some(out))
        }
        _ => return None,
    };
    Some(Cli {
        verbose: false,
        command: Command::Compile {
            policy: PolicyArgs { policy: PathBuf::from(policy), compile: CompileArgs::default() },
            output: output.map(PathBuf::from),
            dump: None,
            count: false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a `compile` command line says, to compare the two readings.
    fn said(cli: Cli) -> Option<String> {
        match cli.command {
            Command::Compile { policy, output, dump, count } => Some(format!(
                "verbose={} policy={:?} output={output:?} dump={} count={count} consts={:?} target={:?} deny={:?} counted={}",
                cli.verbose,
                policy.policy,
                dump.is_some(),
                policy.compile.consts,
                policy.compile.target_kernel,
                policy.compile.deny,
                policy.compile.count,
            )),
            _ => None,
        }
    }

    #[test]
    fn plain_compiles_are_read_as_clap_reads_them() {
        let lines: &[&[&str]] = &[
            &["compile", "p.rs"],
            &["compile", "p.rs", "-o", "p.o"],
            &["compile", "p.rs", "--output", "dir/p.o"],
            &["compile", "-o", "p.o", "p.rs"],
            &["compile", "--output", "p.o", "/abs/p.rs"],
            &["compile", "p.rs", "-o", "=x"],
        ];
        for line in lines {
            let args: Vec<OsString> =
                std::iter::once("rsteer").chain(line.iter().copied()).map(OsString::from).collect();
            let quick = plain_compile(&args).and_then(said);
            let clap = Cli::try_parse_from(&args).ok().and_then(said);
            assert!(quick.is_some(), "{line:?}");
            assert_eq!(quick, clap, "{line:?}");
        }
        // Everything else is left to clap.
        let others: &[&[&str]] = &[
            &["compile"],
            &["compile", "p.rs", "--count"],
            &["compile", "p.rs", "-o"],
            &["compile", "p.rs", "-o", "-x"],
            &["compile", "-v", "p.rs"],
            &["compile", "--", "p.rs"],
            &["compile", "p.rs", "-D", "warnings"],
            &["compile", "p.rs", "-op.o"],
            &["compile", "p.rs", "--output=p.o"],
            &["check", "p.rs"],
            &["compile", "p.rs", "q.rs"],
            &["compile", ""],
        ];
        for line in others {
            let args: Vec<OsString> =
                std::iter::once("rsteer").chain(line.iter().copied()).map(OsString::from).collect();
            assert!(plain_compile(&args).is_none(), "{line:?}");
        }
    }
}
