//! `rsteer map` on a live, struct-valued table, typed only by the kernel's BTF (no
//! `--policy`): a partial struct is refused and nothing written, a full one steers real
//! traffic, `get --json` is typed and feeds back to `set`, `--update` merges, and every
//! refusal (an index out of range, deleting from an Array or a socket map, a full map, a
//! `--policy` whose types disagree) is said in words with its exit code.

#[macro_use]
mod common;

use common::*;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::time::Duration;

fn data(name: &str) -> PathBuf {
    root().join("tests/data/ops").join(name)
}

/// Detaches a named load on drop.
struct Named(String);

impl Drop for Named {
    fn drop(&mut self) {
        let _ = rsteer().args(["detach", &self.0]).output();
    }
}

/// A server with 4 sockets and `tests/data/ops/table.rs` loaded under a fresh name.
fn table_load() -> (Server, String, Named) {
    let server = Server::start("udp", 4);
    let name = unique("map").replace('_', "-");
    let policy = data("table.rs");
    let pid = server.pid.to_string();
    let (code, _, err) = run(&["load", policy.to_str().unwrap(), "--pid", &pid, "--name", &name]);
    assert_eq!(code, 0, "load: {err}");
    (server, name.clone(), Named(name))
}

/// `rsteer map NAME ARGS...`: (exit code, stdout, stderr).
fn map(name: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["map", name];
    all.extend_from_slice(args);
    run(&all)
}

fn probe(client: &UdpSocket, server: &Server) -> Option<u32> {
    udp_probe(client, server.addr(), b"\x00", Duration::from_secs(2))
}

#[test]
fn a_partial_struct_is_refused_and_a_full_one_steers() {
    require_kernel!();
    let (server, name, _guard) = table_load();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = client.local_addr().unwrap().port().to_string();
    // SLOTS is all zero: every datagram goes to socket 0 until a rule is on.
    assert_eq!(probe(&client, &server), Some(0));

    let (code, out, err) = map(&name, &["set", "TENANTS", &port, "net=0x2,len=16"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("error: the `Rule` value does not name fields `on` and `weight`"), "{err}");
    assert!(err.contains("net=...,len=...,on=...,weight=..."), "{err}");
    let (code, out, _) = map(&name, &["dump", "TENANTS"]);
    assert_eq!((code, out.trim()), (0, "map `TENANTS` is empty"), "nothing was written");

    let (code, out, err) = map(&name, &["set", "TENANTS", &port, "net=0x2,len=16,on=true,weight=-3"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("TENANTS[{port}] = net=2,len=16,on=true,weight=-3"));
    assert_eq!(probe(&client, &server), Some(2), "the rule steers to socket 2");

    // --update changes one field and keeps the others.
    let (code, out, err) = map(&name, &["set", "TENANTS", &port, "on=false", "--update"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("TENANTS[{port}] = net=2,len=16,on=false,weight=-3"));
    assert_eq!(probe(&client, &server), Some(0), "the rule is off");
}

#[test]
fn get_json_is_typed_and_feeds_back_to_set() {
    require_kernel!();
    let (_server, name, _guard) = table_load();
    let (code, _, err) = map(&name, &["set", "TENANTS", "0x1389", "net=0x7f010000,len=16,on=true,weight=-300"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = map(&name, &["get", "TENANTS", "5001", "--json"]);
    assert_eq!(code, 0, "{err}");
    let entry: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        entry,
        serde_json::json!({"key": 5001, "value": {"net": 2130771968u32, "len": 16, "on": true, "weight": -300}})
    );
    // The whole entry, and the value alone, written back: the same bytes.
    let (code, _, err) = map(&name, &["delete", "TENANTS", "5001"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = map(&name, &["set", "TENANTS", out.trim()]);
    assert_eq!(code, 0, "{err}");
    let value = entry["value"].to_string();
    let (code, out2, err) = map(&name, &["set", "TENANTS", "7", &value]);
    assert_eq!((code, out2.trim()), (0, "TENANTS[7] = net=2130771968,len=16,on=true,weight=-300"), "{err}");
    let (_, dump, _) = map(&name, &["dump", "TENANTS", "--json"]);
    let dump: serde_json::Value = serde_json::from_str(&dump).unwrap();
    let mut keys: Vec<u64> = dump.as_array().unwrap().iter().map(|e| e["key"].as_u64().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, [7, 5001]);
    assert!(dump.as_array().unwrap().iter().all(|e| e["value"] == entry["value"]));
    // `list` names the types it read from the kernel.
    let (_, list, _) = run(&["map", "--json", &name, "list"]);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let tenants = list["maps"].as_array().unwrap().iter().find(|m| m["name"] == "TENANTS").unwrap();
    assert_eq!(
        (&tenants["key"], &tenants["value"], &tenants["types_from"]),
        (&"u16".into(), &"Rule".into(), &"btf".into())
    );
}

#[test]
fn refusals_are_said_in_words() {
    require_kernel!();
    let (server, name, _guard) = table_load();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["set", "SLOTS", "9", "1"], 2, "error: index 9 is out of range: SLOTS has 8 entries"),
        (&["get", "SLOTS", "0x10"], 2, "error: index 0x10 is out of range: SLOTS has 8 entries"),
        (&["delete", "SLOTS", "1"], 2, "entries of an Array cannot be deleted; set them to zero"),
        (&["delete", "SOCKETS", "0"], 2, "it is a SockArray and read-only here"),
        (&["set", "SOCKETS", "0", "5"], 2, "it is a SockArray and read-only here"),
        (&["set", "SLOTS", "1", "-1"], 2, "`-1` is negative, and `u32` holds no negative values"),
        (&["set", "TENANTS", "1", "net=1,len=1,on=true,weight=0,extra=1"], 2, "`Rule` has no field `extra`"),
        (&["get", "NOPE", "1"], 2, "program `route` has no map `NOPE`"),
    ];
    for (args, want_code, want) in cases {
        let (code, out, err) = map(&name, args);
        assert_eq!(code, *want_code, "{args:?}: {out}{err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // Flags go before or after the subcommand, and --pid names the same program.
    let pid = server.pid.to_string();
    let (code, out, err) = run(&["map", "list", "--pid", &pid, "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"TENANTS\""), "{out}");
    let (code, _, err) = run(&["map", &name, "list", "--pid", &pid]);
    assert_eq!((code, err.contains("give a load's name or --pid, not both")), (2, true), "{err}");

    // A policy whose TENANTS value is a u32 cannot describe the live 8-byte values.
    let wrong = data("table_wrong.rs");
    let (code, _, err) = map(&name, &["--policy", wrong.to_str().unwrap(), "get", "TENANTS", "1"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--policy disagrees with the live map `TENANTS`: its value is `u32` (4 bytes) in the policy, 8 bytes in the kernel"),
        "{err}"
    );

    // 64 entries fill TENANTS; the 65th is refused in words.
    for k in 0..64 {
        let (code, _, err) = map(&name, &["set", "TENANTS", &k.to_string(), "net=1,len=1,on=false,weight=0"]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) = map(&name, &["set", "TENANTS", "64", "net=1,len=1,on=false,weight=0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the map is full (64 entries)"), "{err}");
}
