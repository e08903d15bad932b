use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a final image built on a full distribution or language image (`debian:12`,
    /// `ubuntu`, `python:3.12`, `node:20`, `golang:1.22`, ...) when a slim, Alpine or distroless
    /// variant exists. Only the stages that end up in the final image are checked: a full image is
    /// fine in a builder stage.
    ///
    /// ## Why it matters
    /// Full images carry compilers, shells and hundreds of packages the application never uses;
    /// each is attack surface and a source of vulnerability findings (CIS Docker Benchmark 4.3:
    /// do not install unnecessary packages).
    ///
    /// ## How to fix
    /// Use the `-slim` or `-alpine` tag, a distroless image (`gcr.io/distroless/...`), or build
    /// in a full image and copy the result into a small runtime stage.
    code: "PL-DF-006",
    title: "Heavy base image where a slim or distroless variant exists",
    severity: Low,
    references: ["CIS-Docker-4.3"],
    bad: "FROM python:3.12\nCOPY app.py /app/\n",
    good: "FROM python:3.12-slim\nCOPY app.py /app/\n",
    check: Dockerfile(check),
}

/// Official images that publish a smaller variant, and what to suggest.
const HEAVY: &[(&str, &str)] = &[
    ("debian", "debian:<release>-slim or gcr.io/distroless/base-debian12"),
    ("ubuntu", "a distroless or chiselled image for the runtime stage"),
    ("centos", "a ubi-minimal / ubi-micro image"),
    ("fedora", "fedora-minimal"),
    ("python", "python:<version>-slim or -alpine"),
    ("node", "node:<version>-slim or -alpine, or gcr.io/distroless/nodejs"),
    ("golang", "a multi-stage build onto gcr.io/distroless/static or scratch"),
    ("rust", "a multi-stage build onto gcr.io/distroless/cc or debian:<release>-slim"),
    ("openjdk", "eclipse-temurin:<version>-jre or gcr.io/distroless/java"),
    ("maven", "a multi-stage build onto a JRE image"),
    ("gradle", "a multi-stage build onto a JRE image"),
    ("ruby", "ruby:<version>-slim or -alpine"),
    ("php", "php:<version>-fpm-alpine"),
    ("perl", "perl:<version>-slim"),
    ("buildpack-deps", "debian:<release>-slim"),
    ("gcc", "a multi-stage build onto a slim runtime"),
];

const SLIM_MARKERS: &[&str] =
    &["slim", "alpine", "minimal", "micro", "distroless", "jre", "nano", "chiseled", "busybox"];

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for idx in ctx.final_chain() {
        let Some(s) = ctx.stages.get(idx) else { continue };
        let (Some(r), Some(inst)) = (s.image_ref(), s.from.and_then(|i| ctx.instructions().get(i))) else { continue };
        if !r.is_official() {
            continue;
        }
        let Some((name, suggestion)) = HEAVY.iter().find(|(n, _)| *n == r.short_name()) else { continue };
        let tag = r.tag.as_deref().unwrap_or("latest").to_ascii_lowercase();
        if SLIM_MARKERS.iter().any(|m| tag.contains(m)) {
            continue;
        }
        out.push(Hit::at(inst, format!("{} is the full {name} image; consider {suggestion}", s.image)));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM node:20\n");
        assert_fires(&RULE, "FROM docker.io/library/debian:bookworm\n");
        assert_fires(&RULE, "FROM golang:1.22 AS b\nFROM b\n");
        assert_quiet(
            &RULE,
            "FROM golang:1.22 AS b\nRUN go build\nFROM gcr.io/distroless/static\nCOPY --from=b /x /x\n",
        );
        assert_quiet(&RULE, "FROM python:3.12-alpine3.19\n");
        assert_quiet(&RULE, "FROM bitnami/python:3.12\n");
    }
}
