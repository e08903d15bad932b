//! One call per target: an image reference, a directory, configuration files, an SBOM. Each
//! scans, applies the [`Policy`] and returns the report with its [`Verdict`]; a door renders the
//! report and turns the verdict into its answer ([`crate::policy::exit_code`] for the CLI).

use std::path::Path;

use plimsoll_image::{ImageRef, OpenOptions};
use plimsoll_lint::{LintConfig, Linter};
use plimsoll_model::{ArtifactKind, Diagnostic, DiagnosticLevel, ScanReport};

use crate::policy::{self, Policy, Verdict};
use crate::{empty_report, match_vulnerabilities, scan_dir, scan_image, Error, ScanOptions};

/// Reference prefixes that say what the reference is (see `ImageRef::parse`).
const TRANSPORTS: &[&str] = &[
    "docker-archive:",
    "oci-archive:",
    "oci:",
    "registry:",
    "docker://",
    "docker:",
    "docker-daemon:",
    "containers-storage:",
    "podman:",
];

/// A report after the policy, and what the policy decided.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub report: ScanReport,
    pub verdict: Verdict,
}

impl Scanned {
    pub(crate) fn judged(mut report: ScanReport, policy: &Policy) -> Scanned {
        let verdict = policy::apply(&mut report, policy);
        Scanned { report, verdict }
    }
}

/// Scans the image `reference` names (`docker-archive:PATH`, `oci-archive:PATH[:TAG]`,
/// `oci:DIR[:TAG]`, a registry reference, or a path whose format is detected).
pub fn scan_image_ref(
    reference: &str,
    open: &OpenOptions,
    opts: &ScanOptions,
    policy: &Policy,
) -> Result<Scanned, Error> {
    let bare = Path::new(reference);
    let image = if !TRANSPORTS.iter().any(|t| reference.starts_with(t)) && bare.is_file() {
        // A bare archive path: one read tells docker from OCI and indexes it.
        plimsoll_image::open_archive(bare, open).map_err(|source| match source {
            // Not an image archive at all: the reference is what is wrong, as `ImageRef::parse` says.
            e @ plimsoll_image::ImageError::UnknownFormat { .. } => {
                Error::ImageReference { reference: reference.to_owned(), source: e }
            }
            e => Error::OpenImage { reference: reference.to_owned(), source: e },
        })?
    } else {
        let image_ref = ImageRef::parse(reference)
            .map_err(|source| Error::ImageReference { reference: reference.to_owned(), source })?;
        plimsoll_image::open(&image_ref, open)
            .map_err(|source| Error::OpenImage { reference: image_ref.to_string(), source })?
    };
    let report = scan_image(&image, opts).map_err(|source| scan_error(image.reference.clone(), source))?;
    Ok(Scanned::judged(report, policy))
}

/// Scans a directory: a root filesystem or a project checkout.
pub fn scan_directory(path: &Path, opts: &ScanOptions, policy: &Policy) -> Result<Scanned, Error> {
    if !path.exists() {
        return Err(Error::NoSuchPath { path: path.to_owned() });
    }
    if !path.is_dir() {
        return Err(Error::NotADirectory { path: path.to_owned() });
    }
    let report = scan_dir(path, opts).map_err(|source| scan_error(path.display().to_string(), source))?;
    Ok(Scanned::judged(report, policy))
}

