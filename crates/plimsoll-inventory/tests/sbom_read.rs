//! Reading CycloneDX and SPDX JSON SBOMs: hand-written documents covering each purl type and
//! each way tools spell the OS and source package, hostile inputs, and (when the tools and the
//! shared image are here) Trivy's and Syft's SBOMs of the same image.
#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use plimsoll_inventory::sbom::{read_sbom, read_sbom_file, SbomError, SbomInventory};
use plimsoll_model::{OsFamily, Package, PackageKind};

const CDX: &str = r#"{
  "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "metadata": {"component": {"type": "container", "name": "app:1", "bom-ref": "root",
    "properties": [
      {"name": "aquasecurity:trivy:DiffID", "value": "sha256:1111111111111111111111111111111111111111111111111111111111111111"},
      {"name": "aquasecurity:trivy:DiffID", "value": "sha256:2222222222222222222222222222222222222222222222222222222222222222"}
    ]}},
  "components": [
    {"type": "operating-system", "name": "Debian", "version": "12", "description": "Debian GNU/Linux 12 (bookworm)"},
    {"type": "library", "name": "libc6", "version": "2.36-9+deb12u4",
     "purl": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&epoch=1",
     "supplier": {"name": "GNU Libc Maintainers"},
     "licenses": [{"license": {"id": "LGPL-2.1-only"}}, {"expression": "GPL-2.0-only OR MIT"}],
     "properties": [
       {"name": "aquasecurity:trivy:SrcName", "value": "glibc"},
       {"name": "aquasecurity:trivy:SrcVersion", "value": "2.36"},
       {"name": "aquasecurity:trivy:SrcRelease", "value": "9+deb12u4"},
       {"name": "aquasecurity:trivy:SrcEpoch", "value": "1"},
       {"name": "aquasecurity:trivy:LayerDiffID", "value": "sha256:2222222222222222222222222222222222222222222222222222222222222222"}
     ]},
    {"type": "library", "name": "openssl", "purl": "pkg:rpm/almalinux/openssl@3.0.7-24.el9?arch=x86_64&epoch=1&upstream=openssl-3.0.7-24.el9.src.rpm"},
    {"type": "library", "name": "core", "group": "@babel", "purl": "pkg:npm/%40babel/core@7.0.0",
     "components": [
       {"type": "library", "name": "mux", "purl": "pkg:golang/github.com/gorilla/mux@v1.8.0",
        "components": [{"type": "library", "name": "log4j-core", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}]}
     ]},
    {"type": "library", "name": "Jinja2", "version": "2.10", "purl": "pkg:pypi/jinja2@2.10",
     "properties": [{"name": "plimsoll:package:found_in", "value": "usr/lib/python3/site-packages/Jinja2-2.10.dist-info/METADATA"}]},
    {"type": "library", "name": "laravel", "purl": "pkg:composer/laravel/framework@8.0.0"},
    {"type": "library", "name": "rails", "purl": "pkg:gem/rails@6.1.0"},
    {"type": "library", "name": "serde", "purl": "pkg:cargo/serde@1.0.0"},
    {"type": "library", "name": "Newtonsoft.Json", "purl": "pkg:nuget/Newtonsoft.Json@12.0.1"},
    {"type": "library", "name": "nothing-to-match"},
    {"type": "library", "name": "action", "purl": "pkg:github/actions/checkout@v4"},
    {"type": "container", "name": "base", "purl": "pkg:oci/base@sha256%3Aabc"},
    {"type": "library", "name": "broken", "purl": "not a purl"}
  ]
}"#;

const SPDX: &str = r#"{
  "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x", "dataLicense": "CC0-1.0",
  "packages": [
    {"SPDXID": "SPDXRef-Root", "name": "img", "primaryPackagePurpose": "CONTAINER"},
    {"SPDXID": "SPDXRef-A", "name": "libcrypto1.1", "versionInfo": "1.1.1t-r2",
     "supplier": "Person: Timo Teras (timo.teras@iki.fi)", "licenseDeclared": "OpenSSL",
     "externalRefs": [
       {"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:openssl:libcrypto1.1:1.1.1t-r2:*:*:*:*:*:*:*"},
       {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:apk/alpine/libcrypto1.1@1.1.1t-r2?arch=x86_64&distro=alpine-3.14.10&upstream=openssl"}
     ]},
    {"SPDXID": "SPDXRef-B", "name": "zlib", "versionInfo": "1.2.12-r3", "licenseDeclared": "NOASSERTION",
     "sourceInfo": "package found in: lib/apk/db/installed; layer 0; source package: zlib 1.2.12-r3",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:apk/alpine/zlib@1.2.12-r3?arch=x86_64&distro=alpine-3.14.10"}]},
    {"SPDXID": "SPDXRef-C", "name": "loose-file", "versionInfo": "1"}
  ]
}"#;

fn find<'a>(inv: &'a SbomInventory, name: &str) -> &'a Package {
    inv.packages.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{name} not read: {:#?}", inv.packages))
}

