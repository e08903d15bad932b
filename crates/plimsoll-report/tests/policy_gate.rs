//! The gate: ignore file, OpenVEX and filters applied to a report.

use plimsoll_model::{DiagnosticLevel, FindingKind, ScanReport, Severity, SuppressionSource, VexStatementInfo};
use plimsoll_report::policy::{apply, CoverageGate, Date, IgnoreFile, Policy, PolicyError, VexDocument};
use serde_json::json;

const DIGEST: &str = "sha256:69ba0e9484422d6e3f7798fdc12c09a93510549e5e396a73d536f547a09e241a";

fn vuln(
    id: &str,
    aliases: &[&str],
    related: &[&str],
    pkg: &str,
    purl: &str,
    sev: &str,
    fixed: bool,
) -> serde_json::Value {
    json!({
        "id": id, "aliases": aliases, "related": related,
        "package_name": pkg, "package_version": "1.0", "package_kind": "apk", "purl": purl,
        "fixed_version": if fixed { Some("1.1") } else { None },
        "status": if fixed { "fixed" } else { "unfixed" },
        "severity": sev, "data_source": "test"
    })
}

const OPENSSL: &str = "pkg:apk/alpine/libssl3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1";
const BUSYBOX: &str = "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1";
const JINJA: &str = "pkg:pypi/jinja2@2.10";

