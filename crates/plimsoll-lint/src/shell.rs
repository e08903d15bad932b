//! Just enough POSIX shell to find the simple commands in a `RUN` script: words with quote
//! removal, `&&`/`||`/`;`/`|`/`&`/newline separators, subshells, `$(...)` and backticks
//! (whose commands are found too), redirections (dropped, here-document bodies skipped),
//! comments, leading `VAR=value` assignments and reserved words. Never executes anything and
//! never fails: unbalanced quotes end at the end of input.

/// One simple command: `name args...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    pub name: String,
    pub args: Vec<String>,
    /// Its standard output feeds the next command (`a | b`).
    pub pipes_into_next: bool,
    /// 0 for the script's own commands, 1+ inside `$(...)` or backticks.
    pub depth: u8,
}

impl Cmd {
    /// The command's basename: `/usr/bin/apt-get` is `apt-get`.
    pub fn base(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }

    pub fn is(&self, name: &str) -> bool {
        self.base() == name
    }

    pub fn has_arg(&self, a: &str) -> bool {
        self.args.iter().any(|x| x == a)
    }

    /// hadolint's flag test: `-abc` carries `a`, `b`, `c`; `--name[=v]` carries `name`.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.args.iter().any(|a| {
            if let Some(long) = a.strip_prefix("--") {
                long.split('=').next() == Some(flag)
            } else if let Some(short) = a.strip_prefix('-') {
                flag.chars().count() == 1 && short.contains(flag)
            } else {
                false
            }
        })
    }

    pub fn has_any_flag(&self, flags: &[&str]) -> bool {
        flags.iter().any(|f| self.has_flag(f))
    }

    /// Arguments that are not options, after dropping each option in `with_value` together
    /// with its value (`-t release`, `--index-url URL`).
    pub fn operands(&self, with_value: &[&str]) -> Vec<&str> {
        let mut out = Vec::new();
        let mut skip = false;
        for a in &self.args {
            if skip {
                skip = false;
                continue;
            }
            if a.starts_with('-') && a.len() > 1 {
                if with_value.contains(&a.as_str()) {
                    skip = true;
                }
                continue;
            }
            out.push(a.as_str());
        }
        out
    }
}

/// All simple commands of a script, in order, including those inside `$(...)` and backticks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub cmds: Vec<Cmd>,
    /// Command substitutions nested deeper than the analysed depth were left out (reported as a
    /// limit hit, so hidden commands are not a silent skip).
    pub truncated: bool,
}

impl Script {
    pub fn parse(src: &str) -> Script {
        crate::work::charge(src.len());
        let mut s = Script::default();
        s.truncated = parse_into(src, &mut s.cmds, 0);
        s
    }

    pub fn find<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Cmd> + 'a {
        self.cmds.iter().filter(move |c| c.is(name))
    }

    pub fn any(&self, name: &str) -> bool {
        self.find(name).next().is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    /// A separator that ends a command; `true` for a pipe.
    Sep(bool),
}

/// Nested `$(...)` deeper than this is not analysed (hostile input bound).
pub const MAX_NESTING: usize = 8;

