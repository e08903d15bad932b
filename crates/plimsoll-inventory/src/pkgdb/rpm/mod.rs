//! rpm: sqlite `rpmdb.sqlite`, Berkeley DB `Packages`, NDB `Packages.db`. (Placeholder: being written.)

use crate::{AnalyzeError, Analyzer, Facts};

pub struct RpmDatabase;

impl Analyzer for RpmDatabase {
    fn name(&self) -> &'static str {
        "rpmdb"
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
