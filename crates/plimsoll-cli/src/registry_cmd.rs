//! `plimsoll registry`: scans every image of a registry, or of some of its repositories.
//!
//! Tags are listed and resolved to the digest they point to (an image manifest or a
//! multi-platform index; with HEAD requests, which Docker Hub does not count against its pull
//! rate limit), and each distinct digest is scanned once, several at a time, with the
//! settings `plimsoll image` builds (advisory database, scanners, layer cache, ignore file, VEX,
//! severity filter). With the layer cache on, two images that share a layer are not scanned at
//! the same moment: the second waits and then finds the layer in the cache, so a base layer
//! shared by many images is read once. The summary (a table, or a JSON array) lists every tag;
//! an image that cannot be scanned is a row with the reason, and fails the command once every
//! other image has been scanned. One client serves the whole command: one connection check, and
//! one token per repository rather than one per image.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use plimsoll_image::registry::{Client, RegistryRef};
use plimsoll_image::{Image, ImageError, Limits, OpenOptions, Platform};
use plimsoll_model::{Digest, ScanReport, Severity};
use plimsoll_report::policy::{self, Date};
use plimsoll_report::Format;
use serde::Serialize;

use crate::cli::CommonArgs;
use crate::commands::{resolve_settings, stdout_color, Settings, ALL_SCANNERS};
use crate::sign_cmds::RegistryArgs;

/// Requests in flight while listing and resolving tags: network-bound, next to no CPU.
const LOOKUP_THREADS: usize = 8;
/// Opened images that may wait for a layer another scan is reading, per scanning thread.
const PARKED_PER_WORKER: usize = 4;

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

/// Findings left after the policy (ignore file, VEX, severity and unfixed filters).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
struct Counts {
    packages: usize,
    /// `None` when no vulnerability scan ran (no advisory database, or `--scanners` without vuln).
    vulnerabilities: Option<VulnCounts>,
    secrets: usize,
    misconfigurations: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
struct VulnCounts {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    unknown: usize,
}

impl Counts {
    fn of(report: &ScanReport, vuln_scanned: bool) -> Counts {
        let vulnerabilities = vuln_scanned.then(|| {
            let mut c = VulnCounts::default();
            for v in &report.vulnerabilities {
                *match v.severity {
                    Severity::Critical => &mut c.critical,
                    Severity::High => &mut c.high,
                    Severity::Medium => &mut c.medium,
                    Severity::Low => &mut c.low,
                    Severity::Unknown => &mut c.unknown,
                } += 1;
            }
            c
        });
        Counts {
            packages: report.packages.len(),
            vulnerabilities,
            secrets: report.secrets.len(),
            misconfigurations: report.misconfigurations.len(),
        }
    }
}

/// A scanned image.
struct Scanned {
    /// The platform's image manifest (differs from the tag's digest for a multi-platform index).
    manifest_digest: Digest,
    counts: Counts,
    /// Some finding passed the severity filter (`--exit-code`).
    gate_failed: bool,
    /// The policy's warnings (expired or unused ignore-file entries), as `origin: message`.
    policy_warnings: Vec<String>,
    report: Option<ScanReport>,
}

/// One row of the summary: every tag of one digest, or a repository or tag that failed before
/// it had a digest.
struct Row {
    /// Repository and tags, for sorting and the table (`team/app:1,latest`).
    repo: String,
    tags: Vec<String>,
    /// Full references, `HOST/REPO:TAG`.
    references: Vec<String>,
    digest: Option<Digest>,
    outcome: Result<Scanned, String>,
}

/// One repository's digest, with the tags that point to it.
struct Group {
    repo: String,
    digest: Digest,
    tags: Vec<String>,
}

/// `sha256-<hex>.sig|.att|.sbom`: the tags where Cosign keeps signatures, attestations and SBOMs.
fn is_cosign_tag(tag: &str) -> bool {
    let Some((stem, _)) = tag.rsplit_once('.').filter(|(_, ext)| matches!(*ext, "sig" | "att" | "sbom")) else {
        return false;
    };
    let Some((alg, hex)) = stem.split_once('-') else { return false };
    !alg.is_empty()
        && alg.bytes().all(|b| b.is_ascii_alphanumeric())
        && hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The docker grammar's tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. Tags come from the registry
/// and go into URL paths, so anything else is refused.
fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    b.first().is_some_and(word) && b.len() <= 128 && b.iter().all(|c| word(c) || matches!(c, b'.' | b'-'))
}

/// Checks a repository name (it goes into URL paths) and applies Docker Hub's `library/` rule.
fn repository_name(host: &str, repo: &str) -> Result<String, String> {
    let r = match RegistryRef::parse(&format!("{host}/{repo}")) {
        Ok(r) if r.registry == host => r,
        // A host the reference grammar does not recognise as one (no `.` or `:`): check the name alone.
        _ => RegistryRef::parse(&format!("localhost/{repo}"))?,
    };
    if r.tag.is_some() || r.digest.is_some() {
        return Err(format!("`{repo}` is not a repository name (it has a tag or digest)"));
    }
    Ok(r.repository)
}

/// `REGISTRY` and `--repo` -> the host and the repositories asked for (empty: the catalog).
fn target(given: &str, repos: &[String]) -> Result<(String, Vec<String>)> {
    let (host, mut out) = if given.contains('/') {
        let r = RegistryRef::parse(given).map_err(|e| anyhow!("`{given}` is not a registry or repository: {e}"))?;
        if r.tag.is_some() || r.digest.is_some() {
            bail!("`{given}` is an image; give HOST or HOST/REPO (to scan one image, use `plimsoll image {given}`)");
        }
        (r.registry, vec![r.repository])
    } else {
        (given.to_owned(), Vec::new())
    };
    if host.is_empty() {
        bail!("no registry given");
    }
    for repo in repos {
        let name = repository_name(&host, repo).map_err(|e| anyhow!("--repo {repo}: {e}"))?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok((host, out))
}

/// `f` over `items` on up to `threads` threads; the results in the order of `items`.
fn par_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let mut out: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.clamp(1, items.len().max(1)))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break mine };
                        mine.push((i, f(item)));
                    }
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// What a scanning thread does next.
#[derive(Debug, PartialEq, Eq)]
enum Job<T> {
    /// Open image `i`, then [`Scheduler::claim`] its layers.
    Fresh(usize),
    /// Scan this parked image: its layers are claimed now; [`Scheduler::release`] them after.
    Ready(T, Vec<Digest>),
}

