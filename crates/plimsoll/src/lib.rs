//! The plimsoll pipeline: `source -> layers -> analyzers -> inventory -> report`.
//!
//! [`scan_image`] walks every layer of an [`Image`] once, in parallel (rayon), feeding each file
//! that some analyzer wants to the analyzers in [`plimsoll_inventory::ANALYZERS`]. Each layer's
//! result ([`LayerScan`]: its entry index and analyzer facts) depends only on the layer's content,
//! so it is cached by `diff_id` ([`cache::LayerCache`]). The layers are then squashed (whiteouts
//! applied) and the inventory assembled, each package tied to the layer that introduced it.
//! [`scan_dir`] runs the same analyzers over a directory treated as a single layer.

pub mod cache;
mod image_config;
mod scan;
mod visitor;

pub use cache::LayerCache;
pub use plimsoll_lint::LintConfig;
pub use scan::{
    empty_report, match_vulnerabilities, scan_dir, scan_image, LayerScan, Progress, ScanError, ScanOptions,
    SecretOptions,
};
