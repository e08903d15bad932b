//! CycloneDX 1.6 JSON.
//!
//! Our own serde types: the `cyclonedx-bom` crate stops at 1.5. The BOM describes the scanned
//! artifact as `metadata.component` (a `container` for an image, an `application` for a
//! filesystem, as Trivy does), the OS as an `operating-system` component, and each package as a
//! `library` whose `bom-ref` is its purl. The dependency graph says what we know: the artifact
//! holds the OS and the language packages, the OS holds its packages. Packages get no entry of
//! their own, which CycloneDX reads as "dependencies unknown" (an empty `dependsOn` would claim
//! they have none).
//!
//! Vulnerability findings become `vulnerabilities`, one per vulnerability id per package purl:
//! `affects` names the package components by their `bom-ref` (every component with that purl,
//! since two installs of one name and version are both affected), aliases are `references`,
//! the finding's severity and each CVSS vector are `ratings`, the fixed version is both a
//! `recommendation` and an `unaffected` version.
//!
//! Findings the ignore file or a VEX document suppressed are listed too, after the reported ones,
//! with an `analysis` saying why (see [`analysis`]): CycloneDX is a VEX format, and dropping them
//! would make a suppressed vulnerability indistinguishable from one never found. A reported
//! finding has no `analysis`, which CycloneDX reads as "not analysed".
//!
//! [`enrich`] writes the same `vulnerabilities` into an existing CycloneDX document instead of a
//! new one (`plimsoll sbom IN.cdx.json --format cyclonedx`); its doc says what else it changes.
//!
//! plimsoll-specific facts travel as `properties` named `plimsoll:<subject>:<field>`.

use std::collections::{HashMap, HashSet};

use plimsoll_model::vuln::{CvssScore, Vulnerability};
use plimsoll_model::{
    Artifact, ArtifactKind, Diagnostic, FindingKind, OsRelease, Package, ScanReport, Severity, Suppressed,
    SuppressionSource,
};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::{kind_name, layer_of, package_of};
use crate::license::{Classifier, Declared};
use crate::{ident, time, ReportError};

const SPEC_VERSION: &str = "1.6";
/// The minor version of [`SPEC_VERSION`].
const SPEC_MINOR: u32 = 6;

pub(crate) fn render(report: &ScanReport) -> Result<Vec<u8>, ReportError> {
    let bom = build(report)?;
    let mut out = serde_json::to_vec_pretty(&bom)?;
    out.push(b'\n');
    Ok(out)
}

fn build(report: &ScanReport) -> Result<Bom, ReportError> {
    let (tool_name, tool_version) = ident::tool(report);
    let root = artifact_component(&report.artifact, report);
    let root_ref = root.bom_ref.clone().unwrap_or_default();
    let os = report.os.as_ref().map(os_component);
    let os_ref = os.as_ref().and_then(|c| c.bom_ref.clone());

    let mut refs = HashSet::new();
    let mut classifier = Classifier::default();
    let mut root_deps = Vec::new();
    let mut os_deps = Vec::new();
    let mut components = Vec::with_capacity(report.packages.len() + 1);
    let mut package_refs = Vec::with_capacity(report.packages.len());
    components.extend(os);
    for (i, pkg) in report.packages.iter().enumerate() {
        let c = package_component(report, pkg, i, &mut refs, &mut classifier);
        let r = c.bom_ref.clone().unwrap_or_default();
        package_refs.push(r.clone());
        if pkg.kind.is_os() && os_ref.is_some() {
            os_deps.push(r);
        } else {
            root_deps.push(r);
        }
        components.push(c);
    }
    let mut dependencies = Vec::new();
    if let Some(os_ref) = os_ref {
        root_deps.insert(0, os_ref.clone());
        dependencies.push(Dependency { reference: os_ref, depends_on: os_deps });
    }
    dependencies.insert(0, Dependency { reference: root_ref, depends_on: root_deps });

    Ok(Bom {
        schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
        bom_format: "CycloneDX",
        spec_version: SPEC_VERSION,
        serial_number: format!("urn:uuid:{}", ident::document_uuid(report, "cyclonedx")?),
        version: 1,
        metadata: Metadata {
            timestamp: time::utc_seconds(&report.created_at)?,
            tools: Tools {
                components: vec![Component {
                    kind: "application",
                    name: tool_name,
                    version: tool_version,
                    ..Component::default()
                }],
            },
            component: root,
            properties: report_properties(report),
        },
        components,
        dependencies,
        vulnerabilities: vulnerabilities(report, &package_refs, SPEC_MINOR),
    })
}

