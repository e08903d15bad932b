//! Dockerfiles: the parser and the analysed view rules work on (stages, variables, `RUN` scripts).

pub mod expand;
pub mod parser;

use std::collections::HashMap;

use crate::image_ref::ImageRef;
use crate::shell::{Cmd, Script};
pub use parser::{parse, Args, Command, Dockerfile, Instruction, Keyword, ParseError};

/// One build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone)]
pub struct Stage {
    pub index: usize,
    /// `AS name`, lower-cased as BuildKit compares it.
    pub name: Option<String>,
    /// The `FROM` argument as written.
    pub image_raw: String,
    /// After global `ARG` substitution.
    pub image: String,
    /// A variable in the image had no value.
    pub image_unresolved: bool,
    /// The base is an earlier stage, not an image.
    pub from_stage: Option<usize>,
    /// Index of the `FROM` in [`Dockerfile::instructions`]; `None` for the implicit stage of a
    /// fragment without `FROM` (linted as one stage, as hadolint does).
    pub from: Option<usize>,
    /// Index of the first instruction after the `FROM`.
    pub start: usize,
    /// One past the last instruction of the stage.
    pub end: usize,
}

impl Stage {
    pub fn image_ref(&self) -> Option<ImageRef> {
        if self.from.is_none()
            || self.from_stage.is_some()
            || self.image_unresolved
            || self.image.eq_ignore_ascii_case("scratch")
        {
            return None;
        }
        ImageRef::parse(&self.image)
    }
}

/// A stage's variable definitions: name -> (instruction index, value), in instruction order.
type Scope = HashMap<String, Vec<(usize, Option<String>)>>;

/// A parsed Dockerfile with its stages resolved.
///
/// Everything rules ask for repeatedly (the stage of an instruction, the parsed `RUN` scripts,
/// the variables in scope) is computed once here, so that no rule is worse than linear (times a
/// logarithm) in the file's size: rules that re-derived these per instruction or per stage made
/// a 96 KB Dockerfile take a minute (issue 17).
#[derive(Debug, Clone)]
pub struct DockerfileCtx {
    pub df: Dockerfile,
    pub stages: Vec<Stage>,
    /// The stage of each instruction (`None` before the first `FROM`).
    stage_of: Vec<Option<usize>>,
    /// Every `RUN` (also under `ONBUILD`): instruction index and parsed script.
    runs: Vec<(usize, Script)>,
    /// Global `ARG`s (before the first `FROM`), last definition, expanded.
    globals: HashMap<String, Option<String>>,
    /// Per stage: each variable's definitions (`ARG`, `ENV`) as (instruction index, value), in
    /// instruction order, so the value in scope at an instruction is a binary search away.
    vars: Vec<Scope>,
    /// The physical lines each word of the source occurs on (once per occurrence, in order), so
    /// a finding in a multi-line instruction can point at the offending line in O(log n).
    words: HashMap<String, Vec<u32>>,
    /// The same for words in command position (what a shell would run), by base name.
    commands: HashMap<String, Vec<u32>>,
}

