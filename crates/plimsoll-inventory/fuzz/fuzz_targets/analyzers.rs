//! Arbitrary bytes under every path some analyzer wants: no analyzer may panic.
//! The body is `plimsoll_fuzz::analyzers`, shared with the CI smoke test and the AFL++ driver.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| plimsoll_fuzz::analyzers(data));
