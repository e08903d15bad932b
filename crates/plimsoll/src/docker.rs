//! `plimsoll docker`: a live Docker Engine (or Podman's compatible API) audited through its API.
//!
//! Data flow: [`audit_docker`] reads `/version`, `/info`, the `bridge` network and every
//! container (`/containers/json?all=1`, then `/containers/{id}/json`); the daemon and each
//! container go through the `PL-DOCKER-*` rules of `plimsoll-lint` (CIS Docker Benchmark
//! sections 2 and 5); the Engine, containerd and runc versions become packages
//! ([`runtime_packages`]) matched against the advisories. A component installed by the host's
//! distribution package (its dpkg status says so: Debian's `runc 1.1.5+ds1-1+deb12u1` reports
//! `1.1.5+ds1`) is judged by the distribution's advisories, which know its backported fixes;
//! any other is a Go module (`github.com/opencontainers/runc`, `github.com/containerd/containerd`,
//! `github.com/docker/docker` and `github.com/moby/moby`) judged by the Go vulnerability
//! database. Everything lands in one normal report, so every output format works; with
//! `scan_images` each distinct image of the containers is also scanned once (read from the engine
//! as `docker:ID`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_image::engine::{EngineClient, EngineKind, EngineLimits};
use plimsoll_image::{ImageError, ImageRef, OpenOptions};
use plimsoll_lint::{ContainerInput, DaemonInput};
use plimsoll_model::{purl, ArtifactKind, Diagnostic, DiagnosticLevel, OsRelease, Package, PackageKind};
use serde_json::Value;

use crate::policy::Policy;
use crate::{empty_report, match_vulnerabilities, scan_image, Error, ScanOptions, Scanned};

/// Containers audited at most (each costs one request).
const MAX_CONTAINERS: usize = 10_000;
/// `daemon.json` larger than this is not read.
const MAX_DAEMON_JSON: u64 = 1 << 20;

/// What to audit and how.
#[derive(Clone, Debug, Default)]
pub struct DockerAuditOptions {
    /// `unix:///path` of the engine; `None` is Docker's default socket.
    pub host: Option<String>,
    /// `daemon.json` to read for the daemon rules (settings `/info` does not show, e.g. `icc`).
    pub daemon_config: Option<PathBuf>,
    /// The root of the engine's host, where its dpkg status and os-release are read to tell
    /// distribution-packaged runtimes from upstream builds. `None`: `/` (the engine is reached
    /// through a local socket, so it runs here).
    pub host_root: Option<PathBuf>,
    /// Scan the containers' images too, each distinct image once.
    pub scan_images: bool,
    /// How images are opened when `scan_images` is set (limits, platform).
    pub open: OpenOptions,
}

/// One image of the audited containers, scanned.
#[derive(Debug)]
pub struct EngineImageScan {
    /// The image id (`sha256:...`).
    pub image_id: String,
    /// The names the containers gave it (`debian-app:1`).
    pub names: Vec<String>,
    pub containers: Vec<String>,
    pub result: Result<Scanned, Error>,
}

/// The engine's report and, with `scan_images`, one scan per image.
#[derive(Debug)]
pub struct DockerAudit {
    pub engine: Scanned,
    pub images: Vec<EngineImageScan>,
}

fn engine_err(source: ImageError) -> Error {
    Error::Engine { source }
}

