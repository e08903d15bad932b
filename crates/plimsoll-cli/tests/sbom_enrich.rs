//! `plimsoll sbom IN.cdx.json --format cyclonedx`: the input document comes back enriched with
//! vulnerabilities that name its own components, rather than replaced by a new document. Inputs:
//! plimsoll's own CycloneDX of an image built here, and (when Trivy is installed) Trivy's.
//!
//! Schema validation runs `crates/plimsoll-report/tests/validate_schema.py` and skips with a
//! printed reason when its Python packages are missing, unless `PLIMSOLL_REQUIRE_SCHEMA_VALIDATION=1`.
#![allow(clippy::print_stderr)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use plimsoll::testing::{ImageBuilder, LayerBuilder};
use serde_json::{json, Value};

fn plimsoll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_DB")
        // Scans fetch a missing database by default; these tests name theirs (or test its absence).
        .env("PLIMSOLL_SKIP_DB_UPDATE", "true")
        .output()
        .expect("run plimsoll")
}

fn ok(out: Output) -> Output {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Validates a CycloneDX document; false when validation had to be skipped.
fn validate(path: &Path) -> bool {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plimsoll-report/tests/validate_schema.py");
    let required = std::env::var("PLIMSOLL_REQUIRE_SCHEMA_VALIDATION").is_ok_and(|v| v == "1");
    let out = match Command::new("python3").arg(&script).arg("cyclonedx").arg(path).output() {
        Ok(out) => out,
        Err(e) => {
            assert!(!required, "schema validation required but python3 cannot run: {e}");
            plimsoll_test_support::require(&format!("skipping schema validation: cannot run python3: {e}"));
            return false;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    match out.status.code() {
        Some(0) => {
            eprint!("{stdout}");
            true
        }
        Some(77) => {
            assert!(!required, "schema validation required but skipped: {stdout}");
            plimsoll_test_support::require(&format!("skipping schema validation: {}", stdout.trim()));
            false
        }
        _ => panic!("{} is not valid CycloneDX:\n{stdout}{}", path.display(), String::from_utf8_lossy(&out.stderr)),
    }
}

/// The advisory database the demo ships (requests, urllib3, Django among others).
fn database(dir: &Path) -> PathBuf {
    let advisories = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/advisories");
    let db = dir.join("adv.db");
    ok(plimsoll(&["db", "build", "--from", advisories.to_str().unwrap(), "-o", db.to_str().unwrap()]));
    db
}

const REQUIREMENTS: &str = "requests==2.19.0\nurllib3==1.24.1\nDjango==2.2.1\n";

/// `affects[].ref` of each vulnerability, by id.
fn affected(bom: &Value) -> Vec<(String, Vec<String>)> {
    bom["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let refs = v["affects"].as_array().unwrap().iter().map(|a| a["ref"].as_str().unwrap().to_owned());
            (v["id"].as_str().unwrap().to_owned(), refs.collect())
        })
        .collect()
}

fn component_ref(bom: &Value, name: &str) -> String {
    let c = bom["components"].as_array().unwrap().iter().find(|c| c["name"] == name);
    c.unwrap_or_else(|| panic!("no component {name}"))["bom-ref"].as_str().unwrap().to_owned()
}

#[test]
fn plimsolls_own_sbom_is_enriched_in_place_with_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let img = ImageBuilder::new()
        .layer(LayerBuilder::new().file("app/requirements.txt", REQUIREMENTS, 0o644).created_by("COPY . /app"));
    img.write_oci_dir(&dir.path().join("oci"), Some("v1")).unwrap();
    let image = format!("oci:{}:v1", dir.path().join("oci").display());
    let input = dir.path().join("sbom.cdx.json");
    ok(plimsoll(&[
        "image",
        &image,
        "--no-cache",
        "--scanners",
        "secret",
        "-f",
        "cyclonedx",
        "-o",
        input.to_str().unwrap(),
    ]));

    // requests: ignored until a date; urllib3: not affected per an OpenVEX statement; Django stays.
    let ignore = dir.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "ignore:\n  - id: CVE-2018-18074\n    expires: 2099-12-31\n    reason: no redirects are followed\n",
    )
    .unwrap();
    let vex = dir.path().join("app.vex.json");
    let statement = json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/app-1",
        "author": "security@example.com",
        "timestamp": "2025-01-01T00:00:00Z",
        "version": 1,
        "statements": [{
            "vulnerability": {"name": "CVE-2019-11324"},
            "products": [{"@id": "pkg:pypi/urllib3@1.24.1"}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "impact_statement": "the app never passes a custom CA bundle"
        }]
    });
    std::fs::write(&vex, statement.to_string()).unwrap();
    let output = dir.path().join("enriched.cdx.json");
    let out = ok(plimsoll(&[
        "sbom",
        input.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "-f",
        "cyclonedx",
        "-o",
        output.to_str().unwrap(),
        "--ignorefile",
        ignore.to_str().unwrap(),
        "--vex",
        vex.to_str().unwrap(),
    ]));
    assert!(out.stdout.is_empty(), "the document goes to --output");

    let (before, after) = (read(&input), read(&output));
    assert!(before.get("vulnerabilities").is_none(), "the input had no findings");
    // The input's components, bom-refs, metadata and dependency graph, untouched.
    for key in ["components", "dependencies", "serialNumber", "specVersion", "$schema"] {
        assert_eq!(after[key], before[key], "{key}");
    }
    for key in ["component", "properties", "tools"] {
        assert_eq!(after["metadata"][key], before["metadata"][key], "metadata.{key}: plimsoll listed once");
    }
    assert_eq!(after["version"], before["version"].as_u64().unwrap() + 1);

    let refs: HashSet<String> =
        before["components"].as_array().unwrap().iter().map(|c| c["bom-ref"].as_str().unwrap().to_owned()).collect();
    let findings = affected(&after);
    assert_eq!(findings.len(), 3, "{findings:?}");
    assert!(findings.iter().all(|(_, r)| r.len() == 1 && refs.contains(&r[0])), "{findings:?}");
    let vulns = after["vulnerabilities"].as_array().unwrap();
    let by_id = |id: &str| vulns.iter().find(|v| v["id"] == id).unwrap_or_else(|| panic!("{id}: {vulns:#?}"));
    let django = by_id("CVE-2019-12308");
    assert_eq!(django["affects"][0]["ref"].as_str().unwrap(), component_ref(&before, "Django"));
    assert!(django.get("analysis").is_none(), "reported, not suppressed");
    let requests = by_id("CVE-2018-18074");
    assert_eq!(requests["affects"][0]["ref"].as_str().unwrap(), component_ref(&before, "requests"));
    assert_eq!(
        requests["analysis"],
        json!({"state": "in_triage", "detail": "no redirects are followed (ignored until 2099-12-31)"})
    );
    let urllib3 = by_id("CVE-2019-11324");
    assert_eq!(urllib3["affects"][0]["ref"].as_str().unwrap(), component_ref(&before, "urllib3"));
    assert_eq!(
        urllib3["analysis"],
        json!({
            "state": "not_affected",
            "justification": "code_not_reachable",
            "detail": "the app never passes a custom CA bundle"
        })
    );
    validate(&output);

    // The gate still sees Django; JSON output is still the report, not an enriched document.
    let gate = ["--ignorefile", ignore.to_str().unwrap(), "--vex", vex.to_str().unwrap(), "--exit-code", "4"];
    let mut args = vec!["sbom", input.to_str().unwrap(), "--db", db.to_str().unwrap(), "-f", "cyclonedx"];
    args.extend(gate);
    let out = plimsoll(&args);
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stdout["components"], before["components"], "enriched on standard output too");
    let mut args = vec!["sbom", input.to_str().unwrap(), "--db", db.to_str().unwrap(), "-f", "json"];
    args.extend(gate);
    let report: Value = serde_json::from_slice(&plimsoll(&args).stdout).unwrap();
    assert_eq!(report["suppressed"].as_array().unwrap().len(), 2);
    assert_eq!(report["suppressed"][0]["vulnerability"]["purl"], "pkg:pypi/requests@2.19.0");
}

