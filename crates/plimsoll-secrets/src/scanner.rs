//! The scanning engine: keyword prefilter, per-rule regex windows, checks, overlap resolution,
//! lazy line numbers, pairing, masking.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use plimsoll_model::secret::{SecretFinding, SecretPair, SecretSource};
use plimsoll_model::Severity;

use crate::config::ScanConfig;
use crate::spec::{Examples, RuleSpec, Validator};
use crate::{mask, rules, shannon_entropy, SecretsError};

/// A keyword hit lets the rule's regex see the hit's line; lines longer than this (minified
/// JavaScript, one-line JSON) are cut to this many bytes on each side of the hit.
const LINE_CAP: usize = 16 * 1024;
/// How far past a keyword hit a multi-line rule looks (a PEM block of a 16384-bit RSA key is
/// about 12 KiB).
const MULTILINE_SPAN: usize = 64 * 1024;
/// A file is treated as binary when a NUL byte occurs in its first 8 KiB (as git and ripgrep do).
const BINARY_PROBE: usize = 8 * 1024;
/// Compiled size limit for one rule's regex, so a user rule cannot make the scanner allocate
/// without bound.
const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;
/// More matches than this in one file is a generated or hostile file: the rest are dropped and
/// the outcome is marked truncated.
const MAX_MATCHES_PER_FILE: usize = 1000;
/// Limit on context lines a rule may ask for.
const MAX_CONTEXT_LINES: u32 = 20;

/// Extensions of formats that are compressed or binary, so a text pattern can never match
/// inside them; [`Scanner::wants_path`] says no to them so the layer walk need not read them.
const BINARY_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "webp", "tif", "tiff", "psd", "woff", "woff2", "ttf", "otf", "eot",
    "zip", "gz", "tgz", "bz2", "xz", "zst", "lz4", "7z", "rar", "jar", "war", "ear", "whl", "egg", "class", "pyc",
    "pyo", "so", "a", "o", "dylib", "dll", "exe", "mo", "gmo", "deb", "rpm", "apk", "mp3", "mp4", "ogg", "wav", "pdf",
];

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    /// 1-based line of the secret's first byte.
    pub line: u32,
    /// 1-based column of the secret's first byte, in bytes.
    pub column: u32,
    /// The secret's bytes in the scanned content (for a reveal option: [`SecretMatch::secret`]).
    pub byte_range: Range<usize>,
    /// The secret, masked with [`mask`].
    pub masked: String,
    /// The other half of a credential pair found nearby.
    pub pair: Option<SecretPair>,
}

impl SecretMatch {
    /// The full secret, sliced from the content that was scanned.
    pub fn secret<'a>(&self, content: &'a [u8]) -> Option<&'a [u8]> {
        content.get(self.byte_range.clone())
    }

    /// The report type, without layer information (the pipeline sets `layer` and
    /// `hidden_by_layer`) and without the secret.
    pub fn to_finding(&self, path: &str, source: SecretSource) -> SecretFinding {
        SecretFinding {
            rule_id: self.rule_id.clone(),
            title: self.title.clone(),
            severity: self.severity,
            source,
            path: path.to_owned(),
            line: self.line,
            column: self.column,
            layer: None,
            hidden_by_layer: None,
            masked: self.masked.clone(),
            match_len: self.byte_range.len(),
            pair: self.pair.clone(),
            secret: None,
        }
    }
}

/// Why a file was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The path is on an allowlist.
    AllowedPath,
    /// Larger than the configured limit.
    TooLarge { size: u64, limit: u64 },
    /// Binary content and no rule scans binaries.
    Binary,
}

/// The result of [`Scanner::scan_detailed`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOutcome {
    pub matches: Vec<SecretMatch>,
    pub skipped: Option<SkipReason>,
    /// More than 1000 matches: the rest were dropped.
    pub truncated: bool,
}

/// A rule example that did not behave as its rule file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule_id: String,
    pub example: String,
    pub problem: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule `{}`: {} in example {:?}", self.rule_id, self.problem, self.example)
    }
}

