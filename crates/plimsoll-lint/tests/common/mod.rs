//! Shared helpers for the integration tests over `../shared/configs`.
#![allow(dead_code, clippy::print_stderr)]

use std::path::PathBuf;

/// `../shared/configs` relative to the workspace root, or `None` (the test then skips).
pub fn configs() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/configs");
    if p.is_dir() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

/// Codes of our rules that list `reference` (a hadolint DL id, a checkov id...).
pub fn rules_for(reference: &str) -> Vec<&'static str> {
    plimsoll_lint::rules().iter().filter(|r| r.references.contains(&reference)).map(|r| r.code).collect()
}

/// Runs only `codes` on a file; `Err` when it does not parse.
pub fn run(path: &str, content: &[u8], codes: &[&str], kind: plimsoll_lint::FileKind) -> Result<usize, String> {
    let mut cfg = plimsoll_lint::LintConfig::default();
    for r in plimsoll_lint::rules() {
        if !codes.contains(&r.code) {
            cfg.disabled.insert(r.code.to_string());
        }
    }
    let mut l = plimsoll_lint::Linter::new(cfg);
    l.add_as(path, content, kind).map_err(|e| e.to_string())?;
    Ok(l.finish().len())
}
