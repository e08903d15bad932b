//! Renders hand-built reports in every format and checks what each format must say, then
//! validates the SBOMs against the official CycloneDX 1.6 and SPDX 2.3 schemas (and spdx-tools'
//! validator) through `tests/validate_schema.py`.
//!
//! Schema validation needs python3 with `jsonschema cyclonedx-python-lib spdx-tools lib4sbom`;
//! without them those tests skip with a printed reason, unless `PLIMSOLL_REQUIRE_SCHEMA_VALIDATION=1`
//! makes a skip a failure (for CI).

#![allow(clippy::print_stderr)]

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use plimsoll_model::misconfig::Misconfiguration;
use plimsoll_model::secret::{RevealedSecret, SecretFinding, SecretSource};
use plimsoll_model::vuln::{CvssScore, VulnStatus, Vulnerability};
use plimsoll_model::{
    purl, Artifact, ArtifactKind, Diagnostic, DiagnosticLevel, Digest, LayerInfo, LayerRef, OsFamily, OsRelease,
    Package, PackageKind, ScanReport, Severity, REPORT_SCHEMA_VERSION,
};
use plimsoll_report::policy::{apply, IgnoreFile, Policy, VexDocument};
use plimsoll_report::{render, Format, RenderOptions, ReportError};
use serde_json::Value;

fn digest(seed: u8) -> Digest {
    Digest::sha256_from_bytes(&[seed; 32])
}

fn debian() -> OsRelease {
    OsRelease {
        family: OsFamily::Debian,
        id: "debian".into(),
        version_id: Some("12".into()),
        codename: Some("bookworm".into()),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        source_path: "etc/os-release".into(),
    }
}

struct Pkg<'a> {
    kind: PackageKind,
    name: &'a str,
    version: &'a str,
    found_in: &'a str,
    layer: Option<usize>,
    licenses: &'a [&'a str],
}

fn package(p: Pkg<'_>, os: Option<&OsRelease>, layers: &[LayerInfo]) -> Package {
    let mut pkg = Package::new(p.kind, p.name, p.version, p.found_in);
    pkg.licenses = p.licenses.iter().map(|s| s.to_string()).collect();
    if p.kind.is_os() {
        pkg.arch = Some("amd64".into());
    }
    pkg.layer = p.layer.map(|i| LayerRef {
        index: i,
        digest: layers.get(i).map(|l| l.digest.clone()),
        diff_id: layers.get(i).map(|l| l.diff_id.clone()),
        created_by: layers.get(i).and_then(|l| l.created_by.clone()),
    });
    pkg.purl = purl::for_package(&pkg, if p.kind.is_os() { os } else { None });
    pkg
}

/// A Debian image with three layers: the base system, an `apt-get install`, and an app with
/// Python and npm packages. Licenses mix SPDX ids, deprecated ids, expressions and DEP-5 names.
fn sample() -> ScanReport {
    let os = debian();
    let layers: Vec<LayerInfo> = [
        "/bin/sh -c #(nop) ADD file:5d6b639e8b6bcc011b1b0bd8ee6d2d4a5d5d1e1e in / ",
        "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl libstdc++6 && rm -rf /var/lib/apt/lists/*",
        "COPY app/ /app # buildkit",
    ]
    .iter()
    .enumerate()
    .map(|(i, created_by)| LayerInfo {
        index: i,
        digest: digest(10 + i as u8),
        diff_id: digest(20 + i as u8),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        size: 1000 * (i as u64 + 1),
        created_by: Some(created_by.to_string()),
    })
    .collect();
    let status = "var/lib/dpkg/status";
    let mut packages = vec![
        package(
            Pkg {
                kind: PackageKind::Dpkg,
                name: "libc6",
                version: "2.36-9+deb12u4",
                found_in: status,
                layer: Some(0),
                licenses: &["GPL-2", "LGPL-2.1"],
            },
            Some(&os),
            &layers,
        ),
        package(
            Pkg {
                kind: PackageKind::Dpkg,
                name: "curl",
                version: "7.88.1-10+deb12u5",
                found_in: status,
                layer: Some(1),
                licenses: &["curl"],
            },
            Some(&os),
            &layers,
        ),
        package(
            Pkg {
                kind: PackageKind::Dpkg,
                name: "libstdc++6",
                version: "12.2.0-14",
                found_in: status,
                layer: Some(1),
                licenses: &["GPL-3.0-or-later WITH GCC-exception-3.1"],
            },
            Some(&os),
            &layers,
        ),
        package(
            Pkg {
                kind: PackageKind::Python,
                name: "requests",
                version: "2.19.0",
                found_in: "app/venv/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA",
                layer: Some(2),
                licenses: &["Apache 2.0"],
            },
            None,
            &layers,
        ),
        package(
            Pkg {
                kind: PackageKind::Python,
                name: "urllib3",
                version: "1.24.1",
                found_in: "app/venv/lib/python3.11/site-packages/urllib3-1.24.1.dist-info/METADATA",
                layer: Some(2),
                licenses: &["MIT"],
            },
            None,
            &layers,
        ),
        package(
            Pkg {
                kind: PackageKind::Python,
                name: "urllib3",
                version: "1.24.1",
                found_in: "usr/lib/python3/dist-packages/urllib3-1.24.1.dist-info/METADATA",
                layer: Some(2),
                licenses: &["mit"],
            },
            None,
            &layers,
        ),
        package(
            Pkg {
                kind: PackageKind::Npm,
                name: "@babel/core",
                version: "7.0.0",
                found_in: "app/package-lock.json",
                layer: Some(2),
                licenses: &["MIT OR Apache-2.0", "BSD-2-Clause"],
            },
            None,
            &layers,
        ),
    ];
    packages[0].source_name = Some("glibc".into());
    packages[0].source_version = Some("2.36-9+deb12u4".into());
    packages[0].supplier = Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>".into());
    packages[2].source_name = Some("gcc-12".into());
    packages[2].source_version = Some("12.2.0-14".into());
    let vulnerabilities = sample_vulnerabilities(&packages);
    ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.into(),
        tool: "plimsoll 0.1.0".into(),
        created_at: "2024-05-01T12:00:00Z".into(),
        artifact: Artifact {
            name: "oci:/tmp/app:1".into(),
            kind: ArtifactKind::ContainerImage,
            image_id: Some(digest(1)),
            manifest_digest: Some(digest(2)),
            repo_tags: vec!["example/app:1".into()],
            platform: Some("linux/amd64".into()),
        },
        os: Some(os),
        vulnerabilities,
        secrets: vec![SecretFinding {
            rule_id: "github-pat".into(),
            title: "GitHub personal access token".into(),
            severity: Severity::Critical,
            source: SecretSource::File,
            path: "app/settings.py".into(),
            line: 2,
            column: 17,
            layer: packages[3].layer.clone(),
            hidden_by_layer: None,
            masked: "ghp_****".into(),
            match_len: 40,
            pair: None,
            secret: Some(RevealedSecret("ghp_R7xK2mQ9vT4wZ8bN1cL5yH3jF6dS0aP2eU4i".into())),
        }],
        misconfigurations: vec![Misconfiguration {
            rule_id: "PL-IMG-001".into(),
            title: "Image runs as root".into(),
            severity: Severity::High,
            file: "oci:/tmp/app:1".into(),
            line: 0,
            column: 0,
            end_line: 0,
            message: "the image config sets no USER, so containers run as root".into(),
            references: vec!["CIS-Docker-4.1".into()],
            doc_url: "docs/rules/PL-IMG-001.md".into(),
            resource: None,
            layer: None,
        }],
        layers,
        packages,
        diagnostics: vec![Diagnostic {
            level: DiagnosticLevel::Warning,
            message: "rpm database is corrupt; rpm packages of this layer are missing".into(),
            layer: Some(1),
            path: Some("var/lib/rpm/Packages".into()),
        }],
        suppressed: vec![],
        vulnerability_scan: None,
    }
}

fn vuln(pkg: &Package, id: &str, severity: Severity, fixed: Option<&str>) -> Vulnerability {
    Vulnerability {
        id: id.into(),
        aliases: vec![],
        related: vec![],
        package_name: pkg.name.clone(),
        package_version: pkg.version.clone(),
        package_kind: pkg.kind,
        purl: pkg.purl.clone(),
        fixed_version: fixed.map(str::to_owned),
        status: if fixed.is_some() { VulnStatus::Fixed } else { VulnStatus::Unfixed },
        severity,
        cvss: vec![],
        title: None,
        description: None,
        references: vec![],
        layer: pkg.layer.clone(),
        data_source: "test-osv".into(),
        severity_source: None,
    }
}

fn cvss(version: &str, vector: &str, score: Option<f64>) -> CvssScore {
    CvssScore { version: version.into(), vector: vector.into(), score }
}

