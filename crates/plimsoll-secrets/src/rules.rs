//! The built-in rule catalogue and path allowlist.
//!
//! Each rule is one TOML file in `rules/`, named after its id and listed once in [`RULE_FILES`].
//! Rules are data rather than Rust because user rules in a config file use the very same schema
//! (one parser, one set of checks), the examples sit next to the pattern they test, and
//! `docs/secrets.md` is generated from the same files.
//!
//! Order matters: when two specific rules report the same bytes, the one listed first stays, so
//! token formats (which name the service) come before credential-file rules (which name the
//! file), and JWTs and private keys come last.

use crate::spec::RuleSpec;
use crate::SecretsError;

macro_rules! rule_files {
    ($($id:literal),* $(,)?) => {
        /// `(file name, TOML text)` of every built-in rule, in precedence order.
        pub const RULE_FILES: &[(&str, &str)] = &[$((concat!($id, ".toml"), include_str!(concat!("../rules/", $id, ".toml")))),*];
    };
}

rule_files![
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
    "gcp-service-account",
    "gcp-api-key",
    "azure-storage-connection-string",
    "azure-storage-account-key",
    "azure-sas-token",
    "azure-ad-client-secret",
    "github-pat",
    "github-oauth",
    "github-app-token",
    "github-refresh-token",
    "github-fine-grained-pat",
    "gitlab-pat",
    "gitlab-deploy-token",
    "gitlab-runner-token",
    "gitlab-trigger-token",
    "gitlab-token",
    "slack-bot-token",
    "slack-user-token",
    "slack-app-token",
    "slack-legacy-token",
    "slack-webhook-url",
    "discord-webhook-url",
    "telegram-bot-token",
    "stripe-secret-key",
    "stripe-restricted-key",
    "twilio-api-key",
    "twilio-auth-token",
    "sendgrid-api-key",
    "npm-access-token",
    "pypi-upload-token",
    "dockerhub-pat",
    "huggingface-token",
    "openai-api-key",
    "anthropic-api-key",
    "hashicorp-vault-token",
    "digitalocean-token",
    "shopify-token",
    "age-secret-key",
    "databricks-token",
    "database-url-password",
    "npmrc-auth",
    "pypirc-password",
    "git-credentials",
    "docker-config-auth",
    "netrc-password",
    "kubeconfig-client-key",
    "kubeconfig-token",
    "htpasswd-hash",
    "shadow-password-hash",
    "private-key-base64",
    "jwt",
    "private-key",
    "putty-private-key",
    "generic-password",
    "generic-secret",
];

/// A built-in allowlist entry: files whose path matches are not scanned, or, when `secret` is
/// set, only secrets matching it are dropped in those files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinAllow {
    pub id: &'static str,
    pub path: &'static str,
    pub secret: Option<&'static str>,
    pub why: &'static str,
}

/// Third-party package trees inside an image: language package directories and caches.
macro_rules! third_party {
    () => {
        r"(?:^|/)(?:node_modules|site-packages|dist-packages|vendor|third[_-]party|gems|pkg/mod|\.cargo/registry)/"
    };
}

/// Skipped by default (`builtin_allowlist = false` scans them). Deliberately narrower than Trivy's
/// list (which skips every path containing `test` or `example`, and all of `usr/lib`): an
/// application's own `tests/` or `examples/` can hold real credentials, so only documentation and
/// the test and example data of *third-party* code are skipped. Files owned by OS packages are the
/// pipeline's business (it knows the package database).
pub const BUILTIN_ALLOWLIST: &[BuiltinAllow] = &[
    BuiltinAllow {
        id: "system-docs",
        path: r"(?:^|/)usr/share/(?:doc|man|info|locale|licenses|common-licenses|help|gtk-doc)/",
        secret: None,
        why: "documentation, manual pages, licences and translations",
    },
    BuiltinAllow {
        id: "python-dist-info",
        path: r"\.(?:dist|egg)-info/",
        secret: None,
        why: "Python package metadata (the README is copied into METADATA, with its example tokens)",
    },
    BuiltinAllow {
        id: "python-stdlib-tests",
        path: r"(?:^|/)lib/python[0-9.]+/(?:.+/)?(?:tests?|idle_test)/",
        secret: None,
        why: "CPython's own test suite (`lib/python3.x/test/certdata` holds test keys)",
    },
    BuiltinAllow {
        id: "third-party-tests",
        path: concat!(
            third_party!(),
            r"(?:.+/)?(?:tests?|__tests__|spec|specs|testdata|test_data|fixtures|examples?|docs?)/|",
            third_party!(),
            r".+/(?:[^/]+_test\.[a-z]+|test_[^/]+\.py|[^/]+\.(?:test|spec)\.[cm]?[jt]sx?)$"
        ),
        secret: None,
        why: "test files and directories, fixtures, examples and docs inside installed third-party packages",
    },
    BuiltinAllow {
        id: "third-party-examples",
        path: concat!(third_party!(), r".+/examples?[-_.][^/]*$|", third_party!(), r".+\.(?:md|markdown|rst)$"),
        secret: None,
        why: "example data files (botocore's `examples-1.json`) and READMEs of installed third-party packages",
    },
    BuiltinAllow {
        id: "go-tests",
        path: r"(?:^|/)(?:usr/local/go|usr/lib/go[^/]*|pkg/mod)/.*(?:_test\.go$|/testdata/)",
        secret: None,
        why: "the Go toolchain's and Go modules' test files (crypto/tls and x509 tests embed keys)",
    },
    BuiltinAllow {
        id: "third-party-documented-examples",
        path: third_party!(),
        secret: Some(
            r"EXAMPLE|^(?:2YotnFZFEjr1zCsicMWpAA|tGzv3JOkF0XG5Qx2TlKWIA|SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c)$",
        ),
        why: "documented example credentials inside third-party packages: AWS's (`AKIAIOSFODNN7EXAMPLE`, \
              `...EXAMPLEKEY`, in botocore and moto), RFC 6749's OAuth tokens (oauthlib) and jwt.io's sample \
              signature; outside third-party packages they are still reported",
    },
];