struct Rule {
    id: String,
    title: String,
    severity: Severity,
    regex: regex::bytes::Regex,
    /// Capture group indices whose names start with `secret`, in order.
    secret_groups: Vec<usize>,
    entropy: Option<f64>,
    path: Option<regex::Regex>,
    file_contains: Vec<Vec<u8>>,
    multiline: bool,
    context_lines: u32,
    binary: bool,
    generic: bool,
    validators: Vec<Validator>,
    allow_secrets: Option<regex::bytes::RegexSet>,
    allow_paths: Option<regex::RegexSet>,
    /// Lower-cased.
    stopwords: Vec<Vec<u8>>,
    /// (index of the partner rule, maximum line distance).
    pair: Option<(usize, u32)>,
    has_keywords: bool,
    examples: Examples,
}

/// The compiled rule set. Build once, share across threads (it is `Send + Sync`).
pub struct Scanner {
    rules: Vec<Rule>,
    prefilter: Option<AhoCorasick>,
    /// For each prefilter pattern, the rules that listed it as a keyword.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords, and rules with a path filter: their regex runs over the whole file
    /// (for path rules only when the path matches). Path rules stay out of the keyword automaton
    /// because their keywords (`$` for /etc/shadow, `://` for .git-credentials) would fire in
    /// every file while the rule applies to almost none.
    unconditional: Vec<usize>,
    allow_paths: Option<regex::RegexSet>,
    allow_secrets: Option<regex::bytes::RegexSet>,
    /// Secrets allowed only in matching paths.
    scoped_allows: Vec<(regex::Regex, regex::bytes::Regex)>,
    max_file_size: u64,
    any_binary_rule: bool,
    /// See [`Scanner::fingerprint`].
    fingerprint: String,
}

impl fmt::Debug for Scanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
            .field("max_file_size", &self.max_file_size)
            .finish_non_exhaustive()
    }
}

/// A candidate before overlap resolution.
#[derive(Debug, Clone)]
struct Candidate {
    rule: usize,
    range: Range<usize>,
}

/// Per-rule state of one scan: not yet decided, runs, or does not apply to this file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Applies {
    Unknown,
    Yes,
    No,
}

impl Scanner {
    /// Compiles the built-in rules (unless disabled) and the config's rules and allowlists. User
    /// rules that carry examples are checked against them.
    pub fn new(config: &ScanConfig) -> Result<Self, SecretsError> {
        let mut specs: Vec<(RuleSpec, String)> = Vec::new();
        if config.builtin_rules {
            for (file, spec) in rules::builtin_specs()? {
                specs.push((spec, format!("built-in rules/{file}")));
            }
        }
        let builtin_count = specs.len();
        specs.extend(config.rules.iter().cloned().map(|s| (s, config.origin.clone())));

        let mut seen = HashMap::new();
        for (spec, origin) in &specs {
            if seen.insert(spec.id.clone(), ()).is_some() {
                return Err(SecretsError::DuplicateRule { origin: origin.clone(), rule: spec.id.clone() });
            }
        }
        for id in &config.disabled_rules {
            if !seen.contains_key(id) {
                return Err(SecretsError::UnknownDisabledRule { origin: config.origin.clone(), rule: id.clone() });
            }
        }
        let user_rule_ids: Vec<String> = specs[builtin_count..].iter().map(|(s, _)| s.id.clone()).collect();
        let all_ids: Vec<String> = specs.iter().map(|(s, _)| s.id.clone()).collect();
        specs.retain(|(s, _)| !config.disabled_rules.contains(&s.id));

        let fingerprint = fingerprint(config, specs.iter().map(|(s, _)| s));
        let mut rules = Vec::with_capacity(specs.len());
        for (spec, origin) in &specs {
            rules.push(compile_rule(spec, origin)?);
        }
        // Resolve pairs by id; a pair with a disabled partner is dropped, an unknown one is an error.
        for (i, (spec, origin)) in specs.iter().enumerate() {
            if let Some(p) = &spec.pair {
                match specs.iter().position(|(s, _)| s.id == p.rule) {
                    Some(j) if j != i => rules[i].pair = Some((j, p.max_lines)),
                    Some(_) => return Err(rule_err(origin, &spec.id, "a rule cannot pair with itself".into())),
                    None if all_ids.contains(&p.rule) => {}
                    None => return Err(rule_err(origin, &spec.id, format!("pairs with unknown rule `{}`", p.rule))),
                }
            }
        }

        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut unconditional = Vec::new();
        for (i, (spec, _)) in specs.iter().enumerate() {
            if spec.keywords.is_empty() || spec.path.is_some() {
                unconditional.push(i);
                continue;
            }
            for kw in &spec.keywords {
                let kw = kw.to_ascii_lowercase();
                let pid = *index.entry(kw.clone()).or_insert_with(|| {
                    patterns.push(kw);
                    keyword_rules.push(Vec::new());
                    patterns.len() - 1
                });
                if !keyword_rules[pid].contains(&i) {
                    keyword_rules[pid].push(i);
                }
            }
        }
        let prefilter = if patterns.is_empty() {
            None
        } else {
            // A full DFA scans several times faster than the default NFA for this many
            // case-insensitive patterns; fall back to the default if a huge user keyword list
            // makes the DFA too big.
            let build = |kind| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(kind)
                    .build(&patterns)
            };
            Some(
                build(Some(AhoCorasickKind::DFA))
                    .or_else(|_| build(None))
                    .map_err(|e| SecretsError::Config { origin: config.origin.clone(), message: e.to_string() })?,
            )
        };

