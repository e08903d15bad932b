//! `db build` fails closed and says what it read; unrated findings take a rating from their
//! aliases (NVD CVE API 2.0 records among them).

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

use plimsoll_advisory::{match_packages, Database, DbError, UpdateError, UpdateOptions};
use plimsoll_model::{Package, PackageKind, Severity};

/// An NVD CVE API 2.0 response, written after NVD's published schema (`cve_api_json_2.0.schema`):
/// one CVE with a Primary CVSS 3.1 and a v2 metric, one with a CNA (`Secondary`) and a `Primary`
/// v3.1 metric, one with only CVSS 4.0, one rejected.
const NVD: &str = r#"{
  "resultsPerPage": 4, "startIndex": 0, "totalResults": 4,
  "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-12-01T10:00:00.000",
  "vulnerabilities": [
    {"cve": {
      "id": "CVE-2022-28347", "sourceIdentifier": "security@djangoproject.com",
      "published": "2022-04-12T05:15:09.470", "lastModified": "2024-11-21T06:57:14.263", "vulnStatus": "Modified",
      "descriptions": [{"lang": "en", "value": "A SQL injection issue was discovered in QuerySet.explain() in Django."},
                       {"lang": "es", "value": "Se ha detectado un problema de inyección SQL."}],
      "metrics": {
        "cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary",
          "cvssData": {"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                       "baseScore": 9.8, "baseSeverity": "CRITICAL"},
          "exploitabilityScore": 3.9, "impactScore": 5.9}],
        "cvssMetricV2": [{"source": "nvd@nist.gov", "type": "Primary",
          "cvssData": {"version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P", "baseScore": 7.5},
          "baseSeverity": "HIGH"}]},
      "references": [{"url": "https://www.djangoproject.com/weblog/2022/apr/11/security-releases/",
                      "source": "security@djangoproject.com"}]}},
    {"cve": {
      "id": "CVE-2026-1000", "published": "2026-01-01T00:00:00.000", "lastModified": "2026-01-02T00:00:00.000",
      "vulnStatus": "Analyzed", "descriptions": [],
      "metrics": {"cvssMetricV31": [
        {"source": "cna@example.com", "type": "Secondary",
         "cvssData": {"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8}},
        {"source": "nvd@nist.gov", "type": "Primary",
         "cvssData": {"version": "3.1", "vectorString": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "baseScore": 1.8}}]}}},
    {"cve": {
      "id": "CVE-2026-2000", "published": "2026-01-01T00:00:00.000", "lastModified": "2026-01-02T00:00:00.000",
      "vulnStatus": "Analyzed", "descriptions": [],
      "metrics": {"cvssMetricV40": [{"source": "nvd@nist.gov", "type": "Primary",
        "cvssData": {"version": "4.0",
          "vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "baseScore": 9.3}}]}}},
    {"cve": {"id": "CVE-2026-3000", "published": "2026-01-01T00:00:00.000", "lastModified": "2026-02-01T00:00:00.000",
      "vulnStatus": "Rejected", "descriptions": [{"lang": "en", "value": "** REJECT ** Duplicate."}], "metrics": {}}}
  ]
}"#;

/// An OSV record for Django without a severity, aliasing CVE-2022-28347 (as the PyPA feed has it).
const PYSEC: &str = r#"{"id": "PYSEC-2022-190", "modified": "2022-04-20T00:00:00Z", "aliases": ["CVE-2022-28347"],
  "affected": [{"package": {"ecosystem": "PyPI", "name": "django"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.2"}, {"fixed": "2.2.28"}]}]}]}"#;

/// A PyPI record without severity whose CVE has a GHSA (rated MEDIUM) and an NVD record (rated
/// CRITICAL): GHSA ranks first.
const PYSEC2: &str = r#"{"id": "PYSEC-2026-1", "modified": "2026-01-03T00:00:00Z", "aliases": ["CVE-2026-1000"],
  "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.1.0"}]}]}]}"#;
const GHSA: &str = r#"{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2026-01-03T00:00:00Z", "aliases": ["CVE-2026-1000"],
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N"}],
  "affected": [{"package": {"ecosystem": "npm", "name": "unrelated"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]}]}"#;

fn source(root: &Path, name: &str, files: &[(&str, &str)]) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("README.md"), "# test source\n").unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
}

