//! Combining per-layer facts into the image's inventory.
//!
//! Package databases are rewritten whole by each layer that changes them, so the *final*
//! package list is what the database files visible in the final filesystem say. The layer
//! that introduced a package is the lowest layer whose databases already listed the same
//! package at the same version (Trivy and Syft attribute the same way): a layer that upgrades
//! a package becomes its origin, a layer that merely rewrites the database does not.
//!
//! A language package is identified by the file that declares it (`found_in`) as well as its
//! name and version: the same `lodash 4.17.21` in Debian's `/usr/share/nodejs` and in an app's
//! `node_modules` are two installations, with their own layers and purls. Only a language package
//! whose declaring file an OS package installed (its file list names that exact path) is dropped,
//! because the OS package already reports it.

use std::collections::{BTreeMap, HashMap, HashSet};

use plimsoll_model::{LayerRef, OsRelease, Package, PackageKind};

use crate::{os_release, Facts};

/// The facts of one layer (or of a directory scan, as layer 0), one entry per analysed file.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerFacts {
    pub files: Vec<(String, Facts)>,
}

/// The image's OS and packages, each package tied to its origin layer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
    /// Every file an OS package database says it installed (relative paths). Secret scanning
    /// skips these by default: they are the main source of false positives.
    pub os_files: HashSet<String>,
}

/// What identifies one installation across layers: an OS package by kind, name and architecture
/// (its database file may move, e.g. rpm's BDB to SQLite); a language package also by the file
/// declaring it and its version, so that copies elsewhere never stand in for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct PkgKey {
    kind: PackageKind,
    name: String,
    arch: Option<String>,
    found_in: Option<(String, String)>,
}

fn key(p: &Package) -> PkgKey {
    PkgKey {
        kind: p.kind,
        name: p.name.clone(),
        arch: p.arch.clone(),
        found_in: (!p.kind.is_os()).then(|| (p.found_in.clone(), p.version.clone())),
    }
}

/// Builds the inventory from each layer's facts (index = layer index, bottom first).
///
/// `visible(layer, path)` says whether the file `path` as written by `layer` survives in the
/// final filesystem (not deleted by a whiteout nor overwritten by a later layer).
/// `layer_refs[i]` is attached to packages whose origin is layer `i`; pass an empty slice for a
/// directory scan.
pub fn assemble(layers: &[LayerFacts], visible: impl Fn(usize, &str) -> bool, layer_refs: &[LayerRef]) -> Inventory {
    // Origin layer of each (package, version), scanning layers bottom-up.
    let mut origin: HashMap<PkgKey, (String, usize)> = HashMap::new();
    for (idx, layer) in layers.iter().enumerate() {
        for (_, facts) in &layer.files {
            for p in &facts.packages {
                match origin.get(&key(p)) {
                    Some((v, _)) if *v == p.version => {}
                    _ => {
                        origin.insert(key(p), (p.version.clone(), idx));
                    }
                }
            }
        }
    }

    let mut os_candidates: Vec<(u8, usize, &OsRelease)> = Vec::new();
    let mut final_pkgs: BTreeMap<(PkgKey, String), Package> = BTreeMap::new();
    let mut file_lists: HashMap<(PackageKind, &str), Vec<String>> = HashMap::new();
    let mut license_lists: HashMap<(PackageKind, &str), &[String]> = HashMap::new();
    for (idx, layer) in layers.iter().enumerate() {
        for (path, facts) in &layer.files {
            if !visible(idx, path) {
                continue;
            }
            if let Some(os) = &facts.os {
                os_candidates.push((os_release::priority(path), idx, os));
            }
            for f in &facts.installed_files {
                file_lists.entry((f.kind, f.package.as_str())).or_default().extend(f.files.iter().cloned());
            }
            for l in &facts.licenses {
                license_lists.insert((l.kind, l.package.as_str()), &l.licenses);
            }
            for p in &facts.packages {
                let mut p = p.clone();
                if let Some((v, origin_idx)) = origin.get(&key(&p)) {
                    if *v == p.version {
                        p.layer = layer_refs.get(*origin_idx).cloned();
                    } else {
                        p.layer = layer_refs.get(idx).cloned();
                    }
                }
                final_pkgs.entry((key(&p), p.version.clone())).or_insert(p);
            }
        }
    }

    let mut packages: Vec<Package> = final_pkgs.into_values().collect();
    // The key orders by declaring file first; reports read best by name.
    packages.sort_by(|a, b| {
        (a.kind, &a.name, &a.version, &a.arch, &a.found_in).cmp(&(b.kind, &b.name, &b.version, &b.arch, &b.found_in))
    });
    for p in &mut packages {
        if p.files.is_empty() {
            if let Some(files) = file_lists.get(&(p.kind, p.name.as_str())) {
                p.files = files.clone();
            }
        }
        // Licences from the package database itself (apk, rpm) take precedence.
        if p.licenses.is_empty() {
            if let Some(licenses) = license_lists.get(&(p.kind, p.name.as_str())) {
                p.licenses = licenses.to_vec();
            }
        }
    }

    // A language package whose metadata file an OS package installed (Debian's python3-yaml
    // ships PyYAML's METADATA) is reported once, as the OS package: that is what its advisories
    // and its updates follow. Decided per declaring file, by exact path: a copy of the same name
    // and version anywhere else is the application's own and stays.
    let os_files: HashSet<String> =
        packages.iter().filter(|p| p.kind.is_os()).flat_map(|p| p.files.iter().cloned()).collect();
    packages.retain(|p| p.kind.is_os() || !os_files.contains(&p.found_in));

    Inventory { os: pick_os(os_candidates), packages, os_files }
}

