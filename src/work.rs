//! Counting the work of parsers, so a test can prove a parser linear in its input (and
//! bounded before it starts) by the steps it took, never by the time it took.
//!
//! `step()` marks one unit of work in a parser's loop. It compiles to nothing outside this
//! crate's unit tests; in them, `count` runs a closure and returns the steps it took.

#[cfg(test)]
thread_local! {
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// One unit of a parser's work.
#[inline(always)]
pub fn step() {
    #[cfg(test)]
    STEPS.with(|s| s.set(s.get() + 1));
}

/// Runs `f` and returns its result with the steps it took (on this thread).
#[cfg(test)]
pub fn count<T>(f: impl FnOnce() -> T) -> (T, u64) {
    STEPS.with(|s| s.set(0));
    let out = f();
    (out, STEPS.with(std::cell::Cell::get))
}