/// One entry per vulnerability id per affected purl (findings for two installs that share a
/// purl say the same thing), in report order; then the suppressed vulnerability findings, the same
/// way, each with its `analysis`. `package_refs` are the packages' component `bom-ref`s, index for
/// index; `spec_minor` is the CycloneDX 1.x version written to.
fn vulnerabilities(report: &ScanReport, package_refs: &[String], spec_minor: u32) -> Vec<CdxVulnerability> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    // (id, component) pairs a reported finding already names as affected.
    let mut reported: HashSet<(&str, &str)> = HashSet::new();
    for (i, v) in report.vulnerabilities.iter().enumerate() {
        let affected = affected_refs(report, package_refs, v);
        let key = (v.id.as_str(), affected.first().copied().unwrap_or(""), if affected.is_empty() { i } else { 0 });
        if !seen.insert(key) {
            continue;
        }
        reported.extend(affected.iter().map(|r| (v.id.as_str(), *r)));
        let bom_ref = match affected.first() {
            Some(r) => format!("{}/{r}", v.id),
            None => format!("{}/finding-{i}", v.id),
        };
        out.push(vulnerability(v, bom_ref, &affected, None, spec_minor));
    }
    let mut seen = HashSet::new();
    for (i, s) in report.suppressed.iter().enumerate() {
        // Secrets and misconfigurations are not CycloneDX vulnerabilities; a suppression without
        // its finding (a report from before 1.3) has nothing to describe.
        let Some(v) = s.vulnerability.as_deref().filter(|_| s.kind == FindingKind::Vulnerability) else {
            continue;
        };
        let mut affected = affected_refs(report, package_refs, v);
        let matched = !affected.is_empty();
        // Two installs sharing a purl, one suppressed (a path-scoped ignore entry) and one not: the
        // component already listed as affected stays so, and only the other gets the analysis.
        affected.retain(|r| !reported.contains(&(v.id.as_str(), *r)));
        if matched && affected.is_empty() {
            continue;
        }
        let key = (v.id.as_str(), affected.first().copied().unwrap_or(""), if affected.is_empty() { i } else { 0 });
        if !seen.insert(key) {
            continue;
        }
        // Unique: a reported entry of the same id never names these components first.
        let bom_ref = match affected.first() {
            Some(r) => format!("{}/{r}", v.id),
            None => format!("{}/suppressed-{i}", v.id),
        };
        out.push(vulnerability(v, bom_ref, &affected, Some(s), spec_minor));
    }
    out
}

/// The `bom-ref`s of the components a finding is about: every package with its purl, else the
/// package it names by kind, name and version.
fn affected_refs<'a>(report: &ScanReport, package_refs: &'a [String], v: &Vulnerability) -> Vec<&'a str> {
    let mut affected: Vec<&str> = if v.purl.is_empty() {
        Vec::new()
    } else {
        report.packages.iter().zip(package_refs).filter(|(p, _)| p.purl == v.purl).map(|(_, r)| r.as_str()).collect()
    };
    if affected.is_empty() {
        if let Some(p) = package_of(report, v) {
            let at = report.packages.iter().position(|q| std::ptr::eq(q, p));
            affected.extend(at.and_then(|at| package_refs.get(at)).map(String::as_str));
        }
    }
    affected
}

