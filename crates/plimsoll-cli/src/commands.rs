//! One function per subcommand. Each resolves its settings from the arguments in one place,
//! destructuring them exhaustively so that a new flag cannot be silently ignored.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use plimsoll::{LayerCache, LintConfig, ScanOptions, SecretOptions};
use plimsoll_image::{ImageRef, OpenOptions, Platform};
use plimsoll_model::{ScanReport, Severity};
use plimsoll_report::{Format, RenderOptions};

use crate::cli::{Cli, Command, CommonArgs, ConfigArgs, DbCommand, FsArgs, ImageArgs, RuleArgs, SbomArgs};
use crate::progress::LayerBar;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Image(args) => image(args),
        Command::Fs(args) => fs(args),
        Command::Config(args) => config(args),
        Command::Sbom(args) => sbom(args),
        Command::Rule(args) => rule(args),
        Command::Db(cmd) => db(cmd),
        Command::Key(a) => crate::sign_cmds::run_key(a),
        Command::Sign(a) => crate::sign_cmds::run_sign(a),
        Command::Verify(a) => crate::sign_cmds::run_verify(a),
        Command::Attest(a) => crate::sign_cmds::run_attest(a),
        Command::VerifyAttestation(a) => crate::sign_cmds::run_verify_attestation(a),
        Command::Resolve(a) => crate::sign_cmds::run_resolve(a),
        Command::Registry(a) => crate::registry_cmd::run_registry(a),
    }
}

/// `$PLIMSOLL_DB` is handled by clap; this is the fallback: `<cache dir>/advisories.db`.
fn default_db_path() -> Option<PathBuf> {
    LayerCache::default_dir().map(|d| d.join("advisories.db"))
}