        let mut allow_path_patterns: Vec<String> = Vec::new();
        let mut scoped: Vec<(String, String)> = Vec::new();
        if config.builtin_allowlist {
            for a in rules::BUILTIN_ALLOWLIST {
                match a.secret {
                    None => allow_path_patterns.push(a.path.to_owned()),
                    Some(secret) => scoped.push((a.path.to_owned(), secret.to_owned())),
                }
            }
        }
        allow_path_patterns.extend(config.allow.paths.iter().cloned());
        scoped.extend(config.allow.scoped.iter().map(|s| (s.path.clone(), s.secret.clone())));
        let scoped_allows = scoped
            .iter()
            .map(|(path, secret)| {
                let bad = |pattern: &str, e: regex::Error| SecretsError::AllowRegex {
                    origin: config.origin.clone(),
                    pattern: pattern.to_owned(),
                    message: e.to_string(),
                };
                let p =
                    regex::RegexBuilder::new(path).size_limit(REGEX_SIZE_LIMIT).build().map_err(|e| bad(path, e))?;
                let s = regex::bytes::RegexBuilder::new(secret)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| bad(secret, e))?;
                Ok((p, s))
            })
            .collect::<Result<Vec<_>, SecretsError>>()?;
        let allow_paths = compile_path_set(&allow_path_patterns, &config.origin)?;
        let allow_secrets = compile_bytes_set(&config.allow.secrets, &config.origin)?;

        let scanner = Scanner {
            any_binary_rule: rules.iter().any(|r| r.binary),
            rules,
            prefilter,
            keyword_rules,
            unconditional,
            allow_paths,
            allow_secrets,
            scoped_allows,
            max_file_size: config.max_file_size,
            fingerprint,
        };
        // A user rule whose own examples fail is a broken rule: better an error now than silence.
        for id in user_rule_ids {
            let failures: Vec<String> = scanner.check_rule_examples(&id).into_iter().map(|f| f.to_string()).collect();
            if !failures.is_empty() {
                return Err(SecretsError::Examples { rule: id, failures: failures.join("; ") });
            }
        }
        Ok(scanner)
    }

    /// The built-in rules with default settings.
    pub fn builtin() -> Self {
        // The built-in catalogue is compiled and checked by this crate's tests.
        Self::new(&ScanConfig::default()).expect("built-in secret rules compile")
    }

    /// A hash of everything that decides what this scanner finds: the engine's source code and
    /// version, the full definition of every active rule (built-in and user rules alike), the
    /// allowlists and the size limit. Results cached under one fingerprint are valid for any
    /// scanner with the same fingerprint; a changed rule, engine or setting changes it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Ids of the active rules, in catalogue order.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.id.as_str())
    }

    /// The configured file size limit, so a layer walk can skip reading larger files.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// Whether a file at `path` (relative to the root, with or without a leading `/`) is worth
    /// reading: false for allowlisted paths and for compressed or binary formats by extension.
    pub fn wants_path(&self, path: &str) -> bool {
        if self.path_allowed(path) {
            return false;
        }
        if self.any_binary_rule {
            return true;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => !BINARY_EXTENSIONS.iter().any(|b| b.eq_ignore_ascii_case(ext)),
            _ => true,
        }
    }

    fn path_allowed(&self, path: &str) -> bool {
        self.allow_paths.as_ref().is_some_and(|set| set.is_match(path))
    }

    /// Scans one file's content. `path` is used for path filters and allowlists; for image
    /// config values pass a pseudo path such as `Env` (path-filtered rules then do not apply).
    pub fn scan(&self, path: &str, content: &[u8]) -> Vec<SecretMatch> {
        self.scan_detailed(path, content).matches
    }

    /// [`Scanner::scan`], also saying whether the file was skipped and why.
    pub fn scan_detailed(&self, path: &str, content: &[u8]) -> ScanOutcome {
        let mut outcome = ScanOutcome::default();
        if self.path_allowed(path) {
            outcome.skipped = Some(SkipReason::AllowedPath);
            return outcome;
        }
        let size = content.len() as u64;
        if size > self.max_file_size {
            outcome.skipped = Some(SkipReason::TooLarge { size, limit: self.max_file_size });
            return outcome;
        }
        let binary = memchr::memchr(0, &content[..content.len().min(BINARY_PROBE)]).is_some();
        if binary && !self.any_binary_rule {
            outcome.skipped = Some(SkipReason::Binary);
            return outcome;
        }

        let mut applies = vec![Applies::Unknown; self.rules.len()];
        let mut windows: Vec<Vec<Range<usize>>> = Vec::new();
        if let Some(ac) = &self.prefilter {
            for hit in ac.find_overlapping_iter(content) {
                for &r in &self.keyword_rules[hit.pattern().as_usize()] {
                    if !self.rule_applies(r, path, content, binary, &mut applies) {
                        continue;
                    }
                    if windows.is_empty() {
                        windows = vec![Vec::new(); self.rules.len()];
                    }
                    self.add_window(&mut windows[r], r, content, hit.start(), hit.end());
                }
            }
        }
        for &r in &self.unconditional {
            if self.rule_applies(r, path, content, binary, &mut applies) {
                if windows.is_empty() {
                    windows = vec![Vec::new(); self.rules.len()];
                }
                windows[r].clear();
                windows[r].push(0..content.len());
            }
        }
        if windows.is_empty() {
            return outcome;
        }

        let scoped: Vec<&regex::bytes::Regex> =
            self.scoped_allows.iter().filter(|(p, _)| p.is_match(path)).map(|(_, s)| s).collect();
        let mut candidates = Vec::new();
        for (r, ws) in windows.iter().enumerate() {
            for w in ws {
                self.collect(r, content, w.clone(), &scoped, &mut candidates);
                if candidates.len() > MAX_MATCHES_PER_FILE * 4 {
                    outcome.truncated = true;
                    break;
                }
            }
        }
        let mut kept = resolve_overlaps(&self.rules, candidates);
        if kept.len() > MAX_MATCHES_PER_FILE {
            kept.truncate(MAX_MATCHES_PER_FILE);
            outcome.truncated = true;
        }
        outcome.matches = self.finish(content, kept);
        outcome
    }

    fn rule_applies(&self, r: usize, path: &str, content: &[u8], binary: bool, cache: &mut [Applies]) -> bool {
        if cache[r] == Applies::Unknown {
            let rule = &self.rules[r];
            let yes = (!binary || rule.binary)
                && rule.path.as_ref().is_none_or(|p| p.is_match(path))
                && !rule.allow_paths.as_ref().is_some_and(|a| a.is_match(path))
                && rule.file_contains.iter().all(|needle| memchr::memmem::find(content, needle).is_some());
            cache[r] = if yes { Applies::Yes } else { Applies::No };
        }
        cache[r] == Applies::Yes
    }

    /// Adds the lines around a keyword hit to the rule's windows, merging with the last window.
    fn add_window(&self, ws: &mut Vec<Range<usize>>, r: usize, content: &[u8], start: usize, end: usize) {
        if let Some(last) = ws.last() {
            if last.start <= start && end <= last.end {
                return;
            }
        }
        let rule = &self.rules[r];
        let mut lo = line_start(content, start);
        let mut hi = line_end(content, end);
        for _ in 0..rule.context_lines {
            if lo > 0 {
                lo = line_start(content, lo - 1);
            }
            if hi < content.len() {
                hi = line_end(content, hi);
            }
        }
        if rule.multiline {
            hi = line_end(content, hi.saturating_add(MULTILINE_SPAN).min(content.len()));
        }
        match ws.last_mut() {
            Some(last) if lo <= last.end => {
                last.start = last.start.min(lo);
                last.end = last.end.max(hi);
            }
            _ => ws.push(lo..hi),
        }
    }

    /// Runs rule `r`'s regex over one window and keeps the candidates that pass its checks.
    ///
    /// Rules delimit tokens with a consumed character (`(?:[^A-Za-z0-9_]|$)`, as the regex crate
    /// has no look-around), so the next search starts where the *secret* ended, not the whole
    /// match: two tokens on adjacent lines share the newline between them.
    fn collect(
        &self,
        r: usize,
        content: &[u8],
        window: Range<usize>,
        scoped: &[&regex::bytes::Regex],
        out: &mut Vec<Candidate>,
    ) {
        let rule = &self.rules[r];
        let hay = &content[window.clone()];
        let base = window.start;
        let mut locs = rule.regex.capture_locations();
        let mut at = 0;
        while at <= hay.len() {
            let Some(whole) = rule.regex.captures_read_at(&mut locs, hay, at) else { break };
            let (start, end) =
                rule.secret_groups.iter().find_map(|&g| locs.get(g)).unwrap_or((whole.start(), whole.end()));
            // Always move forward, also for empty matches.
            at = end.max(whole.start() + 1);
            let range = base + start..base + end;
            let secret = &content[range.clone()];
            if self.accept(rule, secret) && !scoped.iter().any(|s| s.is_match(secret)) {
                out.push(Candidate { rule: r, range });
            }
        }
    }

    fn accept(&self, rule: &Rule, secret: &[u8]) -> bool {
        if secret.is_empty() {
            return false;
        }
        if rule.entropy.is_some_and(|min| shannon_entropy(secret) < min) {
            return false;
        }
        if !rule.validators.iter().all(|v| v.check(secret)) {
            return false;
        }
        if !rule.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if rule.stopwords.iter().any(|w| memchr::memmem::find(&lower, w).is_some()) {
                return false;
            }
        }
        !(rule.allow_secrets.as_ref().is_some_and(|s| s.is_match(secret))
            || self.allow_secrets.as_ref().is_some_and(|s| s.is_match(secret)))
    }

    /// Lines, columns, masks and pairs for the kept candidates (sorted by start).
    fn finish(&self, content: &[u8], kept: Vec<Candidate>) -> Vec<SecretMatch> {
        let mut out = Vec::with_capacity(kept.len());
        let (mut line, mut line_start_at, mut pos) = (1u32, 0usize, 0usize);
        for c in kept {
            let start = c.range.start;
            if start > pos {
                let seg = &content[pos..start];
                let newlines = memchr::memchr_iter(b'\n', seg).count();
                if newlines > 0 {
                    line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
                    if let Some(last) = memchr::memrchr(b'\n', seg) {
                        line_start_at = pos + last + 1;
                    }
                }
                pos = start;
            }
            let rule = &self.rules[c.rule];
            let column = u32::try_from(start - line_start_at + 1).unwrap_or(u32::MAX);
            out.push(SecretMatch {
                rule_id: rule.id.clone(),
                title: rule.title.clone(),
                severity: rule.severity,
                line,
                column,
                masked: mask(&String::from_utf8_lossy(&content[c.range.clone()])),
                byte_range: c.range,
                pair: None,
            });
        }
        self.link_pairs(&mut out);
        out
    }

    /// Links each match of a rule with a `pair` to the nearest unpaired match of the partner rule
    /// within the allowed line distance (a following line wins a tie).
    fn link_pairs(&self, matches: &mut [SecretMatch]) {
        for rule in self.rules.iter().filter(|r| r.pair.is_some()) {
            let Some((partner, max_lines)) = rule.pair else { continue };
            let partner_id = &self.rules[partner].id;
            for a in 0..matches.len() {
                if matches[a].rule_id != rule.id || matches[a].pair.is_some() {
                    continue;
                }
                let line_a = matches[a].line;
                let best = (0..matches.len())
                    .filter(|&b| &matches[b].rule_id == partner_id && matches[b].pair.is_none())
                    .filter(|&b| matches[b].line.abs_diff(line_a) <= max_lines)
                    .min_by_key(|&b| (matches[b].line.abs_diff(line_a), matches[b].line < line_a));
                if let Some(b) = best {
                    let to_b = SecretPair {
                        rule_id: partner_id.clone(),
                        line: matches[b].line,
                        masked: matches[b].masked.clone(),
                    };
                    let to_a = SecretPair { rule_id: rule.id.clone(), line: line_a, masked: matches[a].masked.clone() };
                    matches[a].pair = Some(to_b);
                    matches[b].pair = Some(to_a);
                }
            }
        }
    }

    /// Checks every active rule's examples; the built-in catalogue's tests call this.
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        self.rules.iter().flat_map(|r| self.check_rule_examples(&r.id)).collect()
    }

    fn check_rule_examples(&self, id: &str) -> Vec<ExampleFailure> {
        let Some(rule) = self.rules.iter().find(|r| r.id == id) else { return Vec::new() };
        let path = rule.examples.path.as_deref().unwrap_or("example.txt");
        let mut failures = Vec::new();
        let fail = |example: &str, problem: String| ExampleFailure {
            rule_id: id.to_owned(),
            example: example.to_owned(),
            problem,
        };
        for ex in &rule.examples.matches {
            let text = ex.text().as_bytes();
            let found: Vec<_> = self.scan(path, text).into_iter().filter(|m| m.rule_id == id).collect();
            match (found.first(), ex.expected_secret()) {
                (None, _) => {
                    let others: Vec<_> = self.scan(path, text).into_iter().map(|m| m.rule_id).collect();
                    failures.push(fail(ex.text(), format!("no match (other rules matched: {others:?})")));
                }
                (Some(m), Some(want)) => {
                    let got = m.secret(text).unwrap_or_default();
                    if got != want.as_bytes() {
                        failures.push(fail(
                            ex.text(),
                            format!("extracted {:?}, expected {want:?}", String::from_utf8_lossy(got)),
                        ));
                    }
                }
                (Some(_), None) => {}
            }
        }
        for ex in &rule.examples.no_match {
            if self.scan(path, ex.text().as_bytes()).iter().any(|m| m.rule_id == id) {
                failures.push(fail(ex.text(), "unexpected match".into()));
            }
        }
        failures
    }

    /// Whether a rule is active and has keywords (used by the catalogue tests).
    #[doc(hidden)]
    pub fn rule_has_keywords(&self, id: &str) -> bool {
        self.rules.iter().any(|r| r.id == id && r.has_keywords)
    }
}

