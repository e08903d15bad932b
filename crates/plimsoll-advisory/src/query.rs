//! Matching an inventory against the database: packages in, one [`Vulnerability`] per
//! vulnerability per package out.
//!
//! For each package: pick the OSV ecosystem (the distro release for OS packages, see
//! [`crate::distro`]; the language ecosystem otherwise), the name the advisories use (source or
//! binary package), and the version to compare (the source version for source-keyed distros);
//! look up the affected entries (cached per name within one call); evaluate each with the
//! ecosystem's ordering; then merge the advisories that hit into findings, advisories whose ids
//! are aliases of each other becoming one finding with every id listed.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use plimsoll_model::vuln::{CvssScore, VulnStatus, Vulnerability};
use plimsoll_model::{Diagnostic, DiagnosticLevel, OsRelease, Package, PackageOrigin, Severity};

use crate::cvss;
use crate::distro::{DistroTable, NameKey};
use crate::ecosystem::{for_language_kind, normalize_name};
use crate::index::{AffectedRow, Database, DbError, Reader};
use crate::model::{evaluate, Advisory, ScoreKind, SeverityScore, Verdict};
use crate::version::{Scheme, Version};

/// Findings and the problems met while matching (unorderable versions, unsupported OS).
#[derive(Debug, Default)]
pub struct MatchOutput {
    pub vulnerabilities: Vec<Vulnerability>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What to look up for one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageQuery {
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    pub scheme: Scheme,
}

/// The rpm EVR string for a package whose inventory keeps the epoch apart.
fn rpm_evr(pkg: &Package) -> String {
    let has_epoch =
        pkg.version.split_once(':').is_some_and(|(e, _)| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()));
    match pkg.epoch {
        Some(e) if e > 0 && !has_epoch => format!("{e}:{}", pkg.version),
        _ => pkg.version.clone(),
    }
}

/// How a package is looked up, or why it is not (`Err` is a reason, for diagnostics).
pub fn query_for(pkg: &Package, os: Option<&OsRelease>) -> Result<PackageQuery, &'static str> {
    query_for_with(&DistroTable::builtin(), pkg, os)
}

/// [`query_for`] against another distribution table.
pub fn query_for_with(
    table: &DistroTable<'_>,
    pkg: &Package,
    os: Option<&OsRelease>,
) -> Result<PackageQuery, &'static str> {
    if pkg.origin == Some(PackageOrigin::Local) {
        return Err("local package (not from its registry)");
    }
    if pkg.kind.is_os() {
        let os = os.ok_or("OS package but the OS is unknown")?;
        let d = table.get(os.family).ok_or("unknown distribution")?;
        let feed = d.advisory.as_ref().ok_or("no advisory source for this distribution")?;
        if d.package_kind != pkg.kind {
            return Err("package kind does not belong to this distribution");
        }
        let scheme = Scheme::for_package_kind(pkg.kind).ok_or("no version scheme for this package kind")?;
        let ecosystem = (feed.namespace)(os).ok_or("the distribution release is unknown")?;
        let (name, version) = match (feed.names, &pkg.source_name) {
            (NameKey::Source, Some(src)) if !src.is_empty() => {
                let v = pkg.source_version.clone().filter(|v| !v.is_empty()).unwrap_or_else(|| pkg.version.clone());
                (src.clone(), v)
            }
            _ => (pkg.name.clone(), pkg.version.clone()),
        };
        let version = if scheme == Scheme::Rpm && version == pkg.version { rpm_evr(pkg) } else { version };
        return Ok(PackageQuery { ecosystem, name, version, scheme });
    }
    let ecosystem = for_language_kind(pkg.kind).ok_or("unsupported package kind")?;
    let scheme = Scheme::for_ecosystem(ecosystem).ok_or("unsupported ecosystem")?;
    let mut version = pkg.version.trim().to_owned();
    // The Go toolchain is recorded as `stdlib` at `go1.21.0`; advisories write `1.21.0`.
    if scheme == Scheme::Go {
        if let Some(v) = version.strip_prefix("go") {
            version = v.to_owned();
        }
    }
    Ok(PackageQuery { ecosystem: ecosystem.to_owned(), name: pkg.name.clone(), version, scheme })
}

/// One advisory that affects one package.
struct Hit {
    advisory: i64,
    fixed: Option<String>,
    entry_severity: Vec<SeverityScore>,
    entry_label: Option<Severity>,
}

