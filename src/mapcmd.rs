//! `rsteer map`: read and write the maps of a named load (`rsteer map NAME ...`) or of the
//! program attached to a running server's reuseport group (`--pid`). Keys and values are
//! read and printed in the types the live map carries in its BTF (integers, bools, structs,
//! arrays), so no policy is needed; `--policy` overrides them, and is refused when its types
//! do not fit the live map's sizes. Without BTF, as unsigned integers (sizes 1, 2, 4, 8) or
//! hex bytes.

use crate::args::{CompileArgs, GroupFilter};
use crate::driver;
use crate::report::{Failure, Reporter, EXIT_SYSTEM, EXIT_USAGE};
use rsteer_lang::hir::Program;
use rsteer_loader::{AttachedMap, AttachedProgram};
use rsteer_value::{Shape, Value, ValueError};
use std::path::Path;

/// What `rsteer map` does.
pub enum Action {
    List,
    Dump(String),
    Get(String, String),
    /// Map, key, value; with no value the key is a JSON entry (`{"key": K, "value": V}`, what
    /// `get --json` prints).
    Set(String, String, Option<String>),
    Delete(String, String),
}

/// Whose maps: a named load, or the program attached to a process's group.
pub struct Target<'a> {
    pub name: Option<&'a str>,
    pub pid: Option<i32>,
    pub filter: &'a GroupFilter,
}

/// How values are read and written.
pub struct Options<'a> {
    pub policy: Option<&'a Path>,
    /// `set` merges the fields it names into the current value.
    pub update: bool,
    /// Every `u32` and `[u8; 16]` printed and read as an address (`--addr`).
    pub addr: bool,
}

/// The policy's name for the kind of map the kernel reports as type `t`.
fn type_name(t: u32) -> &'static str {
    rsteer_bpf::MapType::from_u32(t).and_then(rsteer_codegen::abi::map_kind).map_or("other", |k| k.name())
}

fn usage(message: String, hint: Option<String>) -> Failure {
    Failure::Message { code: EXIT_USAGE, message, hint }
}

/// Where the key and value types of a map came from, for `list`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Typed {
    Btf,
    Policy,
    Sizes,
}

impl Typed {
    fn word(self) -> &'static str {
        match self {
            Typed::Btf => "btf",
            Typed::Policy => "policy",
            Typed::Sizes => "sizes",
        }
    }
}

/// The key and value shapes of `map` (see [`declared_shapes`]), every `u32` and `[u8; 16]` an
/// address with `addr`.
fn shapes(map: &AttachedMap, prog: Option<&Program>, addr: bool) -> Result<(Shape, Shape, Typed), Failure> {
    let (k, v, typed) = declared_shapes(map, prog)?;
    Ok(if addr { (k.addresses(), v.addresses(), typed) } else { (k, v, typed) })
}

/// The key and value shapes of `map`: from `--policy` when given (refused when they do not
/// fit the live map), else from the live map's BTF, else from the sizes. An LPM trie's key
/// is a prefix (`10.1.0.0/16`) whichever way it is typed.
fn declared_shapes(map: &AttachedMap, prog: Option<&Program>) -> Result<(Shape, Shape, Typed), Failure> {
    let socket_value = |s: Shape| if map.is_socket_map() { Shape::untyped(map.value_size) } else { s };
    if let Some(p) = prog {
        // The kernel keeps 15 characters of a name.
        let decl = p.maps.iter().find(|m| m.name == map.name || m.name.starts_with(&map.name) && map.name.len() == 15);
        let Some(decl) = decl else {
            let names: Vec<&str> = p.maps.iter().map(|m| m.name.as_str()).collect();
            return Err(usage(
                format!("--policy does not declare the live map `{}`", map.name),
                Some(format!(
                    "the policy's maps: {}; leave --policy out to use the live map's own types",
                    names.join(", ")
                )),
            ));
        };
        let key = Shape::map_key(p, decl);
        let value = socket_value(Shape::of(p, &decl.value));
        let mismatch = |what: &str, policy: &Shape, live: u32| {
            usage(
                format!(
                    "--policy disagrees with the live map `{}`: its {what} is `{}` ({} bytes) in the policy, {live} bytes in the kernel",
                    map.name,
                    policy.name(),
                    policy.size()
                ),
                Some("use the policy the load came from, or leave --policy out to use the live map's own types".into()),
            )
        };
        if key.size() != map.key_size {
            return Err(mismatch("key", &key, map.key_size));
        }
        if value.size() != map.value_size {
            return Err(mismatch("value", &value, map.value_size));
        }
        return Ok((key, value, Typed::Policy));
    }
    let lpm = map.map_type == rsteer_bpf::MapType::LpmTrie.number();
    if let Some(t) = &map.types {
        let key = if lpm {
            Some(Shape::untyped_prefix_key(map.key_size))
        } else {
            Shape::from_btf(&t.btf, t.key).filter(|s| s.size() == map.key_size)
        };
        let value = Shape::from_btf(&t.btf, t.value).filter(|s| s.size() == map.value_size);
        if let (Some(key), Some(value)) = (key, value) {
            return Ok((key, socket_value(value), Typed::Btf));
        }
    }
    let key = if lpm { Shape::untyped_prefix_key(map.key_size) } else { Shape::untyped(map.key_size) };
    Ok((key, Shape::untyped(map.value_size), Typed::Sizes))
}

