//! `rsteer simulate`: what a policy would do with real traffic (a capture) or random traffic,
//! offline and without root. The compiled bytecode runs in the simulator; the result is the
//! distribution of verdicts per socket (`--json`: one `Distribution`), and `--trace K` shows
//! the source lines packet K went through.

use crate::args::PolicyArgs;
use crate::driver;
use crate::report::{plural, Failure, Reporter, EXIT_POLICY, EXIT_USAGE};
use rsteer_sim::capture::{self, Capture, Frame};
use rsteer_sim::harness::Budget;
use rsteer_sim::replay::{self, Replayed, Traced};
use rsteer_sim::{Delivery, Maps, Proto, SimPacket, DEFAULT_CPUS};
use rsteer_value::counts::Distribution;
use rsteer_value::Shape;
use std::path::PathBuf;

/// The flags of `rsteer simulate`.
#[derive(clap::Args, Clone)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// A capture (pcap or pcapng; Ethernet, Linux cooked, raw IP or BSD loopback) whose UDP datagrams and TCP
    /// SYNs are run through the policy.
    #[arg(long, value_name = "FILE", required_unless_present = "packets", conflicts_with = "packets")]
    pub pcap: Option<PathBuf>,
    /// Run this many random packets instead of a capture.
    #[arg(long, value_name = "N")]
    pub packets: Option<usize>,
    /// The seed of the random packets (the same seed, the same packets).
    #[arg(long, default_value_t = 1, requires = "packets")]
    pub seed: u64,
    /// The protocol of the random packets.
    #[arg(long, value_parser = ["udp", "tcp"], default_value = "udp", requires = "packets")]
    pub proto: String,
    /// Sockets in the group, put in every socket map (default: the capacity of the socket map,
    /// of the smallest when there are several).
    #[arg(long, value_name = "N")]
    pub sockets: Option<u32>,
    /// Preload a table: `--set MAP KEY VALUE`, key and value written as for `rsteer map set`
    /// (repeatable).
    #[arg(long = "set", num_args = 3, value_names = ["MAP", "KEY", "VALUE"], allow_hyphen_values = true)]
    pub set: Vec<String>,
    /// Which `#[steer]` entry to run when the policy has several.
    #[arg(long)]
    pub program: Option<String>,
    /// Show the source lines packet K went through (K counts a capture's frames from 1, as
    /// tcpdump and Wireshark do).
    #[arg(long, value_name = "K")]
    pub trace: Option<usize>,
    /// Print the distribution as one JSON object:
    /// `{"packets": N, "pass": N, "drop": N, "selected": {"MAP": [count per index]}}`.
    #[arg(long)]
    pub json: bool,
}

/// Where the packets come from.
enum Source {
    Capture { path: PathBuf, capture: Capture },
    Random { seed: u64, packets: Vec<SimPacket> },
}

impl Source {
    fn packets(&self) -> Box<dyn Iterator<Item = (usize, &SimPacket)> + '_> {
        match self {
            Source::Capture { capture, .. } => Box::new(capture.packets()),
            Source::Random { packets, .. } => Box::new(packets.iter().enumerate().map(|(i, p)| (i + 1, p))),
        }
    }

    /// The head of the result: "72 packets of FILE (78 frames)" or "1000 random packets (seed 3)".
    fn describe(&self, packets: u64) -> String {
        let s = plural(packets as usize, "", "s");
        match self {
            Source::Capture { path, capture } => {
                let n = capture.frames.len();
                format!("{packets} packet{s} of {} ({n} frame{})", path.display(), plural(n, "", "s"))
            }
            Source::Random { seed, .. } => format!("{packets} random packet{s} (seed {seed})"),
        }
    }
}

fn read_source(args: &SimulateArgs) -> Result<Source, Failure> {
    if let Some(n) = args.packets {
        let proto = if args.proto == "tcp" { Proto::Tcp } else { Proto::Udp };
        return Ok(Source::Random { seed: args.seed, packets: replay::random_packets(n, args.seed, proto) });
    }
    let path = args.pcap.clone().expect("clap requires --pcap or --packets");
    let meta =
        std::fs::metadata(&path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display()), None))?;
    if !meta.is_file() {
        return Err(Failure::usage(format!("{} is not a regular file", path.display()), Some("pass a capture file")));
    }
    let bytes =
        std::fs::read(&path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display()), None))?;
    let capture = capture::read_capture(&bytes).map_err(|e| {
        Failure::usage(
            format!("cannot read {} as a capture: {e}", path.display()),
            Some("capture with `tcpdump -w FILE` (pcap) or save as pcap or pcapng"),
        )
    })?;
    Ok(Source::Capture { path, capture })
}