/// Findings for the sample's packages: aliases, every CVSS version, fixed and unfixed, one
/// finding per urllib3 install (they share a purl), and a package without a purl.
fn sample_vulnerabilities(packages: &[Package]) -> Vec<Vulnerability> {
    let mut libc = vuln(&packages[0], "CVE-2024-2961", Severity::High, Some("2.36-9+deb12u6"));
    libc.aliases = vec!["DSA-5678-1".into()];
    libc.cvss = vec![cvss("3.1", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", Some(8.1))];
    libc.title = Some("glibc: out-of-bounds write in iconv ISO-2022-CN-EXT".into());
    libc.references = vec!["https://security-tracker.debian.org/tracker/CVE-2024-2961".into()];
    libc.data_source = "debian-security-tracker".into();
    let mut curl = vuln(&packages[1], "CVE-2024-2398", Severity::Medium, None);
    curl.title = Some("curl: HTTP/2 push headers memory-leak".into());
    let mut urllib3 = vuln(&packages[4], "CVE-2019-11324", Severity::High, Some("1.24.2"));
    urllib3.aliases = vec!["GHSA-mh33-7rrq-662w".into(), "PYSEC-2019-133".into()];
    urllib3.cvss = vec![
        cvss("2.0", "AV:N/AC:M/Au:N/C:P/I:N/A:N", Some(4.3)),
        cvss("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Some(7.5)),
    ];
    urllib3.title = Some("urllib3 mishandles certain cases where the desired set of CA certificates is different from the OS store of CA certificates".into());
    urllib3.description = Some("The urllib3 library before 1.24.2 for Python mishandles certain cases...".into());
    urllib3.references = vec!["https://github.com/advisories/GHSA-mh33-7rrq-662w".into(), "not a url".into()];
    let mut urllib3_system = urllib3.clone();
    urllib3_system.package_name = packages[5].name.clone();
    let mut requests = vuln(&packages[3], "CVE-2018-18074", Severity::Low, Some("2.20.0"));
    requests.cvss = vec![
        cvss("4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", Some(6.9)),
        cvss("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:bogus", None),
    ];
    let mut babel = vuln(&packages[6], "GHSA-67hx-6x53-jw92", Severity::Unknown, Some("7.23.2"));
    babel.purl = String::new();
    vec![libc, curl, urllib3, urllib3_system, requests, babel]
}

/// A directory scan: no layers, no OS, no digests, a package without a purl.
fn filesystem() -> ScanReport {
    let mut lock = Package::new(PackageKind::Cargo, "smallvec", "1.6.0", "Cargo.lock");
    lock.purl = purl::for_package(&lock, None);
    let mut unknown = Package::new(PackageKind::Go, "example.com/hello", "", "app/hello");
    unknown.licenses = vec!["BSD-3-Clause".into()];
    ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.into(),
        tool: "plimsoll".into(),
        created_at: "2024-05-01T14:00:00.5+02:00".into(),
        artifact: Artifact {
            name: "/srv/project".into(),
            kind: ArtifactKind::Filesystem,
            image_id: None,
            manifest_digest: None,
            repo_tags: vec![],
            platform: None,
        },
        os: None,
        layers: vec![],
        packages: vec![lock, unknown],
        vulnerabilities: vec![],
        secrets: vec![],
        misconfigurations: vec![],
        diagnostics: vec![],
        suppressed: vec![],
        vulnerability_scan: None,
    }
}

/// Strings an attacker controls in an image, at their worst.
fn hostile() -> ScanReport {
    let mut r = sample();
    r.artifact.name = "evil\u{1b}]0;owned\u{7}image\n".into();
    r.layers[1].created_by = Some("RUN echo \u{1b}[2J\u{202e}gnp.exe ".repeat(50));
    r.packages[0].layer.as_mut().unwrap().created_by = r.layers[1].created_by.clone();
    let p = &mut r.packages[1];
    p.name = "cu\u{1b}[31mrl (\"x\") <y>".into();
    p.version = "1:\u{0}\u{7f}".into();
    p.supplier = Some("Evil (Corp) <a(b)c@d>\nOrganization: forged".into());
    p.licenses = vec!["GPL-2+ and (".into(), "LicenseRef-not-defined".into(), " ".into(), "a".repeat(5000)];
    p.purl = purl::for_package(p, r.os.as_ref());
    r.packages[2].licenses = vec!["MIT".into(), "MIT".into(), "mit".into()];
    r.secrets[0].path = "app/\u{1b}[8mhidden".into();
    r.misconfigurations[0].message = "bad \u{1b}]52;c;ZXZpbA==\u{7} clipboard".into();
    r.misconfigurations[0].file = "dir with space/Dockerfile?#:\u{0}<x>".into();
    r.vulnerabilities[1].package_name = r.packages[1].name.clone();
    r.vulnerabilities[1].package_version = r.packages[1].version.clone();
    r.vulnerabilities[1].purl = r.packages[1].purl.clone();
    r.vulnerabilities[1].title = Some("]]></failure><script>\u{1b}[2J & \"quoted\" \u{FFFE}".into());
    r.vulnerabilities[0].references = vec!["javascript:alert(1)".into(), "https://a b".into()];
    r.packages[3].licenses = vec!["NOASSERTION".into(), "MIT AND NONE".into(), "GPL-2+".into(), "GPL 2+".into()];
    r
}

fn render_to_string(report: &ScanReport, format: Format, opts: &RenderOptions) -> String {
    let mut out = Vec::new();
    render(report, format, &mut out, opts).unwrap();
    String::from_utf8(out).unwrap()
}

fn render_json(report: &ScanReport, format: Format) -> Value {
    serde_json::from_str(&render_to_string(report, format, &RenderOptions::default())).unwrap()
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect()
}

fn property<'a>(component: &'a Value, name: &str) -> Vec<&'a str> {
    component["properties"]
        .as_array()
        .map(|ps| ps.iter().filter(|p| p["name"] == name).map(|p| p["value"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[test]
fn json_is_the_report_in_declaration_order() {
    let report = sample();
    let text = render_to_string(&report, Format::Json, &RenderOptions::default());
    let head = format!(
        "{{\n  \"schema_version\": \"{}\",\n  \"tool\": \"plimsoll 0.1.0\",\n",
        plimsoll_model::REPORT_SCHEMA_VERSION
    );
    assert!(text.starts_with(&head), "{text:.80}");
    assert!(text.ends_with("}\n"));
    let back: ScanReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report, "the JSON report round-trips");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["packages"][0]["purl"], "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
    assert_eq!(v["packages"][0]["layer"]["diff_id"], digest(20).to_string());
    // Top-level fields in declaration order (serde_json's Value would sort them; look at the text).
    let top = [
        "schema_version",
        "tool",
        "created_at",
        "artifact",
        "os",
        "layers",
        "packages",
        "vulnerabilities",
        "secrets",
        "misconfigurations",
        "diagnostics",
    ];
    let at: Vec<usize> = top.iter().map(|k| text.find(&format!("\n  \"{k}\": ")).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
}

#[test]
fn table_groups_by_layer_and_aligns_columns() {
    let text = render_to_string(&sample(), Format::Table, &RenderOptions::default());
    assert!(!text.contains('\u{1b}'), "no colour unless asked");
    assert!(text.contains("Artifact:  oci:/tmp/app:1 (container image)\n"), "{text}");
    assert!(text.contains(&format!("Digest:    {}\n", digest(2))));
    assert!(text.contains("OS:        Debian GNU/Linux 12 (bookworm)\n"));
    let l0 =
        format!("Layer 0 sha256:{} (ADD file:5d6b639e8b6bcc011b1b0bd8ee6d2d4a5d5d1e1e in /)", &digest(20).hex()[..12]);
    assert!(text.contains(&l0), "{text}");
    let l1 = format!("Layer 1 sha256:{} (RUN apt-get update && apt-get install", &digest(21).hex()[..12]);
    let l1_line = text.lines().find(|l| l.starts_with(&l1)).unwrap_or_else(|| panic!("{text}"));
    assert!(l1_line.chars().count() <= 100, "long steps are shortened: {l1_line}");
    assert!(l1_line.ends_with("…)"), "{l1_line}");
    assert!(text.contains(&format!("Layer 2 sha256:{} (COPY app/ /app)", &digest(22).hex()[..12])));
    // Layers in order, and each package under its own layer.
    let pos = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} missing:\n{text}"));
    assert!(pos("Layer 0") < pos("│ libc6") && pos("│ libc6") < pos("Layer 1"));
    assert!(pos("Layer 1") < pos("│ curl") && pos("│ curl") < pos("Layer 2"));
    assert!(pos("Layer 2") < pos("│ urllib3"));
    assert!(text.contains("│ glibc 2.36-9+deb12u4 │") || text.contains("│ glibc 2.36-9+deb12u4"), "source column");
    assert!(text.contains("Total: 7 packages (3 dpkg, 3 python, 1 npm)\n"), "{text}");
    assert!(text.contains(
        "Diagnostics (1):\n  warning: rpm database is corrupt; rpm packages of this layer are missing (layer 1, var/lib/rpm/Packages)\n"
    ));
    assert!(text.contains("Secrets (1):\n"), "{text}");
    assert!(text.contains("│ CRITICAL │ github-pat │ app/settings.py:2:17 │ ghp_**** │ 2     │"), "{text}");
    assert!(!text.contains("R7xK2mQ9"), "a revealed secret never reaches the terminal");
    assert!(text.contains("Misconfigurations (1):\n"), "{text}");
    assert!(text.contains("│ HIGH     │ PL-IMG-001 │ oci:/tmp/app:1 │ the image config sets no USER"), "{text}");
    // Every line of one table has the same display width.
    let mut tables = 0;
    let mut widths: Vec<usize> = Vec::new();
    for line in text.lines() {
        if line.starts_with(['┌', '│', '├', '└']) {
            widths.push(line.chars().count());
        } else if !widths.is_empty() {
            assert!(widths.windows(2).all(|w| w[0] == w[1]), "ragged table: {widths:?}\n{text}");
            assert!(widths.len() >= 5, "borders, header and at least one row");
            tables += 1;
            widths.clear();
        }
    }
    assert_eq!(tables, 8, "one table per layer for packages and for vulnerabilities, secrets, misconfigurations");
}

#[test]
fn table_fits_the_terminal_and_colours_on_request() {
    let opts = RenderOptions { color: false, terminal_width: Some(60), ..Default::default() };
    let text = render_to_string(&sample(), Format::Table, &opts);
    for line in text.lines().filter(|l| l.starts_with(['┌', '│', '├', '└']) || l.starts_with("Layer")) {
        assert!(line.chars().count() <= 60, "{line}");
    }
    assert!(text.contains('…'), "something had to be shortened");

    let coloured = render_to_string(
        &sample(),
        Format::Table,
        &RenderOptions { color: true, terminal_width: None, ..Default::default() },
    );
    assert!(coloured.contains("\u{1b}[36mLayer 0"), "layer headings are cyan");
    assert!(coloured.contains("\u{1b}[33mwarning\u{1b}[0m"), "warnings are yellow");
    assert!(coloured.contains("│ \u{1b}[1;31mCRITICAL\u{1b}[0m │"), "severities are coloured, padding outside");
}

#[test]
fn table_neutralises_terminal_escapes() {
    let text = render_to_string(&hostile(), Format::Table, &RenderOptions::default());
    assert!(!text.contains('\u{1b}'), "an escape from the image reached the terminal");
    assert!(!text.contains('\u{7}') && !text.contains('\u{0}') && !text.contains('\u{202e}'));
    assert!(text.contains("evil\u{FFFD}]0;owned\u{FFFD}image"), "{text}");
    assert!(text.contains("Total: 7 packages"), "the hostile report still lists its packages");
}

#[test]
fn empty_report_says_so() {
    let mut r = filesystem();
    r.packages.clear();
    let text = render_to_string(&r, Format::Table, &RenderOptions::default());
    assert!(text.contains("Artifact:  /srv/project (filesystem)\n"));
    assert!(text.contains("OS:        unknown\n"));
    assert!(text.contains("No packages found."));
    assert!(!text.contains("Total"));
}

#[test]
fn cyclonedx_key_fields() {
    let report = sample();
    let bom = render_json(&report, Format::CycloneDx);
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["version"], 1);
    let serial = bom["serialNumber"].as_str().unwrap();
    let uuid = serial.strip_prefix("urn:uuid:").unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(&uuid[14..15], "4", "version 4 layout");
    assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"), "RFC 4122 variant");

    let meta = &bom["metadata"];
    assert_eq!(meta["timestamp"], "2024-05-01T12:00:00Z");
    assert_eq!(meta["tools"]["components"][0]["name"], "plimsoll");
    assert_eq!(meta["tools"]["components"][0]["version"], "0.1.0");
    let image = &meta["component"];
    assert_eq!(image["type"], "container");
    assert_eq!(image["name"], "oci:/tmp/app:1");
    assert_eq!(image["version"], digest(2).to_string());
    let image_purl = format!("pkg:oci/app@{}?arch=amd64&repository_url=docker.io%2Fexample%2Fapp&tag=1", digest(2));
    assert_eq!(image["purl"], image_purl.as_str());
    assert_eq!(image["bom-ref"], image_purl.as_str());
    assert_eq!(property(image, "plimsoll:image:id"), [digest(1).to_string()]);
    assert_eq!(property(image, "plimsoll:image:diff_id").len(), 3);
    assert_eq!(property(meta, "plimsoll:diagnostic").len(), 1);

    let components = bom["components"].as_array().unwrap();
    assert_eq!(components.len(), 1 + report.packages.len());
    let os = &components[0];
    assert_eq!(
        (os["type"].as_str(), os["name"].as_str(), os["version"].as_str()),
        (Some("operating-system"), Some("debian"), Some("12"))
    );
    assert_eq!(os["description"], "Debian GNU/Linux 12 (bookworm)");

    let libc = &components[1];
    assert_eq!(libc["type"], "library");
    assert_eq!(libc["bom-ref"], report.packages[0].purl.as_str());
    assert_eq!(libc["purl"], report.packages[0].purl.as_str());
    assert_eq!(libc["supplier"]["name"], "GNU Libc Maintainers <debian-glibc@lists.debian.org>");
    assert_eq!(
        libc["licenses"],
        serde_json::json!([
            {"license": {"name": "GPL-2", "acknowledgement": "declared"}},
            {"license": {"id": "LGPL-2.1", "acknowledgement": "declared"}},
        ])
    );
    assert_eq!(property(libc, "plimsoll:package:type"), ["dpkg"]);
    assert_eq!(property(libc, "plimsoll:package:source_name"), ["glibc"]);
    assert_eq!(property(libc, "plimsoll:package:found_in"), ["var/lib/dpkg/status"]);
    assert_eq!(property(libc, "plimsoll:layer:index"), ["0"]);
    assert_eq!(property(libc, "plimsoll:layer:diff_id"), [digest(20).to_string()]);
    assert_eq!(property(libc, "plimsoll:layer:created_by"), [report.layers[0].created_by.as_deref().unwrap()]);
    assert_eq!(
        components[3]["licenses"],
        serde_json::json!([{"expression": "GPL-3.0-or-later WITH GCC-exception-3.1", "acknowledgement": "declared"}])
    );
    assert_eq!(
        components[7]["licenses"],
        serde_json::json!([{"expression": "(MIT OR Apache-2.0) AND BSD-2-Clause", "acknowledgement": "declared"}])
    );

    // The two urllib3 share a purl; their bom-refs must not.
    let (u1, u2) = (&components[5], &components[6]);
    assert_eq!(u1["purl"], u2["purl"]);
    assert_eq!(u1["bom-ref"], u1["purl"]);
    assert_eq!(u2["bom-ref"].as_str().unwrap(), format!("{}?package-id=5", u2["purl"].as_str().unwrap()));
    assert_eq!(u2["licenses"][0]["license"]["id"], "MIT", "ids match case-insensitively");

    let deps = bom["dependencies"].as_array().unwrap();
    assert_eq!(deps[0]["ref"], image_purl.as_str());
    let root_deps = strs(&deps[0]["dependsOn"]);
    assert_eq!(root_deps[0], "os:debian@12");
    assert_eq!(root_deps.len(), 1 + 4, "the OS and the four language packages");
    assert_eq!(deps[1]["ref"], "os:debian@12");
    assert_eq!(strs(&deps[1]["dependsOn"]), report.packages[..3].iter().map(|p| p.purl.as_str()).collect::<Vec<_>>());
}

#[test]
fn sbom_ids_are_deterministic_per_report() {
    let report = sample();
    for format in [Format::CycloneDx, Format::SpdxJson] {
        let a = render_to_string(&report, format, &RenderOptions::default());
        assert_eq!(a, render_to_string(&report, format, &RenderOptions::default()), "{format}");
    }
    let mut later = report.clone();
    later.created_at = "2024-05-01T12:00:01Z".into();
    let serial = |r: &ScanReport| render_json(r, Format::CycloneDx)["serialNumber"].clone();
    let namespace = |r: &ScanReport| render_json(r, Format::SpdxJson)["documentNamespace"].clone();
    assert_ne!(serial(&report), serial(&later));
    assert_ne!(namespace(&report), namespace(&later));
    let uuid = serial(&report).as_str().unwrap().strip_prefix("urn:uuid:").unwrap().to_owned();
    assert!(!namespace(&report).as_str().unwrap().contains(&uuid), "CycloneDX and SPDX ids differ");
}

#[test]
fn spdx_key_fields() {
    let report = sample();
    let doc = render_json(&report, Format::SpdxJson);
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["dataLicense"], "CC0-1.0");
    assert_eq!(doc["SPDXID"], "SPDXRef-DOCUMENT");
    assert_eq!(doc["name"], "oci:/tmp/app:1");
    let ns = doc["documentNamespace"].as_str().unwrap();
    assert!(ns.starts_with("https://plimsoll.invalid/spdxdocs/image/oci--tmp-app-1-"), "{ns}");
    assert!(!ns.contains('#'));
    assert_eq!(doc["creationInfo"]["created"], "2024-05-01T12:00:00Z");
    assert_eq!(strs(&doc["creationInfo"]["creators"]), ["Tool: plimsoll-0.1.0"]);
    assert!(doc["comment"].as_str().unwrap().contains("rpm database is corrupt"));

    let packages = doc["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 2 + report.packages.len());
    let mut ids: Vec<&str> = packages.iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
    for id in &ids {
        let rest = id.strip_prefix("SPDXRef-").unwrap();
        assert!(!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'), "{id}");
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), packages.len(), "SPDXIDs are unique");

    let image = &packages[0];
    assert_eq!(image["SPDXID"], "SPDXRef-ContainerImage");
    assert_eq!(image["primaryPackagePurpose"], "CONTAINER");
    assert_eq!(image["versionInfo"], digest(2).to_string());
    assert_eq!(image["externalRefs"][0]["referenceType"], "purl");
    assert!(image["externalRefs"][0]["referenceLocator"].as_str().unwrap().starts_with("pkg:oci/app@sha256:"));
    let os = &packages[1];
    assert_eq!((os["name"].as_str(), os["versionInfo"].as_str()), (Some("debian"), Some("12")));
    assert_eq!(os["primaryPackagePurpose"], "OPERATING-SYSTEM");

    let libc = &packages[2];
    assert_eq!(libc["SPDXID"], "SPDXRef-Package-libc6-0");
    assert_eq!(libc["name"], "libc6");
    assert_eq!(libc["versionInfo"], "2.36-9+deb12u4");
    assert_eq!(libc["downloadLocation"], "NOASSERTION");
    assert_eq!(libc["filesAnalyzed"], false);
    assert_eq!(libc["licenseConcluded"], "NOASSERTION");
    assert_eq!(libc["licenseDeclared"], "LicenseRef-GPL-2 AND LGPL-2.1");
    assert_eq!(libc["supplier"], "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)");
    assert_eq!(libc["primaryPackagePurpose"], "LIBRARY");
    assert_eq!(
        libc["externalRefs"],
        serde_json::json!([{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": report.packages[0].purl,
        }])
    );
    let source = libc["sourceInfo"].as_str().unwrap();
    assert!(source.contains("var/lib/dpkg/status") && source.contains(&digest(20).to_string()), "{source}");
    assert!(source.contains("source package: glibc 2.36-9+deb12u4"), "{source}");
    assert_eq!(packages[3]["supplier"], "NOASSERTION");
    assert_eq!(packages[4]["licenseDeclared"], "GPL-3.0-or-later WITH GCC-exception-3.1");
    assert_eq!(packages[5]["licenseDeclared"], "LicenseRef-Apache-2.0");
    assert_eq!(packages[8]["licenseDeclared"], "(MIT OR Apache-2.0) AND BSD-2-Clause");
    assert_eq!(packages[8]["SPDXID"], "SPDXRef-Package--babel-core-6");

    let extracted = doc["hasExtractedLicensingInfos"].as_array().unwrap();
    let refs: Vec<(&str, &str)> =
        extracted.iter().map(|e| (e["licenseId"].as_str().unwrap(), e["extractedText"].as_str().unwrap())).collect();
    assert_eq!(refs, [("LicenseRef-Apache-2.0", "Apache 2.0"), ("LicenseRef-GPL-2", "GPL-2")]);

    let rels = doc["relationships"].as_array().unwrap();
    assert_eq!(
        rels[0],
        serde_json::json!({
            "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-ContainerImage"
        })
    );
    let contains: Vec<&str> = rels[1..]
        .iter()
        .map(|r| {
            assert_eq!(
                (r["spdxElementId"].as_str(), r["relationshipType"].as_str()),
                (Some("SPDXRef-ContainerImage"), Some("CONTAINS"))
            );
            r["relatedSpdxElement"].as_str().unwrap()
        })
        .collect();
    assert_eq!(contains.len(), 1 + report.packages.len());
    assert_eq!(contains[0], "SPDXRef-OperatingSystem");
}

#[test]
fn filesystem_scans_have_no_image_parts() {
    let r = filesystem();
    let bom = render_json(&r, Format::CycloneDx);
    let root = &bom["metadata"]["component"];
    assert_eq!(root["type"], "application");
    assert_eq!(root["bom-ref"], "artifact:filesystem");
    assert!(root.get("purl").is_none() && root.get("version").is_none());
    assert_eq!(bom["metadata"]["timestamp"], "2024-05-01T12:00:00Z", "offset applied, fraction dropped");
    assert_eq!(bom["metadata"]["tools"]["components"][0].get("version"), None);
    let go = &bom["components"][1];
    assert_eq!(go["bom-ref"], "package:1", "no purl: a bom-ref all the same");
    assert!(go.get("purl").is_none() && go.get("version").is_none());
    assert_eq!(strs(&bom["dependencies"][0]["dependsOn"]), ["pkg:cargo/smallvec@1.6.0", "package:1"]);

    let doc = render_json(&r, Format::SpdxJson);
    assert_eq!(doc["packages"][0]["SPDXID"], "SPDXRef-Filesystem");
    assert_eq!(doc["packages"][0]["primaryPackagePurpose"], "APPLICATION");
    assert_eq!(doc["creationInfo"]["created"], "2024-05-01T12:00:00Z");
    assert_eq!(strs(&doc["creationInfo"]["creators"]), ["Tool: plimsoll"]);
    assert!(doc["packages"][2].get("externalRefs").is_none());
    assert!(doc.get("hasExtractedLicensingInfos").is_none());
}

#[test]
fn a_bad_timestamp_fails_only_the_sbom_formats() {
    let mut r = filesystem();
    r.created_at = "yesterday".into();
    for format in [Format::CycloneDx, Format::SpdxJson] {
        let err = render(&r, format, &mut Vec::new(), &RenderOptions::default()).unwrap_err();
        assert!(matches!(&err, ReportError::BadTimestamp { value } if value == "yesterday"), "{err}");
    }
    for format in [Format::Table, Format::Json] {
        render(&r, format, &mut Vec::new(), &RenderOptions::default()).unwrap();
    }
}

#[test]
fn a_closed_pipe_is_a_plain_io_error() {
    struct Closed;
    impl io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    for format in Format::ALL {
        let err = render(&sample(), *format, &mut Closed, &RenderOptions::default()).unwrap_err();
        let source = std::error::Error::source(&err).and_then(|e| e.downcast_ref::<io::Error>());
        assert_eq!(source.map(io::Error::kind), Some(io::ErrorKind::BrokenPipe), "{format}");
    }
}

// ---- schema validation -------------------------------------------------------------------------

/// Runs `validate_schema.py KIND FILES...`; false when validation had to be skipped.
fn validate(kind: &str, files: &[PathBuf]) -> bool {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_schema.py");
    let required = std::env::var("PLIMSOLL_REQUIRE_SCHEMA_VALIDATION").is_ok_and(|v| v == "1");
    let skip = |reason: &str| {
        assert!(!required, "schema validation required but skipped: {reason}");
        plimsoll_test_support::require(&format!("skipping {kind} schema validation: {reason}"));
        false
    };
    let out = match Command::new("python3").arg(&script).arg(kind).args(files).output() {
        Ok(out) => out,
        Err(e) => return skip(&format!("cannot run python3: {e}")),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {
            eprint!("{stdout}");
            true
        }
        Some(77) => skip(stdout.trim()),
        _ => panic!("{kind} validation failed:\n{stdout}{stderr}"),
    }
}

fn write_all_formats(dir: &Path, stem: &str, report: &ScanReport) -> [PathBuf; 3] {
    let write = |format: Format, ext: &str| {
        let path = dir.join(format!("{stem}.{ext}"));
        let mut f = std::fs::File::create(&path).unwrap();
        render(report, format, &mut f, &RenderOptions::default()).unwrap();
        path
    };
    [write(Format::Json, "report.json"), write(Format::CycloneDx, "cdx.json"), write(Format::SpdxJson, "spdx.json")]
}

fn validate_reports(reports: &[(String, ScanReport)]) {
    let dir = tempfile::tempdir().unwrap();
    let (mut json, mut cdx, mut spdx) = (Vec::new(), Vec::new(), Vec::new());
    for (stem, report) in reports {
        let [j, c, s] = write_all_formats(dir.path(), stem, report);
        json.push(j);
        cdx.push(c);
        spdx.push(s);
    }
    validate("report", &json);
    validate("cyclonedx", &cdx);
    validate("spdx", &spdx);
}

#[test]
fn sboms_validate_against_the_official_schemas() {
    validate_reports(&[
        ("sample".into(), sample()),
        ("filesystem".into(), filesystem()),
        ("hostile".into(), hostile()),
    ]);
}

#[test]
fn validator_rejects_invalid_documents() {
    // The validator must be able to fail, or the test above proves nothing.
    let dir = tempfile::tempdir().unwrap();
    let [_, cdx, spdx] = write_all_formats(dir.path(), "broken", &sample());
    let mut bom: Value = serde_json::from_slice(&std::fs::read(&cdx).unwrap()).unwrap();
    bom["components"][1]["licenses"][1]["license"]["id"] = "NOT-A-LICENSE".into();
    std::fs::write(&cdx, serde_json::to_vec(&bom).unwrap()).unwrap();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&spdx).unwrap()).unwrap();
    doc["packages"][2]["licenseDeclared"] = "GPL-2 AND LGPL-2.1".into();
    std::fs::write(&spdx, serde_json::to_vec(&doc).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_schema.py");
    for (kind, file) in [("cyclonedx", &cdx), ("spdx", &spdx)] {
        let Ok(out) = Command::new("python3").arg(&script).arg(kind).arg(file).output() else {
            plimsoll_test_support::require("cannot run python3");
            return;
        };
        match out.status.code() {
            Some(77) => plimsoll_test_support::require(&format!(
                "skipping {kind}: {}",
                String::from_utf8_lossy(&out.stdout).trim()
            )),
            Some(1) => {}
            other => panic!("{kind}: expected the broken document to be rejected, got {other:?}"),
        }
    }
}

/// Reports shaped like the shared test images' ground truth (real names, versions, vendors,
/// digests and history), rendered and validated.
#[test]
fn shared_images_render_valid_sboms() {
    let images = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images");
    if !images.is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", images.display()));
        return;
    }
    let mut reports = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&images).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for dir in entries {
        let Ok(text) = std::fs::read_to_string(dir.join("ground-truth.json")) else { continue };
        let truth: Value = serde_json::from_str(&text).unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        reports.push((name, report_from_ground_truth(&dir, &truth)));
    }
    assert!(reports.len() >= 5, "expected the shared images, found {}", reports.len());
    for (name, r) in &reports {
        assert!(!r.packages.is_empty(), "{name}");
        let table = render_to_string(r, Format::Table, &RenderOptions::default());
        assert!(table.contains(&format!("Total: {} ", r.packages.len())), "{name}:\n{table}");
    }
    validate_reports(&reports);
}

