//! The simulator on compiled policies: every example with chosen packets, and small policies
//! for each part of the context, the helpers and the maps.

use rsteer_codegen::CompiledProgram;
use rsteer_lang::{CheckOptions, SourceDb};
use rsteer_sim::{
    run, run_with, socket_cookie, Delivery, Maps, RunOptions, SimErrorKind, SimPacket, SimSocket, Verdict,
};
use std::net::SocketAddr;
use std::path::PathBuf;

#[macro_use]
#[path = "../../tests/common/cases.rs"]
mod cases;

/// A checked and compiled policy: its first entry and empty maps of its shape.
struct Policy {
    progs: Vec<CompiledProgram>,
    maps: Maps,
}

impl Policy {
    fn new(src: &str) -> Policy {
        let mut db = SourceDb::new();
        let main = db.add("policy.rs", src);
        let (program, diags) = rsteer_lang::check(&mut db, main, &CheckOptions::default());
        let program = match program {
            Some(p) if !diags.iter().any(|d| d.is_error()) => p,
            _ => panic!("policy does not check: {diags:#?}\n{src}"),
        };
        let compiled = rsteer_codegen::compile(&program, &db).unwrap_or_else(|d| panic!("{d:#?}"));
        let maps = Maps::new(&rsteer_codegen::map_specs(&program));
        Policy { progs: compiled.programs, maps }
    }

    /// A policy file of `tests/policies/`.
    fn file(name: &str) -> Policy {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/policies").join(name);
        Policy::new(&std::fs::read_to_string(&path).unwrap())
    }

