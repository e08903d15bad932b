//! The facade's error: why a target could not be scanned or a setting could not be loaded.
//! Messages are written for the person who gave the input (they are what the CLI prints);
//! each carries the underlying error as its `source`.

use std::path::PathBuf;

/// An error of a facade call. Problems confined to one file inside a target are not errors:
/// they are [`plimsoll_model::Diagnostic`]s in the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(
        "cannot use `{reference}` as an image; expected docker-archive:PATH, oci-archive:PATH[:TAG], oci:DIR[:TAG], a path to one of them, a registry image or docker:NAME / podman:NAME"
    )]
    ImageReference {
        reference: String,
        #[source]
        source: plimsoll_image::ImageError,
    },
    #[error("cannot open image {reference}")]
    OpenImage {
        reference: String,
        #[source]
        source: plimsoll_image::ImageError,
    },
    #[error("scan of {target} failed")]
    Scan {
        target: String,
        #[source]
        source: crate::ScanError,
    },
    #[error(
        "{} is a file, not a directory: `plimsoll fs` scans a directory (a checkout holding lockfiles, a \
         root filesystem); for an image archive use `plimsoll image`, for an SBOM `plimsoll sbom`",
        path.display()
    )]
    NotADirectory { path: PathBuf },
    #[error("cannot audit the Kubernetes cluster")]
    Cluster {
        #[source]
        source: plimsoll_kube::KubeError,
    },
    #[error("{} does not exist", path.display())]
    NoSuchPath { path: PathBuf },
    #[error("invalid pattern `{pattern}` in {flag}: {reason}")]
    SkipPattern { flag: &'static str, pattern: String, reason: String },
    #[error("unknown package type `{0}` in --pkg-types; use os, library")]
    PkgType(String),
    #[error(
        "the scan timed out after {}s (--timeout); raise the limit or narrow the scan (--skip-dirs, --scanners)",
        seconds
    )]
    Timeout { seconds: u64 },
    #[error("unknown rule `{code}` in --skip-rule; `plimsoll rule --list` lists them")]
    UnknownSkippedRule { code: String },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{name} is not a Dockerfile, Kubernetes manifest or compose file plimsoll can check")]
    NotAConfigFile {
        name: String,
        #[source]
        source: plimsoll_lint::LintError,
    },
    #[error("cannot read the SBOM {}", path.display())]
    Sbom {
        path: PathBuf,
        #[source]
        source: plimsoll_inventory::sbom::SbomError,
    },
    #[error("`plimsoll sbom` needs an advisory database: pass --db FILE (see `plimsoll db build --help`)")]
    SbomWithoutDatabase,
    #[error("cannot open the advisory database {}; rebuild it with `plimsoll db build`", path.display())]
    OpenDatabase {
        path: PathBuf,
        #[source]
        source: plimsoll_advisory::DbError,
    },
    #[error(
        "no advisory database at {}; build one with `plimsoll db build --from DIR --output FILE` and pass --db FILE",
        path.as_ref().map_or_else(|| "<unknown>".into(), |p| p.display().to_string())
    )]
    NoDatabase { path: Option<PathBuf> },
    #[error(
        "no advisory database at {}, and fetching one failed: {reason} (pass --db FILE, or \
         `plimsoll db update --base-url file:///MIRROR` without network)",
        path.as_ref().map_or_else(|| "<unknown>".into(), |p| p.display().to_string())
    )]
    DbUpdate { path: Option<PathBuf>, reason: String },
    #[error("invalid secret configuration {}", path.display())]
    SecretConfig {
        path: PathBuf,
        #[source]
        source: plimsoll_secrets::SecretsError,
    },
    #[error("invalid rules settings in {}", path.display())]
    RulesConfig {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("{}: unknown rule `{code}` in `disabled`; `plimsoll rule --list` lists them", path.display())]
    UnknownRule { path: PathBuf, code: String },
    #[error("{}: invalid pss_version `{value}`; use `latest` or `v1.N`", path.display())]
    PssVersion { path: PathBuf, value: String },
    #[error("unknown severity `{0}`; use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL")]
    Severity(String),
    #[error("invalid ignore file {}", path.display())]
    IgnoreFile {
        path: PathBuf,
        #[source]
        source: plimsoll_report::policy::PolicyError,
    },
    #[error("invalid VEX document {}", path.display())]
    Vex {
        path: PathBuf,
        #[source]
        source: plimsoll_report::policy::PolicyError,
    },
    #[error("cannot render the report")]
    Render(#[from] plimsoll_report::ReportError),
    /// `plimsoll docker`: the engine could not be reached or answered something unusable.
    #[error("cannot audit the container engine")]
    Engine {
        #[source]
        source: plimsoll_image::ImageError,
    },
    /// `plimsoll registry`: a bad registry or repository name, an unreachable registry, an
    /// unreadable catalog. Failures of single images are rows of the result instead.
    #[error("{message}")]
    Registry {
        message: String,
        #[source]
        source: Option<plimsoll_image::ImageError>,
    },
}