fn value_error(e: ValueError) -> Failure {
    Failure::Message { code: EXIT_USAGE, message: e.message, hint: e.help }
}

/// A value written on the command line: JSON (what `--json` prints: numbers, objects,
/// arrays) or the text forms; over `base` when merging.
fn parse_value(text: &str, shape: &Shape, base: Option<&Value>) -> Result<Value, Failure> {
    let json = serde_json::from_str::<serde_json::Value>(text).ok().filter(|j| !j.is_string());
    let v = match (json, base) {
        (Some(j), Some(b)) => shape.from_json_over(&j, b),
        (Some(j), None) => shape.from_json(&j),
        (None, Some(b)) => shape.parse_over(text, b),
        (None, None) => shape.parse(text),
    };
    v.map_err(value_error)
}

/// A key written on the command line, as bytes of the map's key size; an index past an
/// array's end is refused in words, naming the index as written.
fn read_key(text: &str, map: &AttachedMap, shape: &Shape) -> Result<Vec<u8>, Failure> {
    let value = parse_value(text, shape, None)?;
    let mut bytes = shape.encode(&value);
    bytes.resize(map.key_size as usize, 0);
    if map.is_indexed() && value.as_i128().is_some_and(|i| i >= i128::from(map.max_entries)) {
        return Err(map.out_of_range(text.to_string()).into());
    }
    Ok(bytes)
}

/// Each CPU's copy of a value (one copy for a map that is not per-CPU), and for a per-CPU
/// integer the sum of the copies (what a per-CPU counter counts).
fn copies(map: &AttachedMap, raw: &[u8], shape: &Shape) -> (Vec<Value>, Option<i128>) {
    let copies: Vec<Value> = map.copies(raw).iter().map(|c| shape.decode(c)).collect();
    let sum: Option<i128> = copies.iter().map(Value::as_i128).sum();
    let per_cpu = copies.len() > 1;
    (copies, sum.filter(|_| per_cpu))
}

/// The value as printed: one copy, or the sum and each CPU's copy for a per-CPU counter.
fn show_value(map: &AttachedMap, raw: &[u8], shape: &Shape) -> String {
    let (copies, sum) = copies(map, raw, shape);
    let each: Vec<String> = copies.iter().map(|c| shape.print(c)).collect();
    match sum {
        _ if copies.len() == 1 => each[0].clone(),
        Some(sum) => format!("{sum} (per CPU: {})", each.join(" ")),
        None => format!("per CPU: {}", each.join(" ")),
    }
}