/// CycloneDX's `analysis` of a suppressed finding.
///
/// An OpenVEX statement maps status for status: `not_affected` to `not_affected`, `fixed` to
/// `resolved` (the only statuses that suppress). OpenVEX's five justifications map to the closest
/// of CycloneDX's nine, and the original is kept in the `plimsoll:vex:justification` property
/// because the mapping loses detail:
/// - `component_not_present`, `vulnerable_code_not_present` -> `code_not_present` (CycloneDX has no
///   "component absent" value; `requires_dependency` means a *different* dependency is missing);
/// - `vulnerable_code_not_in_execute_path` -> `code_not_reachable`;
/// - `vulnerable_code_cannot_be_controlled_by_adversary` -> `requires_environment`: the code runs,
///   but the environment an attack needs (adversary-controlled input) is not there; the
///   `protected_*` values would claim a protection that the statement does not name;
/// - `inline_mitigations_already_exist` -> `protected_by_mitigating_control`.
///
/// `detail` is the statement's impact statement (`not_affected`) or action statement, else the
/// suppression's reason, which names the OpenVEX status and justification.
///
/// An ignore-file entry becomes `in_triage`, not `not_affected`: the entry records that someone
/// decided not to act on the finding for now (often until its `expires` date), with a free-text
/// reason; it does not assert that the component is unaffected, and `not_affected` is a claim
/// CycloneDX consumers (Dependency-Track, scanners reading embedded VEX) act on by silencing the
/// vulnerability for everyone downstream. `in_triage` keeps the finding visible as undecided
/// there. The reason is the `detail`, with the expiry date when the entry has one.
///
/// No `response` is written: neither input says how the vulnerability was (or will be) handled
/// in the sense of CycloneDX's `can_not_fix` / `will_not_fix` / `update` / `rollback` /
/// `workaround_available`, and inventing one would misstate the user's decision.
fn analysis(s: &Suppressed) -> Analysis {
    match (s.source, &s.vex) {
        (SuppressionSource::Vex, Some(vex)) => {
            let state = match vex.status.as_str() {
                "not_affected" => "not_affected",
                "fixed" => "resolved",
                "affected" => "exploitable",
                _ => "in_triage",
            };
            let justification = match vex.justification.as_deref() {
                _ if state != "not_affected" => None,
                Some("component_not_present" | "vulnerable_code_not_present") => Some("code_not_present"),
                Some("vulnerable_code_not_in_execute_path") => Some("code_not_reachable"),
                Some("vulnerable_code_cannot_be_controlled_by_adversary") => Some("requires_environment"),
                Some("inline_mitigations_already_exist") => Some("protected_by_mitigating_control"),
                _ => None,
            };
            let statement = if state == "not_affected" { &vex.impact_statement } else { &vex.action_statement };
            let detail = statement.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| s.reason.clone());
            Analysis { state, justification, detail }
        }
        _ => {
            let detail = match &s.expires {
                Some(date) => format!("{} (ignored until {date})", s.reason),
                None => s.reason.clone(),
            };
            Analysis { state: "in_triage", justification: None, detail }
        }
    }
}

fn suppression_properties(s: &Suppressed) -> Vec<Property> {
    let mut props = vec![Property::new("plimsoll:suppression:source", super::serde_name(s.source))];
    props.extend(s.origin.iter().map(|o| Property::new("plimsoll:suppression:origin", o.clone())));
    props.extend(s.expires.iter().map(|e| Property::new("plimsoll:suppression:expires", e.clone())));
    if let Some(vex) = &s.vex {
        props.push(Property::new("plimsoll:vex:status", vex.status.clone()));
        props.extend(vex.justification.iter().map(|j| Property::new("plimsoll:vex:justification", j.clone())));
    }
    props
}

fn vulnerability(
    v: &Vulnerability,
    bom_ref: String,
    affected: &[&str],
    suppressed: Option<&Suppressed>,
    spec_minor: u32,
) -> CdxVulnerability {
    let mut ratings = vec![Rating {
        source: Some(Source { name: v.data_source.clone(), url: None }),
        score: None,
        severity: cdx_severity(v.severity),
        method: None,
        vector: None,
    }];
    ratings.extend(v.cvss.iter().map(|c| cvss_rating(c, spec_minor)));
    let mut versions = vec![AffectedVersion { version: v.package_version.clone(), status: "affected" }];
    if let Some(f) = v.fixed_version.as_ref().filter(|f| !f.is_empty()) {
        versions.push(AffectedVersion { version: f.clone(), status: "unaffected" });
    }
    versions.retain(|x| !x.version.is_empty());
    let mut props = vec![
        Property::new("plimsoll:vulnerability:package", format!("{} {}", v.package_name, v.package_version)),
        Property::new("plimsoll:vulnerability:status", super::serde_name(v.status)),
    ];
    if let (Some(_), Some(title)) = (&v.description, &v.title) {
        props.push(Property::new("plimsoll:vulnerability:title", title.clone()));
    }
    props.extend(v.related.iter().map(|r| Property::new("plimsoll:vulnerability:related", r.clone())));
    props.extend(suppressed.into_iter().flat_map(suppression_properties));
    CdxVulnerability {
        bom_ref,
        id: v.id.clone(),
        source: Some(id_source(&v.id).unwrap_or_else(|| Source { name: v.data_source.clone(), url: None })),
        references: v
            .aliases
            .iter()
            .filter(|a| **a != v.id)
            .map(|a| Reference {
                id: a.clone(),
                source: id_source(a).unwrap_or_else(|| Source { name: v.data_source.clone(), url: None }),
            })
            .collect(),
        ratings,
        description: v.description.clone().or_else(|| v.title.clone()),
        recommendation: v.fixed_version.as_ref().map(|f| format!("Upgrade {} to {f}", v.package_name)),
        advisories: v
            .references
            .iter()
            .filter(|r| (r.starts_with("https://") || r.starts_with("http://")) && !r.contains(char::is_whitespace))
            .map(|r| Advisory { url: r.clone() })
            .collect(),
        analysis: suppressed.map(analysis),
        affects: affected
            .iter()
            .map(|r| Affects {
                reference: (*r).to_owned(),
                versions: versions
                    .iter()
                    .map(|x| AffectedVersion { version: x.version.clone(), status: x.status })
                    .collect(),
            })
            .collect(),
        properties: props,
    }
}

