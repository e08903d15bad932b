#!/usr/bin/env python3
"""Generates the large package databases of issue 17 item 5, for bench/parsers_memory.sh.

usage: gen_parser_inputs.py OUT_DIR

  OUT_DIR/dpkg/var/lib/dpkg/status   a ~40 MB dpkg status database
  OUT_DIR/npm/package-lock.json      a ~70 MB npm lockfile, version 3

Records are as small as the formats allow (the worst case per byte, as a hostile image would
make them): a 40 MB status compresses to a 2.5 MB image layer. DENSE=0 in the environment writes
realistic records instead (a Description, resolved URLs and integrity hashes).
  OUT_DIR/bom.cdx.json               a CycloneDX 1.6 SBOM with 1,000,000 components
  OUT_DIR/dpkg-image.tar             a docker archive whose one layer holds that status database
  OUT_DIR/at-limit/...               the same three, realistic, with 65,536 records each: the
                                     most plimsoll reads from one file (MAX_PACKAGES_PER_FILE)
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

out = sys.argv[1]


DENSE = os.environ.get("DENSE", "1") != "0"
LIMIT = 65_536  # plimsoll_inventory::MAX_PACKAGES_PER_FILE


def dpkg(path, target=40 * 1024 * 1024, count=None, dense=None):
    dense = DENSE if dense is None else dense
    os.makedirs(os.path.dirname(path), exist_ok=True)
    size = 0
    i = 0
    with open(path, "w") as f:
        while (size < target) if count is None else (i < count):
            stanza = (
                f"Package: p{i}\nStatus: install ok installed\nVersion: 1.{i % 97}\nArchitecture: amd64\n\n"
            ) if dense else (
                f"Package: libgenerated{i}\n"
                "Status: install ok installed\n"
                "Priority: optional\n"
                "Section: libs\n"
                "Installed-Size: 1234\n"
                "Maintainer: Debian Generated Maintainers <generated@lists.debian.org>\n"
                "Architecture: amd64\n"
                "Multi-Arch: same\n"
                f"Source: generated{i // 3} (1.{i % 97}.{i % 13}-{i % 5})\n"
                f"Version: 1.{i % 97}.{i % 13}-{i % 5}+b1\n"
                "Depends: libc6 (>= 2.34), libgcc-s1 (>= 3.0), libstdc++6 (>= 11)\n"
                f"Description: generated library number {i}\n"
                " This package is generated to measure the memory a large status\n"
                " database needs. Its description spans a few lines, as real ones do.\n"
                "Homepage: https://example.org/generated\n\n"
            )
            f.write(stanza)
            size += len(stanza)
            i += 1
    return i


def npm(path, target=70 * 1024 * 1024, count=None, dense=None):
    dense = DENSE if dense is None else dense
    os.makedirs(os.path.dirname(path), exist_ok=True)
    size = 0
    i = 0
    with open(path, "w") as f:
        f.write('{\n  "name": "big", "version": "1.0.0", "lockfileVersion": 3, "requires": true,\n  "packages": {\n')
        f.write('    "": {"name": "big", "version": "1.0.0"}')
        while (size < target) if count is None else (i < count):
            entry = f',\n"node_modules/p{i}":{{"version":"1.{i % 50}.0"}}' if dense else (
                f',\n    "node_modules/pkg-{i}": {{"version": "1.{i % 50}.{i % 7}", '
                f'"resolved": "https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.{i % 50}.{i % 7}.tgz", '
                f'"integrity": "sha512-{"A" * 86}==", "license": "MIT", '
                f'"dependencies": {{"pkg-{i + 1}": "^1.0.0", "pkg-{i + 2}": "^1.0.0"}}}}'
            )
            f.write(entry)
            size += len(entry)
            i += 1
        f.write("\n  }\n}\n")
    return i


def sbom(path, n=1_000_000):
    with open(path, "w") as f:
        f.write('{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [\n')
        for i in range(n):
            sep = "," if i else ""
            f.write(
                f'{sep}{{"type": "library", "bom-ref": "c{i}", "name": "pkg-{i}", "version": "1.{i % 50}.0", '
                f'"purl": "pkg:npm/pkg-{i}@1.{i % 50}.0"}}\n'
            )
        f.write("]}\n")
    return n


def docker_archive(path, files):
    """A `docker save` archive with one gzip layer holding `files` ({tar name: local path})."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, local in files.items():
            t.add(local, arcname=name)
    layer = raw.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    blob = gzip.compress(layer, compresslevel=6, mtime=0)
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "generated"}],
    }).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["big:1"], "Layers": ["layer.tar.gz"]}]).encode()
    with tarfile.open(path, "w") as t:
        for name, data in [(config_name, config), ("layer.tar.gz", blob), ("manifest.json", manifest)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    print("dpkg packages:", dpkg(os.path.join(out, "dpkg/var/lib/dpkg/status")))
    print("npm packages:", npm(os.path.join(out, "npm/package-lock.json")))
    print("sbom components:", sbom(os.path.join(out, "bom.cdx.json")))
    status = os.path.join(out, "dpkg/var/lib/dpkg/status")
    docker_archive(os.path.join(out, "dpkg-image.tar"), {"var/lib/dpkg/status": status})
    print("image:", os.path.getsize(os.path.join(out, "dpkg-image.tar")), "bytes")
    # The root entry of a lockfile is a record too.
    lim = os.path.join(out, "at-limit")
    print("at limit, dpkg:", dpkg(os.path.join(lim, "dpkg/var/lib/dpkg/status"), count=LIMIT, dense=False))
    print("at limit, npm:", npm(os.path.join(lim, "npm/package-lock.json"), count=LIMIT - 1, dense=False))
    print("at limit, sbom:", sbom(os.path.join(lim, "bom.cdx.json"), n=LIMIT))