fn rule_err(origin: &str, rule: &str, problem: String) -> SecretsError {
    SecretsError::Rule { origin: origin.to_owned(), rule: rule.to_owned(), problem }
}

fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

fn compile_rule(spec: &RuleSpec, origin: &str) -> Result<Rule, SecretsError> {
    let err = |problem: String| rule_err(origin, &spec.id, problem);
    if !is_kebab_id(&spec.id) {
        return Err(err("the id must be kebab-case ([a-z0-9-], at most 64 characters)".into()));
    }
    if spec.title.trim().is_empty() {
        return Err(err("the title is empty".into()));
    }
    if spec.keywords.iter().any(|k| k.is_empty()) {
        return Err(err("a keyword is empty".into()));
    }
    if spec.context_lines > MAX_CONTEXT_LINES {
        return Err(err(format!("context_lines is at most {MAX_CONTEXT_LINES}")));
    }
    if let Some(e) = spec.entropy {
        if !(0.0..=8.0).contains(&e) {
            return Err(err("entropy must be between 0 and 8 bits per byte".into()));
        }
    }
    if spec.pair.as_ref().is_some_and(|p| p.max_lines > 1000) {
        return Err(err("pair.max_lines is at most 1000".into()));
    }
    let regex = regex::bytes::RegexBuilder::new(&spec.regex)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| err(format!("invalid regex: {e}")))?;
    let secret_groups = regex
        .capture_names()
        .enumerate()
        .filter(|(_, name)| name.is_some_and(|n| n.starts_with("secret")))
        .map(|(i, _)| i)
        .collect();
    let path = spec
        .path
        .as_deref()
        .map(|p| regex::RegexBuilder::new(p).size_limit(REGEX_SIZE_LIMIT).build())
        .transpose()
        .map_err(|e| err(format!("invalid path regex: {e}")))?;
    Ok(Rule {
        id: spec.id.clone(),
        title: spec.title.clone(),
        severity: spec.severity,
        regex,
        secret_groups,
        entropy: spec.entropy,
        path,
        file_contains: spec.file_contains.iter().map(|s| s.as_bytes().to_vec()).collect(),
        multiline: spec.multiline,
        context_lines: spec.context_lines,
        binary: spec.binary,
        generic: spec.generic,
        validators: spec.validate.clone(),
        allow_secrets: compile_bytes_set(&spec.allow.secrets, origin)?,
        allow_paths: compile_path_set(&spec.allow.paths, origin)?,
        stopwords: spec.allow.stopwords.iter().map(|w| w.to_ascii_lowercase().into_bytes()).collect(),
        pair: None,
        has_keywords: !spec.keywords.is_empty(),
        examples: spec.examples.clone(),
    })
}

