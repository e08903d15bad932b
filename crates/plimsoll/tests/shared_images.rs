//! End-to-end inventory of the real images in `../shared/images`, compared with their ground truth.
//! Skips with a printed reason when `../shared` is absent.

#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll::{scan_image, ScanOptions};
use plimsoll_image::{open, ImageRef, OpenOptions};
use plimsoll_model::{OsFamily, PackageKind, ScanReport};
use serde_json::Value;

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if p.join("images").is_dir() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

fn scan(reference: &str) -> ScanReport {
    let r = ImageRef::parse(reference).unwrap_or_else(|e| panic!("{reference}: {e}"));
    let image = open(&r, &OpenOptions::default()).unwrap_or_else(|e| panic!("{reference}: {e}"));
    scan_image(&image, &ScanOptions::default()).unwrap_or_else(|e| panic!("{reference}: {e}"))
}

fn ground_truth(shared: &Path, name: &str) -> Value {
    let p = shared.join("images").join(name).join("ground-truth.json");
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

/// Checks digests, layers and history against the ground truth and returns the report.
fn scan_layout(shared: &Path, name: &str) -> (ScanReport, Value) {
    let gt = ground_truth(shared, name);
    let dir = shared.join("images").join(name).join("oci");
    let report = scan(&format!("oci:{}", dir.display()));
    let img = &gt["images"][0];
    assert_eq!(report.artifact.manifest_digest.as_ref().unwrap().to_string(), img["manifest_digest"].as_str().unwrap());
    assert_eq!(report.artifact.image_id.as_ref().unwrap().to_string(), img["config_digest"].as_str().unwrap());
    let layers = img["layers"].as_array().unwrap();
    assert_eq!(report.layers.len(), layers.len(), "{name}: layer count");
    for (got, want) in report.layers.iter().zip(layers) {
        assert_eq!(got.digest.to_string(), want["digest"].as_str().unwrap(), "{name}: layer digest");
        assert_eq!(got.diff_id.to_string(), want["diff_id"].as_str().unwrap(), "{name}: diff_id");
        assert_eq!(got.created_by.as_deref(), want["created_by"].as_str(), "{name}: created_by");
    }
    assert!(
        report.diagnostics.iter().all(|d| d.level != plimsoll_model::DiagnosticLevel::Error),
        "{:?}",
        report.diagnostics
    );
    (report, gt)
}

fn versions(report: &ScanReport, kind: PackageKind) -> BTreeMap<String, String> {
    report.packages.iter().filter(|p| p.kind == kind).map(|p| (p.name.clone(), p.version.clone())).collect()
}

#[test]
fn alpine_layouts_match_ground_truth() {
    let Some(shared) = shared() else { return };
    for name in ["c-alpine-3.14", "f1-alpine-zstd"] {
        let (report, gt) = scan_layout(&shared, name);
        let want: BTreeMap<String, String> = gt["images"][0]["final_packages"]["apk"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(versions(&report, PackageKind::Apk), want, "{name}");
        let os = report.os.as_ref().expect("alpine detected");
        assert_eq!(os.family, OsFamily::Alpine);
        let mut apk = report.packages.iter().filter(|p| p.kind == PackageKind::Apk);
        assert!(apk.all(|p| p.purl.starts_with("pkg:apk/alpine/")), "{name}: purls");
        assert!(report.packages.iter().all(|p| p.layer.is_some()), "{name}: every package has a layer");
    }
}

#[test]
fn rpm_layouts_match_ground_truth() {
    let Some(shared) = shared() else { return };
    for name in ["d1-rpm-sqlite-cbl-mariner2", "d2-rpm-ndb-sles15", "d3-rpm-bdb-rhel8"] {
        let (report, gt) = scan_layout(&shared, name);
        let want = gt["images"][0]["final_packages"]["rpm"].as_object().unwrap();
        let got: BTreeMap<&str, &plimsoll_model::Package> =
            report.packages.iter().filter(|p| p.kind == PackageKind::Rpm).map(|p| (p.name.as_str(), p)).collect();
        assert_eq!(got.len(), want.len(), "{name}: rpm count");
        for (n, w) in want {
            let p = got.get(n.as_str()).unwrap_or_else(|| panic!("{name}: {n} missing"));
            let evr = format!("{}-{}", w["version"].as_str().unwrap(), w["release"].as_str().unwrap());
            let evr = match w["epoch"].as_u64() {
                Some(e) if e > 0 => format!("{e}:{evr}"),
                _ => evr,
            };
            assert_eq!(p.version, evr, "{name}: {n} version");
            assert_eq!(p.release.as_deref(), w["release"].as_str(), "{name}: {n} release");
            assert_eq!(p.arch.as_deref(), w["arch"].as_str(), "{name}: {n} arch");
            let src = w["sourcerpm"].as_str().unwrap_or("");
            if !src.is_empty() {
                assert!(src.starts_with(p.source_name.as_deref().unwrap_or("?")), "{name}: {n} source {src}");
            }
        }
        assert!(report.os.is_some(), "{name}: OS detected");
    }
}

#[test]
fn distroless_status_d_packages_and_layers() {
    let Some(shared) = shared() else { return };
    let (report, gt) = scan_layout(&shared, "e-distroless-cc-debian12");
    let img = &gt["images"][0];
    let want: BTreeMap<String, String> = img["final_packages"]["dpkg_status_d"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(versions(&report, PackageKind::Dpkg), want);
    // Each package is attributed to the layer whose status.d introduced it.
    for layer in img["layers"].as_array().unwrap() {
        let idx = layer["index"].as_u64().unwrap() as usize;
        for name in layer["dpkg_status_d"].as_object().into_iter().flat_map(|o| o.keys()) {
            let p = report.packages.iter().find(|p| &p.name == name).unwrap();
            assert_eq!(p.layer.as_ref().unwrap().index, idx, "{name}");
            assert_eq!(p.layer.as_ref().unwrap().created_by.as_deref(), layer["created_by"].as_str());
        }
    }
    let os = report.os.as_ref().unwrap();
    assert_eq!((os.family, os.version_id.as_deref()), (OsFamily::Debian, Some("12")));
}

#[test]
fn debian_app_archive_matches_dpkg_query() {
    let Some(shared) = shared() else { return };
    let archive = shared.join("images/debian-app.oci.tar");
    let report = scan(&format!("oci-archive:{}", archive.display()));
    let tsv = std::fs::read_to_string(shared.join("images/debian-app.dpkg.tsv")).unwrap();
    let mut want = BTreeMap::new();
    for line in tsv.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        want.insert(f[0].to_owned(), (f[1].to_owned(), f[2].to_owned(), f[3].to_owned(), f[4].to_owned()));
    }
    let got: BTreeMap<String, (String, String, String, String)> = report
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Dpkg)
        .map(|p| {
            let v = (
                p.version.clone(),
                p.arch.clone().unwrap_or_default(),
                p.source_name.clone().unwrap_or_default(),
                p.source_version.clone().unwrap_or_default(),
            );
            (p.name.clone(), v)
        })
        .collect();
    assert_eq!(got.len(), 96);
    assert_eq!(got, want);
    assert_eq!(report.layers.len(), 3);
    assert!(report
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Dpkg)
        .all(|p| p.layer.as_ref().unwrap().index == 0));
    assert!(report.layers[0].created_by.as_deref().unwrap().starts_with("ADD rootfs-base.tar /"));
    let os = report.os.as_ref().unwrap();
    assert_eq!(os.codename.as_deref(), Some("bookworm"));
}

