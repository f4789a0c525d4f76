//! `rsteer map`: read and write the maps of the program attached to a running server's
//! reuseport group. With `--policy`, keys and values are read and printed in the policy's
//! types (integers, bools, structs, arrays); without, as unsigned integers (sizes 1, 2, 4,
//! 8) or hex bytes.

use crate::driver::{self, print_table, Failure, EXIT_SYSTEM, EXIT_USAGE};
use rsteer_codegen::lower::{field_offsets, layout};
use rsteer_lang::hir::{Program, Ty};
use rsteer_loader::AttachedMap;
use std::path::Path;

/// What `rsteer map` does.
pub enum Action {
    List,
    Dump(String),
    Get(String, String),
    Set(String, String, String),
    Delete(String, String),
}

/// How a key or value is laid out in bytes.
#[derive(Clone, Debug)]
enum Shape {
    Int {
        bytes: usize,
        signed: bool,
    },
    Bool,
    /// Raw bytes (no type known, or an array of bytes).
    Bytes(usize),
    Array(Box<Shape>, usize, usize),
    Struct(Vec<(String, usize, Shape)>),
}

fn shape_of(prog: &Program, ty: &Ty) -> Shape {
    match ty {
        Ty::Int(i) => Shape::Int { bytes: i.bytes() as usize, signed: i.signed() },
        Ty::Bool => Shape::Bool,
        Ty::Array(elem, n) if **elem == Ty::U8 => Shape::Bytes(*n as usize),
        Ty::Array(elem, n) => {
            let (esize, _) = layout(prog, elem);
            Shape::Array(Box::new(shape_of(prog, elem)), esize as usize, *n as usize)
        }
        Ty::Struct(id) => {
            let def = &prog.structs[id.0 as usize];
            let offs = field_offsets(prog, *id);
            Shape::Struct(
                def.fields.iter().zip(offs).map(|(f, o)| (f.name.clone(), o as usize, shape_of(prog, &f.ty))).collect(),
            )
        }
        other => Shape::Bytes(layout(prog, other).0 as usize),
    }
}

fn untyped(size: usize) -> Shape {
    match size {
        1 | 2 | 4 | 8 => Shape::Int { bytes: size, signed: false },
        n => Shape::Bytes(n),
    }
}

fn decode(b: &[u8], shape: &Shape) -> String {
    match shape {
        Shape::Int { bytes, signed } => {
            let mut raw = [0u8; 8];
            raw[..*bytes].copy_from_slice(&b[..*bytes]);
            let v = u64::from_le_bytes(raw);
            if *signed {
                let shift = 64 - 8 * *bytes as u32;
                (((v << shift) as i64) >> shift).to_string()
            } else {
                v.to_string()
            }
        }
        Shape::Bool => (b[0] != 0).to_string(),
        Shape::Bytes(n) => format!("hex:{}", b[..*n].iter().map(|x| format!("{x:02x}")).collect::<String>()),
        Shape::Array(elem, esize, n) => {
            let items: Vec<String> = (0..*n).map(|i| decode(&b[i * esize..], elem)).collect();
            format!("[{}]", items.join(","))
        }
        Shape::Struct(fields) => {
            let items: Vec<String> = fields.iter().map(|(n, o, s)| format!("{n}={}", decode(&b[*o..], s))).collect();
            items.join(",")
        }
    }
}

fn parse_int(text: &str, bytes: usize, signed: bool) -> Result<Vec<u8>, String> {
    let t = text.trim().replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.as_str()),
    };
    let m = match digits.strip_prefix("0x") {
        Some(h) => u128::from_str_radix(h, 16),
        None => digits.parse::<u128>(),
    }
    .map_err(|_| format!("`{text}` is not an integer"))?;
    let bits = 8 * bytes as u32;
    let (lo, hi): (i128, i128) =
        if signed { (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1) } else { (0, (1i128 << bits) - 1) };
    let v: i128 = if neg { -(m as i128) } else { m as i128 };
    if v < lo || v > hi {
        return Err(format!("`{text}` does not fit in {bytes} byte{}", if bytes == 1 { "" } else { "s" }));
    }
    Ok((v as u64).to_le_bytes()[..bytes].to_vec())
}

fn encode(text: &str, shape: &Shape, size: usize) -> Result<Vec<u8>, String> {
    if let Some(h) = text.strip_prefix("hex:") {
        let h: String = h.chars().filter(|c| !c.is_whitespace()).collect();
        if h.len() != 2 * size || !h.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("`{text}` must be {size} bytes of hex (hex: and {} digits)", 2 * size));
        }
        return Ok((0..size).map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap_or(0)).collect());
    }
    let mut out = vec![0u8; size];
    match shape {
        Shape::Int { bytes, signed } => out[..*bytes].copy_from_slice(&parse_int(text, *bytes, *signed)?),
        Shape::Bool => {
            out[0] = match text.trim() {
                "true" => 1,
                "false" => 0,
                _ => return Err(format!("`{text}` is not `true` or `false`")),
            }
        }
        Shape::Bytes(_) | Shape::Array(..) => {
            return Err(format!("write arrays as hex: `hex:` and {} digits", 2 * size))
        }
        Shape::Struct(fields) => {
            for part in text.split(',') {
                let (name, value) = part
                    .split_once('=')
                    .ok_or_else(|| format!("write structs as `field=value,field=value`, not `{part}`"))?;
                let (_, off, s) = fields
                    .iter()
                    .find(|(n, _, _)| n == name.trim())
                    .ok_or_else(|| format!("no field `{}`", name.trim()))?;
                let b = encode(value, s, shape_size(s))?;
                out[*off..*off + b.len()].copy_from_slice(&b);
            }
        }
    }
    Ok(out)
}

