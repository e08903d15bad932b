//! Telling SPDX license expressions apart from free-text license strings.
//!
//! Package managers declare licenses in their own words: Alpine's `L:` is mostly SPDX already
//! (`MIT`, `GPL-2.0-or-later AND LGPL-2.1-or-later`), rpm's `License:` often is not (`GPLv2+ and
//! BSD`), Debian's copyright files use DEP-5 short names (`GPL-2+`). Both SBOM formats must
//! only call something an SPDX id or expression when it is one, so each declared string is
//! classified with the `spdx` crate against the SPDX license list, and anything that does not
//! parse is kept verbatim as a named license (CycloneDX) or a `LicenseRef-` (SPDX).

use std::collections::HashMap;
use std::sync::OnceLock;

use spdx::lexer::{Lexer, Token};
use spdx::ParseMode;

/// What a declared license string is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Declared {
    /// One license id from the SPDX list, in its canonical spelling.
    Id(String),
    /// A valid compound SPDX expression (operators upper-cased, ids canonical).
    Expression(String),
    /// Free text: not an SPDX expression, or one that names a `LicenseRef-` this document does
    /// not define.
    Text(String),
}

/// The SPDX grammar with the list's deprecated ids (`GPL-2.0`, `LGPL-2.1+`) allowed, since
/// older distributions still declare them and they remain valid SPDX; unknown ids, `/` for OR
/// and guessed names are refused.
const MODE: ParseMode = ParseMode { allow_deprecated: true, allow_postfix_plus_on_gpl: true, ..ParseMode::STRICT };

/// Longest string worth parsing; longer ones are free text (keeps hostile input cheap).
const MAX_EXPRESSION_LEN: usize = 1024;

pub(crate) fn classify(declared: &str) -> Declared {
    let s = declared.trim();
    // The license list carries NOASSERTION as an id (the crate inherits it), but it and NONE are
    // SPDX keywords that cannot stand inside an expression or in CycloneDX's `license.id`.
    if s.eq_ignore_ascii_case("NOASSERTION") || s.eq_ignore_ascii_case("NONE") {
        return Declared::Text(s.to_owned());
    }
    if s.len() <= MAX_EXPRESSION_LEN {
        let s = fix_id_case(s);
        if spdx::Expression::parse_mode(&s, MODE).is_ok() {
            if let Some(canonical) = canonical(&s) {
                return canonical;
            }
        }
    }
    Declared::Text(s.to_owned())
}

/// SPDX ids match case-insensitively (spec annex D) but the parser wants the list's spelling:
/// `mit or apache-2.0` becomes `MIT or Apache-2.0`: every word that names a license or exception
/// is respelled, everything else (operators, unknown words) left alone.
fn fix_id_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let (base, plus) = match word.strip_suffix('+') {
            Some(base) => (base, "+"),
            None => (word.as_str(), ""),
        };
        match canonical_id(base) {
            Some(id) => {
                out.push_str(id);
                out.push_str(plus);
            }
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in s.chars() {
        if c.is_whitespace() || c == '(' || c == ')' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn canonical_id(word: &str) -> Option<&'static str> {
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        return None;
    }
    // Exact spellings (the common case) need no allocation.
    if let Some(id) = spdx::license_id(word).filter(|id| id.name == word) {
        return Some(id.name);
    }
    if let Some(id) = spdx::exception_id(word) {
        return Some(id.name);
    }
    ids_by_lowercase().get(word.to_ascii_lowercase().as_str()).copied()
}

/// Every license and exception id of the SPDX list, keyed by its lowercase spelling.
fn ids_by_lowercase() -> &'static HashMap<String, &'static str> {
    static IDS: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    IDS.get_or_init(|| {
        let licenses = spdx::identifiers::LICENSES.iter().map(|l| l.name);
        let exceptions = spdx::identifiers::EXCEPTIONS.iter().map(|e| e.name);
        licenses.chain(exceptions).map(|name| (name.to_ascii_lowercase(), name)).collect()
    })
}

