//! Misconfiguration rules over the configuration files inside an image's layers: which files are
//! checked (final filesystem only; no third-party trees, no OS package files), which rules run
//! (the run's disabled rules and inline ignores respected, set-wide NetworkPolicy rules not), the
//! layer each finding names, and that a cached scan reports the same.

#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use plimsoll::{scan_image, LayerCache, LintConfig, Progress, ScanOptions};
use plimsoll_image::testing::{ImageBuilder, LayerBuilder};
use plimsoll_image::{open, ImageRef, OpenOptions};
use plimsoll_model::misconfig::Misconfiguration;
use plimsoll_model::{DiagnosticLevel, ScanReport};

const DOCKERFILE: &str =
    "FROM debian:latest\nRUN apt-get update && apt-get install -y curl\nUSER root\nCMD [\"/app/run\"]\n";
const IGNORED_DOCKERFILE: &str =
    "FROM debian:12.5@sha256:0000000000000000000000000000000000000000000000000000000000000000\n# plimsoll:ignore=PL-DF-001\nUSER root\n";
const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: ops\nspec:\n  containers:\n  - name: shell\n    image: busybox:1.36\n    securityContext:\n      privileged: true\n";
const NAMESPACE: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n";
const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.25\n    privileged: true\n";

fn os_files() -> LayerBuilder {
    LayerBuilder::new()
        .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n", 0o644)
        .file(
            "var/lib/dpkg/status",
            "Package: kubectl-examples\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: all\n\n",
            0o644,
        )
        .file("var/lib/dpkg/info/kubectl-examples.list", "/.\n/usr/lib/kubectl\n/usr/lib/kubectl/pod.yaml\n", 0o644)
        .file("usr/lib/kubectl/pod.yaml", PRIVILEGED_POD, 0o644)
}

/// Layer 0: the OS, the app's Dockerfile and manifests, and the same kinds of files where they
/// are not the image's own. Layer 1: deletes one manifest, adds a compose file.
fn image() -> ImageBuilder {
    let base = os_files()
        .file("app/Dockerfile", DOCKERFILE, 0o644)
        .file("srv/ignored/Dockerfile", IGNORED_DOCKERFILE, 0o644)
        .file("srv/broken/Dockerfile", "FROM debian:12\nBOGUS instruction\n", 0o644)
        .file("deploy/pod.yaml", PRIVILEGED_POD, 0o644)
        .file("deploy/old-pod.yaml", PRIVILEGED_POD, 0o644)
        .file("deploy/namespace.yaml", NAMESPACE, 0o644)
        .file("deploy/values.yaml", "replicas: 3\nimage: {tag: latest}\n", 0o644)
        .file("app/node_modules/left-pad/Dockerfile", DOCKERFILE, 0o644)
        .file("usr/local/lib/python3.11/site-packages/kubernetes/examples/pod.yaml", PRIVILEGED_POD, 0o644)
        .file("usr/share/doc/app/examples/Dockerfile", DOCKERFILE, 0o644)
        .created_by("COPY . /");
    let app = LayerBuilder::new()
        .whiteout("deploy/old-pod.yaml")
        .file("deploy/compose.yaml", COMPOSE, 0o644)
        .created_by("RUN rm deploy/old-pod.yaml && cp compose.yaml deploy/");
    ImageBuilder::new().layer(base).layer(app).user("app").healthcheck(&["CMD", "true"])
}

fn scan(dir: &Path, opts: &ScanOptions) -> ScanReport {
    let r = ImageRef::parse(&format!("oci:{}", dir.display())).unwrap();
    let image = open(&r, &OpenOptions::default()).unwrap();
    scan_image(&image, opts).unwrap()
}

fn files(report: &ScanReport) -> Vec<&Misconfiguration> {
    report.misconfigurations.iter().filter(|m| m.layer.is_some()).collect()
}

/// (rule, file, line, layer) of each finding from a configuration file.
fn keys(report: &ScanReport) -> BTreeSet<(String, String, u32, usize)> {
    files(report)
        .iter()
        .map(|m| (m.rule_id.clone(), m.file.clone(), m.line, m.layer.as_ref().map_or(usize::MAX, |l| l.index)))
        .collect()
}

fn has(report: &ScanReport, rule: &str, file: &str, line: u32, layer: usize) -> bool {
    keys(report).contains(&(rule.to_owned(), file.to_owned(), line, layer))
}

