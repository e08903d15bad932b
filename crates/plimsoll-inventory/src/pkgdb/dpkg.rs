//! dpkg: `var/lib/dpkg/status`, distroless `var/lib/dpkg/status.d/*`, and `info/*.list`.
//! (Placeholder: being written.)

use crate::{AnalyzeError, Analyzer, Facts};

pub struct DpkgStatus;
pub struct DpkgFileList;

impl Analyzer for DpkgStatus {
    fn name(&self) -> &'static str {
        "dpkg-status"
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

impl Analyzer for DpkgFileList {
    fn name(&self) -> &'static str {
        "dpkg-file-list"
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
