//! One module per output format; `render` in the crate root picks one. What several formats
//! need to say about a package (its type name, the layer it came from) lives here so that they
//! all say it the same way.

pub(crate) mod cyclonedx;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod sarif;
pub(crate) mod spdx;
pub(crate) mod table;

use std::collections::HashMap;

use plimsoll_model::vuln::Vulnerability;
use plimsoll_model::{Digest, LayerRef, OsFamily, Package, PackageKind, ScanReport, Severity};

/// The package type as the JSON report spells it (`dpkg`, `apk`, `python`, ...).
pub(crate) fn kind_name(kind: PackageKind) -> String {
    serde_name(kind)
}

/// The OS family as the JSON report spells it (`debian`, `almalinux`, ...).
pub(crate) fn family_name(family: OsFamily) -> String {
    serde_name(family)
}

/// The severity as the JSON report spells it (`CRITICAL`, ...).
pub(crate) fn severity_name(s: Severity) -> String {
    serde_name(s).to_uppercase()
}

/// A unit enum variant's serde name, so that a new variant needs no change here and every
/// format spells it as the JSON report does.
fn serde_name<T: serde::Serialize + std::fmt::Debug>(v: T) -> String {
    match serde_json::to_value(&v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{v:?}").to_lowercase(),
    }
}

/// The layer that introduced a package: the package's own [`plimsoll_model::LayerRef`], with
/// whatever it lacks filled in from the report's layer list.
pub(crate) struct Layer<'a> {
    pub index: usize,
    pub digest: Option<&'a Digest>,
    pub diff_id: Option<&'a Digest>,
    pub created_by: Option<&'a str>,
}

pub(crate) fn layer_of<'a>(report: &'a ScanReport, pkg: &'a Package) -> Option<Layer<'a>> {
    layer_from(report, pkg.layer.as_ref())
}

/// A finding's or package's [`LayerRef`] completed from the report's layer list.
pub(crate) fn layer_from<'a>(report: &'a ScanReport, r: Option<&'a LayerRef>) -> Option<Layer<'a>> {
    let r = r?;
    let info = report.layers.iter().find(|l| l.index == r.index);
    Some(Layer {
        index: r.index,
        digest: r.digest.as_ref().or(info.map(|l| &l.digest)),
        diff_id: r.diff_id.as_ref().or(info.map(|l| &l.diff_id)),
        created_by: r.created_by.as_deref().or(info.and_then(|l| l.created_by.as_deref())),
    })
}

/// The inventory package of each vulnerability finding, in report order.
///
/// A finding names its package by purl and layer only, and two installs of one version in one
/// layer (the same wheel in two virtualenvs) share both. Matching emits one finding per
/// vulnerability per package, in inventory order, so the k-th finding of an id for such a purl
/// is paired with the k-th package that has it.
pub(crate) fn packages_of(report: &ScanReport) -> Vec<Option<&Package>> {
    let mut seen: HashMap<(&str, &str, Option<usize>), usize> = HashMap::new();
    report
        .vulnerabilities
        .iter()
        .map(|v| {
            let layer = v.layer.as_ref().map(|l| l.index);
            let k = seen.entry((v.id.as_str(), v.purl.as_str(), layer)).or_insert(0);
            let nth = *k;
            *k += 1;
            let twins = || {
                report.packages.iter().filter(move |p| {
                    !v.purl.is_empty() && p.purl == v.purl && p.layer.as_ref().map(|l| l.index) == layer
                })
            };
            twins().nth(nth).or_else(|| package_of(report, v))
        })
        .collect()
}

/// The inventory package a vulnerability finding is about: the one with the same purl (and, when
/// several share it, the same layer), else the one with the same kind, name and version.
pub(crate) fn package_of<'a>(report: &'a ScanReport, v: &Vulnerability) -> Option<&'a Package> {
    let same_layer = |p: &&&Package| p.layer.as_ref().map(|l| l.index) == v.layer.as_ref().map(|l| l.index);
    let by_purl: Vec<&Package> =
        if v.purl.is_empty() { Vec::new() } else { report.packages.iter().filter(|p| p.purl == v.purl).collect() };
    if let Some(p) = by_purl.iter().find(same_layer).or(by_purl.first()) {
        return Some(p);
    }
    let by_name: Vec<&Package> = report
        .packages
        .iter()
        .filter(|p| p.kind == v.package_kind && p.name == v.package_name && p.version == v.package_version)
        .collect();
    by_name.iter().find(same_layer).or(by_name.first()).copied()
}

/// What the vulnerability scan ran against and what it did not cover, in words, for the formats
/// that have no field for it (table footer, SARIF notification, JUnit case): the database line,
/// then the coverage line. `None` when no vulnerability scan ran (the diagnostics say why).
pub(crate) fn coverage_lines(report: &ScanReport) -> Option<[String; 2]> {
    let cov = report.vulnerability_scan.as_ref()?;
    let db = &cov.database;
    let database = format!(
        "Vulnerability database: {} (built {}, {} advisories from {})",
        db.path,
        db.built_at,
        db.advisories,
        if db.sources.is_empty() { "no named source".to_owned() } else { db.sources.join(", ") }
    );
    let missed: Vec<String> = cov
        .uncovered()
        .map(|t| format!("{} ({} of {} packages)", t.name, t.packages_not_covered, t.packages))
        .collect();
    let coverage = if missed.is_empty() {
        format!("Covered: all {} OS releases and ecosystems of the inventory", cov.targets.len())
    } else {
        format!("Not covered (not checked for vulnerabilities): {}", missed.join(", "))
    };
    Some([database, coverage])
}