const RESERVED: &[&str] =
    &["!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "time", "esac"];

/// Parses `src` into `cmds`; true when nested substitutions were left out at the depth limit.
fn parse_into(src: &str, cmds: &mut Vec<Cmd>, depth: usize) -> bool {
    let mut nested = Vec::new();
    let toks = tokenize(src, &mut nested);
    let mut words: Vec<String> = Vec::new();
    let flush = |words: &mut Vec<String>, pipe: bool, cmds: &mut Vec<Cmd>| {
        let mut it = words.drain(..).peekable();
        // Skip reserved words and `VAR=value` prefixes to reach the command name.
        while let Some(w) = it.peek() {
            if RESERVED.contains(&w.as_str()) || is_assignment(w) || w.trim().is_empty() {
                it.next();
            } else {
                break;
            }
        }
        match it.next() {
            Some(name) if matches!(name.as_str(), "for" | "case" | "select" | "function") => {}
            Some(name) => {
                let depth = u8::try_from(depth).unwrap_or(u8::MAX);
                cmds.push(Cmd { name, args: it.collect(), pipes_into_next: pipe, depth });
            }
            // `{ ...; } | tee f` and `( ... ) | c`: the group's last command feeds the pipe.
            None if pipe => {
                if let Some(last) = cmds.iter_mut().rev().find(|c| usize::from(c.depth) == depth) {
                    last.pipes_into_next = true;
                }
            }
            None => {}
        }
    };
    for t in toks {
        match t {
            Tok::Word(w) => words.push(w),
            Tok::Sep(pipe) => flush(&mut words, pipe, cmds),
        }
    }
    flush(&mut words, false, cmds);
    if depth >= MAX_NESTING {
        return !nested.is_empty();
    }
    let mut truncated = false;
    for n in nested {
        truncated |= parse_into(&n, cmds, depth + 1);
    }
    truncated
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// Reads a balanced `(...)` after `$(`; returns the inner text. `pos` ends after the `)`.
fn balanced(c: &[char], pos: &mut usize, open: char, close: char) -> String {
    let mut depth = 1usize;
    let mut inner = String::new();
    let mut quote: Option<char> = None;
    while let Some(&ch) = c.get(*pos) {
        *pos += 1;
        match quote {
            Some(q) => {
                if ch == q {
                    quote = None;
                } else if ch == '\\' && q == '"' {
                    inner.push(ch);
                    if let Some(&n) = c.get(*pos) {
                        inner.push(n);
                        *pos += 1;
                    }
                    continue;
                }
            }
            None => {
                if ch == '\'' || ch == '"' {
                    quote = Some(ch);
                } else if ch == '\\' {
                    inner.push(ch);
                    if let Some(&n) = c.get(*pos) {
                        inner.push(n);
                        *pos += 1;
                    }
                    continue;
                } else if ch == open {
                    depth += 1;
                } else if ch == close {
                    depth -= 1;
                    if depth == 0 {
                        return inner;
                    }
                }
            }
        }
        inner.push(ch);
    }
    inner
}

fn tokenize(src: &str, nested: &mut Vec<String>) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut pos = 0;
    let mut cur = String::new();
    let mut in_word = false;
    // The next word is a redirection target and is dropped.
    let mut skip_next_word = false;
    // Here-document delimiters whose bodies start at the next newline.
    let mut pending_heredocs: Vec<(String, bool)> = Vec::new();
    let mut heredoc_next = false;

    macro_rules! end_word {
        () => {
            if in_word {
                let w = std::mem::take(&mut cur);
                if heredoc_next {
                    let strip = w.starts_with('-');
                    let name: String = w.trim_start_matches('-').chars().filter(|c| *c != '\'' && *c != '"').collect();
                    pending_heredocs.push((name, strip));
                    heredoc_next = false;
                } else if skip_next_word {
                    skip_next_word = false;
                } else {
                    toks.push(Tok::Word(w));
                }
                in_word = false;
            }
        };
    }

    while let Some(&ch) = c.get(pos) {
        pos += 1;
        match ch {
            '\\' => match c.get(pos) {
                Some('\n') => pos += 1,
                Some(&n) => {
                    cur.push(n);
                    in_word = true;
                    pos += 1;
                }
                None => {}
            },
            ' ' | '\t' | '\r' => end_word!(),
            '\n' => {
                end_word!();
                toks.push(Tok::Sep(false));
                // Skip here-document bodies.
                for (name, strip) in std::mem::take(&mut pending_heredocs) {
                    loop {
                        let start = pos;
                        while c.get(pos).is_some_and(|&x| x != '\n') {
                            pos += 1;
                        }
                        let line: String = c[start..pos].iter().collect();
                        if pos < c.len() {
                            pos += 1;
                        }
                        let l = if strip { line.trim_start_matches('\t') } else { line.as_str() };
                        if l == name || pos >= c.len() {
                            break;
                        }
                    }
                }
            }
            '#' if !in_word => {
                while c.get(pos).is_some_and(|&x| x != '\n') {
                    pos += 1;
                }
            }
            '\'' => {
                in_word = true;
                while let Some(&n) = c.get(pos) {
                    pos += 1;
                    if n == '\'' {
                        break;
                    }
                    cur.push(n);
                }
            }
            '"' => {
                in_word = true;
                while let Some(&n) = c.get(pos) {
                    pos += 1;
                    match n {
                        '"' => break,
                        '\\' => match c.get(pos) {
                            Some(&m @ ('"' | '\\' | '$' | '`')) => {
                                cur.push(m);
                                pos += 1;
                            }
                            Some('\n') => pos += 1,
                            _ => cur.push('\\'),
                        },
                        '$' if c.get(pos) == Some(&'(') => {
                            pos += 1;
                            let inner = balanced(&c, &mut pos, '(', ')');
                            cur.push_str("$(");
                            cur.push_str(&inner);
                            cur.push(')');
                            nested.push(inner);
                        }
                        '`' => {
                            let inner = backtick(&c, &mut pos);
                            cur.push('`');
                            cur.push_str(&inner);
                            cur.push('`');
                            nested.push(inner);
                        }
                        _ => cur.push(n),
                    }
                }
            }
            '`' => {
                in_word = true;
                let inner = backtick(&c, &mut pos);
                cur.push('`');
                cur.push_str(&inner);
                cur.push('`');
                nested.push(inner);
            }
            '$' if c.get(pos) == Some(&'(') => {
                in_word = true;
                pos += 1;
                let inner = balanced(&c, &mut pos, '(', ')');
                cur.push_str("$(");
                cur.push_str(&inner);
                cur.push(')');
                nested.push(inner);
            }
            '$' if c.get(pos) == Some(&'{') => {
                in_word = true;
                pos += 1;
                let inner = balanced(&c, &mut pos, '{', '}');
                cur.push_str("${");
                cur.push_str(&inner);
                cur.push('}');
            }
            ';' | '&' | '|' | '(' | ')' => {
                end_word!();
                let next = c.get(pos).copied();
                let pipe = match (ch, next) {
                    ('&', Some('>')) => {
                        // `&>file`: redirection of both streams.
                        pos += 1;
                        if c.get(pos) == Some(&'>') {
                            pos += 1;
                        }
                        skip_next_word = true;
                        continue;
                    }
                    ('&', Some('&')) | ('|', Some('|')) | (';', Some(';')) => {
                        pos += 1;
                        false
                    }
                    ('|', Some('&')) => {
                        pos += 1;
                        true
                    }
                    ('|', _) => true,
                    _ => false,
                };
                toks.push(Tok::Sep(pipe));
            }
            '>' | '<' => {
                // A word made only of digits before `>` is a file descriptor (`2>`).
                if in_word && !cur.is_empty() && cur.chars().all(|d| d.is_ascii_digit()) {
                    cur.clear();
                    in_word = false;
                } else {
                    end_word!();
                }
                let mut op = String::from(ch);
                while let Some(&n) = c.get(pos) {
                    if matches!(n, '>' | '<' | '&' | '|' | '-') && op.len() < 3 {
                        // `<<-` is an operator; `>-` is not.
                        if n == '-' && op != "<<" {
                            break;
                        }
                        op.push(n);
                        pos += 1;
                    } else {
                        break;
                    }
                }
                if op == "<<" || op == "<<-" {
                    heredoc_next = true;
                } else if op.ends_with('&') && c.get(pos).is_some_and(|d| d.is_ascii_digit() || *d == '-') {
                    // `>&2`, `2>&1`, `<&-`: the target is the descriptor.
                    while c.get(pos).is_some_and(|d| d.is_ascii_digit() || *d == '-') {
                        pos += 1;
                    }
                } else {
                    skip_next_word = true;
                }
            }
            _ => {
                in_word = true;
                cur.push(ch);
            }
        }
    }
    if in_word && !heredoc_next && !skip_next_word {
        toks.push(Tok::Word(cur));
    }
    toks
}

fn backtick(c: &[char], pos: &mut usize) -> String {
    let mut inner = String::new();
    while let Some(&n) = c.get(*pos) {
        *pos += 1;
        match n {
            '`' => break,
            '\\' => {
                if let Some(&m) = c.get(*pos) {
                    inner.push(m);
                    *pos += 1;
                }
            }
            _ => inner.push(n),
        }
    }
    inner
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<String> {
        Script::parse(s).cmds.into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn separators_assignments_reserved_words() {
        assert_eq!(names("a && b || c; d & e\nf"), ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(names("DEBIAN_FRONTEND=noninteractive apt-get install -y x"), ["apt-get"]);
        assert_eq!(names("if [ -f x ]; then rm x; fi"), ["[", "rm"]);
        assert_eq!(names("for f in a b; do echo $f; done"), ["echo"]);
        assert_eq!(names("(cd /x && make) && { echo ok; }"), ["cd", "make", "echo"]);
        let s = Script::parse("{ echo a; echo b; } | tee f");
        assert!(s.cmds[1].pipes_into_next && !s.cmds[0].pipes_into_next);
    }

    #[test]
    fn quotes_and_substitutions() {
        let s = Script::parse("echo \"a b\" 'c d' e\\ f $(apt-get -v) `ls`");
        assert_eq!(s.cmds[0].args, ["a b", "c d", "e f", "$(apt-get -v)", "`ls`"]);
        assert_eq!(names("echo \"$(wget x)\""), ["echo", "wget"]);
        assert_eq!(Script::parse("a $(b | c)").cmds.iter().map(|c| c.depth).collect::<Vec<_>>(), [0, 1, 1]);
    }

    #[test]
    fn pipes_redirects_comments_heredocs() {
        let s = Script::parse("curl -sL x 2>/dev/null | bash - >&2 # comment | sh\ncat <<EOF > /f\nrm -rf /\nEOF\nls");
        let n: Vec<_> = s.cmds.iter().map(|c| (c.name.as_str(), c.pipes_into_next)).collect();
        assert_eq!(n, [("curl", true), ("bash", false), ("cat", false), ("ls", false)]);
        assert_eq!(s.cmds[0].args, ["-sL", "x"]);
        assert_eq!(s.cmds[1].args, ["-"]);
    }

    #[test]
    fn flags_and_operands() {
        let c = &Script::parse("apt-get -yqq install --no-install-recommends -t stable foo=1 bar").cmds[0];
        assert!(c.has_flag("y") && c.has_flag("q") && c.has_flag("no-install-recommends"));
        assert!(!c.has_flag("yes"));
        assert_eq!(c.operands(&["-t"]), ["install", "foo=1", "bar"]);
    }

    #[test]
    fn hostile_input_terminates() {
        let _ = Script::parse(&"$(".repeat(5000));
        let _ = Script::parse("\"unterminated $(x");
        let _ = Script::parse(&"`".repeat(1001));
    }
}
