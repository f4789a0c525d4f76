//! `rsteer map`: read and write the maps of the program attached to a running server's
//! reuseport group. With `--policy`, keys and values are read and printed in the policy's
//! types (integers, bools, structs, arrays); without, as unsigned integers (sizes 1, 2, 4,
//! 8) or hex bytes. An LPM trie's keys are prefixes (`10.1.0.0/16`) either way; `--addr`
//! prints every `u32` and `[u8; 16]` as an address.

use crate::args::{CompileArgs, GroupArgs};
use crate::driver;
use crate::report::{Failure, Reporter, EXIT_SYSTEM, EXIT_USAGE};
use rsteer_lang::hir::Program;
use rsteer_loader::AttachedMap;
use rsteer_value::{Shape, Value};
use std::path::Path;

/// What `rsteer map` does.
pub enum Action {
    List,
    Dump(String),
    Get(String, String),
    Set(String, String, String),
    Delete(String, String),
}

/// The policy's name for the kind of map the kernel reports as type `t`.
fn type_name(t: u32) -> &'static str {
    rsteer_bpf::MapType::from_u32(t).and_then(rsteer_codegen::abi::map_kind).map_or("other", |k| k.name())
}

/// The key and value shapes of `map`, every `u32` and `[u8; 16]` an address with `addr`.
fn shapes(map: &AttachedMap, prog: Option<&Program>, addr: bool) -> (Shape, Shape) {
    let (k, v) = declared_shapes(map, prog);
    if addr {
        (k.addresses(), v.addresses())
    } else {
        (k, v)
    }
}

/// The key and value shapes of `map`: from the policy when it declares the map (the kernel
/// keeps 15 characters of a name), else from the sizes (an LPM trie's key a prefix).
fn declared_shapes(map: &AttachedMap, prog: Option<&Program>) -> (Shape, Shape) {
    if let Some(p) = prog {
        if let Some(decl) =
            p.maps.iter().find(|m| m.name == map.name || m.name.starts_with(&map.name) && map.name.len() == 15)
        {
            let value = if map.is_socket_map() { Shape::untyped(8) } else { Shape::of(p, &decl.value) };
            let key = Shape::map_key(p, decl);
            // A policy that is not the loaded one may disagree on sizes: trust the kernel.
            if key.size() <= map.key_size && value.size() <= map.value_size {
                return (key, value);
            }
        }
    }
    let key = if map.map_type == rsteer_bpf::MapType::LpmTrie.number() {
        Shape::untyped_prefix_key(map.key_size)
    } else {
        Shape::untyped(map.key_size)
    };
    (key, Shape::untyped(map.value_size))
}

/// A key or value written on the command line: its bytes, `size` of them as the kernel
/// wants, and its canonical text (what the command echoes).
fn read(text: &str, shape: &Shape, size: u32) -> Result<(Vec<u8>, String), Failure> {
    let value =
        shape.parse(text).map_err(|e| Failure::Message { code: EXIT_USAGE, message: e.message, hint: e.help })?;
    let mut bytes = shape.encode(&value);
    bytes.resize(size as usize, 0);
    Ok((bytes, shape.print(&value)))
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
fn entry_json(map: &AttachedMap, key: &[u8], raw: &[u8], (ks, vs): &(Shape, Shape)) -> serde_json::Value {
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

pub fn run(
    report: &Reporter,
    args: &GroupArgs,
    policy: Option<&Path>,
    addr: bool,
    action: Action,
) -> Result<(), Failure> {
    let json = report.is_json();
    let pid = args.pid;
    let checked = match policy {
        Some(p) => Some(driver::check_file(report, p, &CompileArgs::default())?),
        None => None,
    };
    let prog_types = checked.as_ref().map(|c| &c.program);
    let group = args.pick()?;
    let attached = rsteer_loader::attached_program(&group)?;
    let find = |name: &str| {
        attached.maps.iter().find(|m| m.name == name || (name.starts_with(&m.name) && m.name.len() == 15)).ok_or_else(
            || {
                let names: Vec<&str> = attached.maps.iter().map(|m| m.name.as_str()).collect();
                Failure::Message {
                    code: EXIT_USAGE,
                    message: format!("program `{}` has no map `{name}`", attached.name),
                    hint: Some(format!("its maps: {}", names.join(", "))),
                }
            },
        )
    };
    match action {
        Action::List => {
            let mut rows = Vec::new();
            let mut out = Vec::new();
            for m in &attached.maps {
                let n = m.entries(m.max_entries as usize)?.len();
                rows.push([
                    m.name.clone(),
                    type_name(m.map_type).to_string(),
                    m.key_size.to_string(),
                    m.value_size.to_string(),
                    m.max_entries.to_string(),
                    n.to_string(),
                ]);
                out.push(serde_json::json!({
                    "name": m.name, "type": type_name(m.map_type), "id": m.id, "key_size": m.key_size,
                    "value_size": m.value_size, "max_entries": m.max_entries, "entries": n,
                }));
            }
            if json {
                report.json(&serde_json::json!({ "program": attached.name, "program_id": attached.id, "maps": out }));
            } else {
                report.line(format_args!(
                    "program `{}` (id {}) on {} {} of pid {pid}",
                    attached.name, attached.id, group.protocol, group.local
                ));
                report.table(&["map", "kind", "key B", "value B", "max", "entries"], &rows);
            }
        }
        Action::Dump(name) => {
            let m = find(&name)?;
            let shapes = shapes(m, prog_types, addr);
            let entries = m.entries(1 << 20)?;
            if json {
                let v: Vec<serde_json::Value> = entries.iter().map(|(k, v)| entry_json(m, k, v, &shapes)).collect();
                report.json(&serde_json::Value::Array(v));
            } else if entries.is_empty() {
                report.line(format_args!("map `{}` is empty", m.name));
            } else {
                let rows: Vec<[String; 2]> =
                    entries.iter().map(|(k, v)| [shapes.0.print_bytes(k), show_value(m, v, &shapes.1)]).collect();
                report.table(&["key", "value"], &rows);
            }
        }
        Action::Get(name, key) => {
            let m = find(&name)?;
            let shapes = shapes(m, prog_types, addr);
            let (k, key) = read(&key, &shapes.0, m.key_size)?;
            match m.get(&k)? {
                Some(v) if json => report.line(format_args!("{}", entry_json(m, &k, &v, &shapes))),
                Some(v) => report.line(format_args!("{}", show_value(m, &v, &shapes.1))),
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
            let (ks, vs) = shapes(m, prog_types, addr);
            let (k, key) = read(&key, &ks, m.key_size)?;
            let (v, value) = read(&value, &vs, m.value_size)?;
            m.set(&k, &v)?;
            report.line(format_args!("{}[{key}] = {value}", m.name));
        }
        Action::Delete(name, key) => {
            let m = find(&name)?;
            let (ks, _) = shapes(m, prog_types, addr);
            let (k, key) = read(&key, &ks, m.key_size)?;
            if m.delete(&k)? {
                report.line(format_args!("deleted {}[{key}]", m.name));
            } else {
                report.line(format_args!("{}[{key}] was not there", m.name));
            }
        }
    }
    Ok(())
}