/// `--set MAP KEY VALUE`: the table entries, written into the simulator's maps.
fn preload(prog: &rsteer_lang::hir::Program, maps: &mut Maps, set: &[String]) -> Result<(), Failure> {
    for triple in set.chunks(3) {
        let [map, key, value] = triple else { unreachable!("clap takes three values per --set") };
        let Some(decl) = prog.maps.iter().find(|m| &m.name == map) else {
            let names: Vec<&str> = prog.maps.iter().map(|m| m.name.as_str()).collect();
            return Err(Failure::Message {
                code: EXIT_USAGE,
                message: format!("--set: the policy has no map `{map}`"),
                hint: Some(format!("its maps: {}", names.join(", "))),
            });
        };
        if maps.map(map).is_some_and(|m| m.is_socket_map()) {
            return Err(Failure::usage(
                format!("--set: `{map}` holds sockets"),
                Some("socket maps are filled with `--sockets N` sockets"),
            ));
        }
        let read = |text: &str, shape: Shape, what: &str| {
            shape.parse(text).map(|v| shape.encode(&v)).map_err(|e| Failure::Message {
                code: EXIT_USAGE,
                message: format!("--set {map}: the {what} `{text}`: {}", e.message),
                hint: e.help,
            })
        };
        let k = read(key, Shape::map_key(prog, decl), "key")?;
        let v = read(value, Shape::of(prog, &decl.value), "value")?;
        maps.insert(map, &k, &v).map_err(|e| Failure::usage(format!("--set: {e}"), None))?;
    }
    Ok(())
}

pub fn run(report: &Reporter, args: &SimulateArgs) -> Result<(), Failure> {
    let built = driver::build_file(report, &args.policy.policy, &args.policy.compile)?;
    let programs = &built.compiled.programs;
    let names: Vec<&str> = programs.iter().map(|p| p.name.as_str()).collect();
    let prog = match &args.program {
        Some(name) => programs.iter().find(|p| &p.name == name).ok_or_else(|| Failure::Message {
            code: EXIT_USAGE,
            message: format!("the policy has no `#[steer]` entry `{name}`"),
            hint: Some(format!("its entries: {}", names.join(", "))),
        })?,
        None => match programs.as_slice() {
            [one] => one,
            [] => return Err(Failure::usage("the policy has no `#[steer]` entry to run", None)),
            _ => {
                return Err(Failure::Message {
                    code: EXIT_USAGE,
                    message: format!("the policy has {} entries: {}", programs.len(), names.join(", ")),
                    hint: Some("pick one with --program NAME".into()),
                })
            }
        },
    };
    let source = read_source(args)?;
    if let (Some(k), Source::Capture { capture, .. }) = (args.trace, &source) {
        match k.checked_sub(1).and_then(|i| capture.frames.get(i)) {
            None => {
                return Err(Failure::usage(
                    format!("--trace {k}: the capture has {} frames, numbered from 1", capture.frames.len()),
                    None,
                ))
            }
            Some(Frame::Skipped(why)) => {
                return Err(Failure::usage(format!("--trace {k}: frame {k} is not run: {}", why.describe()), None))
            }
            Some(Frame::Packet(_)) => {}
        }
    }
    let specs = rsteer_codegen::map_specs(&built.program);
    let (arrays, budget) = (Maps::preallocated_bytes(&specs, DEFAULT_CPUS), Budget::default().map_bytes);
    if arrays > budget {
        return Err(Failure::usage(
            format!(
                "the arrays of the policy's maps take {} MiB in the simulator, over its budget of {} MiB",
                arrays >> 20,
                budget >> 20
            ),
            Some("simulate with smaller arrays, for example `--const` on the constant that sizes them"),
        ));
    }
    let mut maps = Maps::new(&specs);
    let filled = replay::fill_socket_maps(&mut maps, args.sockets).map_err(|e| {
        let capacity = built.program.maps.iter().filter(|m| m.kind.is_socket_map()).map(|m| m.capacity).min();
        Failure::usage(
            format!("--sockets {}: {e}", args.sockets.unwrap_or(0)),
            capacity.map(|c| format!("the socket maps hold at most {c} sockets")).as_deref(),
        )
    })?;
    preload(&built.program, &mut maps, &args.set)?;
    let replayed =
        replay::simulate(prog, &mut maps, &filled, source.packets(), args.trace).map_err(|s| Failure::Message {
            code: EXIT_POLICY,
            message: format!("the simulator stopped `{}` on packet {}: {}", prog.name, s.packet, s.error),
            hint: Some(
                "the kernel's verifier would have refused this program: a compiler bug, please report it".into(),
            ),
        })?;
    if let Source::Capture { capture, .. } = &source {
        skipped_note(report, capture);
    }
    show(report, &source, &prog.name, &filled, &replayed);
    Ok(())
}

