//! Arbitrary bytes as a layer tar: the walk and the squash must never panic, whatever the input.
//! The body is `plimsoll_fuzz::walk_layer`, shared with the CI smoke test and the AFL++ driver.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| plimsoll_fuzz::walk_layer(data));
