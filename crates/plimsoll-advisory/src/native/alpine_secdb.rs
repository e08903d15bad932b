//! Alpine secdb (`secdb.alpinelinux.org`, and the legacy `alpine-secdb` repository): one YAML
//! file per release branch and repository, listing for each *origin* package the version that
//! fixed each CVE.
//!
//! ```yaml
//! distroversion: v3.10
//! packages:
//!   - pkg:
//!       name: ansible
//!       secfixes:
//!         2.8.4-r0:
//!           - CVE-2019-10206
//! ```
//!
//! Each (CVE, package, release) becomes an affected entry `Alpine:v3.10` / `ansible` with the
//! range `[0, 2.8.4-r0)`; one advisory per CVE (merged across files by the loader). A fix
//! version of `0` means "never affected in Alpine" and yields nothing.

use std::collections::BTreeMap;

use super::{advisory, ConvertError};
use crate::model::{Advisory, Affected};
use crate::range::{Range, RangeKind};

#[derive(serde::Deserialize)]
struct SecDb {
    #[serde(default)]
    distroversion: String,
    /// `packages:` may be empty (null) in a repository without fixes.
    #[serde(default)]
    packages: Option<Vec<PackageEntry>>,
}

#[derive(serde::Deserialize)]
struct PackageEntry {
    pkg: Pkg,
}

#[derive(serde::Deserialize)]
struct Pkg {
    name: String,
    #[serde(default)]
    secfixes: Option<BTreeMap<String, Option<Vec<Option<String>>>>>,
}

/// Converts one secdb YAML file.
pub fn convert(text: &str) -> Result<Vec<Advisory>, ConvertError> {
    let db: SecDb = serde_saphyr::from_str(text).map_err(|e| ConvertError::syntax("Alpine secdb YAML", &e))?;
    let release = db.distroversion.trim();
    if !release.starts_with('v') || release.len() < 2 {
        return Err(ConvertError::Invalid(format!("distroversion {release:?} is not like v3.10")));
    }
    let ecosystem = format!("Alpine:{release}");
    // CVE -> affected entries, in a stable order.
    let mut by_id: BTreeMap<String, Vec<Affected>> = BTreeMap::new();
    for entry in db.packages.unwrap_or_default() {
        let name = entry.pkg.name.trim().to_owned();
        if name.is_empty() {
            continue;
        }
        for (fixed, ids) in entry.pkg.secfixes.unwrap_or_default() {
            let fixed = fixed.trim();
            if fixed == "0" || fixed.is_empty() {
                continue;
            }
            for id in ids.unwrap_or_default().into_iter().flatten() {
                // Entries sometimes carry several ids or a trailing comment.
                for id in id.split_whitespace().take_while(|t| !t.starts_with('#')) {
                    by_id.entry(id.to_owned()).or_default().push(Affected {
                        ecosystem: ecosystem.clone(),
                        name: name.clone(),
                        purl: None,
                        ranges: vec![Range::introduced_fixed(RangeKind::Ecosystem, "0", Some(fixed))],
                        versions: Vec::new(),
                        severity: Vec::new(),
                        severity_label: None,
                    });
                }
            }
        }
    }
    Ok(by_id
        .into_iter()
        .map(|(id, affected)| {
            let mut a = advisory(&id);
            a.affected = affected;
            a
        })
        .collect())
}

/// Alpine secdb YAML (`v3.19/main.yaml`).
pub static CONVERTER: crate::load::Converter = crate::load::Converter {
    name: "alpine-secdb",
    detect: |c| {
        let keys = c.top_keys();
        let yes = matches!(c.ext, "yaml" | "yml") && keys.contains(&"distroversion") && keys.contains(&"packages");
        if yes {
            crate::load::Claim::Yes
        } else {
            crate::load::Claim::No
        }
    },
    convert: |c| convert(c.text).map_err(|e| e.to_string()),
};

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"---
distroversion: v3.10
reponame: main
archs:
  - x86_64
packages:
  - pkg:
      name: ansible
      secfixes:
        2.8.4-r0:
          - CVE-2019-10206
          - CVE-2019-10217
        2.8.2-r0:
          - CVE-2019-10156
  - pkg:
      name: xen
      secfixes:
        "0":
          - CVE-2010-0001
        4.12.1-r0:
          - XSA-297 CVE-2019-11091
  - pkg:
      name: empty
      secfixes:
"#;

    #[test]
    fn converts_secfixes() {
        let advisories = convert(SAMPLE).unwrap();
        let ids: Vec<&str> = advisories.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["CVE-2019-10156", "CVE-2019-10206", "CVE-2019-10217", "CVE-2019-11091", "XSA-297"]);
        let a = &advisories[1];
        assert_eq!(a.affected[0].ecosystem, "Alpine:v3.10");
        assert_eq!(a.affected[0].name, "ansible");
        assert!(a.affected[0].affects("2.8.3-r0").unwrap());
        assert!(!a.affected[0].affects("2.8.4-r0").unwrap());
    }

    #[test]
    fn rejects_garbage() {
        assert!(convert("distroversion: 3.10\npackages: []\n").is_err());
        assert!(convert("packages: [[[").is_err());
        assert!(convert("distroversion: v3.3\npackages:\n").unwrap().is_empty(), "null packages");
    }
}