/// Where an id is published, from its prefix.
fn id_source(id: &str) -> Option<Source> {
    let (name, url) = if id.starts_with("CVE-") {
        ("NVD", format!("https://nvd.nist.gov/vuln/detail/{id}"))
    } else if id.starts_with("GHSA-") {
        ("GitHub Advisory Database", format!("https://github.com/advisories/{id}"))
    } else if ["PYSEC-", "RUSTSEC-", "GO-", "OSV-", "MAL-"].iter().any(|p| id.starts_with(p)) {
        ("OSV", format!("https://osv.dev/vulnerability/{id}"))
    } else {
        return None;
    };
    Some(Source { name: name.to_owned(), url: Some(url) })
}

fn cdx_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Unknown => "unknown",
    }
}

fn cvss_rating(c: &CvssScore, spec_minor: u32) -> Rating {
    let method = match c.version.as_str() {
        "2.0" => "CVSSv2",
        "3.0" => "CVSSv3",
        "3.1" => "CVSSv31",
        // CycloneDX 1.4 (an enriched input document) has no CVSSv4 method; the vector says it.
        "4.0" if spec_minor >= 5 => "CVSSv4",
        _ => "other",
    };
    let score = c.score.filter(|s| (0.0..=10.0).contains(s));
    // The specifications' qualitative ratings; v2 has no "critical" and no "none".
    let severity = match (score, method) {
        (None, _) => "unknown",
        (Some(s), "CVSSv2") if s >= 7.0 => "high",
        (Some(s), "CVSSv2") if s >= 4.0 => "medium",
        (Some(_), "CVSSv2") => "low",
        (Some(s), _) if s >= 9.0 => "critical",
        (Some(s), _) if s >= 7.0 => "high",
        (Some(s), _) if s >= 4.0 => "medium",
        (Some(s), _) if s > 0.0 => "low",
        (Some(_), _) => "none",
    };
    Rating { source: None, score, severity, method: Some(method), vector: Some(c.vector.clone()) }
}

fn artifact_component(artifact: &Artifact, report: &ScanReport) -> Component {
    let purl = ident::image_purl(artifact);
    let mut props = Vec::new();
    if let Some(id) = &artifact.image_id {
        props.push(Property::new("plimsoll:image:id", id.to_string()));
    }
    if let Some(d) = &artifact.manifest_digest {
        props.push(Property::new("plimsoll:image:manifest_digest", d.to_string()));
    }
    for tag in &artifact.repo_tags {
        props.push(Property::new("plimsoll:image:repo_tag", tag.clone()));
    }
    if let Some(p) = &artifact.platform {
        props.push(Property::new("plimsoll:image:platform", p.clone()));
    }
    // Layer order matters; properties keep it (duplicate names are allowed, in order).
    for layer in &report.layers {
        props.push(Property::new("plimsoll:image:diff_id", layer.diff_id.to_string()));
    }
    let (kind, fallback_ref) = match artifact.kind {
        ArtifactKind::ContainerImage => ("container", "artifact:image"),
        ArtifactKind::Filesystem => ("application", "artifact:filesystem"),
        ArtifactKind::ContainerEngine => ("platform", "artifact:container-engine"),
    };
    Component {
        bom_ref: Some(purl.clone().unwrap_or_else(|| fallback_ref.to_owned())),
        kind,
        name: artifact.name.clone(),
        version: ident::image_digest(artifact).map(ToString::to_string),
        purl,
        properties: props,
        ..Component::default()
    }
}