/// Hands out images so that, when `exclusive`, no two scans read a layer (`diff_id`) at once: an
/// image whose layers are being read is parked until they are released (and cached). Parked
/// images stay open, so at most `max_parked` wait at a time.
struct Scheduler<T> {
    state: Mutex<SchedState<T>>,
    wake: Condvar,
    exclusive: bool,
    max_parked: usize,
}

struct SchedState<T> {
    fresh: std::ops::Range<usize>,
    parked: Vec<(T, Vec<Digest>)>,
    busy: HashSet<Digest>,
}

impl<T> Scheduler<T> {
    fn new(count: usize, exclusive: bool, max_parked: usize) -> Self {
        Scheduler {
            state: Mutex::new(SchedState { fresh: 0..count, parked: Vec::new(), busy: HashSet::new() }),
            wake: Condvar::new(),
            exclusive,
            max_parked: max_parked.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SchedState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next job; `None` when nothing is left. Blocks while everything left waits for layers
    /// that are being read (whose scans then release them).
    fn next(&self) -> Option<Job<T>> {
        let mut s = self.lock();
        loop {
            let st = &mut *s;
            if let Some(pos) = st.parked.iter().position(|(_, layers)| layers.iter().all(|d| !st.busy.contains(d))) {
                let (t, layers) = st.parked.remove(pos);
                st.busy.extend(layers.iter().cloned());
                return Some(Job::Ready(t, layers));
            }
            if st.parked.len() < self.max_parked {
                if let Some(i) = st.fresh.next() {
                    return Some(Job::Fresh(i));
                }
            }
            if st.parked.is_empty() && st.fresh.is_empty() {
                return None;
            }
            // Something parked conflicts with `busy`, so some scan is running and will wake us.
            s = self.wake.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Claims `layers` for the caller's scan and gives `t` back, or parks `t` until they are free.
    fn claim(&self, t: T, layers: Vec<Digest>) -> Option<(T, Vec<Digest>)> {
        if !self.exclusive {
            return Some((t, layers));
        }
        let mut s = self.lock();
        if layers.iter().any(|d| s.busy.contains(d)) {
            s.parked.push((t, layers));
            return None;
        }
        s.busy.extend(layers.iter().cloned());
        Some((t, layers))
    }

    fn release(&self, layers: &[Digest]) {
        if !self.exclusive {
            return;
        }
        let mut s = self.lock();
        for d in layers {
            s.busy.remove(d);
        }
        drop(s);
        self.wake.notify_all();
    }
}

/// Layers claimed from a [`Scheduler`], released on drop.
struct Claim<'a, T> {
    sched: &'a Scheduler<T>,
    layers: Vec<Digest>,
}

impl<T> Drop for Claim<'_, T> {
    fn drop(&mut self) {
        self.sched.release(&self.layers);
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

/// An error and its causes on one line.
fn reason(e: &anyhow::Error) -> String {
    format!("{e:#}")
}

/// The digest `repo:tag` points to; `None` if the registry does not have the tag.
///
/// A HEAD first, reading `Docker-Content-Digest`; a GET, whose body is hashed, when the registry
/// leaves that header out or sends one that is not a digest (or the HEAD fails otherwise, as
/// crane does: a registry may mishandle HEAD). Either way the tag -> digest mapping is the
/// registry's word: nothing outside the registry says what a tag points to, and a hashed GET
/// body is just as much its choice as a header. What matters is the next step: the scan fetches
/// the manifest BY that digest, and `Client::get_manifest` hashes the bytes it gets and refuses
/// them unless they match. A lying header can make us scan the image it names, never bytes that
/// do not hash to it.
fn resolve_tag(client: &Client, repo: &str, tag: &str) -> Result<Option<Digest>, ImageError> {
    match client.head_manifest(repo, tag) {
        Ok(found) => Ok(found.map(|(digest, _, _)| digest)),
        // Credentials refused: a GET would only be refused again (and count as another failed login).
        Err(e @ ImageError::RegistryAuth { .. }) => Err(e),
        Err(_) => Ok(client.get_manifest(repo, tag, Limits::default().max_json_bytes)?.map(|f| f.digest)),
    }
}

struct Ctx<'a> {
    host: &'a str,
    client: &'a Arc<Client>,
    open: &'a OpenOptions,
    settings: &'a Settings,
    keep_reports: bool,
    today: Date,
    bar: &'a ProgressBar,
}

impl Ctx<'_> {
    fn reference(&self, repo: &str, tag: &str) -> String {
        format!("{}/{repo}:{tag}", self.host)
    }

    /// Opens the image by its digest (so its manifest bytes are verified) through the shared client.
    fn open(&self, g: &Group) -> Result<Image> {
        let r = RegistryRef { registry: self.host.to_owned(), repository: g.repo.clone(), tag: None, digest: None }
            .with_digest(g.digest.clone());
        Ok(plimsoll_image::open_with_client(&r, self.client.clone(), self.open)?)
    }

    fn scan(&self, g: &Group, image: &Image) -> Result<Scanned> {
        let mut report = plimsoll::scan_image(image, &self.settings.scan)?;
        report.artifact.repo_tags = g.tags.iter().map(|t| self.reference(&g.repo, t)).collect();
        let outcome = policy::apply(&mut report, &self.settings.policy, self.today);
        let policy_warnings =
            outcome.warnings.iter().map(|d| format!("{}: {}", d.path.as_deref().unwrap_or("-"), d.message)).collect();
        report.diagnostics.extend(outcome.warnings);
        Ok(Scanned {
            manifest_digest: image.manifest_digest.clone(),
            counts: Counts::of(&report, self.settings.scan.advisories.is_some()),
            gate_failed: outcome.failed,
            policy_warnings,
            report: self.keep_reports.then_some(report),
        })
    }

    /// One scanning thread: the results it produced, by group index.
    fn work(&self, groups: &[Group], sched: &Scheduler<(usize, Image)>) -> Vec<(usize, Result<Scanned, String>)> {
        let mut done = Vec::new();
        while let Some(job) = sched.next() {
            let ((i, image), layers) = match job {
                Job::Fresh(i) => {
                    let Some(g) = groups.get(i) else { continue };
                    self.bar.set_message(format!("{}:{}", g.repo, g.tags.join(",")));
                    match self.open(g) {
                        Err(e) => {
                            done.push((i, Err(reason(&e))));
                            self.bar.inc(1);
                            continue;
                        }
                        Ok(image) => {
                            let layers = image.layers.iter().map(|l| l.diff_id.clone()).collect();
                            match sched.claim((i, image), layers) {
                                Some(claimed) => claimed,
                                None => continue,
                            }
                        }
                    }
                }
                Job::Ready(t, layers) => (t, layers),
            };
            // Released even if the scan panics, so that no other thread waits for ever.
            let claim = Claim { sched, layers };
            let result = match groups.get(i) {
                Some(g) => self.scan(g, &image).map_err(|e| reason(&e)),
                None => Err("internal error: no such image".into()),
            };
            drop(image);
            drop(claim);
            done.push((i, result));
            self.bar.inc(1);
        }
        done
    }
}

pub fn run_registry(args: RegistryScanArgs) -> Result<ExitCode> {
    let RegistryScanArgs { target: given, repos, platform, parallel, counts_only, error_exit_code, registry, common } =
        args;
    let platform: Platform = platform.parse().with_context(|| format!("invalid --platform `{platform}`"))?;
    let (host, repos) = target(&given, &repos)?;
    // Checked before the settings, which open the advisory database and may warn.
    match common.format.parse::<Format>() {
        Ok(Format::Table | Format::Json) => {}
        Ok(other) => bail!("`plimsoll registry` writes a summary as table or json, not {other}"),
        Err(e) => bail!("{e}; `plimsoll registry` writes table or json"),
    }
    let quiet = common.quiet;
    let settings = resolve_settings(common, ALL_SCANNERS, false)?;
    let registry = registry.options()?;
    // One client for listing, resolving and every image: its tokens are reused across images.
    let client = Arc::new(Client::connect(&host, &registry).with_context(|| format!("cannot reach registry {host}"))?);
    let repos = if repos.is_empty() {
        client.catalog().with_context(|| format!("cannot list the catalog of {host} (pass HOST/REPO or --repo)"))?
    } else {
        repos
    };
    let bar = progress_bar(quiet);
    let mut rows = Vec::new();
    let failed_row = |repo: &str, tags: Vec<String>, references: Vec<String>, why: String| Row {
        repo: repo.to_owned(),
        tags,
        references,
        digest: None,
        outcome: Err(why),
    };

    // Tags of every repository. The catalog comes from the registry: names are checked before
    // they go into a URL.
    bar.set_prefix("listing tags");
    bar.set_length(repos.len() as u64);
    let listed = par_map(&repos, LOOKUP_THREADS, |repo| {
        let tags = repository_name(&host, repo)
            .map_err(|e| anyhow!(e))
            .and_then(|name| client.tags(&name).map_err(anyhow::Error::from).map(|t| (name, t)));
        bar.inc(1);
        tags
    });
    let mut tagged: Vec<(String, String)> = Vec::new();
    let mut skipped = 0usize;
    for (repo, listed) in repos.iter().zip(listed) {
        match listed {
            Err(e) => rows.push(failed_row(
                repo,
                Vec::new(),
                vec![format!("{host}/{repo}")],
                format!("cannot list tags: {}", reason(&e)),
            )),
            Ok((name, mut tags)) => {
                // Registries list tags in no particular order; rows should not depend on it.
                tags.sort();
                tags.dedup();
                for tag in tags {
                    if is_cosign_tag(&tag) {
                        skipped += 1;
                    } else if !valid_tag(&tag) {
                        let why = format!("the registry listed an invalid tag `{}`", tag.escape_debug());
                        rows.push(failed_row(&name, Vec::new(), vec![format!("{host}/{name}")], why));
                    } else {
                        tagged.push((name.clone(), tag));
                    }
                }
            }
        }
    }
    let tag_count = tagged.len();

    // Each tag's digest; tags of a repository that share one are scanned together.
    bar.set_prefix("resolving tags");
    bar.set_position(0);
    bar.set_length(tagged.len() as u64);
    let digests = par_map(&tagged, LOOKUP_THREADS, |(repo, tag)| {
        let d = resolve_tag(&client, repo, tag);
        bar.inc(1);
        d
    });
    let mut groups: Vec<Group> = Vec::new();
    let mut by_digest: HashMap<(String, Digest), usize> = HashMap::new();
    for ((repo, tag), d) in tagged.into_iter().zip(digests) {
        let reference = format!("{host}/{repo}:{tag}");
        match d {
            Ok(Some(digest)) => {
                let i = *by_digest.entry((repo.clone(), digest.clone())).or_insert_with(|| {
                    groups.push(Group { repo: repo.clone(), digest, tags: Vec::new() });
                    groups.len() - 1
                });
                if let Some(g) = groups.get_mut(i) {
                    g.tags.push(tag);
                }
            }
            Ok(None) => rows.push(failed_row(&repo, vec![tag], vec![reference], "tag not found (deleted?)".into())),
            Err(e) => rows.push(failed_row(&repo, vec![tag], vec![reference], format!("cannot resolve: {e}"))),
        }
    }

    // Scan.
    bar.set_prefix("scanning images");
    bar.set_position(0);
    bar.set_length(groups.len() as u64);
    let workers = parallel
        .map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(2), |n| usize::from(n).max(1));
    let open = OpenOptions { platform, registry, ..OpenOptions::default() };
    let ctx = Ctx {
        host: &host,
        client: &client,
        open: &open,
        settings: &settings,
        keep_reports: settings.format == Format::Json && !counts_only,
        today: Date::today_utc(),
        bar: &bar,
    };
    // Waiting for a layer only pays when the first scan leaves it in the cache.
    let cached = settings.scan.cache.is_some() && settings.scan.secrets.as_ref().is_none_or(|s| !s.reveal);
    let sched = Scheduler::new(groups.len(), cached && workers > 1, workers * PARKED_PER_WORKER);
    let results: Vec<(usize, Result<Scanned, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.min(groups.len())).map(|_| s.spawn(|| ctx.work(&groups, &sched))).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    bar.finish_and_clear();
    let mut results: HashMap<usize, Result<Scanned, String>> = results.into_iter().collect();
    for (i, g) in groups.into_iter().enumerate() {
        let references = g.tags.iter().map(|t| format!("{host}/{}:{t}", g.repo)).collect();
        let outcome = results.remove(&i).unwrap_or_else(|| Err("internal error: image not scanned".into()));
        rows.push(Row { repo: g.repo, tags: g.tags, references, digest: Some(g.digest), outcome });
    }
    rows.sort_by(|a, b| (&a.repo, &a.tags).cmp(&(&b.repo, &b.tags)));

    let summary = Summary { host: &host, repos: repos.len(), tags: tag_count, skipped };
    match &settings.output {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            write_summary(&mut w, &rows, &summary, settings.format, counts_only, false)?;
            w.flush().with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let mut w = BufWriter::new(std::io::stdout().lock());
            write_summary(&mut w, &rows, &summary, settings.format, counts_only, stdout_color())?;
            w.flush()?;
        }
    }
    if !quiet {
        let mut err = std::io::stderr().lock();
        for w in common_warnings(&rows) {
            writeln!(err, "warning: {w}")?;
        }
        if settings.format == Format::Json {
            writeln!(err, "{}", summary.line(&rows))?;
        }
    }