fn report() -> ScanReport {
    serde_json::from_value(json!({
        "schema_version": "1.1", "tool": "plimsoll 0.1.0", "created_at": "2025-01-01T00:00:00Z",
        "artifact": {"name": "alpine:3.19", "kind": "container_image", "manifest_digest": DIGEST},
        "packages": [
            {"kind": "apk", "name": "libssl3", "version": "3.1.4-r5", "purl": OPENSSL, "found_in": "lib/apk/db/installed"},
            {"kind": "apk", "name": "busybox", "version": "1.36.1-r15", "purl": BUSYBOX, "found_in": "lib/apk/db/installed"},
            {"kind": "python", "name": "Jinja2", "version": "2.10", "purl": JINJA, "found_in": "app/venv/lib/python3.11/site-packages/Jinja2-2.10.dist-info/METADATA"}
        ],
        "vulnerabilities": [
            vuln("CVE-2023-5678", &["GHSA-aaaa-bbbb-cccc"], &[], "libssl3", OPENSSL, "MEDIUM", true),
            vuln("CVE-2023-6129", &[], &["ALPINE-13661"], "libssl3", OPENSSL, "HIGH", true),
            vuln("CVE-2023-42363", &[], &[], "busybox", BUSYBOX, "CRITICAL", false),
            vuln("CVE-2023-42364", &[], &[], "busybox", BUSYBOX, "LOW", false),
            vuln("CVE-2019-10906", &["PYSEC-2019-217", "GHSA-462w-v97r-4m45"], &[], "Jinja2", JINJA, "HIGH", true)
        ],
        "secrets": [
            {"rule_id": "aws-access-key-id", "title": "AWS", "severity": "CRITICAL", "source": "file",
             "path": "app/tests/fixtures/creds.env", "line": 1, "column": 1, "masked": "AKIA****", "match_len": 20},
            {"rule_id": "aws-access-key-id", "title": "AWS", "severity": "CRITICAL", "source": "file",
             "path": "app/config/prod.env", "line": 3, "column": 1, "masked": "AKIA****", "match_len": 20}
        ],
        "misconfigurations": [
            {"rule_id": "PL-DF-001", "title": "t", "severity": "MEDIUM", "file": "Dockerfile", "line": 1, "column": 0,
             "end_line": 1, "message": "m", "doc_url": "docs/rules/PL-DF-001.md"}
        ]
    }))
    .unwrap()
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn ids(r: &ScanReport) -> Vec<&str> {
    r.vulnerabilities.iter().map(|v| v.id.as_str()).collect()
}

fn ignore(yaml: &str) -> Policy {
    Policy { ignore: Some(IgnoreFile::parse(".plimsollignore", yaml.as_bytes()).unwrap()), ..Policy::default() }
}

#[test]
fn no_policy_keeps_everything_and_fails() {
    let mut r = report();
    let before = r.clone();
    let out = apply(&mut r, &Policy::default(), date("2025-01-01"));
    assert_eq!(r, before);
    assert!(out.failed && out.warnings.is_empty() && out.filtered == 0);
}

#[test]
fn ignore_entries_match_ids_aliases_related_packages_and_paths() {
    let policy = ignore(
        r#"
ignore:
  - id: ghsa-AAAA-bbbb-cccc        # an alias, any case
    reason: only DH parameter generation
  - id: ALPINE-13661                # a related id
    package: libssl3
    reason: backported
  - id: CVE-2019-10906
    package: pkg:pypi/Jinja2        # purl without version or qualifiers
    paths: ["app/venv/**"]
    reason: sandbox not used
  - id: aws-access-key-id
    paths: ["**/fixtures/*"]
    reason: test fixture
  - id: PL-DF-001
    reason: base image pinned by digest elsewhere
"#,
    );
    let mut r = report();
    let out = apply(&mut r, &policy, date("2025-01-01"));
    assert_eq!(ids(&r), ["CVE-2023-42363", "CVE-2023-42364"]);
    assert_eq!(r.secrets.len(), 1);
    assert_eq!(r.secrets[0].path, "app/config/prod.env", "the path glob spares the real credential");
    assert!(r.misconfigurations.is_empty());
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert!(out.failed);

    let s: Vec<_> = r.suppressed.iter().map(|s| (s.kind, s.id.as_str(), s.source, s.reason.as_str())).collect();
    assert_eq!(
        s,
        [
            (
                FindingKind::Vulnerability,
                "CVE-2023-5678",
                SuppressionSource::IgnoreFile,
                "only DH parameter generation"
            ),
            (FindingKind::Vulnerability, "CVE-2023-6129", SuppressionSource::IgnoreFile, "backported"),
            (FindingKind::Vulnerability, "CVE-2019-10906", SuppressionSource::IgnoreFile, "sandbox not used"),
            (FindingKind::Secret, "aws-access-key-id", SuppressionSource::IgnoreFile, "test fixture"),
            (
                FindingKind::Misconfiguration,
                "PL-DF-001",
                SuppressionSource::IgnoreFile,
                "base image pinned by digest elsewhere"
            ),
        ]
    );
    assert_eq!(r.suppressed[0].package.as_deref(), Some("libssl3"));
    assert_eq!(r.suppressed[0].origin.as_deref(), Some(".plimsollignore: entry 1"));
    assert_eq!(r.suppressed[3].path.as_deref(), Some("app/tests/fixtures/creds.env"));
    // A suppressed vulnerability keeps the finding itself (its purl ties it to the package); the
    // others have none, and no ignore entry here has an expiry or VEX data.
    let finding = r.suppressed[0].vulnerability.as_deref().unwrap();
    assert_eq!(
        (finding.id.as_str(), finding.purl.as_str(), finding.severity),
        ("CVE-2023-5678", OPENSSL, Severity::Medium)
    );
    assert_eq!(r.suppressed[2].vulnerability.as_ref().map(|v| v.purl.as_str()), Some(JINJA));
    assert!(r.suppressed[3..].iter().all(|s| s.vulnerability.is_none()));
    assert!(r.suppressed.iter().all(|s| s.expires.is_none() && s.vex.is_none()));

    // The JSON report carries the suppressions; an empty list is left out.
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["suppressed"][0]["source"], "ignore-file");
    assert_eq!(v["suppressed"][3]["kind"], "secret");
    assert!(serde_json::to_value(report()).unwrap().get("suppressed").is_none());
}

