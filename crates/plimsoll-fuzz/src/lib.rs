//! The bodies of plimsoll's fuzz targets, shared by three drivers:
//!
//! - `tests/smoke.rs` runs every target over seeds and a fixed number of deterministic
//!   mutations of them, so CI builds and exercises each target on the stable toolchain;
//! - `afl/` wraps each target for AFL++ through `cargo afl` (stable toolchain), driven by
//!   `scripts/fuzz.sh`;
//! - `crates/*/fuzz` wrap them for libFuzzer (`cargo +nightly fuzz run`).
//!
//! A target must return normally for any input: a panic is the bug the fuzzer reports.

use plimsoll_image::{walk_layer as walk, Entry, LayerVisitor, Squashed, WalkLimits, Want};
use plimsoll_inventory::ANALYZERS;
use plimsoll_lint::{FileKind, LintConfig, Linter};

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every target by name.
pub const TARGETS: &[(&str, Target)] =
    &[("walk_layer", walk_layer), ("analyzers", analyzers), ("dockerfile", dockerfile), ("manifest", manifest)];

struct Visitor;

impl LayerVisitor for Visitor {
    fn want(&mut self, entry: &Entry) -> Want {
        // Exercise both the content path and the too-large path.
        if entry.path.len().is_multiple_of(2) {
            Want::Read { max_bytes: 4096 }
        } else {
            Want::Skip
        }
    }
    fn content(&mut self, _entry: &Entry, data: &[u8]) {
        assert!(data.len() <= 4096);
    }
}

/// Arbitrary bytes as a layer tar: the walk and the squash must not panic, and every path they
/// record stays normalised inside the root.
pub fn walk_layer(data: &[u8]) {
    let limits = WalkLimits { max_entries: 10_000, ..WalkLimits::default() };
    if let Ok(index) = walk(data, &mut Visitor, &limits) {
        for e in &index.entries {
            assert!(!e.path.starts_with('/'), "{:?}", e.path);
            assert!(!e.path.split('/').any(|c| c == ".." || c == "."), "{:?}", e.path);
        }
        let squashed = Squashed::new(&[index.clone(), index]);
        for (_, e) in squashed.iter().take(100) {
            let _ = squashed.resolve(&e.path);
        }
    }
}

/// One path per analyzer family; the first input byte picks one.
pub const ANALYZER_PATHS: &[&str] = &[
    "etc/os-release",
    "etc/alpine-release",
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/base",
    "var/lib/dpkg/info/libc6:amd64.list",
    "usr/share/doc/libc6/copyright",
    "lib/apk/db/installed",
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "var/lib/rpm/rpmdb.sqlite",
    "app/requirements.txt",
    "app/poetry.lock",
    "app/Pipfile.lock",
    "app/uv.lock",
    "usr/lib/python3/site-packages/x-1.0.dist-info/METADATA",
    "app/package-lock.json",
    "app/yarn.lock",
    "app/pnpm-lock.yaml",
    "app/node_modules/x/package.json",
    "app/Cargo.lock",
    "app/go.mod",
    "app/bin/server",
    "app/lib/x.jar",
    "app/Gemfile.lock",
    "app/composer.lock",
    "app/app.deps.json",
    "app/packages.lock.json",
];

/// Arbitrary bytes under every path some analyzer wants (package databases, lockfiles,
/// binaries and archives all come from attackers).
pub fn analyzers(data: &[u8]) {
    let Some((&first, content)) = data.split_first() else { return };
    let path = ANALYZER_PATHS[first as usize % ANALYZER_PATHS.len()];
    for a in ANALYZERS {
        if a.wants(path) {
            let _ = a.analyze(path, content);
        }
    }
}

/// Any bytes, linted as a Dockerfile.
pub fn dockerfile(data: &[u8]) {
    let _ = plimsoll_lint::lint_file("Dockerfile", data, &LintConfig::default());
}

/// Any bytes, linted as Kubernetes YAML and as a compose file.
pub fn manifest(data: &[u8]) {
    for kind in [FileKind::Kubernetes, FileKind::Compose] {
        let mut l = Linter::new(LintConfig::default());
        if l.add_as("fuzz.yaml", data, kind).is_ok() {
            let _ = l.finish();
        }
    }
}