fn os_component(os: &OsRelease) -> Component {
    let mut props = vec![Property::new("plimsoll:os:family", super::family_name(os.family))];
    if let Some(c) = &os.codename {
        props.push(Property::new("plimsoll:os:codename", c.clone()));
    }
    Component {
        bom_ref: Some(match &os.version_id {
            Some(v) => format!("os:{}@{v}", os.id),
            None => format!("os:{}", os.id),
        }),
        kind: "operating-system",
        name: os.id.clone(),
        version: os.version_id.clone(),
        description: os.pretty_name.clone(),
        properties: props,
        ..Component::default()
    }
}

fn package_component(
    report: &ScanReport,
    pkg: &Package,
    index: usize,
    refs: &mut HashSet<String>,
    classifier: &mut Classifier,
) -> Component {
    // The purl is the natural bom-ref, but two packages can share one (the same wheel installed
    // in two virtualenvs); bom-refs must be unique, so later ones get the package's index.
    let bom_ref = if pkg.purl.is_empty() {
        format!("package:{index}")
    } else if refs.contains(&pkg.purl) {
        let sep = if pkg.purl.contains('?') { '&' } else { '?' };
        format!("{}{sep}package-id={index}", pkg.purl)
    } else {
        pkg.purl.clone()
    };
    refs.insert(bom_ref.clone());

    let mut props = vec![Property::new("plimsoll:package:type", kind_name(pkg.kind))];
    if let Some(s) = &pkg.source_name {
        props.push(Property::new("plimsoll:package:source_name", s.clone()));
    }
    if let Some(s) = &pkg.source_version {
        props.push(Property::new("plimsoll:package:source_version", s.clone()));
    }
    props.push(Property::new("plimsoll:package:found_in", pkg.found_in.clone()));
    if let Some(layer) = layer_of(report, pkg) {
        props.push(Property::new("plimsoll:layer:index", layer.index.to_string()));
        if let Some(d) = layer.digest {
            props.push(Property::new("plimsoll:layer:digest", d.to_string()));
        }
        if let Some(d) = layer.diff_id {
            props.push(Property::new("plimsoll:layer:diff_id", d.to_string()));
        }
        if let Some(c) = layer.created_by {
            props.push(Property::new("plimsoll:layer:created_by", c.to_owned()));
        }
    }

    Component {
        bom_ref: Some(bom_ref),
        kind: "library",
        supplier: pkg
            .supplier
            .as_ref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| Supplier { name: s.trim().to_owned() }),
        name: pkg.name.clone(),
        version: Some(pkg.version.clone()).filter(|v| !v.is_empty()),
        licenses: licenses(&pkg.licenses, classifier),
        purl: Some(pkg.purl.clone()).filter(|p| !p.is_empty()),
        properties: props,
        ..Component::default()
    }
}

/// CycloneDX's `licenses` is either a list of `license` objects (an SPDX id or a free name) or
/// exactly one `expression`, never both. Plain ids and names make a list; a compound expression
/// among them turns the whole set into one expression, which only works if every entry is SPDX
/// (free text cannot go into an expression), otherwise all are listed by name.
fn licenses(declared: &[String], classifier: &mut Classifier) -> Vec<LicenseChoice> {
    let mut seen = HashSet::new();
    let classified: Vec<Declared> = declared
        .iter()
        .filter(|s| !s.trim().is_empty() && seen.insert(s.trim()))
        .map(|s| classifier.classify(s))
        .collect();
    let has_expression = classified.iter().any(|d| matches!(d, Declared::Expression(_)));
    let all_spdx = classified.iter().all(|d| !matches!(d, Declared::Text(_)));
    if has_expression && all_spdx {
        let parts: Vec<String> = classified
            .iter()
            .map(|d| match d {
                Declared::Expression(e) if classified.len() > 1 => format!("({e})"),
                Declared::Id(s) | Declared::Expression(s) | Declared::Text(s) => s.clone(),
            })
            .collect();
        return vec![LicenseChoice::Expression { expression: parts.join(" AND "), acknowledgement: "declared" }];
    }
    classified
        .into_iter()
        .map(|d| {
            let (id, name) = match d {
                Declared::Id(id) if !has_expression => (Some(id), None),
                Declared::Id(s) | Declared::Expression(s) | Declared::Text(s) => (None, Some(s)),
            };
            LicenseChoice::License { license: License { id, name, acknowledgement: "declared" } }
        })
        .collect()
}