#[test]
fn package_and_path_restrictions_that_do_not_match_leave_the_finding_and_warn() {
    let policy = ignore(
        r#"
- id: CVE-2023-42363
  package: libssl3
  reason: wrong package
- id: CVE-2019-10906
  paths: ["other/**"]
  reason: wrong path
- id: aws-access-key-id
  package: busybox
  reason: a package-restricted entry never matches a secret
"#,
    );
    let mut r = report();
    let out = apply(&mut r, &policy, date("2025-01-01"));
    assert_eq!(r.vulnerabilities.len(), 5);
    assert_eq!(r.secrets.len(), 2);
    let msgs: Vec<_> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(msgs.len(), 3);
    assert!(msgs[0].contains("entry 1 (`CVE-2023-42363`, package `libssl3`) matched no finding"), "{msgs:?}");
    assert!(out.warnings.iter().all(|w| w.path.as_deref() == Some(".plimsollignore")));
}

#[test]
fn expired_entries_stop_applying_on_their_date_and_are_reported() {
    let policy = ignore(
        r#"
ignore:
  - id: CVE-2023-42363
    expires: 2025-06-30
    reason: waiting for busybox 1.37
  - id: CVE-2000-0001
    expires: 2025-01-01
    reason: long gone
"#,
    );
    // The day before: the entry applies; the other one is already expired and matches nothing.
    let mut r = report();
    let out = apply(&mut r, &policy, date("2025-06-29"));
    assert!(!ids(&r).contains(&"CVE-2023-42363"));
    assert_eq!(r.suppressed[0].expires.as_deref(), Some("2025-06-30"));
    assert_eq!(serde_json::to_value(&r).unwrap()["suppressed"][0]["expires"], "2025-06-30");
    let msgs: Vec<_> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        msgs,
        ["ignore entry 2 (`CVE-2000-0001`) expired on 2025-01-01 and no longer applies; it matches no finding either, remove it"]
    );

    // On the date: the finding is back, and the warning says so.
    let mut r = report();
    let out = apply(&mut r, &policy, date("2025-06-30"));
    assert!(ids(&r).contains(&"CVE-2023-42363"));
    assert!(r.suppressed.is_empty());
    assert_eq!(
        out.warnings[0].message,
        "ignore entry 1 (`CVE-2023-42363`) expired on 2025-06-30 and no longer applies; 1 finding is reported again"
    );
}

#[test]
fn severity_and_unfixed_filters_drop_without_recording() {
    let policy = Policy { severities: vec![Severity::High, Severity::Critical], ignore_unfixed: true, ..ignore(
        "- id: CVE-2023-5678\n  reason: medium, filtered anyway\n- id: CVE-2019-10906\n  reason: high, shown otherwise\n",
    ) };
    let mut r = report();
    let out = apply(&mut r, &policy, date("2025-01-01"));
    // MEDIUM dropped, unfixed CRITICAL and LOW dropped, HIGH jinja suppressed.
    assert_eq!(ids(&r), ["CVE-2023-6129"]);
    assert_eq!(r.secrets.len(), 2, "CRITICAL secrets kept");
    assert!(r.misconfigurations.is_empty(), "MEDIUM misconfiguration dropped");
    assert_eq!(out.filtered, 4);
    let s: Vec<_> = r.suppressed.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(s, ["CVE-2019-10906"], "a filtered finding is not listed as suppressed");
    assert!(out.warnings.is_empty(), "the entry for the filtered finding still counts as used: {:?}", out.warnings);
    assert!(out.failed);

    let mut r = report();
    let out = apply(&mut r, &Policy { severities: vec![Severity::Unknown], ..Policy::default() }, date("2025-01-01"));
    assert!(!out.failed, "nothing left");
    assert_eq!(out.filtered, 8);
}