fn compile_path_set(patterns: &[String], origin: &str) -> Result<Option<regex::RegexSet>, SecretsError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    regex::RegexSetBuilder::new(patterns).size_limit(REGEX_SIZE_LIMIT).build().map(Some).map_err(|e| {
        SecretsError::AllowRegex { origin: origin.to_owned(), pattern: patterns.join(" | "), message: e.to_string() }
    })
}

fn compile_bytes_set(patterns: &[String], origin: &str) -> Result<Option<regex::bytes::RegexSet>, SecretsError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    regex::bytes::RegexSetBuilder::new(patterns).size_limit(REGEX_SIZE_LIMIT).build().map(Some).map_err(|e| {
        SecretsError::AllowRegex { origin: origin.to_owned(), pattern: patterns.join(" | "), message: e.to_string() }
    })
}

/// Start of the line containing `pos`, at most [`LINE_CAP`] bytes back.
fn line_start(content: &[u8], pos: usize) -> usize {
    let lo = pos.saturating_sub(LINE_CAP);
    match memchr::memrchr(b'\n', &content[lo..pos]) {
        Some(i) => lo + i + 1,
        None => lo,
    }
}

/// End of the line containing `pos` (just past its newline), at most [`LINE_CAP`] bytes ahead.
fn line_end(content: &[u8], pos: usize) -> usize {
    let hi = pos.saturating_add(LINE_CAP).min(content.len());
    if pos >= hi {
        return content.len().min(pos);
    }
    match memchr::memchr(b'\n', &content[pos..hi]) {
        Some(i) => pos + i + 1,
        None => hi,
    }
}