fn report_properties(report: &ScanReport) -> Vec<Property> {
    let mut props = vec![Property::new("plimsoll:report:schema_version", report.schema_version.clone())];
    // Diagnostics say the inventory may be incomplete; an SBOM consumer should see that too.
    props.extend(report.diagnostics.iter().map(|d| Property::new("plimsoll:diagnostic", diagnostic_text(d))));
    props
}

fn diagnostic_text(d: &Diagnostic) -> String {
    let level = match d.level {
        plimsoll_model::DiagnosticLevel::Warning => "warning",
        plimsoll_model::DiagnosticLevel::Error => "error",
    };
    let mut s = format!("{level}: {}", d.message);
    if let Some(l) = d.layer {
        s.push_str(&format!(" (layer {l})"));
    }
    if let Some(p) = &d.path {
        s.push_str(&format!(" ({p})"));
    }
    s
}

/// Writes `report`'s vulnerabilities into `bom`, the CycloneDX document its packages were read
/// from, and returns the enriched document (pretty JSON, newline-terminated).
///
/// `pointers[i]` is the JSON Pointer (RFC 6901) of the component `report.packages[i]` was read
/// from. What changes, and nothing else does:
/// - `vulnerabilities` is replaced by this scan's findings (reported and suppressed, as [`build`]
///   writes them), `affects[].ref` naming the document's own components by their `bom-ref`; it is
///   removed when there are none. Vulnerability `bom-ref`s are made unique against every other
///   `bom-ref` in the document.
/// - A component that a finding affects but that has no `bom-ref` gets one (its purl, else a
///   `plimsoll:` name), since `affects` can only name components by `bom-ref`.
/// - `version` is incremented and `serialNumber` kept: CycloneDX says a modified BOM keeps its
///   serial number and increments its version ("when a system is presented with multiple BOMs with
///   identical serial numbers, the system SHOULD use the most recent version"). A document without
///   a serial number gets one (derived from the report, as new documents' are).
/// - `metadata.timestamp` becomes the scan's time (this version of the BOM was made then), and
///   plimsoll is added to `metadata.tools` (1.6: "the tool(s) used in the creation, enrichment,
///   and validation of the BOM") unless the same name and version is already there, in the form
///   the document uses (`tools.components` from 1.5, the legacy tool list otherwise).
///
/// The specVersion stays; what is written is valid in it (a CVSS 4 rating is `other` in 1.4).
/// Object keys come out in the 1.6 schema's order at the top level and sorted below it (JSON
/// objects are unordered; the document is round-tripped as a [`serde_json::Value`]).
pub(crate) fn enrich(mut bom: Value, report: &ScanReport, pointers: &[String]) -> Result<Vec<u8>, ReportError> {
    let cannot = |reason: String| ReportError::CannotEnrich { reason };
    if pointers.len() != report.packages.len() {
        return Err(cannot(format!("{} component locations for {} packages", pointers.len(), report.packages.len())));
    }
    let root = bom.as_object().ok_or_else(|| cannot("the document is not a JSON object".into()))?;
    if root.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(cannot("not a CycloneDX document (`bomFormat`)".into()));
    }
    let spec = root.get("specVersion").and_then(Value::as_str).unwrap_or("");
    let minor = spec
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u32>().ok())
        .ok_or_else(|| cannot(format!("specVersion `{}` is not 1.x", truncate(spec))))?;
    if minor < 4 {
        return Err(cannot(format!("CycloneDX {spec} has no `vulnerabilities` (they came in 1.4)")));
    }
    if root.get("metadata").is_some_and(|m| !m.is_object()) {
        return Err(cannot("`metadata` is not an object".into()));
    }

    // Every bom-ref in use, except those of the vulnerabilities being replaced.
    let mut taken: HashSet<String> = HashSet::new();
    for (k, v) in root {
        if k != "vulnerabilities" {
            collect_bom_refs(v, &mut taken);
        }
    }
    // Each package's component bom-ref; components without one get a provisional name, written
    // into the document only if a finding names it.
    let mut package_refs = Vec::with_capacity(pointers.len());
    let mut provisional: HashMap<String, &str> = HashMap::new();
    for (i, (pkg, pointer)) in report.packages.iter().zip(pointers).enumerate() {
        let component = bom
            .pointer(pointer)
            .and_then(Value::as_object)
            .ok_or_else(|| cannot(format!("no component at `{}`", truncate(pointer))))?;
        match component.get("bom-ref").and_then(Value::as_str).filter(|r| !r.is_empty()) {
            Some(r) => package_refs.push(r.to_owned()),
            None => {
                let base = if pkg.purl.is_empty() { format!("plimsoll:component-{i}") } else { pkg.purl.clone() };
                let mut r = base.clone();
                let mut n = 1;
                while taken.contains(&r) {
                    r = format!("{base}#plimsoll-{i}-{n}");
                    n += 1;
                }
                taken.insert(r.clone());
                provisional.insert(r.clone(), pointer.as_str());
                package_refs.push(r);
            }
        }
    }

    let mut vulns = vulnerabilities(report, &package_refs, minor);
    for v in &mut vulns {
        if taken.contains(&v.bom_ref) {
            let base = std::mem::take(&mut v.bom_ref);
            let mut n = 1;
            v.bom_ref = loop {
                let r = format!("{base}#{n}");
                if !taken.contains(&r) {
                    break r;
                }
                n += 1;
            };
        }
        taken.insert(v.bom_ref.clone());
    }
    let named: HashSet<&str> = vulns.iter().flat_map(|v| &v.affects).map(|a| a.reference.as_str()).collect();
    let mut assign: Vec<(&str, &str)> =
        provisional.iter().filter(|(r, _)| named.contains(r.as_str())).map(|(r, p)| (r.as_str(), *p)).collect();
    assign.sort_unstable();
    for (r, pointer) in assign {
        if let Some(c) = bom.pointer_mut(pointer).and_then(Value::as_object_mut) {
            c.insert("bom-ref".into(), Value::String(r.to_owned()));
        }
    }

    let timestamp = time::utc_seconds(&report.created_at)?;
    let serial = format!("urn:uuid:{}", ident::document_uuid(report, "cyclonedx-enriched")?);
    let (tool_name, tool_version) = ident::tool(report);
    let root = bom.as_object_mut().ok_or_else(|| cannot("the document is not a JSON object".into()))?;
    // Written from `vulns` by `TopLevel`, in their declared field order.
    root.remove("vulnerabilities");
    match root.get("version").map(|v| (v, v.as_u64())) {
        None => {
            root.insert("version".into(), Value::from(2u64));
        }
        Some((_, Some(n))) => {
            root.insert("version".into(), Value::from(n.saturating_add(1)));
        }
        // Not a number: the document is invalid there already, and not ours to repair.
        Some((_, None)) => {}
    }
    root.entry("serialNumber").or_insert(Value::String(serial));
    let metadata = root.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if let Some(metadata) = metadata.as_object_mut() {
        metadata.insert("timestamp".into(), Value::String(timestamp));
        add_tool(metadata, minor, &tool_name, tool_version.as_deref());
    }

    let mut out = serde_json::to_vec_pretty(&TopLevel { document: root, vulnerabilities: &vulns })?;
    out.push(b'\n');
    Ok(out)
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Every string `bom-ref` anywhere under `v` (components, services, annotations...). The depth
/// is bounded by the JSON parser's recursion limit; the walk uses its own stack anyway.
fn collect_bom_refs(v: &Value, out: &mut HashSet<String>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("bom-ref") {
                    out.insert(r.clone());
                }
                stack.extend(m.values());
            }
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
}

