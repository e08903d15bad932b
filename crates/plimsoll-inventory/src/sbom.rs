//! Reading an existing SBOM back into an inventory, for `plimsoll sbom FILE`.
//!
//! Two formats, JSON only: CycloneDX 1.x (components at any nesting depth, the OS from an
//! `operating-system` component) and SPDX 2.2/2.3 (packages with a `purl` external reference, the
//! OS from a package whose `primaryPackagePurpose` is `OPERATING-SYSTEM`). Written by plimsoll or by
//! another tool: Trivy's and Syft's properties and purl qualifiers are understood.
//!
//! The purl is the source of truth for what a package is, because it is the only field every tool
//! fills the same way: its type gives the [`PackageKind`], its namespace and name the package name
//! in the ecosystem's own notation, its `epoch` qualifier the rpm/deb epoch, its `distro` qualifier
//! the OS release when the document has no OS component, and its `upstream` qualifier (Syft) the
//! source package. Components without a purl, or with a purl type plimsoll has no advisories for
//! (`oci`, `github`, `generic`...), are skipped and counted in [`SbomInventory::warnings`].
//!
//! Each package remembers the record it came from ([`SbomInventory::origins`]: the record's JSON
//! Pointer and its CycloneDX `bom-ref` or SPDX `SPDXID`), so that findings can be written back
//! into the same document against the same components.

use std::collections::BTreeMap;
use std::path::Path;

use plimsoll_model::purl::{self, Purl};
use plimsoll_model::{Digest, LayerRef, OsFamily, OsRelease, Package, PackageKind};
use serde::Deserialize;

use crate::lang::{count_records, Counted};
use crate::os_release::family_from_id;
use crate::MAX_PACKAGES_PER_FILE;

/// Largest SBOM read. The biggest real-world SBOMs (a fat JVM image) are tens of megabytes; the
/// document is held in memory whole, so this is also most of the memory reading one takes.
pub const MAX_SBOM_SIZE: u64 = 128 * 1024 * 1024;

/// Deepest component nesting followed. serde_json's own recursion limit (128) stops deeper JSON
/// before this matters; this keeps the walk itself bounded whatever the parser allows.
const MAX_NESTING: usize = 64;

/// What an SBOM says is installed.
#[derive(Debug, Clone, PartialEq)]
pub struct SbomInventory {
    pub os: Option<OsRelease>,
    /// With `purl` set to the purl the SBOM gave.
    pub packages: Vec<Package>,
    /// The detected format and version, e.g. `CycloneDX 1.6` or `SPDX-2.3`.
    pub format: String,
    /// Components skipped, grouped by reason, e.g. `3 components without a purl skipped`.
    pub warnings: Vec<String>,
    /// Where each package was read from, index for index with `packages`.
    pub origins: Vec<RecordRef>,
}

/// The record of the document a package was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    /// JSON Pointer (RFC 6901) to the CycloneDX component or SPDX package object, e.g.
    /// `/components/3/components/0` or `/packages/12`.
    pub pointer: String,
    /// The component's `bom-ref` (CycloneDX) or the package's `SPDXID` (SPDX), when it has one.
    pub id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomError {
    #[error("the SBOM is {size} bytes, more than the {limit}-byte limit")]
    TooLarge { size: u64, limit: u64 },
    #[error("not a JSON document: {0}")]
    NotJson(String),
    #[error("more than {limit} components or packages, the limit for one SBOM; it was not read")]
    TooManyComponents { limit: usize },
    #[error("unsupported SBOM format: {0}")]
    Unsupported(String),
    #[error("invalid {format} document: {reason}")]
    Invalid { format: String, reason: String },
    #[error("cannot read {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Any of the above, naming the file.
    #[error("{path}: {source}")]
    InFile {
        path: String,
        #[source]
        source: Box<SbomError>,
    },
}