#[test]
fn cyclonedx_every_purl_type_nested_components_and_trivy_properties() {
    let inv = read_sbom(CDX.as_bytes()).unwrap();
    assert_eq!(inv.format, "CycloneDX 1.5");
    let os = inv.os.as_ref().unwrap();
    assert_eq!((os.family, os.id.as_str(), os.version_id.as_deref()), (OsFamily::Debian, "debian", Some("12")));

    let got: BTreeSet<(PackageKind, &str, &str)> =
        inv.packages.iter().map(|p| (p.kind, p.name.as_str(), p.version.as_str())).collect();
    let want: BTreeSet<(PackageKind, &str, &str)> = [
        (PackageKind::Dpkg, "libc6", "1:2.36-9+deb12u4"),
        (PackageKind::Rpm, "openssl", "1:3.0.7-24.el9"),
        (PackageKind::Npm, "@babel/core", "7.0.0"),
        (PackageKind::Go, "github.com/gorilla/mux", "v1.8.0"),
        (PackageKind::Maven, "org.apache.logging.log4j:log4j-core", "2.14.1"),
        (PackageKind::Python, "Jinja2", "2.10"),
        (PackageKind::Composer, "laravel/framework", "8.0.0"),
        (PackageKind::Gem, "rails", "6.1.0"),
        (PackageKind::Cargo, "serde", "1.0.0"),
        (PackageKind::Nuget, "Newtonsoft.Json", "12.0.1"),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);

    let libc = find(&inv, "libc6");
    assert_eq!(libc.epoch, Some(1));
    assert_eq!(libc.release.as_deref(), Some("9+deb12u4"));
    assert_eq!(libc.arch.as_deref(), Some("amd64"));
    assert_eq!(libc.source_name.as_deref(), Some("glibc"));
    assert_eq!(libc.source_version.as_deref(), Some("1:2.36-9+deb12u4"));
    assert_eq!(libc.supplier.as_deref(), Some("GNU Libc Maintainers"));
    assert_eq!(libc.licenses, ["LGPL-2.1-only", "GPL-2.0-only OR MIT"]);
    assert_eq!(libc.layer.as_ref().map(|l| l.index), Some(1), "layer index from the root's DiffID order");
    assert!(libc.purl.starts_with("pkg:deb/debian/libc6@"));

    let openssl = find(&inv, "openssl");
    assert_eq!((openssl.epoch, openssl.release.as_deref()), (Some(1), Some("24.el9")));
    assert_eq!(openssl.source_name.as_deref(), Some("openssl"));
    assert_eq!(openssl.source_version.as_deref(), Some("3.0.7-24.el9"));

    let jinja = find(&inv, "Jinja2");
    assert_eq!(jinja.found_in, "usr/lib/python3/site-packages/Jinja2-2.10.dist-info/METADATA");
    assert_eq!(jinja.source_name, None, "language packages have no source package");

    assert_eq!(
        inv.warnings,
        [
            "1 component with an unparsable purl skipped",
            "1 component with purl type `github` skipped",
            "1 component without a purl skipped",
        ]
    );
}