#[test]
fn ignore_file_errors_name_the_file_and_entry() {
    let err = |yaml: &str| IgnoreFile::parse("ci/.plimsollignore", yaml.as_bytes()).unwrap_err().to_string();
    assert!(err("- id: CVE-1\n").contains("entry 1 (`CVE-1`): `reason` is required"), "{}", err("- id: CVE-1\n"));
    assert!(err("- id: CVE-1\n  reason: x\n  expires: 2025-02-30\n").contains("`2025-02-30` is not a YYYY-MM-DD date"));
    assert!(err("ignore:\n  - id: CVE-1\n    reason: x\n    expire: 2025-01-01\n")
        .starts_with("ci/.plimsollignore: invalid"));
    assert!(err("ignores: []\n").contains("invalid ignore file"));
    assert!(err("- id: CVE-1\n  reason: x\n  package: 'pkg:'\n").contains("invalid purl"));
    assert!(err("- id: '  '\n  reason: x\n").contains("`id` is empty"));
    assert!(err("\u{0}\u{ff}").starts_with("ci/.plimsollignore:"));
    assert!(err("[[[[[[[[[[").starts_with("ci/.plimsollignore:"));
    let nested = format!("ignore: {}{}", "[".repeat(5000), "]".repeat(5000));
    assert!(IgnoreFile::parse("x", nested.as_bytes()).is_err());
    assert!(IgnoreFile::parse("x", b"").unwrap().entries.is_empty());
    assert!(IgnoreFile::parse("x", b"# nothing yet\n").unwrap().entries.is_empty());
    let missing = IgnoreFile::load(std::path::Path::new("/nonexistent/.plimsollignore")).unwrap_err();
    assert!(matches!(missing, PolicyError::Io { .. }));
    assert!(missing.to_string().contains("/nonexistent/.plimsollignore"));
}

fn vex(statements: serde_json::Value) -> VexDocument {
    let doc = json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/1",
        "author": "security@example.com",
        "timestamp": "2025-01-01T00:00:00Z",
        "version": 1,
        "statements": statements,
    });
    VexDocument::parse("app.vex.json", doc.to_string().as_bytes()).unwrap()
}

fn with_vex(docs: Vec<VexDocument>) -> Policy {
    Policy { vex: docs, ..Policy::default() }
}

