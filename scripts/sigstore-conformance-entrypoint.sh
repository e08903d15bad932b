#!/usr/bin/env bash
# The client the sigstore-conformance harness drives (docs/cli_protocol.md): its
# `verify-bundle` verb is `plimsoll verify-blob` with the same arguments. Signing needs an
# identity provider and the network, so it is not offered.
set -euo pipefail
verb=${1:-}
shift || true
case "$verb" in
  verify-bundle) exec "${PLIMSOLL_BIN:?PLIMSOLL_BIN must name the plimsoll binary}" verify-blob "$@" ;;
  *) echo "plimsoll conformance client: '$verb' is not supported (offline verification only)" >&2; exit 2 ;;
esac
