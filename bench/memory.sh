#!/usr/bin/env bash
# Peak memory (max RSS) and time of `plimsoll image` as synthetic images grow, with and without
# secret scanning, to show memory stays flat: each layer is streamed, never held whole.
#
#   bench/memory.sh [SIZES...]     sizes in MB of uncompressed content (default: 50 200 800)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-50 200 800}")
read -r -a sizes <<<"${sizes[*]}"
cargo build --release --quiet --locked -p plimsoll-cli --bin plimsoll --example synthetic_image
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| content MB | layers | scanners | seconds | max RSS MB |"
echo "|---:|---:|---|---:|---:|"
for mb in "${sizes[@]}"; do
  layers=4
  target/release/examples/synthetic_image "$work/img" "$layers" $((mb / layers)) 2>/dev/null
  for scanners in misconfig secret,misconfig; do
    /usr/bin/time -f "%e %M" -o "$work/t" target/release/plimsoll image "oci:$work/img/oci:1" --no-cache --quiet \
      --scanners "$scanners" --format json -o /dev/null
    read -r secs rss <"$work/t"
    echo "| $mb | $layers | $scanners | $secs | $((rss / 1024)) |"
  done
done
