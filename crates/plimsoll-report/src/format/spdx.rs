//! SPDX 2.3 JSON.
//!
//! The document DESCRIBES one package for the scanned artifact (purpose `CONTAINER` for an image,
//! `APPLICATION` for a filesystem), which CONTAINS a package for the OS (`OPERATING-SYSTEM`) and
//! one per installed package (`LIBRARY`). Packages are metadata only (`filesAnalyzed: false`).
//!
//! `licenseDeclared` must be an SPDX license expression, which most rpm and Debian license
//! strings are not: valid ones are kept, anything else becomes a `LicenseRef-` whose original text
//! is recorded in `hasExtractedLicensingInfos`, as the spec prescribes for licenses outside the
//! SPDX list. Nothing is concluded (`licenseConcluded: NOASSERTION`): we only report what the
//! package manager declared.

use std::collections::{BTreeMap, HashSet};

use plimsoll_model::{ArtifactKind, DiagnosticLevel, OsRelease, Package, ScanReport};
use serde::Serialize;

use super::layer_of;
use crate::license::{Classifier, Declared};
use crate::{ident, time, ReportError};

const NOASSERTION: &str = "NOASSERTION";
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";
const OS_ID: &str = "SPDXRef-OperatingSystem";

/// Base of `documentNamespace`. The namespace identifies the document and need not resolve;
/// `.invalid` (RFC 2606) guarantees it never points at someone else's server.
const NAMESPACE_BASE: &str = "https://plimsoll.invalid/spdxdocs";

pub(crate) fn render(report: &ScanReport) -> Result<Vec<u8>, ReportError> {
    let doc = build(report)?;
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    Ok(out)
}

fn build(report: &ScanReport) -> Result<Document, ReportError> {
    let artifact = &report.artifact;
    let (tool_name, tool_version) = ident::tool(report);
    let tool = match tool_version {
        Some(v) => format!("Tool: {tool_name}-{v}"),
        None => format!("Tool: {tool_name}"),
    };
    let (root_id, purpose, kind) = match artifact.kind {
        ArtifactKind::ContainerImage => ("SPDXRef-ContainerImage", "CONTAINER", "image"),
        ArtifactKind::Filesystem => ("SPDXRef-Filesystem", "APPLICATION", "filesystem"),
        ArtifactKind::ContainerEngine => ("SPDXRef-ContainerEngine", "OTHER", "container-engine"),
    };
    let uuid = ident::document_uuid(report, "spdx")?;
    let mut name_part = ident::spdx_id_part(&artifact.name);
    name_part.truncate(64);
    let namespace = format!("{NAMESPACE_BASE}/{kind}/{}-{uuid}", name_part.trim_matches('-'));

    let mut packages = Vec::with_capacity(report.packages.len() + 2);
    let mut relationships = vec![Relationship::new(DOCUMENT_ID, "DESCRIBES", root_id)];
    packages.push(SpdxPackage {
        spdx_id: root_id.to_owned(),
        name: artifact.name.clone(),
        version_info: ident::image_digest(artifact).map(ToString::to_string),
        external_refs: ident::image_purl(artifact).map(purl_ref).into_iter().collect(),
        primary_package_purpose: purpose,
        ..SpdxPackage::new()
    });
    if let Some(os) = &report.os {
        packages.push(os_package(os));
        relationships.push(Relationship::new(root_id, "CONTAINS", OS_ID));
    }
    let mut licenses = ExtractedLicenses::default();
    for (i, pkg) in report.packages.iter().enumerate() {
        let p = package(report, pkg, i, &mut licenses);
        relationships.push(Relationship::new(root_id, "CONTAINS", &p.spdx_id));
        packages.push(p);
    }

    Ok(Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: DOCUMENT_ID,
        name: artifact.name.clone(),
        document_namespace: namespace,
        comment: diagnostics_comment(report),
        creation_info: CreationInfo {
            created: time::utc_seconds(&report.created_at)?,
            creators: vec![tool],
            license_list_version: license_list_version(),
        },
        packages,
        has_extracted_licensing_infos: licenses.into_infos(),
        relationships,
    })
}

fn os_package(os: &OsRelease) -> SpdxPackage {
    SpdxPackage {
        spdx_id: OS_ID.to_owned(),
        name: os.id.clone(),
        version_info: os.version_id.clone(),
        description: os.pretty_name.clone(),
        primary_package_purpose: "OPERATING-SYSTEM",
        ..SpdxPackage::new()
    }
}

