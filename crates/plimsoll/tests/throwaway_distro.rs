//! Adding a distribution is one spec plus one line in the table (issue 11): this test adds a
//! throwaway one, `plimtest`, in this file only, and shows it detected from an os-release,
//! matched against an advisory filed under its namespace, and reported as covered.

use plimsoll_advisory::{coverage::coverage_with, query::match_packages_with, Database};
use plimsoll_inventory::os_release::parse_os_release_with;
use plimsoll_model::distro::{major, AdvisoryFeed, DistroSpec, DistroTable, NameKey, DISTROS};
use plimsoll_model::{OsFamily, OsRelease, Package, PackageKind};

/// The whole distribution: a dpkg-based one whose advisories are filed as `Plimtest:<major>` and
/// name source packages.
static PLIMTEST: DistroSpec = DistroSpec {
    family: OsFamily::new("plimtest"),
    name: "Plimtest Linux",
    ids: &["plimtest"],
    release_files: &[],
    release_line_names: &[],
    package_kind: PackageKind::Dpkg,
    purl_namespace: "plimtest",
    advisory: Some(AdvisoryFeed {
        ecosystem: "Plimtest",
        namespace: |os: &OsRelease| Some(format!("Plimtest:{}", major(os.version_id.as_deref()?)?)),
        names: NameKey::Source,
    }),
    end_of_life: &[("1", "2030-01-31")],
};

#[test]
fn a_distribution_added_through_the_table_is_detected_and_matched() {
    // The one line: the built-in table plus the new entry.
    let specs: Vec<&DistroSpec> = DISTROS.iter().copied().chain([&PLIMTEST]).collect();
    let table = DistroTable::new(&specs);

    let os_release = "NAME=\"Plimtest Linux\"\nID=plimtest\nID_LIKE=debian\nVERSION_ID=\"1.4\"\n";
    // Without the entry, `ID_LIKE=debian` makes it Debian; with it, it is itself.
    let builtin = parse_os_release_with(&DistroTable::builtin(), "etc/os-release", os_release).unwrap().unwrap();
    assert_eq!(builtin.family, OsFamily::Debian);
    let os = parse_os_release_with(&table, "etc/os-release", os_release).unwrap().unwrap();
    assert_eq!(os.family, PLIMTEST.family);
    assert_eq!(PLIMTEST.advisory_namespace(&os).as_deref(), Some("Plimtest:1"));
    assert_eq!(PLIMTEST.end_of_life(&os), Some("2030-01-31"));

    // One OSV advisory under the new namespace, keyed by the source package.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("PLIM-2026-1.json"),
        r#"{"id": "PLIM-2026-1", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2026-0001"],
            "affected": [{"package": {"ecosystem": "Plimtest:1", "name": "openssl"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.2-1"}]}]}]}"#,
    )
    .unwrap();
    let db_path = dir.path().join("adv.db");
    Database::build(&[dir.path().to_owned()], &db_path).unwrap();
    let db = Database::open(&db_path).unwrap();

    let mut old = Package::new(PackageKind::Dpkg, "libssl3", "3.0.1-1", "var/lib/dpkg/status");
    old.source_name = Some("openssl".into());
    let mut new = Package::new(PackageKind::Dpkg, "libssl3", "3.0.2-1", "var/lib/dpkg/status");
    new.source_name = Some("openssl".into());
    // dpkg ordering (the package manager's): 3.0.1-1 < 3.0.2-1 is affected, 3.0.2-1 is fixed.
    let out = match_packages_with(&table, &db, Some(&os), &[old, new.clone()]).unwrap();
    assert_eq!(out.vulnerabilities.len(), 1, "{:?}", out.diagnostics);
    let v = &out.vulnerabilities[0];
    assert_eq!((v.id.as_str(), v.package_version.as_str()), ("CVE-2026-0001", "3.0.1-1"));
    assert_eq!(v.fixed_version.as_deref(), Some("3.0.2-1"));

    // The built-in table does not know it: nothing matched, and the skip is a diagnostic.
    let out = match_packages_with(&DistroTable::builtin(), &db, Some(&os), &[new.clone()]).unwrap();
    assert!(out.vulnerabilities.is_empty() && !out.diagnostics.is_empty());

    let cov = coverage_with(&table, &db.info().unwrap(), "adv.db", Some(&os), &[new]);
    let t = &cov.targets[0];
    assert_eq!((t.name.as_str(), t.namespace.as_deref(), t.covered), ("Plimtest Linux 1.4", Some("Plimtest:1"), true));
    assert_eq!(t.end_of_life.as_deref(), Some("2030-01-31"));
}
