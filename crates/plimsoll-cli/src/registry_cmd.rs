//! `plimsoll registry`: the arguments, a per-image progress bar and the summary output; the scan
//! itself is [`plimsoll::registry::scan_registry`].

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use plimsoll::image::Platform;
use plimsoll::policy::ExitCodes;
use plimsoll::registry::{RegistryProgress, RegistryScanOptions};
use plimsoll_report::{Format, RenderOptions};

use crate::cli::CommonArgs;
use crate::commands::{resolve_settings, stdout_color, ALL_SCANNERS};
use crate::sign_cmds::RegistryArgs;

#[derive(Debug, Args)]
pub struct RegistryScanArgs {
    /// Registry host[:port], or HOST[:PORT]/REPO for one repository.
    #[arg(value_name = "REGISTRY")]
    pub target: String,
    /// Scan only this repository (repeatable) [default: every repository of the catalog].
    #[arg(long = "repo", value_name = "REPO")]
    pub repos: Vec<String>,
    /// Platform to pick from multi-platform images.
    #[arg(long, default_value = "linux/amd64", value_name = "OS/ARCH[/VARIANT]")]
    pub platform: String,
    /// Images scanned at the same time (layers within an image are read in parallel anyway)
    /// [default: 2, or 1 on a single core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: Option<u16>,
    /// With --format json, give each image's counts without its full report.
    #[arg(long)]
    pub counts_only: bool,
    /// Exit with this code when an image cannot be listed, resolved or scanned (tampered blob,
    /// authentication error, ...), after the summary; 0 reports such images without failing.
    #[arg(long, default_value_t = 2, value_name = "CODE")]
    pub error_exit_code: u8,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// A bar on stderr (only on a terminal) following the stages of the registry scan.
struct Bar(ProgressBar);

impl RegistryProgress for Bar {
    fn stage(&self, name: &str, total: usize) {
        self.0.set_prefix(name.to_owned());
        self.0.set_position(0);
        self.0.set_length(total as u64);
    }
    fn image(&self, name: &str) {
        self.0.set_message(name.to_owned());
    }
    fn step(&self) {
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    // No colours in the template, so NO_COLOR has nothing to turn off.
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix} {bar:30} {pos}/{len} {elapsed} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

pub fn run_registry(args: RegistryScanArgs) -> Result<ExitCode> {
    let RegistryScanArgs { target, repos, platform, parallel, counts_only, error_exit_code, registry, common } = args;
    let platform: Platform = platform.parse().with_context(|| format!("invalid --platform `{platform}`"))?;
    // Checked before the settings, which open the advisory database and may warn.
    plimsoll::registry::parse_target(&target, &repos)?;
    match common.format.parse::<Format>() {
        Ok(Format::Table | Format::Json) => {}
        Ok(other) => bail!("`plimsoll registry` writes a summary as table or json, not {other}"),
        Err(e) => bail!("{e}; `plimsoll registry` writes table or json"),
    }
    let quiet = common.quiet;
    let settings = resolve_settings(common, ALL_SCANNERS, false)?;
    let opts = RegistryScanOptions {
        repositories: repos,
        platform,
        registry: registry.options()?,
        parallel: parallel.map(usize::from),
        keep_reports: settings.format == Format::Json && !counts_only,
    };
    let bar = Bar(progress_bar(quiet));
    let scan = plimsoll::registry::scan_registry(&target, &opts, &settings.scan, &settings.policy, &bar)?;

    let render = |w: &mut dyn Write, color: bool| {
        plimsoll_report::fleet::render(
            &scan,
            settings.format,
            counts_only,
            w,
            &RenderOptions { color, ..Default::default() },
        )
    };
    match &settings.output {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            render(&mut w, false)?;
            w.flush().with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => render(&mut BufWriter::new(std::io::stdout().lock()), stdout_color())?,
    }
    let mut err = std::io::stderr().lock();
    // Warnings (coverage among them) are never hidden by `-q`, which hides progress only.
    for w in scan.common_warnings() {
        writeln!(err, "warning: {w}")?;
    }
    if !quiet && settings.format == Format::Json {
        writeln!(err, "{}", plimsoll_report::fleet::summary_line(&scan))?;
    }
    let codes = ExitCodes { findings: settings.exit_code, errors: error_exit_code, ..ExitCodes::default() };
    Ok(ExitCode::from(plimsoll::registry::exit_code(&scan, codes)))
}
