//! rsteer as a library: the compile facade that every verb of the `rsteer` command uses,
//! for programs that embed the toolchain (a server that compiles its steering policy at
//! run time from a string, with no files and no external toolchain).
//!
//! See [`build`]: [`build::compile_policy`] takes a [`build::PolicySource`] and
//! [`build::BuildOptions`] and returns the checked program and its ELF object, or every
//! diagnostic. Loading the object is [`rsteer_loader`]'s job.
#![deny(unsafe_code)]

pub mod build;

pub use rsteer_codegen as codegen;
pub use rsteer_lang as lang;
pub use rsteer_loader as loader;
