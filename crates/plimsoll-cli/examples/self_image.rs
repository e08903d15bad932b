//! Builds an OCI image of plimsoll itself (no Docker engine): the binary, the shared libraries
//! it loads, CA certificates, and a non-root user, with `plimsoll admission serve` as the
//! entrypoint's natural use. Used by `scripts/build-image.sh`, which passes the files.
//!
//!     cargo run -p plimsoll-cli --example self_image -- OUT_DIR TAG BINARY [HOST_FILE...]
//!
//! Each HOST_FILE is copied to the same path inside the image (the libraries `ldd` lists, the
//! CA bundle); the binary goes to /usr/local/bin/plimsoll.

#![allow(clippy::print_stderr)]

use std::fs;
use std::path::PathBuf;

use plimsoll::testing::{ImageBuilder, LayerBuilder};

/// The unprivileged user the image runs as (distroless' `nonroot`).
const UID: &str = "65532";

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, tag, binary, host_files @ ..] = &args[..] else {
        eprintln!("usage: self_image OUT_DIR TAG BINARY [HOST_FILE...]");
        std::process::exit(2);
    };
    let mut base = LayerBuilder::new()
        .dir("etc")
        .file(
            "etc/passwd",
            format!("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:{UID}:{UID}:nonroot:/home/nonroot:/sbin/nologin\n"),
            0o644,
        )
        .file("etc/group", format!("root:x:0:\nnonroot:x:{UID}:\n"), 0o644)
        .dir("home/nonroot")
        .dir("tmp");
    for f in host_files {
        let rel = f.trim_start_matches('/');
        base = base.file(rel, fs::read(f)?, 0o755);
    }
    let app = LayerBuilder::new()
        .file("usr/local/bin/plimsoll", fs::read(binary)?, 0o755)
        .created_by("COPY plimsoll /usr/local/bin/plimsoll");
    let image = ImageBuilder::new()
        .layer(base.created_by("COPY rootfs/ /  # runtime libraries, CA certificates, passwd"))
        .layer(app)
        .user(&format!("{UID}:{UID}"))
        .entrypoint(&["/usr/local/bin/plimsoll"])
        .cmd(&["--help"])
        .healthcheck(&["CMD", "/usr/local/bin/plimsoll", "--version"])
        .label("org.opencontainers.image.title", "plimsoll")
        .label("org.opencontainers.image.source", "https://example.invalid/plimsoll");
    let dir = PathBuf::from(out);
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    let built = image.write_oci_dir(&dir, Some(tag))?;
    eprintln!("image written to oci:{}:{tag} (manifest {})", dir.display(), built.manifest_digest);
    Ok(())
}
