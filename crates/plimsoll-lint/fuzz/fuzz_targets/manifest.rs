//! Any bytes, linted as Kubernetes YAML and as a compose file.
//! The body is `plimsoll_fuzz::manifest`, shared with the CI smoke test and the AFL++ driver.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| plimsoll_fuzz::manifest(data));