fn pkg(name: &str, version: &str) -> Package {
    Package::new(PackageKind::Python, name, version, "requirements.txt")
}

#[test]
fn nvd_records_are_read_with_primary_metrics_first() {
    let path = PathBuf::from("nvd/nvdcve-2.0-2022.json");
    let conv = plimsoll_advisory::load::detect(&path, NVD).unwrap();
    assert_eq!(conv.name, "nvd-cve-2.0");
    let list = plimsoll_advisory::load::parse(conv, &path, NVD).unwrap();
    let ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2022-28347", "CVE-2026-1000", "CVE-2026-2000", "CVE-2026-3000"]);
    let scores = |i: usize| list[i].severity.iter().map(|s| s.score.as_str()).collect::<Vec<_>>();
    assert_eq!(scores(0), ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:N/AC:L/Au:N/C:P/I:P/A:P"]);
    assert_eq!(scores(1), ["CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"], "NVD's Primary metric over the CNA's");
    assert!(scores(2)[0].starts_with("CVSS:4.0/"));
    assert!(list[0].affected.is_empty() && list[0].details.as_deref().unwrap().starts_with("A SQL injection"));
    assert!(list[3].withdrawn.is_some(), "a rejected CVE is withdrawn");
    // Malformed: an error, not a panic.
    let bad = r#"{"format": "NVD_CVE", "vulnerabilities": [{"cve": {"id": 5}}]}"#;
    assert!(plimsoll_advisory::load::parse(conv, &path, bad).is_err());
    let not_cve = r#"{"format": "NVD_CVE", "vulnerabilities": [{"cve": {"id": "GHSA-x"}}]}"#;
    assert!(plimsoll_advisory::load::parse(conv, &path, not_cve).is_err());
}

#[test]
fn unrated_findings_take_the_most_trusted_alias_rating() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("src");
    source(&root, "pypi", &[("PYSEC-2022-190.json", PYSEC), ("PYSEC-2026-1.json", PYSEC2)]);
    source(&root, "ghsa", &[("GHSA-aaaa-bbbb-cccc.json", GHSA)]);
    source(&root, "nvd", &[("nvdcve-2.0-2022.json", NVD)]);
    let db_path = dir.path().join("adv.db");
    let stats = Database::build(std::slice::from_ref(&root), &db_path).unwrap();
    assert!(stats.sources.iter().any(|s| s.name == "nvd" && s.files.get("nvd-cve-2.0") == Some(&1)));
    let db = Database::open(&db_path).unwrap();

    let found = match_packages(&db, None, &[pkg("Django", "2.2.0"), pkg("jinja2", "3.0.0")]).unwrap();
    let django = found.iter().find(|v| v.package_name == "Django").unwrap();
    assert_eq!(django.id, "CVE-2022-28347");
    assert_eq!(django.severity, Severity::Critical, "NVD CVSS 3.1 9.8");
    assert_eq!(django.severity_source.as_deref(), Some("CVE-2022-28347 (nvd)"));
    assert!(django.cvss.iter().any(|c| c.version == "3.1" && c.score == Some(9.8)));
    let jinja = found.iter().find(|v| v.package_name == "jinja2").unwrap();
    assert_eq!(jinja.severity, Severity::Medium, "GHSA's rating ranks above NVD's");
    assert_eq!(jinja.severity_source.as_deref(), Some("GHSA-aaaa-bbbb-cccc (ghsa)"));

    // Without the NVD and GHSA sources the same finding stays UNKNOWN, with no source.
    let only = dir.path().join("only");
    source(&only, "pypi", &[("PYSEC-2022-190.json", PYSEC)]);
    let db2 = dir.path().join("only.db");
    Database::build(&[only], &db2).unwrap();
    let found = match_packages(&Database::open(&db2).unwrap(), None, &[pkg("django", "2.2.0")]).unwrap();
    assert_eq!((found[0].severity, found[0].severity_source.as_deref()), (Severity::Unknown, None));
}

