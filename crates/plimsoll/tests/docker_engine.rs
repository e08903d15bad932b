//! `plimsoll docker` and `docker:NAME` against a real Docker Engine: the test starts `dockerd`
//! on a temporary socket, data root and exec root (no iptables, no bridge), loads the shared
//! Debian image, creates a hardened and a bad container, and checks the exact findings on each,
//! the daemon's, and that `docker:NAME` reads the same image as the OCI archive. Needs root,
//! `dockerd` and `docker` (Debian's docker.io, installed by scripts/test.sh) and `skopeo` (to turn
//! the shared OCI archive into a `docker load` archive: Docker 20.10 loads no OCI archives).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use plimsoll::docker::{audit_docker, DockerAuditOptions};
use plimsoll::policy::Policy;
use plimsoll::ScanOptions;
use plimsoll_image::{open, ImageRef, OpenOptions};
use plimsoll_test_support::dockerd::Dockerd;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// (file, rule) of every finding on `file`, with the message for the rules that report several.
fn findings(report: &plimsoll_model::ScanReport, file: &str) -> BTreeSet<(String, String)> {
    report.misconfigurations.iter().filter(|m| m.file == file).map(|m| (m.rule_id.clone(), m.message.clone())).collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn live_engine_containers_daemon_and_images() {
    let archive = shared().join("images/debian-app.oci.tar");
    if !archive.is_file() {
        plimsoll_test_support::require(&format!("{} is absent", archive.display()));
        return;
    }
    if let Some(reason) = plimsoll_test_support::dockerd::unavailable() {
        plimsoll_test_support::require(&reason);
        return;
    }
    if !Command::new("sh").args(["-c", "command -v skopeo"]).stdout(Stdio::null()).status().is_ok_and(|s| s.success()) {
        plimsoll_test_support::require("skopeo is not installed");
        return;
    }
    let d = Dockerd::start().unwrap_or_else(|e| panic!("{e}"));

    let saved = d.dir().join("debian-app.tar");
    let copy = Command::new("skopeo")
        .arg("copy")
        .arg(format!("oci-archive:{}:1", archive.display()))
        .arg(format!("docker-archive:{}:debian-app:1", saved.display()))
        .output()
        .unwrap();
    assert!(copy.status.success(), "skopeo: {}", String::from_utf8_lossy(&copy.stderr));
    d.docker(&["load", "-i", saved.to_str().unwrap()]);
    std::fs::remove_file(&saved).unwrap();
    #[rustfmt::skip]
    d.docker(&[
        "create", "--name", "hardened", "--network", "none", "--read-only", "--user", "1000:1000",
        "--cap-drop", "ALL", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "64",
        "--security-opt", "no-new-privileges", "debian-app:1",
    ]);
    #[rustfmt::skip]
    d.docker(&[
        "create", "--name", "bad", "--network", "none", "--privileged",
        "-v", "/var/run/docker.sock:/var/run/docker.sock", "--pid", "host", "debian-app:1",
    ]);
    // The hardened one runs here (`--network none`); a privileged one cannot start on these
    // machines, and `create` is all the API needs to describe it.
    d.docker(&["start", "hardened"]);

    let opts = DockerAuditOptions {
        host: Some(d.host()),
        // A host root without a dpkg database: versions are judged as upstream builds.
        host_root: Some(d.dir().join("no-root")),
        scan_images: true,
        ..Default::default()
    };
    let scan = ScanOptions::default();
    let audit = audit_docker(&opts, &scan, &Policy::default()).unwrap();
    let report = &audit.engine.report;
    assert_eq!(report.artifact.kind, plimsoll_model::ArtifactKind::ContainerEngine);

    assert_eq!(findings(report, "container/hardened"), set(&[]), "{:#?}", report.misconfigurations);
    assert_eq!(
        findings(report, "container/bad"),
        set(&[
            ("PL-DOCKER-001", "the container runs privileged (--privileged)"),
            ("PL-DOCKER-004", "the container shares the host's PID namespace (--pid host)"),
            ("PL-DOCKER-005", "/var/run/docker.sock is mounted into the container at /var/run/docker.sock"),
            ("PL-DOCKER-007", "no memory limit (--memory)"),
            ("PL-DOCKER-007", "no CPU limit or share (--cpus, --cpu-quota, --cpu-shares)"),
            ("PL-DOCKER-007", "no process limit (--pids-limit)"),
            ("PL-DOCKER-008", "the root filesystem is writable (no --read-only)"),
            ("PL-DOCKER-009", "the container runs as root (no user set)"),
            ("PL-DOCKER-010", "no-new-privileges is not set (--security-opt no-new-privileges)"),
        ])
    );
    // Debian's default daemon, started without a bridge (so no icc finding) and without
    // userns-remap or live-restore.
    let daemon: BTreeSet<String> = findings(report, "daemon").into_iter().map(|(r, _)| r).collect();
    assert_eq!(daemon, ["PL-DOCKER-101", "PL-DOCKER-102", "PL-DOCKER-106"].iter().map(|s| s.to_string()).collect());
    assert_eq!(
        report.misconfigurations.len(),
        9 + 3,
        "only the two containers and the daemon: {:#?}",
        report.misconfigurations
    );
    // Findings carry the rule's CIS reference and documentation.
    let privileged = report.misconfigurations.iter().find(|m| m.rule_id == "PL-DOCKER-001").unwrap();
    assert_eq!(privileged.references, vec!["CIS-Docker-5.5".to_string()]);
    assert!(plimsoll::rules::rule_doc("PL-DOCKER-001").unwrap().contains("## How to fix"));

    // The runtime versions became packages (Debian's builds, but no dpkg database at host_root:
    // matched as upstream Go modules, with a warning saying so).
    let names: BTreeSet<&str> = report.packages.iter().map(|p| p.name.as_str()).collect();
    assert!(
        names.contains("github.com/opencontainers/runc") && names.contains("github.com/docker/docker"),
        "{names:?}"
    );
    assert!(report.diagnostics.iter().any(|d| d.message.contains("looks like a distribution build")));

    // This machine's own runtimes, judged with its dpkg status: Debian's docker.io daemon reports
    // Debian's runc (1.1.5+ds1), which must be the Debian package, not upstream runc 1.1.5.
    let local =
        audit_docker(&DockerAuditOptions { host: Some(d.host()), ..Default::default() }, &scan, &Policy::default())
            .unwrap()
            .engine
            .report;
    let host_runc = plimsoll::docker::read_host_packages(Path::new("/"))
        .ok()
        .flatten()
        .is_some_and(|h| h.packages.iter().any(|p| p.name == "runc"));
    if host_runc {
        let runc = local.packages.iter().find(|p| p.name == "runc" || p.name.ends_with("/runc")).unwrap();
        assert_eq!(runc.kind, plimsoll_model::PackageKind::Dpkg, "{runc:?}");
        assert!(!local.packages.iter().any(|p| p.name == "github.com/opencontainers/runc"));
    }

    // One image for both containers, scanned once, with the same inventory as the OCI archive.
    assert_eq!(audit.images.len(), 1);
    let img = &audit.images[0];
    assert_eq!(img.names, vec!["debian-app:1".to_string()]);
    assert_eq!(
        img.containers.iter().collect::<BTreeSet<_>>(),
        ["bad", "hardened"].iter().map(|s| s.to_string()).collect::<BTreeSet<_>>().iter().collect()
    );
    let from_engine = &img.result.as_ref().unwrap().report;
    let oci = open(&ImageRef::parse(&format!("oci-archive:{}:1", archive.display())).unwrap(), &OpenOptions::default())
        .unwrap();
    let from_archive = plimsoll::scan_image(&oci, &scan).unwrap();
    let inventory = |r: &plimsoll_model::ScanReport| -> Vec<(String, String, String)> {
        let mut v: Vec<_> =
            r.packages.iter().map(|p| (p.name.clone(), p.version.clone(), p.found_in.clone())).collect();
        v.sort();
        v
    };
    assert_eq!(inventory(from_engine), inventory(&from_archive));
    assert_eq!(from_engine.packages.len(), 108);
    assert_eq!(from_engine.artifact.image_id, from_archive.artifact.image_id);
    assert_eq!(from_engine.secrets.len(), from_archive.secrets.len());

    // docker:NAME through the image source directly: verified like any archive.
    let r = ImageRef::parse("docker:debian-app:1").unwrap();
    let image = open(&r, &OpenOptions { engine_host: Some(d.host()), ..OpenOptions::default() }).unwrap();
    assert_eq!(image.reference, "docker:debian-app:1");
    assert_eq!(image.config_digest, oci.config_digest);
    assert_eq!(
        image.layers.iter().map(|l| &l.diff_id).collect::<Vec<_>>(),
        oci.layers.iter().map(|l| &l.diff_id).collect::<Vec<_>>()
    );
    // An image the engine does not have: the engine's own message.
    let missing = open(
        &ImageRef::parse("docker:no-such-image:1").unwrap(),
        &OpenOptions { engine_host: Some(d.host()), ..OpenOptions::default() },
    )
    .unwrap_err()
    .to_string();
    assert!(missing.contains("no-such-image"), "{missing}");
}
