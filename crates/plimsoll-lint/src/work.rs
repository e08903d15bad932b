//! Work units, for the scaling tests (`tests` module of [`crate::scaling`]): the accessors rules
//! iterate through (Dockerfile instructions and `RUN` scripts, YAML mappings and sequences,
//! variable expansion) charge what they hand out, and the tests check that the total grows
//! linearly with the input. Compiled to nothing outside tests.

#[cfg(test)]
thread_local! {
    static UNITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Records `n` units of work on this thread (tests only).
#[inline]
pub(crate) fn charge(n: usize) {
    #[cfg(test)]
    UNITS.with(|u| u.set(u.get().saturating_add(n as u64)));
    #[cfg(not(test))]
    let _ = n;
}

/// Units recorded on this thread since the last call.
#[cfg(test)]
pub(crate) fn take() -> u64 {
    UNITS.with(|u| u.replace(0))
}