fn shape_size(s: &Shape) -> usize {
    match s {
        Shape::Int { bytes, .. } => *bytes,
        Shape::Bool => 1,
        Shape::Bytes(n) => *n,
        Shape::Array(_, esize, n) => esize * n,
        Shape::Struct(fields) => fields.iter().map(|(_, o, s)| o + shape_size(s)).max().unwrap_or(0),
    }
}

/// The policy's name for the kind of map the kernel reports as type `t`.
fn type_name(t: u32) -> &'static str {
    rsteer_bpf::MapType::from_u32(t).and_then(rsteer_codegen::abi::map_kind).map_or("other", |k| k.name())
}

/// The key and value shapes of `map`: from the policy when it declares the map (the kernel
/// keeps 15 characters of a name), else from the sizes.
fn shapes(map: &AttachedMap, prog: Option<&Program>) -> (Shape, Shape) {
    if let Some(p) = prog {
        if let Some(decl) =
            p.maps.iter().find(|m| m.name == map.name || m.name.starts_with(&map.name) && map.name.len() == 15)
        {
            let value = if map.is_socket_map() { untyped(8) } else { shape_of(p, &decl.value) };
            let key = shape_of(p, &decl.key);
            // A policy that is not the loaded one may disagree on sizes: trust the kernel.
            if shape_size(&key) <= map.key_size as usize && shape_size(&value) <= map.value_size as usize {
                return (key, value);
            }
        }
    }
    (untyped(map.key_size as usize), untyped(map.value_size as usize))
}

fn usage(message: String) -> Failure {
    Failure::Message { code: EXIT_USAGE, message, hint: None }
}

/// The value as printed: one copy, or the sum and each CPU's copy for a per-CPU counter.
fn show_value(map: &AttachedMap, raw: &[u8], shape: &Shape) -> String {
    let copies = map.copies(raw);
    if copies.len() == 1 {
        return decode(&copies[0], shape);
    }
    let each: Vec<String> = copies.iter().map(|c| decode(c, shape)).collect();
    match shape {
        Shape::Int { .. } => {
            let sum: i128 = each.iter().filter_map(|s| s.parse::<i128>().ok()).sum();
            format!("{sum} (per CPU: {})", each.join(" "))
        }
        _ => format!("per CPU: {}", each.join(" ")),
    }
}

pub fn run(args: &driver::GroupArgs, policy: Option<&Path>, action: Action, json: bool) -> Result<(), Failure> {
    let pid = args.pid;
    let checked = match policy {
        Some(p) => Some(driver::check(p, &[], None)?),
        None => None,
    };
    let prog_types = checked.as_ref().map(|c| &c.program);
    let group = args.pick()?;
    let attached = rsteer_loader::attached_program(&group).map_err(driver::load_failure)?;
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
                let n = m.entries(m.max_entries as usize).map_err(driver::load_failure)?.len();
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
                let v = serde_json::json!({ "program": attached.name, "program_id": attached.id, "maps": out });
                outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                outln!(
                    "program `{}` (id {}) on {} {} of pid {pid}",
                    attached.name,
                    attached.id,
                    group.protocol,
                    group.local
                );
                print_table(&["map", "kind", "key B", "value B", "max", "entries"], &rows);
            }
        }
        Action::Dump(name) => {
            let m = find(&name)?;
            let (ks, vs) = shapes(m, prog_types);
            let entries = m.entries(1 << 20).map_err(driver::load_failure)?;
            let rows: Vec<[String; 2]> = entries.iter().map(|(k, v)| [decode(k, &ks), show_value(m, v, &vs)]).collect();
            if json {
                let v: Vec<serde_json::Value> =
                    rows.iter().map(|[k, v]| serde_json::json!({ "key": k, "value": v })).collect();
                outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else if rows.is_empty() {
                outln!("map `{}` is empty", m.name);
            } else {
                print_table(&["key", "value"], &rows);
            }
        }
        Action::Get(name, key) => {
            let m = find(&name)?;
            let (ks, vs) = shapes(m, prog_types);
            let k = encode(&key, &ks, m.key_size as usize).map_err(usage)?;
            match m.get(&k).map_err(driver::load_failure)? {
                Some(v) if json => outln!("{}", serde_json::json!({ "key": key, "value": show_value(m, &v, &vs) })),
                Some(v) => outln!("{}", show_value(m, &v, &vs)),
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
            let (ks, vs) = shapes(m, prog_types);
            let k = encode(&key, &ks, m.key_size as usize).map_err(usage)?;
            let v = encode(&value, &vs, m.value_size as usize).map_err(usage)?;
            m.set(&k, &v).map_err(driver::load_failure)?;
            outln!("{}[{key}] = {value}", m.name);
        }
        Action::Delete(name, key) => {
            let m = find(&name)?;
            let (ks, _) = shapes(m, prog_types);
            let k = encode(&key, &ks, m.key_size as usize).map_err(usage)?;
            if m.delete(&k).map_err(driver::load_failure)? {
                outln!("deleted {}[{key}]", m.name);
            } else {
                outln!("{}[{key}] was not there", m.name);
            }
        }
    }
    Ok(())
}