/// Matches packages, returning only the findings.
pub fn match_packages(db: &Database, os: Option<&OsRelease>, pkgs: &[Package]) -> Result<Vec<Vulnerability>, DbError> {
    Ok(match_packages_detailed(db, os, pkgs)?.vulnerabilities)
}

/// Matches packages, with diagnostics for what could not be matched.
pub fn match_packages_detailed(
    db: &Database,
    os: Option<&OsRelease>,
    pkgs: &[Package],
) -> Result<MatchOutput, DbError> {
    match_packages_with(&DistroTable::builtin(), db, os, pkgs)
}

/// [`match_packages_detailed`] against another distribution table.
pub fn match_packages_with(
    table: &DistroTable<'_>,
    db: &Database,
    os: Option<&OsRelease>,
    pkgs: &[Package],
) -> Result<MatchOutput, DbError> {
    let mut out = MatchOutput::default();
    let reader = db.reader()?;
    let mut rows_cache: HashMap<(String, String), Rc<Vec<AffectedRow>>> = HashMap::new();
    let mut heads: HashMap<i64, Rc<Advisory>> = HashMap::new();
    // Binary packages built from one source share (ecosystem, source name, version): evaluate
    // once.
    let mut verdicts: HashMap<(String, String, String), Rc<Vec<Hit>>> = HashMap::new();
    let mut skipped_os = 0usize;
    let mut skip_reason = "";
    let mut alias_cache: HashMap<String, Rc<Vec<Advisory>>> = HashMap::new();

    for pkg in pkgs {
        let q = match query_for_with(table, pkg, os) {
            Ok(q) => q,
            Err(reason) => {
                if pkg.kind.is_os() {
                    skipped_os += 1;
                    skip_reason = reason;
                }
                continue;
            }
        };
        let key = (q.ecosystem.clone(), normalize_name(&q.ecosystem, &q.name).into_owned());
        let vkey = (key.0.clone(), key.1.clone(), q.version.clone());
        let hits = match verdicts.get(&vkey) {
            Some(h) => Rc::clone(h),
            None => {
                let rows = match rows_cache.get(&key) {
                    Some(r) => Rc::clone(r),
                    None => {
                        let r = Rc::new(reader.affected_rows(&q.ecosystem, &q.name)?);
                        rows_cache.insert(key, Rc::clone(&r));
                        r
                    }
                };
                let h = Rc::new(evaluate_rows(pkg, &q, &rows, &reader, &mut heads, &mut out.diagnostics));
                verdicts.insert(vkey, Rc::clone(&h));
                h
            }
        };
        if hits.is_empty() {
            continue;
        }
        for group in group_by_alias(&reader, &mut heads, &hits)? {
            let mut v = finding(pkg, &q, &group, &heads);
            if v.severity == Severity::Unknown {
                // Through the open reader: it holds the connection for this call.
                rate_from_aliases(&reader, &mut alias_cache, &mut v)?;
            }
            out.vulnerabilities.push(v);
        }
    }
    if skipped_os > 0 {
        let family = os
            .map(|o| table.get(o.family).map_or_else(|| o.family.to_string(), |d| d.name.to_owned()))
            .unwrap_or_else(|| "unknown OS".into());
        out.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            message: format!("{skipped_os} OS packages not matched ({family}): {skip_reason}"),
            layer: None,
            path: None,
        });
    }
    Ok(out)
}

/// How much a rating is trusted when a finding's own advisory has none: GHSA's CVSS (reviewed
/// per package), then NVD's CVSS for the CVE, then any other rating (distribution priorities,
/// other sources' CVSS). Lower is better; `None` when the advisory rates nothing.
fn alias_rating(a: &Advisory) -> Option<(u8, Severity)> {
    let scored = severity_from_scores(&a.severity).filter(|s| *s != Severity::Unknown);
    let label = a.severity_label.filter(|s| *s != Severity::Unknown);
    if a.id.starts_with("GHSA-") {
        if let Some(s) = scored.or(label) {
            return Some((0, s));
        }
    }
    if a.id.starts_with("CVE-") {
        if let Some(s) = scored {
            return Some((1, s));
        }
    }
    label.or(scored).map(|s| (2, s))
}

