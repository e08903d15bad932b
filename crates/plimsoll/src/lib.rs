//! The plimsoll facade: the one way into scanning for every front door (the CLI today, an
//! admission webhook and a fleet server later). A door parses its own input, calls one function
//! per target, renders the report with `plimsoll-report` and answers from the [`Verdict`]:
//!
//! - [`scan_image_ref`]: an image archive, OCI layout or registry image;
//! - [`scan_directory`]: a root filesystem or project checkout;
//! - [`scan_config`]: Dockerfiles, Kubernetes manifests and compose files only;
//! - [`scan_sbom`]: an existing SBOM matched against the advisories;
//! - [`registry::scan_registry`]: every image of a registry, each digest once;
//! - [`scan_host`]: a node's Docker and Kubernetes files against the CIS benchmarks.
//! - [`docker::audit_docker`]: a live Docker Engine (daemon, containers, runtime versions).
//! - [`k8s::audit_cluster`]: a live Kubernetes cluster through its API.
//!
//! Each returns the report after the [`policy`] (ignore file, VEX, severity and unfixed filters)
//! and the verdict; [`policy::exit_code`] is the single place a verdict becomes an exit code.
//! [`settings`] loads what a scan is configured with (advisory database, secret rules, rule
//! settings, policy files). The modules [`image`], [`db`], [`sign`] and [`rules`] re-export what
//! doors need from the domain crates, so a door depends on `plimsoll`, `plimsoll-report` and
//! `plimsoll-model` only (a test in `tests/layering.rs` keeps it so).
//!
//! The pipeline underneath: [`scan_image`] walks every layer of an [`Image`] once, in parallel
//! (rayon), feeding each file that some analyzer wants to the analyzers in
//! `plimsoll_inventory::ANALYZERS`. Each layer's result ([`LayerScan`]: its entry index and
//! analyzer facts) depends only on the layer's content and the scanners' code and settings, so it
//! is cached by `diff_id` and a key naming those ([`cache::LayerCache`]). The layers are then
//! squashed (whiteouts applied) and the inventory assembled, each package tied to the layer that
//! introduced it. Configuration files inside the layers (Dockerfiles, Kubernetes manifests,
//! compose files) are linted in the same walk ([`ConfigFileScan`]); only those in the final
//! filesystem are reported. [`scan_dir`] runs the same analyzers over a directory treated as a
//! single layer.
//!
//! [`Image`]: image::Image

pub mod admission;
pub mod cache;
mod config_files;
pub mod docker;
mod error;
pub mod host;
mod image_config;
pub mod k8s;
mod layer_lint;
pub mod policy;
pub mod registry;
mod scan;
pub mod settings;
pub mod sigstore;
pub mod skip;
mod targets;
mod visitor;

pub use cache::LayerCache;
pub use error::Error;
pub use host::scan_host;
pub use layer_lint::ConfigFileScan;
pub use plimsoll_lint::LintConfig;
pub use policy::Verdict;
pub use scan::{
    empty_report, match_vulnerabilities, scan_dir, scan_image, Deadline, LayerScan, PkgTypes, Progress, ScanError,
    ScanOptions, SecretOptions,
};
pub use targets::{scan_config, scan_directory, scan_image_ref, scan_sbom, SbomScanned, Scanned};

/// Images and registries: references, opening options, platforms, registry clients.
pub mod image {
    pub use plimsoll_image::registry::{self, fetch_manifest, Client, Credentials, RegistryOptions, RegistryRef};
    pub use plimsoll_image::{open, Image, ImageError, ImageRef, OpenOptions, Platform};
}

/// The advisory database: build, update, inspect.
pub mod db {
    pub use crate::settings::default_db_path;
    pub use plimsoll_advisory::update::DEFAULT_BASE_URL;
    pub use plimsoll_advisory::{
        update, BuildStats, Database, DbError, DbInfo, UpdateError, UpdateOptions, UpdateStats,
    };
}

/// TLS for the doors that serve HTTPS (admission webhook, fleet server): a certificate pair
/// re-read when its files change.
pub mod net {
    pub use plimsoll_net::{ServerTls, ServerTlsError};
}

/// Cosign-compatible keys, signatures and attestations.
pub mod sign {
    pub use plimsoll_sign::*;
}

/// Misconfiguration and secret rules: codes, documentation.
pub mod rules {
    pub use plimsoll_lint::k8s::pss::Version as PssVersion;
    pub use plimsoll_lint::{rule, rule_doc, rules, Rule, RuleInfo, RuleKind};
    pub use plimsoll_secrets::RuleSpec as SecretRule;

    /// The built-in secret rules, in catalogue order (their ids are what `--secret-config`,
    /// ignore files and `plimsoll rule ID` take).
    pub fn secret_rules() -> Result<Vec<SecretRule>, crate::Error> {
        plimsoll_secrets::rules::builtin_specs()
            .map(|specs| specs.into_iter().map(|(_, spec)| spec).collect())
            .map_err(|source| crate::Error::SecretConfig { path: "built-in secret rules".into(), source })
    }
}

/// Image builders and a loopback registry for tests of the doors (feature `test-util`).
#[cfg(feature = "test-util")]
pub mod testing {
    pub use plimsoll_image::registry::memory::MemoryRegistry;
    pub use plimsoll_image::registry::testing as registry;
    pub use plimsoll_image::testing::*;
    /// A loopback Kubernetes API server.
    pub use plimsoll_kube::testing as kube;
}