fn report_from_ground_truth(dir: &Path, truth: &Value) -> ScanReport {
    let image = &truth["images"][0];
    let d = |v: &Value| v.as_str().unwrap().parse::<Digest>().unwrap();
    let layers: Vec<LayerInfo> = image["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| LayerInfo {
            index: l["index"].as_u64().unwrap() as usize,
            digest: d(&l["digest"]),
            diff_id: d(&l["diff_id"]),
            media_type: l["mediaType"].as_str().unwrap().into(),
            size: l["size"].as_u64().unwrap(),
            created_by: l["created_by"].as_str().map(str::to_owned),
        })
        .collect();
    let os_release =
        layers.iter().rev().find_map(|l| image["layers"][l.index]["os_release"].as_object()).map(|o| OsRelease {
            family: match o["ID"].as_str().unwrap() {
                "alpine" => OsFamily::Alpine,
                "debian" => OsFamily::Debian,
                "mariner" => OsFamily::Mariner,
                "sles" => OsFamily::Sles,
                "rhel" => OsFamily::Rhel,
                _ => OsFamily::Unknown,
            },
            id: o["ID"].as_str().unwrap().into(),
            version_id: o.get("VERSION_ID").and_then(Value::as_str).map(str::to_owned),
            codename: None,
            pretty_name: o.get("PRETTY_NAME").and_then(Value::as_str).map(str::to_owned),
            source_path: o["path"].as_str().unwrap().trim_start_matches('/').into(),
        });
    let last = layers.len() - 1;
    let layer_ref = LayerRef {
        index: last,
        digest: Some(layers[last].digest.clone()),
        diff_id: Some(layers[last].diff_id.clone()),
        created_by: layers[last].created_by.clone(),
    };
    // Real license strings, as Alpine declares them and as Debian's copyright files and rpm
    // headers do (neither of the last two is SPDX).
    let licenses: [&[&str]; 6] = [
        &["GPL-2.0-only"],
        &["MIT BSD GPL2+"],
        &["MPL-2.0 AND MIT"],
        &["GPL-2+", "LGPL-2.1", "public-domain"],
        &["GPLv2+ and LGPLv2+ and BSD"],
        &["GPL-1+ or Artistic, and BSD-4-clause-POWERDOG"],
    ];
    let mut packages = Vec::new();
    let finals = image["final_packages"].as_object().unwrap();
    for (db, list) in finals {
        let (kind, found_in) = match db.as_str() {
            "apk" => (PackageKind::Apk, "lib/apk/db/installed"),
            "rpm" => (PackageKind::Rpm, "var/lib/rpm/Packages"),
            _ => (PackageKind::Dpkg, "var/lib/dpkg/status.d"),
        };
        for (name, v) in list.as_object().unwrap() {
            let mut p = match v {
                Value::String(version) => Package::new(kind, name, version, found_in),
                _ => {
                    let version = match v["epoch"].as_u64() {
                        Some(e) => format!("{e}:{}-{}", v["version"].as_str().unwrap(), v["release"].as_str().unwrap()),
                        None => format!("{}-{}", v["version"].as_str().unwrap(), v["release"].as_str().unwrap()),
                    };
                    let mut p = Package::new(kind, name, version, found_in);
                    p.epoch = v["epoch"].as_u64();
                    p.release = v["release"].as_str().map(str::to_owned);
                    p.arch = v["arch"].as_str().map(str::to_owned);
                    p.supplier = v["vendor"].as_str().map(str::to_owned);
                    p.source_name = v["sourcerpm"].as_str().and_then(|s| s.rsplitn(3, '-').nth(2)).map(str::to_owned);
                    p
                }
            };
            p.licenses = licenses[packages.len() % licenses.len()].iter().map(|s| s.to_string()).collect();
            p.layer = Some(layer_ref.clone());
            p.purl = purl::for_package(&p, os_release.as_ref());
            packages.push(p);
        }
    }
    let platform = &image["platform"];
    ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.into(),
        tool: "plimsoll 0.1.0".into(),
        created_at: "2024-05-01T12:00:00Z".into(),
        artifact: Artifact {
            name: format!("oci:{}/oci:{}", dir.display(), truth["tag"].as_str().unwrap_or("latest")),
            kind: ArtifactKind::ContainerImage,
            image_id: Some(d(&image["config_digest"])),
            manifest_digest: Some(d(&image["manifest_digest"])),
            repo_tags: vec![],
            platform: Some(format!(
                "{}/{}",
                platform["os"].as_str().unwrap(),
                platform["architecture"].as_str().unwrap()
            )),
        },
        os: os_release,
        layers,
        packages,
        vulnerabilities: vec![],
        secrets: vec![],
        misconfigurations: vec![],
        diagnostics: vec![],
        suppressed: vec![],
        vulnerability_scan: None,
    }
}

