//! The limits the linter applies to hostile input, and what it reports when one is hit.
//!
//! A file the linter was asked to check but did not (fully) check is never silent: every limit
//! hit is a typed [`Limit`] inside a [`LintDiagnostic`], which callers put in every output format
//! (a skipped file must not read as a clean one, issue 17).

/// A limit that stopped the linter from checking (all or part of) a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Limit {
    /// The file is larger than the parser accepts.
    #[error("file is {size} bytes, more than the {max} bytes accepted")]
    FileSize { size: usize, max: usize },
    /// Collections nested deeper than the parser accepts.
    #[error("nesting deeper than {max} levels")]
    Depth { max: usize },
    /// More YAML nodes than the parser accepts.
    #[error("more than {max} YAML nodes")]
    Nodes { max: usize },
    /// Aliases (and anchor copies) expand to more nodes than accepted: a "billion laughs" file.
    #[error("aliases expand to more than {max} nodes (alias bomb?)")]
    AliasExpansion { max: usize },
    /// Shell command substitutions (`$(...)`) nested deeper than this in a `RUN`: the inner
    /// commands were not checked.
    #[error("command substitutions nested more than {max} levels deep; the inner commands were not checked")]
    ShellNesting { max: usize },
    /// Kubernetes `List`s nested deeper than this: the inner items were not checked.
    #[error("Kubernetes List nested more than {max} levels deep; its items were not checked")]
    ListNesting { max: usize },
}

/// A limit hit while linting a file: which file, where, and whether the whole file went
/// unchecked or only a part of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: line {line}: not checked: {limit}")]
pub struct LintDiagnostic {
    pub path: String,
    /// 1-based line where the limit was hit (1 for the file as a whole).
    pub line: u32,
    pub limit: Limit,
    /// The whole file went unchecked (else: only the part at `line`).
    pub whole_file: bool,
}