    let errors = rows.iter().filter(|r| r.outcome.is_err()).count();
    let gate = rows.iter().any(|r| r.outcome.as_ref().is_ok_and(|s| s.gate_failed));
    Ok(if errors > 0 && error_exit_code != 0 {
        ExitCode::from(error_exit_code)
    } else if gate && settings.exit_code != 0 {
        ExitCode::from(settings.exit_code)
    } else {
        ExitCode::SUCCESS
    })
}

/// The policy warnings every scanned image has (an ignore entry that matched nothing anywhere);
/// the others are in each image's report.
fn common_warnings(rows: &[Row]) -> Vec<String> {
    let mut scanned = rows.iter().filter_map(|r| r.outcome.as_ref().ok());
    let Some(first) = scanned.next() else { return Vec::new() };
    let mut common = first.policy_warnings.clone();
    for s in scanned {
        common.retain(|w| s.policy_warnings.contains(w));
    }
    common
}

struct Summary<'a> {
    host: &'a str,
    repos: usize,
    tags: usize,
    skipped: usize,
}

impl Summary<'_> {
    fn line(&self, rows: &[Row]) -> String {
        let images = rows.iter().filter(|r| r.digest.is_some()).count();
        let ok = rows.iter().filter(|r| r.outcome.is_ok()).count();
        let failed = rows.len() - ok;
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut s = format!(
            "{}: {} ({} in {}): {ok} scanned, {failed} failed",
            self.host,
            plural(images, "image", "images"),
            plural(self.tags, "tag", "tags"),
            plural(self.repos, "repository", "repositories"),
        );
        if self.skipped > 0 {
            s.push_str(&format!(
                "; {} skipped",
                plural(self.skipped, "Cosign signature/attestation/SBOM tag", "Cosign signature/attestation/SBOM tags")
            ));
        }
        s
    }
}