/// Gives an unrated finding the most trusted rating among the advisories in the database that
/// share one of its ids (the highest severity within the best tier), recording where it came
/// from and adding that advisory's CVSS vectors.
fn rate_from_aliases(
    reader: &Reader<'_>,
    cache: &mut HashMap<String, Rc<Vec<Advisory>>>,
    v: &mut Vulnerability,
) -> Result<(), DbError> {
    // (tier, severity), the advisories of one id, the index of the rated one.
    type Best = ((u8, Severity), Rc<Vec<Advisory>>, usize);
    let mut best: Option<Best> = None;
    for id in std::iter::once(&v.id).chain(&v.aliases) {
        let list = match cache.get(id) {
            Some(l) => Rc::clone(l),
            None => {
                let l = Rc::new(reader.heads_with_id(id)?);
                cache.insert(id.clone(), Rc::clone(&l));
                l
            }
        };
        for (i, a) in list.iter().enumerate() {
            let Some((tier, sev)) = alias_rating(a) else { continue };
            let better = match &best {
                None => true,
                Some(((bt, bs), _, _)) => tier < *bt || (tier == *bt && sev > *bs),
            };
            if better {
                best = Some(((tier, sev), Rc::clone(&list), i));
            }
        }
    }
    let Some(((_, severity), list, i)) = best else { return Ok(()) };
    let a = &list[i];
    v.severity = severity;
    v.severity_source = Some(format!("{} ({})", a.id, a.source));
    for sc in &a.severity {
        let Some(version) = cvss_version(&sc.kind, &sc.score) else { continue };
        if !v.cvss.iter().any(|c| c.vector == sc.score) {
            v.cvss.push(CvssScore {
                version: version.to_owned(),
                vector: sc.score.clone(),
                score: cvss::base_score(&sc.score).ok(),
            });
        }
    }
    Ok(())
}

/// Evaluates a package's version against the affected rows of its name.
fn evaluate_rows(
    pkg: &Package,
    q: &PackageQuery,
    rows: &[AffectedRow],
    reader: &Reader<'_>,
    heads: &mut HashMap<i64, Rc<Advisory>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    if rows.is_empty() {
        return hits;
    }
    let parsed = match q.scheme.parse(&q.version) {
        Ok(v) => Some(v),
        Err(e) => {
            diagnostics
                .push(warning(pkg, format!("{} {}: {e}; only exact version lists can match", pkg.name, pkg.version)));
            None
        }
    };
    for row in rows {
        match evaluate_row(row, q.scheme, &q.version, parsed.as_ref()) {
            Ok(Some(fixed)) => {
                if hits.iter().any(|h| h.advisory == row.advisory) {
                    continue;
                }
                hits.push(Hit {
                    advisory: row.advisory,
                    fixed,
                    entry_severity: row.entry.severity.clone(),
                    entry_label: row.entry.severity_label,
                });
            }
            Ok(None) => {}
            Err(e) => {
                let id = head(reader, heads, row.advisory).map(|a| a.id.clone()).unwrap_or_default();
                diagnostics.push(warning(pkg, format!("{id}: range for {} not evaluable: {e}", pkg.name)));
            }
        }
    }
    hits
}

fn warning(pkg: &Package, message: String) -> Diagnostic {
    Diagnostic {
        level: DiagnosticLevel::Warning,
        message,
        layer: pkg.layer.as_ref().map(|l| l.index),
        path: Some(pkg.found_in.clone()),
    }
}

/// `Ok(Some(fixed))` when affected; decodes the explicit versions list only if the ranges did
/// not already match.
fn evaluate_row(
    row: &AffectedRow,
    scheme: Scheme,
    version: &str,
    parsed: Option<&Version>,
) -> Result<Option<Option<String>>, crate::version::VersionError> {
    let first = evaluate(Some(scheme), &row.entry.ranges, &[], version, parsed);
    if let Ok(Verdict::Affected(hit)) = &first {
        return Ok(Some(hit.fixed.clone()));
    }
    let versions = row.versions();
    if !versions.is_empty() {
        if let Ok(Verdict::Affected(hit)) = evaluate(Some(scheme), &row.entry.ranges, &versions, version, parsed) {
            return Ok(Some(hit.fixed));
        }
    }
    first.map(|_| None)
}

