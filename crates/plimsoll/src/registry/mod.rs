//! Scanning every image of a registry, or of some of its repositories ([`scan_registry`]).
//!
//! Tags are listed and resolved to the digest they point to (an image manifest or a
//! multi-platform index; with HEAD requests, which Docker Hub does not count against its pull
//! rate limit), and each distinct digest is scanned once, several at a time, with the caller's
//! [`ScanOptions`] and [`Policy`]. With the layer cache on, two images that share a layer are not
//! scanned at the same moment ([`scheduler`]): the second waits and then finds the layer in the
//! cache. The result ([`FleetScan`]) lists every tag; an image that cannot be scanned is a row
//! with the reason, and the other images are still scanned. One client serves the whole scan:
//! one connection check, and one token per repository rather than one per image.

mod scheduler;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use plimsoll_image::registry::{Client, RegistryOptions, RegistryRef};
use plimsoll_image::{Image, ImageError, Limits, OpenOptions, Platform};
use plimsoll_model::fleet::{FindingCounts, FleetImage, FleetScan, FleetScanned};
use plimsoll_model::Digest;

use crate::policy::{self, Date, ExitCodes, Policy};
use crate::{scan_image, Error, ScanOptions};
use scheduler::{Claim, Job, Scheduler};

/// Requests in flight while listing and resolving tags: network-bound, next to no CPU.
const LOOKUP_THREADS: usize = 8;
/// Opened images that may wait for a layer another scan is reading, per scanning thread.
const PARKED_PER_WORKER: usize = 4;

/// How to scan a registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryScanOptions {
    /// Repositories to scan (on top of one named by the target); empty: the catalog.
    pub repositories: Vec<String>,
    /// Platform to pick from multi-platform images.
    pub platform: Platform,
    /// How to reach the registry (TLS, credentials, blob cache).
    pub registry: RegistryOptions,
    /// Images scanned at the same time [default: 2, or 1 on a single core].
    pub parallel: Option<usize>,
    /// Keep each image's full report in the result (else only its counts).
    pub keep_reports: bool,
}

/// Receives progress events of a registry scan; called from worker threads.
pub trait RegistryProgress: Send + Sync {
    /// A new stage (`listing tags`, `resolving tags`, `scanning images`) of `total` steps.
    fn stage(&self, _name: &str, _total: usize) {}
    /// The image being opened now.
    fn image(&self, _name: &str) {}
    /// One step of the current stage is done.
    fn step(&self) {}
    fn finish(&self) {}
}

impl RegistryProgress for () {}

/// `sha256-<hex>.sig|.att|.sbom`: the tags where Cosign keeps signatures, attestations and SBOMs;
/// and `sha256-<hex>`, the OCI referrers tag schema's index of artifacts (Cosign v3, ORAS).
fn is_cosign_tag(tag: &str) -> bool {
    let stem = match tag.rsplit_once('.') {
        Some((stem, "sig" | "att" | "sbom")) => stem,
        None if tag.starts_with("sha256-") && tag.len() == 71 => tag,
        _ => return false,
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
        _ => RegistryRef::parse(&format!("localhost/{repo}")).map_err(|e| e.to_string())?,
    };
    if r.tag.is_some() || r.digest.is_some() {
        return Err(format!("`{repo}` is not a repository name (it has a tag or digest)"));
    }
    Ok(r.repository)
}

fn registry_error(message: String) -> Error {
    Error::Registry { message, source: None }
}

