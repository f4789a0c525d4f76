//! rsteer-sim: an interpreter of the SK_REUSEPORT BPF programs rsteer emits.
//!
//! Pure: no syscalls. [`run`] executes a [`CompiledProgram`]'s instructions against a modelled
//! `struct sk_reuseport_md` built from a [`SimPacket`], with the helpers an SK_REUSEPORT
//! program may call and the object's [`Maps`], and returns the kernel's decision as an
//! [`Outcome`]: drop, pass to a selected socket, or pass to the kernel's own hash pick.
//!
//! ```text
//! let compiled = rsteer_codegen::compile(&program, &db)?;
//! let mut maps = Maps::new(&rsteer_codegen::map_specs(&program));
//! maps.fill_sockets("SOCKETS", 4)?;
//! let pkt = SimPacket::udp("10.0.0.7:5000".parse()?, "10.0.0.1:443".parse()?, b"\x07");
//! let out = rsteer_sim::run(&compiled.programs[0], &mut maps, &pkt)?;
//! assert_eq!(out.socket(), Some(3));
//! ```
//!
//! What is modelled (facts from `net/core/filter.c`, `kernel/bpf/*.c`):
//! - Every instruction class: ALU/ALU64 (with `BPF_END`, signed div/mod and `movsx`), JMP/JMP32,
//!   LDX (also sign-extending loads), ST/STX, atomics (add/and/or/xor with and without fetch,
//!   xchg, cmpxchg), `ld_imm64` (map loads resolved through `map_loads`), call, exit.
//! - Registers hold either a scalar or a tagged pointer (stack, context, packet, map value,
//!   map, socket). r1..r5 are unreadable after a call; pointers may be spilled to the stack
//!   only as aligned 8-byte stores. Every memory access is bounds-checked; reading
//!   uninitialised stack, partial reads of a spilled pointer, pointer arithmetic other than
//!   `+`/`-` a scalar and writes to read-only memory are [`SimError`]s naming the instruction:
//!   the kernel verifier (or the program's own logic) makes them a compiler bug.
//! - The context: `len` (L4 header + payload; 0 without a packet), `eth_protocol` (the
//!   `__be16 skb->protocol` in a u32), `ip_protocol` (the socket's), `bind_inany`, `hash`,
//!   `sk` and `migrating_sk` (opaque socket pointers; `migrating_sk` NULL unless migrating),
//!   `data`/`data_end` (read-only direct packet access over the whole packet). Loads obey the
//!   kernel's allowed sizes and alignment for each field.
//! - Helpers: map lookup/update/delete (ARRAY, PERCPU_ARRAY, HASH, LRU_HASH; flags ANY,
//!   NOEXIST, EXIST), `skb_load_bytes` (from the L4 header; out of range: zero-fill,
//!   -EFAULT), `skb_load_bytes_relative` (NET: from the IP header; MAC: -EFAULT, no MAC
//!   header is modelled), `ktime_get_ns`, `ktime_get_coarse_ns`, `get_prandom_u32`,
//!   `get_smp_processor_id`, `get_socket_cookie`, `sk_select_reuseport`.
//! - The verdict is r0's low 32 bits at exit: 1 (`SK_PASS`) passes, anything else drops.
//!
//! [`capture`] reads a pcap or pcapng capture into packets that carry their real bytes, and
//! [`replay`] runs many packets through one program and counts where they went as a
//! `Distribution` (`rsteer simulate`); [`harness`] runs a policy's `#[test]`s within a
//! [`harness::Budget`] of steps and map memory (`rsteer test`).
//!
//! Not modelled: the kernel's hash pick itself (an [`Outcome`] says "no selection"; see
//! [`hash_pick`] for the formula), socket maps holding sockets of other groups or closed
//! sockets (-EPROTOTYPE, -EBADFD, ...), SOCKMAP/SOCKHASH lookups from a program, BPF-to-BPF
//! calls, tail calls, spin locks, IP options, IPv6 extension headers, TCP options, the exact
//! LRU eviction order, and non-linear packets (`data_end` is the end of the whole packet).

pub mod capture;
pub mod harness;
pub mod maps;
pub mod packet;
pub mod replay;
mod vm;