/// The example in docs/json-report.md is a real report: it parses, and serializing it back gives
/// the same JSON (so no field in it is misspelt or missing from the model).
#[test]
fn docs_example_is_a_report() {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/json-report.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    let start = text.find("```json\n").unwrap() + "```json\n".len();
    let end = start + text[start..].find("```").unwrap();
    let example: Value = serde_json::from_str(&text[start..end]).unwrap();
    let report: ScanReport = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(serde_json::to_value(&report).unwrap(), example);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example.json");
    std::fs::write(&path, &text[start..end]).unwrap();
    validate("report", &[path]);
}

// ---- findings: vulnerabilities in the table, SARIF, CycloneDX, JUnit ---------------------------

#[test]
fn table_lists_vulnerabilities_by_layer_then_package() {
    let text = render_to_string(&sample(), Format::Table, &RenderOptions::default());
    let vulns = &text[text.find("Vulnerabilities (6):\n").unwrap_or_else(|| panic!("{text}"))..];
    let vulns = &vulns[..vulns.find("Secrets (").unwrap()];
    assert!(vulns.contains("Total: 6 (UNKNOWN: 1, LOW: 1, MEDIUM: 1, HIGH: 3, CRITICAL: 0)\n"), "{vulns}");
    let pos = |s: &str| vulns.find(s).unwrap_or_else(|| panic!("{s} missing:\n{vulns}"));
    // Layer headings as in the package section, in layer order, each finding under its layer.
    assert!(pos("Layer 0 sha256:") < pos("CVE-2024-2961") && pos("CVE-2024-2961") < pos("Layer 1 sha256:"));
    assert!(pos("Layer 1 sha256:") < pos("CVE-2024-2398") && pos("CVE-2024-2398") < pos("Layer 2 sha256:"));
    assert!(
        vulns.contains("│ libc6   │ CVE-2024-2961 (DSA-5678-1) │ HIGH     │ 2.36-9+deb12u4 │ 2.36-9+deb12u6 │ glibc: out-of-bounds write in iconv ISO-2022-CN-E… │"),
        "{vulns}"
    );
    assert!(vulns.contains("│ curl    │ CVE-2024-2398 │ MEDIUM   │ 7.88.1-10+deb12u5 │ unfixed │"), "{vulns}");
    // Aliases shortened; long titles cut; in layer 2, packages in name order.
    assert!(vulns.contains("CVE-2019-11324 (GHSA-mh33-7rrq-662w, +1)"), "{vulns}");
    assert!(vulns.contains("urllib3 mishandles certain cases where the desire…"), "{vulns}");
    assert!(pos("@babel/core") < pos("│ requests") && pos("│ requests") < pos("│ urllib3"), "{vulns}");
    // The two urllib3 findings (one per install): one package cell, two rows.
    assert_eq!(vulns.matches("│ urllib3     │").count(), 1, "{vulns}");
    assert_eq!(vulns.matches("CVE-2019-11324").count(), 2, "{vulns}");

    let coloured = render_to_string(
        &sample(),
        Format::Table,
        &RenderOptions { color: true, terminal_width: None, ..Default::default() },
    );
    assert!(
        coloured.contains("│ \u{1b}[31mHIGH\u{1b}[0m     │ 2.36-9+deb12u4"),
        "vulnerability severities are coloured"
    );
    assert!(coloured.contains("\u{1b}[1mTotal: 6 (UNKNOWN: 1"));
}

