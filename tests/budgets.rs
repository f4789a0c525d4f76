//! `rsteer test` on tests that would never end or would fill gigabytes: each fails within the
//! harness's budget with a message naming the test and the figure, and the exit status is 1.

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

#[test]
fn a_test_filling_gigabytes_fails_naming_itself_and_the_memory_budget() {
    let policy = root().join("sim/tests/budgets/hungry.rs");
    let (code, out, err) = run(&["test", policy.to_str().unwrap(), "--filter", "many_inserts", "--json"]);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let t = &v["tests"][0];
    assert_eq!(t["name"], "many_inserts");
    assert_eq!(t["passed"], false);
    assert_eq!(
        t["message"],
        "test `many_inserts` stopped: its maps grew past 256 MiB (the simulator's budget for one test)"
    );
    assert!(t["at"].as_str().unwrap().ends_with("hungry.rs:39:13"), "{t}");
}
