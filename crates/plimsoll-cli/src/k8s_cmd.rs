//! `plimsoll k8s`: the arguments and the per-namespace summary; the audit itself is
//! [`plimsoll::k8s::audit_cluster`].

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use plimsoll::k8s::{K8sAudit, K8sOptions, KubeLimits, NamespaceSummary};
use plimsoll_report::{Format, RenderOptions};

use crate::cli::CommonArgs;
use crate::commands::{exit, resolve_settings, stdout_color, write_output};

#[derive(Debug, Args)]
pub struct K8sArgs {
    /// Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: its current-context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Audit one namespace (ClusterRoles, ClusterRoleBindings and nodes are still read).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// With --exit-code, do not fail (exit code 3) when the credentials may not list some
    /// resource type (403); the report still names each as a warning.
    #[arg(long)]
    pub allow_forbidden: bool,
    /// Deadline of each API request, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub request_timeout: u64,
    /// Also pull and scan every image the workloads run, once per digest (the pod status
    /// imageID when reported, else the spec image), with the registry options below. An image
    /// that cannot be pulled makes the audit incomplete (exit code 3 with --exit-code).
    #[arg(long)]
    pub scan_images: bool,
    #[command(flatten)]
    pub registry: crate::sign_cmds::RegistryArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run_k8s(args: K8sArgs) -> Result<ExitCode> {
    let K8sArgs { kubeconfig, context, namespace, allow_forbidden, request_timeout, scan_images, registry, common } =
        args;
    // Node versions against advisories, workloads and RBAC against the rules; no files to
    // search for secrets.
    let settings = resolve_settings(common, &["vuln", "misconfig"], false)?;
    let opts = K8sOptions {
        kubeconfig,
        context,
        namespace,
        allow_forbidden,
        limits: KubeLimits { request_timeout: Duration::from_secs(request_timeout.max(1)), ..KubeLimits::default() },
        images: if scan_images {
            Some(plimsoll::image::OpenOptions { registry: registry.options()?, ..Default::default() })
        } else {
            None
        },
    };
    let audit = plimsoll::k8s::audit_cluster(&opts, &settings.scan, &settings.policy)?;
    for w in &audit.warnings {
        eprintln!("WARNING: {w}");
    }
    let mut out = Vec::new();
    let render = if settings.output.is_none() {
        let terminal_width = console::Term::stdout().size_checked().map(|(_rows, cols)| usize::from(cols));
        RenderOptions { color: stdout_color(), terminal_width, ..RenderOptions::default() }
    } else {
        RenderOptions::default()
    };
    if settings.format == Format::Table {
        write_summary(&audit, &mut out)?;
        write_images(&audit, &mut out)?;
    }
    if settings.format == Format::Json && scan_images {
        // The report, plus which workloads run each image and what was found in it.
        let mut json = Vec::new();
        plimsoll_report::render(&audit.scanned.report, settings.format, &mut json, &render)?;
        let mut value: serde_json::Value = serde_json::from_slice(&json)?;
        value["images"] = serde_json::to_value(&audit.images)?;
        serde_json::to_writer_pretty(&mut out, &value)?;
        out.push(b'\n');
    } else {
        plimsoll_report::render(&audit.scanned.report, settings.format, &mut out, &render)?;
    }
    write_output(&out, &settings)?;
    Ok(exit(&audit.scanned, &settings))
}

/// One section per scanned image: the workloads running it and its vulnerabilities.
fn write_images(audit: &K8sAudit, w: &mut impl Write) -> Result<()> {
    for i in &audit.images {
        writeln!(w, "Image {}", i.reference)?;
        writeln!(w, "  run by: {}", i.workloads.join(", "))?;
        if let Some(e) = &i.error {
            writeln!(w, "  NOT SCANNED: {e}")?;
        } else if i.vulnerabilities.is_empty() {
            writeln!(w, "  {} packages, no vulnerabilities", i.packages)?;
        } else {
            writeln!(w, "  {} packages, {} vulnerabilities:", i.packages, i.vulnerabilities.len())?;
            for v in &i.vulnerabilities {
                let fixed = v.fixed_version.as_deref().unwrap_or("-");
                writeln!(
                    w,
                    "    {:<20} {:<8} {} {} (fixed: {fixed})",
                    v.id,
                    format!("{:?}", v.severity).to_uppercase(),
                    v.package_name,
                    v.package_version
                )?;
            }
        }
        writeln!(w)?;
    }
    Ok(())
}

/// The per-namespace table that heads the table output.
fn write_summary(audit: &K8sAudit, w: &mut impl Write) -> Result<()> {
    writeln!(w, "Cluster {} ({})", audit.context, audit.server)?;
    if !audit.forbidden.is_empty() {
        writeln!(w, "Not audited (403 forbidden): {}", audit.forbidden.join(", "))?;
    }
    let width = audit.namespaces.iter().map(|n| n.namespace.len()).max().unwrap_or(0).max("NAMESPACE".len());
    writeln!(
        w,
        "{:<width$}  {:>9}  {:>5}  {:>7}  {:>8}  {:>4}  {:>6}  {:>3}",
        "NAMESPACE", "WORKLOADS", "PODS", "NETPOLS", "CRITICAL", "HIGH", "MEDIUM", "LOW"
    )?;
    for n in &audit.namespaces {
        let NamespaceSummary { namespace, workloads, pods, network_policies, critical, high, medium, low, unknown: _ } =
            n;
        let netpols = if n.no_network_policy() { "none".to_owned() } else { network_policies.to_string() };
        writeln!(
            w,
            "{namespace:<width$}  {workloads:>9}  {pods:>5}  {netpols:>7}  {critical:>8}  {high:>4}  {medium:>6}  {low:>3}"
        )?;
    }
    writeln!(w)?;
    Ok(())
}
