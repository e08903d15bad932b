//! A span-keeping Dockerfile parser following BuildKit's grammar
//! (`moby/buildkit/frontend/dockerfile/parser` and `instructions`).
//!
//! Hand-written because no Rust crate handles the full grammar: `dockerfile-parser` has no
//! heredocs, and the others drop line spans or parser directives. The steps mirror BuildKit:
//! 1. parser directives (`# syntax=`, `# escape=`, `# check=`) at the very top;
//! 2. physical lines joined into logical lines at the escape character, with comment lines and
//!    empty lines inside a continuation dropped;
//! 3. the keyword, then `--flags`, then the instruction's own argument grammar (JSON/exec or shell
//!    form, `key=value` pairs, `ARG name[=default]`, ...);
//! 4. heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`) for `RUN`, `COPY`, `ADD` (also under `ONBUILD`),
//!    whose bodies follow the instruction line.
//!
//! Every instruction records its first and last physical line. Errors name the line; nothing
//! here panics on any input (see the fuzz target).

use super::expand::{split_words_raw, unquote};

/// Input larger than this is refused: a Dockerfile is a few KiB; this bounds memory and time.
pub const MAX_DOCKERFILE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    #[error("line {line}: {message}")]
    Syntax { line: u32, message: String },
    #[error("file is {size} bytes, more than the {max} bytes accepted for a Dockerfile")]
    TooLarge { size: usize, max: usize },
}

impl ParseError {
    pub fn line(&self) -> u32 {
        match self {
            ParseError::Syntax { line, .. } => *line,
            ParseError::TooLarge { .. } => 1,
        }
    }
}

fn syntax(line: u32, message: impl Into<String>) -> ParseError {
    ParseError::Syntax { line, message: message.into() }
}

/// The parser directives found at the top of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directives {
    pub syntax: Option<String>,
    /// The escape character: `\` unless `# escape=`` ` `` ` says otherwise.
    pub escape: char,
    /// `# check=skip=...;error=true` (BuildKit build checks), verbatim.
    pub check: Option<String>,
}

impl Default for Directives {
    fn default() -> Self {
        Directives { syntax: None, escape: '\\', check: None }
    }
}

/// The instruction keyword, upper-cased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

impl Keyword {
    fn parse(word: &str) -> Option<Keyword> {
        Some(match word.to_ascii_lowercase().as_str() {
            "add" => Keyword::Add,
            "arg" => Keyword::Arg,
            "cmd" => Keyword::Cmd,
            "copy" => Keyword::Copy,
            "entrypoint" => Keyword::Entrypoint,
            "env" => Keyword::Env,
            "expose" => Keyword::Expose,
            "from" => Keyword::From,
            "healthcheck" => Keyword::Healthcheck,
            "label" => Keyword::Label,
            "maintainer" => Keyword::Maintainer,
            "onbuild" => Keyword::Onbuild,
            "run" => Keyword::Run,
            "shell" => Keyword::Shell,
            "stopsignal" => Keyword::Stopsignal,
            "user" => Keyword::User,
            "volume" => Keyword::Volume,
            "workdir" => Keyword::Workdir,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
        }
    }

    /// BuildKit reads heredocs only for these.
    fn takes_heredoc(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// A `--name[=value]` flag before the arguments (`--mount=type=cache,target=/x`, `--from=build`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
}

/// A here-document attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    pub chomp: bool,
    /// Unquoted delimiter: the body is subject to expansion.
    pub expand: bool,
    pub content: String,
    /// The line of the first body line.
    pub line: u32,
}

/// Exec (JSON array) or shell form of `RUN`, `CMD`, `ENTRYPOINT`, `HEALTHCHECK CMD`, `SHELL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Exec(Vec<String>),
    Shell(String),
}

