//! The verbs of a server's life under a named load: `load` (named), `join`, `replace`,
//! `status`, `detach` (by name or by pid) and `doctor`. The work is in
//! `rsteer_loader::lifecycle`; this file reads flags, checks privileges and prints.

use crate::args::{CompileArgs, GroupArgs, GroupFilter, ProcessesArgs};
use crate::driver::{self, LoadTarget};
use crate::report::{Failure, Reporter, EXIT_SYSTEM};
use rsteer_loader::{
    doctor,
    lifecycle::{self, Detached, Origin, Status},
    LoadOptions,
};
use rsteer_value::counts::Distribution;
use std::path::Path;

/// `detach NAME`, or `detach --pid PID [--port N]` as before.
#[derive(clap::Args, Clone)]
pub struct DetachArgs {
    /// The named load to detach (see `rsteer status`).
    #[arg(required_unless_present = "pid", conflicts_with = "pid")]
    pub name: Option<String>,
    /// The server process (detach its group's program, whatever loaded it).
    #[arg(long)]
    pub pid: Option<i32>,
    /// With `--pid`: which of its groups.
    #[command(flatten)]
    pub filter: GroupFilter,
}

/// Everything `load` takes.
pub struct LoadRequest<'a> {
    pub input: &'a Path,
    pub group: &'a ProcessesArgs,
    pub name: Option<String>,
    pub map: Option<String>,
    pub program: Option<String>,
    pub replace: bool,
    pub compile: &'a CompileArgs,
}

/// Refuses a verb that changes the kernel when this process lacks the capabilities, before
/// anything is done, naming what is missing.
pub fn require_privilege(verb: &str) -> Result<(), Failure> {
    let mut missing = Vec::new();
    if !doctor::has_cap(doctor::CAP_BPF) && !doctor::has_cap(doctor::CAP_SYS_ADMIN) {
        missing.push("CAP_BPF");
    }
    if !doctor::has_cap(doctor::CAP_NET_ADMIN) {
        missing.push("CAP_NET_ADMIN");
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Failure::Message {
        code: EXIT_SYSTEM,
        message: format!("`rsteer {verb}` needs CAP_BPF and CAP_NET_ADMIN; this process lacks {}", missing.join(" and ")),
        hint: Some(
            "run it as root, or grant the capabilities (setcap cap_bpf,cap_net_admin,cap_sys_ptrace+ep); `rsteer doctor` shows what is missing"
                .into(),
        ),
    })
}

fn object_of(report: &Reporter, input: &Path, compile: &CompileArgs) -> Result<(Vec<u8>, Option<String>), Failure> {
    let object = driver::read_object(report, input, compile)?;
    // The record keeps the source's hash; an object has no source.
    let source = if input.extension().is_some_and(|e| e == "o") { None } else { std::fs::read_to_string(input).ok() };
    Ok((object, source))
}

/// The policy's path as the record keeps it: absolute, so that `status` names it from anywhere.
fn absolute(p: &Path) -> String {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()).display().to_string()
}