/// Drops duplicates and nested candidates: among specific rules, a candidate inside another
/// one's secret goes (for identical ranges, the rule earlier in the catalogue stays); a generic
/// candidate goes when it overlaps any specific one. Returns the kept ones sorted by start.
fn resolve_overlaps(rules: &[Rule], candidates: Vec<Candidate>) -> Vec<Candidate> {
    let (mut generic, mut specific): (Vec<_>, Vec<_>) = candidates.into_iter().partition(|c| rules[c.rule].generic);
    let order = |a: &Candidate, b: &Candidate| {
        a.range.start.cmp(&b.range.start).then(b.range.end.cmp(&a.range.end)).then(a.rule.cmp(&b.rule))
    };
    specific.sort_by(order);
    generic.sort_by(order);
    let drop_nested = |sorted: Vec<Candidate>| {
        let mut kept: Vec<Candidate> = Vec::with_capacity(sorted.len());
        let mut max_end = None;
        for c in sorted {
            if max_end.is_some_and(|e| c.range.end <= e) {
                continue;
            }
            max_end = Some(max_end.map_or(c.range.end, |e: usize| e.max(c.range.end)));
            kept.push(c);
        }
        kept
    };
    let specific = drop_nested(specific);
    // Kept specific candidates are not nested, so sorted by start they are sorted by end too.
    let generic: Vec<_> = drop_nested(generic)
        .into_iter()
        .filter(|g| {
            let i = specific.partition_point(|s| s.range.end <= g.range.start);
            specific.get(i).is_none_or(|s| s.range.start >= g.range.end)
        })
        .collect();
    let mut all = specific;
    all.extend(generic);
    all.sort_by(order);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Scanner>();
    }

    #[test]
    fn line_bounds() {
        let c = b"ab\ncd\nef";
        assert_eq!(line_start(c, 4), 3);
        assert_eq!(line_end(c, 4), 6);
        assert_eq!(line_start(c, 0), 0);
        assert_eq!(line_end(c, 7), 8);
        assert_eq!(line_end(c, 8), 8);
    }

    #[test]
    fn kebab_ids() {
        assert!(is_kebab_id("aws-access-key-id"));
        assert!(!is_kebab_id("AWS"));
        assert!(!is_kebab_id("a--b"));
        assert!(!is_kebab_id("-a"));
        assert!(!is_kebab_id(""));
    }
}

