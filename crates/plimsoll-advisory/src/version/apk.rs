//! Alpine package versions (Gentoo-style): `digits{.digits}[letter]{_suffix[digits]}[-rN]`.
//!
//! Written by hand from apk-tools' `src/version.c` (the token state machine of
//! `apk_version_compare_blob`); no crate reproduces it, and apk-tools is not packaged for
//! Debian, so the tests replay apk-tools' own `test/version.data` vectors and check the order
//! is a total order on generated versions. Token values are kept as 128-bit integers where the
//! C code uses `int`, so long date-like numbers (`_pre20191002222144`) compare by value.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Invalid = -1,
    DigitOrZero = 0,
    Digit = 1,
    Letter = 2,
    Suffix = 3,
    SuffixNo = 4,
    RevisionNo = 5,
    End = 6,
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

/// A cursor over a version string, as apk's `apk_blob_t`.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &[u8] {
        &self.s[self.pos.min(self.s.len())..]
    }

    fn at_end(&self) -> bool {
        self.rest().first().is_none_or(|c| *c == 0)
    }
}

/// `next_token`: classifies the separator at the cursor and advances past it.
fn next_token(ty: &mut Token, c: &mut Cursor<'_>) {
    let mut n = Token::Invalid;
    let rest = c.rest();
    if c.at_end() {
        n = Token::End;
    } else if (*ty == Token::Digit || *ty == Token::DigitOrZero) && rest[0].is_ascii_lowercase() {
        n = Token::Letter;
    } else if *ty == Token::Letter && rest[0].is_ascii_digit() {
        n = Token::Digit;
    } else if *ty == Token::Suffix && rest[0].is_ascii_digit() {
        n = Token::SuffixNo;
    } else {
        match rest[0] {
            b'.' => n = Token::DigitOrZero,
            b'_' => n = Token::Suffix,
            b'-' if rest.get(1) == Some(&b'r') => {
                n = Token::RevisionNo;
                c.pos += 1;
            }
            _ => {}
        }
        c.pos += 1;
    }
    if n < *ty
        && !((n == Token::DigitOrZero && *ty == Token::Digit)
            || (n == Token::Suffix && *ty == Token::SuffixNo)
            || (n == Token::Digit && *ty == Token::Letter))
    {
        n = Token::Invalid;
    }
    *ty = n;
}

fn push_digit(v: i128, d: u8) -> i128 {
    v.saturating_mul(10).saturating_add(i128::from(d - b'0'))
}

/// `get_token`: reads the value of the token of type `ty` at the cursor, then classifies the
/// next one.
fn get_token(ty: &mut Token, c: &mut Cursor<'_>) -> i128 {
    let rest = c.rest();
    if rest.is_empty() {
        *ty = Token::End;
        return 0;
    }
    let mut v: i128 = 0;
    let mut i = 0;
    let mut nt = Token::Invalid;
    match *ty {
        Token::DigitOrZero if rest[0] == b'0' => {
            // Leading zeros: "1.01" sorts before "1.1"; the zeros count as a negative value
            // and the digits after them are read as the next token.
            while i < rest.len() && rest[i] == b'0' {
                i += 1;
            }
            nt = Token::Digit;
            v = -(i as i128);
        }
        Token::DigitOrZero | Token::Digit | Token::SuffixNo | Token::RevisionNo => {
            while i < rest.len() && rest[i].is_ascii_digit() {
                v = push_digit(v, rest[i]);
                i += 1;
            }
        }
        Token::Letter => {
            v = i128::from(rest[0]);
            i = 1;
        }
        Token::Suffix => {
            if let Some(k) = PRE_SUFFIXES.iter().position(|p| rest.starts_with(p.as_bytes())) {
                i = PRE_SUFFIXES[k].len();
                v = k as i128 - PRE_SUFFIXES.len() as i128;
            } else if let Some(k) = POST_SUFFIXES.iter().position(|p| rest.starts_with(p.as_bytes())) {
                i = POST_SUFFIXES[k].len();
                v = k as i128;
            } else {
                *ty = Token::Invalid;
                return -1;
            }
        }
        _ => {
            *ty = Token::Invalid;
            return -1;
        }
    }
    c.pos += i;
    if c.rest().is_empty() {
        *ty = Token::End;
    } else if nt != Token::Invalid {
        *ty = nt;
    } else {
        next_token(ty, c);
    }
    v
}

