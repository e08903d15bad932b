#!/usr/bin/env bash
# Coverage-guided fuzzing of every plimsoll fuzz target with AFL++ on the stable toolchain.
#
#   scripts/fuzz.sh [EXECS] [TARGET...]
#
# EXECS: executions per target (default 10000000); TARGETs: walk_layer analyzers dockerfile
# manifest (default: all). Needs `cargo install cargo-afl` (its AFL++ runtime is built on first
# use with `cargo afl config --build`). Seeds come from `plimsoll_fuzz::seeds`; findings land in
# ${FUZZ_OUT:-fuzz-out}/TARGET/default/{crashes,hangs}. Prints one line per target:
# executions, execs/s, paths found, crashes, hangs; exits 1 if any target crashed or hung.
set -euo pipefail
cd "$(dirname "$0")/.."
execs=${1:-10000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(walk_layer analyzers dockerfile manifest)
out=${FUZZ_OUT:-fuzz-out}
command -v cargo-afl >/dev/null || { echo "cargo-afl is missing: cargo install cargo-afl" >&2; exit 2; }
cargo afl config --build >/dev/null 2>&1 || true

target_dir=${CARGO_TARGET_DIR:-$PWD/target}
(cd crates/plimsoll-fuzz/afl && cargo afl build --profile fuzz --quiet)
bin="$target_dir/fuzz/plimsoll-afl"

# AFL++ refuses to start on systems tuned for other work unless told to go ahead; these only
# skip its checks, they change no system setting.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_QUIET=1
status=0
for t in "${targets[@]}"; do
  seeds="$out/seeds/$t"
  rm -rf "$seeds" "$out/$t"
  "$bin" seeds "$seeds" "$t"
  PLIMSOLL_FUZZ_TARGET=$t cargo afl fuzz -i "$seeds" -o "$out/$t" -E "$execs" -t 2000 -- "$bin" >"$out/$t.log" 2>&1 || true
  stats="$out/$t/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "$t: afl-fuzz did not run; see $out/$t.log" >&2
    status=1
    continue
  fi
  get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  crashes=$(get saved_crashes); hangs=$(get saved_hangs)
  echo "$t: execs=$(get execs_done) execs/s=$(get execs_per_sec) corpus=$(get corpus_count) crashes=$crashes hangs=$hangs"
  if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then status=1; fi
done
exit $status