/// Audits the engine: daemon and container rules, runtime versions against the advisories, and
/// (optionally) the containers' images. Applies `policy` to every report.
pub fn audit_docker(opts: &DockerAuditOptions, scan: &ScanOptions, policy: &Policy) -> Result<DockerAudit, Error> {
    let host = opts.host.clone().unwrap_or_else(|| plimsoll_image::engine::default_host(EngineKind::Docker));
    let client = EngineClient::new(&host, EngineLimits::default()).map_err(engine_err)?;
    let version = client.get_json("/version").map_err(engine_err)?;
    let info = client.get_json("/info").map_err(engine_err)?;
    let mut report = empty_report(&format!("docker:{}", client.endpoint()), ArtifactKind::ContainerEngine);
    let diag = |level, message: String| Diagnostic { level, message, layer: None, path: None };

    // The daemon.
    let bridge = client.get_json("/networks/bridge").ok();
    let daemon_json = match &opts.daemon_config {
        Some(path) => match read_daemon_json(path) {
            Ok(v) => Some(v),
            Err(reason) => {
                report.diagnostics.push(diag(
                    DiagnosticLevel::Warning,
                    format!("{}: {reason}; the daemon rules judged /info only", path.display()),
                ));
                None
            }
        },
        None => None,
    };
    let lint = scan.misconfig.clone().unwrap_or_default();
    let daemon = DaemonInput { info, daemon_json, bridge_network: bridge };
    report.misconfigurations.extend(plimsoll_lint::lint_docker_daemon("daemon", &daemon, &lint));

    // The containers.
    let list = client.get_json("/containers/json?all=1").map_err(engine_err)?;
    let listed = list.as_array().map(Vec::as_slice).unwrap_or_default();
    if listed.len() > MAX_CONTAINERS {
        report.diagnostics.push(diag(
            DiagnosticLevel::Error,
            format!("the engine lists {} containers; only the first {MAX_CONTAINERS} were audited", listed.len()),
        ));
    }
    let mut images: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for c in listed.iter().take(MAX_CONTAINERS) {
        let Some(id) = c.get("Id").and_then(Value::as_str).filter(|id| id.bytes().all(|b| b.is_ascii_hexdigit()))
        else {
            report.diagnostics.push(diag(DiagnosticLevel::Warning, "a listed container has no valid Id".into()));
            continue;
        };
        let inspect = match client.get_json(&format!("/containers/{id}/json")) {
            Ok(v) => v,
            // Removed between the list and the inspect, or refused: say so, audit the rest.
            Err(e) => {
                report.diagnostics.push(diag(DiagnosticLevel::Warning, format!("container {id}: {e}")));
                continue;
            }
        };
        let input = ContainerInput::new(inspect);
        let file = format!("container/{}", input.name);
        report.misconfigurations.extend(plimsoll_lint::lint_docker_container(&file, &input, &lint));
        if let Some(image_id) = input.inspect.get("Image").and_then(Value::as_str) {
            let entry = images.entry(image_id.to_owned()).or_default();
            if let Some(name) = input.config("Image").as_str() {
                if !entry.0.iter().any(|n| n == name) {
                    entry.0.push(name.to_owned());
                }
            }
            entry.1.push(input.name.clone());
        }
    }
    if scan.misconfig.is_none() {
        report.misconfigurations.clear();
    }

    // The runtime versions.
    let root = opts.host_root.clone().unwrap_or_else(|| PathBuf::from("/"));
    let host_packages = match read_host_packages(&root) {
        Ok(h) => h,
        Err(reason) => {
            report.diagnostics.push(diag(DiagnosticLevel::Warning, reason));
            None
        }
    };
    let runtime = runtime_packages(&version, host_packages.as_ref());
    report.diagnostics.extend(runtime.diagnostics.iter().map(|m| diag(DiagnosticLevel::Warning, m.clone())));
    let os =
        host_packages.as_ref().and_then(|h| h.os.clone()).filter(|_| runtime.packages.iter().any(|p| p.kind.is_os()));
    let mut vulns = match_vulnerabilities(scan, os.as_ref(), &runtime.packages, &mut report.diagnostics)
        .map_err(|source| Error::Scan { target: report.artifact.name.clone(), source })?;
    dedup_module_aliases(&mut vulns);
    report.vulnerabilities = vulns;
    report.vulnerability_scan = crate::scan::vulnerability_coverage(scan, os.as_ref(), &runtime.packages)
        .map_err(|source| Error::Scan { target: report.artifact.name.clone(), source })?;
    report.os = os;
    report.packages = runtime.packages;
    report.misconfigurations.sort_by(|a, b| (&a.file, &a.rule_id, &a.message).cmp(&(&b.file, &b.rule_id, &b.message)));
    let engine = Scanned::judged(report, policy);

    // The images, once each.
    let mut scans = Vec::new();
    if opts.scan_images {
        let open = OpenOptions { engine_host: Some(client.endpoint().to_owned()), ..opts.open.clone() };
        for (image_id, (names, containers)) in images {
            let r = ImageRef::Engine { engine: EngineKind::Docker, name: image_id.clone() };
            let result = plimsoll_image::open(&r, &open)
                .map_err(|source| Error::OpenImage { reference: r.to_string(), source })
                .and_then(|image| {
                    scan_image(&image, scan).map_err(|source| Error::Scan { target: image.reference.clone(), source })
                })
                .map(|mut report| {
                    // The name people know it by, when the containers were created from one.
                    if let Some(name) = names.first() {
                        report.artifact.name = format!("docker:{name}");
                    }
                    Scanned::judged(report, policy)
                });
            scans.push(EngineImageScan { image_id, names, containers, result });
        }
    }
    Ok(DockerAudit { engine, images: scans })
}