/// The parsed arguments of an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// `FROM image [AS name]`.
    From { image: String, alias: Option<String> },
    /// `RUN`, `CMD`, `ENTRYPOINT`, `SHELL`.
    Command(Command),
    /// `ENV` and `LABEL`: pairs with the raw (still quoted) value.
    Pairs(Vec<(String, String)>),
    /// `ARG name[=default]...` with the raw default.
    Arg(Vec<(String, Option<String>)>),
    /// `COPY`/`ADD` sources then destination, `EXPOSE` ports, `VOLUME` paths.
    List(Vec<String>),
    /// `USER`, `WORKDIR`, `MAINTAINER`, `STOPSIGNAL`: the rest of the line.
    Text(String),
    /// `HEALTHCHECK NONE` is `None`; `HEALTHCHECK [opts] CMD ...` carries the command.
    Healthcheck(Option<Command>),
    /// `ONBUILD <instruction>`.
    Onbuild(Box<Instruction>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: Keyword,
    pub flags: Vec<Flag>,
    pub args: Args,
    /// Everything after the keyword and flags on the joined logical line.
    pub rest: String,
    pub heredocs: Vec<Heredoc>,
    /// First physical line (1-based).
    pub line: u32,
    /// Last physical line, heredoc bodies included.
    pub end_line: u32,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The value of `--name=value`, if present.
    pub fn flag_value(&self, name: &str) -> Option<&str> {
        self.flag(name).and_then(|f| f.value.as_deref())
    }

    /// The instruction to check: the one an `ONBUILD` wraps, or itself.
    pub fn effective(&self) -> &Instruction {
        match &self.args {
            Args::Onbuild(inner) => inner,
            _ => self,
        }
    }
}

/// A `#` comment line (kept for suppression comments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub line: u32,
    pub text: String,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dockerfile {
    pub directives: Directives,
    pub instructions: Vec<Instruction>,
    pub comments: Vec<Comment>,
}

struct Lines<'a> {
    lines: Vec<&'a str>,
    next: usize,
}

impl<'a> Lines<'a> {
    fn new(src: &'a str) -> Self {
        // `split('\n')` leaves a trailing empty piece for a final newline; harmless (an empty line).
        Lines { lines: src.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect(), next: 0 }
    }
    /// Next physical line and its 1-based number.
    fn next(&mut self) -> Option<(u32, &'a str)> {
        let l = *self.lines.get(self.next)?;
        self.next += 1;
        Some((u32::try_from(self.next).unwrap_or(u32::MAX), l))
    }
}

fn is_comment(line: &str) -> bool {
    line.trim_start_matches([' ', '\t']).starts_with('#')
}

/// Strips the escape character (and trailing blanks after it) ending a line: BuildKit's
/// `\\[ \t]*$`. Returns the line and whether the logical line ends here.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.strip_suffix(escape) {
        Some(body) => (body, false),
        None => (line, true),
    }
}

/// Parses the directives block. BuildKit stops looking at the first line that is not a
/// well-formed directive (an empty line, a plain comment, an instruction).
fn parse_directives(lines: &mut Lines<'_>, out: &mut Dockerfile) -> Result<(), ParseError> {
    let mut seen: Vec<String> = Vec::new();
    while let Some(&raw) = lines.lines.get(lines.next) {
        let line_no = u32::try_from(lines.next + 1).unwrap_or(u32::MAX);
        let Some(body) = raw.trim_start_matches([' ', '\t']).strip_prefix('#') else { break };
        let Some((key, value)) = body.split_once('=') else { break };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) || key.contains(' ') {
            break;
        }
        match key.as_str() {
            "syntax" | "escape" | "check" => {}
            // Unknown directives are treated as comments and, per the Dockerfile reference,
            // are still directives that do not end the block.
            _ => {
                lines.next += 1;
                out.comments.push(Comment { line: line_no, text: raw.to_string() });
                continue;
            }
        }
        if seen.contains(&key) {
            return Err(syntax(line_no, format!("only one {key} parser directive can be used")));
        }
        seen.push(key.clone());
        match key.as_str() {
            "syntax" => out.directives.syntax = Some(value.to_string()),
            "check" => out.directives.check = Some(value.to_string()),
            _ => {
                out.directives.escape = match value {
                    "\\" => '\\',
                    "`" => '`',
                    other => {
                        return Err(syntax(line_no, format!("invalid escape token '{other}' does not match ` or \\")))
                    }
                }
            }
        }
        out.comments.push(Comment { line: line_no, text: raw.to_string() });
        lines.next += 1;
    }
    Ok(())
}