/// A CycloneDX older than 1.4 has no `vulnerabilities`: a new document is written, with a warning.
/// SPDX in, CycloneDX out: a new document, as before.
#[test]
fn documents_that_cannot_carry_vulnerabilities_get_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let old = dir.path().join("old.cdx.json");
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.3", "version": 1,
        "components": [{"type": "library", "bom-ref": "r1", "name": "requests", "version": "2.19.0", "purl": "pkg:pypi/requests@2.19.0"}]
    });
    std::fs::write(&old, doc.to_string()).unwrap();
    let out = ok(plimsoll(&["sbom", old.to_str().unwrap(), "--db", db.to_str().unwrap(), "-f", "cyclonedx"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("CycloneDX 1.3 has no `vulnerabilities`"), "{stderr}");
    let bom: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(affected(&bom), [("CVE-2018-18074".to_owned(), vec!["pkg:pypi/requests@2.19.0".to_owned()])]);

    let spdx = dir.path().join("in.spdx.json");
    let doc = json!({
        "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x", "dataLicense": "CC0-1.0",
        "packages": [{"SPDXID": "SPDXRef-requests", "name": "requests", "versionInfo": "2.19.0",
                      "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                        "referenceLocator": "pkg:pypi/requests@2.19.0"}]}]
    });
    std::fs::write(&spdx, doc.to_string()).unwrap();
    let out = ok(plimsoll(&["sbom", spdx.to_str().unwrap(), "--db", db.to_str().unwrap(), "-f", "cyclonedx"]));
    let bom: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(affected(&bom), [("CVE-2018-18074".to_owned(), vec!["pkg:pypi/requests@2.19.0".to_owned()])]);
}

/// Trivy's CycloneDX of a directory (its own bom-refs, a 1.7 document): enriched, still valid.
#[test]
fn trivys_sbom_is_enriched_against_its_own_refs() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("requirements.txt"), REQUIREMENTS).unwrap();
    let input = dir.path().join("trivy.cdx.json");
    let trivy = Command::new("trivy")
        .args(["fs", "--format", "cyclonedx", "-o", input.to_str().unwrap(), "--scanners", "license"])
        .args(["--offline-scan", "--skip-db-update", "--skip-java-db-update", "--skip-check-update"])
        .args(["--disable-telemetry", "--quiet", project.to_str().unwrap()])
        .output();
    match trivy {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            plimsoll_test_support::optional(&format!(
                "trivy failed: {}",
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
            ));
            return;
        }
        Err(e) => {
            plimsoll_test_support::optional(&format!("trivy is not installed ({e})"));
            return;
        }
    }
    let db = database(dir.path());
    let output = dir.path().join("enriched.cdx.json");
    ok(plimsoll(&[
        "sbom",
        input.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "-f",
        "cyclonedx",
        "-o",
        output.to_str().unwrap(),
    ]));
    let (before, after) = (read(&input), read(&output));
    for key in ["components", "dependencies", "serialNumber", "specVersion"] {
        assert_eq!(after[key], before[key], "{key}");
    }
    assert_eq!(after["metadata"]["component"], before["metadata"]["component"]);
    let tools: Vec<&str> = after["metadata"]["tools"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["trivy", "plimsoll"]);
    let mut findings = affected(&after);
    findings.sort();
    let want: Vec<(String, Vec<String>)> =
        [("CVE-2018-18074", "requests"), ("CVE-2019-11324", "urllib3"), ("CVE-2019-12308", "Django")]
            .iter()
            .map(|(id, name)| (id.to_string(), vec![component_ref(&before, name)]))
            .collect();
    assert_eq!(findings, want);
    validate(&output);
}
