//! `plimsoll verify-blob`: verify a Sigstore bundle over a file or a digest, offline. The
//! arguments follow the Sigstore conformance CLI protocol (and Cosign's `verify-blob` names).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use plimsoll::sigstore::{self as ss, Artifact, GithubClaims, IdentityPolicy, Matcher, Policy, PublicKey, RootChoice};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("signer").required(true).args(["key", "certificate_identity", "certificate_identity_regexp"])))]
pub struct VerifyBlobArgs {
    /// The Sigstore bundle (`.sigstore.json`).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    #[command(flatten)]
    pub identity: IdentityArgs,
    /// GitHub Actions claims that must match exactly: repository (owner/repo).
    #[arg(long, value_name = "REPO")]
    pub certificate_github_workflow_repository: Option<String>,
    /// ... the git ref (refs/heads/main).
    #[arg(long, value_name = "REF")]
    pub certificate_github_workflow_ref: Option<String>,
    /// ... the workflow name.
    #[arg(long, value_name = "NAME")]
    pub certificate_github_workflow_name: Option<String>,
    /// ... the triggering event (push, workflow_dispatch, ...).
    #[arg(long, value_name = "EVENT")]
    pub certificate_github_workflow_trigger: Option<String>,
    /// ... the commit SHA.
    #[arg(long, value_name = "SHA")]
    pub certificate_github_workflow_sha: Option<String>,
    /// Verify with this PEM public key instead of a certificate identity (managed-key bundles).
    #[arg(long, value_name = "KEY")]
    pub key: Option<PathBuf>,
    /// A trusted_root.json to use instead of the built-in Sigstore production root (it wins
    /// over --staging, as the conformance protocol may pass both).
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Use the built-in Sigstore staging root.
    #[arg(long)]
    pub staging: bool,
    /// The artifact: a file, or `sha256:<hex>` (a DSSE bundle's in-toto subject, or the signed blob).
    #[arg(value_name = "FILE_OR_DIGEST")]
    pub artifact: String,
}

pub fn run_verify_blob(args: VerifyBlobArgs) -> Result<ExitCode> {
    let VerifyBlobArgs {
        bundle,
        identity,
        certificate_github_workflow_repository,
        certificate_github_workflow_ref,
        certificate_github_workflow_name,
        certificate_github_workflow_trigger,
        certificate_github_workflow_sha,
        key,
        trusted_root,
        staging,
        artifact,
    } = args;

    let policy = match key {
        Some(path) => {
            let pem = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            Policy::Key(
                PublicKey::from_pem(&pem).with_context(|| format!("{} is not a PEM public key", path.display()))?,
            )
        }
        None => Policy::Identity(identity.policy(GithubClaims {
            repository: certificate_github_workflow_repository,
            git_ref: certificate_github_workflow_ref,
            workflow: certificate_github_workflow_name,
            trigger: certificate_github_workflow_trigger,
            sha: certificate_github_workflow_sha,
        })?),
    };
    let root_json = match &trusted_root {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?),
        None => None,
    };
    let root = match (&root_json, staging) {
        (Some(json), _) => RootChoice::Json(json),
        (None, true) => RootChoice::Staging,
        (None, false) => RootChoice::Production,
    };
    let bundle_json = std::fs::read(&bundle).with_context(|| format!("cannot read {}", bundle.display()))?;
    let artifact = load_artifact(&artifact)?;

    let mut stderr = std::io::stderr().lock();
    match ss::verify_blob(&bundle_json, root, &artifact, &policy) {
        Ok(v) => {
            let who = v.identity.as_ref().map_or_else(
                || "the given key".to_string(),
                |id| format!("{} ({})", id.sans.join(", "), id.issuer().unwrap_or("no issuer")),
            );
            writeln!(stderr, "Verified OK: signed by {who}; log entries {:?}", v.log_indexes)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            writeln!(stderr, "error: verification failed: {e}")?;
            Ok(ExitCode::from(1))
        }
    }
}

/// The keyless signer: certificate identity and OIDC issuer, each exact or as a regular
/// expression (Cosign's flag names). Shared by `verify-blob`, `verify` and `verify-attestation`,
/// whose own `--key` these conflict with.
#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// Keyless: the signer identity (certificate SAN: an email or a workflow URI), matched exactly.
    #[arg(long, value_name = "ID", conflicts_with = "key")]
    pub certificate_identity: Option<String>,
    /// Keyless: the signer identity as a regular expression (must match the whole SAN).
    #[arg(long, value_name = "REGEX", conflicts_with_all = ["key", "certificate_identity"])]
    pub certificate_identity_regexp: Option<String>,
    /// Keyless: the OIDC issuer (Fulcio extension), matched exactly.
    #[arg(long, value_name = "URL", conflicts_with = "key")]
    pub certificate_oidc_issuer: Option<String>,
    /// Keyless: the OIDC issuer as a regular expression (must match the whole value).
    #[arg(long, value_name = "REGEX", conflicts_with_all = ["key", "certificate_oidc_issuer"])]
    pub certificate_oidc_issuer_regexp: Option<String>,
}

impl IdentityArgs {
    /// The identity policy these flags ask for, with `github` claims on top.
    pub(crate) fn policy(self, github: GithubClaims) -> Result<IdentityPolicy> {
        Ok(IdentityPolicy {
            identity: matcher(self.certificate_identity, self.certificate_identity_regexp, "--certificate-identity")?,
            issuer: matcher(
                self.certificate_oidc_issuer,
                self.certificate_oidc_issuer_regexp,
                "--certificate-oidc-issuer",
            )?,
            github,
        })
    }
}

fn matcher(exact: Option<String>, regex: Option<String>, flag: &str) -> Result<Matcher> {
    match (exact, regex) {
        (Some(e), None) => Ok(Matcher::Exact(e)),
        (None, Some(r)) => {
            Matcher::regex(&r).with_context(|| format!("{flag}-regexp is not a valid regular expression"))
        }
        _ => bail!("{flag} (or {flag}-regexp) is required unless --key is given"),
    }
}

/// `sha256:<64 hex>` that is not a file on disk is a digest; anything else is a path
/// (the conformance protocol's rule).
fn load_artifact(arg: &str) -> Result<Artifact> {
    if let Some(d) = ss::parse_sha256(arg).filter(|_| !Path::new(arg).exists()) {
        return Ok(Artifact::from_sha256(d));
    }
    let bytes = std::fs::read(arg).with_context(|| format!("cannot read the artifact {arg}"))?;
    Ok(Artifact::from_bytes(bytes))
}
