#!/usr/bin/env bash
# The main job on an embedded default: builds the demo image from demo/ (no Docker engine, no
# network) and scans it. Extra arguments go to `plimsoll image`, e.g. `--format json`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/demo
cargo build --quiet --locked -p plimsoll-cli --bin plimsoll --example demo_image
cargo run --quiet --locked -p plimsoll-cli --example demo_image -- "$out"
exec target/debug/plimsoll image --no-cache "oci:$out/oci:1" "$@"