fn package(report: &ScanReport, pkg: &Package, index: usize, licenses: &mut ExtractedLicenses) -> SpdxPackage {
    // `<name>-<index>`: the index ends in digits after the last `-`, so ids cannot collide.
    let spdx_id = format!("SPDXRef-Package-{}-{index}", ident::spdx_id_part(&pkg.name));
    let mut source = format!("package found in: {}", pkg.found_in);
    if let Some(layer) = layer_of(report, pkg) {
        source.push_str(&format!("; layer {}", layer.index));
        if let Some(d) = layer.diff_id {
            source.push_str(&format!(" (diff_id {d})"));
        }
        if let Some(c) = layer.created_by {
            source.push_str(&format!(": {}", c.trim()));
        }
    }
    if let Some(name) = &pkg.source_name {
        source.push_str(&format!("; source package: {name}"));
        if let Some(v) = &pkg.source_version {
            source.push_str(&format!(" {v}"));
        }
    }
    SpdxPackage {
        spdx_id,
        name: pkg.name.clone(),
        version_info: Some(pkg.version.clone()).filter(|v| !v.is_empty()),
        supplier: pkg.supplier.as_deref().and_then(supplier).unwrap_or_else(|| NOASSERTION.to_owned()),
        license_declared: licenses.declared(&pkg.licenses),
        source_info: Some(source),
        external_refs: Some(pkg.purl.clone()).filter(|p| !p.is_empty()).map(purl_ref).into_iter().collect(),
        primary_package_purpose: "LIBRARY",
        ..SpdxPackage::new()
    }
}

fn purl_ref(purl: String) -> ExternalRef {
    ExternalRef { reference_category: "PACKAGE-MANAGER", reference_type: "purl", reference_locator: purl }
}

/// `Organization: Name (email)` from a maintainer string such as `Name <email>`. The agent syntax
/// has no escaping, so parentheses and control characters are dropped; `None` if no name is
/// left.
fn supplier(s: &str) -> Option<String> {
    let keep = |c: &char| !c.is_control() && !matches!(c, '(' | ')' | '<' | '>');
    let (name, email) = match s.split_once('<') {
        Some((name, rest)) => (name, rest.split('>').next().unwrap_or("")),
        None => (s, ""),
    };
    let name: String = name.chars().filter(keep).collect();
    let email: String = email.chars().filter(keep).collect();
    let (name, email) = (name.trim(), email.trim());
    match (name.is_empty(), email.is_empty()) {
        (true, _) => None,
        (false, true) => Some(format!("Organization: {name}")),
        (false, false) => Some(format!("Organization: {name} ({email})")),
    }
}

/// The `LicenseRef-`s this document defines, one per distinct non-SPDX license text.
#[derive(Default)]
struct ExtractedLicenses {
    /// License text -> its `LicenseRef-` id.
    by_text: BTreeMap<String, String>,
    ids: HashSet<String>,
    classifier: Classifier,
}

impl ExtractedLicenses {
    /// The `licenseDeclared` expression for a package's declared licenses, all of which apply
    /// (AND); `NOASSERTION` when it declares none.
    fn declared(&mut self, declared: &[String]) -> String {
        let mut seen = HashSet::new();
        let parts: Vec<String> = declared
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty() && seen.insert(*s))
            .map(|s| match self.classifier.classify(s) {
                Declared::Id(id) => id,
                Declared::Expression(e) if declared.len() > 1 => format!("({e})"),
                Declared::Expression(e) => e,
                Declared::Text(t) => self.reference(&t),
            })
            .collect();
        if parts.is_empty() {
            NOASSERTION.to_owned()
        } else {
            parts.join(" AND ")
        }
    }

    fn reference(&mut self, text: &str) -> String {
        if let Some(id) = self.by_text.get(text) {
            return id.clone();
        }
        // `+` ("or later") matters to a reader of the id: keep it as a word.
        let mut base = ident::spdx_id_part(&text.replace('+', "-plus"));
        base.truncate(64);
        let base = format!("LicenseRef-{}", base.trim_matches('-'));
        let base = if base == "LicenseRef-" { "LicenseRef-unnamed".to_owned() } else { base };
        // Different texts can sanitise alike (`GPL-2` and `GPL 2`); number the later ones.
        let mut id = base.clone();
        let mut n = 2;
        while self.ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.ids.insert(id.clone());
        self.by_text.insert(text.to_owned(), id.clone());
        id
    }

    fn into_infos(self) -> Vec<ExtractedLicensingInfo> {
        let mut infos: Vec<_> = self
            .by_text
            .into_iter()
            .map(|(text, id)| ExtractedLicensingInfo {
                license_id: id,
                name: text.clone(),
                extracted_text: text,
                comment: "License as declared by the package manager; not on the SPDX License List.",
            })
            .collect();
        infos.sort_by(|a, b| a.license_id.cmp(&b.license_id));
        infos
    }
}