#[test]
fn configuration_files_in_the_final_filesystem_are_linted_with_their_layer() {
    let dir = tempfile::tempdir().unwrap();
    let built = image().write_oci_dir(dir.path(), Some("1")).unwrap();
    let report = scan(dir.path(), &ScanOptions::default());
    let found = files(&report);

    // The Dockerfile: root as the last user, an unpinned base image, in layer 0.
    assert!(has(&report, "PL-DF-001", "app/Dockerfile", 3, 0), "{:#?}", keys(&report));
    assert!(has(&report, "PL-DF-003", "app/Dockerfile", 1, 0), "{:#?}", keys(&report));
    // The privileged pod, with its object, in layer 0.
    let pod: Vec<_> = found.iter().filter(|m| m.file == "deploy/pod.yaml" && m.rule_id == "PL-K8S-003").collect();
    assert_eq!(pod.len(), 1, "{pod:#?}");
    // Reported at `privileged: true` (line 11), not the container's first line (issue 12).
    assert_eq!((pod[0].line, pod[0].resource.as_deref()), (11, Some("Pod/ops/debug")));
    // The compose file came with layer 1, and its LayerRef says which blob that is.
    assert!(has(&report, "PL-COMPOSE-001", "deploy/compose.yaml", 4, 1), "{:#?}", keys(&report));
    let compose = found.iter().find(|m| m.file == "deploy/compose.yaml").unwrap();
    let layer = compose.layer.as_ref().unwrap();
    assert_eq!(layer.diff_id.as_ref(), Some(&built.layers[1].diff_id));
    assert_eq!(layer.digest.as_ref(), Some(&built.layers[1].digest));
    assert!(layer.created_by.as_deref().unwrap().starts_with("RUN rm deploy/old-pod.yaml"));

    // Exactly what linting each surviving file on its own gives, set-wide rules aside.
    let cfg = LintConfig::default();
    let mut expected = BTreeSet::new();
    for (path, content, layer) in [
        ("app/Dockerfile", DOCKERFILE, 0),
        ("srv/ignored/Dockerfile", IGNORED_DOCKERFILE, 0),
        ("deploy/pod.yaml", PRIVILEGED_POD, 0),
        ("deploy/namespace.yaml", NAMESPACE, 0),
        ("deploy/compose.yaml", COMPOSE, 1),
    ] {
        for m in plimsoll_lint::lint_file(path, content.as_bytes(), &cfg).unwrap() {
            if !["PL-K8S-032", "PL-K8S-033"].contains(&m.rule_id.as_str()) {
                expected.insert((m.rule_id, m.file, m.line, layer));
            }
        }
    }
    assert_eq!(keys(&report), expected);

    let paths: BTreeSet<&str> = found.iter().map(|m| m.file.as_str()).collect();
    // Deleted by layer 1: not in the final filesystem, so not reported.
    assert!(!paths.contains("deploy/old-pod.yaml"), "{paths:?}");
    // Third-party trees, documentation and OS package files are not the image's configuration.
    for p in [
        "app/node_modules/left-pad/Dockerfile",
        "usr/local/lib/python3.11/site-packages/kubernetes/examples/pod.yaml",
        "usr/share/doc/app/examples/Dockerfile",
        "usr/lib/kubectl/pod.yaml",
    ] {
        assert!(!paths.contains(p), "{p}: {paths:?}");
    }
    assert!(report.packages.iter().any(|p| p.name == "kubectl-examples"), "the OS package is in the inventory");
    // The inline ignore holds; a set-wide rule does not run on one namespace file.
    assert!(!found.iter().any(|m| m.file == "srv/ignored/Dockerfile" && m.rule_id == "PL-DF-001"));
    assert!(!found.iter().any(|m| m.rule_id == "PL-K8S-033"));
    // A Dockerfile that does not parse is a warning naming it and its layer, not a failed scan.
    let broken: Vec<_> =
        report.diagnostics.iter().filter(|d| d.path.as_deref() == Some("srv/broken/Dockerfile")).collect();
    assert_eq!(broken.len(), 1, "{:?}", report.diagnostics);
    assert_eq!((broken[0].level, broken[0].layer), (DiagnosticLevel::Warning, Some(0)));
    assert!(broken[0].message.contains("line 2"), "{}", broken[0].message);

    // Image-config findings come first and have no layer; file findings follow, sorted.
    let first_file = report.misconfigurations.iter().position(|m| m.layer.is_some()).unwrap();
    assert!(report.misconfigurations[..first_file].iter().all(|m| m.rule_id.starts_with("PL-IMG-")));
    let order: Vec<_> = found.iter().map(|m| (&m.file, m.line, &m.rule_id)).collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
}

