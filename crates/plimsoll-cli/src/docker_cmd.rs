//! `plimsoll docker`: the arguments and the output; the audit itself is
//! [`plimsoll::docker::audit_docker`].

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use plimsoll::docker::{DockerAudit, DockerAuditOptions};
use plimsoll::policy::{self, ExitCodes};
use plimsoll_report::{Format, RenderOptions};

use crate::cli::CommonArgs;
use crate::commands::{coverage_to_stderr, emit, resolve_settings, write_output, ALL_SCANNERS};

#[derive(Debug, Args)]
pub struct DockerArgs {
    /// The engine's API socket: unix:///path/to/docker.sock (a Podman socket works too)
    /// [default: unix:///var/run/docker.sock].
    #[arg(long, env = "DOCKER_HOST", value_name = "URL")]
    pub docker_host: Option<String>,
    /// The daemon's configuration file, for settings the API does not show (e.g. `icc`).
    #[arg(long, value_name = "FILE")]
    pub daemon_config: Option<PathBuf>,
    /// Root of the engine's host filesystem, where its dpkg status tells distribution-packaged
    /// runc/containerd/Docker from upstream builds [default: /].
    #[arg(long, value_name = "DIR")]
    pub host_root: Option<PathBuf>,
    /// Also scan the containers' images, each distinct image once (format table or json).
    #[arg(long)]
    pub scan_images: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run_docker(args: DockerArgs) -> Result<ExitCode> {
    let DockerArgs { docker_host, daemon_config, host_root, scan_images, common } = args;
    let settings = resolve_settings(common, ALL_SCANNERS, !scan_images)?;
    if scan_images && !matches!(settings.format, Format::Table | Format::Json) {
        bail!("--scan-images writes several reports: use --format table or json (or scan each image with `plimsoll image docker:NAME`)");
    }
    let opts = DockerAuditOptions { host: docker_host, daemon_config, host_root, scan_images, ..Default::default() };
    let DockerAudit { engine, images } =
        plimsoll::docker::audit_docker(&opts, &settings.scan, &settings.policy).context("the Docker audit failed")?;
    let mut failed_images = 0;
    if settings.format == Format::Json && scan_images {
        // One document: the engine's report and each image's.
        let mut doc = serde_json::json!({ "engine": to_json(&engine.report)? });
        let mut list = Vec::new();
        for i in &images {
            let mut entry = serde_json::json!({ "image_id": i.image_id, "names": i.names, "containers": i.containers });
            match &i.result {
                Ok(s) => entry["report"] = to_json(&s.report)?,
                Err(e) => {
                    failed_images += 1;
                    entry["error"] = format!("{:#}", clone_err(e)).into();
                }
            }
            list.push(entry);
        }
        doc["images"] = list.into();
        let mut bytes = serde_json::to_vec_pretty(&doc)?;
        bytes.push(b'\n');
        write_output(&bytes, &settings)?;
    } else {
        emit(&engine.report, &settings)?;
        for i in &images {
            match &i.result {
                Ok(s) => emit(&s.report, &settings)?,
                Err(e) => {
                    failed_images += 1;
                    eprintln!("error: image {} ({}): {:#}", i.image_id, i.containers.join(", "), clone_err(e));
                }
            }
        }
    }
    coverage_to_stderr(&engine);
    let mut failed = engine.verdict.failed;
    let mut incomplete = engine.verdict.incomplete;
    for s in images.iter().filter_map(|i| i.result.as_ref().ok()) {
        failed |= s.verdict.failed;
        incomplete |= s.verdict.incomplete;
    }
    let codes = ExitCodes { findings: settings.exit_code, ..ExitCodes::default() };
    std::io::stderr().flush().ok();
    Ok(ExitCode::from(policy::exit_code(codes, failed_images, failed, incomplete)))
}

fn to_json(report: &plimsoll_model::ScanReport) -> Result<serde_json::Value> {
    let mut out = Vec::new();
    plimsoll_report::render(report, Format::Json, &mut out, &RenderOptions::default())?;
    Ok(serde_json::from_slice(&out)?)
}

/// The error's message chain as an owned error (the audit keeps the original).
fn clone_err(e: &plimsoll::Error) -> anyhow::Error {
    let mut chain = vec![e.to_string()];
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        chain.push(s.to_string());
        cur = s.source();
    }
    anyhow::anyhow!(chain.join(": "))
}