#[test]
fn gzip_compressed_docker_archives() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("fixtures/trivy-fixtures/pkg/fanal/test/testdata");
    for (file, version) in [("alpine-310.tar.gz", "3.10"), ("alpine-311.tar.gz", "3.11")] {
        let path = dir.join(file);
        if !path.exists() {
            plimsoll_test_support::require(&format!("skipping {file}: absent"));
            continue;
        }
        let report = scan(&format!("docker-archive:{}", path.display()));
        let os = report.os.as_ref().unwrap();
        assert_eq!(os.family, OsFamily::Alpine);
        assert!(os.version_id.as_deref().unwrap().starts_with(version), "{file}: {os:?}");
        let apk = versions(&report, PackageKind::Apk);
        assert!(apk.contains_key("musl") && apk.contains_key("busybox"), "{file}: {apk:?}");
        assert!(!report.artifact.repo_tags.is_empty(), "{file}: RepoTags read from manifest.json");
    }
}

#[test]
fn debian_app_planted_secrets_found_with_layers() {
    let Some(shared) = shared() else { return };
    let archive = shared.join("images/debian-app.oci.tar");
    let report = scan(&format!("oci-archive:{}", archive.display()));
    let find = |path: &str, rule: &str| {
        report.secrets.iter().filter(|s| s.path == path && s.rule_id.contains(rule)).collect::<Vec<_>>()
    };
    // Layer 2 (index 1) planted both AWS pairs and the RSA key; layer 3 (index 2) deleted them.
    let aws = find("app/config/aws_credentials", "aws-access-key");
    assert_eq!(aws.len(), 2, "{:#?}", report.secrets);
    for s in &aws {
        assert_eq!(s.layer.as_ref().unwrap().index, 1);
        assert_eq!(s.hidden_by_layer, Some(2));
        assert!(!s.masked.contains("IOSFODNN7"), "masked: {}", s.masked);
    }
    let key = find("root/.ssh/id_rsa", "private-key");
    assert_eq!((key.len(), key[0].line, key[0].hidden_by_layer), (1, 1, Some(2)));
    // Still present in the final filesystem.
    let gh = find("app/settings.py", "github");
    assert_eq!((gh.len(), gh[0].line, gh[0].layer.as_ref().unwrap().index, gh[0].hidden_by_layer), (1, 2, 2, None));
    // Image config: Env and the ENV history entry.
    let env: Vec<_> =
        report.secrets.iter().filter(|s| s.path.starts_with("Env[") && s.rule_id.contains("gitlab")).collect();
    let hist: Vec<_> =
        report.secrets.iter().filter(|s| s.path.starts_with("History[") && s.rule_id.contains("gitlab")).collect();
    assert_eq!((env.len(), hist.len()), (1, 1), "{:#?}", report.secrets);
    // No secrets from the Debian base layer (files owned by packages are skipped by default).
    assert!(report.secrets.iter().all(|s| s.layer.as_ref().is_none_or(|l| l.index != 0)), "{:#?}", report.secrets);
    // Image-config misconfigurations: root user, no healthcheck, secret in env.
    let ids: Vec<&str> = report.misconfigurations.iter().map(|m| m.title.as_str()).collect();
    assert!(report.misconfigurations.len() >= 3, "{ids:?}");
    // No secret value leaks into the JSON report.
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("AKIA4HKQ7ZR2WXMV3N5T") && !json.contains("glpat-"), "unmasked secret in report");
}