fn read_daemon_json(path: &Path) -> Result<Value, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read it ({e})"))?;
    let mut text = Vec::new();
    file.take(MAX_DAEMON_JSON + 1).read_to_end(&mut text).map_err(|e| format!("cannot read it ({e})"))?;
    if text.len() as u64 > MAX_DAEMON_JSON {
        return Err(format!("larger than {MAX_DAEMON_JSON} bytes"));
    }
    serde_json::from_slice(&text).map_err(|e| format!("not JSON ({e})"))
}

/// The host's installed dpkg packages and its os-release.
#[derive(Clone, Debug, Default)]
pub struct HostPackages {
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
}

/// Reads `<root>/var/lib/dpkg/status` and `<root>/etc/os-release` (or `usr/lib/os-release`).
/// `Ok(None)` when the host has no dpkg database (not a Debian-family host).
pub fn read_host_packages(root: &Path) -> Result<Option<HostPackages>, String> {
    use std::io::Read;
    let status = root.join("var/lib/dpkg/status");
    let file = match std::fs::File::open(&status) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}; runtime versions judged as upstream builds", status.display())),
    };
    let max = plimsoll_inventory::pkgdb::dpkg::STATUS_MAX;
    let mut text = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut text)
        .map_err(|e| format!("{}: {e}; runtime versions judged as upstream builds", status.display()))?;
    if text.len() as u64 > max {
        return Err(format!(
            "{} is larger than {max} bytes; runtime versions judged as upstream builds",
            status.display()
        ));
    }
    let facts = plimsoll_inventory::pkgdb::dpkg::parse_status("var/lib/dpkg/status", &String::from_utf8_lossy(&text))
        .map_err(|e| format!("{}: {e}; runtime versions judged as upstream builds", status.display()))?;
    let mut os = None;
    for rel in ["etc/os-release", "usr/lib/os-release"] {
        if let Ok(text) = std::fs::read_to_string(root.join(rel)) {
            os = plimsoll_inventory::os_release::parse_os_release(rel, &text).ok().flatten();
            break;
        }
    }
    Ok(Some(HostPackages { os, packages: facts.packages }))
}

/// The runtime components of `/version` as packages to match, and what is worth telling about them.
#[derive(Clone, Debug, Default)]
pub struct RuntimePackages {
    pub packages: Vec<Package>,
    pub diagnostics: Vec<String>,
}

/// One runtime component: its name in `/version`, its Go modules, the distribution packages
/// that install it.
struct ComponentSpec {
    name: &'static str,
    modules: fn(&str) -> Vec<&'static str>,
    distro_packages: &'static [&'static str],
}

static COMPONENTS: &[ComponentSpec] = &[
    // The Engine's code is published as both module paths; advisories name one or both.
    ComponentSpec {
        name: "Engine",
        modules: |_| vec!["github.com/docker/docker", "github.com/moby/moby"],
        distro_packages: &["docker.io", "moby-engine"],
    },
    ComponentSpec {
        name: "containerd",
        modules: |v| {
            if v.starts_with("1.") || v.starts_with("0.") {
                vec!["github.com/containerd/containerd"]
            } else {
                vec!["github.com/containerd/containerd/v2"]
            }
        },
        distro_packages: &["containerd"],
    },
    ComponentSpec { name: "runc", modules: |_| vec!["github.com/opencontainers/runc"], distro_packages: &["runc"] },
];

/// `[epoch:]upstream[-revision]` -> `upstream`.
fn dpkg_upstream(v: &str) -> &str {
    let v = v.split_once(':').filter(|(e, _)| e.bytes().all(|b| b.is_ascii_digit())).map_or(v, |(_, rest)| rest);
    v.rsplit_once('-').map_or(v, |(up, _)| up)
}

/// The semantic version in a reported one: `v1.1.11` -> `1.1.11`, `1.6.20~ds1` -> `1.6.20`,
/// `20.10.24+dfsg1` -> `20.10.24`, `1.0.0-rc93` kept. `None` when there is none.
fn upstream_semver(v: &str) -> Option<String> {
    let v = v.trim().trim_start_matches('v');
    let end = v.find(['+', '~', ' ']).unwrap_or(v.len());
    let core = &v[..end];
    let numeric = core.split('-').next().unwrap_or_default();
    let ok = !numeric.is_empty() && numeric.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| core.to_owned())
}

