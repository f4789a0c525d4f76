//! The compiler's passes recurse over the syntax tree. The pre-scan (`prescan.rs`) and the
//! parser's operator limits bound that tree's depth; [`with_stack`] runs a pass on a thread
//! whose stack is known to hold that depth, so the outcome never depends on the stack of
//! the caller's thread (`ulimit -s`, a small worker thread in an embedding server).

use std::cell::Cell;
use std::sync::Mutex;

/// The stack of the compiling thread. The deepest tree the limits allow needs a few MiB
/// in an unoptimised build; this leaves a wide margin, and only the pages used are touched.
pub const STACK_BYTES: usize = 256 << 20;

thread_local! {
    /// Set on a thread that [`with_stack`] made: its stack is [`STACK_BYTES`], so a nested
    /// `with_stack` (the CLI's, then checking's, then code generation's) runs in place.
    static ON_KNOWN_STACK: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` on the calling thread, whose stack the caller has made sure can grow to at
/// least half of [`STACK_BYTES`] (the CLI's main thread, its stack limit raised): the
/// [`with_stack`]s inside `f` run in place.
pub fn on_known_stack<T>(f: impl FnOnce() -> T) -> T {
    let was = ON_KNOWN_STACK.replace(true);
    let value = f();
    ON_KNOWN_STACK.set(was);
    value
}

/// Runs `f` on a thread with a [`STACK_BYTES`] stack and returns its result; a panic in `f`
/// goes on in the caller. On a thread `with_stack` made, `f` runs in place (the stack is
/// already that size, and most of it unused). If no thread can be made, `f` runs on the
/// caller's thread.
pub fn with_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if ON_KNOWN_STACK.get() {
        return f();
    }
    let work = Mutex::new(Some(f));
    let take = || work.lock().ok().and_then(|mut w| w.take());
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new().name("rsteer-compile".into()).stack_size(STACK_BYTES).spawn_scoped(
            scope,
            || {
                ON_KNOWN_STACK.set(true);
                take().map(|f| f())
            },
        );
        let ran = match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        };
        match ran {
            Some(value) => value,
            // The thread could not start, so the work is still here.
            None => match take() {
                Some(f) => f(),
                None => unreachable!("the work runs exactly once"),
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_recursion_runs_from_a_small_thread() {
        fn down(n: u64) -> u64 {
            let pad = [n; 64];
            if n == 0 {
                0
            } else {
                std::hint::black_box(pad)[0] % 2 + down(n - 1)
            }
        }
        let small = std::thread::Builder::new().stack_size(128 << 10).spawn(|| with_stack(|| down(20_000)));
        assert_eq!(small.unwrap().join().unwrap(), 10_000);
    }
}
