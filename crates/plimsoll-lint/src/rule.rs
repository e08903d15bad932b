//! The rule type, the `declare_rule!` macro every rule file uses, and what a check reports.

use plimsoll_model::Severity;

use crate::compose::ComposeFile;
use crate::docker::{ContainerInput, DaemonInput};
use crate::dockerfile::DockerfileCtx;
use crate::host::HostInput;
use crate::image::ImageConfigInput;
use crate::k8s::K8sSet;

/// Which kind of input a rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    Dockerfile,
    Kubernetes,
    ImageConfig,
    Compose,
    /// Node files (`plimsoll host`): Docker and Kubernetes configuration on a host.
    Host,
    /// A live container, from the Docker Engine API.
    DockerContainer,
    /// A live Docker daemon.
    DockerDaemon,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Dockerfile => "dockerfile",
            RuleKind::Kubernetes => "kubernetes",
            RuleKind::ImageConfig => "image-config",
            RuleKind::Compose => "compose",
            RuleKind::Host => "host",
            RuleKind::DockerContainer => "docker-container",
            RuleKind::DockerDaemon => "docker-daemon",
        }
    }
}

/// The check function, by input kind.
#[derive(Clone, Copy)]
pub enum Check {
    Dockerfile(fn(&DockerfileCtx, &mut Vec<Hit>)),
    /// Kubernetes rules see every object of the run (NetworkPolicy coverage spans files).
    Kubernetes(fn(&K8sSet, &mut Vec<Hit>)),
    ImageConfig(fn(&ImageConfigInput, &mut Vec<Hit>)),
    Compose(fn(&ComposeFile, &mut Vec<Hit>)),
    /// Host rules see every node file read (hits name the file with [`Hit::file`]).
    Host(fn(&HostInput, &mut Vec<Hit>)),
    DockerContainer(fn(&ContainerInput, &mut Vec<Hit>)),
    DockerDaemon(fn(&DaemonInput, &mut Vec<Hit>)),
}

/// A rule: stable code, metadata, user documentation and its check.
pub struct Rule {
    /// Stable code (`PL-DF-001`); never renamed or reused.
    pub code: &'static str,
    /// snake_case name, also the rule file's name.
    pub name: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// hadolint DL ids, CIS Docker Benchmark sections, PSS controls, checkov ids.
    pub references: &'static [&'static str],
    /// Markdown: what it does, why it matters, how to fix (from the rule's doc comment).
    pub doc: &'static str,
    /// An input the rule must flag (shown in the docs; a generic test checks it fires).
    pub bad: &'static str,
    /// The fixed input (a generic test checks the rule stays quiet).
    pub good: &'static str,
    /// The rule judges a *set* of files that is deployed together (NetworkPolicy coverage), so
    /// it means nothing on files that are not such a set (manifests found inside an image).
    /// Declared on the rule with `set_wide: true,`.
    pub set_wide: bool,
    pub(crate) check: Check,
}

/// `set_wide: true` in [`declare_rule!`], else false.
#[doc(hidden)]
pub const fn flag(given: &[bool]) -> bool {
    matches!(given, [true])
}

/// Public name of a registry entry.
pub type RuleInfo = Rule;

impl Rule {
    pub fn kind(&self) -> RuleKind {
        match self.check {
            Check::Dockerfile(_) => RuleKind::Dockerfile,
            Check::Kubernetes(_) => RuleKind::Kubernetes,
            Check::ImageConfig(_) => RuleKind::ImageConfig,
            Check::Compose(_) => RuleKind::Compose,
            Check::Host(_) => RuleKind::Host,
            Check::DockerContainer(_) => RuleKind::DockerContainer,
            Check::DockerDaemon(_) => RuleKind::DockerDaemon,
        }
    }

    /// Relative link to the generated documentation page.
    pub fn doc_path(&self) -> String {
        format!("docs/rules/{}.md", self.code)
    }

    /// The doc comment with the leading space rustdoc keeps on each line removed.
    pub fn doc_text(&self) -> String {
        self.doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n").trim().to_string()
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("code", &self.code).field("title", &self.title).finish()
    }
}

/// One violation as a check reports it; the engine adds rule metadata, file and suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub line: u32,
    pub end_line: u32,
    /// 1-based, 0 when unknown.
    pub column: u32,
    pub message: String,
    pub resource: Option<String>,
    /// For Kubernetes sets and host inputs: index of the file in the run.
    pub file: Option<usize>,
}

impl Hit {
    pub fn new(line: u32, end_line: u32, message: impl Into<String>) -> Hit {
        Hit { line, end_line: end_line.max(line), column: 0, message: message.into(), resource: None, file: None }
    }

    /// A hit spanning a Dockerfile instruction.
    pub fn at(inst: &crate::dockerfile::Instruction, message: impl Into<String>) -> Hit {
        Hit::new(inst.line, inst.end_line, message)
    }
}

/// Declares `pub static RULE` from a doc comment and fields; the doc comment becomes the user
/// documentation, so it cannot drift away from the code.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        code: $code:literal,
        title: $title:literal,
        severity: $sev:ident,
        references: [$($r:literal),* $(,)?],
        bad: $bad:expr,
        good: $good:expr,
        $(set_wide: $set_wide:literal,)?
        check: $kind:ident($check:path) $(,)?
    ) => {
        /// The rule's registry entry.
        pub static RULE: $crate::rule::Rule = $crate::rule::Rule {
            code: $code,
            name: {
                const P: &str = module_path!();
                const_rsplit(P)
            },
            title: $title,
            severity: plimsoll_model::Severity::$sev,
            references: &[$($r),*],
            doc: concat!($($doc, "\n"),+),
            bad: $bad,
            good: $good,
            set_wide: $crate::rule::flag(&[$($set_wide)?]),
            check: $crate::rule::Check::$kind($check),
        };

        /// The last `::` component of a module path, at compile time.
        const fn const_rsplit(p: &'static str) -> &'static str {
            let b = p.as_bytes();
            let mut i = b.len();
            while i > 0 {
                if b[i - 1] == b':' {
                    break;
                }
                i -= 1;
            }
            let (_, tail) = b.split_at(i);
            match std::str::from_utf8(tail) {
                Ok(s) => s,
                Err(_) => p,
            }
        }
    };
}
pub(crate) use declare_rule;
