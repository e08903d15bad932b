//! Composer (Packagist) versions: Composer's `VersionParser::normalize`, then PHP's
//! `version_compare`, as Composer's constraints compare them.
//!
//! Written by hand from `composer/semver` (`VersionParser.php`, `Constraint.php`) and PHP's
//! `ext/standard/versioning.c`: no crate reproduces either. Branch versions (`dev-main`) have no
//! order in Composer (its constraints never match them), so they are a parse error here.
//! Checked against PHP + composer/semver on generated pairs.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// A normalised Composer version such as `1.2.3.0`, `1.2.0.0-beta2` or `2.1.9999999.9999999-dev`.
#[derive(Debug, Clone)]
pub struct ComposerVersion {
    normalized: String,
}

impl ComposerVersion {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        match normalize(s) {
            Some(n) if n.starts_with("dev-") => {
                Err(VersionError::new(Scheme::Composer, s, "branch versions (dev-*) are not ordered"))
            }
            Some(normalized) => Ok(ComposerVersion { normalized }),
            None => Err(VersionError::new(Scheme::Composer, s, "invalid version string")),
        }
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        php_version_compare(self.normalized.as_bytes(), other.normalized.as_bytes())
    }
}

impl PartialOrd for ComposerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ComposerVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ComposerVersion {}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    (s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix)).then(|| &s[..cut])
}

fn is_php_space(c: char) -> bool {
    // PHP's trim() and PCRE's \s (ASCII): space, \t, \n, \r, \0, \x0B; \s also has \f.
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0b' | '\x0c')
}

/// `^([^,\s]++) ++as ++([^,\s]++)$`: the aliased version, if `v` is `X as Y`.
fn strip_alias(v: &str) -> Option<&str> {
    let bad = |c: char| c == ',' || is_php_space(c);
    let n = v.find(bad).unwrap_or(v.len());
    let (left, rest) = v.split_at(n);
    let after_spaces = rest.trim_start_matches(' ');
    if left.is_empty() || after_spaces.len() == rest.len() {
        return None;
    }
    let after_as = after_spaces.strip_prefix("as")?;
    let target = after_as.trim_start_matches(' ');
    (target.len() < after_as.len() && !target.is_empty() && !target.contains(bad)).then_some(left)
}

/// `VersionParser::normalize`. `None` where Composer throws "Invalid version string".
pub fn normalize(input: &str) -> Option<String> {
    let mut version = input.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0b'));

    // Strip aliasing: `1.0 as 2.0` (both sides free of commas and whitespace).
    if let Some(left) = strip_alias(version) {
        version = left;
    }
    // Strip a stability flag: `@stable`, `@RC`, `@beta`, `@alpha`, `@dev` (any case).
    for flag in ["@stable", "@rc", "@beta", "@alpha", "@dev"] {
        if let Some(v) = strip_suffix_ci(version, flag) {
            version = v;
            break;
        }
    }
    let owned;
    if matches!(version, "master" | "trunk" | "default") {
        owned = format!("dev-{version}");
        version = &owned;
    }
    if let Some(branch) = strip_prefix_ci(version, "dev-") {
        return Some(format!("dev-{branch}"));
    }
    // Strip build metadata: `1.0.0+build` (no commas or whitespace before, none after).
    if let Some((main, meta)) = version.split_once('+') {
        if !main.is_empty()
            && !main.contains(|c: char| c == ',' || is_php_space(c))
            && !meta.is_empty()
            && !meta.contains(is_php_space)
        {
            version = main;
        }
    }
    if let Some(v) = classical(version) {
        return Some(v);
    }
    if let Some(v) = datetime(version) {
        return Some(v);
    }
    // Dev branches named like versions: `1.x-dev`, `2.1.*-dev`.
    if let Some(rest) = strip_suffix_ci(version, "dev") {
        let name = rest.strip_suffix(['.', '-']).unwrap_or(rest);
        let n = normalize_branch(name);
        if !n.contains("dev-") {
            return Some(n);
        }
    }
    None
}

/// A parsed `modifierRegex`: `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?`.
struct Modifier<'a> {
    stability: Option<&'a str>,
    numbers: &'a str,
    dev: bool,
}

