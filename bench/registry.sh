#!/usr/bin/env bash
# Registry pull vs OCI layout on disk: builds a ~100 MB image (4 gzip layers of mixed random and
# text files), pushes it with skopeo to a loopback docker-registry (TLS with a throwaway CA,
# no auth) and times `plimsoll image` on both, without the layer cache.
#
#   bench/registry.sh [RUNS]        PLIMSOLL=path/to/plimsoll (default target/release/plimsoll)
#                                   TLS=0 serves plain HTTP (pulled with --insecure)
set -euo pipefail
RUNS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PLIMSOLL=${PLIMSOLL:-$ROOT/target/release/plimsoll}
for tool in docker-registry skopeo openssl python3; do
    command -v "$tool" >/dev/null || { echo "bench/registry.sh: $tool is not installed" >&2; exit 1; }
done
[ -x "$PLIMSOLL" ] || { echo "build first: cargo build --release -p plimsoll-cli (or set PLIMSOLL)" >&2; exit 1; }

WORK=$(mktemp -d)
REG_PID=
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# The image: an OCI layout written by Python (deterministic content, seed 7).
python3 - "$WORK/layout" <<'PY'
import gzip, hashlib, io, json, os, random, sys, tarfile
out = sys.argv[1]
os.makedirs(f"{out}/blobs/sha256")
rnd = random.Random(7)
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(2, 9))) for _ in range(5000)]
layers, diff_ids = [], []
for n in range(4):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        if n == 0:
            data = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
            ti = tarfile.TarInfo("etc/os-release"); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
        for i in range(300):
            if i % 2:
                data = rnd.randbytes(rnd.randint(60_000, 140_000))
            else:
                data = " ".join(rnd.choice(words) for _ in range(rnd.randint(10_000, 30_000))).encode()
            ti = tarfile.TarInfo(f"opt/layer{n}/file{i:04}.dat"); ti.size = len(data); ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    tar = buf.getvalue()
    diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
    d = blob(gzip.compress(tar, compresslevel=1, mtime=0))
    d["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    layers.append(d)
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
c = blob(config); c["mediaType"] = "application/vnd.oci.image.config.v1+json"
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": c, "layers": layers}).encode()
m = blob(manifest); m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
m["annotations"] = {"org.opencontainers.image.ref.name": "bench"}
json.dump({"schemaVersion": 2, "manifests": [m]}, open(f"{out}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
print("image: %.1f MB compressed, %d layers" % (sum(l["size"] for l in layers) / 1e6, len(layers)), file=sys.stderr)
PY

# The registry.
cd "$WORK"
EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${EC[@]}" -keyout ca.key -out ca.pem -subj "/CN=bench CA" -days 2 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl req "${EC[@]}" -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > config.yml <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/storage}}
http: {addr: 127.0.0.1:$PORT, secret: bench, tls: {certificate: $WORK/server.pem, key: $WORK/server.key}}
YML
PULL=(--ca-file "$WORK/ca.pem")
if [ "${TLS:-1}" = 0 ]; then
    sed -i 's/, tls: {.*}}$/}/' config.yml
    PULL=(--insecure)
fi
docker-registry serve config.yml >registry.log 2>&1 &
REG_PID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
HOME=$WORK skopeo --insecure-policy copy --quiet --preserve-digests --dest-tls-verify=false \
    "oci:$WORK/layout:bench" "docker://127.0.0.1:$PORT/bench:latest"

run() { # prints seconds
    local start end
    start=$(date +%s.%N)
    "$PLIMSOLL" image "$@" --no-cache --quiet --format json --output "$WORK/out.json"
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "warm-up" >&2
run "oci:$WORK/layout:bench" >/dev/null
run "127.0.0.1:$PORT/bench:latest" "${PULL[@]}" >/dev/null
LOCAL=$(for _ in $(seq "$RUNS"); do run "oci:$WORK/layout:bench"; done | median)
REMOTE=$(for _ in $(seq "$RUNS"); do run "127.0.0.1:$PORT/bench:latest" "${PULL[@]}"; done | median)
if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: layout $WORK/layout, registry 127.0.0.1:$PORT (pid $REG_PID); press enter to clean up" >&2
    read -r _
fi
python3 - "$LOCAL" "$REMOTE" <<'PY'
import sys
local, remote = map(float, sys.argv[1:])
print(f"OCI layout on disk: {local:.2f} s (median)")
print(f"loopback registry:  {remote:.2f} s (median)")
print(f"registry / disk:    {remote / local:.2f}x ({(remote / local - 1) * 100:+.0f}%; target: within +20%)")
PY
