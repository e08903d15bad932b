//! `plimsoll tree IMAGE`: what is attached to an image, in both Cosign layouts (legacy
//! `.sig`/`.att`/`.sbom` tags, and OCI 1.1 referrers through the API or the tag-schema index).
//! Lists, does not verify (that is `plimsoll verify`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use plimsoll::sigstore::attached;

use crate::sign_cmds::{connect, registry_ref, RegistryArgs};

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum TreeFormat {
    #[default]
    Tree,
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  plimsoll tree registry.example/app:1.0
  plimsoll tree --format json registry.example/app@sha256:...")]
pub struct TreeArgs {
    /// `tree` (indented, as `cosign tree`) or `json`.
    #[arg(long, value_enum, default_value_t)]
    pub format: TreeFormat,
    /// Registry image: HOST[:PORT]/REPO[:TAG|@DIGEST].
    #[arg(value_name = "IMAGE")]
    pub image: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

pub fn run_tree(args: TreeArgs) -> Result<ExitCode> {
    let TreeArgs { format, image, registry } = args;
    let r = registry_ref(&image)?;
    let client = connect(&r, registry)?;
    let tree = attached::tree(&client, &r).with_context(|| format!("cannot list what is attached to {r}"))?;
    let mut out = std::io::stdout().lock();
    match format {
        TreeFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&tree)?)?,
        TreeFormat::Tree => out.write_all(render(&tree).as_bytes())?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `📦`-free text (terminals and logs alike): the image, then one branch per attachment.
fn render(tree: &attached::Tree) -> String {
    let mut s = format!("{} ({})\n", tree.image, tree.digest);
    if tree.entries.is_empty() {
        s.push_str("└── (nothing attached)\n");
    }
    let n = tree.entries.len();
    for (i, e) in tree.entries.iter().enumerate() {
        let (branch, stem) = if i + 1 == n { ("└──", "    ") } else { ("├──", "│   ") };
        let what = match &e.predicate_type {
            Some(p) => format!("{} ({p})", e.kind),
            None => e.kind.clone(),
        };
        s.push_str(&format!("{branch} {what} via {}: {}\n", e.layout, e.reference));
        let m = e.digests.len();
        for (j, d) in e.digests.iter().enumerate() {
            let b = if j + 1 == m { "└──" } else { "├──" };
            s.push_str(&format!("{stem}{b} {d}\n"));
        }
    }
    s
}
