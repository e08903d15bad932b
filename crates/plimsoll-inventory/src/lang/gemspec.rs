//! Installed gems: `specifications/*.gemspec` (and `specifications/default/*.gemspec` for gems
//! bundled with Ruby), as RubyGems writes them on install:
//!
//! ```ruby
//! # stub: rack 2.2.3 ruby lib
//! Gem::Specification.new do |s|
//!   s.name = "rack".freeze
//!   s.version = "2.2.3"
//!   s.licenses = ["MIT".freeze]
//! ```
//!
//! A gemspec is Ruby and is never executed: only plain assignments of string literals to the
//! block variable's `name`, `version`, `platform`, `license` and `licenses` are read (with
//! `.freeze` and `Gem::Version.new(...)` allowed around them); anything computed is ignored. The
//! `# stub:` line that RubyGems writes first fills in what the assignments do not give.

use plimsoll_model::PackageKind;

use super::{malformed, package, Collector, METADATA_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct Gemspec;

impl Analyzer for Gemspec {
    fn name(&self) -> &'static str {
        "gemspec"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        if !path.ends_with(".gemspec") {
            return false;
        }
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        dir == "specifications"
            || dir.ends_with("/specifications")
            || dir == "specifications/default"
            || dir.ends_with("/specifications/default")
    }
    fn max_size(&self) -> u64 {
        METADATA_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let text = String::from_utf8_lossy(content);
        let spec = parse(&text);
        let (Some(name), Some(version)) = (spec.name, spec.version) else {
            return Err(malformed(path, "no literal name and version in the gemspec"));
        };
        let mut p = package(PackageKind::Gem, &name, &version, path);
        p.arch = spec.platform.filter(|p| p != "ruby");
        p.licenses = spec.licenses;
        let mut c = Collector::default();
        c.push(p);
        c.finish(path)
    }
}

#[derive(Default, Debug, PartialEq)]
struct Spec {
    name: Option<String>,
    version: Option<String>,
    platform: Option<String>,
    licenses: Vec<String>,
}

fn parse(text: &str) -> Spec {
    let mut spec = Spec::default();
    let var = block_variable(text).unwrap_or("s");
    for line in text.lines() {
        let line = line.trim();
        if let Some(stub) = line.strip_prefix("# stub: ") {
            let mut f = stub.split_whitespace();
            spec.name = spec.name.take().or(f.next().map(str::to_owned));
            spec.version = spec.version.take().or(f.next().map(str::to_owned));
            spec.platform = spec.platform.take().or(f.next().map(str::to_owned));
            continue;
        }
        let Some(rest) = line.strip_prefix(var).and_then(|r| r.strip_prefix('.')) else { continue };
        let attr_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let (attr, rest) = rest.split_at(attr_end);
        let Some(value) = rest.trim_start().strip_prefix('=').filter(|v| !v.starts_with(['=', '~'])) else { continue };
        let value = value.trim();
        match attr {
            "name" => spec.name = literal(value).map(|(s, _)| s).or(spec.name),
            "version" => {
                let v = value.strip_prefix("Gem::Version.new(").and_then(|v| v.strip_suffix(')')).unwrap_or(value);
                spec.version = literal(v).map(|(s, _)| s).or(spec.version);
            }
            "platform" => spec.platform = literal(value).map(|(s, _)| s).or(spec.platform),
            "license" => spec.licenses.extend(literal(value).map(|(s, _)| s)),
            "licenses" => spec.licenses.extend(literal_array(value)),
            _ => {}
        }
    }
    spec
}

/// `X` in `Gem::Specification.new do |X|` or `Gem::Specification.new { |X|`.
fn block_variable(text: &str) -> Option<&str> {
    let after = &text[text.find("Gem::Specification.new")? + "Gem::Specification.new".len()..];
    let open = after.find('|')?;
    let head = after[..open].trim();
    if !(head == "do" || head == "{" || head.ends_with(" do") || head.ends_with('{')) {
        return None;
    }
    let rest = &after[open + 1..];
    let var = rest[..rest.find('|')?].trim();
    (!var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(var)
}

/// A Ruby string literal (`"x"`, `'x'`, `%q{x}`, `%Q(x)`), optionally `.freeze`d, and what
/// follows it. Double-quoted strings with interpolation or escapes other than `\\` `\"` are not
/// literals we can read without Ruby.
fn literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    let (body_start, close, double) = match s.as_bytes() {
        [b'"', ..] => (1, '"', true),
        [b'\'', ..] => (1, '\'', false),
        [b'%', b'q' | b'Q', open, ..] => {
            let close = match open {
                b'{' => '}',
                b'(' => ')',
                b'[' => ']',
                b'<' => '>',
                b'|' => '|',
                b'!' => '!',
                _ => return None,
            };
            (3, close, s.as_bytes()[1] == b'Q')
        }
        _ => return None,
    };
    let body = &s[body_start..];
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e @ ('\\' | '"' | '\''))) => out.push(e),
                _ => return None,
            },
            '#' if double && body[i + 1..].starts_with('{') => return None,
            c if c == close => {
                let rest = &body[i + c.len_utf8()..];
                let rest = rest.strip_prefix(".freeze").unwrap_or(rest);
                return Some((out, rest));
            }
            c => out.push(c),
        }
    }
    None
}

/// `["MIT".freeze, "Ruby".freeze]`.
fn literal_array(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(mut rest) = s.trim().strip_prefix('[') else { return out };
    loop {
        rest = rest.trim_start();
        if rest.starts_with(']') {
            return out;
        }
        let Some((v, after)) = literal(rest) else { return out };
        out.push(v);
        rest = after.trim_start();
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_gemspec() {
        let g = r#"# -*- encoding: utf-8 -*-
# stub: nokogiri 1.13.6 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "nokogiri".freeze
  s.version = "1.13.6"
  s.platform = "x86_64-linux".freeze

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.licenses = ["MIT".freeze, 'Apache-2.0']
  s.summary = "Nokogiri (\u92F8) makes it easy".freeze
end
"#;
        assert_eq!(
            parse(g),
            Spec {
                name: Some("nokogiri".into()),
                version: Some("1.13.6".into()),
                platform: Some("x86_64-linux".into()),
                licenses: vec!["MIT".into(), "Apache-2.0".into()],
            }
        );
    }

    #[test]
    fn other_block_variable_and_computed_values() {
        let g =
            "Gem::Specification.new do |spec|\n  spec.name = %q{rack}\n  spec.version = Gem::Version.new(\"2.2.3\")\n\
                 spec.license = \"#{x}\"\n  s.name = \"not-this\"\nend\n";
        let s = parse(g);
        assert_eq!((s.name.as_deref(), s.version.as_deref()), (Some("rack"), Some("2.2.3")));
        assert!(s.licenses.is_empty());
        let g = "Gem::Specification.new do |s|\n  s.name = NAME\n  s.version = VERSION\nend\n";
        assert!(Gemspec.analyze("specifications/x.gemspec", g.as_bytes()).is_err());
    }

    #[test]
    fn wants() {
        assert!(Gemspec.wants("usr/local/bundle/specifications/rack-2.2.3.gemspec"));
        assert!(Gemspec.wants("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"));
        assert!(!Gemspec.wants("src/rack/rack.gemspec"));
    }
}
