#!/usr/bin/env bash
# Benchmark of `plimsoll admission serve` (not a test): a plain-HTTP docker-registry on loopback
# with the demo image pushed (skopeo) and signed (`plimsoll sign`), the webhook over TLS, then
#   1. cached verdicts: `hey` at a fixed 1,000 requests/s for 30 s (the signed Pod, one tag);
#   2. cold verdicts: N requests, each for a tag never seen (resolve + fetch signature + verify);
#   3. the webhook's peak resident memory (VmHWM).
# Needs docker-registry, skopeo, openssl, hey, curl (Debian packages). Usage: scripts/bench-admission.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
profile=${PROFILE:-debug}
cold_n=${1:-100}
cargo build --quiet --locked -p plimsoll-cli --bin plimsoll --example demo_image $([ "$profile" = release ] && echo --release)
bin="$target/$profile/plimsoll"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$target/$profile/examples/demo_image" "$work/demo" >/dev/null 2>&1
reg="127.0.0.1:$(free_port)"
cat >"$work/registry.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/storage}}
http: {addr: $reg, secret: bench}
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -sf "http://$reg/v2/" >/dev/null && break; sleep 0.1; done
skopeo copy --quiet --dest-tls-verify=false "oci:$work/demo/oci:1" "docker://$reg/bench/app:v1"
export PLIMSOLL_PASSWORD=bench
"$bin" key generate --output-key-prefix "$work/cosign" >/dev/null 2>&1
"$bin" sign --insecure --key "$work/cosign.key" "$reg/bench/app:v1" >/dev/null 2>&1
# Tags for the cold runs: the same manifest under new tags (same digest, so already signed).
manifest_type=$(curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$reg/v2/bench/app/manifests/v1" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-type"{print $2}')
curl -sf -H "Accept: $manifest_type" "http://$reg/v2/bench/app/manifests/v1" >"$work/manifest.json"
for i in $(seq "$cold_n"); do
  curl -sf -X PUT -H "Content-Type: $manifest_type" --data-binary @"$work/manifest.json" "http://$reg/v2/bench/app/manifests/cold$i" >/dev/null
done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/tls.key" -out "$work/tls.crt" \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 2>/dev/null
cat >"$work/policy.yaml" <<YAML
apiVersion: plimsoll.dev/v1alpha1
kind: AdmissionPolicy
spec:
  insecureRegistries: ["$reg"]
  allowedRegistries: ["$reg/"]
  verifyImages: [{images: ["$reg/*"], keys: ["$work/cosign.pub"]}]
  podSecurity: {level: baseline}
YAML
hook="127.0.0.1:$(free_port)"
"$bin" admission serve --policy "$work/policy.yaml" --listen "$hook" --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" \
  2>"$work/serve.log" & serve_pid=$!; pids+=($serve_pid)
for _ in $(seq 100); do curl -skf "https://$hook/healthz" >/dev/null && break; sleep 0.1; done
review() {
  cat <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"bench","kind":{"group":"","version":"v1","kind":"Pod"},
"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"bench","operation":"CREATE","userInfo":{"username":"admin"},
"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"name":"app","image":"$reg/bench/app:$1"}]}}}}
JSON
}
review v1 >"$work/review.json"
curl -skf -X POST -H 'Content-Type: application/json' --data-binary @"$work/review.json" "https://$hook/validate" | grep -q '"allowed":true' \
  || { echo "the signed image was not allowed"; cat "$work/serve.log"; exit 1; }

echo "== cold verdicts ($cold_n, each a new tag: resolve + signature + verify)"
for i in $(seq "$cold_n"); do
  review "cold$i" >"$work/cold.json"
  curl -sk -o "$work/cold.out" -w '%{time_total}\n' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$work/cold.json" "https://$hook/validate"
  grep -q '"allowed":true' "$work/cold.out" || { echo "cold$i not allowed: $(cat "$work/cold.out")"; exit 1; }
done | sort -n | awk '{a[NR]=$1} END {printf "p50 %.1f ms  p99 %.1f ms  max %.1f ms\n", a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000}'

cpu_ticks() { awk '{print $14 + $15}' "/proc/$serve_pid/stat"; }
echo "== cached verdicts: 1,000 requests/s for 30 s (hey -c 50 -q 20)"
before=$(cpu_ticks)
# `-host localhost`: hey sends the Host header (with its port) as TLS SNI, which rustls rightly
# refuses as an illegal server name; a bare host name is valid SNI.
hey -host localhost -z 30s -c 50 -q 20 -m POST -T application/json -D "$work/review.json" "https://$hook/validate" \
  | grep -E 'Requests/sec|Total:|Slowest|Fastest|Average|99% in|95% in|50% in|\[[0-9]+\]|Error' || true
after=$(cpu_ticks)
hz=$(getconf CLK_TCK)
echo "== webhook CPU during the cached run: $(( (after - before) * 1000 / hz )) ms for 30,000 requests (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "== webhook memory: $(grep -E 'VmHWM|VmRSS' /proc/$serve_pid/status | tr -s ' \n' ' ')"
