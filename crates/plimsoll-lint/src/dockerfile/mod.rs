//! Dockerfiles: the parser and the analysed view rules work on (stages, variables, `RUN` scripts).

pub mod expand;
pub mod parser;

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

/// A parsed Dockerfile with its stages resolved.
#[derive(Debug, Clone)]
pub struct DockerfileCtx {
    pub df: Dockerfile,
    pub stages: Vec<Stage>,
}

impl DockerfileCtx {
    pub fn new(df: Dockerfile) -> Self {
        let escape = df.directives.escape;
        let mut stages: Vec<Stage> = Vec::new();
        let mut globals: Vec<(String, Option<String>)> = Vec::new();
        for (i, inst) in df.instructions.iter().enumerate() {
            match &inst.args {
                Args::Arg(a) if stages.is_empty() => {
                    for (k, v) in a {
                        let val = v.as_ref().map(|v| {
                            let look = |n: &str| lookup(&globals, n);
                            expand::expand(v, escape, &look).value
                        });
                        globals.push((k.clone(), val));
                    }
                }
                Args::From { image, alias } => {
                    if let Some(last) = stages.last_mut() {
                        last.end = i;
                    }
                    let look = |n: &str| lookup(&globals, n);
                    let e = expand::expand(image, escape, &look);
                    let lower = e.value.to_ascii_lowercase();
                    let from_stage = stages.iter().position(|s| s.name.as_deref() == Some(lower.as_str()));
                    stages.push(Stage {
                        index: stages.len(),
                        name: alias.as_ref().map(|a| a.to_ascii_lowercase()),
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
        DockerfileCtx { df, stages }
    }

    pub fn instructions(&self) -> &[Instruction] {
        &self.df.instructions
    }

    /// The stage an instruction belongs to.
    pub fn stage_of(&self, idx: usize) -> Option<&Stage> {
        self.stages.iter().find(|s| s.from.unwrap_or(s.start) <= idx && idx < s.end)
    }

    pub fn last_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Instructions of a stage (without its `FROM`), with their indices.
    pub fn stage_instructions<'a>(&'a self, s: &Stage) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
        let (start, end) = (s.start, s.end);
        self.df.instructions.iter().enumerate().skip(start).take(end.saturating_sub(start))
    }

    /// Expands a word as BuildKit would at instruction `idx`: global `ARG`s redeclared in the
    /// stage, the stage's `ARG` defaults and `ENV` values before `idx`.
    pub fn expand_at(&self, idx: usize, word: &str) -> expand::Expanded {
        let escape = self.df.directives.escape;
        let mut vars: Vec<(String, Option<String>)> = Vec::new();
        let globals: Vec<(String, Option<String>)> = self
            .df
            .instructions
            .iter()
            .take_while(|i| i.keyword != Keyword::From)
            .filter_map(|i| match &i.args {
                Args::Arg(a) => Some(a.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        if let Some(stage) = self.stage_of(idx) {
            for inst in self.df.instructions.get(stage.start..idx.min(stage.end)).unwrap_or(&[]) {
                match &inst.args {
                    Args::Arg(a) => {
                        for (k, v) in a {
                            let val = match v {
                                Some(v) => {
                                    let look = |n: &str| lookup(&vars, n);
                                    Some(expand::expand(v, escape, &look).value)
                                }
                                None => lookup(&globals, k).map(str::to_string),
                            };
                            vars.push((k.clone(), val));
                        }
                    }
                    Args::Pairs(p) if inst.keyword == Keyword::Env => {
                        for (k, v) in p {
                            let look = |n: &str| lookup(&vars, n);
                            let val = expand::expand(v, escape, &look).value;
                            vars.push((k.clone(), Some(val)));
                        }
                    }
                    _ => {}
                }
            }
        } else {
            vars = globals;
        }
        let look = |n: &str| lookup(&vars, n);
        expand::expand(word, escape, &look)
    }

    /// Stages whose filesystem ends up in the final image: the last stage and its ancestors.
    pub fn final_chain(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.stages.len().checked_sub(1);
        while let Some(i) = cur {
            if out.contains(&i) {
                break;
            }
            out.push(i);
            cur = self.stages.get(i).and_then(|s| s.from_stage);
        }
        out
    }

    /// Every `RUN` (including those under `ONBUILD`) with its index and parsed script.
    pub fn runs(&self) -> Vec<(usize, &Instruction, Script)> {
        self.df
            .instructions
            .iter()
            .enumerate()
            .filter_map(|(i, inst)| {
                let eff = inst.effective();
                (eff.keyword == Keyword::Run).then(|| (i, inst, run_script(eff)))
            })
            .collect()
    }
}

fn lookup<'a>(vars: &'a [(String, Option<String>)], name: &str) -> Option<&'a str> {
    vars.iter().rev().find(|(k, _)| k == name).and_then(|(_, v)| v.as_deref())
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
                    script.cmds.extend(Script::parse(&h.content).cmds);
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
            [name, rest @ ..] => {
                Script { cmds: vec![Cmd { name: name.clone(), args: rest.to_vec(), pipes_into_next: false, depth: 0 }] }
            }
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
            c.runs().into_iter().map(|(_, _, s)| s.cmds.into_iter().map(|c| c.name).collect()).collect();
        assert_eq!(names, vec![vec!["apt-get"], vec!["a", "b"], vec!["apk"], vec!["cat"]]);
    }
}