impl DockerfileCtx {
    pub fn new(df: Dockerfile) -> Self {
        let escape = df.directives.escape;
        let mut stages: Vec<Stage> = Vec::new();
        let mut globals: HashMap<String, Option<String>> = HashMap::new();
        // First stage of each name, as BuildKit resolves `FROM name`.
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, inst) in df.instructions.iter().enumerate() {
            crate::work::charge(1);
            match &inst.args {
                Args::Arg(a) if stages.is_empty() => {
                    for (k, v) in a {
                        let val = v.as_ref().map(|v| {
                            let look = |n: &str| globals.get(n).and_then(|v| v.as_deref());
                            expand::expand(v, escape, &look).value
                        });
                        globals.insert(k.clone(), val);
                    }
                }
                Args::From { image, alias } => {
                    if let Some(last) = stages.last_mut() {
                        last.end = i;
                    }
                    let look = |n: &str| globals.get(n).and_then(|v| v.as_deref());
                    let e = expand::expand(image, escape, &look);
                    let lower = e.value.to_ascii_lowercase();
                    let from_stage = by_name.get(&lower).copied();
                    let name = alias.as_ref().map(|a| a.to_ascii_lowercase());
                    if let Some(n) = &name {
                        by_name.entry(n.clone()).or_insert(stages.len());
                    }
                    stages.push(Stage {
                        index: stages.len(),
                        name,
                        image_raw: image.clone(),
                        image: e.value,
                        image_unresolved: e.unresolved,
                        from_stage,
                        from: Some(i),
                        start: i + 1,
                        end: df.instructions.len(),
                    });
                }
                _ => {}
            }
        }
        if stages.is_empty() && !df.instructions.is_empty() {
            stages.push(Stage {
                index: 0,
                name: None,
                image_raw: String::new(),
                image: String::new(),
                image_unresolved: true,
                from_stage: None,
                from: None,
                start: 0,
                end: df.instructions.len(),
            });
        }
        let mut stage_of = vec![None; df.instructions.len()];
        let mut vars = Vec::with_capacity(stages.len());
        for s in &stages {
            for slot in stage_of.iter_mut().take(s.end).skip(s.from.unwrap_or(s.start)) {
                *slot = Some(s.index);
            }
            vars.push(stage_vars(&df, s, &globals));
        }
        let runs = df
            .instructions
            .iter()
            .enumerate()
            .filter_map(|(i, inst)| {
                let eff = inst.effective();
                (eff.keyword == Keyword::Run).then(|| (i, run_script(eff)))
            })
            .collect();
        DockerfileCtx { df, stages, stage_of, runs, globals, vars, words: HashMap::new(), commands: HashMap::new() }
    }

    /// [`DockerfileCtx::new`] keeping a word index of the source, for [`DockerfileCtx::hit_on`].
    pub fn with_source(df: Dockerfile, src: &str) -> Self {
        let mut ctx = DockerfileCtx::new(df);
        // Command position, carried across continuation lines: true at the start of a script
        // line and after a shell operator, false after an ordinary word.
        let (mut continued, mut pending) = (false, false);
        let mut cmd_pos;
        for (i, line) in src.split('\n').enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for w in line.split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))) {
                if !w.is_empty() {
                    ctx.words.entry(w.to_string()).or_default().push(n);
                }
            }
            let mut toks = line.split_whitespace().peekable();
            if !continued {
                cmd_pos = true;
                // A new instruction: its keyword and flags come before the command.
                if toks.peek().is_some_and(|t| t.eq_ignore_ascii_case("onbuild")) {
                    toks.next();
                }
                if toks.peek().is_some_and(|t| t.eq_ignore_ascii_case("run")) {
                    toks.next();
                    while toks.peek().is_some_and(|t| t.starts_with("--")) {
                        toks.next();
                    }
                }
            } else {
                cmd_pos = pending;
            }
            for t in toks {
                let word = t.trim_start_matches(['(', '$', '`', '{', '!']);
                if matches!(word, "&&" | "||" | "|" | ";" | "then" | "do" | "else" | "" | "sudo") {
                    cmd_pos = true;
                    continue;
                }
                if cmd_pos && !word.contains('=') && word != "\\" {
                    let base = word.trim_end_matches([';', ')', '`']);
                    let base = base.rsplit('/').next().unwrap_or(base);
                    ctx.commands.entry(base.to_string()).or_default().push(n);
                    cmd_pos = false;
                }
                if t.ends_with(';') || t.ends_with('|') || t.ends_with("&&") {
                    cmd_pos = true;
                }
            }
            continued = line.trim_end().ends_with('\\');
            pending = cmd_pos;
        }
        ctx
    }

    /// The physical line of the `nth` (0-based) command named `name` (base name) inside an
    /// instruction, when it can be placed.
    pub fn command_line(&self, inst: &Instruction, name: &str, nth: usize) -> Option<u32> {
        let lines = self.commands.get(name)?;
        let i = lines.partition_point(|&l| l < inst.line).checked_add(nth)?;
        lines.get(i).copied().filter(|&l| l <= inst.end_line)
    }

    /// A hit on the line of the `nth` command named `name` in a multi-line `RUN`, or on the
    /// whole instruction when it cannot be placed.
    pub fn hit_on_command(
        &self,
        inst: &Instruction,
        name: &str,
        nth: usize,
        message: impl Into<String>,
    ) -> crate::rule::Hit {
        match self.command_line(inst, name, nth) {
            Some(l) if inst.end_line > inst.line => crate::rule::Hit::new(l, l, message),
            _ => crate::rule::Hit::at(inst, message),
        }
    }

    /// The physical line of the `nth` (0-based) occurrence of `word` inside an instruction
    /// (words split at anything but letters, digits, `_`, `-`, `.`).
    pub fn word_line(&self, inst: &Instruction, word: &str, nth: usize) -> Option<u32> {
        let lines = self.words.get(word)?;
        let i = lines.partition_point(|&l| l < inst.line).checked_add(nth)?;
        lines.get(i).copied().filter(|&l| l <= inst.end_line)
    }

    /// A hit on the line where `word` occurs (its `nth` occurrence) in a multi-line instruction,
    /// or on the whole instruction when it cannot be placed.
    pub fn hit_on(&self, inst: &Instruction, word: &str, nth: usize, message: impl Into<String>) -> crate::rule::Hit {
        match self.word_line(inst, word, nth) {
            Some(l) if inst.end_line > inst.line => crate::rule::Hit::new(l, l, message),
            _ => crate::rule::Hit::at(inst, message),
        }
    }

    pub fn instructions(&self) -> &[Instruction] {
        &self.df.instructions
    }

    /// The stage an instruction belongs to.
    pub fn stage_of(&self, idx: usize) -> Option<&Stage> {
        self.stage_of.get(idx).copied().flatten().and_then(|s| self.stages.get(s))
    }

    pub fn last_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Instructions of a stage (without its `FROM`), with their indices.
    pub fn stage_instructions<'a>(&'a self, s: &Stage) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
        let (start, end) = (s.start, s.end);
        crate::work::charge(end.saturating_sub(start));
        self.df
            .instructions
            .get(start..end.max(start))
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(move |(i, x)| (start + i, x))
    }

    /// Expands a word as BuildKit would at instruction `idx`: global `ARG`s redeclared in the
    /// stage, the stage's `ARG` defaults and `ENV` values before `idx`.
    pub fn expand_at(&self, idx: usize, word: &str) -> expand::Expanded {
        let escape = self.df.directives.escape;
        match self.stage_of(idx).and_then(|s| self.vars.get(s.index)) {
            Some(vars) => {
                let look = |n: &str| value_before(vars, n, idx);
                expand::expand(word, escape, &look)
            }
            None => {
                let look = |n: &str| self.globals.get(n).and_then(|v| v.as_deref());
                expand::expand(word, escape, &look)
            }
        }
    }

    /// Stages whose filesystem ends up in the final image: the last stage and its ancestors.
    pub fn final_chain(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.stages.len()];
        let mut cur = self.stages.len().checked_sub(1);
        while let Some(i) = cur {
            if seen.get(i).copied().unwrap_or(true) {
                break;
            }
            seen[i] = true;
            out.push(i);
            cur = self.stages.get(i).and_then(|s| s.from_stage);
        }
        out
    }

    /// Whether a stage is in [`DockerfileCtx::final_chain`], as a lookup table by stage index.
    pub fn in_final_chain(&self) -> Vec<bool> {
        let mut v = vec![false; self.stages.len()];
        for i in self.final_chain() {
            v[i] = true;
        }
        v
    }

    /// Every `RUN` (including those under `ONBUILD`) with its index and parsed script (parsed
    /// once, when the context is built).
    pub fn runs(&self) -> impl Iterator<Item = (usize, &Instruction, &Script)> + '_ {
        crate::work::charge(self.runs.len());
        self.runs.iter().map(|(i, s)| (*i, &self.df.instructions[*i], s))
    }
}

