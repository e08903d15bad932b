//! `plimsoll admission check` (the webhook's decision for manifests on disk) and
//! `plimsoll admission serve` (the webhook) and `plimsoll admission certs`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use plimsoll_admission::{manifest, serve, Admission, AdmissionPolicy};

#[derive(Debug, Args)]
pub struct AdmissionArgs {
    #[command(subcommand)]
    command: AdmissionCommand,
}

#[derive(Debug, Subcommand)]
enum AdmissionCommand {
    /// Decide the workloads of manifest files as the webhook would (exit 1 on a denial).
    #[command(after_help = "\
Signature checks (verifyImages) still need the registry; everything else is offline.

Examples:
  plimsoll admission check --policy policy.yaml deploy/app.yaml
  plimsoll admission check --policy policy.yaml --namespace prod k8s/*.yaml")]
    Check(CheckArgs),
    /// Run the admission webhook: HTTPS, `POST /validate`, `POST /mutate`, `GET /healthz`, `/readyz`.
    #[command(after_help = "\
Examples:
  plimsoll admission serve --policy /etc/plimsoll/policy.yaml --listen 0.0.0.0:8443 \\
      --tls-cert /tls/tls.crt --tls-key /tls/tls.key")]
    Serve(ServeArgs),
    /// Write a CA and a serving certificate for the webhook's Service (no cert-manager needed).
    #[command(after_help = "\
Writes ca.crt, tls.crt, tls.key and caBundle (paste into the webhook configurations) into DIR.

Examples:
  plimsoll admission certs --service plimsoll-admission --namespace plimsoll-system --out tls/
  kubectl -n plimsoll-system create secret tls plimsoll-admission-tls --cert tls/tls.crt --key tls/tls.key")]
    Certs(CertsArgs),
}

#[derive(Debug, Args)]
struct CertsArgs {
    /// The webhook's Service name.
    #[arg(long, default_value = "plimsoll-admission")]
    service: String,
    /// The Service's namespace.
    #[arg(long, default_value = "plimsoll-system")]
    namespace: String,
    /// Directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The AdmissionPolicy file (`plimsoll.dev/v1alpha1`).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    listen: std::net::SocketAddr,
    /// Serving certificate chain (PEM).
    #[arg(long, value_name = "FILE")]
    tls_cert: PathBuf,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE")]
    tls_key: PathBuf,
    /// Time budget of each review, in seconds; past it the answer is a denial (fail closed).
    /// Keep it under the webhook configuration's `timeoutSeconds` (at most 10).
    #[arg(long, value_name = "SECONDS", default_value_t = 8)]
    deadline: u64,
    #[command(flatten)]
    registry: crate::sign_cmds::RegistryArgs,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The AdmissionPolicy file (`plimsoll.dev/v1alpha1`).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Namespace of objects that name none (as `kubectl apply -n`).
    #[arg(long, short = 'n', default_value = "default")]
    namespace: String,
    /// Time budget of each object's decision, in seconds (the webhook's review deadline).
    #[arg(long, value_name = "SECONDS", default_value_t = 8)]
    deadline: u64,
    #[command(flatten)]
    registry: crate::sign_cmds::RegistryArgs,
    /// Manifest files (YAML or JSON, multi-document).
    #[arg(required = true, value_name = "MANIFEST")]
    manifests: Vec<PathBuf>,
}

pub fn run_admission(args: AdmissionArgs) -> Result<ExitCode> {
    match args.command {
        AdmissionCommand::Check(a) => check(a),
        AdmissionCommand::Serve(a) => serve(a),
        AdmissionCommand::Certs(a) => certs(a),
    }
}

fn certs(args: CertsArgs) -> Result<ExitCode> {
    let CertsArgs { service, namespace, out } = args;
    let files = plimsoll_admission::certs::write_certs(&service, &namespace, &out)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "wrote {}, {}, {}", files.ca.display(), files.cert.display(), files.key.display())?;
    writeln!(stdout, "serving names: {}", files.names.join(", "))?;
    writeln!(stdout, "caBundle (for the webhook configurations): {}", files.ca_bundle.display())?;
    Ok(ExitCode::SUCCESS)
}

fn serve(args: ServeArgs) -> Result<ExitCode> {
    let ServeArgs { policy, listen, tls_cert, tls_key, deadline, registry } = args;
    let policy = AdmissionPolicy::load(&policy)?;
    let mut admission = Admission::new(policy);
    admission.deadline = Duration::from_secs(deadline);
    anyhow::ensure!(registry.timeout.is_none(), "--timeout does not apply to `serve`; use --deadline (per review)");
    admission.registry = registry.options()?;
    let tls = serve::Tls::load(&tls_cert, &tls_key)?;
    let running = serve::start(listen, tls, std::sync::Arc::new(admission))?;
    let _ = writeln!(std::io::stderr().lock(), "plimsoll admission webhook listening on https://{}", running.addr);
    running.wait();
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let CheckArgs { policy, namespace, deadline, registry, manifests } = args;
    let policy = AdmissionPolicy::load(&policy)?;
    let mut admission = Admission::new(policy);
    admission.deadline = Duration::from_secs(deadline);
    admission.registry = registry.options()?;
    let mut out = std::io::stdout().lock();
    let mut denied = 0usize;
    for path in &manifests {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        for obj in manifest::objects(&text, &path.display().to_string())? {
            let ns = obj.pointer("/metadata/namespace").and_then(|v| v.as_str()).unwrap_or(&namespace).to_owned();
            let name = obj.pointer("/metadata/name").and_then(|v| v.as_str()).unwrap_or("<unnamed>");
            let kind = obj.get("kind").and_then(|v| v.as_str()).unwrap_or("");
            let d = admission.decide(&obj, &ns);
            let what = format!("{}: {kind}/{ns}/{name}", path.display());
            if d.allowed {
                writeln!(out, "ALLOWED {what}")?;
                for w in &d.warnings {
                    writeln!(out, "  warning: {w}")?;
                }
            } else {
                denied += 1;
                writeln!(out, "DENIED  {what}")?;
                for reason in &d.denials {
                    writeln!(out, "  {reason}")?;
                }
            }
        }
    }
    out.flush()?;
    Ok(if denied > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
