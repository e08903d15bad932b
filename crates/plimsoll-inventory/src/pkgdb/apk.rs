//! apk: `lib/apk/db/installed`. (Placeholder: being written.)

use crate::{AnalyzeError, Analyzer, Facts};

pub struct ApkInstalled;

impl Analyzer for ApkInstalled {
    fn name(&self) -> &'static str {
        "apk-installed"
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
