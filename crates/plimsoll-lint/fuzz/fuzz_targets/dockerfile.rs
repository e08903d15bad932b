//! Any bytes, linted as a Dockerfile: must return Ok or Err, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = plimsoll_lint::lint_file("Dockerfile", data, &plimsoll_lint::LintConfig::default());
});
