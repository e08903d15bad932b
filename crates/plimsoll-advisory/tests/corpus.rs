//! Every advisory file in the shared corpus (`../shared/advisories`) parses.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/advisories");
    if p.is_dir() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

#[test]
fn whole_corpus_parses() {
    let Some(root) = corpus() else { return };
    let loaded = plimsoll_advisory::load::load(&[root]).expect("load");
    for s in &loaded.sources {
        eprintln!(
            "{:22} files {:?} advisories {} errors {} skipped {}",
            s.name, s.files, s.advisories, s.errors, s.skipped
        );
    }
    for e in loaded.errors.iter().take(40) {
        eprintln!("ERROR {}: {}", e.path.display(), e.message);
    }
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for (_, r) in &loaded.skipped {
        *reasons.entry(r).or_default() += 1;
    }
    eprintln!("skipped: {reasons:?}");
    assert!(loaded.errors.is_empty(), "{} files failed", loaded.errors.len());
}

/// Every event version in the corpus parses under its ecosystem's scheme, except a few listed.
#[test]
fn corpus_versions_parse_under_their_schemes() {
    use plimsoll_advisory::range::{Event, RangeKind};
    let Some(root) = corpus() else { return };
    let loaded = plimsoll_advisory::load::load(&[root]).expect("load");
    let mut total = 0usize;
    let mut failures: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut unordered: std::collections::BTreeMap<String, usize> = Default::default();
    for a in &loaded.advisories {
        for aff in &a.affected {
            let eco = aff.ecosystem.split(':').next().unwrap_or("").to_owned();
            for r in &aff.ranges {
                let Some(scheme) = r.scheme(aff.scheme()) else {
                    if r.kind != RangeKind::Git {
                        *unordered.entry(eco.clone()).or_default() += 1;
                    }
                    continue;
                };
                for e in &r.events {
                    if matches!(e, Event::Introduced(v) if v == "0") || matches!(e, Event::Limit(v) if v == "*") {
                        continue;
                    }
                    total += 1;
                    if scheme.parse(e.version()).is_err() {
                        failures.entry(eco.clone()).or_default().push(format!(
                            "{} {}: {:?}",
                            a.id,
                            aff.name,
                            e.version()
                        ));
                    }
                }
            }
        }
    }
    let failed: usize = failures.values().map(Vec::len).sum();
    eprintln!("{total} event versions, {failed} do not parse; ranges in unordered ecosystems: {unordered:?}");
    for (eco, list) in &failures {
        eprintln!("  {eco}: {} e.g. {:?}", list.len(), &list[..list.len().min(5)]);
    }
    // A handful of malformed upstream versions are tolerated (they make only their own range
    // unevaluable); more means a parser regression.
    assert!(failed * 1000 < total, "{failed} of {total} event versions do not parse");
}