#[test]
fn disabled_rules_and_the_scanner_toggle_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    image().write_oci_dir(dir.path(), Some("1")).unwrap();
    let all = scan(dir.path(), &ScanOptions::default());
    let cfg = LintConfig::default().disable("PL-K8S-003").disable("PL-DF-001");
    let some = scan(dir.path(), &ScanOptions { misconfig: Some(cfg), ..ScanOptions::default() });
    let dropped: BTreeSet<_> = keys(&all).difference(&keys(&some)).map(|k| k.0.clone()).collect();
    assert_eq!(dropped, BTreeSet::from(["PL-DF-001".to_owned(), "PL-K8S-003".to_owned()]));
    assert!(keys(&some).is_subset(&keys(&all)));

    let off = scan(dir.path(), &ScanOptions { misconfig: None, ..ScanOptions::default() });
    assert!(off.misconfigurations.is_empty(), "{:?}", off.misconfigurations);
    assert!(!off.diagnostics.iter().any(|d| d.message.starts_with("configuration not checked")));
}

#[derive(Default)]
struct Hits(AtomicUsize);

impl Progress for Hits {
    fn layer_done(&self, _index: usize, _bytes: u64, cached: bool) {
        if cached {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[test]
fn a_cached_scan_reports_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    image().write_oci_dir(dir.path(), Some("1")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = |misconfig: Option<LintConfig>| {
        let hits = Arc::new(Hits::default());
        let opts = ScanOptions {
            cache: Some(LayerCache::new(cache.path())),
            progress: Some(hits.clone()),
            misconfig,
            ..ScanOptions::default()
        };
        let report = scan(dir.path(), &opts);
        (report, hits.0.load(Ordering::Relaxed))
    };

    // A scan without misconfiguration rules caches layers without lint results: a later scan
    // with them must not read those entries as "nothing found".
    let (_, hits) = run(None);
    assert_eq!(hits, 0);
    let (first, hits) = run(Some(LintConfig::default()));
    assert_eq!(hits, 0, "another cache key");
    assert!(!files(&first).is_empty());
    let (second, hits) = run(Some(LintConfig::default()));
    assert_eq!(hits, 2, "both layers from the cache");
    assert_eq!(second.misconfigurations, first.misconfigurations);
    assert_eq!(second.diagnostics, first.diagnostics);

    // Disabled rules are applied after the cache: the same entries serve another rule list.
    let (skipped, hits) = run(Some(LintConfig::default().disable("PL-DF-003")));
    assert_eq!(hits, 2);
    let without: Vec<_> = first.misconfigurations.iter().filter(|m| m.rule_id != "PL-DF-003").cloned().collect();
    assert_eq!(skipped.misconfigurations, without);
    assert!(without.len() < first.misconfigurations.len());
}

/// The real images in `../shared`: file findings stay few (no flood from the distribution's or
/// libraries' own files), and every one is in a file the final filesystem holds.
#[test]
fn shared_images_do_not_flood() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    let images = shared.join("images");
    if !images.is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", images.display()));
        return;
    }
    let mut refs: Vec<String> = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&images).unwrap().flatten().map(|e| e.path()).collect();
    dirs.sort();
    for d in dirs.iter().filter(|d| d.join("oci").is_dir()) {
        refs.push(format!("oci:{}", d.join("oci").display()));
    }
    refs.push(format!("oci-archive:{}:1", images.join("debian-app.oci.tar").display()));
    let fixtures = shared.join("fixtures/trivy-fixtures/pkg/fanal/test/testdata");
    for name in ["alpine-310.tar.gz", "alpine-311.tar.gz"] {
        if fixtures.join(name).is_file() {
            refs.push(format!("docker-archive:{}", fixtures.join(name).display()));
        }
    }
    for reference in refs {
        let r = ImageRef::parse(&reference).unwrap_or_else(|e| panic!("{reference}: {e}"));
        let image = open(&r, &OpenOptions::default()).unwrap_or_else(|e| panic!("{reference}: {e}"));
        let report = scan_image(&image, &ScanOptions::default()).unwrap();
        let found = files(&report);
        let lint_warnings =
            report.diagnostics.iter().filter(|d| d.message.starts_with("configuration not checked")).count();
        eprintln!(
            "{reference}: {} image-config, {} file findings in {} files, {lint_warnings} lint warnings",
            report.misconfigurations.len() - found.len(),
            found.len(),
            found.iter().map(|m| &m.file).collect::<BTreeSet<_>>().len()
        );
        for m in &found {
            eprintln!("  {} {}:{} layer {}", m.rule_id, m.file, m.line, m.layer.as_ref().unwrap().index);
        }
        assert!(found.len() <= 25, "{reference}: {} file findings", found.len());
        assert!(lint_warnings <= 2, "{reference}: {:?}", report.diagnostics);
    }
}
