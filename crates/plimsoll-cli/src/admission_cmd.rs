//! `plimsoll admission check`: the webhook's decision, offline, for manifests on disk.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use plimsoll_admission::{manifest, Admission, AdmissionPolicy};

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
    let AdmissionCommand::Check(CheckArgs { policy, namespace, deadline, registry, manifests }) = args.command;
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
