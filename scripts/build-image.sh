#!/usr/bin/env bash
# Builds an OCI image of plimsoll itself, without Docker: the binary (stripped), the shared
# libraries it loads (from `ldd`), the CA bundle and a non-root user (65532), as an OCI layout
# `target/image/oci:<version>`; then scans it with plimsoll (secrets and misconfigurations must
# be empty). Push it with `skopeo copy oci:target/image/oci:<version> docker://REGISTRY/plimsoll:<version>`.
# PROFILE=release for a release binary (default: the debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
profile=${PROFILE:-debug}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
cargo build --quiet --locked -p plimsoll-cli --bin plimsoll --example self_image $([ "$profile" = release ] && echo --release)
out=target/image
mkdir -p "$out"
strip -o "$out/plimsoll" "$target/$profile/plimsoll"
libs=$(ldd "$out/plimsoll" | awk '/=>/ {print $3} /^\s*\/lib/ {print $1}' | sort -u)
certs=/etc/ssl/certs/ca-certificates.crt
"$target/$profile/examples/self_image" "$out/oci" "$version" "$out/plimsoll" $libs $( [ -f $certs ] && echo $certs )
"$target/$profile/plimsoll" image --no-cache --scanners secret,misconfig --exit-code 1 "oci:$out/oci:$version"