/// True if apk-tools accepts `s` as a version (`apk_version_validate`).
pub fn is_valid(s: &str) -> bool {
    let mut t = Token::Digit;
    let mut c = Cursor { s: s.as_bytes(), pos: 0 };
    while t != Token::End && t != Token::Invalid {
        get_token(&mut t, &mut c);
    }
    t == Token::End
}

/// apk-tools' comparison of two version strings, valid or not (`apk_version_compare_blob`).
pub fn compare_str(a: &str, b: &str) -> Ordering {
    let (mut at, mut bt) = (Token::Digit, Token::Digit);
    let (mut av, mut bv) = (0i128, 0i128);
    let mut ca = Cursor { s: a.as_bytes(), pos: 0 };
    let mut cb = Cursor { s: b.as_bytes(), pos: 0 };
    while at == bt && at != Token::End && at != Token::Invalid && av == bv {
        av = get_token(&mut at, &mut ca);
        bv = get_token(&mut bt, &mut cb);
    }
    if av != bv {
        return av.cmp(&bv);
    }
    if at == bt {
        return Ordering::Equal;
    }
    // The leading components are equal; the longer version is newer unless what follows is
    // a pre-release suffix.
    let mut tt = at;
    if at == Token::Suffix && get_token(&mut tt, &mut ca) < 0 {
        return Ordering::Less;
    }
    let mut tt = bt;
    if bt == Token::Suffix && get_token(&mut tt, &mut cb) < 0 {
        return Ordering::Greater;
    }
    // A later token type means the version ended sooner.
    bt.cmp(&at)
}

/// A validated apk version.
#[derive(Debug, Clone)]
pub struct ApkVersion(String);

impl ApkVersion {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let v = s.trim();
        if v.is_empty() {
            return Err(VersionError::new(Scheme::Apk, s, "empty version"));
        }
        if !is_valid(v) {
            return Err(VersionError::new(Scheme::Apk, s, "not a valid apk version"));
        }
        Ok(ApkVersion(v.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_str(&self.0, &other.0)
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApkVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApkVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn basic_order() {
        assert_eq!(compare_str("1.2.3-r0", "1.2.3-r1"), Less);
        assert_eq!(compare_str("1.2.3_rc1", "1.2.3"), Less);
        assert_eq!(compare_str("1.2.3_p1", "1.2.3"), Greater);
        assert_eq!(compare_str("1.2.3a", "1.2.3"), Greater);
        assert_eq!(compare_str("1.01", "1.1"), Less);
        assert_eq!(compare_str("1.0_alpha_pre2", "1.0_alpha"), Less);
        assert_eq!(compare_str("2.8.4-r0", "2.8.4-r0"), Equal);
    }

    #[test]
    fn validation() {
        for ok in ["1", "1.2.3", "1.2.3a", "1.2_rc1", "1.2_p3-r10", "0.1.0_alpha_pre2", "1.2.3-r0"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in ["1.2-3", "1.2_foo", "1.0bc", "1.2-r1a", "1.2~1"] {
            assert!(!is_valid(bad), "{bad}");
        }
        // apk-tools is lenient where one might not expect it; we follow it.
        for odd in ["a1", "1..2", "1.2-r", ""] {
            assert!(is_valid(odd), "{odd}");
        }
        assert!(ApkVersion::parse("1.0bc").is_err());
        assert!(ApkVersion::parse("").is_err());
    }
}