    fn example(name: &str) -> Policy {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name);
        Policy::new(&std::fs::read_to_string(&path).unwrap())
    }

    fn with_sockets(mut self, map: &str, n: u32) -> Policy {
        self.maps.fill_sockets(map, n).unwrap();
        self
    }

    fn run(&mut self, pkt: &SimPacket) -> Delivery {
        match run(&self.progs[0], &mut self.maps, pkt) {
            Ok(o) => o.delivery(),
            Err(e) => panic!("{e}\n{}", self.progs[0].disasm()),
        }
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn udp(payload: &[u8]) -> SimPacket {
    SimPacket::udp(addr("10.0.0.7:5000"), addr("10.0.0.1:443"), payload)
}

// ----- policy files ----------------------------------------------------------------------

/// Runs the `#[test]` functions of a policy file (`tests/policies/*.rs`) through the
/// harness; every one must pass, and a file must have at least one.
fn policy_file(path: &std::path::Path) {
    let src = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut db = SourceDb::new();
    let main = db.add(name.clone(), src);
    let (program, diags) = rsteer_lang::check(&mut db, main, &CheckOptions::default());
    let program = match program {
        Some(p) if !diags.iter().any(|d| d.is_error()) => p,
        _ => panic!("{name} does not check:\n{}", rsteer_lang::diag::render_plain(&db, &diags)),
    };
    let compiled = rsteer_codegen::compile(&program, &db)
        .unwrap_or_else(|d| panic!("{name}: {}", rsteer_lang::diag::render_plain(&db, &d)));
    let results = rsteer_sim::harness::run_tests(&program, &compiled, None);
    assert!(!results.is_empty(), "{name} has no #[test]");
    let failed: Vec<String> = results
        .iter()
        .filter_map(|r| {
            let f = r.failure.as_ref()?;
            let at = db.line_col(f.span);
            Some(format!("{}: at {name}:{}:{}: {}", r.name, at.line, at.column, f.message))
        })
        .collect();
    assert!(failed.is_empty(), "{} of {} tests failed:\n{}", failed.len(), results.len(), failed.join("\n"));
}

file_cases!("tests/policies", "rs", policy_file;
    addresses_v4_and_v6, array_add_set_and_struct_values, branch_free_if_matches_the_branchy_one, context_fields, drop_after_a_selection_drops, instruction_limit, hash_maps, later_selection_replaces_earlier_and_failed_keeps_it,
    net_region_reads_the_ip_header,
    runtime_index_out_of_range_takes_the_fallback, signed_and_narrow_arithmetic, stdlib_hashes_match_rust, tcp_payload_starts_after_doff,
    address_constants_match_their_notation, constant_tables_index_compare_and_pass, lpm_trie_longest_prefix_wins,
);

// ----- the examples --------------------------------------------------------------------

#[test]
fn payload_mod_example() {
    let mut p = Policy::example("payload_mod.rs").with_sockets("SOCKETS", 4);
    for b in 0u8..=255 {
        assert_eq!(p.run(&udp(&[b, 1, 2])), Delivery::Socket(b as u32 % 4), "first byte {b}");
    }
    // No payload: `?` takes the fallback, Pass without a selection.
    assert_eq!(p.run(&udp(b"")), Delivery::HashPick);
}

#[test]
fn src_port_mod_example() {
    let mut p = Policy::example("src_port_mod.rs").with_sockets("SOCKETS", 4);
    for port in [1u16, 2, 3, 4, 5000, 40_001, 65_535] {
        let pkt = SimPacket::udp(SocketAddr::new([127, 0, 0, 1].into(), port), addr("127.0.0.1:9"), b"x");
        assert_eq!(p.run(&pkt), Delivery::Socket(port as u32 % 4));
        let tcp = SimPacket::tcp(SocketAddr::new([10, 1, 1, 1].into(), port), addr("10.1.1.2:80"), b"");
        assert_eq!(p.run(&tcp), Delivery::Socket(port as u32 % 4));
    }
    // An empty socket slot: the selection fails and the fallback passes to the hash pick.
    let mut half = Policy::example("src_port_mod.rs").with_sockets("SOCKETS", 2);
    let pkt = SimPacket::udp(addr("127.0.0.1:3"), addr("127.0.0.1:9"), b"x");
    assert_eq!(half.run(&pkt), Delivery::HashPick);
}

#[test]
fn cpu_affinity_example_counts_per_cpu() {
    let mut p = Policy::example("cpu_affinity.rs").with_sockets("SOCKETS", 2);
    for cpu in 0..4 {
        let pkt = SimPacket { cpu, ..udp(b"x") };
        assert_eq!(p.run(&pkt), Delivery::Socket(cpu % 2));
    }
    let pkt = SimPacket { cpu: 3, ..udp(b"x") };
    p.run(&pkt);
    let counts = p.maps.get_percpu("STEERED", &0u32.to_le_bytes()).unwrap().unwrap();
    let counts: Vec<u64> = counts.iter().map(|v| u64::from_le_bytes(v[..].try_into().unwrap())).collect();
    assert_eq!(&counts[..5], &[1, 1, 1, 2, 0]);
}

#[test]
fn short_drop_example() {
    let mut p = Policy::example("short_drop.rs").with_sockets("SOCKETS", 4);
    for len in 0..4 {
        assert_eq!(p.run(&udp(&vec![7; len])), Delivery::Dropped, "payload of {len} bytes");
    }
    for len in [4, 5, 40, 1400] {
        assert_eq!(p.run(&udp(&vec![7; len])), Delivery::HashPick, "payload of {len} bytes");
    }
}

// ----- the context -----------------------------------------------------------------------

#[test]
fn migration_runs_have_no_packet() {
    let src = r#"
#[map]
static SOCKETS: SockHash<u64, 8>;
#[steer(migrate, fallback = Drop)]
fn route(pkt: Packet) -> Verdict {
    if pkt.migrating {
        if pkt.l4.u8(0).is_some() || pkt.len != 0 { return Verdict::Pass; }
        // Move everything from the closing listener to the one after it.
        return select(SOCKETS, pkt.migrating_cookie() + 1);
    }
    select(SOCKETS, pkt.cookie())
}
"#;
    let mut p = Policy::new(src).with_sockets("SOCKETS", 4);
    let m = SimPacket::migration(addr("10.0.0.7:5000"), addr("10.0.0.1:443"), socket_cookie(2));
    assert_eq!(p.run(&m), Delivery::Socket(3));
    let syn = SimPacket { sk_cookie: socket_cookie(1), ..SimPacket::tcp(addr("1.1.1.1:1"), addr("1.1.1.2:2"), b"") };
    assert_eq!(p.run(&syn), Delivery::Socket(1));
    let gone = SimPacket::migration(addr("10.0.0.7:5000"), addr("10.0.0.1:443"), socket_cookie(3));
    assert_eq!(p.run(&gone), Delivery::Dropped);
}

// ----- maps ------------------------------------------------------------------------------

/// What the policy file's `#[test]` cannot see: a struct value's bytes (8-byte `hits`, then
/// `last` little-endian and `flag`, padded to 16 bytes).
#[test]
fn struct_values_are_laid_out_as_the_kernel_sees_them() {
    let mut p = Policy::file("array_add_set_and_struct_values.rs");
    for b in [0u8, 1, 1, 3, 5] {
        p.run(&udp(&[b]));
    }
    let stat1 = p.maps.get("STATS", &1u32.to_le_bytes()).unwrap().unwrap();
    assert_eq!(stat1.len(), 16);
    assert_eq!(u64::from_le_bytes(stat1[..8].try_into().unwrap()), 4);
    assert_eq!(&stat1[8..11], &[0x88, 0x13, 1]);
}

#[test]
fn userspace_map_errors() {
    let mut p = Policy::example("payload_mod.rs");
    assert!(p.maps.fill_sockets("SOCKETS", 5).is_err());
    assert!(p.maps.fill_sockets("NOPE", 1).is_err());
    assert!(p.maps.get("SOCKETS", &[0; 4]).is_err());
    p.maps.set_socket("SOCKETS", &2u32.to_le_bytes(), SimSocket { index: 9, cookie: 99 }).unwrap();
    assert_eq!(p.run(&udp(&[2])), Delivery::Socket(9));
    assert!(p.maps.remove("SOCKETS", &2u32.to_le_bytes()).unwrap());
    assert_eq!(p.run(&udp(&[2])), Delivery::HashPick);
}

// ----- selection and verdicts ------------------------------------------------------------

/// What the policy file's `#[test]` cannot see: the dropped run still made its selection.
#[test]
fn drop_after_a_selection_keeps_the_selection() {
    let mut p = Policy::file("drop_after_a_selection_drops.rs").with_sockets("SOCKETS", 4);
    let out = run(&p.progs[0], &mut p.maps, &udp(b"x")).unwrap();
    assert_eq!(out.verdict, Verdict::Drop);
    assert_eq!(out.selected.as_ref().map(|s| s.socket.index), Some(2));
    assert_eq!(out.delivery(), Delivery::Dropped);
}

// ----- traces, limits, errors ------------------------------------------------------------

#[test]
fn trace_lists_executed_instructions() {
    let mut p = Policy::example("payload_mod.rs").with_sockets("SOCKETS", 4);
    let out =
        run_with(&p.progs[0], &mut p.maps, &udp(&[5]), &RunOptions { trace: true, ..Default::default() }).unwrap();
    assert_eq!(out.trace.len() as u64, out.insns_executed);
    // The byte is in the linear part: read directly, after loading `data_end`.
    assert!(out.trace.iter().any(|l| l.contains("*(u64 *)(r6 +8)")), "{:#?}", out.trace);
    assert!(!out.trace.iter().any(|l| l.contains("call skb_load_bytes#26")), "{:#?}", out.trace);
    assert!(out.trace.iter().any(|l| l.contains("map[SOCKETS]")), "{:#?}", out.trace);
    assert!(out.trace.last().unwrap().ends_with("exit"));
    // Outside the linear part the helper reads it, and finds the same byte.
    let paged = SimPacket { linear: Some(8), ..udp(&[5]) };
    let out2 = run_with(&p.progs[0], &mut p.maps, &paged, &RunOptions { trace: true, ..Default::default() }).unwrap();
    assert!(out2.trace.iter().any(|l| l.contains("call skb_load_bytes#26")), "{:#?}", out2.trace);
    assert_eq!(out2.selected.map(|s| s.socket.index), out.selected.map(|s| s.socket.index));
}

/// A run past `max_insns` stops with a limit error at an instruction.
#[test]
fn instruction_limit_stops_a_run() {
    let mut p = Policy::file("instruction_limit.rs").with_sockets("SOCKETS", 4);
    let err = run_with(&p.progs[0], &mut p.maps, &udp(b""), &RunOptions { max_insns: 50, trace: false }).unwrap_err();
    assert_eq!(err.kind, SimErrorKind::Limit);
    assert!(err.pc.is_some());
}

#[test]
fn missing_map_and_bad_cpu_are_input_errors() {
    let p = Policy::example("payload_mod.rs");
    let mut empty = Maps::new(&[]);
    assert_eq!(run(&p.progs[0], &mut empty, &udp(b"x")).unwrap_err().kind, SimErrorKind::Input);
    let mut maps = p.maps.clone();
    let pkt = SimPacket { cpu: 99, ..udp(b"x") };
    assert_eq!(run(&p.progs[0], &mut maps, &pkt).unwrap_err().kind, SimErrorKind::Input);
}