pub use maps::{KeyValue, MapError, Maps, SimMap, SimSocket, DEFAULT_CPUS};
pub use packet::{socket_cookie, Checksum, Proto, SimPacket, Wire, DEFAULT_MIGRATING_COOKIE};
pub use rsteer_codegen::CompiledProgram;

use std::fmt;

/// The program's verdict (`enum sk_action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    Drop,
    Pass,
}

/// The socket a successful `bpf_sk_select_reuseport` chose (the last one in the run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The socket map's name.
    pub map: String,
    /// The key, as a little-endian integer of its first 8 bytes (the index for an array).
    pub key: u64,
    pub socket: SimSocket,
}

/// Where the packet goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    Dropped,
    /// To socket `index` of the group (a selection, then `SK_PASS`).
    Socket(u32),
    /// `SK_PASS` without a selection: the kernel's hash pick.
    HashPick,
}

/// The result of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The selection in force at exit (it only matters when the verdict is `Pass`).
    pub selected: Option<Selection>,
    /// r0 at exit.
    pub ret: u64,
    pub insns_executed: u64,
    /// One line per executed instruction when [`RunOptions::trace`] was set.
    pub trace: Vec<String>,
    /// The slot of each executed instruction, in order, when [`RunOptions::trace`] was set.
    pub path: Vec<usize>,
}

impl Outcome {
    pub fn delivery(&self) -> Delivery {
        match (self.verdict, &self.selected) {
            (Verdict::Drop, _) => Delivery::Dropped,
            (Verdict::Pass, Some(s)) => Delivery::Socket(s.socket.index),
            (Verdict::Pass, None) => Delivery::HashPick,
        }
    }

    /// The selected socket's index when the packet passed with a selection.
    pub fn socket(&self) -> Option<u32> {
        match self.delivery() {
            Delivery::Socket(i) => Some(i),
            _ => None,
        }
    }
}

/// The kernel's fallback pick among `n` sockets (`reciprocal_scale(hash, n)` in
/// `reuseport_select_sock_by_hash`, before it skips connected sockets).
pub fn hash_pick(hash: u32, n: u32) -> u32 {
    ((hash as u64 * n as u64) >> 32) as u32
}

/// Knobs of one run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Executed instructions after which the run stops with a [`SimError`].
    pub max_insns: u64,
    /// Record each executed instruction and the register it wrote.
    pub trace: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { max_insns: 1_000_000, trace: false }
    }
}

/// What went wrong in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SimErrorKind {
    /// Out-of-bounds, misaligned-for-the-field, uninitialised or read-only memory.
    Memory,
    /// A register read before it was written (or after a call clobbered it).
    Register,
    /// An operation the verifier forbids on a pointer (or a scalar used as one).
    Pointer,
    /// A helper called with arguments the verifier would refuse, or a helper not available.
    Helper,
    /// An instruction or map type the simulator does not model.
    Unsupported,
    /// The instruction limit.
    Limit,
    /// The input (packet, maps, program) does not make sense.
    Input,
}

/// A run that could not complete. When the program came from rsteer this is a compiler bug
/// (or a gap in the simulator): the kernel verifier would have rejected the program, or the
/// program does something no valid BPF program can.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimError {
    pub kind: SimErrorKind,
    /// The instruction slot, when one was executing.
    pub pc: Option<usize>,
    /// Its disassembly.
    pub insn: Option<String>,
    pub message: String,
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.pc, &self.insn) {
            (Some(pc), Some(insn)) => write!(f, "instruction {pc} (`{insn}`): {}", self.message),
            (Some(pc), None) => write!(f, "instruction {pc}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SimError {}

/// Runs `prog` once on `pkt`, changing `maps` as the program's helper calls do.
pub fn run(prog: &CompiledProgram, maps: &mut Maps, pkt: &SimPacket) -> Result<Outcome, SimError> {
    run_with(prog, maps, pkt, &RunOptions::default())
}

/// [`run`] with options (instruction limit, tracing).
pub fn run_with(
    prog: &CompiledProgram,
    maps: &mut Maps,
    pkt: &SimPacket,
    opts: &RunOptions,
) -> Result<Outcome, SimError> {
    vm::Vm::new(prog, maps, pkt, opts)?.run()
}
