//! Dockerfile rules, one file each, and helpers they share.

use crate::dockerfile::{Args, DockerfileCtx, Instruction, Keyword};
use crate::shell::Cmd;

pub mod add_instead_of_copy;
pub mod add_remote_url;
pub mod apk_no_cache;
pub mod apk_unpinned;
pub mod apt_lists_not_cleaned;
pub mod apt_no_install_recommends;
pub mod apt_no_yes;
pub mod apt_unpinned;
pub mod apt_usage;
pub mod build_tools_single_stage;
pub mod chmod_777;
pub mod copy_from_self;
pub mod copy_from_unknown_stage;
pub mod copy_multi_src_no_dir;
pub mod curl_and_wget;
pub mod curl_pipe_shell;
pub mod dnf_no_yes;
pub mod duplicate_stage_name;
pub mod expose_ssh;
pub mod from_latest;
pub mod from_no_digest;
pub mod from_untagged;
pub mod gem_unpinned;
pub mod heavy_base_image;
pub mod invalid_port;
pub mod last_user_root;
pub mod maintainer;
pub mod multiple_cmd;
pub mod multiple_entrypoint;
pub mod multiple_healthcheck;
pub mod no_healthcheck;
pub mod no_user;
pub mod npm_unpinned;
pub mod pip_no_cache_dir;
pub mod pip_unpinned;
pub mod pipefail;
pub mod pkg_upgrade;
pub mod rpm_unpinned;
pub mod run_cd;
pub mod secret_in_env_arg;
pub mod secret_in_run;
pub mod setuid_chmod;
pub mod shell_form_cmd;
pub mod sudo;
pub mod unsuitable_commands;
pub mod update_alone;
pub mod useradd_high_uid;
pub mod workdir_relative;
pub mod yum_no_clean;
pub mod yum_no_yes;
pub mod zypper_no_yes;

/// `root`, `0`, `root:grp`, `0:0`.
pub(crate) fn is_root_user(u: &str) -> bool {
    matches!(u.split(':').next().map(str::trim), Some("root" | "0"))
}

/// `(type, target)` of each `--mount` on a `RUN`.
pub(crate) fn mounts(inst: &Instruction) -> Vec<(String, String)> {
    inst.flags
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case("mount"))
        .filter_map(|f| f.value.as_deref())
        .map(|v| {
            let mut typ = "bind".to_string();
            let mut target = String::new();
            for kv in v.split(',') {
                match kv.split_once('=') {
                    Some(("type", t)) => typ = t.to_string(),
                    Some(("target" | "dst" | "destination", t)) => target = t.trim_end_matches('/').to_string(),
                    _ => {}
                }
            }
            (typ, target)
        })
        .collect()
}

/// The `install` sub-command of a package manager: `apt-get ... install pkgs`.
pub(crate) fn is_sub(cmd: &Cmd, names: &[&str], sub: &str) -> bool {
    names.iter().any(|n| cmd.is(n)) && cmd.operands(&[]).first() == Some(&sub)
}

/// Every instruction of a keyword (looking through `ONBUILD`), with its index.
pub(crate) fn each<'a>(
    ctx: &'a DockerfileCtx,
    kw: Keyword,
) -> impl Iterator<Item = (usize, &'a Instruction, &'a Instruction)> + 'a {
    crate::work::charge(ctx.instructions().len());
    ctx.instructions().iter().enumerate().filter_map(move |(i, inst)| {
        let e = inst.effective();
        (e.keyword == kw).then_some((i, inst, e))
    })
}

/// Counts the commands of a `RUN` by name as a rule walks them, so each finding can point at
/// its command's own line ([`DockerfileCtx::hit_on`] with the occurrence number).
#[derive(Default)]
pub(crate) struct Occurrences<'a>(std::collections::HashMap<&'a str, usize>);

impl<'a> Occurrences<'a> {
    /// The 0-based occurrence number of this command's name in the `RUN`.
    pub(crate) fn next(&mut self, c: &'a Cmd) -> usize {
        let n = self.0.entry(c.base()).or_insert(0);
        *n += 1;
        *n - 1
    }
}

/// The words of a `COPY`/`ADD`/`EXPOSE` list.
pub(crate) fn list(inst: &Instruction) -> &[String] {
    match &inst.args {
        Args::List(v) => v,
        _ => &[],
    }
}
