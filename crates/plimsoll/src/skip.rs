//! `--skip-dirs` and `--skip-files`, as Trivy spells them: glob patterns over paths relative to
//! the scanned root (an image's `/`, or the directory given). A directory pattern skips every
//! file below a directory it matches; a file pattern skips the files it matches. Patterns
//! follow the `glob` crate (`*` and `?` within one component, `**` across components, `[...]`);
//! a leading `/` or `./` is ignored so that `/usr/share/doc` and `usr/share/doc` mean the same.

use crate::Error;

/// Compiled skip patterns.
#[derive(Debug, Clone, Default)]
pub struct SkipPaths {
    dirs: Vec<glob::Pattern>,
    files: Vec<glob::Pattern>,
}

/// Why a path was skipped: the pattern, and the directory or file it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub pattern: String,
    /// The directory (for `--skip-dirs`) or the file (for `--skip-files`) the pattern matched.
    pub matched: String,
    pub dir: bool,
}

fn trim(p: &str) -> &str {
    let p = p.trim();
    let p = p.strip_prefix("./").unwrap_or(p);
    let p = p.trim_start_matches('/');
    p.trim_end_matches('/')
}

fn compile(patterns: &[String], flag: &'static str) -> Result<Vec<glob::Pattern>, Error> {
    patterns
        .iter()
        .map(|p| trim(p))
        .filter(|p| !p.is_empty())
        .map(|p| {
            glob::Pattern::new(p).map_err(|e| Error::SkipPattern { flag, pattern: p.to_owned(), reason: e.to_string() })
        })
        .collect()
}

/// Paths match component-wise: `*` never crosses a `/`.
const MATCH: glob::MatchOptions =
    glob::MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: false };

impl SkipPaths {
    /// Compiles `--skip-dirs` and `--skip-files` patterns; an invalid pattern is an error naming
    /// the flag.
    pub fn new(dirs: &[String], files: &[String]) -> Result<SkipPaths, Error> {
        Ok(SkipPaths { dirs: compile(dirs, "--skip-dirs")?, files: compile(files, "--skip-files")? })
    }

    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty() && self.files.is_empty()
    }

    /// What skips the file at `path` (relative, `/`-separated), if anything: a directory
    /// pattern matching one of its parent directories (the outermost first), else a file
    /// pattern matching the path.
    pub fn matches(&self, path: &str) -> Option<Skipped> {
        let path = trim(path);
        if !self.dirs.is_empty() {
            for (i, _) in path.match_indices('/') {
                let dir = &path[..i];
                if let Some(p) = self.dirs.iter().find(|p| p.matches_with(dir, MATCH)) {
                    return Some(Skipped { pattern: p.as_str().to_owned(), matched: dir.to_owned(), dir: true });
                }
            }
        }
        self.files.iter().find(|p| p.matches_with(path, MATCH)).map(|p| Skipped {
            pattern: p.as_str().to_owned(),
            matched: path.to_owned(),
            dir: false,
        })
    }

    /// For the layer cache key: a layer scanned with other patterns saw other files.
    pub fn fingerprint(&self) -> String {
        let list = |v: &[glob::Pattern]| v.iter().map(|p| p.as_str().to_owned()).collect::<Vec<_>>().join("\u{0}");
        format!("dirs={};files={}", list(&self.dirs), list(&self.files))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(dirs: &[&str], files: &[&str]) -> SkipPaths {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        SkipPaths::new(&s(dirs), &s(files)).unwrap()
    }

    #[test]
    fn directories_skip_everything_below_them() {
        let s = skip(&["/usr/share/doc", "node_modules", "**/testdata"], &[]);
        assert_eq!(s.matches("usr/share/doc/a/copyright").unwrap().matched, "usr/share/doc");
        assert!(s.matches("usr/share/docs/x").is_none());
        assert!(s.matches("usr/share/doc").is_none(), "a file named like the directory is not below it");
        assert_eq!(s.matches("node_modules/lodash/package.json").unwrap().matched, "node_modules");
        assert!(s.matches("app/node_modules/x.json").is_none(), "anchored at the root");
        assert_eq!(s.matches("src/pkg/testdata/key.pem").unwrap().matched, "src/pkg/testdata");
    }

    #[test]
    fn files_match_whole_paths_component_wise() {
        let s = skip(&[], &["*.pem", "**/*.key", "app/?.txt"]);
        assert!(s.matches("a.pem").is_some());
        assert!(s.matches("certs/a.pem").is_none(), "`*` does not cross `/`");
        assert!(s.matches("deep/er/x.key").is_some());
        assert!(s.matches("app/a.txt").is_some());
        assert!(s.matches("app/ab.txt").is_none());
        assert!(SkipPaths::new(&[], &["[".into()]).is_err());
        assert!(skip(&[], &[]).is_empty());
    }
}
