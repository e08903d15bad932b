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
//! `recommendation` and an `unaffected` version. A suppressed finding would carry `analysis`
//! (`state`, `justification`, `detail`): the report has no suppression data yet, so none is
//! written; [`CdxVulnerability`] is where it goes.
//!
//! plimsoll-specific facts travel as `properties` named `plimsoll:<subject>:<field>`.

use std::collections::HashSet;

use plimsoll_model::vuln::{CvssScore, Vulnerability};
use plimsoll_model::{Artifact, ArtifactKind, Diagnostic, OsRelease, Package, ScanReport, Severity};
use serde::Serialize;

use super::{kind_name, layer_of, package_of};
use crate::license::{Classifier, Declared};
use crate::{ident, time, ReportError};

const SPEC_VERSION: &str = "1.6";

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
        vulnerabilities: vulnerabilities(report, &package_refs),
    })
}

/// One entry per vulnerability id per affected purl (findings for two installs that share a
/// purl say the same thing), in report order.
fn vulnerabilities(report: &ScanReport, package_refs: &[String]) -> Vec<CdxVulnerability> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, v) in report.vulnerabilities.iter().enumerate() {
        let mut affected: Vec<&str> = if v.purl.is_empty() {
            Vec::new()
        } else {
            report
                .packages
                .iter()
                .zip(package_refs)
                .filter(|(p, _)| p.purl == v.purl)
                .map(|(_, r)| r.as_str())
                .collect()
        };
        if affected.is_empty() {
            if let Some(p) = package_of(report, v) {
                let at = report.packages.iter().position(|q| std::ptr::eq(q, p));
                affected.extend(at.and_then(|at| package_refs.get(at)).map(String::as_str));
            }
        }
        let key = (v.id.as_str(), affected.first().copied().unwrap_or(""), if affected.is_empty() { i } else { 0 });
        if !seen.insert(key) {
            continue;
        }
        let bom_ref = match affected.first() {
            Some(r) => format!("{}/{r}", v.id),
            None => format!("{}/finding-{i}", v.id),
        };
        out.push(vulnerability(v, bom_ref, &affected));
    }
    out
}

fn vulnerability(v: &Vulnerability, bom_ref: String, affected: &[&str]) -> CdxVulnerability {
    let mut ratings = vec![Rating {
        source: Some(Source { name: v.data_source.clone(), url: None }),
        score: None,
        severity: cdx_severity(v.severity),
        method: None,
        vector: None,
    }];
    ratings.extend(v.cvss.iter().map(cvss_rating));
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

fn cvss_rating(c: &CvssScore) -> Rating {
    let method = match c.version.as_str() {
        "2.0" => "CVSSv2",
        "3.0" => "CVSSv3",
        "3.1" => "CVSSv31",
        "4.0" => "CVSSv4",
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
    // `analysis` (VEX state, justification, response, detail) goes here once findings can be
    // suppressed; CycloneDX reads its absence as "not analysed".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    affects: Vec<Affects>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
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
