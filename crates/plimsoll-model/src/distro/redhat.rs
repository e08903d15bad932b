//! The Red Hat family and its relatives without an advisory source in plimsoll yet: RHEL,
//! CentOS, Fedora, Oracle Linux, Amazon Linux, and Scientific Linux (a RHEL rebuild without
//! advisories of its own, so it is RHEL).

use super::DistroSpec;
use crate::{OsFamily, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Rhel: OsFamily = OsFamily::new("rhel");
    pub const Centos: OsFamily = OsFamily::new("centos");
    pub const Fedora: OsFamily = OsFamily::new("fedora");
    pub const Oracle: OsFamily = OsFamily::new("oracle");
    pub const Amazon: OsFamily = OsFamily::new("amazon");
}

const fn rpm_distro(
    family: OsFamily,
    name: &'static str,
    ids: &'static [&'static str],
    release_files: &'static [&'static str],
    release_line_names: &'static [(&'static str, &'static str)],
    purl_namespace: &'static str,
) -> DistroSpec {
    DistroSpec {
        family,
        name,
        ids,
        release_files,
        release_line_names,
        package_kind: PackageKind::Rpm,
        purl_namespace,
        advisory: None,
        end_of_life: &[],
    }
}

pub static RHEL: DistroSpec = rpm_distro(
    OsFamily::Rhel,
    "Red Hat Enterprise Linux",
    &["rhel"],
    &[],
    // Scientific Linux is a RHEL rebuild without advisories of its own (its os-release `ID_LIKE`
    // says rhel), so it is RHEL under its own id.
    &[("red hat", "rhel"), ("scientific", "scientific")],
    "redhat",
);
pub static CENTOS: DistroSpec =
    rpm_distro(OsFamily::Centos, "CentOS", &["centos"], &["etc/centos-release"], &[("centos", "centos")], "centos");
pub static FEDORA: DistroSpec =
    rpm_distro(OsFamily::Fedora, "Fedora", &["fedora"], &["etc/fedora-release"], &[("fedora", "fedora")], "fedora");
pub static ORACLE: DistroSpec = rpm_distro(
    OsFamily::Oracle,
    "Oracle Linux",
    &["ol"],
    &["etc/oracle-release"],
    &[("oracle", "ol"), ("enterprise linux", "ol")],
    "oracle",
);
pub static AMAZON: DistroSpec = rpm_distro(
    OsFamily::Amazon,
    "Amazon Linux",
    &["amzn"],
    &["etc/amazon-linux-release"],
    &[("amazon", "amzn")],
    "amazon",
);
