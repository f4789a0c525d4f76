//! `rsteer top [NAME]`: a live view of the loads compiled with `--count`: per socket its
//! packets per second and share (a bar), with the pid and fd behind it, and the pass and
//! drop rates; refreshed every second with plain ANSI. `--once` prints one frame (two samples
//! a second apart) and exits; `--json` prints the rates once.

use crate::lifecycle::distribution;
use crate::report::{Failure, Reporter};
use rsteer_loader::state;
use rsteer_value::counts::Distribution;
use std::time::{Duration, Instant};

/// How `top` runs.
pub struct TopOptions {
    pub once: bool,
    /// Seconds between samples.
    pub interval: f64,
}

/// One socket's line: which index of which map, who holds it, its rate.
struct Row {
    map: String,
    index: usize,
    pid: Option<i32>,
    fd: Option<i32>,
    per_s: f64,
}

/// One load's rates over one interval.
struct Rates {
    name: String,
    title: String,
    packets: f64,
    pass: f64,
    drop: f64,
    rows: Vec<Row>,
}

/// The counting loads `name` names (all of them by default): (name, first sample).
fn loads(name: Option<&str>) -> Result<Vec<(String, Distribution)>, Failure> {
    let names = match name {
        Some(n) => vec![n.to_string()],
        None => state::names(),
    };
    let mut out = Vec::new();
    for n in names {
        // A named load that does not exist is an error; one without counters is said so.
        let record = state::read_record(&n);
        if name.is_some() {
            record?;
        }
        if let Some(d) = distribution(&n) {
            out.push((n, d));
        } else if name.is_some() {
            return Err(Failure::usage(
                format!("load `{n}` has no counters"),
                Some("load the policy with `rsteer load --count` (or an object from `rsteer compile --count`)"),
            ));
        }
    }
    if out.is_empty() {
        return Err(Failure::usage(
            "no load has counters",
            Some("load a policy with `rsteer load --count`; `rsteer status` lists the loads"),
        ));
    }
    Ok(out)
}

fn rates(name: &str, before: &Distribution, after: &Distribution, secs: f64) -> Rates {
    let rate = |a: u64, b: u64| b.saturating_sub(a) as f64 / secs;
    let record = state::read_record(name).ok();
    let title = record
        .as_ref()
        .map_or_else(String::new, |r| format!("`{}` on {} {}:{}", r.program_name, r.proto, r.address, r.port));
    let mut rows = Vec::new();
    for (map, counts) in &after.selected {
        let old = before.selected.get(map);
        for (index, n) in counts.iter().enumerate() {
            let was = old.and_then(|v| v.get(index)).copied().unwrap_or(0);
            // The socket at this index: the newest generation's, as the maps hold it.
            let holder =
                record.as_ref().and_then(|r| r.current().into_iter().find(|s| s.index as usize == index).cloned());
            rows.push(Row {
                map: map.clone(),
                index,
                pid: holder.as_ref().map(|s| s.pid),
                fd: holder.as_ref().map(|s| s.fd),
                per_s: rate(was, *n),
            });
        }
    }
    Rates {
        name: name.to_string(),
        title,
        packets: rate(before.packets, after.packets),
        pass: rate(before.pass, after.pass),
        drop: rate(before.drop, after.drop),
        rows,
    }
}

fn json(r: &Rates, secs: f64) -> serde_json::Value {
    let share = |x: f64| if r.packets > 0.0 { x / r.packets } else { 0.0 };
    let sockets: Vec<serde_json::Value> = r
        .rows
        .iter()
        .map(|s| {
            serde_json::json!({
                "map": s.map, "index": s.index, "pid": s.pid, "fd": s.fd,
                "packets_per_s": s.per_s, "share": share(s.per_s),
            })
        })
        .collect();
    serde_json::json!({
        "name": r.name, "interval_s": secs, "packets_per_s": r.packets,
        "pass_per_s": r.pass, "drop_per_s": r.drop, "sockets": sockets,
    })
}

/// A bar of `width` cells for a share in 0..=1 (eighths of a cell).
fn bar(share: f64, width: usize) -> String {
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let eighths = (share.clamp(0.0, 1.0) * (width * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    s.push_str(PARTS[eighths % 8]);
    s
}

fn frame(all: &[Rates]) -> String {
    let mut out = String::new();
    for r in all {
        out.push_str(&format!("load `{}` {}: {:.0} packets/s\n", r.name, r.title, r.packets));
        out.push_str(&format!(
            "  {:<10} {:>5} {:>7} {:>4} {:>10} {:>6}\n",
            "map", "index", "pid", "fd", "packets/s", "share"
        ));
        for s in &r.rows {
            let share = if r.packets > 0.0 { s.per_s / r.packets } else { 0.0 };
            let who = |v: Option<i32>| v.map_or("-".to_string(), |x| x.to_string());
            out.push_str(&format!(
                "  {:<10} {:>5} {:>7} {:>4} {:>10.0} {:>5.1}% {}\n",
                s.map,
                s.index,
                who(s.pid),
                who(s.fd),
                s.per_s,
                share * 100.0,
                bar(share, 30)
            ));
        }
        out.push_str(&format!("  pass (no socket selected) {:.0}/s, drop {:.0}/s\n", r.pass, r.drop));
    }
    out
}

/// `rsteer top [NAME] [--once] [--json]`.
pub fn run(report: &Reporter, name: Option<&str>, options: &TopOptions) -> Result<(), Failure> {
    if !(options.interval > 0.0 && options.interval <= 3600.0) {
        return Err(Failure::usage("--interval must be between 0 and 3600 seconds", None));
    }
    let mut samples = loads(name)?;
    let mut at = Instant::now();
    loop {
        std::thread::sleep(Duration::from_secs_f64(options.interval));
        let now = Instant::now();
        let secs = now.duration_since(at).as_secs_f64();
        let mut all = Vec::new();
        for (n, before) in &mut samples {
            // A load detached meanwhile keeps its last sample.
            let after = distribution(n).unwrap_or_else(|| before.clone());
            all.push(rates(n, before, &after, secs));
            *before = after;
        }
        at = now;
        if report.is_json() {
            let v: Vec<serde_json::Value> = all.iter().map(|r| json(r, secs)).collect();
            report.json(&serde_json::Value::Array(v));
            return Ok(());
        }
        if options.once {
            report.text(frame(&all));
            return Ok(());
        }
        // Clear the screen and draw the frame at the top.
        report.text(format_args!("\x1b[2J\x1b[H{}(every {}s; Ctrl-C quits)\n", frame(&all), options.interval));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_with_the_share() {
        assert_eq!(bar(0.0, 10), "");
        assert_eq!(bar(1.0, 10), "█".repeat(10));
        assert_eq!(bar(0.5, 4), "██");
        assert_eq!(bar(0.0625, 2), "▏");
    }
}