fn sample_sarif() -> Value {
    render_json(&sample(), Format::Sarif)
}

#[test]
fn sarif_rules_and_results() {
    let report = sample();
    let log = sample_sarif();
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "plimsoll");
    assert_eq!(driver["version"], "0.1.0");
    assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "CVE-2024-2961",
            "CVE-2024-2398",
            "CVE-2019-11324",
            "CVE-2018-18074",
            "GHSA-67hx-6x53-jw92",
            "github-pat",
            "PL-IMG-001"
        ],
        "one rule per distinct id, first-seen order"
    );
    let rule = |id: &str| &rules[ids.iter().position(|x| *x == id).unwrap()];
    // security-severity: the CVSS v3 score, else the severity's band.
    assert_eq!(rule("CVE-2024-2961")["properties"]["security-severity"], "8.1");
    assert_eq!(rule("CVE-2019-11324")["properties"]["security-severity"], "7.5", "v3.1 preferred over v2");
    assert_eq!(rule("CVE-2018-18074")["properties"]["security-severity"], "6.9", "unscored v3.1, so v4.0");
    assert_eq!(rule("CVE-2024-2398")["properties"]["security-severity"], "4.0");
    assert_eq!(rule("github-pat")["properties"]["security-severity"], "9.0");
    assert_eq!(rule("PL-IMG-001")["properties"]["security-severity"], "7.0");
    assert_eq!(strs(&rule("CVE-2024-2961")["properties"]["tags"]), ["security", "vulnerability", "HIGH"]);
    assert_eq!(rule("CVE-2024-2961")["helpUri"], "https://security-tracker.debian.org/tracker/CVE-2024-2961");
    assert_eq!(rule("CVE-2019-11324")["helpUri"], "https://github.com/advisories/GHSA-mh33-7rrq-662w");
    assert!(rule("PL-IMG-001")["helpUri"].as_str().unwrap().ends_with("/docs/rules/PL-IMG-001.md"));
    assert_eq!(rule("CVE-2024-2961")["shortDescription"]["text"], report.vulnerabilities[0].title.as_deref().unwrap());

    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 6 + 1 + 1);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "ruleIndex points at ruleId");
        assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1);
        assert_eq!(r["partialFingerprints"]["plimsoll/v1"].as_str().unwrap().len(), 32);
    }
    let libc = &results[0];
    assert_eq!(libc["level"], "error");
    assert_eq!(
        libc["message"]["text"],
        "Package libc6 version 2.36-9+deb12u4 is affected by CVE-2024-2961; fixed in 2.36-9+deb12u6"
    );
    assert_eq!(libc["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "var/lib/dpkg/status");
    assert_eq!(libc["properties"]["layer"]["index"], 0);
    assert_eq!(libc["properties"]["layer"]["diff_id"], digest(20).to_string());
    assert!(libc["properties"]["layer"]["created_by"].as_str().unwrap().contains("ADD file:"));
    assert_eq!(results[1]["level"], "warning");
    assert!(results[1]["message"]["text"].as_str().unwrap().ends_with("; no fixed version yet"));
    // The two urllib3 installs point at their own METADATA files and fingerprint differently.
    let uri = |r: &Value| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().to_owned();
    assert!(uri(&results[2]).starts_with("app/venv/"), "{}", uri(&results[2]));
    assert!(uri(&results[3]).starts_with("usr/lib/python3/"), "{}", uri(&results[3]));
    assert_ne!(results[2]["partialFingerprints"], results[3]["partialFingerprints"]);
    assert_eq!(results[4]["level"], "note");
    assert_eq!(results[5]["level"], "note", "UNKNOWN is a note");
    assert_eq!(uri(&results[5]), "app/package-lock.json", "no purl: found by name and version");

    let secret = &results[6];
    assert_eq!(secret["ruleId"], "github-pat");
    assert_eq!(secret["level"], "error");
    assert_eq!(secret["message"]["text"], "GitHub personal access token (github-pat): ghp_****");
    let region = &secret["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(2), Some(17)));
    assert_eq!(uri(secret), "app/settings.py");

    let misconfig = &results[7];
    assert_eq!(misconfig["ruleId"], "PL-IMG-001");
    assert_eq!(uri(misconfig), "oci%3A/tmp/app%3A1", "an image reference, made a valid URI reference");
    assert_eq!(misconfig["locations"][0]["physicalLocation"]["region"]["startLine"], 1, "line 0 becomes 1");

    // Fingerprints are stable across renders and scan times.
    let mut later = report.clone();
    later.created_at = "2025-01-01T00:00:00Z".into();
    assert_eq!(render_json(&later, Format::Sarif)["runs"][0]["results"], log["runs"][0]["results"]);
}

#[test]
fn sarif_secret_in_image_config_and_deleted_file() {
    let mut r = sample();
    let mut env = r.secrets[0].clone();
    env.source = SecretSource::ImageEnv;
    env.path = "Env[1]".into();
    env.line = 1;
    env.layer = None;
    r.secrets[0].hidden_by_layer = Some(2);
    r.secrets.push(env);
    let log = render_json(&r, Format::Sarif);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let deleted = &results[6];
    assert!(deleted["message"]["text"].as_str().unwrap().contains("removed in layer 2 but still shipped in layer 2"));
    assert_eq!(deleted["properties"]["hiddenByLayer"], 2);
    let env = &results[7];
    assert_eq!(env["locations"][0]["logicalLocations"][0], serde_json::json!({"name": "Env[1]", "kind": "property"}));
    assert_eq!(env["properties"]["source"], "image-env");
    assert_eq!(log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len(), 7, "one rule for both");
}

#[test]
fn cyclonedx_vulnerabilities_affect_components() {
    let report = sample();
    let bom = render_json(&report, Format::CycloneDx);
    let components = bom["components"].as_array().unwrap();
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    // The two urllib3 findings share a purl: one entry affecting both installs.
    assert_eq!(vulns.len(), 5, "{vulns:#?}");
    let ids: Vec<&str> = vulns.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CVE-2024-2961", "CVE-2024-2398", "CVE-2019-11324", "CVE-2018-18074", "GHSA-67hx-6x53-jw92"]);

    let libc = &vulns[0];
    assert_eq!(libc["bom-ref"].as_str().unwrap(), format!("CVE-2024-2961/{}", report.packages[0].purl));
    assert_eq!(libc["source"]["name"], "NVD");
    assert_eq!(
        libc["references"],
        serde_json::json!([{"id": "DSA-5678-1", "source": {"name": "debian-security-tracker"}}])
    );
    assert_eq!(
        libc["ratings"],
        serde_json::json!([
            {"source": {"name": "debian-security-tracker"}, "severity": "high"},
            {"score": 8.1, "severity": "high", "method": "CVSSv31", "vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"},
        ])
    );
    assert_eq!(libc["recommendation"], "Upgrade libc6 to 2.36-9+deb12u6");
    assert_eq!(libc["description"], "glibc: out-of-bounds write in iconv ISO-2022-CN-EXT");
    assert_eq!(
        libc["affects"],
        serde_json::json!([{"ref": components[1]["bom-ref"], "versions": [
            {"version": "2.36-9+deb12u4", "status": "affected"},
            {"version": "2.36-9+deb12u6", "status": "unaffected"},
        ]}])
    );
    assert!(libc.get("analysis").is_none(), "a reported finding is not analysed");

    assert!(vulns[1].get("recommendation").is_none(), "unfixed: nothing to upgrade to");
    assert_eq!(vulns[1]["affects"][0]["versions"].as_array().unwrap().len(), 1);

    let urllib3 = &vulns[2];
    let refs: Vec<&Value> = urllib3["affects"].as_array().unwrap().iter().map(|a| &a["ref"]).collect();
    assert_eq!(refs, [&components[5]["bom-ref"], &components[6]["bom-ref"]], "both installs");
    let aliases: Vec<(&str, &str)> = urllib3["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["source"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(aliases, [("GHSA-mh33-7rrq-662w", "GitHub Advisory Database"), ("PYSEC-2019-133", "OSV")]);
    let methods: Vec<&str> =
        urllib3["ratings"].as_array().unwrap()[1..].iter().map(|r| r["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["CVSSv2", "CVSSv31"]);
    assert_eq!(urllib3["ratings"][1]["severity"], "medium", "v2 4.3");
    assert_eq!(
        urllib3["advisories"],
        serde_json::json!([{"url": "https://github.com/advisories/GHSA-mh33-7rrq-662w"}])
    );
    assert_eq!(urllib3["description"].as_str().unwrap(), report.vulnerabilities[2].description.as_deref().unwrap());

    let requests = &vulns[3];
    assert_eq!(requests["ratings"][1]["method"], "CVSSv4");
    assert_eq!(requests["ratings"][2]["severity"], "unknown", "an unscored vector");
    assert!(requests["ratings"][2].get("score").is_none());

    let babel = &vulns[4];
    assert_eq!(babel["source"]["name"], "GitHub Advisory Database");
    assert_eq!(babel["affects"][0]["ref"], components[7]["bom-ref"], "matched by name and version");
}

fn vex_doc(statements: Value) -> VexDocument {
    let doc = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/app",
        "author": "security@example.com",
        "timestamp": "2024-04-01T00:00:00Z",
        "version": 1,
        "statements": statements,
    });
    VexDocument::parse("app.vex.json", doc.to_string().as_bytes()).unwrap()
}

/// The sample through the gate: ignore entries with an expiry (curl) and without one (babel,
/// which has no purl), an OpenVEX `not_affected` for libc and a `fixed` for requests.
fn sample_with_suppressions() -> ScanReport {
    let ignore = IgnoreFile::parse(
        ".plimsollignore",
        br#"
ignore:
  - id: CVE-2024-2398
    package: curl
    expires: 2099-01-01
    reason: HTTP/2 server push is disabled in our build
  - id: GHSA-67hx-6x53-jw92
    reason: babel only runs at build time
"#,
    )
    .unwrap();
    let vex = vex_doc(serde_json::json!([
        {
            "vulnerability": {"name": "CVE-2024-2961"},
            "products": [{"@id": "pkg:deb/debian/libc6"}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "impact_statement": "nothing converts to ISO-2022-CN-EXT"
        },
        {
            "vulnerability": {"name": "CVE-2018-18074"},
            "products": [{"@id": "pkg:pypi/requests@2.19.0"}],
            "status": "fixed"
        }
    ]));
    let mut report = sample();
    let policy = Policy { ignore: Some(ignore), vex: vec![vex], ..Policy::default() };
    apply(&mut report, &policy, "2025-01-01".parse().unwrap());
    report
}

fn property_values<'a>(v: &'a Value, name: &str) -> Vec<&'a str> {
    v["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == name)
        .map(|p| p["value"].as_str().unwrap())
        .collect()
}

/// Suppressed findings stay in the CycloneDX document, after the reported ones, with a VEX
/// `analysis`: OpenVEX statuses and justifications mapped to CycloneDX's, ignore entries as
/// `in_triage` with their reason (and expiry) as the detail.
#[test]
fn cyclonedx_suppressed_findings_carry_their_analysis() {
    let report = sample_with_suppressions();
    let suppressed: Vec<&str> = report.suppressed.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(suppressed, ["CVE-2024-2961", "CVE-2024-2398", "CVE-2018-18074", "GHSA-67hx-6x53-jw92"]);
    let bom = render_json(&report, Format::CycloneDx);
    let components = bom["components"].as_array().unwrap();
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    let ids: Vec<&str> = vulns.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CVE-2019-11324", "CVE-2024-2961", "CVE-2024-2398", "CVE-2018-18074", "GHSA-67hx-6x53-jw92"]);
    assert!(vulns[0].get("analysis").is_none(), "urllib3 is still reported");

    let libc = &vulns[1];
    assert_eq!(
        libc["analysis"],
        serde_json::json!({
            "state": "not_affected",
            "justification": "code_not_reachable",
            "detail": "nothing converts to ISO-2022-CN-EXT"
        })
    );
    // Described as fully as a reported finding, and tied to the same component.
    assert_eq!(libc["bom-ref"].as_str().unwrap(), format!("CVE-2024-2961/{}", report.packages[0].purl));
    assert_eq!(libc["affects"][0]["ref"], components[1]["bom-ref"]);
    assert_eq!(libc["ratings"][1]["method"], "CVSSv31");
    assert_eq!(property_values(libc, "plimsoll:suppression:source"), ["vex"]);
    assert_eq!(property_values(libc, "plimsoll:suppression:origin"), ["app.vex.json: statement 1"]);
    assert_eq!(property_values(libc, "plimsoll:vex:status"), ["not_affected"]);
    assert_eq!(property_values(libc, "plimsoll:vex:justification"), ["vulnerable_code_not_in_execute_path"]);

    let curl = &vulns[2];
    assert_eq!(
        curl["analysis"],
        serde_json::json!({
            "state": "in_triage",
            "detail": "HTTP/2 server push is disabled in our build (ignored until 2099-01-01)"
        })
    );
    assert_eq!(curl["affects"][0]["ref"], components[2]["bom-ref"]);
    assert_eq!(property_values(curl, "plimsoll:suppression:source"), ["ignore-file"]);
    assert_eq!(property_values(curl, "plimsoll:suppression:origin"), [".plimsollignore: entry 1"]);
    assert_eq!(property_values(curl, "plimsoll:suppression:expires"), ["2099-01-01"]);
    assert!(property_values(curl, "plimsoll:vex:status").is_empty());

    let requests = &vulns[3];
    assert_eq!(requests["analysis"], serde_json::json!({"state": "resolved", "detail": "fixed"}));
    assert_eq!(requests["affects"][0]["ref"], components[4]["bom-ref"]);

    let babel = &vulns[4];
    assert_eq!(babel["analysis"], serde_json::json!({"state": "in_triage", "detail": "babel only runs at build time"}));
    assert_eq!(babel["affects"][0]["ref"], components[7]["bom-ref"], "matched by name and version");
    assert!(property_values(babel, "plimsoll:suppression:expires").is_empty());

    let refs: std::collections::HashSet<&str> = vulns.iter().map(|v| v["bom-ref"].as_str().unwrap()).collect();
    assert_eq!(refs.len(), vulns.len());
    validate_reports(&[("suppressed".into(), report)]);
}

/// Each OpenVEX justification maps to a CycloneDX one, and each document validates.
#[test]
fn cyclonedx_maps_every_openvex_justification() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (openvex, cyclonedx) in [
        ("component_not_present", "code_not_present"),
        ("vulnerable_code_not_present", "code_not_present"),
        ("vulnerable_code_not_in_execute_path", "code_not_reachable"),
        ("vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment"),
        ("inline_mitigations_already_exist", "protected_by_mitigating_control"),
    ] {
        let vex = vex_doc(serde_json::json!([{
            "vulnerability": {"name": "CVE-2019-11324"},
            "products": [{"@id": "pkg:pypi/urllib3"}],
            "status": "not_affected",
            "justification": openvex
        }]));
        let mut report = sample();
        apply(&mut report, &Policy { vex: vec![vex], ..Policy::default() }, "2025-01-01".parse().unwrap());
        let bom = render_json(&report, Format::CycloneDx);
        let urllib3: Vec<&Value> =
            bom["vulnerabilities"].as_array().unwrap().iter().filter(|v| v["id"] == "CVE-2019-11324").collect();
        assert_eq!(urllib3.len(), 1, "both installs' suppressions in one entry");
        assert_eq!(
            urllib3[0]["analysis"],
            serde_json::json!({
                "state": "not_affected",
                "justification": cyclonedx,
                "detail": format!("not_affected: {openvex}")
            }),
            "{openvex}"
        );
        assert_eq!(urllib3[0]["affects"].as_array().unwrap().len(), 2);
        let path = dir.path().join(format!("{openvex}.cdx.json"));
        std::fs::write(&path, serde_json::to_vec(&bom).unwrap()).unwrap();
        files.push(path);
    }
    validate("cyclonedx", &files);
}

/// Another tool's CycloneDX document listing the sample's packages: an OS component, one
/// component per package with its own `bom-ref` (`c0`...), the second urllib3 nested under the
/// first, and babel without a `bom-ref`. Returns the document and each package's JSON Pointer.
fn foreign_bom(report: &ScanReport, spec: &str) -> (Value, Vec<String>) {
    let mut components =
        vec![serde_json::json!({"type": "operating-system", "bom-ref": "os", "name": "debian", "version": "12"})];
    let mut pointers = Vec::new();
    for (i, p) in report.packages.iter().enumerate() {
        let mut c = serde_json::json!({
            "type": "library", "name": p.name, "version": p.version, "purl": p.purl,
            "hashes": [{"alg": "SHA-256", "content": "ab".repeat(32)}],
            "properties": [{"name": "syft:package:foundBy", "value": "test-cataloger"}]
        });
        if p.name != "@babel/core" {
            c["bom-ref"] = format!("c{i}").into();
        }
        if i == 5 {
            components.last_mut().unwrap()["components"] = serde_json::json!([c]);
            pointers.push(format!("/components/{}/components/0", components.len() - 1));
        } else {
            components.push(c);
            pointers.push(format!("/components/{}", components.len() - 1));
        }
    }
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 7,
        "metadata": {
            "timestamp": "2020-01-01T00:00:00Z",
            "tools": [{"vendor": "anchore", "name": "syft", "version": "0.80.0"}],
            "component": {"type": "container", "name": "example/app", "bom-ref": "root"}
        },
        "components": components,
        "dependencies": [{"ref": "root", "dependsOn": ["os", "c3"]}],
        "vulnerabilities": [{"bom-ref": "stale", "id": "CVE-1999-0001"}]
    });
    (doc, pointers)
}