/// One image in `--format json`.
#[derive(Serialize)]
struct JsonImage<'a> {
    references: &'a [String],
    digest: Option<&'a Digest>,
    manifest_digest: Option<&'a Digest>,
    status: &'static str,
    error: Option<&'a str>,
    counts: Option<&'a Counts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<Option<&'a ScanReport>>,
}

fn write_summary(
    w: &mut dyn Write,
    rows: &[Row],
    summary: &Summary<'_>,
    format: Format,
    counts_only: bool,
    color: bool,
) -> Result<()> {
    if format == Format::Json {
        let items: Vec<JsonImage<'_>> = rows
            .iter()
            .map(|r| {
                let ok = r.outcome.as_ref().ok();
                JsonImage {
                    references: &r.references,
                    digest: r.digest.as_ref(),
                    manifest_digest: ok.map(|s| &s.manifest_digest),
                    status: if ok.is_some() { "ok" } else { "error" },
                    error: r.outcome.as_ref().err().map(String::as_str),
                    counts: ok.map(|s| &s.counts),
                    report: (!counts_only).then(|| ok.and_then(|s| s.report.as_ref())),
                }
            })
            .collect();
        serde_json::to_writer_pretty(&mut *w, &items)?;
        writeln!(w)?;
        return Ok(());
    }
    let header: Vec<String> =
        ["IMAGE", "DIGEST", "PACKAGES", "VULNS C/H/M/L/U", "SECRETS", "MISCONFIG", "STATUS"].map(String::from).into();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let image = if r.tags.is_empty() { r.repo.clone() } else { format!("{}:{}", r.repo, r.tags.join(",")) };
            let digest = r.digest.as_ref().map_or("-", Digest::short).to_owned();
            match &r.outcome {
                Ok(s) => {
                    let c = &s.counts;
                    let vulns = c.vulnerabilities.as_ref().map_or_else(
                        || "-".to_owned(),
                        |v| format!("{}/{}/{}/{}/{}", v.critical, v.high, v.medium, v.low, v.unknown),
                    );
                    vec![
                        image,
                        digest,
                        c.packages.to_string(),
                        vulns,
                        c.secrets.to_string(),
                        c.misconfigurations.to_string(),
                        "ok".into(),
                    ]
                }
                Err(e) => {
                    let dash = || "-".to_owned();
                    vec![image, digest, dash(), dash(), dash(), dash(), format!("error: {e}")]
                }
            }
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| cells.iter().chain(std::iter::once(&header)).map(|r| r.get(i).map_or(0, |c| c.chars().count())).max())
        .map(|w| w.unwrap_or(0))
        .collect();
    let last = header.len() - 1;
    for (n, row) in std::iter::once(&header).chain(&cells).enumerate() {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            if i == last {
                // The status is last: no padding, coloured on a terminal.
                let paint = match (color && n > 0, cell.starts_with("error")) {
                    (false, _) => None,
                    (true, true) => Some("31"),
                    (true, false) => Some("32"),
                };
                match paint {
                    Some(code) => line.push_str(&format!("\x1b[{code}m{cell}\x1b[0m")),
                    None => line.push_str(cell),
                }
            } else {
                line.push_str(&format!("{cell:<width$}"));
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    writeln!(w)?;
    writeln!(w, "{}", summary.line(rows))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u8) -> Digest {
        Digest::sha256_from_bytes(&[n])
    }

    #[test]
    fn cosign_tags() {
        let hex = "ab".repeat(32);
        for t in ["sig", "att", "sbom"] {
            assert!(is_cosign_tag(&format!("sha256-{hex}.{t}")), "{t}");
        }
        for t in ["v1.sig", "latest", "sha256-.sig", &format!("sha256-{hex}.txt"), &format!("sha256-{hex}")] {
            assert!(!is_cosign_tag(t), "{t}");
        }
    }

    #[test]
    fn tag_and_target_names() {
        assert!(valid_tag("v1.2.3-rc_1") && valid_tag("_x"));
        assert!(!valid_tag("") && !valid_tag(".x") && !valid_tag("a/b") && !valid_tag(&"a".repeat(129)));
        let (host, repos) = target("localhost:5000/team/app", &["other".into(), "team/app".into()]).unwrap();
        assert_eq!((host.as_str(), repos), ("localhost:5000", vec!["team/app".to_owned(), "other".to_owned()]));
        let (host, repos) = target("docker.io", &["alpine".into()]).unwrap();
        assert_eq!((host.as_str(), repos), ("docker.io", vec!["library/alpine".to_owned()]));
        assert!(target("localhost:5000/team/app:1", &[]).is_err());
        assert!(target("localhost:5000", &["../x".into()]).is_err());
        assert!(target("localhost:5000", &["a:1".into()]).is_err());
        assert_eq!(repository_name("myhost", "team/x").unwrap(), "team/x");
    }

    #[test]
    fn par_map_keeps_order() {
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(par_map(&items, 7, |x| x * 2), items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(par_map(&[] as &[u32], 4, |x| *x).is_empty());
    }

    #[test]
    fn scheduler_keeps_shared_layers_apart() {
        let s: Scheduler<usize> = Scheduler::new(3, true, 4);
        assert_eq!(s.next(), Some(Job::Fresh(0)));
        assert_eq!(s.next(), Some(Job::Fresh(1)));
        assert_eq!(s.claim(0, vec![d(1), d(2)]), Some((0, vec![d(1), d(2)])));
        // Image 1 shares layer 2: parked.
        assert_eq!(s.claim(1, vec![d(2), d(3)]), None);
        assert_eq!(s.next(), Some(Job::Fresh(2)));
        assert_eq!(s.claim(2, vec![d(4)]), Some((2, vec![d(4)])));
        s.release(&[d(4)]);
        s.release(&[d(1), d(2)]);
        assert_eq!(s.next(), Some(Job::Ready(1, vec![d(2), d(3)])));
        // Claimed again: another image with layer 3 would park now.
        assert!(s.lock().busy.contains(&d(3)));
        s.release(&[d(2), d(3)]);
        assert_eq!(s.next(), None);
    }

    #[test]
    fn scheduler_without_cache_never_waits() {
        let s: Scheduler<usize> = Scheduler::new(2, false, 1);
        assert_eq!(s.next(), Some(Job::Fresh(0)));
        assert_eq!(s.claim(0, vec![d(1)]), Some((0, vec![d(1)])));
        assert_eq!(s.next(), Some(Job::Fresh(1)));
        assert_eq!(s.claim(1, vec![d(1)]), Some((1, vec![d(1)])));
        assert_eq!(s.next(), None);
    }

    #[test]
    fn scheduler_waits_when_the_parking_is_full() {
        let s: Scheduler<usize> = Scheduler::new(3, true, 1);
        assert_eq!(s.next(), Some(Job::Fresh(0)));
        assert_eq!(s.next(), Some(Job::Fresh(1)));
        assert!(s.claim(0, vec![d(1)]).is_some());
        assert!(s.claim(1, vec![d(1)]).is_none());
        // The parking is full and its image waits for layer 1: `next` must block until the
        // release, then hand out the parked image before opening image 2.
        let job = std::thread::scope(|sc| {
            let waiter = sc.spawn(|| s.next());
            s.release(&[d(1)]);
            waiter.join().unwrap()
        });
        assert_eq!(job, Some(Job::Ready(1, vec![d(1)])));
    }
}
