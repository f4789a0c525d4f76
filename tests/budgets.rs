//! `rsteer test` on a test that would never end (2^32 loop rounds): it fails within the
//! harness's default step budget with a message naming the test and the figure, and the exit
//! status is 1. The memory budget and smaller step budgets are tested on the harness itself
//! (sim/tests/budgets.rs).

mod common;

use common::*;

#[test]
fn an_endless_test_fails_naming_itself_and_the_step_budget() {
    let policy = root().join("sim/tests/budgets/hungry.rs");
    let (code, out, err) = run(&["test", policy.to_str().unwrap(), "--filter", "endless_and_empty"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("FAILED  endless_and_empty"), "{out}");
    assert!(out.contains("test `endless_and_empty` stopped after 20,000,000 steps"), "{out}");
    assert!(out.contains("0 passed, 1 failed"), "{out}");
}
