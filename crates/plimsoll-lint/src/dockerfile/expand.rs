//! BuildKit's word handling: splitting `ENV`/`ARG`/`LABEL` arguments into words (quotes kept, as
//! `parseWords` does) and processing one word the way the shell lexer (`shell.Lex.ProcessWord`)
//! does for instructions that substitute variables: quote removal, escapes, `$VAR`, `${VAR}`,
//! `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?msg}`.

/// Splits on unquoted whitespace, keeping quotes and escapes in the words.
pub fn split_words_raw(s: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            if in_word {
                words.push(std::mem::take(&mut cur));
                in_word = false;
            }
            continue;
        }
        in_word = true;
        cur.push(c);
        if c == escape && quote != Some('\'') {
            if let Some(n) = chars.next() {
                cur.push(n);
            }
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '\'' => quote = Some(c),
            _ => {}
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Result of expanding a word: the value, and whether a variable had no known value (so rules
/// that need the exact value, like a `FROM` tag, can stay quiet instead of guessing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub value: String,
    pub unresolved: bool,
}

/// Quote removal and escape processing without variables (`$` kept literally).
pub fn unquote(s: &str, escape: char) -> String {
    process(s, escape, None).value
}

/// Full processing with variable lookup.
pub fn expand<'a>(s: &str, escape: char, lookup: &dyn Fn(&str) -> Option<&'a str>) -> Expanded {
    crate::work::charge(s.len());
    process(s, escape, Some(lookup))
}

type Lookup<'l, 'a> = Option<&'l dyn Fn(&str) -> Option<&'a str>>;

/// Nesting bound for `${a:-${b:-...}}`: recursion depth is attacker-controlled.
const MAX_DEPTH: usize = 16;

fn process(s: &str, escape: char, lookup: Lookup<'_, '_>) -> Expanded {
    let chars: Vec<char> = s.chars().collect();
    let mut pos = 0;
    let mut out = Expanded { value: String::new(), unresolved: false };
    word(&chars, &mut pos, escape, lookup, &mut out, None, 0);
    out
}