/// Marks Debian and Ubuntu put on repacked upstream sources.
fn looks_distro_built(v: &str) -> bool {
    ["+dfsg", "+ds", "~ds", "~dfsg", "+really", "ubuntu", "+deb"].iter().any(|m| v.contains(m))
}

/// Turns `/version`'s Engine, containerd and runc into packages: the host's dpkg package when it
/// is the one the daemon reports (same upstream version, or the build's git commit naming the
/// package version, as Debian's builds do), else the Go module at the reported version.
pub fn runtime_packages(version: &Value, host: Option<&HostPackages>) -> RuntimePackages {
    let mut out = RuntimePackages::default();
    let components = version.get("Components").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for spec in COMPONENTS {
        let Some(c) = components.iter().find(|c| c.get("Name").and_then(Value::as_str) == Some(spec.name)) else {
            continue;
        };
        let reported = c.get("Version").and_then(Value::as_str).unwrap_or_default().trim();
        let commit = c.get("Details").and_then(|d| d.get("GitCommit")).and_then(Value::as_str).unwrap_or_default();
        if reported.is_empty() {
            continue;
        }
        let found_in = format!("/version ({} {reported})", spec.name);
        let distro = host.and_then(|h| {
            h.packages.iter().find(|p| {
                p.kind == PackageKind::Dpkg
                    && spec.distro_packages.contains(&p.name.as_str())
                    && (dpkg_upstream(&p.version) == reported.trim_start_matches('v') || p.version == commit)
            })
        });
        if let Some(pkg) = distro {
            let mut p = pkg.clone();
            p.found_in = format!("{found_in}, installed by the distribution package {} {}", p.name, p.version);
            p.purl = purl::for_package(&p, host.and_then(|h| h.os.as_ref()));
            out.packages.push(p);
            continue;
        }
        let Some(semver) = upstream_semver(reported) else {
            out.diagnostics.push(format!(
                "{} reports version {reported:?}, which is not a release version: not matched",
                spec.name
            ));
            continue;
        };
        if looks_distro_built(reported) {
            out.diagnostics.push(format!(
                "{} {reported} looks like a distribution build, but no installed package of the host matches it: \
                 matched as upstream {semver}, which may not know fixes the distribution backported",
                spec.name
            ));
        }
        for module in (spec.modules)(&semver) {
            // Docker's releases predate Go modules: the Go database versions them `+incompatible`.
            let version = match spec.name {
                "Engine" => format!("v{semver}+incompatible"),
                _ => format!("v{semver}"),
            };
            let mut p = Package::new(PackageKind::Go, module, version, found_in.clone());
            p.purl = purl::for_package(&p, None);
            out.packages.push(p);
        }
    }
    out
}

/// The Engine is looked up under both of its module paths; an advisory naming both would be
/// reported twice. Keeps the `github.com/docker/docker` finding.
fn dedup_module_aliases(vulns: &mut Vec<plimsoll_model::vuln::Vulnerability>) {
    let docker: std::collections::HashSet<String> = vulns
        .iter()
        .filter(|v| v.package_name == "github.com/docker/docker")
        .flat_map(|v| std::iter::once(v.id.clone()).chain(v.aliases.iter().cloned()))
        .collect();
    vulns.retain(|v| {
        v.package_name != "github.com/moby/moby"
            || !(docker.contains(&v.id) || v.aliases.iter().any(|a| docker.contains(a)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_as_release_versions() {
        assert_eq!(upstream_semver("v1.1.11").as_deref(), Some("1.1.11"));
        assert_eq!(upstream_semver("1.6.20~ds1").as_deref(), Some("1.6.20"));
        assert_eq!(upstream_semver("20.10.24+dfsg1").as_deref(), Some("20.10.24"));
        assert_eq!(upstream_semver("1.0.0-rc93").as_deref(), Some("1.0.0-rc93"));
        assert_eq!(upstream_semver("dev"), None);
        assert_eq!(dpkg_upstream("1.1.5+ds1-1+deb12u1"), "1.1.5+ds1");
        assert_eq!(dpkg_upstream("1:2.3-4"), "2.3");
    }
}
