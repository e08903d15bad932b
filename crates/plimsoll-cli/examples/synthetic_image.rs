//! Writes a synthetic OCI image of a chosen size for benchmarks (`bench/memory.sh`): LAYERS
//! layers, each with FILES text files totalling about MB_PER_LAYER megabytes of
//! pseudo-random, poorly compressible text, plus a dpkg database in the first layer.
//!
//!     cargo run --release -p plimsoll-cli --example synthetic_image -- OUT_DIR LAYERS MB_PER_LAYER

#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use plimsoll::testing::{ImageBuilder, LayerBuilder};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/synthetic".into()));
    let layers: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(4);
    let mb: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(25);
    // xorshift: deterministic, fast, and incompressible enough to make gzip work for real.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const FILE_SIZE: usize = 256 * 1024;
    let mut image = ImageBuilder::new();
    for l in 0..layers {
        let mut layer = LayerBuilder::new().created_by(&format!("RUN generate layer {l}"));
        if l == 0 {
            let mut status = String::new();
            for i in 0..200 {
                status.push_str(&format!(
                    "Package: pkg{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}-1\n\n"
                ));
            }
            layer = layer.file("var/lib/dpkg/status", status, 0o644).file(
                "etc/os-release",
                "ID=debian\nVERSION_ID=12\n",
                0o644,
            );
        }
        for f in 0..(mb * 1024 * 1024 / FILE_SIZE) {
            let mut text = String::with_capacity(FILE_SIZE);
            while text.len() < FILE_SIZE {
                let w = next();
                text.push_str(&format!("let value_{:x} = compute({:x}, {});\n", w, w >> 17, w % 997));
            }
            layer = layer.file(&format!("data/layer{l}/file{f}.txt"), text, 0o644);
        }
        image = image.layer(layer);
    }
    let dir = out.join("oci");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let built = image.write_oci_dir(&dir, Some("1"))?;
    eprintln!(
        "synthetic image ({layers} layers x {mb} MB) written to oci:{}:1 ({})",
        dir.display(),
        built.manifest_digest
    );
    Ok(())
}
