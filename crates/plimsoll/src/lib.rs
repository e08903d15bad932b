//! The plimsoll pipeline: `source -> layers -> analyzers -> inventory -> report`.
//!
//! [`scan_image`] walks every layer of an [`Image`] once, in parallel (rayon), feeding each file
//! that some analyzer wants to the analyzers in [`plimsoll_inventory::ANALYZERS`]. Each layer's
//! result ([`LayerScan`]: its entry index and analyzer facts) depends only on the layer's content,
//! so it is cached by `diff_id` ([`cache::LayerCache`]). The layers are then squashed (whiteouts
//! applied) and the inventory assembled, each package tied to the layer that introduced it.
//! Configuration files inside the layers (Dockerfiles, Kubernetes manifests, compose files) are
//! linted in the same walk ([`ConfigFileScan`]); only those in the final filesystem are reported.
//! [`scan_dir`] runs the same analyzers over a directory treated as a single layer.

pub mod cache;
mod image_config;
mod layer_lint;
mod scan;
pub mod sigstore;
mod visitor;

pub use cache::LayerCache;
pub use layer_lint::ConfigFileScan;
pub use plimsoll_lint::LintConfig;
pub use scan::{
    empty_report, match_vulnerabilities, scan_dir, scan_image, LayerScan, Progress, ScanError, ScanOptions,
    SecretOptions,
};
