//! Skipping a test because something it needs is missing, without hiding it. A dev-dependency
//! only; never a dependency of a product crate.
//!
//! - [`require`]: the test needs `../shared` or a tool `scripts/test.sh` installs. In CI
//!   (`CI` set to anything but empty, `0` or `false`) the test **fails** with the reason; locally
//!   it skips.
//! - [`optional`]: the test needs something CI does not provide either (Trivy, syft,
//!   cargo-auditable, an opt-in fixture): it skips everywhere.
//!
//! Either way the reason is printed to stderr and appended to `<target dir>/test-skips.txt`, so
//! `scripts/test.sh` can list every skip after the run without `--nocapture`. Call it, then
//! `return` from the test:
//!
//! ```no_run
//! let shared = std::path::Path::new("../../../shared/images");
//! if !shared.is_dir() {
//!     plimsoll_test_support::require(&format!("{} is absent", shared.display()));
//!     return;
//! }
//! ```

#![allow(clippy::print_stderr)]

pub mod dockerd;

use std::io::Write;
use std::path::PathBuf;

/// Is this a CI run (`CI=true`, as CI services set it)?
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Skips the current test because `reason` (data or a tool CI provides) is missing; in CI, fails
/// it instead.
#[track_caller]
pub fn require(reason: &str) {
    let at = std::panic::Location::caller();
    if in_ci() {
        panic!("required in CI (CI is set), so this is a failure, not a skip: {reason} ({at})");
    }
    record("skipped", reason, at);
}

/// Skips the current test because `reason` (something CI does not provide either) is missing.
#[track_caller]
pub fn optional(reason: &str) {
    record("skipped (optional)", reason, std::panic::Location::caller());
}

fn record(what: &str, reason: &str, at: &std::panic::Location<'_>) {
    let test = std::thread::current().name().unwrap_or("?").to_owned();
    let line = format!("{what}: {test} ({at}): {reason}");
    eprintln!("{line}");
    if let Some(path) = skips_file() {
        // Best effort: a skip list that cannot be written must not fail the test.
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// `<target dir>/test-skips.txt`: test binaries run from `<target dir>/<profile>/deps/`.
fn skips_file() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let target = exe.parent()?.parent()?.parent()?;
    Some(target.join("test-skips.txt"))
}