/// Matches the modifier against the whole of `s` (it is anchored with `$`).
fn modifier(s: &str) -> Option<Modifier<'_>> {
    let starts: &[&str] = if s.starts_with(['.', '_', '-']) { &[&s[1..], s] } else { &[s] };
    for &rest in starts {
        // Without a stability word.
        if let Some(m) = dev_suffix(rest) {
            return Some(Modifier { stability: None, numbers: "", dev: m });
        }
        for word in ["stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p"] {
            let Some(after) = strip_prefix_ci(rest, word) else { continue };
            let stability = &rest[..word.len()];
            // `((?:[.-]?\d+)*+)`: possessive, so take as many groups as possible.
            let b = after.as_bytes();
            let mut i = 0;
            loop {
                let mut j = i;
                if j < b.len() && (b[j] == b'.' || b[j] == b'-') {
                    j += 1;
                }
                let d = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
                if d == 0 {
                    break;
                }
                i = j + d;
            }
            if let Some(dev) = dev_suffix(&after[i..]) {
                return Some(Modifier { stability: Some(stability), numbers: &after[..i], dev });
            }
        }
    }
    None
}

/// `([.-]?dev)?$`: `Some(true)` for a dev suffix, `Some(false)` for nothing left.
fn dev_suffix(s: &str) -> Option<bool> {
    if s.is_empty() {
        return Some(false);
    }
    let t = s.strip_prefix(['.', '-']).unwrap_or(s);
    t.eq_ignore_ascii_case("dev").then_some(true)
}

fn expand_stability(s: &str) -> String {
    let s = s.to_ascii_lowercase();
    match s.as_str() {
        "a" => "alpha".into(),
        "b" => "beta".into(),
        "p" | "pl" => "patch".into(),
        "rc" => "RC".into(),
        _ => s,
    }
}

fn apply_modifier(mut version: String, m: &Modifier<'_>) -> String {
    if let Some(stab) = m.stability {
        if stab == "stable" {
            return version;
        }
        version.push('-');
        version.push_str(&expand_stability(stab));
        version.push_str(m.numbers.trim_start_matches(['.', '-']));
    }
    if m.dev {
        version.push_str("-dev");
    }
    version
}

/// `^v?(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)?` + modifier + `$`.
fn classical(s: &str) -> Option<String> {
    let body = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let b = body.as_bytes();
    let major = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if major == 0 || major > 5 {
        return None;
    }
    let mut parts = vec![&body[..major]];
    let mut i = major;
    while parts.len() < 4 && b.get(i) == Some(&b'.') {
        let d = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if d == 0 {
            break;
        }
        parts.push(&body[i + 1..i + 1 + d]);
        i += 1 + d;
    }
    let m = modifier(&body[i..])?;
    let mut version = parts.join(".");
    for _ in parts.len()..4 {
        version.push_str(".0");
    }
    Some(apply_modifier(version, &m))
}

/// `^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)` + modifier + `$`; separators become dots.
fn datetime(s: &str) -> Option<String> {
    let body = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let b = body.as_bytes();
    let is_sep = |c: u8| c == b'.' || c == b':' || c == b'-';
    // The date part is a run of digits and single separators; try every end point, longest
    // first, as the regex's backtracking would.
    let mut run = 0;
    while run < b.len() && (b[run].is_ascii_digit() || is_sep(b[run])) {
        run += 1;
    }
    for end in (1..=run).rev() {
        let date = &body[..end];
        if date_matches(date.as_bytes()) {
            if let Some(m) = modifier(&body[end..]) {
                let version: String = date.chars().map(|c| if c.is_ascii_digit() { c } else { '.' }).collect();
                return Some(apply_modifier(version, &m));
            }
        }
    }
    None
}

/// Whether `d` matches `\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?` exactly.
fn date_matches(d: &[u8]) -> bool {
    fn rest(d: &[u8], pairs: usize) -> bool {
        // Either end here (with 1..=6 pairs), take the optional tail, or another pair.
        if d.is_empty() {
            return (1..=6).contains(&pairs);
        }
        let body = match d[0] {
            b'.' | b':' | b'-' => &d[1..],
            _ => d,
        };
        let digits = body.iter().take_while(|c| c.is_ascii_digit()).count();
        // Another pair.
        if pairs < 6 && digits >= 2 && rest(&body[2..], pairs + 1) {
            return true;
        }
        // The tail: 1-3 digits ending the string.
        (1..=6).contains(&pairs) && (1..=3).contains(&digits) && digits == body.len()
    }
    d.len() >= 4 && d[..4].iter().all(u8::is_ascii_digit) && rest(&d[4..], 0)
}