/// Tests stretch the time between taking the sockets and loading, to make a target exit
/// during a load on purpose.
fn test_pause() {
    if let Some(ms) = std::env::var("RSTEER_TEST_PAUSE_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// `rsteer load`: a named load (the default name is the policy's stem and the port).
pub fn run_load(report: &Reporter, req: LoadRequest<'_>) -> Result<(), Failure> {
    if req.replace {
        // `load --replace` is `replace NAME` when the group's program has a name; a program
        // loaded by other means is replaced as before.
        require_privilege("load")?;
        let group = req.group.first().pick()?;
        if let Some(name) = lifecycle::name_of_group(&group) {
            return run_replace(report, &name, req.input, req.compile, &[], req.program);
        }
        let target = LoadTarget { map: req.map, program: req.program, replace: true };
        return driver::load(report, req.input, &req.group.first(), target, req.compile);
    }
    require_privilege("load")?;
    let (object, source) = object_of(report, req.input, req.compile)?;
    let group = req.group.first().pick()?;
    let group = lifecycle::extend_group(group, &req.group.pid[1..])?;
    let name = req.name.unwrap_or_else(|| lifecycle::default_name(req.input, group.local.port()));
    test_pause();
    let options = LoadOptions { program: req.program, map: req.map, replace: false };
    let origin = Origin { policy: Some(absolute(req.input)), source };
    let (loaded, record) =
        lifecycle::load_named(&object, &group, &options, &name, &origin).map_err(driver::object_failure(req.input))?;
    driver::show_loaded(report, &loaded, &group, &record.pids, false, Some(&name));
    Ok(())
}

/// `rsteer join NAME --pid PID...`.
pub fn run_join(report: &Reporter, name: &str, pids: &[i32]) -> Result<(), Failure> {
    require_privilege("join")?;
    let record = rsteer_loader::state::read_record(name)?;
    let local = record.local()?;
    let group = lifecycle::collect_group(name, record.proto, local, pids)?;
    test_pause();
    let record = lifecycle::join_group(name, &group)?;
    let status = lifecycle::status(name)?;
    if report.is_json() {
        report.json(&status_json(&status));
        return Ok(());
    }
    let current = record.current();
    let who: Vec<String> = pids.iter().map(i32::to_string).collect();
    report.line(format_args!(
        "joined pid {} to load `{name}`: generation {} has {} socket{}; the socket maps were updated in place",
        who.join(", "),
        record.generation,
        current.len(),
        if current.len() == 1 { "" } else { "s" }
    ));
    print_sockets(report, &status);
    Ok(())
}

/// `rsteer replace NAME POLICY`.
pub fn run_replace(
    report: &Reporter,
    name: &str,
    policy: &Path,
    compile: &CompileArgs,
    fresh: &[String],
    program: Option<String>,
) -> Result<(), Failure> {
    require_privilege("replace")?;
    let (object, source) = object_of(report, policy, compile)?;
    let origin = Origin { policy: Some(absolute(policy)), source };
    let r = lifecycle::replace(name, &object, fresh, program.as_deref(), &origin)
        .map_err(driver::object_failure(policy))?;
    if report.is_json() {
        let out = serde_json::json!({
            "name": name, "program": r.record.program_name, "program_id": r.record.program_id,
            "kept": r.kept, "fresh": r.fresh, "filled": r.filled, "dropped": r.dropped,
        });
        report.json(&out);
        return Ok(());
    }
    report.line(format_args!(
        "swapped in `{}` (prog id {}) for load `{name}` on {} {}:{}",
        r.record.program_name, r.record.program_id, r.record.proto, r.record.address, r.record.port
    ));
    let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
    report.line(format_args!("  kept (live, same name and shape): {}", list(&r.kept)));
    report.line(format_args!("  new, filled with the current sockets: {}", list(&r.filled)));
    report.line(format_args!("  new, empty: {}", list(&r.fresh)));
    if !r.dropped.is_empty() {
        report.line(format_args!("  dropped (not in the new policy): {}", list(&r.dropped)));
    }
    Ok(())
}

fn ago(t: u64) -> String {
    let d = rsteer_loader::state::now().saturating_sub(t);
    match d {
        0..=119 => format!("{d}s ago"),
        120..=7199 => format!("{}m ago", d / 60),
        7200..=172_799 => format!("{}h ago", d / 3600),
        _ => format!("{}d ago", d / 86400),
    }
}

/// The verdict counts of a load compiled with `--count`, in the shape `simulate --json`
/// predicts; `None` for a load without counters (or whose counters cannot be read).
pub fn distribution(name: &str) -> Option<Distribution> {
    let counts = rsteer_loader::counts::of_load(name).map_err(|e| log::debug!("counts of `{name}`: {e}")).ok()??;
    Some(Distribution {
        packets: counts.packets(),
        pass: counts.pass,
        drop: counts.drop,
        selected: counts.selected.into_iter().collect(),
    })
}

/// The documented, stable JSON of one load (see the book's "Operating in production").
fn status_json(s: &Status) -> serde_json::Value {
    let r = &s.record;
    let sockets: Vec<serde_json::Value> = s
        .sockets
        .iter()
        .map(|x| {
            serde_json::json!({
                "index": x.socket.index, "pid": x.socket.pid, "fd": x.socket.fd, "cookie": x.socket.cookie,
                "alive": x.alive, "generation": x.socket.generation, "maps": x.maps,
            })
        })
        .collect();
    let maps: Vec<serde_json::Value> = r
        .maps
        .iter()
        .map(|m| {
            serde_json::json!({
                "name": m.name, "kind": m.kind, "key_size": m.key_size,
                "value_size": m.value_size, "max_entries": m.max_entries,
            })
        })
        .collect();
    serde_json::json!({
        "name": r.name, "state": if s.gone { "gone" } else { "live" },
        "program_id": r.program_id, "program": r.program_name, "tag": s.tag,
        "policy": r.policy, "policy_hash": r.policy_hash, "object_hash": r.object_hash,
        "proto": r.proto.to_string(), "address": r.address, "port": r.port,
        "pids": r.pids, "socket_map": r.socket_map, "generation": r.generation,
        "loaded_at": r.loaded_at, "joined_at": r.joined_at, "replaced_at": r.replaced_at,
        "maps": maps, "sockets": sockets,
        "counts": distribution(&r.name),
    })
}

fn print_sockets(report: &Reporter, s: &Status) {
    let rows: Vec<[String; 7]> = s
        .sockets
        .iter()
        .map(|x| {
            [
                x.socket.index.to_string(),
                x.socket.pid.to_string(),
                x.socket.fd.to_string(),
                x.socket.cookie.to_string(),
                x.socket.generation.to_string(),
                if x.alive { "alive".into() } else { "gone".into() },
                if x.maps.is_empty() { "-".into() } else { x.maps.join(",") },
            ]
        })
        .collect();
    report.table(&["index", "pid", "fd", "cookie", "gen", "state", "maps"], &rows);
}

/// `rsteer status [NAME] [--json]`.
pub fn run_status(report: &Reporter, name: Option<&str>) -> Result<(), Failure> {
    let names = match name {
        Some(n) => vec![n.to_string()],
        None => rsteer_loader::state::names(),
    };
    let mut out = Vec::new();
    for n in &names {
        match lifecycle::status(n) {
            Ok(s) => out.push(Ok(s)),
            Err(e) if name.is_some() => return Err(Failure::from(e)),
            Err(e) => out.push(Err((n.clone(), e))),
        }
    }
    if report.is_json() {
        let v: Vec<serde_json::Value> = out
            .iter()
            .map(|s| match s {
                Ok(s) => status_json(s),
                Err((n, e)) => serde_json::json!({ "name": n, "state": "damaged", "error": e.to_string() }),
            })
            .collect();
        report.json(&serde_json::Value::Array(v));
        return Ok(());
    }
    if out.is_empty() {
        report.line(format_args!("no named loads (under {})", rsteer_loader::state::STATE_ROOT));
        return Ok(());
    }
    for (i, s) in out.iter().enumerate() {
        if i > 0 {
            report.line("");
        }
        match s {
            Err((n, e)) => report.line(format_args!("{n}: {e}")),
            Ok(s) => {
                let r = &s.record;
                report.line(format_args!(
                    "{}: {} — prog id {} `{}`{} on {} {}:{}",
                    r.name,
                    if s.gone { "gone (no socket of the group is open)" } else { "live" },
                    r.program_id,
                    r.program_name,
                    s.tag.as_ref().map(|t| format!(" (tag {t})")).unwrap_or_default(),
                    r.proto,
                    r.address,
                    r.port
                ));
                let mut when = format!("loaded {}", ago(r.loaded_at));
                if let Some(j) = r.joined_at {
                    when.push_str(&format!(", joined {}", ago(j)));
                }
                if let Some(j) = r.replaced_at {
                    when.push_str(&format!(", replaced {}", ago(j)));
                }
                report.line(format_args!(
                    "  policy {}; {when}; generation {}",
                    r.policy.as_deref().unwrap_or("-"),
                    r.generation
                ));
                print_sockets(report, s);
                if let Some(d) = distribution(&r.name) {
                    let per_map: Vec<String> = d
                        .selected
                        .iter()
                        .map(|(m, v)| format!("{m} {}", v.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")))
                        .collect();
                    report.line(format_args!(
                        "  counts: {} packets; pass {}, drop {}; {}",
                        d.packets,
                        d.pass,
                        d.drop,
                        per_map.join("; ")
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `rsteer detach NAME` or `rsteer detach --pid PID`.
pub fn run_detach(report: &Reporter, args: &DetachArgs) -> Result<(), Failure> {
    require_privilege("detach")?;
    if let Some(name) = &args.name {
        let f = &args.filter;
        if f.port.is_some() || f.proto.is_some() || f.local.is_some() {
            return Err(Failure::usage(
                "`--port`, `--proto` and `--local` pick a group of `--pid`; a named load knows its group",
                Some("use `rsteer detach NAME` alone, or `rsteer detach --pid PID --port N`"),
            ));
        }
        let outcome = lifecycle::detach_named(name)?;
        match outcome {
            Detached::Detached => report.line(format_args!("detached load `{name}` and removed its state")),
            Detached::GroupGone => {
                report.line(format_args!("the group of load `{name}` had gone (no socket open); removed its state"))
            }
            Detached::NothingAttached => report
                .line(format_args!("the group of load `{name}` had no program attached any more; removed its state")),
        }
        return Ok(());
    }
    let group = GroupArgs { pid: args.pid.expect("clap requires --pid without a name"), filter: args.filter.clone() };
    let picked = group.pick()?;
    let named = lifecycle::name_of_group(&picked);
    driver::detach(report, &group)?;
    if let Some(name) = named {
        lifecycle::forget(&name)?;
        report.line(format_args!("removed the state of load `{name}`"));
    }
    Ok(())
}

/// `rsteer doctor [--json]`.
pub fn run_doctor(report: &Reporter) -> Result<(), Failure> {
    let checks = doctor::run();
    let ok = checks.iter().all(|c| c.ok);
    if report.is_json() {
        report.json(&serde_json::json!({ "ok": ok, "checks": checks }));
        return Ok(());
    }
    for c in &checks {
        report.line(format_args!("{} {:<18} {}", if c.ok { "ok  " } else { "FAIL" }, c.name, c.detail));
        if let Some(f) = &c.fix {
            report.line(format_args!("     {:<18} fix: {f}", ""));
        }
    }
    report.line(format_args!(
        "{}",
        if ok { "everything rsteer needs is here" } else { "some checks failed: see the fixes above" }
    ));
    Ok(())
}