/// Every package remembers its record: a JSON Pointer that leads back to it (nested components
/// included) and its `bom-ref` / `SPDXID`.
#[test]
fn packages_remember_the_record_they_came_from() {
    for doc in [CDX, SPDX] {
        let inv = read_sbom(doc.as_bytes()).unwrap();
        assert_eq!(inv.origins.len(), inv.packages.len(), "{}", inv.format);
        let value: serde_json::Value = serde_json::from_str(doc).unwrap();
        for (p, o) in inv.packages.iter().zip(&inv.origins) {
            let record = value.pointer(&o.pointer).unwrap_or_else(|| panic!("{}: {}", inv.format, o.pointer));
            let spdx_purl = || {
                let refs = record["externalRefs"].as_array()?;
                refs.iter().find(|r| r["referenceType"] == "purl")?["referenceLocator"].as_str()
            };
            assert_eq!(record["purl"].as_str().or_else(spdx_purl), Some(p.purl.as_str()), "{}", o.pointer);
        }
    }
    let inv = read_sbom(CDX.as_bytes()).unwrap();
    let log4j = inv.packages.iter().position(|p| p.name.ends_with("log4j-core")).unwrap();
    assert_eq!(inv.origins[log4j].pointer, "/components/3/components/0/components/0");
    assert!(inv.origins.iter().all(|o| o.id.is_none()), "CDX has no bom-refs on its packages");
    let inv = read_sbom(SPDX.as_bytes()).unwrap();
    let ids: Vec<_> = inv.origins.iter().map(|o| (o.pointer.as_str(), o.id.as_deref())).collect();
    assert_eq!(ids, [("/packages/1", Some("SPDXRef-A")), ("/packages/2", Some("SPDXRef-B"))]);

    // bom-refs as written, wherever the component is; one of the wrong type is dropped, not fatal.
    let doc = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
      "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "root",
        "components": [{"type": "library", "name": "a", "purl": "pkg:npm/a@1.0.0", "bom-ref": "ref-a"}]}},
      "components": [
        {"type": "library", "name": "b", "purl": "pkg:npm/b@2.0.0", "bom-ref": {"not": "a string"}},
        {"type": "library", "name": "c", "purl": "pkg:npm/c@3.0.0", "bom-ref": "pkg:npm/c@3.0.0?package-id=9"}
      ]}"#;
    let inv = read_sbom(doc.as_bytes()).unwrap();
    let got: Vec<_> = inv
        .packages
        .iter()
        .zip(&inv.origins)
        .map(|(p, o)| (p.name.as_str(), o.pointer.as_str(), o.id.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "/metadata/component/components/0", Some("ref-a")),
            ("b", "/components/0", None),
            ("c", "/components/1", Some("pkg:npm/c@3.0.0?package-id=9")),
        ]
    );
}

#[test]
fn spdx_packages_os_from_distro_qualifier_and_source_packages() {
    let inv = read_sbom(SPDX.as_bytes()).unwrap();
    assert_eq!(inv.format, "SPDX-2.3");
    let os = inv.os.as_ref().unwrap();
    assert_eq!((os.family, os.id.as_str(), os.version_id.as_deref()), (OsFamily::Alpine, "alpine", Some("3.14.10")));
    assert_eq!(inv.packages.len(), 2);
    let crypto = find(&inv, "libcrypto1.1");
    assert_eq!((crypto.kind, crypto.version.as_str()), (PackageKind::Apk, "1.1.1t-r2"));
    assert_eq!(crypto.source_name.as_deref(), Some("openssl"), "from Syft's upstream qualifier");
    assert_eq!(crypto.supplier.as_deref(), Some("Timo Teras (timo.teras@iki.fi)"));
    assert_eq!(crypto.licenses, ["OpenSSL"]);
    let zlib = find(&inv, "zlib");
    assert_eq!(zlib.found_in, "lib/apk/db/installed");
    assert_eq!(zlib.source_version.as_deref(), Some("1.2.12-r3"));
    assert!(zlib.licenses.is_empty(), "NOASSERTION is not a licence");
    assert_eq!(inv.warnings, ["1 component without a purl skipped"]);
}