/// The variable definitions of a stage, in order (see [`DockerfileCtx::vars`]).
fn stage_vars(df: &Dockerfile, stage: &Stage, globals: &HashMap<String, Option<String>>) -> Scope {
    let escape = df.directives.escape;
    let mut vars: Scope = HashMap::new();
    for (idx, inst) in df.instructions.iter().enumerate().take(stage.end).skip(stage.start) {
        match &inst.args {
            Args::Arg(a) => {
                for (k, v) in a {
                    let val = match v {
                        Some(v) => {
                            let look = |n: &str| value_before(&vars, n, usize::MAX);
                            Some(expand::expand(v, escape, &look).value)
                        }
                        None => globals.get(k).cloned().flatten(),
                    };
                    vars.entry(k.clone()).or_default().push((idx, val));
                }
            }
            Args::Pairs(p) if inst.keyword == Keyword::Env => {
                for (k, v) in p {
                    let look = |n: &str| value_before(&vars, n, usize::MAX);
                    let val = expand::expand(v, escape, &look).value;
                    vars.entry(k.clone()).or_default().push((idx, Some(val)));
                }
            }
            _ => {}
        }
    }
    vars
}

/// The value of `name` defined by an instruction before `idx`.
fn value_before<'a>(vars: &'a Scope, name: &str, idx: usize) -> Option<&'a str> {
    let defs = vars.get(name)?;
    let n = defs.partition_point(|(i, _)| *i < idx);
    defs.get(n.checked_sub(1)?).and_then(|(_, v)| v.as_deref())
}

