//! The harness's budgets (`rsteer test`): a test that would run for ever stops at the step
//! budget, one that would fill gigabytes of maps stops at the memory budget, each with a
//! failure that names the test and the figure; ordinary heavy tests stay well inside.

use rsteer_lang::{CheckOptions, SourceDb};
use rsteer_sim::harness::{self, Budget, TestResult};
use std::path::PathBuf;

/// Runs the tests of `sim/tests/budgets/NAME` whose name contains `filter`.
fn run(name: &str, filter: &str, budget: &Budget) -> (SourceDb, Vec<TestResult>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/budgets").join(name);
    let mut db = SourceDb::new();
    let main = db.add(name.to_string(), std::fs::read_to_string(&path).unwrap());
    let (program, diags) = rsteer_lang::check(&mut db, main, &CheckOptions::default());
    let program = program
        .filter(|_| !diags.iter().any(|d| d.is_error()))
        .unwrap_or_else(|| panic!("{name} does not check:\n{}", rsteer_lang::diag::render_plain(&db, &diags)));
    let compiled = rsteer_codegen::compile(&program, &db).unwrap_or_else(|d| panic!("{d:#?}"));
    let results = harness::run_tests_with(&program, &compiled, Some(filter), budget);
    (db, results)
}

fn only(results: &[TestResult], name: &str) -> TestResult {
    results.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no test `{name}`")).clone()
}

/// The peak resident memory of this process (`VmHWM`), in bytes.
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmHWM in /proc/self/status");
    kb * 1024
}

#[test]
fn endless_loops_stop_at_the_step_budget_naming_the_test_and_the_figure() {
    // The default budget's figure is checked through the CLI (tests/budgets.rs); a smaller
    // one keeps this quick.
    let budget = Budget { steps: 2_000_000, ..Budget::default() };
    let (db, results) = run("hungry.rs", "endless", &budget);
    for name in ["endless", "endless_and_empty"] {
        let r = only(&results, name);
        let f = r.failure.as_ref().unwrap_or_else(|| panic!("`{name}` should fail"));
        assert_eq!(
            f.message,
            format!(
                "test `{name}` stopped after 2,000,000 steps (the simulator's budget for one test): does a loop \
                 run longer than meant?"
            )
        );
        assert_eq!(r.steps, budget.steps + 1, "{name}");
        // The failure points into the inner loop.
        let lc = db.line_col(f.span);
        assert!(db.line_text(f.span.file, lc.line).contains("for j in"), "{name}: line {}", lc.line);
    }
}

#[test]
fn a_smaller_budget_stops_sooner() {
    let (_, results) = run("hungry.rs", "endless_and_empty", &Budget { steps: 1000, ..Budget::default() });
    let r = only(&results, "endless_and_empty");
    assert!(r.failure.unwrap().message.contains("stopped after 1,000 steps"));
    assert_eq!(r.steps, 1001);
}

#[test]
fn sixteen_million_inserts_stop_at_the_memory_budget() {
    let budget = Budget::default();
    let (db, results) = run("hungry.rs", "many_inserts", &budget);
    let r = only(&results, "many_inserts");
    let f = r.failure.as_ref().expect("many_inserts should fail");
    assert_eq!(
        f.message,
        "test `many_inserts` stopped: its maps grew past 256 MiB (the simulator's budget for one test)"
    );
    let lc = db.line_col(f.span);
    assert!(db.line_text(f.span.file, lc.line).contains("BIG.insert"));
    // What the maps really took stays near the budget (the figure counts each entry's
    // bookkeeping), far from the 1.6 GB that 16M entries took without it.
    let peak = peak_memory();
    assert!(peak < 768 << 20, "peak memory {} MiB", peak >> 20);
}

#[test]
fn arrays_over_the_memory_budget_do_not_start() {
    let (_, results) = run("big_arrays.rs", "counts", &Budget::default());
    let r = only(&results, "counts");
    assert_eq!(
        r.failure.expect("over the budget").message,
        "test `counts` did not start: the arrays of its maps take 1 GiB in the simulator, over its budget of 256 MiB"
    );
    assert_eq!((r.runs, r.steps), (0, 0));
}

#[test]
fn heavy_ordinary_tests_pass_inside_the_budget() {
    let (_, results) = run("hungry.rs", "many_runs", &Budget::default());
    let r = only(&results, "many_runs");
    assert!(r.failure.is_none(), "{:?}", r.failure);
    assert_eq!(r.runs, 65535);
    assert!(r.steps < Budget::default().steps / 4, "{} steps", r.steps);
}