/// The note (on standard error) about frames that were not run.
fn skipped_note(report: &Reporter, capture: &Capture) {
    let skipped = capture.skipped();
    let total: u64 = skipped.iter().map(|(_, n)| n).sum();
    if total > 0 {
        let parts: Vec<String> = skipped.iter().map(|(why, n)| format!("{n} {}", why.describe())).collect();
        report.status(format_args!("note: skipped {total} of {} frames: {}", capture.frames.len(), parts.join(", ")));
    }
    if capture.cut_short {
        report.status("note: the capture ends inside a frame (it was cut short); the frames before it were run");
    }
}

/// Bar characters for the widest row.
const BAR_WIDTH: u64 = 40;

fn bar(n: u64, max: u64) -> String {
    if max == 0 {
        return String::new();
    }
    let eighths = (n * BAR_WIDTH * 8).div_ceil(max);
    let full = (eighths / 8) as usize;
    let part = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][(eighths % 8) as usize];
    format!("{}{part}", "█".repeat(full))
}

/// The table rows: every socket of every socket map, then passes without a selection and drops.
fn rows(d: &Distribution) -> Vec<[String; 4]> {
    let mut rows: Vec<(String, u64)> = Vec::new();
    for (map, counts) in &d.selected {
        for (i, n) in counts.iter().enumerate() {
            rows.push((format!("{map}[{i}]"), *n));
        }
    }
    rows.push(("pass".into(), d.pass));
    rows.push(("drop".into(), d.drop));
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    rows.into_iter()
        .map(|(label, n)| {
            let share = if d.packets == 0 { 0.0 } else { n as f64 * 100.0 / d.packets as f64 };
            [label, n.to_string(), format!("{share:5.1}%"), bar(n, max)]
        })
        .collect()
}

fn show(report: &Reporter, source: &Source, entry: &str, filled: &[(String, u32)], r: &Replayed) {
    let d = &r.distribution;
    if report.is_json() {
        report.line(serde_json::to_string(d).unwrap_or_default());
        if let Some(t) = &r.traced {
            show_trace(&|line| report.status(line), t);
        }
        return;
    }
    let maps: Vec<String> =
        filled.iter().map(|(name, n)| format!("{name} with {n} socket{}", plural(*n as usize, "", "s"))).collect();
    report.line(format_args!(
        "{} through `{entry}` ({})",
        source.describe(d.packets),
        if maps.is_empty() { "no socket map".to_string() } else { maps.join(", ") }
    ));
    report.table(&["verdict", "packets", "share", ""], &rows(d));
    report.line("pass: passed with no socket selected (the kernel's hash pick among the group)");
    if let Some(t) = &r.traced {
        report.line("");
        show_trace(&|line| report.line(line), t);
    }
}

/// The traced packet: what it was, the source lines it went through, where it went.
fn show_trace(out: &dyn Fn(String), t: &Traced) {
    let p = &t.packet;
    let proto = match p.protocol {
        Proto::Udp => "UDP",
        Proto::Tcp => "TCP SYN",
    };
    out(format!(
        "packet {}: {proto} {} -> {}, {} payload byte{}, cpu {}, hash {:#010x}",
        t.number,
        p.src,
        p.dst,
        p.payload.len(),
        plural(p.payload.len(), "", "s"),
        p.cpu,
        p.hash
    ));
    let width = t.steps.iter().map(|s| format!("{}:{}", s.file, s.line).len()).max().unwrap_or(0);
    for s in &t.steps {
        let at = format!("{}:{}", s.file, s.line);
        out(format!("  {at:<width$}  {}", s.text));
    }
    let to = match (t.outcome.delivery(), &t.outcome.selected) {
        (Delivery::Socket(i), Some(sel)) => format!("{}[{i}]", sel.map),
        (Delivery::Dropped, _) => "drop".into(),
        _ => "pass (no socket selected)".into(),
    };
    out(format!("  -> {to} after {} instructions", t.outcome.insns_executed));
}
