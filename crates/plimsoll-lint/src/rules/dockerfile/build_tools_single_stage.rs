use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a single-stage Dockerfile that installs or runs build tooling: compilers and build
    /// systems from the OS package manager (`gcc`, `make`, `build-essential`, `cmake`, `golang`,
    /// `cargo`...), or a build step (`go build`, `cargo build`, `mvn package`, `npm install`
    /// without `--omit=dev`/`--production`). A step that removes the packages again
    /// (`apk del`, `apt-get purge`) is not flagged.
    ///
    /// ## Why it matters
    /// Everything used to build ships in the runtime image: compilers, headers, dev dependencies.
    /// They enlarge the attack surface (an attacker with code execution gets a compiler) and the
    /// vulnerability count.
    ///
    /// ## How to fix
    /// Use a multi-stage build: compile in a builder stage and `COPY --from=builder` only the
    /// artefacts into a slim runtime stage.
    code: "PL-DF-007",
    title: "Build tools in a single-stage image",
    severity: Medium,
    references: ["CIS-Docker-4.3"],
    bad: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make && make\n",
    good: "FROM debian:12-slim AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make && make\nFROM debian:12-slim\nCOPY --from=build /src/app /usr/local/bin/app\n",
    check: Dockerfile(check),
}

const TOOL_PACKAGES: &[&str] = &[
    "gcc",
    "g++",
    "make",
    "build-essential",
    "build-base",
    "cmake",
    "clang",
    "golang",
    "go",
    "cargo",
    "rustc",
    "maven",
    "gradle",
    "autoconf",
    "automake",
    "libtool",
    "gcc-c++",
    "musl-dev",
    "libc6-dev",
    "libc-dev",
];

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    if ctx.stages.len() != 1 {
        return;
    }
    for (_, inst, script) in ctx.runs() {
        // Build dependencies removed again in the same step (`apk del .build-deps`,
        // `apt-get purge --auto-remove`) never reach the image: the docker-library pattern.
        let purged = script.cmds.iter().any(|c| {
            let sub = c.operands(&[]).first().copied().unwrap_or("");
            ((c.is("apt-get") || c.is("apt")) && matches!(sub, "purge" | "remove" | "autoremove"))
                || (c.is("apk") && sub == "del")
                || ((c.is("yum") || c.is("dnf")) && matches!(sub, "remove" | "erase" | "autoremove"))
        });
        if purged {
            continue;
        }
        let mut found: Vec<String> = Vec::new();
        for c in &script.cmds {
            let installs = super::is_sub(c, &["apt-get", "apt", "yum", "dnf", "microdnf", "zypper"], "install")
                || super::is_sub(c, &["apk"], "add");
            if installs {
                for p in c.operands(&["-t", "--target-release", "--virtual", "-t"]).iter().skip(1) {
                    let name = p.split(['=', '>', '<', '~']).next().unwrap_or(p);
                    if TOOL_PACKAGES.contains(&name) {
                        found.push(name.to_string());
                    }
                }
            }
            let ops = c.operands(&[]);
            let build_step = (c.is("go") && ops.first() == Some(&"build"))
                || (c.is("cargo") && ops.first() == Some(&"build"))
                || (c.is("mvn") && ops.iter().any(|o| matches!(*o, "package" | "install")))
                || ((c.is("npm") && matches!(ops.first(), Some(&"install" | &"ci" | &"i")))
                    && !c.has_any_flag(&["production", "omit", "only"]));
            if build_step {
                found.push(format!("{} {}", c.base(), ops.first().unwrap_or(&"")));
            }
        }
        if !found.is_empty() {
            found.dedup();
            out.push(Hit::at(
                inst,
                format!("build tooling in the runtime image ({}); use a multi-stage build", found.join(", ")),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM alpine:3.19\nRUN apk add --no-cache build-base\n");
        assert_fires(&RULE, "FROM node:20-slim\nCOPY . .\nRUN npm ci\n");
        assert_fires(&RULE, "FROM golang:1.22\nRUN go build -o /app .\n");
        assert_quiet(&RULE, "FROM node:20-slim\nRUN npm ci --omit=dev\n");
        assert_quiet(&RULE, "FROM golang:1.22 AS b\nRUN go build\nFROM scratch\nCOPY --from=b /a /a\n");
        assert_quiet(&RULE, "FROM debian:12\nRUN apt-get install -y curl\n");
        assert_quiet(
            &RULE,
            "FROM alpine:3.19\nRUN apk add --virtual .build-deps gcc make && make && apk del .build-deps\n",
        );
    }
}
