//! Go module files, `go.mod`: the `require`d modules, with `replace` and `exclude` applied as the
//! go command applies them in the main module. `// indirect` requirements are marked
//! [`Package::indirect`](plimsoll_model::Package::indirect).
//!
//! A replacement by another module (`replace a v1.0.0 => b v1.1.0`) reports the replacement; one
//! by a directory (`replace a => ../a`) keeps the required path and version, marked local. The
//! file's own module has no version and is not reported; before Go 1.17 a `go.mod` lists only
//! direct and some indirect requirements (`go.sum` is not a list of what is built).
//!
//! Syntax (golang.org/x/mod/modfile): one directive per line or `verb ( ... )` blocks, `//`
//! comments, interpreted `"..."` and raw `` `...` `` strings.

use std::collections::HashSet;

use plimsoll_model::{PackageKind, PackageOrigin};

use super::go_binary::is_local_path;
use super::{file_name, malformed, package, text, under_any, Collector, METADATA_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct GoMod;

/// Directives of the go.mod grammar; others are reported (the go command rejects them).
const KNOWN: &[&str] =
    &["module", "go", "toolchain", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore"];

struct Require {
    path: String,
    version: String,
    indirect: bool,
}

struct Replace {
    old: String,
    old_version: Option<String>,
    new: String,
    new_version: Option<String>,
}

impl Analyzer for GoMod {
    fn name(&self) -> &'static str {
        "go-mod"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        // `vendor/` and the module cache (`pkg/mod/`) hold the go.mod of every dependency.
        file_name(path) == "go.mod" && !under_any(path, &["vendor"]) && !path.contains("pkg/mod/")
    }
    fn max_size(&self) -> u64 {
        METADATA_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let text = text(path, content)?;
        let mut requires = Vec::new();
        let mut replaces = Vec::new();
        let mut excludes = HashSet::new();
        let mut block: Option<String> = None;
        let mut unknown = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let bad = |what: &str| malformed(path, format!("line {}: {what}", i + 1));
            let (code, comment) = split_comment(line);
            let tokens = tokenize(code).ok_or_else(|| bad("unterminated string"))?;
            let (verb, args): (&str, &[String]) = match (&block, tokens.as_slice()) {
                (_, []) => continue,
                (Some(_), [close]) if close == ")" => {
                    block = None;
                    continue;
                }
                (Some(v), args) => (v.as_str(), args),
                (None, [verb, open]) if open == "(" => {
                    if !KNOWN.contains(&verb.as_str()) {
                        unknown.push(format!("line {}: unknown directive `{verb}`", i + 1));
                    }
                    block = Some(verb.clone());
                    continue;
                }
                (None, [_, open, close]) if open == "(" && close == ")" => continue,
                (None, [verb, args @ ..]) => (verb.as_str(), args),
            };
            match (verb, args) {
                ("require", [p, v]) => {
                    requires.push(Require { path: p.clone(), version: v.clone(), indirect: is_indirect(comment) })
                }
                ("exclude", [p, v]) => {
                    excludes.insert((p.clone(), v.clone()));
                }
                ("replace", _) => replaces.push(parse_replace(args).ok_or_else(|| bad("malformed replace"))?),
                ("require" | "exclude", _) => return Err(bad(&format!("malformed {verb}"))),
                _ if KNOWN.contains(&verb) || block.is_some() => {}
                _ => unknown.push(format!("line {}: unknown directive `{verb}`", i + 1)),
            }
        }
        if block.is_some() {
            return Err(malformed(path, "unterminated block"));
        }
        let mut c = Collector::default();
        for u in unknown {
            c.warn(u);
        }
        for r in requires {
            if excludes.contains(&(r.path.clone(), r.version.clone())) {
                c.warn(format!("{} {} is required but excluded", r.path, r.version));
                continue;
            }
            // A replacement for this exact version wins over one for every version.
            let rep = replaces
                .iter()
                .rev()
                .find(|x| x.old == r.path && x.old_version.as_deref() == Some(r.version.as_str()))
                .or_else(|| replaces.iter().rev().find(|x| x.old == r.path && x.old_version.is_none()));
            let mut p = match rep {
                Some(Replace { new, new_version: Some(v), .. }) if !is_local_path(new) => {
                    package(PackageKind::Go, new, v, path)
                }
                Some(_) => {
                    let mut p = package(PackageKind::Go, &r.path, &r.version, path);
                    p.origin = Some(PackageOrigin::Local);
                    p
                }
                None => package(PackageKind::Go, &r.path, &r.version, path),
            };
            p.indirect = r.indirect;
            c.push(p);
        }
        c.finish(path)
    }
}