/// Checks configuration files only (as `trivy config`): a directory is searched for Dockerfiles,
/// Kubernetes manifests and compose files; a file must be one of them. No package inventory;
/// misconfiguration rules run even when `opts.misconfig` is `None` (with default settings).
/// With `opts.secrets`, the same configuration files are searched for secrets too.
pub fn scan_config(path: &Path, opts: &ScanOptions, policy: &Policy) -> Result<Scanned, Error> {
    let mut opts = opts.clone();
    opts.inventory = false;
    let cfg = opts.misconfig.get_or_insert_with(LintConfig::default).clone();
    let report = if path.is_dir() {
        scan_dir(path, &opts).map_err(|source| scan_error(path.display().to_string(), source))?
    } else {
        let content = std::fs::read(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
        let name = path.display().to_string();
        let mut linter = Linter::new(cfg);
        let not_config = |source| Error::NotAConfigFile { name: name.clone(), source };
        let kind = crate::config_files::kind(&name, &content, crate::config_files::Origin::Named)
            .ok_or_else(|| not_config(plimsoll_lint::LintError::UnknownKind { path: name.clone() }))?;
        linter.add_as(&name, &content, kind).map_err(not_config)?;
        let mut report = empty_report(&name, ArtifactKind::Filesystem);
        let (found, skipped) = linter.finish_with_diagnostics();
        if let Some(s) = &opts.secrets {
            report.secrets = crate::visitor::secrets_in(&name, &content, s);
        }
        if let Some(d) = opts.deadline.as_ref().filter(|d| d.passed()) {
            return Err(Error::Timeout { seconds: d.seconds });
        }
        report.misconfigurations = found;
        report.diagnostics.extend(skipped.iter().map(|d| crate::layer_lint::limit_diagnostic(d, None)));
        report
    };
    Ok(Scanned::judged(report, policy))
}

/// An SBOM scanned for vulnerabilities.
#[derive(Debug, Clone)]
pub struct SbomScanned {
    pub scanned: Scanned,
    /// With `enrich` asked and a CycloneDX input: the input document with this scan's
    /// vulnerabilities written into it (components and `bom-ref`s kept), or why that was not
    /// possible (then render [`Scanned::report`] as a new document).
    pub enriched: Option<Result<Vec<u8>, String>>,
}

/// Scans an SBOM (CycloneDX or SPDX JSON, ours or another tool's) for vulnerabilities; needs
/// `opts.advisories`. With `enrich` and a CycloneDX input, also writes the vulnerabilities into
/// the input document (see [`plimsoll_report::enrich_cyclonedx`]).
pub fn scan_sbom(path: &Path, opts: &ScanOptions, policy: &Policy, enrich: bool) -> Result<SbomScanned, Error> {
    if opts.advisories.is_none() {
        return Err(Error::SbomWithoutDatabase);
    }
    let sbom_err = |source| Error::Sbom { path: path.to_owned(), source };
    let bytes = plimsoll_inventory::sbom::read_sbom_bytes(path).map_err(sbom_err)?;
    let mut inv = plimsoll_inventory::sbom::read_sbom(&bytes).map_err(sbom_err)?;
    if let Some(types) = &opts.pkg_types {
        // `origins` runs parallel to `packages` (the enrichment writes back through it).
        let (packages, origins) = std::mem::take(&mut inv.packages)
            .into_iter()
            .zip(std::mem::take(&mut inv.origins))
            .filter(|(p, _)| types.keep(p))
            .unzip();
        (inv.packages, inv.origins) = (packages, origins);
    }
    let name = path.display().to_string();
    let mut report = empty_report(&name, ArtifactKind::Filesystem);
    for w in &inv.warnings {
        report.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            message: w.clone(),
            layer: None,
            path: Some(name.clone()),
        });
    }
    report.vulnerabilities = match_vulnerabilities(opts, inv.os.as_ref(), &inv.packages, &mut report.diagnostics)
        .map_err(|source| scan_error(name.clone(), source))?;
    // What the database covered of the SBOM's packages: without it the gate would read the
    // scan as skipped.
    report.vulnerability_scan = crate::scan::vulnerability_coverage(opts, inv.os.as_ref(), &inv.packages)
        .map_err(|source| scan_error(name.clone(), source))?;
    if let Some(d) = opts.deadline.as_ref().filter(|d| d.passed()) {
        return Err(Error::Timeout { seconds: d.seconds });
    }
    report.os = inv.os;
    report.packages = inv.packages;
    let scanned = Scanned::judged(report, policy);
    if !enrich || !inv.format.starts_with("CycloneDX ") {
        return Ok(SbomScanned { scanned, enriched: None });
    }
    // The reader parsed these bytes already, so this parse succeeds; the error path is for form.
    let bom: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| sbom_err(plimsoll_inventory::sbom::SbomError::NotJson(e.to_string())))?;
    drop(bytes);
    let pointers: Vec<String> = inv.origins.into_iter().map(|o| o.pointer).collect();
    let mut out = Vec::new();
    let enriched = match plimsoll_report::enrich_cyclonedx(bom, &scanned.report, &pointers, &mut out) {
        Ok(()) => Ok(out),
        Err(plimsoll_report::ReportError::CannotEnrich { reason }) => Err(reason),
        Err(e) => return Err(e.into()),
    };
    Ok(SbomScanned { scanned, enriched: Some(enriched) })
}

/// A failed scan as the facade's error; a timeout is its own error (it names `--timeout`).
fn scan_error(target: String, source: crate::ScanError) -> Error {
    match source {
        crate::ScanError::Timeout { seconds } => Error::Timeout { seconds },
        source => Error::Scan { target, source },
    }
}
