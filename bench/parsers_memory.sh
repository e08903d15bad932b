#!/usr/bin/env bash
# Peak memory of plimsoll on the large package databases of issue 17 item 5: a 40 MB dpkg status
# (as a 2.5 MB image and as a directory), a 70 MB package-lock.json and a 1M-component CycloneDX
# SBOM. Inputs are generated (bench/gen_parser_inputs.py); peak RSS comes from /usr/bin/time -v.
# Each case must stay under 256 MiB, or end in an error that names the limit it hit.
#
# usage: bench/parsers_memory.sh [PLIMSOLL_BINARY]
#   default binary: target/release/plimsoll, else target/debug/plimsoll (CARGO_TARGET_DIR honoured)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bin="${1:-}"
if [[ -z "$bin" ]]; then
    if [[ -x "$target/release/plimsoll" ]]; then bin="$target/release/plimsoll"; else bin="$target/debug/plimsoll"; fi
fi
[[ -x "$bin" ]] || { echo "no plimsoll binary at $bin (cargo build -p plimsoll-cli --release)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 bench/gen_parser_inputs.py "$work/in" >"$work/gen.txt"
"$bin" db build --from demo/advisories -o "$work/adv.db" >/dev/null 2>&1

echo "binary: $bin"
sed 's/^/input: /' "$work/gen.txt"
printf '%-34s %10s %5s  %s\n' case peak_MiB exit "result (first error line)"
run() {
    local name="$1"
    shift
    local rc=0
    /usr/bin/time -v -o "$work/time.txt" "$bin" "$@" -f json -o "$work/out.json" 2>"$work/err.txt" || rc=$?
    local kib
    kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time.txt")
    local what
    what=$(grep -m1 -iE 'more than|limit' "$work/err.txt" || grep -m1 -i 'error' "$work/err.txt" || true)
    if [[ -z "$what" && -s "$work/out.json" ]]; then
        what=$(python3 - "$work/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
d = [x["message"] for x in r.get("diagnostics", []) if "limit" in x["message"] or "more than" in x["message"]]
n = len(r.get("packages", []))
print(f"{n} packages" + (f"; diagnostic: {d[0]}" if d else ""))
PY
)
    fi
    printf '%-34s %10d %5d  %s\n' "$name" $((kib / 1024)) "$rc" "${what:0:160}"
    rm -f "$work/out.json"
}
run "dpkg status 40 MB, image" image "docker-archive:$work/in/dpkg-image.tar" --no-cache
run "dpkg status 40 MB, fs" fs "$work/in/dpkg"
run "package-lock.json 70 MB, fs" fs "$work/in/npm"
run "CycloneDX 1M components, sbom" sbom "$work/in/bom.cdx.json" --db "$work/adv.db"
# The largest inputs that are read: realistic records, as many as the limit allows.
run "dpkg 65,536 stanzas (limit), fs" fs "$work/in/at-limit/dpkg"
run "package-lock 65,536 (limit), fs" fs "$work/in/at-limit/npm"
run "CycloneDX 65,536 (limit), sbom" sbom "$work/in/at-limit/bom.cdx.json" --db "$work/adv.db"