#[test]
fn spdx_operating_system_package_wins_over_qualifiers() {
    let doc = SPDX.replace(
        r#"{"SPDXID": "SPDXRef-Root""#,
        r#"{"SPDXID": "SPDXRef-OS", "name": "alpine", "versionInfo": "3.14.9", "primaryPackagePurpose": "OPERATING-SYSTEM"},
           {"SPDXID": "SPDXRef-Root""#,
    );
    let os = read_sbom(doc.as_bytes()).unwrap().os.unwrap();
    assert_eq!(os.version_id.as_deref(), Some("3.14.9"));
}

#[test]
fn unsupported_and_hostile_documents_are_errors_not_panics() {
    let cases: &[(&[u8], &str)] = &[
        (b"<?xml version=\"1.0\"?><bom/>", "XML"),
        (b"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "tag-value"),
        (b"{\"hello\": 1}", "neither CycloneDX"),
        (b"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"2.0\"}", "specVersion `2.0`"),
        (b"{\"spdxVersion\": \"SPDX-3.0\"}", "spdxVersion `SPDX-3.0`"),
        (b"{\"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\", \"@graph\": []}", "SPDX 3"),
        (b"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": {}}", "not a JSON document"),
        (b"\xff\xfe{", "not a JSON document"),
        (b"", "not a JSON document"),
    ];
    for (bytes, want) in cases {
        let err = read_sbom(bytes).unwrap_err().to_string();
        assert!(err.contains(want), "{err:?} should mention {want:?}");
    }

    // Components nested far deeper than any real SBOM: serde_json's recursion limit refuses it.
    let depth = 10_000;
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for _ in 0..depth {
        doc.push_str(r#"{"type":"library","name":"x","purl":"pkg:npm/x@1","components":["#);
    }
    doc.push_str(&"]}".repeat(depth));
    doc.push_str("]}");
    assert!(matches!(read_sbom(doc.as_bytes()), Err(SbomError::NotJson(_))));

    // Nesting that JSON allows is read in full.
    let depth = 40;
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for i in 0..depth {
        doc.push_str(&format!(r#"{{"type":"library","name":"x{i}","purl":"pkg:npm/x{i}@1","components":["#));
    }
    doc.push_str(&"]}".repeat(depth));
    doc.push_str("]}");
    assert_eq!(read_sbom(doc.as_bytes()).unwrap().packages.len(), depth);
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.json");
    std::fs::write(&path, "{}").unwrap();
    let err = read_sbom_file(&path).unwrap_err().to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
    let missing = dir.path().join("missing.json");
    assert!(matches!(read_sbom_file(&missing), Err(SbomError::Io { .. })));
}

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.is_dir().then_some(p)
}

/// Runs `tool args...`; `None` (with the reason printed) when it is not installed or fails.
fn run(tool: &str, args: &[&str]) -> Option<()> {
    match Command::new(tool).args(args).output() {
        Ok(out) if out.status.success() => Some(()),
        Ok(out) => {
            plimsoll_test_support::optional(&format!(
                "skipping {tool}: {}",
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
            ));
            None
        }
        Err(e) => {
            plimsoll_test_support::optional(&format!("skipping {tool}: {e}"));
            None
        }
    }
}

/// Trivy's and Syft's SBOMs of the same Alpine image, in both formats, read to the same packages,
/// OS and source packages.
#[test]
fn trivy_and_syft_sboms_of_the_shared_alpine_image_agree() {
    let Some(shared) = shared() else {
        plimsoll_test_support::require("../shared is absent");
        return;
    };
    let image = shared.join("images/c-alpine-3.14/oci");
    let image = image.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let offline = [
        "--offline-scan",
        "--skip-db-update",
        "--skip-java-db-update",
        "--skip-check-update",
        "--disable-telemetry",
        "--quiet",
    ];
    let mut read = Vec::new();
    for (format, file) in [("cyclonedx", "trivy-cdx.json"), ("spdx-json", "trivy-spdx.json")] {
        let target = out(file);
        let mut args = vec!["image", "--input", image, "--format", format, "-o", &target];
        args.extend(offline);
        if run("trivy", &args).is_some() {
            read.push((file, read_sbom_file(Path::new(&target)).unwrap()));
        }
    }
    let (cdx, spdx) = (out("syft-cdx.json"), out("syft-spdx.json"));
    let (source, cdx_out, spdx_out) =
        (format!("oci-dir:{image}"), format!("cyclonedx-json={cdx}"), format!("spdx-json={spdx}"));
    if run("syft", &[&source, "-q", "-o", &cdx_out, "-o", &spdx_out]).is_some() {
        read.push(("syft-cdx.json", read_sbom_file(Path::new(&cdx)).unwrap()));
        read.push(("syft-spdx.json", read_sbom_file(Path::new(&spdx)).unwrap()));
    }
    if read.is_empty() {
        plimsoll_test_support::optional("neither trivy nor syft could run");
        return;
    }
    let mut first: Option<BTreeSet<(PackageKind, String, String)>> = None;
    for (file, inv) in &read {
        let os = inv.os.as_ref().unwrap_or_else(|| panic!("{file}: no OS"));
        assert_eq!((os.family, os.version_id.as_deref()), (OsFamily::Alpine, Some("3.14.10")), "{file}");
        let set: BTreeSet<_> = inv.packages.iter().map(|p| (p.kind, p.name.clone(), p.version.clone())).collect();
        assert_eq!(set.len(), 14, "{file}: {set:?}");
        assert!(set.contains(&(PackageKind::Apk, "busybox".into(), "1.33.1-r8".into())), "{file}");
        assert_eq!(find(inv, "libssl1.1").source_name.as_deref(), Some("openssl"), "{file}");
        assert_eq!(find(inv, "ssl_client").source_name.as_deref(), Some("busybox"), "{file}");
        match &first {
            None => first = Some(set),
            Some(f) => assert_eq!(&set, f, "{file} differs from {}", read[0].0),
        }
        if file.starts_with("trivy-cdx") {
            assert!(inv.packages.iter().all(|p| p.layer.as_ref().map(|l| l.index) == Some(0)), "{file}: layers");
        }
    }
}