/// Parses a Dockerfile. `src` must be UTF-8 (callers lossily convert bytes first).
pub fn parse(src: &str) -> Result<Dockerfile, ParseError> {
    if src.len() > MAX_DOCKERFILE_BYTES {
        return Err(ParseError::TooLarge { size: src.len(), max: MAX_DOCKERFILE_BYTES });
    }
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut out = Dockerfile::default();
    let mut lines = Lines::new(src);
    parse_directives(&mut lines, &mut out)?;
    let escape = out.directives.escape;

    while let Some((start, raw)) = lines.next() {
        if is_comment(raw) {
            out.comments.push(Comment { line: start, text: raw.trim().to_string() });
            continue;
        }
        if raw.trim().is_empty() {
            continue;
        }
        let (first, mut done) = trim_continuation(raw.trim_start(), escape);
        let mut logical = first.to_string();
        let mut end = start;
        while !done {
            let Some((n, raw)) = lines.next() else { break };
            end = n;
            if is_comment(raw) {
                out.comments.push(Comment { line: n, text: raw.trim().to_string() });
                continue;
            }
            if raw.trim().is_empty() {
                continue;
            }
            let (part, d) = trim_continuation(raw, escape);
            logical.push_str(part);
            done = d;
        }
        if logical.trim().is_empty() {
            // A lone escape character: nothing to parse.
            continue;
        }
        let mut inst = parse_instruction(logical.trim(), start, escape)?;
        inst.end_line = end;
        let heredoc_owner = match &inst.args {
            Args::Onbuild(inner) => inner.keyword.takes_heredoc(),
            _ => inst.keyword.takes_heredoc(),
        };
        if heredoc_owner && logical.contains("<<") {
            let mut docs = Vec::new();
            for mut doc in heredoc_markers(&logical) {
                let mut terminated = false;
                doc.line = end.saturating_add(1);
                while let Some((n, raw)) = lines.next() {
                    end = n;
                    let candidate = if doc.chomp { raw.trim_start_matches('\t') } else { raw };
                    if candidate == doc.name {
                        terminated = true;
                        break;
                    }
                    doc.content.push_str(raw);
                    doc.content.push('\n');
                }
                if !terminated {
                    return Err(syntax(start, format!("unterminated heredoc <<{}", doc.name)));
                }
                docs.push(doc);
            }
            inst.end_line = end;
            match &mut inst.args {
                Args::Onbuild(inner) => {
                    inner.heredocs = docs;
                    inner.end_line = end;
                }
                _ => inst.heredocs = docs,
            }
        }
        out.instructions.push(inst);
    }
    Ok(out)
}

/// Finds heredoc markers in a logical line: words matching BuildKit's `^(\d*)<<(-?)([^<]*)$`.
fn heredoc_markers(line: &str) -> Vec<Heredoc> {
    let mut docs = Vec::new();
    for word in split_words_raw(line, '\\') {
        let digits = word.chars().take_while(char::is_ascii_digit).count();
        let Some(rest) = word.get(digits..).and_then(|w| w.strip_prefix("<<")) else { continue };
        let (chomp, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if rest.is_empty() || rest.contains('<') {
            continue;
        }
        let quoted = rest.contains(['"', '\'']);
        let name = unquote(rest, '\\');
        if name.is_empty() || name.chars().any(char::is_whitespace) {
            continue;
        }
        docs.push(Heredoc { name, chomp, expand: !quoted, content: String::new(), line: 0 });
    }
    docs
}

/// Splits `--flag[=value]` words off the start of the arguments (BuildKit `extractBuilderFlags`).
fn extract_flags(rest: &str) -> (Vec<Flag>, &str) {
    let mut flags = Vec::new();
    let mut s = rest.trim_start();
    loop {
        // A stray escape character between flags (a continuation whose newline was lost) is
        // skipped, as hadolint does.
        if let Some(after) = s.strip_prefix("\\ ") {
            s = after.trim_start();
            continue;
        }
        let Some(body) = s.strip_prefix("--") else { break };
        // A flag word ends at unquoted whitespace.
        let mut end = body.len();
        let mut quote: Option<char> = None;
        for (i, c) in body.char_indices() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c.is_whitespace() => {
                    end = i;
                    break;
                }
                None => {}
            }
        }
        let word = &body[..end];
        if word.is_empty() {
            // A bare `--` ends the flags (BuildKit treats it as the end-of-flags marker).
            s = body[end..].trim_start();
            break;
        }
        let (name, value) = match word.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(unquote(v, '\\'))),
            None => (word.to_string(), None),
        };
        flags.push(Flag { name, value });
        s = body[end..].trim_start();
    }
    (flags, s)
}

