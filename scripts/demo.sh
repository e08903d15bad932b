#!/usr/bin/env bash
# The main job on an embedded default: builds the demo image from demo/ and an advisory database
# from demo/advisories (no Docker engine, no network, no server), then scans the image:
# inventory, vulnerabilities, secrets and misconfigurations. Extra arguments go to
# `plimsoll image`, e.g. `--format json`.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
out=target/demo
cargo build --quiet --locked -p plimsoll-cli --bin plimsoll --example demo_image
"$target/debug/examples/demo_image" "$out"
"$target/debug/plimsoll" db build --from demo/advisories --output "$out/advisories.db" >/dev/null
exec "$target/debug/plimsoll" image --no-cache --db "$out/advisories.db" "oci:$out/oci:1" "$@"
