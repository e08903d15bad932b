//! Any bytes, linted as a Dockerfile: must return Ok or Err, never panic or hang.
//! The body is `plimsoll_fuzz::dockerfile`, shared with the CI smoke test and the AFL++ driver.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| plimsoll_fuzz::dockerfile(data));