/// Starting inputs for `target`: small valid files of the formats it reads, so mutations start
/// from the parsers' interesting paths rather than from noise.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    match target {
        "walk_layer" => layer_seeds(),
        "analyzers" => {
            let files: &[(usize, &str)] = &[
                (0, "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"),
                (2, "Package: bash\nStatus: install ok installed\nVersion: 5.2-1\nArchitecture: amd64\nSource: bash (5.2)\n\n"),
                (6, "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\n"),
                (10, "requests==2.31.0\nflask>=2\n"),
                (15, r#"{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"}}}"#),
                (16, "a@^1:\n  version \"1.0.0\"\n"),
                (19, "[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\n"),
                (20, "module x\n\ngo 1.22\n\nrequire golang.org/x/net v0.1.0\n"),
                (23, "GEM\n  specs:\n    rack (3.0.0)\n"),
                (24, r#"{"packages":[{"name":"a/b","version":"1.0.0"}]}"#),
            ];
            files
                .iter()
                .map(|(i, s)| {
                    let mut v = vec![*i as u8];
                    v.extend_from_slice(s.as_bytes());
                    v
                })
                .collect()
        }
        "dockerfile" => vec![
            b"FROM debian:12 AS build\nRUN apt-get update && apt-get install -y curl\nCOPY --from=build /a /b\nUSER root\nHEALTHCHECK CMD true\n".to_vec(),
            b"# syntax=docker/dockerfile:1\nFROM alpine\nRUN <<EOF\necho hi\nEOF\nENV A=1 B=\"2 3\"\nCMD [\"sh\"]\n".to_vec(),
        ],
        "manifest" => vec![
            b"apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    securityContext: {privileged: true}\n".to_vec(),
            b"services:\n  web:\n    image: nginx\n    privileged: true\n    ports: [\"80:80\"]\n".to_vec(),
            b"a: &a [1, 2]\nb: [*a, *a]\n---\nkind: List\nitems: []\n".to_vec(),
        ],
        _ => Vec::new(),
    }
}

fn tar_header(name: &[u8], typeflag: u8, size: usize, link: &[u8]) -> [u8; 512] {
    let mut b = [0u8; 512];
    b[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    b[100..107].copy_from_slice(b"0000644");
    b[108..115].copy_from_slice(b"0000000");
    b[116..123].copy_from_slice(b"0000000");
    b[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    b[136..147].copy_from_slice(b"14000000000");
    b[156] = typeflag;
    b[157..157 + link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    b[148..156].fill(b' ');
    let sum: u32 = b.iter().map(|&c| u32::from(c)).sum();
    b[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    b
}

fn push(out: &mut Vec<u8>, name: &[u8], typeflag: u8, data: &[u8], link: &[u8]) {
    out.extend_from_slice(&tar_header(name, typeflag, data.len(), link));
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// Tars with each construct the walk handles: files, dirs, links, whiteouts, PAX records
/// (with a newline in a value), GNU long names.
fn layer_seeds() -> Vec<Vec<u8>> {
    let mut a = Vec::new();
    push(&mut a, b"etc/", b'5', b"", b"");
    push(&mut a, b"etc/os-release", b'0', b"ID=debian\n", b"");
    push(&mut a, b"etc/link", b'2', b"", b"os-release");
    push(&mut a, b"etc/hard", b'1', b"", b"etc/os-release");
    push(&mut a, b"app/.wh.old", b'0', b"", b"");
    push(&mut a, b"app/.wh..wh..opq", b'0', b"", b"");
    a.extend_from_slice(&[0; 1024]);
    let mut b = Vec::new();
    let rec = b"18 path=junk\nmore\n11 uid=100\n";
    push(&mut b, b"PaxHeaders/x", b'x', rec, b"");
    push(&mut b, b"var/lib/dpkg/status", b'0', b"Package: a\n\n", b"");
    push(&mut b, b"././@LongLink", b'L', &[b'd'; 150], b"");
    push(&mut b, b"short", b'0', b"long", b"");
    b.extend_from_slice(&[0; 1024]);
    vec![a, b]
}

/// A small deterministic PRNG (xorshift64*), so CI runs the same inputs every time.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// A havoc-style mutation of `input`: byte flips, interesting values, insertions, deletions,
/// block copies and truncation, one to eight of them.
pub fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    const INTERESTING: &[u8] = &[0, 1, 0x7f, 0x80, 0xff, b'\n', b'/', b'.', b'0', b'7', b' ', b'='];
    let mut d = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        match rng.below(7) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let i = rng.below(d.len() + 1);
                d.insert(i, rng.next_u64() as u8);
            }
            3 if !d.is_empty() => {
                let i = rng.below(d.len());
                let n = rng.below(d.len() - i).min(64) + 1;
                d.drain(i..(i + n).min(d.len()));
            }
            4 if d.len() > 1 => {
                let from = rng.below(d.len());
                let n = rng.below(d.len() - from).min(512) + 1;
                let chunk: Vec<u8> = d[from..(from + n).min(d.len())].to_vec();
                let at = rng.below(d.len());
                d.splice(at..at, chunk);
            }
            5 if !d.is_empty() => d.truncate(rng.below(d.len())),
            _ => {
                let i = rng.below(d.len() + 1);
                let digits = format!("{}", rng.next_u64() % 100_000);
                d.splice(i..i, digits.into_bytes());
            }
        }
    }
    d
}
