//! OS detection from `etc/os-release`, `usr/lib/os-release` and the distributions' own release
//! files. (Placeholder: being written.)

use crate::{AnalyzeError, Analyzer, Facts};

pub struct OsReleaseAnalyzer;

/// Rank of a release file when several are visible: lower is better.
pub fn priority(path: &str) -> u8 {
    match path {
        "etc/os-release" => 0,
        "usr/lib/os-release" => 1,
        _ => 2,
    }
}

impl Analyzer for OsReleaseAnalyzer {
    fn name(&self) -> &'static str {
        "os-release"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn analyze(&self, _path: &str, _content: &[u8]) -> Result<Facts, AnalyzeError> {
        Ok(Facts::default())
    }
}