/// Adds plimsoll to `metadata.tools` in the document's own form, unless already listed.
fn add_tool(metadata: &mut Map<String, Value>, minor: u32, name: &str, version: Option<&str>) {
    let same = |t: &Value| {
        t.get("name").and_then(Value::as_str) == Some(name) && t.get("version").and_then(Value::as_str) == version
    };
    let mut tool = Map::new();
    tool.insert("name".into(), Value::String(name.to_owned()));
    if let Some(v) = version {
        tool.insert("version".into(), Value::String(v.to_owned()));
    }
    let as_component = || {
        let mut c = tool.clone();
        c.insert("type".into(), Value::String("application".into()));
        Value::Object(c)
    };
    match metadata.get_mut("tools") {
        // The legacy list (1.4's only form; deprecated but valid in 1.5 and 1.6).
        Some(Value::Array(list)) => {
            if !list.iter().any(same) {
                list.push(Value::Object(tool));
            }
        }
        Some(Value::Object(tools)) => {
            let components = tools.entry("components").or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = components {
                if !list.iter().any(same) {
                    list.push(as_component());
                }
            }
        }
        Some(_) => {}
        None => {
            let tools = if minor >= 5 {
                let mut t = Map::new();
                t.insert("components".into(), Value::Array(vec![as_component()]));
                Value::Object(t)
            } else {
                Value::Array(vec![Value::Object(tool)])
            };
            metadata.insert("tools".into(), tools);
        }
    }
}