/// One entry as JSON: `key` and `value` in the codec's JSON forms; for a per-CPU map
/// `per_cpu` holds each CPU's copy and `value` their sum (integers only; a sum beyond the
/// 64-bit range is its decimal text).
fn entry_json(map: &AttachedMap, key: &[u8], raw: &[u8], ks: &Shape, vs: &Shape) -> serde_json::Value {
    let (copies, sum) = copies(map, raw, vs);
    let mut entry = serde_json::json!({ "key": ks.to_json(&ks.decode(key)) });
    if copies.len() == 1 {
        entry["value"] = vs.to_json(&copies[0]);
        return entry;
    }
    entry["per_cpu"] = copies.iter().map(|c| vs.to_json(c)).collect();
    if let Some(sum) = sum {
        entry["value"] = u64::try_from(sum)
            .map(serde_json::Value::from)
            .or_else(|_| i64::try_from(sum).map(serde_json::Value::from))
            .unwrap_or_else(|_| sum.to_string().into());
    }
    entry
}

/// The program whose maps the command works on, and how to name it in a heading.
fn program(target: &Target<'_>) -> Result<(AttachedProgram, String), Failure> {
    match (target.name, target.pid) {
        (Some(_), Some(_)) => Err(Failure::usage(
            "give a load's name or --pid, not both",
            Some("`rsteer map NAME list` for a named load, `rsteer map --pid PID list` for any attached program"),
        )),
        (None, None) => Err(Failure::usage(
            "which program's maps? give a load's name or --pid",
            Some("`rsteer status` lists the named loads; `rsteer map NAME list` or `rsteer map --pid PID list`"),
        )),
        (Some(name), None) => {
            let f = target.filter;
            if f.port.is_some() || f.proto.is_some() || f.local.is_some() {
                return Err(Failure::usage(
                    "`--port`, `--proto` and `--local` pick a group of `--pid`; a named load knows its group",
                    None,
                ));
            }
            Ok((rsteer_loader::named_program(name)?, format!("load `{name}`")))
        }
        (None, Some(pid)) => {
            let group = target.filter.pick(pid)?;
            let p = rsteer_loader::attached_program(&group)?;
            Ok((p, format!("{} {} of pid {pid}", group.protocol, group.local)))
        }
    }
}