/// The engine sources whose change can change findings (rule parsing, matching, validation,
/// entropy, the built-in allowlist), hashed into [`Scanner::fingerprint`] so that a rebuilt tool
/// never serves results cached by an older engine.
const ENGINE_SOURCES: &[&str] = &[
    include_str!("scanner.rs"),
    include_str!("spec.rs"),
    include_str!("validate.rs"),
    include_str!("entropy.rs"),
    include_str!("rules.rs"),
    include_str!("config.rs"),
];

fn fingerprint<'a>(config: &ScanConfig, active: impl Iterator<Item = &'a RuleSpec>) -> String {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for src in ENGINE_SOURCES {
        h.update(src.as_bytes());
        h.update([0]);
    }
    // `Debug` shows every field of a rule (regex, keywords, allowlists, examples, ...), so it is
    // a full definition; the origin (a path) is left out so equal rules share cache entries.
    for spec in active {
        h.update(format!("{spec:?}").as_bytes());
        h.update([0]);
    }
    h.update(format!("{}|{}|{:?}", config.max_file_size, config.builtin_allowlist, config.allow).as_bytes());
    plimsoll_model::Digest::sha256_from_bytes(&h.finalize()).hex().to_owned()
}

#[cfg(test)]
mod fingerprint_tests {
    use super::*;

    fn with(toml: &str) -> Scanner {
        Scanner::new(&ScanConfig::from_toml(toml, "t.toml").unwrap()).unwrap()
    }

    #[test]
    fn fingerprint_follows_rule_definitions() {
        let builtin = Scanner::builtin();
        assert_eq!(builtin.fingerprint(), Scanner::builtin().fingerprint());
        assert_eq!(builtin.fingerprint(), with("").fingerprint(), "the origin is not part of it");
        assert_ne!(builtin.fingerprint(), with("disabled_rules = [\"age-secret-key\"]").fingerprint());
        let rule = |re: &str| {
            format!("[[rules]]\nid = \"acme\"\ntitle = \"ACME\"\nseverity = \"HIGH\"\nkeywords = [\"acme_\"]\nregex = '''{re}'''\n")
        };
        let a = with(&rule(r"\bacme_[0-9a-f]{32}\b"));
        let b = with(&rule(r"\bacme_[0-9a-f]{40}\b"));
        assert_ne!(a.fingerprint(), builtin.fingerprint());
        assert_ne!(a.fingerprint(), b.fingerprint(), "a changed user rule is another rule set");
        assert_ne!(builtin.fingerprint(), with("max_file_size = 5").fingerprint());
    }
}
