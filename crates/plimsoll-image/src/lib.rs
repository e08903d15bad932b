//! Reading container images and walking their layers.
//!
//! Data flow: [`ImageRef::parse`] turns `docker-archive:PATH`, `oci-archive:PATH[:TAG]`,
//! `oci:DIR[:TAG]`, a registry name (`[registry:|docker://]host[:port]/repo[:tag|@digest]`) or a bare
//! path (sniffed) into a reference. [`open`] resolves it
//! (`index.json` -> tag -> nested indexes -> platform -> manifest -> config), verifying every
//! JSON blob against its digest and size, and returns an [`Image`]. [`Image::open_layer`]
//! streams one layer's *uncompressed* tar, checking the stored blob's digest and the config's
//! `diff_id` when the stream ends; `Image` is `Sync`, so layers are read in parallel.
//!
//! [`walk::walk_layer`] reads such a stream once, asking a [`walk::LayerVisitor`] which files it
//! wants and handing it their bytes; it returns a [`walk::LayerIndex`] of every entry, with
//! paths normalised and whiteouts recorded. [`squash::Squashed`] stacks the layer indexes into
//! the final filesystem and says which layer deleted what. [`rootfs::walk_dir`] feeds a
//! directory through the same visitor as one layer.
//!
//! `docker:NAME` and `podman:NAME` read an image from a local engine's API ([`engine`]): the
//! `docker save` archive it exports is spooled to a temporary file and read as a docker archive.
//!
//! Backends: an OCI layout directory is read file by file; an archive file (docker or OCI) is
//! indexed once and read with seeks, or, when the whole archive is gzip/zstd-compressed,
//! re-streamed per layer (see `archive.rs`); a registry image is fetched blob by blob, each layer
//! streamed from its HTTP response (see [`registry`]). Nothing is ever extracted to disk.

mod archive;
mod config;
mod docker;
pub mod engine;
pub mod error;
mod oci;
pub mod reference;
pub mod registry;
pub mod rootfs;
pub mod source;
pub mod squash;
mod store;
mod stream;
mod tarfmt;
pub mod walk;

#[cfg(any(test, feature = "test-util"))]
pub mod rawtar;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;

pub use error::ImageError;
pub use reference::ImageRef;
pub use source::{
    open, open_archive, open_with_client, ContainerConfig, Healthcheck, History, Image, ImageConfig, Layer, Limits,
    OpenOptions, Platform,
};
pub use squash::Squashed;
pub use walk::{walk_layer, Entry, EntryKind, LayerIndex, LayerVisitor, WalkLimits, WalkWarning, Want, WALK_VERSION};