/// `old [v] => new [v]`.
fn parse_replace(args: &[String]) -> Option<Replace> {
    let arrow = args.iter().position(|a| a == "=>")?;
    let (lhs, rhs) = (&args[..arrow], &args[arrow + 1..]);
    let (old, old_version) = match lhs {
        [p] => (p.clone(), None),
        [p, v] => (p.clone(), Some(v.clone())),
        _ => return None,
    };
    let (new, new_version) = match rhs {
        [p] => (p.clone(), None),
        [p, v] => (p.clone(), Some(v.clone())),
        _ => return None,
    };
    Some(Replace { old, old_version, new, new_version })
}

/// Code and the text of a trailing `//` comment (outside strings).
fn split_comment(line: &str) -> (&str, &str) {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(b'"') if b == b'\\' => i += 1,
            Some(_) => {}
            None if b == b'"' || b == b'`' => quote = Some(b),
            None if b == b'/' && bytes.get(i + 1) == Some(&b'/') => return (&line[..i], &line[i + 2..]),
            None => {}
        }
        i += 1;
    }
    (line, "")
}

/// The go command's rule: the comment is `indirect`, or starts with `indirect;`.
fn is_indirect(comment: &str) -> bool {
    let c = comment.trim();
    c == "indirect" || c.starts_with("indirect;")
}

/// Whitespace-separated tokens; `(` and `)` stand alone; quoted strings are unquoted.
fn tokenize(code: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' => {
                out.push(c.to_string());
                chars.next();
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => s.push(chars.next()?),
                        ch => s.push(ch),
                    }
                }
                out.push(s);
            }
            '`' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '`' => break,
                        ch => s.push(ch),
                    }
                }
                out.push(s);
            }
            _ => {
                let mut s = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_whitespace() || ch == '(' || ch == ')' || ch == '"' || ch == '`' {
                        break;
                    }
                    s.push(ch);
                    chars.next();
                }
                out.push(s);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_replaces_excludes() {
        let gomod = br#"module example.com/app // the app

go 1.21

toolchain go1.21.3

require github.com/single/line v1.0.0

require (
	golang.org/x/text v0.3.0 // indirect
	"github.com/quoted/mod" v1.2.3
	github.com/replaced/any v1.0.0
	github.com/replaced/exact v1.0.0
	github.com/local/dir v0.0.0-00010101000000-000000000000
	github.com/excluded/mod v0.1.0 // indirect; comment
)

exclude github.com/excluded/mod v0.1.0

replace (
	github.com/replaced/any => github.com/fork/any v1.0.5
	github.com/replaced/exact v1.0.0 => github.com/fork/exact v1.0.1
	github.com/replaced/exact v0.9.0 => github.com/fork/exact v0.9.9
)
replace github.com/local/dir => ../dir
"#;
        let f = GoMod.analyze("go.mod", gomod).unwrap();
        let got: Vec<_> =
            f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.indirect, p.origin)).collect();
        assert_eq!(
            got,
            [
                ("github.com/single/line", "v1.0.0", false, None),
                ("golang.org/x/text", "v0.3.0", true, None),
                ("github.com/quoted/mod", "v1.2.3", false, None),
                ("github.com/fork/any", "v1.0.5", false, None),
                ("github.com/fork/exact", "v1.0.1", false, None),
                ("github.com/local/dir", "v0.0.0-00010101000000-000000000000", false, Some(PackageOrigin::Local)),
            ]
        );
        assert_eq!(f.warnings, ["github.com/excluded/mod v0.1.0 is required but excluded"]);
    }

    #[test]
    fn malformed() {
        assert!(GoMod.analyze("go.mod", b"require (\n a v1\n").is_err());
        assert!(GoMod.analyze("go.mod", b"require a\n").is_err());
        assert!(GoMod.analyze("go.mod", b"require \"a v1\n").is_err());
        assert!(GoMod.analyze("go.mod", b"replace a v1 =>\n").is_err());
    }
}