/// The best-ranked OS fact wins; gaps (codename, version) are filled from the others of the
/// same distribution, e.g. Debian's `debian_version` refines os-release's `VERSION_ID`.
fn pick_os(mut candidates: Vec<(u8, usize, &OsRelease)>) -> Option<OsRelease> {
    // Lower priority value is better; among equals, the higher layer wins.
    candidates.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let (_, _, best) = candidates.first()?;
    let mut os = (*best).clone();
    for (_, _, other) in &candidates[1..] {
        if other.family != os.family {
            continue;
        }
        if os.codename.is_none() {
            os.codename.clone_from(&other.codename);
        }
        if os.version_id.is_none() {
            os.version_id.clone_from(&other.version_id);
        }
        if os.pretty_name.is_none() {
            os.pretty_name.clone_from(&other.pretty_name);
        }
    }
    Some(os)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plimsoll_model::PackageKind;

    fn pkg(name: &str, version: &str) -> Package {
        let mut p = Package::new(PackageKind::Dpkg, name, version, "var/lib/dpkg/status");
        p.arch = Some("amd64".into());
        p
    }

    fn layer(pkgs: Vec<Package>) -> LayerFacts {
        LayerFacts { files: vec![("var/lib/dpkg/status".into(), Facts { packages: pkgs, ..Facts::default() })] }
    }

    fn refs(n: usize) -> Vec<LayerRef> {
        (0..n).map(|index| LayerRef { index, digest: None, diff_id: None, created_by: None }).collect()
    }

    #[test]
    fn origin_is_first_layer_with_same_version() {
        let layers =
            vec![layer(vec![pkg("a", "1"), pkg("b", "1")]), layer(vec![pkg("a", "1"), pkg("b", "2"), pkg("c", "1")])];
        // Layer 1 rewrote the status file, so layer 0's copy is no longer visible.
        let inv = assemble(&layers, |l, _| l == 1, &refs(2));
        let got: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.layer.as_ref().unwrap().index))
            .collect();
        assert_eq!(got, vec![("a", "1", 0), ("b", "2", 1), ("c", "1", 1)]);
    }

    #[test]
    fn deleted_database_yields_no_packages() {
        let layers = vec![layer(vec![pkg("a", "1")]), LayerFacts::default()];
        let inv = assemble(&layers, |_, _| false, &refs(2));
        assert!(inv.packages.is_empty());
    }

    #[test]
    fn language_package_installed_by_os_package_is_reported_once() {
        let mut deb = pkg("python3-yaml", "6.0-3");
        deb.files = vec!["usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA".into()];
        let mut l = layer(vec![deb]);
        let py = Package::new(
            PackageKind::Python,
            "PyYAML",
            "6.0",
            "usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA",
        );
        let app = Package::new(PackageKind::Python, "requests", "2.19.0", "app/requirements.txt");
        l.files.push(("x".into(), Facts { packages: vec![py, app], ..Facts::default() }));
        let inv = assemble(&[l], |_, _| true, &[]);
        let names: Vec<_> = inv.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["python3-yaml", "requests"]);
        assert!(inv.os_files.contains("usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA"));
    }

    #[test]
    fn file_lists_attach_to_packages() {
        let mut l = layer(vec![pkg("a", "1")]);
        l.files.push((
            "var/lib/dpkg/info/a.list".into(),
            Facts {
                installed_files: vec![crate::InstalledFiles {
                    kind: PackageKind::Dpkg,
                    package: "a".into(),
                    files: vec!["usr/bin/a".into()],
                }],
                ..Facts::default()
            },
        ));
        let inv = assemble(&[l], |_, _| true, &[]);
        assert_eq!(inv.packages[0].files, vec!["usr/bin/a".to_string()]);
        assert!(inv.packages[0].layer.is_none());
    }

    #[test]
    fn licenses_attach_to_packages_without_their_own() {
        let mut own = pkg("b", "1");
        own.licenses = vec!["MIT".into()];
        let mut l = layer(vec![pkg("a", "1"), own, pkg("c", "1")]);
        for name in ["a", "b", "c", "no-such-package"] {
            l.files.push((
                format!("usr/share/doc/{name}/copyright"),
                Facts {
                    licenses: vec![crate::PackageLicenses {
                        kind: PackageKind::Dpkg,
                        package: name.into(),
                        licenses: vec!["GPL-2+".into()],
                    }],
                    ..Facts::default()
                },
            ));
        }
        let inv = assemble(&[l], |_, path| !path.contains("/a/"), &[]);
        let got: Vec<_> = inv.packages.iter().map(|p| (p.name.as_str(), p.licenses.clone())).collect();
        // a's copyright file was deleted; b keeps the licence its database declared.
        let gpl = vec!["GPL-2+".to_string()];
        assert_eq!(got, vec![("a", vec![]), ("b", vec!["MIT".to_string()]), ("c", gpl)]);
    }
}
