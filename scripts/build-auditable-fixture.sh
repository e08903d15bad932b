#!/usr/bin/env bash
# Builds a small Rust binary with `cargo auditable`, so that its dependency list is embedded in the
# `.dep-v0` ELF section that plimsoll's cargo-auditable analyzer reads.
#
#   scripts/build-auditable-fixture.sh [OUTPUT]      (default OUTPUT: ./auditable-demo)
#
# Installs cargo-auditable from crates.io when it is missing. The demo crate depends on crates.io
# packages with known advisories (smallvec 1.6.0: RUSTSEC-2021-0003; time 0.1.43:
# RUSTSEC-2020-0071) and on a path dependency, so the output exercises registry and local sources.
# Needs network access to crates.io; the crate's own test (tests/lang_cargo_auditable.rs) builds an
# offline variant instead. Inspect the result with `cargo audit bin OUTPUT` or `rust-audit-info`.
set -euo pipefail

out=$(realpath -m "${1:-auditable-demo}")
if ! cargo auditable --version >/dev/null 2>&1; then
    cargo install cargo-auditable --locked
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/demo/src" "$work/helper/src"

cat > "$work/helper/Cargo.toml" <<'TOML'
[package]
name = "helper"
version = "0.2.0"
edition = "2021"
TOML
echo 'pub fn answer() -> u32 { 42 }' > "$work/helper/src/lib.rs"

cat > "$work/demo/Cargo.toml" <<'TOML'
[package]
name = "auditable-demo"
version = "0.1.0"
edition = "2021"

[dependencies]
helper = { path = "../helper" }
smallvec = "=1.6.0"
time = "=0.1.43"
TOML
cat > "$work/demo/src/main.rs" <<'RS'
fn main() {
    let mut v: smallvec::SmallVec<[u32; 4]> = smallvec::SmallVec::new();
    v.push(helper::answer());
    println!("{:?} {}", v, time::now().tm_year);
}
RS

(cd "$work/demo" && CARGO_TARGET_DIR="$work/target" cargo auditable build --release --quiet)
cp "$work/target/release/auditable-demo" "$out"
echo "built $out"
