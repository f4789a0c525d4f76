//! rsteer-codegen: typed HIR → IR → BPF instructions → ELF object with BTF.
//!
//! Pure: values in, bytes and diagnostics out; no syscalls.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod btf;
pub mod elf;
pub mod object;
