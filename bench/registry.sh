#!/usr/bin/env bash
# Registry pull vs OCI layout on disk: builds a ~100 MB image (4 gzip layers), pushes it with
# skopeo to a loopback docker-registry (TLS with a throwaway CA, no auth) and times
# `plimsoll image` on both, without the layer cache. Also reports plimsoll's CPU time and the
# registry server's CPU time per pull: on a small machine the server competes with the scan.
#
#   bench/registry.sh [RUNS]        PLIMSOLL=path/to/plimsoll (default target/release/plimsoll)
#                                   TLS=0 serves plain HTTP (pulled with --insecure)
#                                   IMAGE=synthetic (default): half random bytes, half random
#                                     words: little scan work per byte, the worst case
#                                   IMAGE=host: real files of this machine (/usr/lib, /usr/share,
#                                     /usr/bin, the dpkg database), gzip level 6 as docker does
#                                   PIN=1: the registry on the last CPU, plimsoll on the others
#                                     (both sources), as if the registry were another machine
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
python3 - "$WORK/layout" "${IMAGE:-synthetic}" <<'PY'
import gzip, hashlib, io, json, os, random, sys, tarfile
out, kind = sys.argv[1], sys.argv[2]
os.makedirs(f"{out}/blobs/sha256")
rnd = random.Random(7)
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(2, 9))) for _ in range(5000)]
layers, diff_ids, uncompressed = [], [], 0
def host_files():
    # Sorted walk so that the image is the same from run to run on one machine.
    for top in ["/usr/lib", "/usr/share", "/usr/bin"]:
        for d, dirs, files in os.walk(top):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(d, f)
                if os.path.isfile(p) and not os.path.islink(p) and os.access(p, os.R_OK):
                    yield p
host = host_files() if kind == "host" else None
for n in range(4):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        if n == 0:
            data = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
            ti = tarfile.TarInfo("etc/os-release"); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
            if kind == "host" and os.path.isfile("/var/lib/dpkg/status"):
                t.add("/var/lib/dpkg/status", arcname="var/lib/dpkg/status")
        if kind == "host":
            # About 25 MB of gzip per layer: stop adding files once the raw size gets there
            # (checked against a level-1 estimate every 8 MB to keep this quick).
            raw = 0
            for p in host:
                try:
                    t.add(p, arcname=p.lstrip("/"), recursive=False)
                except OSError:
                    continue
                raw += os.path.getsize(p)
                if raw > 8 << 20:
                    raw = 0
                    if len(gzip.compress(buf.getvalue(), compresslevel=1)) > 27_000_000:
                        break
        else:
            for i in range(300):
                if i % 2:
                    data = rnd.randbytes(rnd.randint(60_000, 140_000))
                else:
                    data = " ".join(rnd.choice(words) for _ in range(rnd.randint(10_000, 30_000))).encode()
                ti = tarfile.TarInfo(f"opt/layer{n}/file{i:04}.dat"); ti.size = len(data); ti.mode = 0o644
                t.addfile(ti, io.BytesIO(data))
    tar = buf.getvalue()
    diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
    d = blob(gzip.compress(tar, compresslevel=6 if kind == "host" else 1, mtime=0))
    d["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    layers.append(d)
    uncompressed += len(tar)
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
c = blob(config); c["mediaType"] = "application/vnd.oci.image.config.v1+json"
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": c, "layers": layers}).encode()
m = blob(manifest); m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
m["annotations"] = {"org.opencontainers.image.ref.name": "bench"}
json.dump({"schemaVersion": 2, "manifests": [m]}, open(f"{out}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
print("image (%s): %.1f MB compressed, %.1f MB uncompressed, %d layers"
      % (kind, sum(l["size"] for l in layers) / 1e6, uncompressed / 1e6, len(layers)), file=sys.stderr)
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
RUN_ON=()
if [ "${PIN:-0}" = 1 ]; then
    LAST=$(($(nproc) - 1))
    [ "$LAST" -ge 1 ] || { echo "PIN=1 needs at least 2 CPUs" >&2; exit 1; }
    taskset -a -cp "$LAST" "$REG_PID" >/dev/null
    RUN_ON=(taskset -c "0-$((LAST - 1))")
fi
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
HOME=$WORK skopeo --insecure-policy copy --quiet --preserve-digests --dest-tls-verify=false \
    "oci:$WORK/layout:bench" "docker://127.0.0.1:$PORT/bench:latest"

if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: layout $WORK/layout, registry 127.0.0.1:$PORT (pid $REG_PID); press enter to clean up" >&2
    read -r _
fi
# Runs alternate between the two sources so that drift in machine load hits both alike.
python3 - "$RUNS" "${RUN_ON[*]:-}" "$PLIMSOLL" "$WORK" "$REG_PID" "oci:$WORK/layout:bench" "127.0.0.1:$PORT/bench:latest" "${PULL[@]}" <<'PY'
import os, resource, statistics, subprocess, sys, time
runs, run_on, exe, work, pid, local, remote, *pull = sys.argv[1:]
tick = os.sysconf("SC_CLK_TCK")
def server_cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
def run(ref, extra):
    before, s0 = resource.getrusage(resource.RUSAGE_CHILDREN), server_cpu()
    t0 = time.perf_counter()
    subprocess.run([*run_on.split(), exe, "image", ref, *extra, "--no-cache", "--quiet", "--format", "json",
                    "--output", f"{work}/out.json"], check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, server_cpu() - s0
run(local, []); run(remote, pull)  # warm-up
res = {"disk": [], "registry": []}
for _ in range(int(runs)):
    res["disk"].append(run(local, []))
    res["registry"].append(run(remote, pull))
med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in res.items()}
d, r = med["disk"], med["registry"]
print(f"OCI layout on disk: {d[0]:.2f} s (median of {runs}), plimsoll CPU {d[1]:.2f} s")
print(f"loopback registry:  {r[0]:.2f} s (median of {runs}), plimsoll CPU {r[1]:.2f} s, registry server CPU {r[2]:.2f} s")
print(f"registry / disk:    {r[0] / d[0]:.2f}x ({(r[0] / d[0] - 1) * 100:+.0f}%; target: within +20%); "
      f"plimsoll CPU {(r[1] / d[1] - 1) * 100:+.0f}%; {os.cpu_count()} CPUs{', pinned' if run_on else ''}")
PY
