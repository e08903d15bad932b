//! One function per subcommand. Each resolves its settings from the arguments in one place,
//! destructuring them exhaustively so that a new flag cannot be silently ignored.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use plimsoll::db::{default_db_path, Database};
use plimsoll::image::{OpenOptions, Platform};
use plimsoll::policy::{self, ExitCodes, Policy};
use plimsoll::{settings, LayerCache, SbomScanned, ScanOptions, Scanned};
use plimsoll_model::ScanReport;
use plimsoll_report::{Format, PackageListing, RenderOptions};

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
        Command::VerifyBlob(a) => crate::verify_blob_cmd::run_verify_blob(a),
        Command::Resolve(a) => crate::sign_cmds::run_resolve(a),
        Command::Tree(a) => crate::tree_cmd::run_tree(a),
        Command::Registry(a) => crate::registry_cmd::run_registry(a),
        Command::Admission(a) => crate::admission_cmd::run_admission(a),
        Command::Host(a) => crate::host_cmd::run_host(a),
        Command::Docker(a) => crate::docker_cmd::run_docker(a),
        Command::K8s(a) => crate::k8s_cmd::run_k8s(a),
        Command::Server(a) => crate::server_cmd::run_server(a),
    }
}

fn db(cmd: DbCommand) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        DbCommand::Build { from, format, output } => {
            let json = match format.as_str() {
                "table" | "text" => false,
                "json" => true,
                other => bail!("unknown format `{other}` for `db build`; use table or json"),
            };
            let output = output.or_else(default_db_path).context("no --output given and no cache directory known")?;
            if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let stats = Database::build(&from, &output)
                .with_context(|| format!("cannot build the advisory database {}", output.display()))?;
            if json {
                let doc = serde_json::json!({ "output": output, "stats": stats });
                writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
            } else {
                write!(out, "wrote {}: {}", output.display(), stats.summary())?;
            }
        }
        DbCommand::Update { base_url, ecosystems, insecure, ca_files, max_zip_mib, output } => {
            let output = output.or_else(default_db_path).context("no --output given and no cache directory known")?;
            if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let mut opts = plimsoll::db::UpdateOptions {
                base_url,
                insecure,
                ca_files,
                max_zip_bytes: max_zip_mib.saturating_mul(1 << 20),
                ..Default::default()
            };
            if !ecosystems.is_empty() {
                opts.ecosystems = ecosystems;
            }
            let stats = plimsoll::db::update(&opts, &output)
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
            let db = Database::open(&path).with_context(|| {
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
    pub(crate) policy: Policy,
    pub(crate) exit_code: u8,
    /// What the table says about packages.
    pub(crate) packages: PackageListing,
}

/// `default_scanners` applies when `--scanners` is not given; `layer_progress` says whether to
/// draw the per-layer bar (`registry` draws its own per-image bar instead).
pub(crate) fn resolve_settings(
    common: CommonArgs,
    default_scanners: &[&str],
    layer_progress: bool,
) -> Result<Settings> {
    resolve_settings_with(common, default_scanners, layer_progress, Extra::default())
}

/// What some commands add to [`CommonArgs`].
#[derive(Default)]
pub(crate) struct Extra {
    /// `image --insecure` (Trivy applies it to every download): a missing database may also be
    /// fetched from an `http://` `--db-repository`.
    pub(crate) db_insecure: bool,
    /// `--timeout`: seconds for the whole scan.
    pub(crate) timeout: Option<u64>,
    /// `plimsoll config`: no package inventory to show.
    pub(crate) no_inventory: bool,
    /// `plimsoll sbom`: the scan is only vulnerabilities, so no database is an error (which
    /// says why a fetch failed), as with `--scanners vuln`.
    pub(crate) db_required: bool,
}

/// As [`resolve_settings`], with the command's [`Extra`] settings.
pub(crate) fn resolve_settings_with(
    common: CommonArgs,
    default_scanners: &[&str],
    layer_progress: bool,
    extra: Extra,
) -> Result<Settings> {
    let Extra { db_insecure, timeout, no_inventory, db_required } = extra;
    let CommonArgs {
        format,
        output,
        cache_dir,
        no_cache,
        quiet,
        scanners,
        db,
        skip_db_update,
        offline_scan,
        db_repository,
        ignore_unfixed,
        db_max_age,
        allow_uncovered,
        allow_stale_db,
        allow_skipped_files,
        ignorefile,
        vex,
        severity,
        exit_code,
        include_os_files,
        reveal_secrets,
        secret_config,
        skip_rule,
        rules_config,
        skip_dirs,
        skip_files,
        pkg_types,
        list_all_pkgs,
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
    let mut db_update_error = None;
    let advisories = if vuln {
        let max_age = std::time::Duration::from_secs(db_max_age.saturating_mul(86_400));
        let update = if skip_db_update || offline_scan {
            settings::DbUpdate::Skip
        } else {
            settings::DbUpdate::WhenMissingOrStale(plimsoll::db::UpdateOptions {
                base_url: db_repository,
                insecure: db_insecure,
                ..Default::default()
            })
        };
        let announce = |path: &std::path::Path, url: &str| {
            if !quiet {
                eprintln!(
                    "fetching the advisory database from {url} into {} (missing or older than {db_max_age} days; \
                     --skip-db-update skips this)",
                    path.display()
                );
            }
        };
        // Its warnings (no database, stale database) are left out: the policy states them in
        // the report and on standard error (see `coverage_to_stderr`), as the gate decides.
        let (opened, outcome) =
            settings::open_advisories_updating(db, explicit || db_required, max_age, &update, &announce)?;
        db_update_error = outcome.error;
        opened.db
    } else {
        None
    };
    let secrets = match secret {
        true => Some(settings::secret_options(secret_config.as_deref(), reveal_secrets, include_os_files)?),
        false => None,
    };
    let misconfig = match misconfig {
        true => Some(settings::lint_config(rules_config.as_deref(), &skip_rule)?),
        false => None,
    };
    let mut policy = settings::policy(ignorefile, &vex, &severity, ignore_unfixed)?;
    policy.coverage = policy::CoverageGate {
        vulnerabilities_expected: vuln,
        max_db_age_days: Some(db_max_age),
        allow_uncovered,
        allow_stale_db,
        allow_skipped_files,
        db_update_error,
    };
    let skip = plimsoll::skip::SkipPaths::new(&skip_dirs, &skip_files)?;
    let skip = (!skip.is_empty()).then(|| Arc::new(skip));
    let pkg_types = match pkg_types.is_empty() {
        true => None,
        false => Some(plimsoll::PkgTypes::parse(&pkg_types)?),
    };
    let deadline = timeout.map(plimsoll::Deadline::after);
    let packages = match (no_inventory, list_all_pkgs) {
        (true, _) => PackageListing::None,
        (false, true) => PackageListing::All,
        (false, false) => PackageListing::Summary,
    };
    Ok(Settings {
        format,
        output,
        scan: ScanOptions {
            cache,
            progress,
            secrets,
            misconfig,
            advisories,
            skip,
            pkg_types,
            deadline,
            ..ScanOptions::default()
        },
        policy,
        exit_code,
        packages,
    })
}

fn image(args: ImageArgs) -> Result<ExitCode> {
    let ImageArgs { image, input, platform, docker_host, registry, upload, common } = args;
    crate::server_cmd::check_upload(&upload)?;
    let extra = Extra { db_insecure: registry.insecure, timeout: registry.timeout, ..Extra::default() };
    let settings = resolve_settings_with(common, ALL_SCANNERS, true, extra)?;
    let reference = match (image, input) {
        (Some(r), _) => r,
        (None, Some(p)) => p.display().to_string(),
        (None, None) => bail!("no image given: pass IMAGE or --input PATH (see `plimsoll image --help`)"),
    };
    let explicit: Option<Platform> =
        platform.as_deref().map(|p| p.parse().with_context(|| format!("invalid --platform `{p}`"))).transpose()?;
    let opts = OpenOptions {
        platform: explicit.clone().unwrap_or_default(),
        registry: registry.options()?,
        engine_host: docker_host,
        ..OpenOptions::default()
    };
    let scanned = plimsoll::scan_image_ref(&reference, &opts, &settings.scan, &settings.policy)?;
    // A single-platform image is opened whatever its platform: a platform the user named must
    // not be answered silently with another one's report.
    if let (Some(want), Some(have)) = (&explicit, &scanned.report.artifact.platform) {
        let matches = have.parse::<Platform>().is_ok_and(|h| want.matches(&h));
        if !matches {
            bail!(
                "{reference} is a {have} image, not {want} (it offers no other platform); drop --platform to scan it"
            );
        }
    }
    // The report is printed first; a failed upload then exits with an error (2).
    let report = upload.server.is_some().then(|| scanned.report.clone());
    let code = finish(scanned, &settings)?;
    if let Some(report) = report {
        crate::server_cmd::upload(&upload, &report)?;
    }
    Ok(code)
}

fn fs(args: FsArgs) -> Result<ExitCode> {
    let FsArgs { path, timeout, common } = args;
    let settings = resolve_settings_with(common, ALL_SCANNERS, true, Extra { timeout, ..Extra::default() })?;
    finish(plimsoll::scan_directory(&path, &settings.scan, &settings.policy)?, &settings)
}

fn config(args: ConfigArgs) -> Result<ExitCode> {
    let ConfigArgs { path, timeout, common } = args;
    if common.scanners.iter().flatten().any(|s| s.trim() == "vuln") {
        bail!("`plimsoll config` checks configuration files, which have no packages: --scanners takes misconfig and secret");
    }
    // `config` checks configuration only, as `trivy config` does.
    let extra = Extra { timeout, no_inventory: true, ..Extra::default() };
    let settings = resolve_settings_with(common, &["misconfig"], true, extra)?;
    finish(plimsoll::scan_config(&path, &settings.scan, &settings.policy)?, &settings)
}

fn rule(args: RuleArgs) -> Result<ExitCode> {
    let RuleArgs { code, list } = args;
    let mut out = std::io::stdout().lock();
    let secret_rules = plimsoll::rules::secret_rules()?;
    if list {
        for r in plimsoll::rules::rules() {
            writeln!(out, "{}\t{:?}\t{}", r.code, r.severity, r.title)?;
        }
        for r in &secret_rules {
            writeln!(out, "{}\t{:?}\t{} (secret)", r.id, r.severity, r.title)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let code = code.unwrap_or_default();
    if let Some(doc) = plimsoll::rules::rule_doc(&code) {
        writeln!(out, "{doc}")?;
    } else if let Some(r) = secret_rules.iter().find(|r| r.id.eq_ignore_ascii_case(&code)) {
        writeln!(out, "# {}: {}\n\nSecret rule, severity {:?}.\n", r.id, r.title, r.severity)?;
        if !r.description.is_empty() {
            writeln!(out, "{}\n", r.description)?;
        }
        if !r.keywords.is_empty() {
            writeln!(out, "Keywords: {}", r.keywords.join(", "))?;
        }
        writeln!(out, "Disable it with `disabled_rules = [\"{}\"]` in --secret-config (see docs/secrets.md).", r.id)?;
    } else {
        bail!("no rule `{code}`; `plimsoll rule --list` lists them");
    }
    Ok(ExitCode::SUCCESS)
}

/// Renders a judged report and picks the exit code from its verdict.
pub(crate) fn finish(scanned: Scanned, settings: &Settings) -> Result<ExitCode> {
    emit(&scanned.report, settings)?;
    Ok(exit(&scanned, settings))
}

/// What the scan did not check (files skipped at a limit, then the coverage statements) goes to
/// standard error too, `-q` or not: it decides whether a clean report means anything.
pub(crate) fn coverage_to_stderr(scanned: &Scanned) {
    let skipped = scanned
        .report
        .diagnostics
        .iter()
        .filter(|d| d.level == plimsoll_model::DiagnosticLevel::Error && !scanned.verdict.coverage.contains(d));
    for d in skipped {
        match &d.path {
            Some(p) => eprintln!("error: {p}: {}", d.message),
            None => eprintln!("error: {}", d.message),
        }
    }
    for d in &scanned.verdict.coverage {
        eprintln!("{}: {}", level_name(d.level), d.message);
    }
}

fn level_name(level: plimsoll_model::DiagnosticLevel) -> &'static str {
    match level {
        plimsoll_model::DiagnosticLevel::Error => "error",
        _ => "warning",
    }
}

pub(crate) fn exit(scanned: &Scanned, settings: &Settings) -> ExitCode {
    coverage_to_stderr(scanned);
    let verdict = &scanned.verdict;
    let codes = ExitCodes { findings: settings.exit_code, ..ExitCodes::default() };
    ExitCode::from(policy::exit_code(codes, 0, verdict.failed, verdict.incomplete))
}

/// `plimsoll sbom FILE`: the SBOM's packages matched against the advisories. A CycloneDX input
/// rendered as CycloneDX is enriched rather than replaced (see [`plimsoll::scan_sbom`]).
fn sbom(args: SbomArgs) -> Result<ExitCode> {
    let SbomArgs { path, timeout, common } = args;
    let settings =
        resolve_settings_with(common, &["vuln"], true, Extra { timeout, db_required: true, ..Extra::default() })?;
    let enrich = settings.format == Format::CycloneDx;
    let SbomScanned { scanned, enriched } = plimsoll::scan_sbom(&path, &settings.scan, &settings.policy, enrich)?;
    match enriched {
        None => return finish(scanned, &settings),
        Some(Ok(document)) => {
            // A new document carries these in its metadata; an enriched one keeps the input's
            // metadata, so they go to standard error.
            // The errors and coverage statements follow from `exit` (once).
            let shown_by_exit = |d: &&plimsoll_model::Diagnostic| {
                d.level == plimsoll_model::DiagnosticLevel::Error || scanned.verdict.coverage.contains(d)
            };
            for d in scanned.report.diagnostics.iter().filter(|d| !shown_by_exit(d)) {
                eprintln!("{}: {}", level_name(d.level), d.message);
            }
            write_output(&document, &settings)?;
        }
        Some(Err(reason)) => {
            eprintln!("warning: {}: {reason}; writing a new CycloneDX document instead", path.display());
            emit(&scanned.report, &settings)?;
        }
    }
    Ok(exit(&scanned, &settings))
}

/// Writes an already rendered document to `--output` or standard output.
pub(crate) fn write_output(bytes: &[u8], settings: &Settings) -> Result<()> {
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

pub(crate) fn emit(report: &ScanReport, settings: &Settings) -> Result<()> {
    match &settings.output {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            let opts = RenderOptions { packages: settings.packages, ..RenderOptions::default() };
            plimsoll_report::render(report, settings.format, &mut w, &opts)?;
            w.flush().with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let color = stdout_color();
            let mut w = BufWriter::new(std::io::stdout().lock());
            let terminal_width = console::Term::stdout().size_checked().map(|(_rows, cols)| usize::from(cols));
            let opts = RenderOptions { color, terminal_width, packages: settings.packages };
            plimsoll_report::render(report, settings.format, &mut w, &opts)?;
            w.flush()?;
        }
    }
    Ok(())
}