/// Parses every built-in rule file. A failure is a bug in the catalogue, which the crate's tests
/// catch; it is still returned as an error rather than a panic.
pub fn builtin_specs() -> Result<Vec<(&'static str, RuleSpec)>, SecretsError> {
    RULE_FILES
        .iter()
        .map(|(file, text)| {
            toml::from_str::<RuleSpec>(text)
                .map(|spec| (*file, spec))
                .map_err(|e| SecretsError::Config { origin: format!("built-in rules/{file}"), message: e.to_string() })
        })
        .collect()
}

/// The rule reference (`docs/secrets.md`), generated from the catalogue.
pub fn catalogue_markdown() -> Result<String, SecretsError> {
    use std::fmt::Write as _;
    let specs = builtin_specs()?;
    let mut s = String::new();
    let _ = writeln!(s, "# Secret rules\n");
    let _ = writeln!(
        s,
        "<!-- Generated from crates/plimsoll-secrets/rules/*.toml by the `docs_are_current` test: \
         run `PLIMSOLL_BLESS=1 cargo test -p plimsoll-secrets --test catalogue` after editing a rule. -->\n"
    );
    let _ = writeln!(
        s,
        "plimsoll ships {} secret rules. Each is one TOML file in `crates/plimsoll-secrets/rules/` with its own \
         examples that must and must not match. Ids are stable: use them in `disabled_rules` and ignore files.\n",
        specs.len()
    );
    let _ = writeln!(s, "| id | title | severity | keywords |");
    let _ = writeln!(s, "|---|---|---|---|");
    for (_, r) in &specs {
        let kws: Vec<String> = r.keywords.iter().map(|k| format!("`{}`", k.replace('|', "\\|"))).collect();
        let _ = writeln!(
            s,
            "| [`{}`](#{}) | {} | {} | {} |",
            r.id,
            r.id,
            r.title,
            severity_name(r.severity),
            kws.join(" ")
        );
    }
    let _ = writeln!(s);
    for (_, r) in &specs {
        let _ = writeln!(s, "## {}\n", r.id);
        let _ = writeln!(s, "**{}** ({})\n", r.title, severity_name(r.severity));
        let _ = writeln!(s, "{}\n", r.description.trim().replace('\n', " "));
        let mut notes = Vec::new();
        if let Some(p) = &r.path {
            notes.push(format!("only files matching `{p}`"));
        }
        if !r.file_contains.is_empty() {
            notes.push(format!("only files containing {}", quote_list(&r.file_contains)));
        }
        if let Some(e) = r.entropy {
            notes.push(format!("entropy at least {e} bits/byte"));
        }
        if !r.validate.is_empty() {
            let v: Vec<&str> = r.validate.iter().map(|v| v.name()).collect();
            notes.push(format!("checks: {}", v.join(", ")));
        }
        if let Some(p) = &r.pair {
            notes.push(format!("paired with `{}` within {} lines", p.rule, p.max_lines));
        }
        if r.generic {
            notes.push("generic: yields to specific rules".to_owned());
        }
        if !notes.is_empty() {
            let _ = writeln!(s, "- {}\n", notes.join("; "));
        }
    }
    let _ = writeln!(s, "## Configuration\n");
    let _ = writeln!(
        s,
        "A TOML file adds rules (same schema as the built-in ones; their examples are checked when the \
         scanner is built), disables rules, and allowlists paths and secrets:\n\n```toml\n{}\n```\n",
        crate::config::example_config()
    );
    let _ = writeln!(s, "## Built-in allowlist\n");
    let _ = writeln!(
        s,
        "Files matching a path regex are not scanned; where a secret regex is given, only matching secrets are \
         dropped in those files. Set `builtin_allowlist = false` in the secrets config to turn the list off.\n"
    );
    let _ = writeln!(s, "| id | path regex | secret regex | why |");
    let _ = writeln!(s, "|---|---|---|---|");
    for a in BUILTIN_ALLOWLIST {
        let secret = a.secret.map(|r| format!("`{}`", r.replace('|', "\\|"))).unwrap_or_else(|| "(all)".into());
        let _ = writeln!(s, "| `{}` | `{}` | {} | {} |", a.id, a.path.replace('|', "\\|"), secret, a.why);
    }
    Ok(s)
}

fn severity_name(s: plimsoll_model::Severity) -> &'static str {
    use plimsoll_model::Severity;
    match s {
        Severity::Unknown => "UNKNOWN",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

fn quote_list(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