/// A document's top level in the order the 1.6 schema lists its properties (unknown keys last),
/// so that an enriched document reads like a new one; `vulnerabilities` (left out when empty)
/// replace the document's own.
struct TopLevel<'a> {
    document: &'a Map<String, Value>,
    vulnerabilities: &'a [CdxVulnerability],
}

impl Serialize for TopLevel<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const ORDER: &[&str] = &[
            "$schema",
            "bomFormat",
            "specVersion",
            "serialNumber",
            "version",
            "metadata",
            "components",
            "services",
            "externalReferences",
            "dependencies",
            "compositions",
            "properties",
            "vulnerabilities",
            "annotations",
            "formulation",
            "declarations",
            "definitions",
            "signature",
        ];
        let doc = self.document;
        let mut map = serializer.serialize_map(None)?;
        for key in ORDER {
            if *key == "vulnerabilities" {
                if !self.vulnerabilities.is_empty() {
                    map.serialize_entry(key, self.vulnerabilities)?;
                }
            } else if let Some(v) = doc.get(*key) {
                map.serialize_entry(key, v)?;
            }
        }
        for (k, v) in doc.iter().filter(|(k, _)| !ORDER.contains(&k.as_str())) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<CdxVulnerability>,
}

#[derive(Serialize)]
struct CdxVulnerability {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<Reference>,
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advisories: Vec<Advisory>,
    /// Suppressed findings only; CycloneDX reads its absence as "not analysed".
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Analysis>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    affects: Vec<Affects>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

/// The VEX part of a vulnerability entry (CycloneDX 1.4+; `response`, `firstIssued` and
/// `lastUpdated` are not written, see [`analysis`]).
#[derive(Serialize)]
struct Analysis {
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'static str>,
    detail: String,
}

#[derive(Serialize)]
struct Source {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Reference {
    id: String,
    source: Source,
}

#[derive(Serialize)]
struct Rating {
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Serialize)]
struct Advisory {
    url: String,
}

#[derive(Serialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
    versions: Vec<AffectedVersion>,
}

#[derive(Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Supplier>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Supplier {
    name: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: License },
    Expression { expression: String, acknowledgement: &'static str },
}

#[derive(Serialize)]
struct License {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    acknowledgement: &'static str,
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

impl Property {
    fn new(name: &'static str, value: impl Into<String>) -> Self {
        Property { name, value: value.into() }
    }
}

#[derive(Serialize)]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn")]
    depends_on: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[LicenseChoice]) -> serde_json::Value {
        serde_json::to_value(v).unwrap()
    }

    #[test]
    fn license_lists_and_expressions() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let mut c = Classifier::default();
        assert_eq!(
            names(&licenses(&s(&["MIT", "GPLv2+", "MIT"]), &mut c)),
            serde_json::json!([
                {"license": {"id": "MIT", "acknowledgement": "declared"}},
                {"license": {"name": "GPLv2+", "acknowledgement": "declared"}},
            ])
        );
        assert_eq!(
            names(&licenses(&s(&["MIT", "Apache-2.0 or MIT"]), &mut c)),
            serde_json::json!([{"expression": "MIT AND (Apache-2.0 OR MIT)", "acknowledgement": "declared"}])
        );
        assert_eq!(
            names(&licenses(&s(&["GPL-2.0+"]), &mut c)),
            serde_json::json!([{"expression": "GPL-2.0+", "acknowledgement": "declared"}])
        );
        // An expression next to free text cannot be combined; everything becomes a name.
        assert_eq!(
            names(&licenses(&s(&["MIT AND BSD-2-Clause", "Artistic", "MIT"]), &mut c)),
            serde_json::json!([
                {"license": {"name": "MIT AND BSD-2-Clause", "acknowledgement": "declared"}},
                {"license": {"name": "Artistic", "acknowledgement": "declared"}},
                {"license": {"name": "MIT", "acknowledgement": "declared"}},
            ])
        );
        assert!(licenses(&s(&["", "  "]), &mut c).is_empty());
    }
}
