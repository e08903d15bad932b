//! Database coverage: for each OS release and language ecosystem in an inventory, whether the
//! database holds advisories for it. A database built without Debian 12 data finds nothing in a
//! Debian 12 image; this is what lets a report say so instead of looking clean.

use std::collections::BTreeMap;

use plimsoll_model::coverage::{CoverageKind, CoverageTarget, DatabaseSummary, VulnerabilityCoverage};
use plimsoll_model::distro::DistroTable;
use plimsoll_model::{OsRelease, Package, PackageOrigin};

use crate::ecosystem::{for_language_kind, store_key};
use crate::index::{Database, DbError, DbInfo};

/// Coverage of `pkgs` (with the image's `os`) by `db`.
pub fn coverage(db: &Database, os: Option<&OsRelease>, pkgs: &[Package]) -> Result<VulnerabilityCoverage, DbError> {
    let info = db.info()?;
    Ok(coverage_with(&DistroTable::builtin(), &info, &db.path().display().to_string(), os, pkgs))
}

/// [`coverage`] from the database's metadata, against a given distribution table.
pub fn coverage_with(
    table: &DistroTable<'_>,
    info: &DbInfo,
    path: &str,
    os: Option<&OsRelease>,
    pkgs: &[Package],
) -> VulnerabilityCoverage {
    let has = |ns: &str| info.ecosystems.get(store_key(ns)).is_some_and(|n| *n > 0);
    let mut targets = Vec::new();

    // Local packages (path or workspace dependencies) are never looked up by name, by design.
    let registry = |p: &&Package| p.origin != Some(PackageOrigin::Local);
    let os_count = pkgs.iter().filter(registry).filter(|p| p.kind.is_os()).count();
    if os_count > 0 {
        let spec = os.and_then(|o| table.get(o.family));
        let name = match (spec, os) {
            (Some(d), Some(o)) => format!("{} {}", d.name, o.version_id.as_deref().unwrap_or("")).trim().to_owned(),
            (None, Some(o)) => format!("{} {}", o.id, o.version_id.as_deref().unwrap_or("")).trim().to_owned(),
            _ => "unknown OS".to_owned(),
        };
        let namespace = match (spec, os) {
            (Some(d), Some(o)) => d.advisory_namespace(o),
            _ => None,
        };
        let reason = match (os, spec, &namespace) {
            (None, _, _) => Some("the OS is unknown".to_owned()),
            (Some(_), None, _) => Some("plimsoll does not know this distribution".to_owned()),
            (Some(_), Some(d), None) if d.advisory.is_none() => {
                Some("no advisory source for this distribution".to_owned())
            }
            (Some(_), Some(_), None) => Some("the distribution release is unknown".to_owned()),
            (_, _, Some(ns)) if !has(ns) => Some(format!("the database has no {ns} advisories")),
            _ => None,
        };
        targets.push(CoverageTarget {
            kind: CoverageKind::Os,
            name,
            namespace,
            packages: os_count,
            covered: reason.is_none(),
            packages_not_covered: if reason.is_none() { 0 } else { os_count },
            reason,
            end_of_life: spec.zip(os).and_then(|(d, o)| d.end_of_life(o)).map(str::to_owned),
        });
    }

    let mut by_eco: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown_kinds: BTreeMap<String, usize> = BTreeMap::new();
    for p in pkgs.iter().filter(registry).filter(|p| !p.kind.is_os()) {
        match for_language_kind(p.kind) {
            Some(e) => *by_eco.entry(e.to_owned()).or_default() += 1,
            None => *unknown_kinds.entry(format!("{:?}", p.kind).to_lowercase()).or_default() += 1,
        }
    }
    for (eco, n) in by_eco {
        let covered = has(&eco);
        targets.push(CoverageTarget {
            kind: CoverageKind::Ecosystem,
            name: eco.clone(),
            reason: (!covered).then(|| format!("the database has no {eco} advisories")),
            namespace: Some(eco),
            packages: n,
            covered,
            packages_not_covered: if covered { 0 } else { n },
            end_of_life: None,
        });
    }
    for (kind, n) in unknown_kinds {
        targets.push(CoverageTarget {
            kind: CoverageKind::Ecosystem,
            name: kind,
            namespace: None,
            packages: n,
            covered: false,
            packages_not_covered: n,
            reason: Some("no advisory ecosystem for this package kind".to_owned()),
            end_of_life: None,
        });
    }
    VulnerabilityCoverage {
        database: DatabaseSummary {
            path: path.to_owned(),
            built_at: info.built_at.clone(),
            sources: info.sources.iter().map(|s| s.name.clone()).collect(),
            advisories: info.advisories,
        },
        targets,
    }
}
