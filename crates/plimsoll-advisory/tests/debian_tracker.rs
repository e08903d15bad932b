//! The Debian security tracker JSON converter on vunnel's real sample export
//! (`../shared/fixtures/vunnel-fixtures/.../debian/test-fixtures/input/debian.json`), loaded
//! through format detection like any other advisory file.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

use plimsoll_advisory::load::load;
use plimsoll_advisory::model::Advisory;
use plimsoll_model::Severity;

fn sample() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/vunnel-fixtures/tests/unit/providers/debian/test-fixtures/input/debian.json");
    if p.is_file() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

/// (ecosystem, package, fixed version, severity) of each affected entry.
fn entries(a: &Advisory) -> Vec<(String, String, Option<String>, Option<Severity>)> {
    a.affected
        .iter()
        .map(|x| {
            let fixed = x.ranges.iter().flat_map(|r| r.events.iter()).find_map(|e| match e {
                plimsoll_advisory::range::Event::Fixed(v) => Some(v.clone()),
                _ => None,
            });
            (x.ecosystem.clone(), x.name.clone(), fixed, x.severity_label)
        })
        .collect()
}

fn owned(
    v: &[(&str, &str, Option<&str>, Option<Severity>)],
) -> Vec<(String, String, Option<String>, Option<Severity>)> {
    v.iter().map(|(e, n, f, s)| (e.to_string(), n.to_string(), f.map(str::to_owned), *s)).collect()
}

#[test]
fn vunnel_sample_export() {
    let Some(path) = sample() else { return };
    assert_eq!(
        plimsoll_advisory::load::detect(&path, &std::fs::read_to_string(&path).unwrap()).map(|c| c.name),
        Ok("debian-tracker")
    );
    let loaded = load(&[path]).expect("load");
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let ids: Vec<&str> = loaded.advisories.iter().map(|a| a.id.as_str()).collect();
    // CVE-2007-2383 (prototypejs) is `fixed_version: "0"` in every release: never affected;
    // CVE-2022-0358 (chromium-browser) has `"releases": []`.
    assert_eq!(ids, ["CVE-2005-3111", "CVE-2008-7220", "CVE-2013-1444", "CVE-2022-0456", "CVE-2025-53603"]);
    let get = |id: &str| loaded.advisories.iter().find(|a| a.id == id).unwrap();

    // Releases come in code-name order; `sid` has no release number and is dropped; `high**`
    // is High.
    let proto = get("CVE-2008-7220");
    assert_eq!(
        entries(proto),
        owned(&[
            ("Debian:10", "prototypejs", Some("1.6.0.2-1"), Some(Severity::High)),
            ("Debian:8", "prototypejs", Some("1.6.0.2-1"), Some(Severity::High)),
            ("Debian:9", "prototypejs", Some("1.6.0.2-1"), Some(Severity::High)),
        ])
    );
    assert!(proto.details.as_deref().unwrap().starts_with("Unspecified vulnerability in Prototype"));
    assert!(proto.references.iter().any(|r| r.url == "https://bugs.debian.org/555217"));

    // Open with end-of-life urgency in buster and stretch: affected, no fix, no severity.
    let chromium = get("CVE-2022-0456");
    assert_eq!(
        entries(chromium),
        owned(&[
            ("Debian:12", "chromium", Some("98.0.4758.80-1"), Some(Severity::Unknown)),
            ("Debian:11", "chromium", Some("98.0.4758.80-1~deb11u1"), Some(Severity::Unknown)),
            ("Debian:10", "chromium", None, None),
            ("Debian:9", "chromium", None, None),
        ])
    );
    let bullseye = &chromium.affected[1];
    // The versions the sample's repositories list: bullseye vulnerable, bullseye-security fixed.
    assert!(bullseye.affects("90.0.4430.212-1").unwrap());
    assert!(!bullseye.affects("98.0.4758.102-1~deb11u1").unwrap());
    assert!(chromium.affected[2].affects("90.0.4430.212-1~deb10u1").unwrap());

    let sope = get("CVE-2025-53603");
    assert_eq!(
        entries(sope).iter().map(|(e, _, f, _)| (e.as_str(), f.as_deref())).collect::<Vec<_>>(),
        [
            ("Debian:12", Some("5.8.0-1+deb12u1")),
            ("Debian:11", Some("5.0.1-2+deb11u1")),
            ("Debian:13", Some("5.12.1-2"))
        ]
    );
    assert!(sope.affected[0].affects("5.8.0-1").unwrap());
    assert!(!sope.affected[0].affects("5.8.0-1+deb12u1").unwrap());

    assert_eq!(get("CVE-2013-1444").affected[0].severity_label, Some(Severity::Low), "low**");
    assert_eq!(get("CVE-2005-3111").affected[0].severity_label, Some(Severity::Medium));
    assert_eq!(loaded.sources[0].files.get("debian-tracker"), Some(&1));
}
