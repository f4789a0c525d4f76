//! The flag groups verbs share (`#[command(flatten)]`), and how each becomes the options
//! of the library call behind it.

use crate::report::Failure;
use rsteer::build::{BuildOptions, PolicySource};
use rsteer_loader::{Group, GroupQuery, LocalAddr, Protocol};
use std::path::{Path, PathBuf};

/// The flags of every verb that compiles a policy (`check`, `compile`, `test`, `load`).
#[derive(clap::Args, Clone, Default)]
pub struct CompileArgs {
    /// Override a `const` of the policy: `--const NAME=VALUE` (repeatable).
    #[arg(long = "const", value_name = "NAME=VALUE")]
    pub consts: Vec<String>,
    /// Refuse features the given Linux version lacks (e.g. `5.14`).
    #[arg(long, value_name = "VERSION")]
    pub target_kernel: Option<String>,
    /// Count every verdict (`compile --count`, `load --count`): set by those verbs' own flag.
    #[arg(skip)]
    pub count: bool,
    /// `-D warnings`: treat every warning as an error (exit 1).
    #[arg(short = 'D', value_name = "warnings", value_parser = ["warnings"])]
    pub deny: Vec<String>,
}

impl CompileArgs {
    /// The facade's options; a malformed flag is a usage error.
    pub fn options(&self) -> Result<BuildOptions, Failure> {
        let target_kernel = match &self.target_kernel {
            None => None,
            Some(t) => Some(t.parse::<rsteer_lang::kernel::KernelVersion>().map_err(|e| {
                Failure::usage(format!("--target-kernel: {e}"), Some("for example: --target-kernel 5.14"))
            })?),
        };
        // The checker reads each value in its constant's type; here only NAME=VALUE is split.
        let consts = self
            .consts
            .iter()
            .map(|c| {
                let (name, value) = c.split_once('=').ok_or_else(|| {
                    Failure::usage(format!("`--const {c}` is not NAME=VALUE"), Some("for example: --const WORKERS=16"))
                })?;
                Ok((name.trim().to_string(), value.trim().to_string()))
            })
            .collect::<Result<Vec<(String, String)>, Failure>>()?;
        for (i, (name, _)) in consts.iter().enumerate() {
            if consts[..i].iter().any(|(n, _)| n == name) {
                return Err(Failure::usage(
                    format!("`--const {name}=` is given more than once"),
                    Some("give each constant one value"),
                ));
            }
        }
        Ok(BuildOptions {
            consts,
            target_kernel,
            deny_warnings: !self.deny.is_empty(),
            count: self.count,
            whole_std: false,
        })
    }
}

/// A policy file and the flags that compile it (`check`, `compile`, `test`).
#[derive(clap::Args, Clone)]
pub struct PolicyArgs {
    /// The policy source file.
    pub policy: PathBuf,
    #[command(flatten)]
    pub compile: CompileArgs,
}

/// Reads a policy file for the facade; an unreadable file is a usage error.
pub fn read_policy(path: &Path) -> Result<PolicySource<'static>, Failure> {
    PolicySource::read(path).map_err(|why| Failure::usage(format!("{} {why}", path.display()), None))
}

/// The flags that pick one reuseport group among a process's sockets.
#[derive(clap::Args, Clone, Default)]
pub struct GroupFilter {
    /// The group's port; may be left out when the process has one reuseport group.
    #[arg(long, global = true)]
    pub port: Option<u16>,
    /// The group's protocol, when UDP and TCP share the port.
    #[arg(long, value_parser = ["udp", "tcp"], global = true)]
    pub proto: Option<String>,
    /// The group's local address (`0.0.0.0`, `[::]:443`), when IPv4 and IPv6 share the port.
    #[arg(long, value_name = "ADDR", global = true)]
    pub local: Option<String>,
}

impl GroupFilter {
    /// The loader's query for these flags.
    pub fn query(&self) -> Result<GroupQuery, Failure> {
        let local = self.local.as_deref().map(str::parse::<LocalAddr>).transpose()?;
        let protocol = self.proto.as_deref().and_then(|p| p.parse::<Protocol>().ok());
        Ok(GroupQuery { port: self.port, protocol, local })
    }

    /// The group these flags name among the sockets of process `pid`.
    pub fn pick(&self, pid: i32) -> Result<Group, Failure> {
        Ok(rsteer_loader::find_group(pid, &self.query()?)?)
    }
}

/// The flags that name one server's reuseport group (`detach --pid`, `map`).
#[derive(clap::Args, Clone)]
pub struct GroupArgs {
    /// The server process.
    #[arg(long)]
    pub pid: i32,
    #[command(flatten)]
    pub filter: GroupFilter,
}

impl GroupArgs {
    /// The group the flags name, taken from the running process.
    pub fn pick(&self) -> Result<Group, Failure> {
        self.filter.pick(self.pid)
    }
}

/// The flags of `load` that name the group: `--pid` may be given several times (prefork
/// workers in several processes share one table).
#[derive(clap::Args, Clone)]
pub struct ProcessesArgs {
    /// The server process; repeat for workers in several processes (their sockets are
    /// ordered by the order of the flags, then by fd).
    #[arg(long, required = true)]
    pub pid: Vec<i32>,
    #[command(flatten)]
    pub filter: GroupFilter,
}

impl ProcessesArgs {
    /// The first process's flags alone, for the verbs that take one process.
    pub fn first(&self) -> GroupArgs {
        GroupArgs { pid: self.pid[0], filter: self.filter.clone() }
    }
}
