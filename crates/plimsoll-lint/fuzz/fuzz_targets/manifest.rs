//! Any bytes, linted as Kubernetes YAML and as a compose file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_lint::{FileKind, LintConfig, Linter};

fuzz_target!(|data: &[u8]| {
    for kind in [FileKind::Kubernetes, FileKind::Compose] {
        let mut l = Linter::new(LintConfig::default());
        if l.add_as("fuzz.yaml", data, kind).is_ok() {
            let _ = l.finish();
        }
    }
});
