//! File tests of the optimiser passes, one `#[test]` per file of `tests/passes/`, in the
//! manner of Cranelift's filetests. A file is
//!
//! ```text
//! ; pass: NAME[, NAME...]     the passes of `opt::PASSES` to run, in order, once each
//! ; any comment
//! function f { ... }          the input IR
//! ; expect:
//! function f { ... }          the IR printed after the passes
//! ```
//!
//! The input and the output of every pass must pass the verifier. `RSTEER_BLESS=1` rewrites
//! the text after `; expect:` with what the passes print (and the input as the printer writes
//! it). A case where a pass must not fire is named `*_keeps_*`, and its output must equal its
//! input.

#[macro_use]
#[path = "../../tests/common/cases.rs"]
mod cases;

use rsteer_codegen::{ir_parse, opt, verify};
use std::path::Path;

const EXPECT: &str = "; expect:\n";

fn run(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (input, expected) = text.split_once(EXPECT).unwrap_or((&text, ""));
    let passes: Vec<&str> = input
        .lines()
        .find_map(|l| l.strip_prefix("; pass:"))
        .unwrap_or_else(|| panic!("{}: no `; pass:` header", path.display()))
        .split(',')
        .map(str::trim)
        .collect();
    let mut f = ir_parse::parse_function(input).unwrap_or_else(|e| panic!("{}:{}", path.display(), e));
    verify::assert_valid(&f, "parsing");
    // Blessing also rewrites the input as the printer writes it (blocks in layout order), so
    // that a case where the pass must not fire reads as input == expectation.
    let header: String = input.lines().take_while(|l| !l.starts_with("function")).map(|l| format!("{l}\n")).collect();
    let canonical = format!("{header}{f}");
    for name in &passes {
        let pass = opt::pass(name).unwrap_or_else(|| panic!("{}: no pass named `{name}`", path.display()));
        pass(&mut f);
        verify::assert_valid(&f, name);
    }
    let actual = f.to_string();
    // A case named `*_keeps_*` shows where the pass must not fire: nothing may change.
    if path.file_stem().is_some_and(|s| s.to_string_lossy().contains("_keeps_")) {
        assert_eq!(format!("{header}{actual}"), canonical, "{}: the pass must not change this IR", path.display());
    }
    if std::env::var_os("RSTEER_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(path, format!("{canonical}{EXPECT}{actual}")).unwrap();
        return;
    }
    assert_eq!(
        expected,
        actual,
        "{}: the IR after {passes:?} differs (RSTEER_BLESS=1 rewrites the expectation)",
        path.display()
    );
}

file_cases!("tests/passes", "ir", run;
    drop_redundant_extensions_after_load,
    drop_redundant_extensions_keeps_narrowing,
    drop_redundant_extensions_swaps_back,
    fold_stack_pointers_constant_index,
    forward_copies_keeps_protected_copy,
    forward_stack_stores_constant_bytes,
    forward_copies_reads_the_variable,
    merge_blocks_joins_single_predecessor,
    merge_blocks_keeps_joins,
    merge_copied_variables_keeps_changed_source,
    merge_copied_variables_reads_the_source,
    merge_stores_joins_constant_bytes,
    merge_tails_keeps_different_work,
    merge_tails_shared_value_operand,
    merge_tails_with_parameters,
    merge_stores_keeps_value_stores,
    propagate_folds,
    propagate_in_blocks_variable_constants,
    propagate_keeps_variables,
    rebase_packet_loads_keeps_other_ways_in,
    rebase_packet_loads_through_the_check,
    remove_dead_defs_keeps_live,
    remove_dead_defs_overwritten,
    remove_dead_drops_unread,
    remove_dead_keeps_effects,
    remove_dead_stores_on_the_none_path,
    remove_dead_stores_through_a_pointer,
    remove_unread_slots_drops_stores,
    retarget_defs_keeps_shared_temporary,
    retarget_defs_writes_the_variable,
    reuse_context_loads_after_a_branch,
    simplify_bits_drops_shift_and_xor,
    simplify_bits_extension_of_variable,
    simplify_bits_keeps_read_bits,
    thread_context_tests_keeps_unknown,
    thread_context_tests_knows_the_family,
    thread_jumps_keeps_nonempty_blocks,
    thread_jumps_skips_empty_blocks,
    thread_known_branches_copies_context_load,
    thread_known_branches_copies_small_join,
    thread_known_branches_keeps_unknown,
    thread_known_branches_shortcuts,
    unroll_loops_constant_trips,
    unroll_loops_keeps_long_loop,
);