#[test]
fn a_build_that_finds_no_advisory_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = dir.path().join("adv.db");
    let err = Database::build(std::slice::from_ref(&empty), &out).unwrap_err();
    assert!(matches!(err, DbError::Empty { files_read: 0, .. }), "{err}");
    assert!(!out.exists());

    let junk = dir.path().join("random.bin");
    std::fs::write(&junk, [0u8, 0xff, 0x13, 0x37, 0x00, 0x42]).unwrap();
    let err = Database::build(&[junk], &out).unwrap_err();
    match &err {
        DbError::Empty { files_skipped, skipped_reasons, .. } => {
            assert_eq!(*files_skipped, 1);
            assert_eq!(skipped_reasons.get("not an advisory file"), Some(&1));
        }
        e => panic!("{e}"),
    }
    assert!(err.to_string().contains("no advisories found"), "{err}");
    assert!(!out.exists());
}

#[test]
fn rustsec_markdown_is_converted_and_summarised() {
    let md = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/advisories/rustsec-md");
    if !md.is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", md.display()));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let stats = Database::build(&[md], &dir.path().join("adv.db")).unwrap();
    assert!(stats.errors.is_empty(), "{:?}", &stats.errors[..stats.errors.len().min(5)]);
    let s = stats.sources.iter().find(|s| s.name == "rustsec-md").unwrap();
    let converted = s.files.get("rustsec-md").copied().unwrap_or(0);
    assert!(converted > 1000, "{converted} RustSec Markdown files converted");
    assert_eq!(s.advisories, converted);
    // The toolchain advisories (`rust/std/...`) name no crate: skipped with that reason.
    assert!(s.skipped_reasons.keys().any(|r| r.contains("Rust toolchain")), "{:?}", s.skipped_reasons);
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(json["sources"][0]["files"]["rustsec-md"], converted);
    let summary = stats.summary();
    assert!(summary.contains(&format!("rustsec-md: {converted} rustsec-md; {converted} advisories")), "{summary}");
    let db = Database::open(&dir.path().join("adv.db")).unwrap();
    // RUSTSEC-2021-0003: smallvec insert_many, patched >= 1.6.1.
    let found = plimsoll_advisory::match_packages(
        &db,
        None,
        &[Package::new(PackageKind::Cargo, "smallvec", "1.6.0", "Cargo.lock")],
    )
    .unwrap();
    assert!(found.iter().any(|v| v.id == "RUSTSEC-2021-0003" || v.aliases.iter().any(|a| a == "RUSTSEC-2021-0003")));
}

#[test]
fn an_unknown_ecosystem_is_an_error() {
    assert!(plimsoll_advisory::update::check_ecosystem("PyPI").is_ok());
    assert!(plimsoll_advisory::update::check_ecosystem("Rocky Linux").is_ok(), "from the distribution table");
    let dir = tempfile::tempdir().unwrap();
    let opts = UpdateOptions {
        base_url: "file:///nonexistent".into(),
        ecosystems: vec!["PyPI".into(), "Foo".into()],
        ..UpdateOptions::default()
    };
    let err = plimsoll_advisory::update(&opts, &dir.path().join("adv.db")).unwrap_err();
    assert!(matches!(&err, UpdateError::UnknownEcosystem { given, .. } if given == "Foo"), "{err}");
    assert!(err.to_string().contains("known: PyPI"), "{err}");
}