#[test]
fn vex_not_affected_and_fixed_suppress_by_package_purl_and_by_image_subcomponent() {
    let doc = vex(json!([
        {   // Package purl without qualifiers matches the package's qualified purl.
            "vulnerability": {"name": "CVE-2023-5678"},
            "products": [{"@id": "pkg:apk/alpine/libssl3@3.1.4-r5"}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "impact_statement": "DH parameters are never generated"
        },
        {   // The image, by its digest, with the vulnerable package as subcomponent.
            "vulnerability": {"@id": "https://nvd.nist.gov/vuln/detail/CVE-2023-42363", "name": "CVE-2023-42363"},
            "products": [{"@id": format!("pkg:oci/alpine@{}", DIGEST.replace(':', "%3A")),
                          "subcomponents": [{"@id": "pkg:apk/alpine/busybox"}]}],
            "status": "fixed",
            "action_statement": "rebuilt with patched busybox"
        },
        {   // Matched by the VEX's alias of our id.
            "vulnerability": {"name": "GHSA-462w-v97r-4m45", "aliases": ["CVE-2019-10906"]},
            "products": [{"@id": "pkg:pypi/jinja2@2.10"}],
            "status": "not_affected",
            "justification": "inline_mitigations_already_exist"
        },
        {   // A qualifier that differs: no match.
            "vulnerability": {"name": "CVE-2023-6129"},
            "products": [{"@id": "pkg:apk/alpine/libssl3?arch=aarch64"}],
            "status": "not_affected",
            "justification": "component_not_present"
        },
        {   // Another image: no match.
            "vulnerability": {"name": "CVE-2023-42364"},
            "products": [{"@id": "pkg:oci/alpine@sha256%3A0000000000000000000000000000000000000000000000000000000000000000"}],
            "status": "not_affected",
            "justification": "component_not_present"
        }
    ]));
    let mut r = report();
    let out = apply(&mut r, &with_vex(vec![doc]), date("2025-01-01"));
    assert_eq!(ids(&r), ["CVE-2023-6129", "CVE-2023-42364"]);
    assert!(out.failed);
    let s: Vec<_> = r.suppressed.iter().map(|s| (s.id.as_str(), s.source, s.reason.as_str())).collect();
    assert_eq!(
        s,
        [
            (
                "CVE-2023-5678",
                SuppressionSource::Vex,
                "not_affected: vulnerable_code_not_in_execute_path: DH parameters are never generated"
            ),
            ("CVE-2023-42363", SuppressionSource::Vex, "fixed: rebuilt with patched busybox"),
            ("CVE-2019-10906", SuppressionSource::Vex, "not_affected: inline_mitigations_already_exist"),
        ]
    );
    assert_eq!(r.suppressed[1].origin.as_deref(), Some("app.vex.json: statement 2"));
    // The statement itself, field by field, for formats with their own VEX vocabulary.
    let info = |status: &str, justification: Option<&str>, impact: Option<&str>, action: Option<&str>| {
        Some(VexStatementInfo {
            status: status.into(),
            justification: justification.map(Into::into),
            impact_statement: impact.map(Into::into),
            action_statement: action.map(Into::into),
        })
    };
    assert_eq!(
        r.suppressed[0].vex,
        info(
            "not_affected",
            Some("vulnerable_code_not_in_execute_path"),
            Some("DH parameters are never generated"),
            None
        )
    );
    assert_eq!(r.suppressed[1].vex, info("fixed", None, None, Some("rebuilt with patched busybox")));
    assert_eq!(r.suppressed[2].vex, info("not_affected", Some("inline_mitigations_already_exist"), None, None));
    assert_eq!(r.suppressed[1].vulnerability.as_ref().map(|v| v.purl.as_str()), Some(BUSYBOX));
    assert!(r.suppressed.iter().all(|s| s.expires.is_none()));
}

#[test]
fn the_latest_vex_statement_wins_and_only_suppressing_statuses_suppress() {
    let stmt = |status: &str, ts: &str| {
        json!({
            "vulnerability": {"name": "CVE-2023-5678"},
            "products": [{"@id": "pkg:apk/alpine/libssl3"}],
            "status": status,
            "justification": "component_not_present",
            "timestamp": ts
        })
    };
    let run = |docs: Vec<VexDocument>| {
        let mut r = report();
        apply(&mut r, &with_vex(docs), date("2025-01-01"));
        ids(&r).contains(&"CVE-2023-5678")
    };
    // not_affected, then (later) affected: shown. The order in the file does not matter.
    assert!(run(vec![vex(json!([
        stmt("affected", "2025-02-01T00:00:00Z"),
        stmt("not_affected", "2025-01-15T00:00:00Z")
    ]))]));
    // affected, then not_affected later (in another document, another time zone): suppressed.
    assert!(!run(vec![
        vex(json!([stmt("affected", "2025-02-01T00:00:00Z")])),
        vex(json!([stmt("not_affected", "2025-02-01T00:30:00+00:10")])),
    ]));
    assert!(run(vec![vex(json!([stmt("under_investigation", "2025-02-01T00:00:00Z")]))]));
    assert!(!run(vec![vex(json!([stmt("fixed", "2025-02-01T00:00:00Z")]))]));
}

#[test]
fn vex_v0_0_string_forms_and_errors() {
    let old = json!({
        "@context": "https://openvex.dev/ns",
        "statements": [{"vulnerability": "CVE-2023-42364", "products": [BUSYBOX], "status": "not_affected",
                        "justification": "vulnerable_code_not_present"}]
    });
    let doc = VexDocument::parse("old.json", old.to_string().as_bytes()).unwrap();
    let mut r = report();
    apply(&mut r, &with_vex(vec![doc]), date("2025-01-01"));
    assert!(!ids(&r).contains(&"CVE-2023-42364"));

    let err = |v: serde_json::Value| VexDocument::parse("v.json", v.to_string().as_bytes()).unwrap_err().to_string();
    assert!(err(json!({"statements": [{"vulnerability": {"name": "X"}, "status": "maybe"}]}))
        .contains("statement 1: unknown status `maybe`"));
    assert!(err(json!({"statements": [{"products": [], "status": "fixed"}]})).contains("no vulnerability name"));
    assert!(err(json!({"bomFormat": "CycloneDX", "vulnerabilities": []})).contains("CycloneDX VEX is not read"));
    assert!(err(json!({"@context": "https://www.w3.org/ns/csaf", "statements": []})).contains("is not OpenVEX"));
    assert!(err(json!({"document": {}})).contains("no `statements`"));
    assert!(VexDocument::parse("v.json", b"\xff").unwrap_err().to_string().starts_with("v.json: invalid OpenVEX JSON"));
}

/// The report without findings, with the given `vulnerability_scan`: Alpine 3.19 and PyPI,
/// PyPI covered, Alpine as `alpine_covered` says, the database built on 2025-01-01.
fn coverage_report(scan: Option<bool>) -> ScanReport {
    let mut r = report();
    r.vulnerabilities.clear();
    r.secrets.clear();
    r.misconfigurations.clear();
    r.vulnerability_scan = scan.map(|alpine_covered| {
        serde_json::from_value(json!({
            "database": {"path": "/db/adv.db", "built_at": "2025-01-01T06:00:00Z", "sources": ["osv"], "advisories": 9},
            "targets": [
                {"kind": "os", "name": "Alpine 3.19", "namespace": "Alpine:v3.19", "packages": 2,
                 "covered": alpine_covered, "packages_not_covered": if alpine_covered { 0 } else { 2 },
                 "reason": if alpine_covered { None } else { Some("no advisory for Alpine:v3.19") }},
                {"kind": "ecosystem", "name": "PyPI", "namespace": "PyPI", "packages": 1, "covered": true,
                 "packages_not_covered": 0}
            ]
        }))
        .unwrap()
    });
    r
}

fn gate(allow_uncovered: bool, allow_stale_db: bool) -> Policy {
    let coverage = CoverageGate {
        vulnerabilities_expected: true,
        max_db_age_days: Some(7),
        allow_uncovered,
        allow_stale_db,
        ..CoverageGate::default()
    };
    Policy { coverage, ..Policy::default() }
}

#[test]
fn coverage_gate_fails_closed_unless_allowed_by_name() {
    let today = date("2025-01-05");
    // Covered and fresh: complete, nothing stated.
    let out = apply(&mut coverage_report(Some(true)), &gate(false, false), today);
    assert!(!out.failed && !out.incomplete && out.coverage.is_empty(), "{out:?}");

    // No database while packages exist.
    let out = apply(&mut coverage_report(None), &gate(false, false), today);
    assert!(out.incomplete && !out.failed);
    assert_eq!(out.coverage.len(), 1);
    assert!(out.coverage[0].message.contains("3 packages not checked"), "{:?}", out.coverage);
    let out = apply(&mut coverage_report(None), &gate(true, false), today);
    assert!(!out.incomplete && out.coverage[0].level == DiagnosticLevel::Warning);
    // Nothing expected (no vuln scanner), nothing stated.
    let out = apply(&mut coverage_report(None), &Policy::default(), today);
    assert!(!out.incomplete && out.coverage.is_empty());

    // An uncovered OS release: the one statement names it, the count and the database.
    let out = apply(&mut coverage_report(Some(false)), &gate(false, false), today);
    assert!(out.incomplete);
    let [d] = out.coverage.as_slice() else { panic!("{:?}", out.coverage) };
    assert!(d.message.starts_with("Alpine 3.19 not covered") && d.message.contains("2 of 2 packages"), "{d:?}");
    assert_eq!((d.level, d.path.as_deref()), (DiagnosticLevel::Error, Some("/db/adv.db")));
    assert!(!apply(&mut coverage_report(Some(false)), &gate(true, false), today).incomplete);

    // Stale: 8 days after the build with a 7-day limit; 7 days is still fresh.
    assert!(!apply(&mut coverage_report(Some(true)), &gate(false, false), date("2025-01-08")).incomplete);
    let out = apply(&mut coverage_report(Some(true)), &gate(false, false), date("2025-01-09"));
    assert!(out.incomplete && out.coverage[0].message.contains("stale") && out.coverage[0].message.contains("8 days"));
    let out = apply(&mut coverage_report(Some(true)), &gate(false, true), date("2025-01-09"));
    assert!(!out.incomplete && out.coverage[0].level == DiagnosticLevel::Warning);
    // Allowing uncovered does not allow stale, and the other way round.
    assert!(apply(&mut coverage_report(Some(true)), &gate(true, false), date("2025-01-09")).incomplete);
    assert!(apply(&mut coverage_report(Some(false)), &gate(false, true), date("2025-01-09")).incomplete);

    // A file skipped at a limit (an error-level diagnostic) fails even the default policy;
    // warnings do not; --allow-skipped-files accepts it.
    let skipped = |level: DiagnosticLevel| {
        let mut r = coverage_report(Some(true));
        r.diagnostics.push(plimsoll_model::Diagnostic {
            level,
            message: "configuration not checked: nesting deeper than 255 levels".into(),
            layer: None,
            path: Some("pod.yaml".into()),
        });
        r
    };
    let out = apply(&mut skipped(DiagnosticLevel::Error), &Policy::default(), today);
    assert!(out.incomplete && out.coverage[0].message.starts_with("1 file was not (fully) checked"), "{out:?}");
    assert!(!apply(&mut skipped(DiagnosticLevel::Warning), &Policy::default(), today).incomplete);
    let allow =
        Policy { coverage: CoverageGate { allow_skipped_files: true, ..CoverageGate::default() }, ..Policy::default() };
    assert!(!apply(&mut skipped(DiagnosticLevel::Error), &allow, today).incomplete);
}

#[test]
fn trivyignore_ids_expiry_and_comment_reasons() {
    let text = "# Accept the risk\nCVE-2023-6129\n\n# No impact: never parses untrusted certificates\n# (reviewed 2024-11)\nCVE-2023-42363 exp:2025-02-01\n\naws-access-key-id\n";
    let file = IgnoreFile::parse_trivy(".trivyignore", text.as_bytes()).unwrap();
    let got: Vec<(&str, Option<String>, &str)> =
        file.entries.iter().map(|e| (e.id.as_str(), e.expires.map(|d| d.to_string()), e.reason.as_str())).collect();
    assert_eq!(
        got,
        [
            ("CVE-2023-6129", None, "Accept the risk"),
            (
                "CVE-2023-42363",
                Some("2025-02-01".to_owned()),
                "No impact: never parses untrusted certificates (reviewed 2024-11)"
            ),
            ("aws-access-key-id", None, "listed in .trivyignore"),
        ]
    );
    // Applied like any ignore file: the expired entry no longer suppresses.
    let policy = Policy { ignore: Some(file), ..Policy::default() };
    let mut r = report();
    apply(&mut r, &policy, date("2025-03-01"));
    assert!(!ids(&r).contains(&"CVE-2023-6129") && ids(&r).contains(&"CVE-2023-42363"), "{:?}", ids(&r));
    assert!(r.secrets.is_empty());

    for bad in ["CVE-1 exp:2025-13-01\n", "CVE-1 because\n"] {
        let e = IgnoreFile::parse_trivy(".trivyignore", bad.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with(".trivyignore: line 1:"), "{e}");
    }
}
