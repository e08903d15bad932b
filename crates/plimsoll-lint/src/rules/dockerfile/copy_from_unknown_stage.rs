use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `COPY --from=<x>` where `<x>` is neither an earlier stage (name or index) nor an
    /// image reference (which contains `:` or `/`).
    ///
    /// ## Why it matters
    /// A typo or a stage defined later makes BuildKit try to pull an image called `<x>` from
    /// Docker Hub, which fails, or worse, succeeds with someone else's image.
    ///
    /// ## How to fix
    /// Define the stage before the `COPY`, fix the name, or write the full image reference.
    code: "PL-DF-043",
    title: "COPY --from refers to an unknown stage",
    severity: Medium,
    references: ["DL3022"],
    bad: "FROM alpine:3.19\nCOPY --from=biuld /out /app\n",
    good: "FROM golang:1.22 AS build\nRUN go build -o /out .\nFROM alpine:3.19\nCOPY --from=build /out /app\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    let mut first_named: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for s in &ctx.stages {
        if let Some(n) = &s.name {
            first_named.entry(n.as_str()).or_insert(s.index);
        }
    }
    for (idx, _, inst) in super::each(ctx, Keyword::Copy) {
        let Some(from) = inst.flag_value("from") else { continue };
        if from.contains([':', '/', '@', '$']) {
            continue;
        }
        let from = from.to_ascii_lowercase();
        // Stages are in file order: those before this COPY are a prefix.
        let earlier = ctx.stages.partition_point(|s| s.from.is_some_and(|f| f < idx));
        let known = first_named.get(from.as_str()).is_some_and(|&i| i < earlier)
            || from.parse::<usize>().is_ok_and(|n| n < earlier);
        if !known {
            out.push(Hit::at(inst, format!("--from={from} is not a stage defined before this COPY")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "COPY --from=foo bar .\n");
        assert_fires(&RULE, "FROM scratch\nCOPY --from=build foo .\nFROM node as build\n");
        assert_fires(&RULE, "COPY --from=0 bar .\n");
        assert_quiet(&RULE, "FROM scratch\nRUN foo\nFROM node\nCOPY --from=0 foo .\n");
        assert_quiet(&RULE, "COPY --from=haskell:latest bar .\n");
    }
}