/// `REGISTRY` (`HOST[:PORT]` or `HOST[:PORT]/REPO`) and extra repositories -> the host and the
/// repositories asked for (empty: the catalog).
pub fn parse_target(given: &str, repos: &[String]) -> Result<(String, Vec<String>), Error> {
    let (host, mut out) = if given.contains('/') {
        let r = RegistryRef::parse(given)
            .map_err(|e| registry_error(format!("`{given}` is not a registry or repository: {e}")))?;
        if r.tag.is_some() || r.digest.is_some() {
            return Err(registry_error(format!(
                "`{given}` is an image; give HOST or HOST/REPO (to scan one image, use `plimsoll image {given}`)"
            )));
        }
        (r.registry, vec![r.repository])
    } else {
        (given.to_owned(), Vec::new())
    };
    if host.is_empty() {
        return Err(registry_error("no registry given".into()));
    }
    for repo in repos {
        let name = repository_name(&host, repo).map_err(|e| registry_error(format!("--repo {repo}: {e}")))?;
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

/// An error and its causes on one line (`a: b: c`).
fn reason(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
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

/// One repository's digest, with the tags that point to it.
struct Group {
    repo: String,
    digest: Digest,
    tags: Vec<String>,
}

struct Ctx<'a> {
    host: &'a str,
    client: &'a Arc<Client>,
    open: &'a OpenOptions,
    scan: &'a ScanOptions,
    policy: &'a Policy,
    keep_reports: bool,
    today: Date,
    progress: &'a dyn RegistryProgress,
}

impl Ctx<'_> {
    /// Opens the image by its digest (so its manifest bytes are verified) through the shared client.
    fn open(&self, g: &Group) -> Result<Image, ImageError> {
        let r = RegistryRef { registry: self.host.to_owned(), repository: g.repo.clone(), tag: None, digest: None }
            .with_digest(g.digest.clone());
        plimsoll_image::open_with_client(&r, self.client.clone(), self.open)
    }

    fn scan(&self, g: &Group, image: &Image) -> Result<FleetScanned, crate::ScanError> {
        let mut report = scan_image(image, self.scan)?;
        report.artifact.repo_tags = g.tags.iter().map(|t| format!("{}/{}:{t}", self.host, g.repo)).collect();
        let verdict = policy::apply_on(&mut report, self.policy, self.today);
        let policy_warnings = verdict
            .warnings
            .iter()
            .chain(&verdict.coverage)
            .map(|d| format!("{}: {}", d.path.as_deref().unwrap_or("-"), d.message))
            .collect();
        Ok(FleetScanned {
            manifest_digest: image.manifest_digest.clone(),
            counts: FindingCounts::of(&report, self.scan.advisories.is_some()),
            gate_failed: verdict.failed,
            incomplete: verdict.incomplete,
            policy_warnings,
            report: self.keep_reports.then_some(report),
        })
    }

    /// One scanning thread: the results it produced, by group index.
    fn work(&self, groups: &[Group], sched: &Scheduler<(usize, Image)>) -> Vec<(usize, Result<FleetScanned, String>)> {
        let mut done = Vec::new();
        while let Some(job) = sched.next() {
            let ((i, image), layers) = match job {
                Job::Fresh(i) => {
                    let Some(g) = groups.get(i) else { continue };
                    self.progress.image(&format!("{}:{}", g.repo, g.tags.join(",")));
                    match self.open(g) {
                        Err(e) => {
                            done.push((i, Err(reason(&e))));
                            self.progress.step();
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
            self.progress.step();
        }
        done
    }
}

/// Scans every image of the registry `target` (`HOST[:PORT]`, or `HOST[:PORT]/REPO` for one
/// repository; see [`parse_target`]) with `scan` and `policy`: each distinct digest once. Errors
/// are for the registry as a whole (bad name, unreachable, catalog refused); an image that cannot
/// be listed, resolved or scanned is a row of the result with the reason.
pub fn scan_registry(
    target: &str,
    opts: &RegistryScanOptions,
    scan: &ScanOptions,
    policy: &Policy,
    progress: &dyn RegistryProgress,
) -> Result<FleetScan, Error> {
    let (host, repos) = parse_target(target, &opts.repositories)?;
    // One client for listing, resolving and every image: its tokens are reused across images.
    let client = Arc::new(Client::connect(&host, &opts.registry).map_err(|source| Error::Registry {
        message: format!("cannot reach registry {host}"),
        source: Some(source),
    })?);
    let repos = if repos.is_empty() {
        client.catalog().map_err(|source| Error::Registry {
            message: format!("cannot list the catalog of {host} (pass HOST/REPO or --repo)"),
            source: Some(source),
        })?
    } else {
        repos
    };
    let mut rows = Vec::new();
    let failed_row = |repo: &str, tags: Vec<String>, references: Vec<String>, why: String| FleetImage {
        repository: repo.to_owned(),
        tags,
        references,
        digest: None,
        outcome: Err(why),
    };

    // Tags of every repository. The catalog comes from the registry: names are checked before
    // they go into a URL.
    progress.stage("listing tags", repos.len());
    let listed = par_map(&repos, LOOKUP_THREADS, |repo| {
        let tags =
            repository_name(&host, repo).and_then(|name| client.tags(&name).map_err(|e| reason(&e)).map(|t| (name, t)));
        progress.step();
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
                format!("cannot list tags: {e}"),
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
    progress.stage("resolving tags", tagged.len());
    let digests = par_map(&tagged, LOOKUP_THREADS, |(repo, tag)| {
        let d = resolve_tag(&client, repo, tag);
        progress.step();
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
    progress.stage("scanning images", groups.len());
    let workers =
        opts.parallel.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(2), |n| n.max(1));
    let open =
        OpenOptions { platform: opts.platform.clone(), registry: opts.registry.clone(), ..OpenOptions::default() };
    let ctx = Ctx {
        host: &host,
        client: &client,
        open: &open,
        scan,
        policy,
        keep_reports: opts.keep_reports,
        today: Date::today_utc(),
        progress,
    };
    // Waiting for a layer only pays when the first scan leaves it in the cache.
    let cached = scan.cache.is_some() && scan.secrets.as_ref().is_none_or(|s| !s.reveal);
    let sched = Scheduler::new(groups.len(), cached && workers > 1, workers * PARKED_PER_WORKER);
    let results: Vec<(usize, Result<FleetScanned, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.min(groups.len())).map(|_| s.spawn(|| ctx.work(&groups, &sched))).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    progress.finish();
    let mut results: HashMap<usize, Result<FleetScanned, String>> = results.into_iter().collect();
    for (i, g) in groups.into_iter().enumerate() {
        let references = g.tags.iter().map(|t| format!("{host}/{}:{t}", g.repo)).collect();
        let outcome = results.remove(&i).unwrap_or_else(|| Err("internal error: image not scanned".into()));
        rows.push(FleetImage { repository: g.repo, tags: g.tags, references, digest: Some(g.digest), outcome });
    }
    rows.sort_by(|a, b| (&a.repository, &a.tags).cmp(&(&b.repository, &b.tags)));
    Ok(FleetScan { host, repositories: repos.len(), tags: tag_count, skipped, images: rows })
}

/// The exit code of a registry scan: `codes.errors` when some image failed, else
/// `codes.findings` when some image has findings left after the policy, else `codes.incomplete`
/// when some image could not be checked completely.
pub fn exit_code(scan: &FleetScan, codes: ExitCodes) -> u8 {
    policy::exit_code(codes, scan.errors(), scan.gate_failed(), scan.incomplete())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosign_tags() {
        let hex = "ab".repeat(32);
        for t in ["sig", "att", "sbom"] {
            assert!(is_cosign_tag(&format!("sha256-{hex}.{t}")), "{t}");
        }
        // The referrers tag schema's index is an attachment too.
        assert!(is_cosign_tag(&format!("sha256-{hex}")));
        for t in ["v1.sig", "latest", "sha256-.sig", &format!("sha256-{hex}.txt"), &format!("sha256-{}", &hex[1..])] {
            assert!(!is_cosign_tag(t), "{t}");
        }
    }

    #[test]
    fn tag_and_target_names() {
        assert!(valid_tag("v1.2.3-rc_1") && valid_tag("_x"));
        assert!(!valid_tag("") && !valid_tag(".x") && !valid_tag("a/b") && !valid_tag(&"a".repeat(129)));
        let (host, repos) = parse_target("localhost:5000/team/app", &["other".into(), "team/app".into()]).unwrap();
        assert_eq!((host.as_str(), repos), ("localhost:5000", vec!["team/app".to_owned(), "other".to_owned()]));
        let (host, repos) = parse_target("docker.io", &["alpine".into()]).unwrap();
        assert_eq!((host.as_str(), repos), ("docker.io", vec!["library/alpine".to_owned()]));
        assert!(parse_target("localhost:5000/team/app:1", &[]).is_err());
        assert!(parse_target("localhost:5000", &["../x".into()]).is_err());
        assert!(parse_target("localhost:5000", &["a:1".into()]).is_err());
        assert_eq!(repository_name("myhost", "team/x").unwrap(), "team/x");
    }

    #[test]
    fn par_map_keeps_order() {
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(par_map(&items, 7, |x| x * 2), items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(par_map(&[] as &[u32], 4, |x| *x).is_empty());
    }
}