/// JSON exec form: a JSON array of strings, otherwise `None` (shell form).
fn parse_json_array(rest: &str) -> Option<Vec<String>> {
    let t = rest.trim();
    if !t.starts_with('[') || !t.ends_with(']') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

fn parse_command(rest: &str) -> Command {
    match parse_json_array(rest) {
        Some(v) => Command::Exec(v),
        None => Command::Shell(rest.to_string()),
    }
}

/// `ENV`/`LABEL`: `key=value ...` or the legacy `key value`.
fn parse_pairs(rest: &str, line: u32, keyword: &str, escape: char) -> Result<Vec<(String, String)>, ParseError> {
    let words = split_words_raw(rest, escape);
    let Some(first) = words.first() else {
        return Err(syntax(line, format!("{keyword} requires at least one argument")));
    };
    if !first.contains('=') {
        // Legacy `ENV key value with spaces`: the value is the rest of the line.
        let value = rest.trim_start().get(first.len()..).unwrap_or("").trim().to_string();
        if value.is_empty() && keyword == "ENV" {
            return Err(syntax(line, format!("{keyword} names can not be blank: {first} must have two arguments")));
        }
        return Ok(vec![(first.clone(), value)]);
    }
    let mut pairs = Vec::with_capacity(words.len());
    for w in words {
        let Some((k, v)) = w.split_once('=') else {
            return Err(syntax(line, format!("syntax error - can't find = in {w:?}. Must be of the form: name=value")));
        };
        if k.is_empty() {
            return Err(syntax(line, format!("{keyword} names can not be blank")));
        }
        pairs.push((k.to_string(), v.to_string()));
    }
    Ok(pairs)
}

fn parse_instruction(logical: &str, line: u32, escape: char) -> Result<Instruction, ParseError> {
    let (word, rest) = match logical.find(char::is_whitespace) {
        Some(i) => (&logical[..i], logical[i..].trim_start()),
        None => (logical, ""),
    };
    let Some(keyword) = Keyword::parse(word) else {
        return Err(syntax(line, format!("unknown instruction: {word}")));
    };
    let (flags, rest) = if keyword == Keyword::Onbuild { (Vec::new(), rest) } else { extract_flags(rest) };
    let needs_args = !matches!(keyword, Keyword::Healthcheck);
    if rest.trim().is_empty() && needs_args {
        return Err(syntax(line, format!("{} requires at least one argument", keyword.as_str())));
    }
    let args = match keyword {
        Keyword::From => {
            let words: Vec<&str> = rest.split_whitespace().collect();
            match words.as_slice() {
                [image] => Args::From { image: (*image).to_string(), alias: None },
                [image, as_kw, name] if as_kw.eq_ignore_ascii_case("as") => {
                    Args::From { image: (*image).to_string(), alias: Some((*name).to_string()) }
                }
                _ => {
                    return Err(syntax(line, "FROM requires either one argument, or three: FROM <source> [AS <name>]"))
                }
            }
        }
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint => Args::Command(parse_command(rest)),
        Keyword::Shell => match parse_json_array(rest) {
            Some(v) if !v.is_empty() => Args::Command(Command::Exec(v)),
            _ => return Err(syntax(line, "SHELL requires the arguments to be in JSON form")),
        },
        Keyword::Env | Keyword::Label => Args::Pairs(parse_pairs(rest, line, keyword.as_str(), escape)?),
        Keyword::Arg => {
            let mut v = Vec::new();
            for w in split_words_raw(rest, escape) {
                match w.split_once('=') {
                    Some((k, d)) => v.push((k.to_string(), Some(d.to_string()))),
                    None => v.push((w, None)),
                }
            }
            Args::Arg(v)
        }
        Keyword::Copy | Keyword::Add | Keyword::Volume => match parse_json_array(rest) {
            Some(v) => Args::List(v),
            None => Args::List(rest.split_whitespace().map(str::to_string).collect()),
        },
        Keyword::Expose => Args::List(rest.split_whitespace().map(str::to_string).collect()),
        Keyword::User | Keyword::Workdir | Keyword::Maintainer | Keyword::Stopsignal => {
            Args::Text(rest.trim().to_string())
        }
        Keyword::Healthcheck => {
            let t = rest.trim();
            let (kw, cmd) = match t.find(char::is_whitespace) {
                Some(i) => (&t[..i], t[i..].trim_start()),
                None => (t, ""),
            };
            if kw.eq_ignore_ascii_case("none") {
                if !cmd.is_empty() {
                    return Err(syntax(line, "HEALTHCHECK NONE takes no arguments"));
                }
                Args::Healthcheck(None)
            } else if kw.eq_ignore_ascii_case("cmd") && !cmd.is_empty() {
                Args::Healthcheck(Some(parse_command(cmd)))
            } else {
                return Err(syntax(line, "HEALTHCHECK requires NONE or CMD <command>"));
            }
        }
        Keyword::Onbuild => {
            let inner = parse_instruction(rest.trim(), line, escape)?;
            if matches!(inner.keyword, Keyword::Onbuild | Keyword::From | Keyword::Maintainer) {
                return Err(syntax(line, format!("{} isn't allowed as an ONBUILD trigger", inner.keyword.as_str())));
            }
            Args::Onbuild(Box::new(inner))
        }
    };
    Ok(Instruction { keyword, flags, args, rest: rest.to_string(), heredocs: Vec::new(), line, end_line: line })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Dockerfile {
        parse(s).unwrap()
    }

    #[test]
    fn continuation_comments_and_blank_lines() {
        let d = p("FROM alpine\nRUN apk add \\\n  # a comment\n\n  curl \\\n  git\nUSER app\n");
        assert_eq!(d.instructions.len(), 3);
        let run = &d.instructions[1];
        assert_eq!((run.line, run.end_line), (2, 6));
        assert_eq!(run.args, Args::Command(Command::Shell("apk add   curl   git".into())));
        assert_eq!(d.instructions[2].line, 7);
        assert_eq!(d.comments[0].line, 3);
    }

    #[test]
    fn escape_directive_backtick() {
        let d = p("# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\\n");
        assert_eq!(d.directives.escape, '`');
        assert_eq!(d.instructions[1].args, Args::Command(Command::Shell("dir   c:\\".into())));
    }

    #[test]
    fn directives_stop_at_first_non_directive() {
        let d = p("# syntax=docker/dockerfile:1\n\n# escape=`\nFROM x\n");
        assert_eq!(d.directives.syntax.as_deref(), Some("docker/dockerfile:1"));
        assert_eq!(d.directives.escape, '\\');
        assert!(parse("# escape=\\\n# escape=`\nFROM x").is_err());
        assert!(parse("# escape=x\nFROM x").is_err());
    }

    #[test]
    fn heredocs() {
        let d = p("FROM x\nRUN <<EOF bash\nset -e\napt-get update\nEOF\nCOPY <<-\"A\" /a <<B /b\n\tone\n\tA\ntwo\nB\nUSER 1\n");
        let run = &d.instructions[1];
        assert_eq!(run.heredocs.len(), 1);
        assert_eq!(run.heredocs[0].content, "set -e\napt-get update\n");
        assert_eq!((run.line, run.end_line, run.heredocs[0].line), (2, 5, 3));
        let copy = &d.instructions[2];
        assert_eq!(copy.heredocs.len(), 2);
        assert!(copy.heredocs[0].chomp && !copy.heredocs[0].expand);
        assert_eq!(copy.heredocs[0].name, "A");
        assert_eq!(copy.heredocs[1].content, "two\n");
        assert_eq!(d.instructions[3].line, 11);
        assert!(parse("FROM x\nRUN <<EOF\nunterminated\n").is_err());
    }

    #[test]
    fn exec_and_shell_forms_and_flags() {
        let d = p("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache --network=none go build\nCMD [\"./app\", \"-v\"]\nENTRYPOINT [not json\nCOPY --from=build --chown=app:app /out /app/\n");
        let from = &d.instructions[0];
        assert_eq!(from.flag_value("platform"), Some("$BUILDPLATFORM"));
        assert_eq!(from.args, Args::From { image: "golang:1.22".into(), alias: Some("build".into()) });
        let run = &d.instructions[1];
        assert_eq!(run.flags.len(), 2);
        assert_eq!(run.flag_value("mount"), Some("type=cache,target=/root/.cache"));
        assert_eq!(d.instructions[2].args, Args::Command(Command::Exec(vec!["./app".into(), "-v".into()])));
        assert_eq!(d.instructions[3].args, Args::Command(Command::Shell("[not json".into())));
        assert_eq!(d.instructions[4].flag_value("from"), Some("build"));
        assert_eq!(d.instructions[4].args, Args::List(vec!["/out".into(), "/app/".into()]));
    }

    #[test]
    fn env_arg_label_forms() {
        let d = p("ENV A=1 B=\"two words\" C=x\\ y\nENV LEGACY some value\nARG V=1.0 W\nLABEL a=b\n");
        assert_eq!(
            d.instructions[0].args,
            Args::Pairs(vec![
                ("A".into(), "1".into()),
                ("B".into(), "\"two words\"".into()),
                ("C".into(), "x\\ y".into())
            ])
        );
        assert_eq!(d.instructions[1].args, Args::Pairs(vec![("LEGACY".into(), "some value".into())]));
        assert_eq!(d.instructions[2].args, Args::Arg(vec![("V".into(), Some("1.0".into())), ("W".into(), None)]));
        assert!(parse("ENV A=1 B\n").is_err());
    }

    #[test]
    fn onbuild_and_healthcheck() {
        let d = p("ONBUILD RUN <<EOF\necho hi\nEOF\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/\nHEALTHCHECK NONE\n");
        let Args::Onbuild(inner) = &d.instructions[0].args else { panic!() };
        assert_eq!(inner.keyword, Keyword::Run);
        assert_eq!(inner.heredocs[0].content, "echo hi\n");
        assert_eq!(d.instructions[1].flag_value("interval"), Some("5s"));
        assert!(matches!(d.instructions[1].args, Args::Healthcheck(Some(Command::Shell(_)))));
        assert_eq!(d.instructions[2].args, Args::Healthcheck(None));
        assert!(parse("ONBUILD ONBUILD RUN x").is_err());
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("FROM x\n\nFOO bar\n").unwrap_err();
        assert_eq!(e.line(), 3);
        assert_eq!(parse("FROM\n").unwrap_err().line(), 1);
    }

    #[test]
    fn crlf_bom_and_trailing_continuation() {
        let d = p("\u{feff}FROM x\r\nRUN a \\\r\n  b\r\nRUN c \\");
        assert_eq!(d.instructions.len(), 3);
        assert_eq!(d.instructions[1].args, Args::Command(Command::Shell("a   b".into())));
        assert_eq!(d.instructions[2].args, Args::Command(Command::Shell("c".into())));
    }
}