/// Reads the SBOM at `path` (at most [`MAX_SBOM_SIZE`] bytes); errors name the file.
pub fn read_sbom_file(path: &Path) -> Result<SbomInventory, SbomError> {
    let bytes = read_sbom_bytes(path)?;
    read_sbom(&bytes).map_err(|e| SbomError::InFile { path: path.display().to_string(), source: Box::new(e) })
}

/// The bytes of the SBOM at `path`, at most [`MAX_SBOM_SIZE`] of them; errors name the file. For
/// callers that need the document itself as well as [`read_sbom`]'s inventory of it.
pub fn read_sbom_bytes(path: &Path) -> Result<Vec<u8>, SbomError> {
    use std::io::Read;
    let name = path.display().to_string();
    let io = |source| SbomError::Io { path: name.clone(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let too_large = |size| SbomError::InFile {
        path: name.clone(),
        source: Box::new(SbomError::TooLarge { size, limit: MAX_SBOM_SIZE }),
    };
    if size > MAX_SBOM_SIZE {
        return Err(too_large(size));
    }
    let mut bytes = Vec::new();
    // `take` as well: the file may grow between the size check and the read.
    file.take(MAX_SBOM_SIZE + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_SBOM_SIZE {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Detects the format of `bytes` and reads its OS and packages.
pub fn read_sbom(bytes: &[u8]) -> Result<SbomInventory, SbomError> {
    let size = bytes.len() as u64;
    if size > MAX_SBOM_SIZE {
        return Err(SbomError::TooLarge { size, limit: MAX_SBOM_SIZE });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).and_then(|i| bytes.get(i..)).unwrap_or(&[]);
    if start.starts_with(b"<") {
        return Err(SbomError::Unsupported("XML SBOMs are not read; use the JSON form".into()));
    }
    if start.starts_with(b"SPDXVersion:") || start.starts_with(b"##") {
        return Err(SbomError::Unsupported("SPDX tag-value is not read; use SPDX JSON".into()));
    }
    // Components count as they are parsed, so a huge SBOM stops at the limit instead of being
    // turned into values whole first.
    let doc: AnyDoc = count_records(|| serde_json::from_slice(bytes)).map_err(|(e, limit)| {
        if limit {
            SbomError::TooManyComponents { limit: MAX_PACKAGES_PER_FILE }
        } else {
            SbomError::NotJson(e.to_string())
        }
    })?;
    if doc.bom_format.as_deref() == Some("CycloneDX") {
        let version = doc.spec_version.unwrap_or_default();
        if version.strip_prefix("1.").is_none_or(|minor| minor.parse::<u32>().is_err()) {
            return Err(SbomError::Unsupported(format!("CycloneDX specVersion `{version}`")));
        }
        return Ok(cyclonedx(format!("CycloneDX {version}"), doc.metadata, doc.components));
    }
    if let Some(v) = doc.spdx_version {
        if !matches!(v.as_str(), "SPDX-2.2" | "SPDX-2.3") {
            return Err(SbomError::Unsupported(format!("spdxVersion `{v}` (SPDX 2.2 and 2.3 are read)")));
        }
        return Ok(spdx(v, doc.packages));
    }
    if doc.context.is_some() {
        return Err(SbomError::Unsupported("JSON-LD document (SPDX 3 is not read; use SPDX 2.3 JSON)".into()));
    }
    Err(SbomError::Unsupported("neither CycloneDX (`bomFormat`) nor SPDX (`spdxVersion`)".into()))
}

/// The fields of both formats, so that one parse both detects and reads.
#[derive(Deserialize)]
struct AnyDoc {
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
    #[serde(rename = "specVersion")]
    spec_version: Option<String>,
    #[serde(default)]
    metadata: Option<CdxMetadata>,
    #[serde(default)]
    components: Vec<Counted<CdxComponent>>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<String>,
    #[serde(default)]
    packages: Vec<Counted<SpdxPackage>>,
    #[serde(rename = "@context")]
    context: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
struct CdxMetadata {
    component: Option<CdxComponent>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxComponent {
    #[serde(rename = "bom-ref", deserialize_with = "string_or_nothing")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    version: Option<String>,
    description: Option<String>,
    purl: Option<String>,
    supplier: Option<CdxSupplier>,
    licenses: Vec<CdxLicenseChoice>,
    properties: Vec<CdxProperty>,
    components: Vec<Counted<CdxComponent>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxSupplier {
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxLicenseChoice {
    license: Option<CdxLicense>,
    expression: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxLicense {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CdxProperty {
    name: String,
    value: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpdxPackage {
    #[serde(rename = "SPDXID", deserialize_with = "string_or_nothing")]
    spdx_id: Option<String>,
    name: Option<String>,
    #[serde(rename = "versionInfo")]
    version_info: Option<String>,
    description: Option<String>,
    supplier: Option<String>,
    #[serde(rename = "licenseDeclared")]
    license_declared: Option<String>,
    #[serde(rename = "sourceInfo")]
    source_info: Option<String>,
    #[serde(rename = "primaryPackagePurpose")]
    purpose: Option<String>,
    #[serde(rename = "externalRefs")]
    external_refs: Vec<SpdxExternalRef>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpdxExternalRef {
    #[serde(rename = "referenceType")]
    reference_type: String,
    #[serde(rename = "referenceLocator")]
    reference_locator: String,
}

/// An identifier that is only remembered, never needed to read the package: a value of the wrong
/// type is dropped rather than failing the whole document, as before it was read at all.
fn string_or_nothing<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

/// Why components were skipped, counted per reason for one warning each.
#[derive(Default)]
struct Skipped(BTreeMap<String, usize>);

impl Skipped {
    fn add(&mut self, reason: impl Into<String>) {
        *self.0.entry(reason.into()).or_default() += 1;
    }

    fn into_warnings(self) -> Vec<String> {
        self.0
            .into_iter()
            .map(|(reason, n)| format!("{n} component{} {reason} skipped", if n == 1 { "" } else { "s" }))
            .collect()
    }
}

/// What a package record says besides its purl; each format fills what it has.
#[derive(Default)]
struct Extra<'a> {
    name: Option<&'a str>,
    version: Option<&'a str>,
    supplier: Option<String>,
    licenses: Vec<String>,
    source_name: Option<String>,
    source_version: Option<String>,
    found_in: Option<String>,
    layer: Option<LayerRef>,
}

fn cyclonedx(format: String, metadata: Option<CdxMetadata>, components: Vec<Counted<CdxComponent>>) -> SbomInventory {
    let root = metadata.and_then(|m| m.component);
    // Layer order, for turning a package's layer diff_id into an index: Trivy lists the image's
    // diff_ids on the root component, plimsoll too.
    let diff_ids: Vec<&str> = root
        .iter()
        .flat_map(|c| &c.properties)
        .filter(|p| matches!(p.name.as_str(), "aquasecurity:trivy:DiffID" | "plimsoll:image:diff_id"))
        .filter_map(|p| p.value.as_deref())
        .collect();

    let mut os = None;
    let mut packages = Vec::new();
    let mut origins = Vec::new();
    let mut skipped = Skipped::default();
    // (component, its JSON Pointer, depth, is the root); the root describes the scanned artifact,
    // so only its children can be packages.
    let mut stack: Vec<(&CdxComponent, String, usize, bool)> =
        components.iter().enumerate().rev().map(|(i, c)| (&c.0, format!("/components/{i}"), 0, false)).collect();
    stack.extend(root.iter().map(|c| (c, "/metadata/component".to_owned(), 0, true)));
    while let Some((c, pointer, depth, is_root)) = stack.pop() {
        if depth < MAX_NESTING {
            stack.extend(
                c.components
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, child)| (&child.0, format!("{pointer}/components/{i}"), depth + 1, false)),
            );
        } else if !c.components.is_empty() {
            skipped.add("nested too deeply");
        }
        if is_root {
            continue;
        }
        match c.kind.as_deref() {
            Some("operating-system") => {
                if os.is_none() {
                    os = cdx_os(c);
                }
                continue;
            }
            // An image (a base image, Syft's nested sources) is not a package.
            Some("container") => continue,
            Some("application" | "file" | "firmware" | "device" | "data") if c.purl.is_none() => continue,
            _ => {}
        }
        let extra = cdx_extra(c, &diff_ids);
        match package_from(c.purl.as_deref(), extra) {
            Ok(p) => {
                packages.push(p);
                origins.push(RecordRef { pointer, id: c.bom_ref.clone() });
            }
            Err(reason) => skipped.add(reason),
        }
    }
    finish(format, os, packages, origins, skipped)
}

fn prop<'a>(c: &'a CdxComponent, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| c.properties.iter().find(|p| p.name == *n).and_then(|p| p.value.as_deref()))
}

fn cdx_os(c: &CdxComponent) -> Option<OsRelease> {
    let id = c.name.as_deref()?.trim().to_ascii_lowercase();
    if id.is_empty() {
        return None;
    }
    Some(OsRelease {
        family: family_from_id(&id).unwrap_or(OsFamily::Unknown),
        id,
        version_id: c.version.clone().filter(|v| !v.is_empty()),
        codename: prop(c, &["plimsoll:os:codename"]).map(str::to_owned),
        pretty_name: c.description.clone().or_else(|| prop(c, &["syft:distro:prettyName"]).map(str::to_owned)),
        source_path: "sbom".into(),
    })
}

fn cdx_extra<'a>(c: &'a CdxComponent, diff_ids: &[&str]) -> Extra<'a> {
    let licenses = c
        .licenses
        .iter()
        .filter_map(|l| {
            l.expression.clone().or_else(|| l.license.as_ref().and_then(|l| l.id.clone().or_else(|| l.name.clone())))
        })
        .collect();
    // Trivy splits the source version like the binary one: epoch, version, release.
    let source_version = prop(c, &["plimsoll:package:source_version"]).map(str::to_owned).or_else(|| {
        let v = prop(c, &["aquasecurity:trivy:SrcVersion"])?;
        let mut s = match prop(c, &["aquasecurity:trivy:SrcEpoch"]).filter(|e| *e != "0") {
            Some(e) => format!("{e}:{v}"),
            None => v.to_owned(),
        };
        if let Some(r) = prop(c, &["aquasecurity:trivy:SrcRelease"]).filter(|r| !r.is_empty()) {
            s.push('-');
            s.push_str(r);
        }
        Some(s)
    });
    let mut source_name = prop(c, &["plimsoll:package:source_name", "aquasecurity:trivy:SrcName"]).map(str::to_owned);
    let mut source_version = source_version;
    if source_name.is_none() {
        if let Some((n, v)) = prop(c, &["syft:metadata:sourceRpm"]).and_then(split_source_rpm) {
            source_name = Some(n);
            source_version = source_version.or(Some(v));
        }
    }
    let diff_id = prop(c, &["plimsoll:layer:diff_id", "aquasecurity:trivy:LayerDiffID"]);
    let index = prop(c, &["plimsoll:layer:index"])
        .and_then(|i| i.parse::<usize>().ok())
        .or_else(|| diff_id.and_then(|d| diff_ids.iter().position(|x| *x == d)));
    let layer = index.map(|index| LayerRef {
        index,
        digest: prop(c, &["plimsoll:layer:digest", "aquasecurity:trivy:LayerDigest"]).and_then(|d| d.parse().ok()),
        diff_id: diff_id.and_then(|d| d.parse::<Digest>().ok()),
        created_by: prop(c, &["plimsoll:layer:created_by"]).map(str::to_owned),
    });
    Extra {
        name: c.name.as_deref(),
        version: c.version.as_deref(),
        supplier: c.supplier.as_ref().and_then(|s| s.name.clone()).filter(|s| !s.trim().is_empty()),
        licenses,
        source_name,
        source_version,
        found_in: prop(c, &["plimsoll:package:found_in", "aquasecurity:trivy:FilePath", "syft:location:0:path"])
            .map(|p| p.trim_start_matches('/').to_owned()),
        layer,
    }
}

fn spdx(format: String, packages: Vec<Counted<SpdxPackage>>) -> SbomInventory {
    let mut os = None;
    let mut out = Vec::new();
    let mut origins = Vec::new();
    let mut skipped = Skipped::default();
    for (i, p) in packages.iter().enumerate() {
        let purpose = p.purpose.as_deref().unwrap_or("");
        if purpose == "OPERATING-SYSTEM" {
            if os.is_none() {
                os = spdx_os(p);
            }
            continue;
        }
        let purls: Vec<&str> = p
            .external_refs
            .iter()
            .filter(|r| r.reference_type.eq_ignore_ascii_case("purl"))
            .map(|r| r.reference_locator.as_str())
            .collect();
        // The document's root (the image or directory scanned) is not a package of itself, nor is
        // any image.
        if purpose == "CONTAINER"
            || (purls.is_empty() && matches!(purpose, "APPLICATION" | "FILE" | "SOURCE" | "ARCHIVE"))
        {
            continue;
        }
        let (source_name, source_version) = p.source_info.as_deref().and_then(spdx_source).unzip();
        let found_in = p
            .source_info
            .as_deref()
            .and_then(|s| s.strip_prefix("package found in: "))
            .map(|s| s.split(';').next().unwrap_or(s).trim().to_owned());
        let extra = Extra {
            name: p.name.as_deref(),
            version: p.version_info.as_deref(),
            supplier: p.supplier.as_deref().and_then(spdx_agent),
            licenses: p
                .license_declared
                .iter()
                .filter(|l| !matches!(l.as_str(), "NOASSERTION" | "NONE"))
                .cloned()
                .collect(),
            source_name,
            source_version: source_version.flatten(),
            found_in,
            layer: None,
        };
        match package_from(purls.first().copied(), extra) {
            Ok(pkg) => {
                out.push(pkg);
                origins.push(RecordRef { pointer: format!("/packages/{i}"), id: p.spdx_id.clone() });
            }
            Err(reason) => skipped.add(reason),
        }
    }
    finish(format, os, out, origins, skipped)
}

fn spdx_os(p: &SpdxPackage) -> Option<OsRelease> {
    let id = p.name.as_deref()?.trim().to_ascii_lowercase();
    (!id.is_empty()).then(|| OsRelease {
        family: family_from_id(&id).unwrap_or(OsFamily::Unknown),
        id,
        version_id: p.version_info.clone().filter(|v| !v.is_empty()),
        codename: None,
        pretty_name: p.description.clone(),
        source_path: "sbom".into(),
    })
}

/// `Organization: Name (email)` / `Person: Name` -> `Name (email)`; `NOASSERTION` -> nothing.
fn spdx_agent(s: &str) -> Option<String> {
    let s = s.trim();
    let name = s.split_once(": ").map_or(s, |(_, n)| n).trim();
    (!name.is_empty() && name != "NOASSERTION" && name != "NONE").then(|| name.to_owned())
}

/// The source package from `sourceInfo`: plimsoll writes `...; source package: NAME [VERSION]`,
/// Trivy `built package from: NAME VERSION`.
fn spdx_source(info: &str) -> Option<(String, Option<String>)> {
    let rest = match info.find("source package: ") {
        Some(i) => &info[i + "source package: ".len()..],
        None => info.strip_prefix("built package from: ")?,
    };
    let rest = rest.split(';').next().unwrap_or(rest);
    let mut words = rest.split_whitespace();
    let name = words.next()?.to_owned();
    Some((name, words.next().map(str::to_owned)))
}

/// `openssl-3.0.7-24.el9.src.rpm` -> (`openssl`, `3.0.7-24.el9`).
fn split_source_rpm(s: &str) -> Option<(String, String)> {
    let base = s.strip_suffix(".src.rpm").or_else(|| s.strip_suffix(".nosrc.rpm")).unwrap_or(s);
    let (rest, release) = base.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty()).then(|| (name.to_owned(), format!("{version}-{release}")))
}

fn finish(
    format: String,
    mut os: Option<OsRelease>,
    packages: Vec<Package>,
    origins: Vec<RecordRef>,
    skipped: Skipped,
) -> SbomInventory {
    if os.is_none() {
        os = packages.iter().filter(|p| p.kind.is_os()).find_map(|p| os_from_purl(&p.purl));
    }
    SbomInventory { os, packages, format, warnings: skipped.into_warnings(), origins }
}

/// The OS from an OS package's `distro` qualifier: `debian-12`, `alpine-3.14.3`,
/// `opensuse-leap-15.5`, or a bare version (`3.14.10`, as Trivy writes it) with the purl
/// namespace naming the distribution.
fn os_from_purl(p: &str) -> Option<OsRelease> {
    let p = purl::parse(p).ok()?;
    let distro = p.qualifier("distro")?;
    // The version starts after the last `-` that is followed by a digit.
    let split = distro
        .char_indices()
        .rev()
        .find(|(i, c)| *c == '-' && distro[i + 1..].starts_with(|d: char| d.is_ascii_digit()));
    let (id, version) = match split {
        Some((i, _)) => (distro[..i].to_ascii_lowercase(), Some(distro[i + 1..].to_owned())),
        None if distro.starts_with(|d: char| d.is_ascii_digit()) => {
            (p.namespace.clone()?.to_ascii_lowercase(), Some(distro.to_owned()))
        }
        None => (distro.to_ascii_lowercase(), None),
    };
    let family = family_from_id(&id).or_else(|| family_from_namespace(&id)).unwrap_or(OsFamily::Unknown);
    Some(OsRelease { family, id, version_id: version, codename: None, pretty_name: None, source_path: "sbom".into() })
}

/// The inverse of [`OsFamily::purl_namespace`] (`redhat` -> RHEL, `amazon` -> Amazon Linux).
fn family_from_namespace(ns: &str) -> Option<OsFamily> {
    plimsoll_model::distro::DistroTable::builtin().family_from_purl_namespace(ns)
}

/// The package a purl names, with what else the record says. `Err` is the reason to skip it.
fn package_from(purl_str: Option<&str>, extra: Extra<'_>) -> Result<Package, String> {
    let purl_str = purl_str.filter(|p| !p.trim().is_empty()).ok_or("without a purl")?;
    let p = purl::parse(purl_str.trim()).map_err(|_| "with an unparsable purl".to_owned())?;
    let kind = kind_of(&p.ty).ok_or_else(|| format!("with purl type `{}`", truncate(&p.ty)))?;
    let version = p.version.as_deref().or(extra.version).filter(|v| !v.is_empty()).ok_or("without a version")?;
    let name = package_name(kind, &p, extra.name);
    let mut version = version.to_owned();
    let mut epoch = None;
    if kind.is_os() {
        // deb keeps the epoch in the version, rpm (and Trivy's deb purls) in a qualifier.
        epoch = match version.split_once(':') {
            Some((e, _)) => e.parse::<u64>().ok(),
            None => p.qualifier("epoch").and_then(|e| e.parse::<u64>().ok()),
        };
        if let Some(e) = epoch.filter(|e| *e > 0) {
            if !version.contains(':') {
                version = format!("{e}:{version}");
            }
        }
    }
    let release = match kind {
        PackageKind::Rpm | PackageKind::Dpkg => version.rsplit_once('-').map(|(_, r)| r.to_owned()),
        _ => None,
    };
    let mut pkg = Package::new(kind, name, version, extra.found_in.unwrap_or_else(|| "sbom".into()));
    pkg.epoch = epoch;
    pkg.release = release;
    pkg.arch = p.qualifier("arch").map(str::to_owned);
    pkg.supplier = extra.supplier;
    pkg.licenses = extra.licenses;
    pkg.layer = extra.layer;
    pkg.purl = purl_str.trim().to_owned();
    let (mut source_name, mut source_version) = (extra.source_name, extra.source_version);
    if source_name.is_none() {
        if let Some(up) = p.qualifier("upstream") {
            // Syft: `openssl` (apk), `glibc@2.36-9` (deb), `openssl-3.0.7-24.el9.src.rpm` (rpm).
            if kind == PackageKind::Rpm && up.ends_with(".rpm") {
                if let Some((n, v)) = split_source_rpm(up) {
                    source_name = Some(n);
                    source_version = Some(v);
                }
            } else {
                let (n, v) = up.split_once('@').map_or((up, None), |(n, v)| (n, Some(v)));
                source_name = Some(n.to_owned());
                source_version = v.map(str::to_owned);
            }
        }
    }
    if kind.is_os() {
        // As the package database analyzers do: a binary package without a separate source is
        // its own source, which is what distro advisories are keyed by.
        source_name = source_name.or_else(|| Some(pkg.name.clone()));
        source_version = source_version.or_else(|| Some(pkg.version.clone()));
    }
    pkg.source_name = source_name;
    pkg.source_version = source_version;
    Ok(pkg)
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

fn kind_of(ty: &str) -> Option<PackageKind> {
    Some(match ty {
        "deb" => PackageKind::Dpkg,
        "apk" => PackageKind::Apk,
        "rpm" => PackageKind::Rpm,
        "pypi" => PackageKind::Python,
        "npm" => PackageKind::Npm,
        "cargo" => PackageKind::Cargo,
        "golang" => PackageKind::Go,
        "maven" => PackageKind::Maven,
        "gem" => PackageKind::Gem,
        "composer" => PackageKind::Composer,
        "nuget" => PackageKind::Nuget,
        _ => return None,
    })
}

/// The package name in the notation plimsoll's analyzers use for `kind`.
fn package_name(kind: PackageKind, p: &Purl, record_name: Option<&str>) -> String {
    let joined = |sep: &str| match &p.namespace {
        Some(ns) => format!("{ns}{sep}{}", p.name),
        None => p.name.clone(),
    };
    match kind {
        // The purl name is PEP 503-normalised; the record's name keeps the project's own spelling
        // when it is the same project.
        PackageKind::Python => match record_name {
            Some(n) if purl::pep503_normalize(n) == purl::pep503_normalize(&p.name) => n.to_owned(),
            _ => p.name.clone(),
        },
        PackageKind::Npm | PackageKind::Go | PackageKind::Composer => joined("/"),
        PackageKind::Maven => joined(":"),
        _ => p.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distro_qualifier_forms() {
        let os = os_from_purl("pkg:deb/debian/libc6@2.36-9?distro=debian-12").unwrap();
        assert_eq!((os.family, os.id.as_str(), os.version_id.as_deref()), (OsFamily::Debian, "debian", Some("12")));
        let os = os_from_purl("pkg:apk/alpine/musl@1.2.2-r4?distro=3.14.10").unwrap();
        assert_eq!(
            (os.family, os.id.as_str(), os.version_id.as_deref()),
            (OsFamily::Alpine, "alpine", Some("3.14.10"))
        );
        let os = os_from_purl("pkg:rpm/opensuse/bash@5.2-1?distro=opensuse-leap-15.5").unwrap();
        assert_eq!(
            (os.family, os.id.as_str(), os.version_id.as_deref()),
            (OsFamily::Opensuse, "opensuse-leap", Some("15.5"))
        );
        let os = os_from_purl("pkg:rpm/redhat/bash@5.1-1?distro=redhat-9.3").unwrap();
        assert_eq!(os.family, OsFamily::Rhel);
        assert!(os_from_purl("pkg:deb/debian/libc6@2.36-9").is_none());
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(split_source_rpm("openssl-3.0.7-24.el9.src.rpm"), Some(("openssl".into(), "3.0.7-24.el9".into())));
        assert_eq!(split_source_rpm("x.src.rpm"), None);
    }
}
