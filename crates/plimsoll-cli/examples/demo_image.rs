//! Builds the demo image from `demo/` as an OCI layout (`OUT/oci`, tag `1`), without a Docker
//! engine or network. Used by `scripts/demo.sh`; see `demo/README.md` for what it contains.
//!
//!     cargo run -p plimsoll-cli --example demo_image -- target/demo

#![allow(clippy::print_stderr)]

use std::fs;
use std::path::{Path, PathBuf};

use plimsoll::testing::{ImageBuilder, LayerBuilder};

/// Adds every file under `root` to the layer, at its path relative to `root`.
fn add_tree(mut layer: LayerBuilder, root: &Path, dir: &Path) -> std::io::Result<LayerBuilder> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let rel = path.strip_prefix(root).expect("inside root").to_string_lossy().replace('\\', "/");
        if e.file_type()?.is_dir() {
            layer = add_tree(layer.dir(&rel), root, &path)?;
        } else {
            layer = layer.file(&rel, fs::read(&path)?, 0o644);
        }
    }
    Ok(layer)
}

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/demo".into()));
    let dir = out.join("oci");
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    let built = demo_image()?.write_oci_dir(&dir, Some("1"))?;
    eprintln!("demo image written to oci:{}:1 (manifest {})", dir.display(), built.manifest_digest);
    Ok(())
}

/// The demo image, from the files under `demo/` (also built by the snapshot tests,
/// `tests/snapshots.rs`).
pub fn demo_image() -> std::io::Result<ImageBuilder> {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo");
    let base_status = fs::read_to_string(demo.join("base/var/lib/dpkg/status"))?;
    let curl_status = fs::read_to_string(demo.join("curl.status"))?;

    let base = add_tree(LayerBuilder::new(), &demo.join("base"), &demo.join("base"))?.created_by("ADD rootfs.tar /");
    let app = add_tree(LayerBuilder::new(), &demo.join("app"), &demo.join("app"))?.created_by("COPY app/ /app/");
    let upgrade = LayerBuilder::new()
        .whiteout("app/config/credentials")
        .file("var/lib/dpkg/status", format!("{base_status}{curl_status}"), 0o644)
        .file("usr/bin/curl", "(not a real binary)\n", 0o755)
        .created_by("RUN rm -f /app/config/credentials && apt-get update && apt-get install -y curl");

    let image = ImageBuilder::new()
        .layer(base)
        .layer(app)
        .layer(upgrade)
        .empty_history("ENV APP_ENV=production")
        .env("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .env("APP_ENV=production")
        .cmd(&["python3", "/app/main.py"]);
    Ok(image)
}
