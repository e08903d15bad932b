#!/usr/bin/env bash
# Sets up and runs every test. Installs the tools the tests compare against when they are
# missing (Debian packages, PyPI validators); tests whose tool is still missing skip with a
# printed reason, so this also works offline. `.ci/run` calls this script.
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
if [ ${#apt_missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing ${apt_missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}" >/dev/null; } ||
      log "warning: could not install ${apt_missing[*]}; the tests that need them will skip"
  else
    log "warning: ${apt_missing[*]} missing and cannot be installed here; the tests that need them will skip"
  fi
fi

# PyPI: the official CycloneDX and SPDX JSON schemas ship in these packages.
if ! python3 -c 'import jsonschema, cyclonedx, spdx_tools' 2>/dev/null; then
  log "installing PyPI schema validators"
  python3 -m pip install -q jsonschema cyclonedx-python-lib spdx-tools 2>/dev/null ||
    log "warning: could not install the PyPI validators; schema validation tests will skip"
fi

if [ ! -d ../shared ]; then
  log "note: ../shared is absent; integration tests on shared data will skip"
fi

log "cargo test --workspace"
cargo test --workspace --locked