/// The SPDX License List version of the `spdx` crate's data, as `M.N` (SPDX 2.3 section 6.7).
fn license_list_version() -> String {
    spdx::identifiers::VERSION.split('.').take(2).collect::<Vec<_>>().join(".")
}

fn diagnostics_comment(report: &ScanReport) -> Option<String> {
    if report.diagnostics.is_empty() {
        return None;
    }
    let lines: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| {
            let level = match d.level {
                DiagnosticLevel::Warning => "warning",
                DiagnosticLevel::Error => "error",
            };
            let mut s = format!("{level}: {}", d.message);
            if let Some(l) = d.layer {
                s.push_str(&format!(" (layer {l})"));
            }
            if let Some(p) = &d.path {
                s.push_str(&format!(" ({p})"));
            }
            s
        })
        .collect();
    Some(format!("The scan reported problems; the package list may be incomplete.\n{}", lines.join("\n")))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    creation_info: CreationInfo,
    packages: Vec<SpdxPackage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicensingInfo>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
    license_list_version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    name: String,
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    supplier: String,
    download_location: &'static str,
    files_analyzed: bool,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
}

impl SpdxPackage {
    /// A package that asserts nothing beyond its id and name.
    fn new() -> Self {
        SpdxPackage {
            name: String::new(),
            spdx_id: String::new(),
            version_info: None,
            supplier: NOASSERTION.to_owned(),
            download_location: NOASSERTION,
            files_analyzed: false,
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION.to_owned(),
            copyright_text: NOASSERTION,
            description: None,
            source_info: None,
            external_refs: Vec::new(),
            primary_package_purpose: "OTHER",
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicensingInfo {
    license_id: String,
    extracted_text: String,
    name: String,
    comment: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

impl Relationship {
    fn new(from: &str, kind: &'static str, to: &str) -> Self {
        Relationship { spdx_element_id: from.to_owned(), relationship_type: kind, related_spdx_element: to.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppliers_follow_the_agent_syntax() {
        assert_eq!(
            supplier("Debian GCC Maintainers <debian-gcc@lists.debian.org>").as_deref(),
            Some("Organization: Debian GCC Maintainers (debian-gcc@lists.debian.org)")
        );
        assert_eq!(supplier("Red Hat, Inc.").as_deref(), Some("Organization: Red Hat, Inc."));
        assert_eq!(supplier("Evil (x) <a(b)@c>\n").as_deref(), Some("Organization: Evil x (ab@c)"));
        assert_eq!(supplier(" <a@b> "), None);
        assert_eq!(supplier(""), None);
    }

    #[test]
    fn declared_licenses_become_expressions_or_refs() {
        let mut x = ExtractedLicenses::default();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(x.declared(&[]), "NOASSERTION");
        assert_eq!(x.declared(&s(&["MIT"])), "MIT");
        assert_eq!(x.declared(&s(&["mit or Apache-2.0"])), "MIT OR Apache-2.0");
        assert_eq!(
            x.declared(&s(&["GPLv2+", "MIT", "MIT OR BSD-2-Clause"])),
            "LicenseRef-GPLv2-plus AND MIT AND (MIT OR BSD-2-Clause)"
        );
        assert_eq!(x.declared(&s(&["GPLv2 plus"])), "LicenseRef-GPLv2-plus-2", "another text sanitising alike");
        assert_eq!(x.declared(&s(&["GPLv2+"])), "LicenseRef-GPLv2-plus", "the same text reuses its id");
        assert_eq!(x.declared(&s(&["???"])), "LicenseRef-unnamed");
        assert_eq!(x.declared(&s(&["NOASSERTION"])), "LicenseRef-NOASSERTION");
        let infos = x.into_infos();
        assert_eq!(infos.len(), 4);
        assert!(infos.iter().any(|i| i.license_id == "LicenseRef-GPLv2-plus" && i.extracted_text == "GPLv2+"));
    }

    #[test]
    fn license_list_version_is_major_minor() {
        let v = license_list_version();
        assert_eq!(v.split('.').count(), 2, "{v}");
        assert!(v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())), "{v}");
    }
}
