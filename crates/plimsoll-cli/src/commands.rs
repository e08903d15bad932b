//! One function per subcommand. Each resolves its settings from the arguments in one place,
//! destructuring them exhaustively so that a new flag cannot be silently ignored.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use plimsoll::{LayerCache, ScanOptions};
use plimsoll_image::{ImageRef, OpenOptions, Platform};
use plimsoll_model::ScanReport;
use plimsoll_report::{Format, RenderOptions};

use crate::cli::{Cli, Command, CommonArgs, FsArgs, ImageArgs};
use crate::progress::LayerBar;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Image(args) => image(args),
        Command::Fs(args) => fs(args),
    }
}

/// Output settings shared by the scanning commands.
struct Output {
    format: Format,
    path: Option<PathBuf>,
    scan: ScanOptions,
}

fn resolve_common(common: CommonArgs) -> Result<Output> {
    let CommonArgs { format, output, cache_dir, no_cache, quiet } = common;
    let format: Format = format.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let cache = if no_cache { None } else { cache_dir.or_else(LayerCache::default_dir).map(LayerCache::new) };
    let progress = LayerBar::new(quiet).map(|b| b as Arc<dyn plimsoll::Progress>);
    Ok(Output { format, path: output, scan: ScanOptions { cache, progress, ..ScanOptions::default() } })
}

fn image(args: ImageArgs) -> Result<ExitCode> {
    let ImageArgs { image, input, platform, common } = args;
    let out = resolve_common(common)?;
    let reference = match (image, input) {
        (Some(r), _) => r,
        (None, Some(p)) => p.display().to_string(),
        (None, None) => bail!("no image given: pass IMAGE or --input PATH (see `plimsoll image --help`)"),
    };
    let platform: Platform = platform.parse().with_context(|| format!("invalid --platform `{platform}`"))?;
    let image_ref = ImageRef::parse(&reference).with_context(|| {
        format!("cannot use `{reference}` as an image; expected docker-archive:PATH, oci-archive:PATH[:TAG], oci:DIR[:TAG] or a path to one of them")
    })?;
    let opts = OpenOptions { platform, ..OpenOptions::default() };
    let image = plimsoll_image::open(&image_ref, &opts).with_context(|| format!("cannot open image {image_ref}"))?;
    let report = plimsoll::scan_image(&image, &out.scan).with_context(|| format!("scan of {image_ref} failed"))?;
    emit(&report, &out)?;
    Ok(ExitCode::SUCCESS)
}

fn fs(args: FsArgs) -> Result<ExitCode> {
    let FsArgs { path, common } = args;
    let out = resolve_common(common)?;
    if !path.is_dir() {
        bail!("{} is not a directory; to scan an image archive use `plimsoll image {}`", path.display(), path.display());
    }
    let report = plimsoll::scan_dir(&path, &out.scan).with_context(|| format!("scan of {} failed", path.display()))?;
    emit(&report, &out)?;
    Ok(ExitCode::SUCCESS)
}

fn emit(report: &ScanReport, out: &Output) -> Result<()> {
    match &out.path {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            plimsoll_report::render(report, out.format, &mut w, &RenderOptions::default())?;
            w.flush().with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let mut w = BufWriter::new(stdout.lock());
            let opts = RenderOptions { color, ..RenderOptions::default() };
            plimsoll_report::render(report, out.format, &mut w, &opts)?;
            w.flush()?;
        }
    }
    Ok(())
}