/// Processes until `stop` (for `${...}` bodies) or the end.
fn word(
    c: &[char],
    pos: &mut usize,
    escape: char,
    lookup: Lookup<'_, '_>,
    out: &mut Expanded,
    stop: Option<char>,
    depth: usize,
) {
    while let Some(&ch) = c.get(*pos) {
        if Some(ch) == stop {
            return;
        }
        *pos += 1;
        if ch == escape {
            if let Some(&n) = c.get(*pos) {
                out.value.push(n);
                *pos += 1;
            }
        } else if ch == '\'' {
            while let Some(&n) = c.get(*pos) {
                *pos += 1;
                if n == '\'' {
                    break;
                }
                out.value.push(n);
            }
        } else if ch == '"' {
            while let Some(&n) = c.get(*pos) {
                *pos += 1;
                if n == '"' {
                    break;
                }
                if n == escape {
                    match c.get(*pos) {
                        Some(&m @ ('"' | '$')) => {
                            out.value.push(m);
                            *pos += 1;
                        }
                        Some(&m) if m == escape => {
                            out.value.push(m);
                            *pos += 1;
                        }
                        _ => out.value.push(n),
                    }
                } else if n == '$' && lookup.is_some() {
                    dollar(c, pos, escape, lookup, out, depth);
                } else {
                    out.value.push(n);
                }
            }
        } else if ch == '$' && lookup.is_some() {
            dollar(c, pos, escape, lookup, out, depth);
        } else {
            out.value.push(ch);
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// After a `$`: a variable reference, or a literal `$`.
fn dollar(c: &[char], pos: &mut usize, escape: char, lookup: Lookup<'_, '_>, out: &mut Expanded, depth: usize) {
    let Some(lookup_fn) = lookup else {
        out.value.push('$');
        return;
    };
    match c.get(*pos) {
        Some('{') => {
            *pos += 1;
            let start = *pos;
            while c.get(*pos).is_some_and(|&ch| is_name_char(ch)) {
                *pos += 1;
            }
            let name: String = c[start..*pos].iter().collect();
            let value = lookup_fn(&name);
            let (op, colon) = match (c.get(*pos), c.get(*pos + 1)) {
                (Some(':'), Some(&o @ ('-' | '+' | '?'))) => {
                    *pos += 2;
                    (Some(o), true)
                }
                (Some(&o @ ('-' | '+' | '?')), _) => {
                    *pos += 1;
                    (Some(o), false)
                }
                _ => (None, false),
            };
            // The modifier's word (or an unsupported operator's text) runs to the closing brace.
            let mut alt = Expanded { value: String::new(), unresolved: false };
            if depth < MAX_DEPTH {
                word(c, pos, escape, lookup, &mut alt, Some('}'), depth + 1);
            } else {
                while c.get(*pos).is_some_and(|&ch| ch != '}') {
                    *pos += 1;
                }
            }
            if c.get(*pos) == Some(&'}') {
                *pos += 1;
            }
            let set = match value {
                Some(v) => !colon || !v.is_empty(),
                None => false,
            };
            match op {
                Some('-') => {
                    if set {
                        out.value.push_str(value.unwrap_or(""));
                    } else {
                        out.value.push_str(&alt.value);
                        out.unresolved |= alt.unresolved;
                    }
                }
                Some('+') => {
                    if set {
                        out.value.push_str(&alt.value);
                        out.unresolved |= alt.unresolved;
                    } else if value.is_none() {
                        out.unresolved = true;
                    }
                }
                // `?`: error when unset; otherwise the value. Anything else (`#`, `%`, `/`):
                // pattern operators we do not evaluate, so the value is approximate.
                _ => match value {
                    Some(v) => {
                        out.value.push_str(v);
                        if op.is_none() && !alt.value.is_empty() {
                            out.unresolved = true;
                        }
                    }
                    None => out.unresolved = true,
                },
            }
        }
        Some(&ch) if ch.is_ascii_alphabetic() || ch == '_' => {
            let start = *pos;
            while c.get(*pos).is_some_and(|&ch| is_name_char(ch)) {
                *pos += 1;
            }
            let name: String = c[start..*pos].iter().collect();
            match lookup_fn(&name) {
                Some(v) => out.value.push_str(v),
                None => out.unresolved = true,
            }
        }
        _ => out.value.push('$'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<&'static str> {
        match name {
            "TAG" => Some("1.2"),
            "EMPTY" => Some(""),
            _ => None,
        }
    }

    fn x(s: &str) -> (String, bool) {
        let e = expand(s, '\\', &env);
        (e.value, e.unresolved)
    }

    #[test]
    fn words_keep_quotes() {
        assert_eq!(split_words_raw(r#"a="b c" d=e\ f  'g h'"#, '\\'), vec![r#"a="b c""#, r"d=e\ f", "'g h'"]);
    }

    #[test]
    fn expansion_forms() {
        assert_eq!(x("img:$TAG"), ("img:1.2".into(), false));
        assert_eq!(x("img:${TAG}"), ("img:1.2".into(), false));
        assert_eq!(x("${NOPE:-3.0}"), ("3.0".into(), false));
        assert_eq!(x("${EMPTY:-d}"), ("d".into(), false));
        assert_eq!(x("${EMPTY-d}"), ("".into(), false));
        assert_eq!(x("${TAG:+set}"), ("set".into(), false));
        assert_eq!(x("${NOPE:+set}"), ("".into(), true));
        assert_eq!(x("$NOPE"), ("".into(), true));
        assert_eq!(x("'$TAG' \"$TAG\" \\$TAG"), ("$TAG 1.2 $TAG".into(), false));
        assert_eq!(x("${NOPE:-${TAG}}"), ("1.2".into(), false));
        assert_eq!(x("cost $5"), ("cost $5".into(), false));
        assert_eq!(unquote("\"a b\"'c'", '\\'), "a bc");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let s = "${A:-".repeat(10_000) + &"}".repeat(10_000);
        let _ = x(&s);
        let _ = x("${");
        let _ = x("\"unterminated");
    }
}