/// `VersionParser::normalizeBranch`.
fn normalize_branch(name: &str) -> String {
    let name = name.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0b'));
    let body = name.strip_prefix(['v', 'V']).unwrap_or(name);
    let b = body.as_bytes();
    let major = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut ok = major > 0;
    let mut parts: Vec<String> = vec![body[..major.min(body.len())].to_owned()];
    let mut i = major;
    while ok && i < b.len() {
        if b[i] != b'.' || parts.len() == 4 {
            ok = false;
            break;
        }
        let d = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if d > 0 {
            parts.push(format!(".{}", &body[i + 1..i + 1 + d]));
            i += 1 + d;
        } else if matches!(b.get(i + 1), Some(b'x' | b'X' | b'*')) {
            parts.push(".x".to_owned());
            i += 2;
        } else {
            ok = false;
        }
    }
    if !ok {
        return format!("dev-{name}");
    }
    let mut version = parts.concat();
    for _ in parts.len()..4 {
        version.push_str(".x");
    }
    format!("{}-dev", version.replace('x', "9999999"))
}

/// PHP's `php_canonicalize_version`: `-`, `_`, `+` and other non-alphanumerics become `.`, and
/// a `.` is inserted between letters and digits.
fn canonicalize(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * 2);
    let Some((&first, rest)) = v.split_first() else { return out };
    out.push(first);
    let mut lp = first;
    let isdig = |c: u8| c.is_ascii_digit();
    let isndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    for &p in rest {
        let lq = *out.last().unwrap_or(&0);
        if p == b'-' || p == b'_' || p == b'+' {
            if lq != b'.' {
                out.push(b'.');
            }
        } else if (isndig(lp) && isdig(p)) || (isdig(lp) && isndig(p)) {
            if lq != b'.' {
                out.push(b'.');
            }
            out.push(p);
        } else if !p.is_ascii_alphanumeric() {
            if lq != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(p);
        }
        lp = p;
    }
    out
}

fn special_form_order(form: &[u8]) -> i32 {
    const FORMS: [(&[u8], i32); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS.iter().find(|(name, _)| form.starts_with(name)).map_or(-1, |(_, o)| *o)
}

/// `strtol` on a run of leading digits, saturating like glibc at `LONG_MAX`.
fn strtol(s: &[u8]) -> i64 {
    s.iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0i64, |acc, c| acc.saturating_mul(10).saturating_add(i64::from(c - b'0')))
}