fn enrich(bom: &Value, report: &ScanReport, pointers: &[String]) -> Result<Value, ReportError> {
    let mut out = Vec::new();
    plimsoll_report::enrich_cyclonedx(bom.clone(), report, pointers, &mut out)?;
    assert!(out.ends_with(b"}\n"));
    Ok(serde_json::from_slice(&out).unwrap())
}

/// Enriching keeps everything of the input but `vulnerabilities` (this scan's, naming the input's
/// own components) and what a producer updates: version, timestamp, tools; a 1.4 document stays
/// 1.4 and valid against 1.4.
#[test]
fn enriching_another_tools_cyclonedx_keeps_its_components_and_refs() {
    let report = sample_with_suppressions();
    let (input, pointers) = foreign_bom(&report, "1.4");
    let out = enrich(&input, &report, &pointers).unwrap();

    // Untouched: everything but babel's new bom-ref (it had none, and a finding names it).
    let babel_purl = &report.packages[6].purl;
    let mut expected = input["components"].clone();
    expected[6]["bom-ref"] = babel_purl.as_str().into();
    assert_eq!(out["components"], expected);
    for key in ["bomFormat", "specVersion", "serialNumber", "dependencies"] {
        assert_eq!(out[key], input[key], "{key}");
    }
    assert_eq!(out["metadata"]["component"], input["metadata"]["component"]);
    assert_eq!(out["version"], 8, "a modified BOM keeps its serial number and increments its version");
    assert_eq!(out["metadata"]["timestamp"], "2024-05-01T12:00:00Z", "the scan's time");
    assert_eq!(
        out["metadata"]["tools"],
        serde_json::json!([
            {"vendor": "anchore", "name": "syft", "version": "0.80.0"},
            {"name": "plimsoll", "version": "0.1.0"}
        ]),
        "1.4's tool list"
    );

    // This scan's vulnerabilities replace the stale one, naming the input's components.
    let vulns = out["vulnerabilities"].as_array().unwrap();
    let ids: Vec<&str> = vulns.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CVE-2019-11324", "CVE-2024-2961", "CVE-2024-2398", "CVE-2018-18074", "GHSA-67hx-6x53-jw92"]);
    let affects = |v: &Value| -> Vec<String> {
        v["affects"].as_array().unwrap().iter().map(|a| a["ref"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(affects(&vulns[0]), ["c4", "c5"], "both urllib3 installs, the nested one included");
    assert_eq!(vulns[0]["bom-ref"], "CVE-2019-11324/c4");
    assert_eq!(affects(&vulns[1]), ["c0"]);
    assert_eq!(vulns[1]["analysis"]["state"], "not_affected");
    assert_eq!(vulns[1]["analysis"]["justification"], "code_not_reachable");
    assert_eq!(affects(&vulns[3]), ["c3"]);
    assert_eq!(vulns[3]["analysis"]["state"], "resolved");
    let methods: Vec<&str> =
        vulns[3]["ratings"].as_array().unwrap()[1..].iter().map(|r| r["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["other", "CVSSv31"], "1.4 has no CVSSv4 method");
    assert_eq!(affects(&vulns[4]), [babel_purl.as_str()]);
    // Top-level keys (indented by two spaces in the pretty output) in the schema's order.
    let mut text = Vec::new();
    plimsoll_report::enrich_cyclonedx(input.clone(), &report, &pointers, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    let keys: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("  \"")?.split('"').next()).collect();
    assert_eq!(
        keys,
        [
            "bomFormat",
            "specVersion",
            "serialNumber",
            "version",
            "metadata",
            "components",
            "dependencies",
            "vulnerabilities"
        ]
    );

    // Enriching the result again changes only the version; plimsoll is not listed twice.
    let again = enrich(&out, &report, &pointers).unwrap();
    assert_eq!(again["version"], 9);
    assert_eq!(again["metadata"]["tools"], out["metadata"]["tools"]);
    assert_eq!(again["vulnerabilities"], out["vulnerabilities"]);
    assert_eq!(again["components"], out["components"]);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enriched-1.4.cdx.json");
    std::fs::write(&path, serde_json::to_vec(&out).unwrap()).unwrap();
    validate("cyclonedx", &[path]);
}

/// A bare 1.6 document: a serial number and the 1.5+ tools object are added, the version starts
/// at 2 (1 is the default), and generated bom-refs never collide with the document's own.
#[test]
fn enriching_a_bare_document_adds_serial_tools_and_unique_refs() {
    let report = sample();
    let (mut input, pointers) = foreign_bom(&report, "1.6");
    let doc = input.as_object_mut().unwrap();
    for key in ["serialNumber", "version", "metadata", "vulnerabilities", "dependencies"] {
        doc.remove(key);
    }
    // A service already uses babel's purl and a vulnerability-style name as bom-refs.
    let babel_purl = report.packages[6].purl.clone();
    doc.insert(
        "services".into(),
        serde_json::json!([
            {"bom-ref": babel_purl, "name": "api"},
            {"bom-ref": "CVE-2019-11324/c4", "name": "worker"}
        ]),
    );
    let out = enrich(&input, &report, &pointers).unwrap();
    let serial = out["serialNumber"].as_str().unwrap();
    assert!(serial.starts_with("urn:uuid:") && serial.len() == 45, "{serial}");
    assert_eq!(out["version"], 2);
    assert_eq!(
        out["metadata"],
        serde_json::json!({
            "timestamp": "2024-05-01T12:00:00Z",
            "tools": {"components": [{"type": "application", "name": "plimsoll", "version": "0.1.0"}]}
        })
    );
    assert_eq!(out["services"], input["services"]);
    let babel_ref = out["components"][6]["bom-ref"].as_str().unwrap();
    assert_eq!(babel_ref, format!("{babel_purl}#plimsoll-6-1"));
    let vulns = out["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns[2]["bom-ref"], "CVE-2019-11324/c4#1");
    let babel = vulns.iter().find(|v| v["id"] == "GHSA-67hx-6x53-jw92").unwrap();
    assert_eq!(babel["affects"][0]["ref"], babel_ref);
    // Components no finding names get no bom-ref of ours: the OS component keeps its own and the
    // input had no other component without one.
    assert_eq!(out["components"].as_array().unwrap().len(), input["components"].as_array().unwrap().len());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enriched-1.6.cdx.json");
    std::fs::write(&path, serde_json::to_vec(&out).unwrap()).unwrap();
    validate("cyclonedx", &[path]);
}

#[test]
fn documents_that_cannot_be_enriched_say_why_and_write_nothing() {
    let report = sample();
    let (input, pointers) = foreign_bom(&report, "1.3");
    let fails = |bom: &Value, pointers: &[String], want: &str| {
        let mut out = Vec::new();
        let err = plimsoll_report::enrich_cyclonedx(bom.clone(), &report, pointers, &mut out).unwrap_err();
        assert!(matches!(err, ReportError::CannotEnrich { .. }), "{err}");
        assert!(err.to_string().contains(want), "{err}");
        assert!(out.is_empty());
    };
    fails(&input, &pointers, "CycloneDX 1.3 has no `vulnerabilities`");
    let (input, pointers) = foreign_bom(&report, "1.6");
    fails(&input, &pointers[1..], "6 component locations for 7 packages");
    let mut moved = pointers.clone();
    moved[0] = "/components/99".into();
    fails(&input, &moved, "no component at `/components/99`");
    fails(&serde_json::json!({"spdxVersion": "SPDX-2.3"}), &pointers, "not a CycloneDX document");
    fails(&serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "2.0"}), &pointers, "specVersion `2.0`");
    fails(&serde_json::json!([1]), &pointers, "not a JSON object");
}

/// A configuration file found inside an image names the layer that added it, in every format
/// that shows layers; image-config findings (no layer) keep their old shape.
#[test]
fn misconfigurations_in_image_layers_name_their_layer() {
    let mut report = sample();
    report.misconfigurations.push(Misconfiguration {
        rule_id: "PL-DF-001".into(),
        title: "Last USER is root".into(),
        severity: Severity::High,
        file: "app/Dockerfile".into(),
        line: 4,
        column: 0,
        end_line: 4,
        message: "the last USER instruction sets root".into(),
        references: vec!["DL3002".into()],
        doc_url: "docs/rules/PL-DF-001.md".into(),
        resource: None,
        layer: report.packages[3].layer.clone(),
    });

    let text = render_to_string(&report, Format::Table, &RenderOptions::default());
    assert!(text.contains("│ Severity │ Rule       │ Location         │ Message"), "{text}");
    let row = text.lines().find(|l| l.contains("PL-DF-001")).unwrap();
    assert!(
        row.starts_with("│ HIGH     │ PL-DF-001  │ app/Dockerfile:4 │ the last USER instruction sets root "),
        "{row}"
    );
    assert!(row.ends_with("│ 2     │"), "{row}");
    let row = text.lines().find(|l| l.contains("PL-IMG-001")).unwrap();
    assert!(row.ends_with("│       │"), "no layer for an image-config finding: {row}");
    let plain = render_to_string(&sample(), Format::Table, &RenderOptions::default());
    let header = plain.lines().find(|l| l.starts_with("│ Severity │ Rule") && l.contains("Message")).unwrap();
    assert!(!header.contains("Layer"), "no layer column when no finding has one: {header}");

    let json = render_json(&report, Format::Json);
    assert!(json["misconfigurations"][0].get("layer").is_none(), "omitted, never null");
    assert_eq!(json["misconfigurations"][1]["layer"]["index"], 2);
    assert_eq!(json["misconfigurations"][1]["layer"]["diff_id"], digest(22).to_string());

    let sarif = render_json(&report, Format::Sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let df = results.iter().find(|r| r["ruleId"] == "PL-DF-001").unwrap();
    assert_eq!(df["properties"]["layer"]["index"], 2);
    assert_eq!(df["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
    let img = results.iter().find(|r| r["ruleId"] == "PL-IMG-001").unwrap();
    assert!(img["properties"].get("layer").is_none());

    let junit = render_to_string(&report, Format::Junit, &RenderOptions::default());
    assert!(junit.contains("Location: app/Dockerfile:4\nLayer: 2\n"), "{junit}");

    let dir = tempfile::tempdir().unwrap();
    let [json_path, _, _] = write_all_formats(dir.path(), "layered", &report);
    validate("report", &[json_path]);
    let sarif_path = dir.path().join("layered.sarif");
    std::fs::write(&sarif_path, serde_json::to_vec(&sarif).unwrap()).unwrap();
    validate("sarif", &[sarif_path]);
}

#[test]
fn junit_has_a_suite_per_finding_kind() {
    let text = render_to_string(&sample(), Format::Junit, &RenderOptions::default());
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"plimsoll: oci:/tmp/app:1\" tests=\"8\" failures=\"8\""), "{text}");
    for (suite, n) in [("vulnerabilities", 6), ("secrets", 1), ("misconfigurations", 1)] {
        assert!(
            text.contains(&format!("<testsuite name=\"{suite}\" tests=\"{n}\" failures=\"{n}\"")),
            "{suite}:\n{text}"
        );
    }
    assert!(text.contains("<testcase classname=\"libc6@2.36-9+deb12u4\" name=\"[HIGH] CVE-2024-2961\">"), "{text}");
    assert!(text.contains("<failure message=\"libc6 2.36-9+deb12u4 is affected by CVE-2024-2961; fixed in 2.36-9+deb12u6\" type=\"HIGH\">"));
    assert!(text.contains("Found in: var/lib/dpkg/status\n"));
    assert!(text.contains("<testcase classname=\"app/settings.py\" name=\"[CRITICAL] github-pat\">"), "{text}");
    assert!(text.contains("Match: ghp_****"));
    assert!(text.contains("name=\"[HIGH] PL-IMG-001: Image runs as root\""));

    let mut empty = filesystem();
    empty.artifact.name = "a&b".into();
    let text = render_to_string(&empty, Format::Junit, &RenderOptions::default());
    assert!(text.contains("<testsuites name=\"plimsoll: a&amp;b\" tests=\"0\" failures=\"0\""), "{text}");
    assert_eq!(text.matches("tests=\"0\"").count(), 5, "four empty suites (the scan suite too): {text}");
}

#[test]
fn junit_escapes_hostile_strings() {
    let text = render_to_string(&hostile(), Format::Junit, &RenderOptions::default());
    assert!(!text.contains('\u{1b}') && !text.contains('\u{0}') && !text.contains('\u{FFFE}'));
    assert!(text.contains("]]&gt;&lt;/failure&gt;&lt;script&gt;"), "{text}");
    assert!(!text.contains("<script>"));
}

/// The sample's secret is revealed in the report; only the JSON report (which is the report)
/// may carry it.
#[test]
fn no_format_but_json_shows_a_revealed_secret() {
    for report in [sample(), hostile()] {
        let secret = report.secrets[0].secret.as_ref().unwrap().0.clone();
        for format in Format::ALL {
            let text = render_to_string(
                &report,
                *format,
                &RenderOptions { color: true, terminal_width: Some(200), ..Default::default() },
            );
            if *format == Format::Json {
                assert!(text.contains(&secret), "JSON is the report, revealed secret included");
            } else {
                assert!(!text.contains(&secret[4..12]), "{format} leaked the secret");
                assert!(!text.contains(&secret[10..]), "{format} leaked the secret's tail");
            }
        }
    }
}

#[test]
fn findings_formats_validate() {
    let dir = tempfile::tempdir().unwrap();
    let (mut sarif, mut junit) = (Vec::new(), Vec::new());
    for (stem, report) in [("sample", sample()), ("filesystem", filesystem()), ("hostile", hostile())] {
        for (format, ext, list) in [(Format::Sarif, "sarif", &mut sarif), (Format::Junit, "xml", &mut junit)] {
            let path = dir.path().join(format!("{stem}.{ext}"));
            let mut f = std::fs::File::create(&path).unwrap();
            render(&report, format, &mut f, &RenderOptions::default()).unwrap();
            list.push(path);
        }
    }
    validate("sarif", &sarif);
    validate("junit", &junit);
}

#[test]
fn validator_rejects_invalid_findings_documents() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("broken.sarif");
    let mut log = sample_sarif();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    log["runs"][0]["results"][1]["ruleIndex"] = 5.into();
    std::fs::write(&sarif, serde_json::to_vec(&log).unwrap()).unwrap();
    let junit = dir.path().join("broken.xml");
    let text = render_to_string(&sample(), Format::Junit, &RenderOptions::default());
    std::fs::write(&junit, text.replacen("tests=\"6\"", "tests=\"5\"", 1)).unwrap();
    let unclosed = dir.path().join("unclosed.xml");
    std::fs::write(&unclosed, text.replacen("</testsuites>", "", 1)).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_schema.py");
    for (kind, file) in [("sarif", &sarif), ("junit", &junit), ("junit", &unclosed)] {
        let Ok(out) = Command::new("python3").arg(&script).arg(kind).arg(file).output() else {
            plimsoll_test_support::require("cannot run python3");
            return;
        };
        match out.status.code() {
            Some(77) => plimsoll_test_support::require(&format!(
                "skipping {kind}: {}",
                String::from_utf8_lossy(&out.stdout).trim()
            )),
            Some(1) => {}
            other => panic!("{kind}: expected {} to be rejected, got {other:?}", file.display()),
        }
    }
}

/// The HTML report's `<g class="layer" ...>` rows: (layer, packages, findings) as the chart says.
fn html_chart_rows(html: &str) -> Vec<(usize, usize, usize)> {
    let attr = |tag: &str, name: &str| -> usize {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    html.split("<g class=\"layer\" ")
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find('>').unwrap()];
            (attr(tag, "data-layer"), attr(tag, "data-packages"), attr(tag, "data-findings"))
        })
        .collect()
}

#[test]
fn html_layer_chart_has_one_row_per_layer_with_its_packages_and_findings() {
    let report = sample();
    let html = render_to_string(&report, Format::Html, &RenderOptions::default());
    let rows = html_chart_rows(&html);
    let layers: Vec<usize> = report.layers.iter().map(|l| l.index).collect();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), layers, "one row per layer, bottom first");
    for (index, packages, findings) in rows {
        let in_layer = |l: Option<&LayerRef>| l.is_some_and(|l| l.index == index);
        assert_eq!(packages, report.packages.iter().filter(|p| in_layer(p.layer.as_ref())).count());
        let expected = report.vulnerabilities.iter().filter(|v| in_layer(v.layer.as_ref())).count()
            + report.secrets.iter().filter(|s| in_layer(s.layer.as_ref())).count()
            + report.misconfigurations.iter().filter(|m| in_layer(m.layer.as_ref())).count();
        assert_eq!(findings, expected, "layer {index}");
    }
    assert!(report.packages.iter().any(|p| p.layer.is_some()) && !report.vulnerabilities.is_empty());
    // Each row is labelled with its Dockerfile step, the shell prefix removed.
    let step = report.layers[1].created_by.as_deref().unwrap();
    assert!(step.starts_with("/bin/sh -c") || step.starts_with("RUN") || step.starts_with("COPY"), "{step}");
    // The severity cards add up to the findings.
    let critical = report.vulnerabilities.iter().filter(|v| v.severity == Severity::Critical).count();
    assert!(
        html.contains(&format!("data-severity=\"CRITICAL\"><span class=\"n\">{critical}</span>")),
        "{}",
        &html[html.find("id=\"summary\"").unwrap()..][..600]
    );
    // Secrets masked, as in every format but JSON.
    assert!(!html.contains("ghp_R7xK2mQ9vT4wZ8bN1cL5yH3jF6dS0aP2eU4i"));
    assert!(html.contains(&report.secrets[0].masked.replace('&', "&amp;")));
    // Coverage and diagnostics reach the page.
    for d in &report.diagnostics {
        assert!(html.contains(&d.message.replace('&', "&amp;").replace('<', "&lt;")), "{}", d.message);
    }
}

