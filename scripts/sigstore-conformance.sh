#!/usr/bin/env bash
# Runs the sigstore-conformance suite's own pytest harness (test_bundle.py::test_verify: every
# case of test/assets/bundle-verify, by path and by digest) against `plimsoll verify-blob`,
# offline. Skips (exit 0, with the reason) when the suite or Python's venv is unavailable.
#
#   scripts/sigstore-conformance.sh [extra pytest args]
#
# SIGSTORE_CONFORMANCE_DIR: the suite (default ../shared/sigstore/conformance)
# PLIMSOLL_SIGSTORE_VENV:   where pytest, the suite's imports and sigstore-python are installed
#                           (default ~/.cache/plimsoll/sigstore-venv)
set -euo pipefail
# Under CI (CI=true) a skip is a failure: the suite and its Python packages must be there.
skip() {
  echo "skipped: $*"
  case "${CI:-}" in "" | 0 | false | FALSE | False) exit 0 ;; *) echo "CI is set: failing instead" >&2; exit 1 ;; esac
}
repo=$(cd "$(dirname "$0")/.." && pwd)
suite=$(cd "$repo" && realpath -m "${SIGSTORE_CONFORMANCE_DIR:-../shared/sigstore/conformance}")
if [ ! -f "$suite/test/test_bundle.py" ]; then
  skip "the sigstore-conformance suite is not at $suite"
fi

venv=${PLIMSOLL_SIGSTORE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/plimsoll/sigstore-venv}
# sigstore (sigstore-python) is not needed by the harness: the differential test
# (cargo test -p plimsoll-sigstore --test differential) uses it from this venv.
if ! "$venv/bin/python" -c 'import pytest, urllib3, cryptography, platformdirs, sigstore_protobuf_specs, sigstore' 2>/dev/null; then
  echo "installing the conformance harness's Python dependencies and sigstore-python into $venv"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q pytest urllib3 cryptography platformdirs sigstore-protobuf-specs sigstore; }; then
    skip "cannot install pytest and the suite's dependencies"
  fi
fi

target=${CARGO_TARGET_DIR:-$repo/target}
(cd "$repo" && cargo build -q -p plimsoll-cli)
export PLIMSOLL_BIN="$target/debug/plimsoll"

cd "$suite"
# The suite lives in a read-only tree: no bytecode or cache files there.
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$repo/scripts${PYTHONPATH:+:$PYTHONPATH}" \
  "$venv/bin/python" -m pytest -p no:cacheprovider -p sigstore_conformance_offline \
  -W ignore::DeprecationWarning --rootdir "$suite" "test/test_bundle.py::test_verify" \
  --entrypoint "$repo/scripts/sigstore-conformance-entrypoint.sh" --skip-signing "$@"
