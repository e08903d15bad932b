//! Gradle dependency lock state: `gradle.lockfile` (and `buildscript-gradle.lockfile`), lines
//! `group:artifact:version=configuration,...` (Gradle 6+), and the older per-configuration
//! `gradle/dependency-locks/<configuration>.lockfile` with bare `group:artifact:version` lines.
//! A dependency locked only in test configurations (`testCompileClasspath`, ...) is dev.

use plimsoll_model::PackageKind;

use super::{file_name, package, parent_name, text, Collector, LOCKFILE_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct GradleLockfile;

impl Analyzer for GradleLockfile {
    fn name(&self) -> &'static str {
        "gradle-lockfile"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        let name = file_name(path);
        name == "gradle.lockfile"
            || name == "buildscript-gradle.lockfile"
            || (name.ends_with(".lockfile") && parent_name(path) == Some("dependency-locks"))
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let text = text(path, content)?;
        // Per-configuration files are named after their configuration.
        let file_config =
            file_name(path).strip_suffix(".lockfile").filter(|_| parent_name(path) == Some("dependency-locks"));
        let mut c = Collector::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
                continue;
            }
            let (coords, configs) = line.split_once('=').unwrap_or((line, file_config.unwrap_or("")));
            let mut parts = coords.trim().split(':');
            let (Some(group), Some(artifact), Some(version), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                c.warn(format!("line {}: `{line}` is not group:artifact:version", i + 1));
                continue;
            };
            if group.is_empty() || artifact.is_empty() || version.is_empty() {
                c.warn(format!("line {}: `{line}` is not group:artifact:version", i + 1));
                continue;
            }
            let mut p = package(PackageKind::Maven, &format!("{group}:{artifact}"), version, path);
            let mut configs = configs.split(',').map(str::trim).filter(|s| !s.is_empty()).peekable();
            p.dev = configs.peek().is_some() && configs.all(|cfg| cfg.starts_with("test"));
            c.push(p);
        }
        c.finish(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_test_configurations() {
        let lock = b"# This is a Gradle generated file for dependency locking.\n\
cglib:cglib-nodep:2.1.2=testRuntimeClasspath,classpath\n\
junit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath\n \
org.springframework:spring-asm:3.1.3.RELEASE=classpath\n\
org.springframework:spring-beans:5.0.5.RELEASE=compileClasspath, runtimeClasspath\n \
# io.grpc:grpc-api:1.21.1=classpath\nbroken=x\nempty=\n";
        let f = GradleLockfile.analyze("gradle.lockfile", lock).unwrap();
        let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dev)).collect();
        assert_eq!(
            got,
            [
                ("cglib:cglib-nodep", "2.1.2", false),
                ("junit:junit", "4.13.2", true),
                ("org.springframework:spring-asm", "3.1.3.RELEASE", false),
                ("org.springframework:spring-beans", "5.0.5.RELEASE", false),
            ]
        );
        assert_eq!(f.warnings.len(), 1);
    }

    #[test]
    fn per_configuration_files() {
        let a = GradleLockfile;
        assert!(a.wants("proj/gradle/dependency-locks/testRuntimeClasspath.lockfile"));
        assert!(!a.wants("proj/other.lockfile"));
        let f = a.analyze("gradle/dependency-locks/testRuntimeClasspath.lockfile", b"junit:junit:4.12\n").unwrap();
        assert!(f.packages[0].dev);
    }
}
