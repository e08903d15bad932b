//! Registry and signing commands: `key generate`, `sign`, `verify`, `attest`,
//! `verify-attestation`, `resolve`. Formats are Cosign's (see `plimsoll-sign`).

use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use plimsoll::image::registry::{self, Client, Credentials, RegistryOptions, RegistryRef};
use plimsoll::image::ImageRef;
use plimsoll::sign::{cosign, SigningKey, VerifyingKey};
use plimsoll::sigstore::{self as ss, attached};

/// How to reach a registry; flattened into every command that talks to one.
#[derive(Debug, Args, Default)]
pub struct RegistryArgs {
    /// Allow plain HTTP and TLS certificates that do not verify.
    #[arg(long)]
    pub insecure: bool,
    /// Extra CA certificate(s) (PEM) to trust besides the system roots.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub ca_files: Vec<PathBuf>,
    /// Registry user. The password comes from PLIMSOLL_REGISTRY_PASSWORD, else PLIMSOLL_PASSWORD, or
    /// --password-stdin. Without a user, ~/.docker/config.json (and its credential helpers) is used.
    #[arg(long, env = "PLIMSOLL_USERNAME", value_name = "USER")]
    pub username: Option<String>,
    /// Read the registry password from standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// Keep downloaded blobs (verified) in DIR, keyed by digest.
    #[arg(long, value_name = "DIR")]
    pub blob_cache: Option<PathBuf>,
    /// Give up after SECONDS in all: registry requests (each also has its own deadline) and,
    /// for `image`, the whole scan (exit code 2).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Send credentials to a token service on a host unrelated to the registry's.
    #[arg(long)]
    pub trust_token_realm: bool,
}

impl RegistryArgs {
    pub fn options(self) -> Result<RegistryOptions> {
        let RegistryArgs { insecure, ca_files, username, password_stdin, blob_cache, timeout, trust_token_realm } =
            self;
        let deadline = timeout.map(|s| std::time::Instant::now() + std::time::Duration::from_secs(s));
        let credentials = match username {
            Some(username) => {
                let password = if password_stdin {
                    let mut s = String::new();
                    std::io::stdin().take(1 << 16).read_to_string(&mut s).context("cannot read the password")?;
                    s.trim_end_matches(['\r', '\n']).to_owned()
                } else {
                    std::env::var("PLIMSOLL_REGISTRY_PASSWORD")
                        .or_else(|_| std::env::var("PLIMSOLL_PASSWORD"))
                        .context(
                            "--username needs a password: set PLIMSOLL_REGISTRY_PASSWORD or use --password-stdin",
                        )?
                };
                Some(Credentials { username, password })
            }
            None if password_stdin => bail!("--password-stdin needs --username"),
            None => None,
        };
        Ok(RegistryOptions {
            insecure,
            ca_files,
            credentials,
            no_docker_config: false,
            blob_cache,
            net: Default::default(),
            deadline,
            trust_token_realm,
        })
    }
}

#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub command: KeyCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate an ECDSA P-256 key pair in Cosign's format: NAME.key (encrypted, mode 0600) and NAME.pub.
    Generate(KeyGenerateArgs),
}

#[derive(Debug, Args)]
pub struct KeyGenerateArgs {
    /// Write NAME.key and NAME.pub. The passphrase is PLIMSOLL_PASSWORD, or asked for.
    #[arg(long, value_name = "NAME", default_value = "cosign")]
    pub output_key_prefix: PathBuf,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// Private key (NAME.key from `plimsoll key generate` or `cosign generate-key-pair`).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Write Cosign v3's layout: a Sigstore bundle (v0.3, DSSE) attached as an OCI 1.1 referrer of
    /// the image (through the referrers API, or the `sha256-<hex>` index where there is none),
    /// instead of the legacy `.sig` tag.
    #[arg(long)]
    pub new_bundle_format: bool,
    /// Registry image: HOST[:PORT]/REPO[:TAG|@DIGEST].
    #[arg(value_name = "IMAGE")]
    pub image: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Who must have signed: a key, or a keyless (Fulcio certificate) identity and issuer.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("signer").required(true).args(["key", "certificate_identity", "certificate_identity_regexp"])))]
pub struct SignerArgs {
    /// Public key (NAME.pub).
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub identity: crate::verify_blob_cmd::IdentityArgs,
    /// A trusted_root.json instead of the built-in Sigstore production root.
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
}