fn head(reader: &Reader<'_>, heads: &mut HashMap<i64, Rc<Advisory>>, rowid: i64) -> Result<Rc<Advisory>, DbError> {
    if let Some(a) = heads.get(&rowid) {
        return Ok(Rc::clone(a));
    }
    let a = Rc::new(reader.advisory_head(rowid)?);
    heads.insert(rowid, Rc::clone(&a));
    Ok(a)
}

/// Groups hits whose advisories share an id (own id or alias), transitively (union-find over
/// the ids).
fn group_by_alias<'h>(
    reader: &Reader<'_>,
    heads: &mut HashMap<i64, Rc<Advisory>>,
    hits: &'h [Hit],
) -> Result<Vec<Vec<&'h Hit>>, DbError> {
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..hits.len()).collect();
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (i, h) in hits.iter().enumerate() {
        let a = head(reader, heads, h.advisory)?;
        for id in a.ids() {
            match owner.get(id) {
                Some(&j) => {
                    let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                    if ri != rj {
                        parent[ri.max(rj)] = ri.min(rj);
                    }
                }
                None => {
                    owner.insert(id.to_owned(), i);
                }
            }
        }
    }
    let mut groups: Vec<(usize, Vec<&Hit>)> = Vec::new();
    for (i, h) in hits.iter().enumerate() {
        let root = find(&mut parent, i);
        match groups.iter_mut().find(|(r, _)| *r == root) {
            Some((_, g)) => g.push(h),
            None => groups.push((root, vec![h])),
        }
    }
    Ok(groups.into_iter().map(|(_, g)| g).collect())
}

fn cvss_version(kind: &ScoreKind, vector: &str) -> Option<&'static str> {
    match kind {
        ScoreKind::CvssV4 => Some("4.0"),
        ScoreKind::CvssV3 if vector.starts_with("CVSS:3.0/") => Some("3.0"),
        ScoreKind::CvssV3 => Some("3.1"),
        ScoreKind::CvssV2 => Some("2.0"),
        _ => None,
    }
}

/// A severity from scores: the newest CVSS version wins; an Ubuntu priority counts as a label.
fn severity_from_scores(scores: &[SeverityScore]) -> Option<Severity> {
    for kind in [ScoreKind::CvssV4, ScoreKind::CvssV3, ScoreKind::CvssV2] {
        if let Some(s) = scores.iter().find(|s| s.kind == kind) {
            if let Ok(score) = cvss::base_score(&s.score) {
                return Some(cvss::severity(score));
            }
        }
    }
    scores.iter().find(|s| s.kind == ScoreKind::Ubuntu).and_then(|s| crate::model::severity_from_label(&s.score))
}