/// The shell script a `RUN` executes: its shell form (plus heredoc bodies that are fed to a
/// shell), or for exec form `["sh", "-c", "..."]` the inner script, otherwise the argv itself.
pub fn run_script(inst: &Instruction) -> Script {
    match &inst.args {
        Args::Command(Command::Shell(s)) => {
            let mut script = Script::parse(s);
            let shell_like = |c: &Cmd| matches!(c.base(), "sh" | "bash" | "ash" | "dash" | "zsh");
            let bare = script.cmds.is_empty() || script.cmds.iter().all(|c| c.name.starts_with("<<"));
            if bare || script.cmds.first().is_some_and(shell_like) {
                for h in &inst.heredocs {
                    let body = Script::parse(&h.content);
                    script.truncated |= body.truncated;
                    script.cmds.extend(body.cmds);
                }
                if bare {
                    script.cmds.retain(|c| !c.name.starts_with("<<"));
                }
            }
            script
        }
        Args::Command(Command::Exec(argv)) => match argv.as_slice() {
            [sh, flag, body, ..]
                if matches!(sh.rsplit('/').next(), Some("sh" | "bash" | "ash" | "dash")) && flag == "-c" =>
            {
                Script::parse(body)
            }
            [name, rest @ ..] => Script {
                cmds: vec![Cmd { name: name.clone(), args: rest.to_vec(), pipes_into_next: false, depth: 0 }],
                truncated: false,
            },
            [] => Script::default(),
        },
        _ => Script::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(s: &str) -> DockerfileCtx {
        DockerfileCtx::new(parse(s).unwrap())
    }

    #[test]
    fn stages_and_global_args() {
        let c = ctx("ARG V=3.12\nARG BASE=python\nFROM ${BASE}:${V}-slim AS Build\nRUN x\nFROM build\nFROM $NOPE\n");
        assert_eq!(c.stages.len(), 3);
        assert_eq!(c.stages[0].image, "python:3.12-slim");
        assert_eq!(c.stages[0].name.as_deref(), Some("build"));
        assert_eq!((c.stages[0].from, c.stages[0].end), (Some(2), 4));
        assert_eq!(c.stages[1].from_stage, Some(0));
        assert!(c.stages[2].image_unresolved);
    }

    #[test]
    fn expansion_in_stage() {
        let c = ctx("ARG U=app\nFROM x\nARG U\nENV HOME=/home/$U\nUSER $U\nWORKDIR $HOME\n");
        assert_eq!(c.expand_at(4, "$U").value, "app");
        assert_eq!(c.expand_at(5, "$HOME").value, "/home/app");
        // Not redeclared in the stage: global ARGs are out of scope after FROM.
        let c = ctx("ARG U=app\nFROM x\nUSER $U\n");
        assert!(c.expand_at(2, "$U").unresolved);
    }

    #[test]
    fn run_scripts() {
        let c = ctx("FROM x\nRUN <<EOF\napt-get update\nEOF\nRUN [\"sh\", \"-c\", \"a && b\"]\nRUN [\"apk\", \"add\", \"x\"]\nRUN cat <<EOF > /etc/x\nnot-a-command\nEOF\n");
        let names: Vec<Vec<String>> =
            c.runs().map(|(_, _, s)| s.cmds.iter().map(|c| c.name.clone()).collect()).collect();
        assert_eq!(names, vec![vec!["apt-get"], vec!["a", "b"], vec!["apk"], vec!["cat"]]);
    }
}