impl SignerArgs {
    fn check(self) -> Result<attached::Check> {
        let SignerArgs { key, identity, trusted_root } = self;
        let root = match &trusted_root {
            Some(p) => {
                let json = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
                ss::TrustedRoot::from_json(&json).with_context(|| format!("{} is not a trusted root", p.display()))?
            }
            None => ss::TrustedRoot::production()?,
        };
        let signer = match key {
            Some(k) => attached::Signer::Key(VerifyingKey::load(&k)?),
            None => attached::Signer::Identity(identity.policy(Default::default())?),
        };
        Ok(attached::Check { signer, root })
    }
}

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum VerifyFormat {
    /// The verified payloads as Cosign prints them (a JSON array; one statement per line for
    /// attestations); where each came from goes to standard error.
    #[default]
    Text,
    /// One JSON array of {layout, location, predicate_type, identity, issuer, payload}.
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  plimsoll verify --key cosign.pub registry.example/app:1.0
  plimsoll verify --certificate-identity-regexp 'https://github.com/org/.*' \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com registry.example/app:1.0

Signatures are looked for in the legacy `sha256-<hex>.sig` tag, through the OCI 1.1 referrers API and in the \
referrers tag-schema index (Cosign v3's layout); each verified one is listed with its layout.")]
pub struct VerifyArgs {
    #[command(flatten)]
    pub signer: SignerArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: VerifyFormat,
    #[arg(value_name = "IMAGE")]
    pub image: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
pub struct AttestArgs {
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// JSON predicate: a plimsoll report, an SBOM (`plimsoll image --format cyclonedx`), ...
    #[arg(long, value_name = "FILE")]
    pub predicate: PathBuf,
    /// Predicate type: a URI, or cyclonedx, spdx, spdxjson, slsaprovenance, vuln, custom.
    #[arg(long = "type", value_name = "TYPE", default_value = "custom")]
    pub predicate_type: String,
    /// Write Cosign v3's layout: a Sigstore bundle attached as an OCI 1.1 referrer.
    #[arg(long)]
    pub new_bundle_format: bool,
    #[arg(value_name = "IMAGE")]
    pub image: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
pub struct VerifyAttestationArgs {
    #[command(flatten)]
    pub signer: SignerArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: VerifyFormat,
    /// Only accept attestations of this predicate type.
    #[arg(long = "type", value_name = "TYPE")]
    pub predicate_type: Option<String>,
    #[arg(value_name = "IMAGE")]
    pub image: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    #[arg(value_name = "IMAGE")]
    pub image: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

pub(crate) fn registry_ref(image: &str) -> Result<RegistryRef> {
    registry_ref_for(image, "signing works on registry images")
}

/// `image` as a registry reference; `need` says in the error why it must be one.
fn registry_ref_for(image: &str, need: &str) -> Result<RegistryRef> {
    // A local file or directory is never a registry reference, whatever it holds.
    if std::path::Path::new(image).exists() {
        bail!("`{image}` is a local path; {need} (HOST[:PORT]/REPO[:TAG|@DIGEST])");
    }
    match ImageRef::parse(image).with_context(|| format!("`{image}` is not an image reference"))? {
        ImageRef::Registry(r) => Ok(r),
        other => bail!("{other} is not a registry image; {need} (HOST[:PORT]/REPO[:TAG|@DIGEST])"),
    }
}

pub(crate) fn connect(r: &RegistryRef, args: RegistryArgs) -> Result<Client> {
    let opts = args.options()?;
    Client::connect(&r.registry, &opts).with_context(|| format!("cannot reach registry {}", r.registry))
}

fn stdout_line(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}")?;
    Ok(out.flush()?)
}

fn stderr_line(s: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{s}");
}

pub fn run_key(args: KeyArgs) -> Result<ExitCode> {
    let KeyCommand::Generate(KeyGenerateArgs { output_key_prefix }) = args.command;
    let pass = passphrase(true)?;
    let (k, p) = plimsoll::sign::generate_key_files(&output_key_prefix, &pass)?;
    stderr_line(&format!("Private key written to {}\nPublic key written to {}", k.display(), p.display()));
    Ok(ExitCode::SUCCESS)
}

pub fn run_sign(args: SignArgs) -> Result<ExitCode> {
    let SignArgs { key, new_bundle_format, image, registry } = args;
    let r = registry_ref(&image)?;
    let pass = passphrase(false)?;
    let key = SigningKey::load(&key, &pass)?;
    let client = connect(&r, registry)?;
    if new_bundle_format {
        let a = attached::sign_bundle(&client, &r, &key).with_context(|| format!("cannot sign {r}"))?;
        stderr_line(&format!("Pushing signature bundle to: {} ({})", a.manifest, a.layout));
        stdout_line(&a.image.to_string())?;
        return Ok(ExitCode::SUCCESS);
    }
    let signed = cosign::sign(&client, &r, &key).with_context(|| format!("cannot sign {r}"))?;
    stderr_line(&format!("Pushing signature to: {}", signed.signature_ref));
    stdout_line(&signed.image.to_string())?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_verify(args: VerifyArgs) -> Result<ExitCode> {
    let VerifyArgs { signer, format, image, registry } = args;
    let r = registry_ref(&image)?;
    let check = signer.check()?;
    let client = connect(&r, registry)?;
    let (digest, found) = attached::verify_attached(&client, &r, &check, &attached::Want::Signatures)?;
    let how = match &check.signer {
        attached::Signer::Key(_) => "verified against the specified public key".to_owned(),
        attached::Signer::Identity(p) => {
            format!("verified against the trusted root, for identity {} and issuer {}", p.identity, p.issuer)
        }
    };
    stderr_line(&format!(
        "Verification for {} --\nThe following checks were performed on each of these signatures:\n  - The signatures \
         were {how}\n  - The signed payload names the image digest {digest}",
        r.with_digest(digest.clone())
    ));
    report_found(&found, format, false)
}

/// Where each verified item came from (standard error in text mode), then the payloads.
fn report_found(found: &[attached::Found], format: VerifyFormat, one_per_line: bool) -> Result<ExitCode> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    match format {
        VerifyFormat::Json => writeln!(out, "{}", serde_json::to_string(found)?)?,
        VerifyFormat::Text => {
            for f in found {
                let who = match (&f.identity, &f.issuer) {
                    (Some(i), Some(iss)) => format!(", signed by {i} ({iss})"),
                    _ => String::new(),
                };
                stderr_line(&format!("Verified: {} at {}{who}", f.layout, f.location));
            }
            if one_per_line {
                for f in found {
                    writeln!(out, "{}", serde_json::to_string(&f.payload)?)?;
                }
            } else {
                // Cosign prints the verified payloads as a JSON array.
                let payloads: Vec<&serde_json::Value> = found.iter().map(|f| &f.payload).collect();
                writeln!(out, "{}", serde_json::to_string(&payloads)?)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_attest(args: AttestArgs) -> Result<ExitCode> {
    let AttestArgs { key, predicate, predicate_type, new_bundle_format, image, registry } = args;
    let r = registry_ref(&image)?;
    let bytes = std::fs::read(&predicate).with_context(|| format!("cannot read {}", predicate.display()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not JSON", predicate.display()))?;
    let pass = passphrase(false)?;
    let key = SigningKey::load(&key, &pass)?;
    let client = connect(&r, registry)?;
    if new_bundle_format {
        let a = attached::attest_bundle(&client, &r, &key, &predicate_type, value)
            .with_context(|| format!("cannot attest {r}"))?;
        stderr_line(&format!("Pushing attestation bundle ({}) to: {} ({})", a.predicate_type, a.manifest, a.layout));
        stdout_line(&a.image.to_string())?;
        return Ok(ExitCode::SUCCESS);
    }
    let att =
        cosign::attest(&client, &r, &key, &predicate_type, value).with_context(|| format!("cannot attest {r}"))?;
    stderr_line(&format!("Pushing attestation ({}) to: {}", att.predicate_type, att.attestation_ref));
    stdout_line(&att.image.to_string())?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_verify_attestation(args: VerifyAttestationArgs) -> Result<ExitCode> {
    let VerifyAttestationArgs { signer, format, predicate_type, image, registry } = args;
    let r = registry_ref(&image)?;
    let check = signer.check()?;
    let client = connect(&r, registry)?;
    let want = attached::Want::Attestations { predicate_type };
    let (digest, found) = attached::verify_attached(&client, &r, &check, &want)?;
    stderr_line(&format!("Verification for {} --", r.with_digest(digest)));
    report_found(&found, format, true)
}

pub fn run_resolve(args: ResolveArgs) -> Result<ExitCode> {
    let ResolveArgs { image, registry } = args;
    let r = registry_ref_for(&image, "resolve needs a registry reference")?;
    let client = connect(&r, registry)?;
    let top = registry::fetch_manifest(&client, &r, 16 << 20).with_context(|| format!("cannot resolve {r}"))?;
    stdout_line(&r.with_digest(top.digest).to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// The key passphrase (see [`plimsoll::sign::read_passphrase`]); without a terminal to ask on,
/// the error names the variable that provides it instead.
fn passphrase(confirm: bool) -> Result<Vec<u8>> {
    plimsoll::sign::read_passphrase(confirm).map_err(|e| match e {
        e @ plimsoll::sign::SignError::Io { .. } => anyhow::Error::new(e)
            .context("cannot ask for the key passphrase (no terminal); set PLIMSOLL_PASSWORD instead"),
        e => e.into(),
    })
}