/// PHP's `version_compare` (without an operator).
pub fn php_version_compare(a: &[u8], b: &[u8]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return (!a.is_empty()).cmp(&!b.is_empty());
    }
    let v1 = if a[0] == b'#' { a.to_vec() } else { canonicalize(a) };
    let v2 = if b[0] == b'#' { b.to_vec() } else { canonicalize(b) };
    let mut p1: &[u8] = &v1;
    let mut p2: &[u8] = &v2;
    let mut n1_more = true;
    let mut n2_more = true;
    let mut compare = Ordering::Equal;
    while !p1.is_empty() && !p2.is_empty() && n1_more && n2_more {
        let (e1, r1) = match p1.iter().position(|c| *c == b'.') {
            Some(i) => (&p1[..i], Some(&p1[i + 1..])),
            None => (p1, None),
        };
        let (e2, r2) = match p2.iter().position(|c| *c == b'.') {
            Some(i) => (&p2[..i], Some(&p2[i + 1..])),
            None => (p2, None),
        };
        n1_more = r1.is_some();
        n2_more = r2.is_some();
        let d1 = e1.first().is_some_and(u8::is_ascii_digit);
        let d2 = e2.first().is_some_and(u8::is_ascii_digit);
        compare = match (d1, d2) {
            (true, true) => strtol(e1).cmp(&strtol(e2)),
            (false, false) => special_form_order(e1).cmp(&special_form_order(e2)),
            (true, false) => special_form_order(b"#N#").cmp(&special_form_order(e2)),
            (false, true) => special_form_order(e1).cmp(&special_form_order(b"#N#")),
        };
        if compare != Ordering::Equal {
            break;
        }
        if let Some(r) = r1 {
            p1 = r;
        }
        if let Some(r) = r2 {
            p2 = r;
        }
    }
    if compare == Ordering::Equal {
        if n1_more {
            compare = if p1.first().is_some_and(u8::is_ascii_digit) {
                Ordering::Greater
            } else {
                php_version_compare(p1, b"#N#")
            };
        } else if n2_more {
            compare = if p2.first().is_some_and(u8::is_ascii_digit) {
                Ordering::Less
            } else {
                php_version_compare(b"#N#", p2)
            };
        }
    }
    compare
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn normalize_like_composer() {
        // Expected values as composer/semver 3.3 gives them.
        let cases = [
            ("1.0.0", "1.0.0.0"),
            ("1.2.3.4", "1.2.3.4"),
            ("1.0.0RC1dev", "1.0.0.0-RC1-dev"),
            ("1.0.0-rC15-dev", "1.0.0.0-RC15-dev"),
            ("1.0.0.RC.15-dev", "1.0.0.0-RC15-dev"),
            ("1.0.0-rc1", "1.0.0.0-RC1"),
            ("1.0.0.pl3-dev", "1.0.0.0-patch3-dev"),
            ("1.0-dev", "1.0.0.0-dev"),
            ("0", "0.0.0.0"),
            ("10.4.13-beta", "10.4.13.0-beta"),
            ("10.4.13beta2", "10.4.13.0-beta2"),
            ("10.4.13beta.2", "10.4.13.0-beta2"),
            ("v1.13.11-beta.0", "1.13.11.0-beta0"),
            ("1.13.11.0-beta0", "1.13.11.0-beta0"),
            ("10.4.13-b", "10.4.13.0-beta"),
            ("10.4.13-b5", "10.4.13.0-beta5"),
            ("v1.0.0", "1.0.0.0"),
            ("v20100102", "20100102"),
            ("2010.01", "2010.01.0.0"),
            ("2010.01.02", "2010.01.02.0"),
            ("2010-01-02", "2010.01.02"),
            ("2010-01-02.5", "2010.01.02.5"),
            ("2010.1.555", "2010.1.555.0"),
            ("2010.10.200", "2010.10.200.0"),
            ("1.0.0-stable", "1.0.0.0"),
            ("1.0.0-beta.5+foo", "1.0.0.0-beta5"),
            ("1.0.0+foo", "1.0.0.0"),
            ("1.0.0-alpha.3.1+foo", "1.0.0.0-alpha3.1"),
            ("1.0.0-alpha2.1+foo", "1.0.0.0-alpha2.1"),
            ("1.0.0-alpha-2.1-3+foo", "1.0.0.0-alpha2.1-3"),
            ("00.01.03.04", "00.01.03.04"),
            ("000.001.003.004", "000.001.003.004"),
            ("0.000.103.204", "0.000.103.204"),
            ("0700", "0700.0.0.0"),
            ("041.x-dev", "041.9999999.9999999.9999999-dev"),
            ("dev-master", "dev-master"),
            ("master", "dev-master"),
            ("dev-feature-foo", "dev-feature-foo"),
            ("1.0.0 as 1.0.1", "1.0.0.0"),
            ("1.0.0@dev", "1.0.0.0"),
            ("2.x-dev", "2.9999999.9999999.9999999-dev"),
            ("201903.0", "201903.0"),
            ("201903.0-p2", "201903.0-patch2"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input).as_deref(), Some(want), "{input}");
        }
        for bad in ["", "a", "1.0.0-meh", "1.0.0.0.0", "feature-foo", "1.0.0+foo bar", "1.0 .2"] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }

    #[test]
    fn php_version_compare_examples() {
        let c = |a: &str, b: &str| php_version_compare(a.as_bytes(), b.as_bytes());
        assert_eq!(c("1.0.0.0", "1.0.0.0"), Equal);
        assert_eq!(c("1.0.0.0-beta2", "1.0.0.0"), Less);
        assert_eq!(c("1.0.0.0-dev", "1.0.0.0-alpha1"), Less);
        assert_eq!(c("1.0.0.0-RC1", "1.0.0.0-beta9"), Greater);
        assert_eq!(c("1.0.0.0-patch1", "1.0.0.0"), Greater);
        assert_eq!(c("1.0", "1.0.0"), Less, "PHP: a longer version is newer");
        assert_eq!(c("5.2", "5.2.0-dev"), Less);
    }

    #[test]
    fn ordering_after_normalisation() {
        let v = |s: &str| ComposerVersion::parse(s).unwrap();
        assert_eq!(v("2.0.19").cmp(&v("v2.0.19")), Equal);
        assert_eq!(v("2.0.19-beta1").cmp(&v("2.0.19")), Less);
        assert_eq!(v("2.0.19").cmp(&v("2.0.9")), Greater);
        assert!(ComposerVersion::parse("dev-master").is_err());
    }
}