#[test]
fn html_escapes_everything_from_the_image_and_loads_nothing() {
    let report = hostile();
    let html = render_to_string(&report, Format::Html, &RenderOptions::default());
    // The only script and style elements are the report's own.
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(html.matches("<style").count(), 1);
    assert!(html.contains("cu\u{FFFD}[31mrl (&quot;x&quot;) &lt;y&gt;"), "package name escaped");
    assert!(html.contains("]]&gt;&lt;/failure&gt;&lt;script&gt;"), "title escaped");
    assert!(!html.contains('\u{1b}') && !html.contains('\u{202e}') && !html.contains('\u{0}'));
    assert!(html.contains("dir with space/Dockerfile?#:\u{FFFD}&lt;x&gt;"));
    // No reference to anything outside the file.
    for needle in ["src=", "href=", "url(", "@import", "http://", "https://", "javascript:"] {
        assert!(!html.contains(needle), "{needle}");
    }
    // The 50-times repeated step is cut in the chart label, and its tooltip keeps it escaped.
    let rows = html_chart_rows(&html);
    assert_eq!(rows.len(), report.layers.len());
    let label_start = html.find("<text class=\"step\"").unwrap();
    let label = &html[label_start..][..html[label_start..].find("</text>").unwrap()];
    assert!(label.chars().count() < 120, "{label}");

    // The Content-Security-Policy allows exactly the inline style and script, by hash.
    use base64::Engine as _;
    use sha2::Digest as _;
    let between = |open: &str, close: &str| {
        let s = html.find(open).unwrap() + open.len();
        &html[s..s + html[s..].find(close).unwrap()]
    };
    let hash = |b: &str| base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(b.as_bytes()));
    let csp = between("http-equiv=\"Content-Security-Policy\" content=\"", "\"");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(csp.contains(&format!("style-src 'sha256-{}'", hash(between("<style>", "</style>")))), "{csp}");
    assert!(csp.contains(&format!("script-src 'sha256-{}'", hash(between("<script>", "</script>")))), "{csp}");
}

#[test]
fn html_filesystem_scan_has_no_chart() {
    let html = render_to_string(&filesystem(), Format::Html, &RenderOptions::default());
    assert!(html_chart_rows(&html).is_empty());
    assert!(html.contains("No layers: this scan was not of an image."));
}
