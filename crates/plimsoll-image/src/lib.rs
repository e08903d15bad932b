//! Reading container images and walking their layers.
//!
//! API contract used by the `plimsoll` facade (being implemented):
//!
//! - [`ImageRef::parse`] turns `docker-archive:PATH`, `oci-archive:PATH[:TAG]`, `oci:DIR[:TAG]`
//!   or a bare path (sniffed) into a reference; [`open`] resolves it (index -> platform ->
//!   manifest -> config), verifying every blob it reads against its digest.
//! - [`Image::open_layer`] returns the layer's *uncompressed* tar stream; it verifies the
//!   compressed blob's digest and the uncompressed `diff_id` when the stream reaches its end and
//!   fails the read (`io::ErrorKind::InvalidData`) on a mismatch. `Image` is `Sync`, so layers
//!   can be opened and walked in parallel.
//! - [`walk::walk_layer`] streams one layer tar once, calling a [`walk::LayerVisitor`] for each
//!   entry and handing file bytes to it only when it asks; it returns a [`walk::LayerIndex`] of
//!   every entry (paths normalised, whiteouts recorded).
//! - [`squash::Squashed`] applies whiteouts across layer indexes to give the final view, which
//!   answers `visible(layer, path)` and `hidden_by(layer, path)`.
//! - [`rootfs::walk_dir`] feeds a directory through the same visitor as one layer.

pub mod error;
pub mod reference;
pub mod rootfs;
pub mod source;
pub mod squash;
pub mod walk;

#[cfg(any(test, feature = "test-util"))]
pub mod testing;

// pub use error::ImageError;
// pub use reference::ImageRef;
// pub use source::{open, Image, ImageConfig, Layer, OpenOptions, Platform};
