use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a `FROM` image with neither a tag nor a digest (which means `latest`).
    ///
    /// ## Why it matters
    /// An untagged base is `latest` in disguise: builds are not reproducible and may jump major
    /// versions silently.
    ///
    /// ## How to fix
    /// Always write the tag (and preferably the digest) of the base image.
    code: "PL-DF-004",
    title: "Base image has no tag",
    severity: Medium,
    references: ["DL3006", "CKV_DOCKER_7"],
    bad: "FROM node\n",
    good: "FROM node:20.11-bookworm-slim\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for s in &ctx.stages {
        if let (Some(r), Some(i)) = (s.image_ref(), s.from.and_then(|i| ctx.instructions().get(i))) {
            if r.tag.is_none() && r.digest.is_none() {
                out.push(Hit::at(i, format!("{} has no tag: it resolves to latest", s.image)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM debian AS builder\n");
        assert_fires(&RULE, "FROM golang:1.9 AS build\nFROM node as test\n");
        assert_quiet(&RULE, "FROM ruby@sha256:f1dbca0f5dbc9\n");
        assert_quiet(&RULE, "FROM ${VALUE}\n");
        assert_quiet(&RULE, "FROM scratch\n");
        assert_quiet(&RULE, "FROM golang:1.9 AS build\nFROM build AS test\n");
    }
}
