//! The layer cache never serves results computed under another rule set: a changed user secret
//! rule, a disabled built-in secret rule or another Pod Security Standards version re-scans the
//! cached layer (regression test for the constant `builtin` secret key, issue 11).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use plimsoll::image::OpenOptions;
use plimsoll::policy::Policy;
use plimsoll::{settings, LayerCache, LintConfig, Progress, ScanOptions, SecretOptions};
use plimsoll_image::testing::{ImageBuilder, LayerBuilder};

/// Layers read from the cache, and layers scanned.
#[derive(Default)]
struct Hits {
    cached: AtomicUsize,
    scanned: AtomicUsize,
}

impl Progress for Hits {
    fn layer_done(&self, _index: usize, _bytes: u64, cached: bool) {
        let n = if cached { &self.cached } else { &self.scanned };
        n.fetch_add(1, Ordering::Relaxed);
    }
}

const TOKEN: &str = "acme_0123456789abcdef0123456789abcdef";

fn rule(regex: &str) -> String {
    format!(
        "[[rules]]\nid = \"acme-api-key\"\ntitle = \"ACME API key\"\nseverity = \"HIGH\"\nkeywords = [\"acme_\"]\nregex = '''{regex}'''\n"
    )
}

struct Run<'a> {
    image: &'a Path,
    cache: &'a Path,
}

impl Run<'_> {
    /// Scans with these secret and lint settings; (secret rule ids found, cached, scanned).
    fn scan(&self, secrets: SecretOptions, misconfig: Option<LintConfig>) -> (Vec<String>, usize, usize) {
        let hits = Arc::new(Hits::default());
        let opts = ScanOptions {
            cache: Some(LayerCache::new(self.cache)),
            progress: Some(hits.clone()),
            secrets: Some(secrets),
            misconfig,
            ..ScanOptions::default()
        };
        let reference = format!("oci:{}", self.image.display());
        let scanned = plimsoll::scan_image_ref(&reference, &OpenOptions::default(), &opts, &Policy::default()).unwrap();
        let ids = scanned.report.secrets.iter().map(|s| s.rule_id.clone()).collect();
        (ids, hits.cached.load(Ordering::Relaxed), hits.scanned.load(Ordering::Relaxed))
    }
}

/// A scanner built in memory: the same origin for every rule set, so nothing but the rules
/// themselves can tell two of them apart.
fn inline(toml: &str) -> SecretOptions {
    let cfg = plimsoll_secrets::ScanConfig::from_toml(toml, "<inline>").unwrap();
    SecretOptions {
        scanner: Arc::new(plimsoll_secrets::Scanner::new(&cfg).unwrap()),
        reveal: false,
        include_os_files: false,
    }
}

fn secrets_from(dir: &Path, name: &str, toml: &str) -> SecretOptions {
    let path = dir.join(name);
    std::fs::write(&path, toml).unwrap();
    settings::secret_options(Some(&path), false, false).unwrap()
}

#[test]
fn a_changed_rule_rescans_the_cached_layer() {
    let image = tempfile::tempdir().unwrap();
    ImageBuilder::new()
        .layer(LayerBuilder::new().file("app/config.env", format!("ACME_KEY={TOKEN}\n"), 0o644))
        .write_oci_dir(image.path(), None)
        .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let conf = tempfile::tempdir().unwrap();
    let run = Run { image: image.path(), cache: cache.path() };

    // The user rule matches 32 hex digits: found, then served from the cache.
    let v1 = || inline(&rule(r"\bacme_[0-9a-f]{32}\b"));
    assert_eq!(run.scan(v1(), None), (vec!["acme-api-key".to_owned()], 0, 1));
    assert_eq!(run.scan(v1(), None), (vec!["acme-api-key".to_owned()], 1, 0));

    // The rule edited so that it no longer matches: a stale cache would still report the
    // finding; the layer is scanned again and nothing is found.
    assert_eq!(run.scan(inline(&rule(r"\bacme_[0-9a-f]{40}\b")), None), (vec![], 0, 1));
    // The same through a configuration file, as the CLI loads it.
    let from_file = secrets_from(conf.path(), "secrets.toml", &rule(r"\bacme_[0-9a-f]{32}\b"));
    assert_eq!(run.scan(from_file, None), (vec!["acme-api-key".to_owned()], 1, 0), "same rules, same entry");

    // Built-in rules only (the former constant `builtin` key), then one of them disabled.
    assert_eq!(run.scan(SecretOptions::builtin(), None).1, 0);
    assert_eq!(run.scan(SecretOptions::builtin(), None).1, 1);
    let disabled = inline("disabled_rules = [\"generic-password\"]\n");
    assert_eq!(run.scan(disabled, None).1, 0, "another built-in rule set is another cache entry");

    // Lint settings that change what the walk finds are part of the key as well.
    let pss = LintConfig { pss_version: Some(plimsoll::rules::PssVersion(28)), ..LintConfig::default() };
    assert_eq!(run.scan(SecretOptions::builtin(), Some(LintConfig::default())).1, 0);
    assert_eq!(run.scan(SecretOptions::builtin(), Some(LintConfig::default())).1, 1);
    assert_eq!(run.scan(SecretOptions::builtin(), Some(pss)).1, 0);
}
