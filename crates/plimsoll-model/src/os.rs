/// The distribution family, which decides the package database, the version ordering and the
/// advisory namespace. Several `ID`s map to one family (e.g. `rocky` and `almalinux` are RHEL
/// rebuilds, but keep their own advisories, so they stay separate families).
///
/// A key into the distribution table ([`crate::distro::DISTROS`]): the families are not a closed
/// enum, so that adding a distribution is one file in [`crate::distro`] plus one line. The
/// built-in families are constants (`OsFamily::Debian`), declared next to their spec. Serialised
/// as the key (`debian`, `almalinux`); deserialising accepts the built-in keys and `unknown`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OsFamily(&'static str);

#[allow(non_upper_case_globals)]
impl OsFamily {
    /// An OS no table entry recognises.
    pub const Unknown: OsFamily = OsFamily("unknown");

    /// A family key: lowercase, kebab-case.
    pub const fn new(key: &'static str) -> Self {
        OsFamily(key)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Debug for OsFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::fmt::Display for OsFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl serde::Serialize for OsFamily {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for OsFamily {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if key == OsFamily::Unknown.0 {
            return Ok(OsFamily::Unknown);
        }
        crate::distro::DistroTable::builtin()
            .family_from_key(&key)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown OS family `{key}`")))
    }
}

/// What `etc/os-release` (or the distro's own release file) says about the image's OS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OsRelease {
    pub family: OsFamily,
    /// `ID` from os-release, lowercase (e.g. `debian`, `sles`, `mariner`).
    pub id: String,
    /// `VERSION_ID`, or the release file's version (e.g. `12`, `3.14.3`, `8.9`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (e.g. `bookworm`), where known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub codename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pretty_name: Option<String>,
    /// The file the facts were read from, relative to the root (e.g. `etc/os-release`).
    pub source_path: String,
}

impl OsFamily {
    /// The purl namespace / `distro` qualifier prefix used for this family's packages
    /// (purl-spec type definitions for deb, apk and rpm), from the distribution table.
    pub fn purl_namespace(self) -> &'static str {
        crate::distro::DistroTable::builtin().get(self).map_or("unknown", |d| d.purl_namespace)
    }
}