fn db(cmd: DbCommand) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        DbCommand::Build { from, output } => {
            let output = output.or_else(default_db_path).context("no --output given and no cache directory known")?;
            if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let stats = plimsoll_advisory::Database::build(&from, &output)
                .with_context(|| format!("cannot build the advisory database {}", output.display()))?;
            write!(out, "wrote {}: {}", output.display(), stats.summary())?;
        }
        DbCommand::Update { base_url, ecosystems, insecure, ca_files, max_zip_mib, output } => {
            let output = output.or_else(default_db_path).context("no --output given and no cache directory known")?;
            if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let mut opts = plimsoll_advisory::UpdateOptions {
                base_url,
                insecure,
                ca_files,
                max_zip_bytes: max_zip_mib.saturating_mul(1 << 20),
                ..Default::default()
            };
            if !ecosystems.is_empty() {
                opts.ecosystems = ecosystems;
            }
            let stats = plimsoll_advisory::update(&opts, &output)
                .with_context(|| format!("cannot update the advisory database {}", output.display()))?;
            for w in &stats.warnings {
                eprintln!("warning: {w}");
            }
            writeln!(
                out,
                "wrote {}: {} advisories from {} ecosystems ({} missing, {} unreadable files)",
                output.display(),
                stats.build.advisories,
                stats.fetched.len(),
                stats.missing.len(),
                stats.build.errors.len()
            )?;
        }
        DbCommand::Info { db } => {
            let path = db.or_else(default_db_path).context("no --db given and no cache directory known")?;
            let db = plimsoll_advisory::Database::open(&path).with_context(|| {
                format!(
                    "cannot open the advisory database {}; build one with `plimsoll db build --from DIR`",
                    path.display()
                )
            })?;
            let info = db.info()?;
            writeln!(out, "{}", serde_json::to_string_pretty(&info)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) const ALL_SCANNERS: &[&str] = &["vuln", "secret", "misconfig"];

/// Settings shared by the scanning commands.
pub(crate) struct Settings {
    pub(crate) format: Format,
    pub(crate) output: Option<PathBuf>,
    pub(crate) scan: ScanOptions,
    pub(crate) policy: plimsoll_report::policy::Policy,
    pub(crate) exit_code: u8,
}

fn parse_severity(s: &str) -> Result<Severity> {
    Ok(match s.trim().to_ascii_uppercase().as_str() {
        "UNKNOWN" => Severity::Unknown,
        "LOW" => Severity::Low,
        "MEDIUM" => Severity::Medium,
        "HIGH" => Severity::High,
        "CRITICAL" => Severity::Critical,
        other => bail!("unknown severity `{other}`; use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL"),
    })
}

/// `default_scanners` applies when `--scanners` is not given.
fn resolve(common: CommonArgs, default_scanners: &[&str]) -> Result<Settings> {
    resolve_settings(common, default_scanners, true)
}

/// As [`resolve`]; `layer_progress` says whether to draw the per-layer bar (`registry` draws its
/// own per-image bar instead).
pub(crate) fn resolve_settings(
    common: CommonArgs,
    default_scanners: &[&str],
    layer_progress: bool,
) -> Result<Settings> {
    let CommonArgs {
        format,
        output,
        cache_dir,
        no_cache,
        quiet,
        scanners,
        db,
        ignore_unfixed,
        db_max_age,
        ignorefile,
        vex,
        severity,
        exit_code,
        include_os_files,
        reveal_secrets,
        secret_config,
        skip_rule,
        rules_config,
    } = common;
    let format: Format = format.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let cache = if no_cache { None } else { cache_dir.or_else(LayerCache::default_dir).map(LayerCache::new) };
    let progress = LayerBar::new(quiet || !layer_progress).map(|b| b as Arc<dyn plimsoll::Progress>);
    let explicit = scanners.is_some();
    let scanners = scanners.unwrap_or_else(|| default_scanners.iter().map(|s| s.to_string()).collect());
    let (mut vuln, mut secret, mut misconfig) = (false, false, false);
    for s in &scanners {
        match s.trim() {
            "vuln" => vuln = true,
            "secret" => secret = true,
            "misconfig" | "config" => misconfig = true,
            "" => {}
            other => bail!("unknown scanner `{other}`; available: vuln, secret, misconfig"),
        }
    }
    let advisories = if vuln {
        let path = db.clone().or_else(default_db_path);
        match path.as_deref().filter(|p| p.exists()) {
            Some(p) => {
                let db = plimsoll_advisory::Database::open(p).with_context(|| {
                    format!("cannot open the advisory database {}; rebuild it with `plimsoll db build`", p.display())
                })?;
                if let Ok(info) = db.info() {
                    let max_age = std::time::Duration::from_secs(db_max_age.saturating_mul(86_400));
                    if let Some(w) = plimsoll_advisory::staleness_warning(&info, max_age, std::time::SystemTime::now()) {
                        if !quiet {
                            eprintln!("warning: {w}");
                        }
                    }
                }
                Some(Arc::new(db))
            }
            None if explicit || db.is_some() => bail!(
                "no advisory database at {}; build one with `plimsoll db build --from DIR --output FILE` and pass --db FILE",
                path.map(|p| p.display().to_string()).unwrap_or_else(|| "<unknown>".into())
            ),
            None => {
                if !quiet {
                    eprintln!(
                        "warning: no advisory database found; vulnerability scanning skipped (see `plimsoll db build --help`)"
                    );
                }
                None
            }
        }
    } else {
        None
    };
    let secrets = if secret {
        let scanner = match &secret_config {
            Some(path) => {
                let cfg = plimsoll_secrets::ScanConfig::from_file(path)
                    .with_context(|| format!("invalid secret configuration {}", path.display()))?;
                plimsoll_secrets::Scanner::new(&cfg)
                    .with_context(|| format!("invalid secret configuration {}", path.display()))?
            }
            None => plimsoll_secrets::Scanner::builtin(),
        };
        let fingerprint = match &secret_config {
            Some(path) => format!("config:{}", plimsoll_model::Digest::sha256_from_bytes(&std::fs::read(path)?)),
            None => "builtin".into(),
        };
        Some(SecretOptions { scanner: Arc::new(scanner), fingerprint, reveal: reveal_secrets, include_os_files })
    } else {
        None
    };
    let misconfig = if misconfig {
        let mut cfg = load_rules_config(rules_config.as_deref())?;
        for code in &skip_rule {
            cfg = cfg.disable(code);
        }
        Some(cfg)
    } else {
        None
    };
    let severities = severity.iter().map(|s| parse_severity(s)).collect::<Result<BTreeSet<_>>>()?;
    let default_ignore = PathBuf::from(".plimsollignore");
    let ignorefile = ignorefile.or_else(|| default_ignore.is_file().then_some(default_ignore));
    let ignore = match &ignorefile {
        Some(p) => Some(
            plimsoll_report::policy::IgnoreFile::load(p)
                .with_context(|| format!("invalid ignore file {}", p.display()))?,
        ),
        None => None,
    };
    let vex = vex
        .iter()
        .map(|p| {
            plimsoll_report::policy::VexDocument::load(p)
                .with_context(|| format!("invalid VEX document {}", p.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    let policy =
        plimsoll_report::policy::Policy { ignore, vex, severities: severities.into_iter().collect(), ignore_unfixed };
    Ok(Settings {
        format,
        output,
        scan: ScanOptions { cache, progress, secrets, misconfig, advisories, ..ScanOptions::default() },
        policy,
        exit_code,
    })
}

/// The `[misconfig]` table of a rules settings file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    misconfig: MisconfigSettings,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MisconfigSettings {
    #[serde(default)]
    disabled: Vec<String>,
    pss_version: Option<String>,
}

/// Reads `--rules-config`, or `.plimsoll.toml` from the current directory when it exists.
fn load_rules_config(path: Option<&std::path::Path>) -> Result<LintConfig> {
    let default = std::path::Path::new(".plimsoll.toml");
    let path = match path {
        Some(p) => p,
        None if default.is_file() => default,
        None => return Ok(LintConfig::default()),
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: RulesFile =
        toml::from_str(&text).with_context(|| format!("invalid rules settings in {}", path.display()))?;
    let mut cfg = LintConfig::default();
    for code in &file.misconfig.disabled {
        if plimsoll_lint::rule(code).is_none() {
            bail!("{}: unknown rule `{code}` in `disabled`; `plimsoll rule --list` lists them", path.display());
        }
        cfg = cfg.disable(code);
    }
    if let Some(v) = &file.misconfig.pss_version {
        cfg.pss_version = Some(
            plimsoll_lint::k8s::pss::Version::parse(v)
                .with_context(|| format!("{}: invalid pss_version `{v}`; use `latest` or `v1.N`", path.display()))?,
        );
    }
    Ok(cfg)
}

fn image(args: ImageArgs) -> Result<ExitCode> {
    let ImageArgs { image, input, platform, registry, common } = args;
    let settings = resolve(common, ALL_SCANNERS)?;
    let reference = match (image, input) {
        (Some(r), _) => r,
        (None, Some(p)) => p.display().to_string(),
        (None, None) => bail!("no image given: pass IMAGE or --input PATH (see `plimsoll image --help`)"),
    };
    let platform: Platform = platform.parse().with_context(|| format!("invalid --platform `{platform}`"))?;
    let image_ref = ImageRef::parse(&reference).with_context(|| {
        format!("cannot use `{reference}` as an image; expected docker-archive:PATH, oci-archive:PATH[:TAG], oci:DIR[:TAG] or a path to one of them")
    })?;
    let opts = OpenOptions { platform, registry: registry.options()?, ..OpenOptions::default() };
    let image = plimsoll_image::open(&image_ref, &opts).with_context(|| format!("cannot open image {image_ref}"))?;
    let report = plimsoll::scan_image(&image, &settings.scan).with_context(|| format!("scan of {image_ref} failed"))?;
    finish(report, &settings)
}

fn fs(args: FsArgs) -> Result<ExitCode> {
    let FsArgs { path, common } = args;
    let settings = resolve(common, ALL_SCANNERS)?;
    if !path.is_dir() {
        bail!(
            "{} is not a directory; to scan an image archive use `plimsoll image {}`",
            path.display(),
            path.display()
        );
    }
    let report =
        plimsoll::scan_dir(&path, &settings.scan).with_context(|| format!("scan of {} failed", path.display()))?;
    finish(report, &settings)
}

fn config(args: ConfigArgs) -> Result<ExitCode> {
    let ConfigArgs { path, common } = args;
    // `config` checks configuration only, as `trivy config` does.
    let mut settings = resolve(common, &["misconfig"])?;
    settings.scan.inventory = false;
    settings.scan.misconfig.get_or_insert_with(LintConfig::default);
    let report = if path.is_dir() {
        plimsoll::scan_dir(&path, &settings.scan).with_context(|| format!("scan of {} failed", path.display()))?
    } else {
        let content = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = path.display().to_string();
        let cfg = settings.scan.misconfig.clone().unwrap_or_default();
        let mut linter = plimsoll_lint::Linter::new(cfg);
        linter.add(&name, &content).with_context(|| {
            format!("{name} is not a Dockerfile, Kubernetes manifest or compose file plimsoll can check")
        })?;
        let mut report = plimsoll::empty_report(&name, plimsoll_model::ArtifactKind::Filesystem);
        report.misconfigurations = linter.finish();
        report
    };
    finish(report, &settings)
}

fn rule(args: RuleArgs) -> Result<ExitCode> {
    let RuleArgs { code, list } = args;
    let mut out = std::io::stdout().lock();
    if list {
        for r in plimsoll_lint::rules() {
            writeln!(out, "{}\t{:?}\t{}", r.code, r.severity, r.title)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let code = code.unwrap_or_default();
    match plimsoll_lint::rule_doc(&code) {
        Some(doc) => writeln!(out, "{doc}")?,
        None => bail!("no rule `{code}`; `plimsoll rule --list` lists them"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Applies the policy (ignore file, VEX, severity and unfixed filters), renders, and decides
/// the exit code.
fn finish(mut report: ScanReport, settings: &Settings) -> Result<ExitCode> {
    let outcome =
        plimsoll_report::policy::apply(&mut report, &settings.policy, plimsoll_report::policy::Date::today_utc());
    report.diagnostics.extend(outcome.warnings);
    emit(&report, settings)?;
    if settings.exit_code != 0 && outcome.failed {
        return Ok(ExitCode::from(settings.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

/// `plimsoll sbom FILE`: the SBOM's packages matched against the advisories. A CycloneDX input
/// rendered as CycloneDX is enriched rather than replaced: the input document is written back
/// with this scan's `vulnerabilities`, naming its own components (see
/// [`plimsoll_report::enrich_cyclonedx`]). Other combinations render a new document from the
/// packages read.
fn sbom(args: SbomArgs) -> Result<ExitCode> {
    let SbomArgs { path, common } = args;
    let settings = resolve(common, &["vuln"])?;
    if settings.scan.advisories.is_none() {
        bail!("`plimsoll sbom` needs an advisory database: pass --db FILE (see `plimsoll db build --help`)");
    }
    let bytes = plimsoll_inventory::sbom::read_sbom_bytes(&path).context("cannot read the SBOM")?;
    let inv = plimsoll_inventory::sbom::read_sbom(&bytes)
        .with_context(|| format!("cannot read the SBOM {}", path.display()))?;
    let mut report = plimsoll::empty_report(&path.display().to_string(), plimsoll_model::ArtifactKind::Filesystem);
    for w in &inv.warnings {
        report.diagnostics.push(plimsoll_model::Diagnostic {
            level: plimsoll_model::DiagnosticLevel::Warning,
            message: w.clone(),
            layer: None,
            path: Some(path.display().to_string()),
        });
    }
    report.vulnerabilities =
        plimsoll::match_vulnerabilities(&settings.scan, inv.os.as_ref(), &inv.packages, &mut report.diagnostics)?;
    report.os = inv.os;
    report.packages = inv.packages;
    if settings.format != Format::CycloneDx || !inv.format.starts_with("CycloneDX ") {
        return finish(report, &settings);
    }

    let outcome =
        plimsoll_report::policy::apply(&mut report, &settings.policy, plimsoll_report::policy::Date::today_utc());
    report.diagnostics.extend(outcome.warnings);
    // The reader parsed these bytes already, so this parse succeeds; the error path is for form.
    let bom: serde_json::Value =
        serde_json::from_slice(&bytes).with_context(|| format!("cannot read the SBOM {}", path.display()))?;
    drop(bytes);
    let pointers: Vec<String> = inv.origins.into_iter().map(|o| o.pointer).collect();
    let mut out = Vec::new();
    match plimsoll_report::enrich_cyclonedx(bom, &report, &pointers, &mut out) {
        Ok(()) => {
            // A new document carries these in its metadata; an enriched one keeps the input's
            // metadata, so they go to standard error.
            for d in &report.diagnostics {
                eprintln!("warning: {}", d.message);
            }
            write_output(&out, &settings)?;
        }
        Err(plimsoll_report::ReportError::CannotEnrich { reason }) => {
            eprintln!("warning: {}: {reason}; writing a new CycloneDX document instead", path.display());
            emit(&report, &settings)?;
        }
        Err(e) => return Err(e.into()),
    }
    if settings.exit_code != 0 && outcome.failed {
        return Ok(ExitCode::from(settings.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes an already rendered document to `--output` or standard output.
fn write_output(bytes: &[u8], settings: &Settings) -> Result<()> {
    match &settings.output {
        Some(path) => {
            let mut file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            file.write_all(bytes)
                .and_then(|()| file.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let mut w = std::io::stdout().lock();
            w.write_all(bytes)?;
            w.flush()?;
        }
    }
    Ok(())
}

/// Colour on standard output: only on a terminal, and never when `NO_COLOR` is set (no-color.org).
pub(crate) fn stdout_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn emit(report: &ScanReport, settings: &Settings) -> Result<()> {
    match &settings.output {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            plimsoll_report::render(report, settings.format, &mut w, &RenderOptions::default())?;
            w.flush().with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let color = stdout_color();
            let mut w = BufWriter::new(std::io::stdout().lock());
            let terminal_width = console::Term::stdout().size_checked().map(|(_rows, cols)| usize::from(cols));
            let opts = RenderOptions { color, terminal_width };
            plimsoll_report::render(report, settings.format, &mut w, &opts)?;
            w.flush()?;
        }
    }
    Ok(())
}