pub fn run(report: &Reporter, target: Target<'_>, options: Options<'_>, action: Action) -> Result<(), Failure> {
    let json = report.is_json();
    let checked = match options.policy {
        Some(p) => Some(driver::check_file(report, p, &CompileArgs::default())?),
        None => None,
    };
    let policy = checked.as_ref().map(|c| &c.program);
    let (attached, heading) = program(&target)?;
    let find = |name: &str| {
        attached.maps.iter().find(|m| m.name == name || (name.starts_with(&m.name) && m.name.len() == 15)).ok_or_else(
            || {
                let names: Vec<&str> = attached.maps.iter().map(|m| m.name.as_str()).collect();
                usage(
                    format!("program `{}` has no map `{name}`", attached.name),
                    Some(format!("its maps: {}", names.join(", "))),
                )
            },
        )
    };
    if options.update && !matches!(action, Action::Set(..)) {
        return Err(Failure::usage("--update goes with `set`", None));
    }
    match action {
        Action::List => {
            let mut rows = Vec::new();
            let mut out = Vec::new();
            for m in &attached.maps {
                let n = m.entries(m.max_entries as usize)?.len();
                let (ks, vs, typed) = match policy {
                    // A policy that does not declare a map lists it in its own types.
                    Some(_) => shapes(m, policy, options.addr).or_else(|_| shapes(m, None, options.addr))?,
                    None => shapes(m, None, options.addr)?,
                };
                rows.push([
                    m.name.clone(),
                    type_name(m.map_type).to_string(),
                    ks.name(),
                    vs.name(),
                    m.max_entries.to_string(),
                    n.to_string(),
                ]);
                out.push(serde_json::json!({
                    "name": m.name, "type": type_name(m.map_type), "id": m.id, "key": ks.name(),
                    "value": vs.name(), "types_from": typed.word(), "key_size": m.key_size,
                    "value_size": m.value_size, "max_entries": m.max_entries, "entries": n,
                }));
            }
            if json {
                report.json(&serde_json::json!({ "program": attached.name, "program_id": attached.id, "maps": out }));
            } else {
                report.line(format_args!("program `{}` (id {}) of {heading}", attached.name, attached.id));
                report.table(&["map", "kind", "key", "value", "max", "entries"], &rows);
            }
        }
        Action::Dump(name) => {
            let m = find(&name)?;
            let (ks, vs, _) = shapes(m, policy, options.addr)?;
            let entries = m.entries(1 << 20)?;
            if json {
                let v: Vec<serde_json::Value> = entries.iter().map(|(k, v)| entry_json(m, k, v, &ks, &vs)).collect();
                report.json(&serde_json::Value::Array(v));
            } else if entries.is_empty() {
                report.line(format_args!("map `{}` is empty", m.name));
            } else {
                let rows: Vec<[String; 2]> =
                    entries.iter().map(|(k, v)| [ks.print_bytes(k), show_value(m, v, &vs)]).collect();
                report.table(&["key", "value"], &rows);
            }
        }
        Action::Get(name, key) => {
            let m = find(&name)?;
            let (ks, vs, _) = shapes(m, policy, options.addr)?;
            let k = read_key(&key, m, &ks)?;
            match m.get(&k)? {
                Some(v) if json => report.line(format_args!("{}", entry_json(m, &k, &v, &ks, &vs))),
                Some(v) => report.line(format_args!("{}", show_value(m, &v, &vs))),
                None => {
                    return Err(Failure::Message {
                        code: EXIT_SYSTEM,
                        message: format!("map `{}` has no key {key}", m.name),
                        hint: None,
                    })
                }
            }
        }
        Action::Set(name, key, value) => {
            let m = find(&name)?;
            let (ks, vs, _) = shapes(m, policy, options.addr)?;
            // One argument: a JSON entry, as `get --json` prints it.
            let (key_text, value_text) = match value {
                Some(v) => (key, v),
                None => entry_parts(&key)?,
            };
            let k = read_key(&key_text, m, &ks)?;
            let base = if options.update {
                let Some(raw) = m.get(&k)? else {
                    return Err(usage(
                        format!("--update merges into the current value, and `{}` has no key {key_text}", m.name),
                        Some("write the whole value without --update".into()),
                    ));
                };
                Some(vs.decode(&m.copies(&raw)[0]))
            } else {
                None
            };
            let v = parse_value(&value_text, &vs, base.as_ref())?;
            let mut bytes = vs.encode(&v);
            bytes.resize(m.value_size as usize, 0);
            m.set(&k, &bytes)?;
            if json {
                report.line(format_args!("{}", entry_json(m, &k, &bytes, &ks, &vs)));
            } else {
                // A prefix is echoed as stored: the host bits past its length cleared.
                let key_echo = if matches!(ks, Shape::Prefix(_)) { ks.print(&ks.decode(&k)) } else { key_text.clone() };
                report.line(format_args!("{}[{key_echo}] = {}", m.name, vs.print(&v)));
            }
        }
        Action::Delete(name, key) => {
            let m = find(&name)?;
            let (ks, _, _) = shapes(m, policy, options.addr)?;
            let k = read_key(&key, m, &ks)?;
            let deleted = m.delete(&k)?;
            if json {
                report.line(format_args!(
                    "{}",
                    serde_json::json!({ "key": ks.to_json(&ks.decode(&k)), "deleted": deleted })
                ));
            } else if deleted {
                report.line(format_args!("deleted {}[{key}]", m.name));
            } else {
                report.line(format_args!("{}[{key}] was not there", m.name));
            }
        }
    }
    Ok(())
}

/// The key and value of a JSON entry `{"key": K, "value": V}` (what `get --json` prints), as
/// JSON text each.
fn entry_parts(text: &str) -> Result<(String, String), Failure> {
    let missing = || {
        usage(
            format!("`set` takes a key and a value, or one JSON entry; `{text}` is neither"),
            Some(r#"for example: `set TABLE 3 'net=0x7f000001,len=32,on=true'` or `set TABLE '{"key": 3, "value": {...}}'`"#.into()),
        )
    };
    let j: serde_json::Value = serde_json::from_str(text).map_err(|_| missing())?;
    match (j.get("key"), j.get("value")) {
        (Some(k), Some(v)) => {
            let text = |j: &serde_json::Value| j.as_str().map_or_else(|| j.to_string(), str::to_string);
            Ok((text(k), text(v)))
        }
        _ => Err(missing()),
    }
}