fn finding(pkg: &Package, q: &PackageQuery, group: &[&Hit], heads: &HashMap<i64, Rc<Advisory>>) -> Vulnerability {
    let advisories: Vec<&Advisory> = group.iter().filter_map(|h| heads.get(&h.advisory).map(AsRef::as_ref)).collect();
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    for a in &advisories {
        ids.extend(a.ids());
    }
    let cves: Vec<&str> = ids.iter().copied().filter(|i| i.starts_with("CVE-")).collect();
    let primary = match (cves.as_slice(), advisories.first()) {
        ([one], _) => (*one).to_owned(),
        (_, Some(a)) => a.id.clone(),
        _ => String::new(),
    };
    let aliases: Vec<String> = ids.iter().filter(|i| **i != primary).map(|i| (*i).to_owned()).collect();
    let mut related: BTreeSet<String> = BTreeSet::new();
    for a in &advisories {
        related.extend(a.related.iter().chain(&a.upstream).filter(|r| !ids.contains(r.as_str())).cloned());
    }

    // The lowest fix among the advisories (they may disagree; the earliest fixing version is
    // what an upgrade must reach at least).
    let mut fixed: Option<(Option<Version>, String)> = None;
    for h in group {
        let Some(f) = &h.fixed else { continue };
        let fv = q.scheme.parse(f).ok();
        let better = match &fixed {
            None => true,
            Some((Some(cur), _)) => fv.as_ref().is_some_and(|v| v < cur),
            Some((None, _)) => fv.is_some(),
        };
        if better {
            fixed = Some((fv, f.clone()));
        }
    }

    let mut severity = Severity::Unknown;
    let mut cvss_list: Vec<CvssScore> = Vec::new();
    for (h, a) in group.iter().zip(&advisories) {
        let scores: Vec<SeverityScore> =
            if h.entry_severity.is_empty() { a.severity.clone() } else { h.entry_severity.clone() };
        let s =
            h.entry_label.or(a.severity_label).or_else(|| severity_from_scores(&scores)).unwrap_or(Severity::Unknown);
        severity = severity.max(s);
        for sc in &scores {
            let Some(version) = cvss_version(&sc.kind, &sc.score) else { continue };
            if cvss_list.iter().any(|c| c.vector == sc.score) {
                continue;
            }
            cvss_list.push(CvssScore {
                version: version.to_owned(),
                vector: sc.score.clone(),
                score: cvss::base_score(&sc.score).ok(),
            });
        }
    }
    let primary_adv =
        advisories.iter().find(|a| a.id == primary || a.aliases.contains(&primary)).or(advisories.first());
    let title =
        primary_adv.and_then(|a| a.summary.clone()).or_else(|| advisories.iter().find_map(|a| a.summary.clone()));
    let description =
        primary_adv.and_then(|a| a.details.clone()).or_else(|| advisories.iter().find_map(|a| a.details.clone()));
    let mut references: Vec<String> = Vec::new();
    for a in &advisories {
        for r in &a.references {
            if !references.contains(&r.url) {
                references.push(r.url.clone());
            }
        }
    }
    let sources: BTreeSet<&str> = advisories.iter().map(|a| a.source.as_str()).collect();
    let data_source = sources.into_iter().collect::<Vec<_>>().join(",");
    Vulnerability {
        id: primary,
        aliases,
        related: related.into_iter().collect(),
        package_name: pkg.name.clone(),
        package_version: pkg.version.clone(),
        package_kind: pkg.kind,
        purl: pkg.purl.clone(),
        status: if fixed.is_some() { VulnStatus::Fixed } else { VulnStatus::Unfixed },
        fixed_version: fixed.map(|(_, f)| f),
        severity,
        cvss: cvss_list,
        title,
        description,
        references,
        layer: pkg.layer.clone(),
        severity_source: (severity != Severity::Unknown).then(|| data_source.clone()),
        data_source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plimsoll_model::{OsFamily, PackageKind};

    fn os(family: OsFamily, id: &str, v: &str) -> OsRelease {
        OsRelease {
            family,
            id: id.into(),
            version_id: Some(v.into()),
            codename: None,
            pretty_name: None,
            source_path: "etc/os-release".into(),
        }
    }

    #[test]
    fn queries_use_source_packages_and_epochs() {
        let deb = os(OsFamily::Debian, "debian", "11");
        let mut p = Package::new(PackageKind::Dpkg, "libssl1.1", "1.1.1n-0+deb11u4", "var/lib/dpkg/status");
        p.source_name = Some("openssl".into());
        let q = query_for(&p, Some(&deb)).unwrap();
        assert_eq!(
            (q.ecosystem.as_str(), q.name.as_str(), q.version.as_str()),
            ("Debian:11", "openssl", "1.1.1n-0+deb11u4")
        );
        p.source_version = Some("1.1.1n-0+deb11u3".into());
        assert_eq!(query_for(&p, Some(&deb)).unwrap().version, "1.1.1n-0+deb11u3");

        let alma = os(OsFamily::Almalinux, "almalinux", "9.3");
        let mut r = Package::new(PackageKind::Rpm, "openssl-libs", "3.0.7-24.el9", "var/lib/rpm/rpmdb.sqlite");
        r.epoch = Some(1);
        r.source_name = Some("openssl".into());
        let q = query_for(&r, Some(&alma)).unwrap();
        assert_eq!(
            (q.ecosystem.as_str(), q.name.as_str(), q.version.as_str()),
            ("AlmaLinux:9", "openssl-libs", "1:3.0.7-24.el9")
        );

        assert!(query_for(&p, None).is_err(), "OS package without OS");
        assert!(query_for(&p, Some(&alma)).is_err(), "dpkg package on AlmaLinux");

        let mut go = Package::new(PackageKind::Go, "stdlib", "go1.21.0", "usr/bin/app");
        assert_eq!(query_for(&go, None).unwrap().version, "1.21.0");
        go.origin = Some(PackageOrigin::Local);
        assert!(query_for(&go, None).is_err());
    }
}
