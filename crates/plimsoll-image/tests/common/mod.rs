//! Helpers shared by the registry integration tests (`registry.rs`, `registry_token.rs`).

use std::io::Read;
use std::path::Path;

use plimsoll_image::registry::testing::LocalRegistry;
use plimsoll_image::testing::{BuiltImage, Compression, ImageBuilder, LayerBuilder};
use plimsoll_image::{Image, ImageError};

/// A two-layer Alpine-like image (gzip + zstd layers) whose first layer holds `marker`.
pub fn sample(marker: &str) -> ImageBuilder {
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n", 0o644)
                .file("etc/marker", marker, 0o644)
                .compression(Compression::Gzip),
        )
        .layer(LayerBuilder::new().file("app/data.bin", vec![7u8; 200_000], 0o644).compression(Compression::Zstd))
        .cmd(&["/bin/sh"])
}

/// Writes the image as an OCI layout in `dir` and pushes it to `repo:tag` with skopeo.
pub fn push(reg: &LocalRegistry, image: &ImageBuilder, dir: &Path, repo_tag: &str) -> BuiltImage {
    reg.push_image(image, dir, repo_tag).unwrap()
}

/// Layer `i` read to its end (so its digests are checked).
pub fn read_layer(image: &Image, i: usize) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    image.open_layer(i)?.read_to_end(&mut out).map_err(|e| ImageError::from_io(e, "layer"))?;
    Ok(out)
}