/// Remembers each distinct string's classification for one render: a distribution's packages
/// repeat a handful of license strings thousands of times.
#[derive(Default)]
pub(crate) struct Classifier {
    seen: HashMap<String, Declared>,
}

impl Classifier {
    pub(crate) fn classify(&mut self, declared: &str) -> Declared {
        if let Some(d) = self.seen.get(declared) {
            return d.clone();
        }
        let d = classify(declared);
        self.seen.insert(declared.to_owned(), d.clone());
        d
    }
}

/// Rebuilds a parsed expression token by token: canonical spacing, upper-case operators (annex D
/// asks for them; the parser accepts `and`). `None` when it holds a document-local reference.
fn canonical(s: &str) -> Option<Declared> {
    let mut out = String::with_capacity(s.len());
    let mut operators = false;
    for token in Lexer::new_mode(s, MODE) {
        // The expression parsed, so the lexer cannot fail; stop rather than loop if it did.
        let token = token.ok()?.token;
        let piece = match token {
            Token::Spdx(id) if id.name == "NOASSERTION" || id.name == "NONE" => return None,
            Token::Spdx(id) => id.name,
            Token::Exception(id) => id.name,
            Token::LicenseRef { .. } | Token::AdditionRef { .. } | Token::Unknown(_) => return None,
            Token::Plus => "+",
            Token::OpenParen => "(",
            Token::CloseParen => ")",
            Token::With => "WITH",
            Token::And => "AND",
            Token::Or => "OR",
        };
        operators |= matches!(token, Token::Plus | Token::With | Token::And | Token::Or);
        let glue = out.is_empty() || out.ends_with('(') || matches!(token, Token::Plus | Token::CloseParen);
        if !glue {
            out.push(' ');
        }
        out.push_str(piece);
    }
    if out.is_empty() {
        return None;
    }
    Some(if operators || out.starts_with('(') { Declared::Expression(out) } else { Declared::Id(out) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Declared {
        Declared::Id(s.into())
    }
    fn expr(s: &str) -> Declared {
        Declared::Expression(s.into())
    }
    fn text(s: &str) -> Declared {
        Declared::Text(s.into())
    }

    #[test]
    fn spdx_ids() {
        assert_eq!(classify("MIT"), id("MIT"));
        assert_eq!(classify(" GPL-2.0-only "), id("GPL-2.0-only"));
        assert_eq!(classify("GPL-2.0"), id("GPL-2.0"), "deprecated ids are still SPDX ids");
        assert_eq!(classify("mit"), id("MIT"));
        assert_eq!(classify("apache-2.0"), id("Apache-2.0"));
    }

    #[test]
    fn expressions_are_canonicalised() {
        assert_eq!(classify("GPL-2.0+"), expr("GPL-2.0+"));
        assert_eq!(classify("MIT and BSD-3-Clause"), expr("MIT AND BSD-3-Clause"));
        assert_eq!(
            classify("MIT or ( Apache-2.0 with LLVM-exception )"),
            expr("MIT OR (Apache-2.0 WITH LLVM-exception)")
        );
        assert_eq!(classify("(MIT)"), expr("(MIT)"));
        assert_eq!(
            classify("gpl-2.0+ and (mit OR apache-2.0 WITH llvm-exception)"),
            expr("GPL-2.0+ AND (MIT OR Apache-2.0 WITH LLVM-exception)")
        );
    }

    #[test]
    fn free_text_stays_text() {
        for s in [
            "NOASSERTION",
            "none",
            "MIT AND NOASSERTION",
            "GPLv2+",
            "GPL-2+",
            "BSD",
            "MIT/X11",
            "public-domain",
            "(MIT",
            "MIT WITH MIT",
            "",
            "LicenseRef-foo",
        ] {
            assert_eq!(classify(s), text(s), "{s}");
        }
        assert_eq!(classify("GPLv2+ and LGPLv2+"), text("GPLv2+ and LGPLv2+"));
        let long = "MIT AND ".repeat(200) + "MIT";
        assert!(matches!(classify(&long), Declared::Text(_)));
    }
}
