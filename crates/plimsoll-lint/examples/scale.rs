//! Diagnosis aid for linear-time linting (issue 17): times every rule on generated inputs at n,
//! 2n and 4n, printing the rules that took over 20 ms beyond parsing. Timing is for people; the
//! tests check scaling by counting work units instead (`src/scaling.rs`).
//!
//! `cargo run --release -p plimsoll-lint --example scale -- KIND N [CODE]` with KIND one of
//! `df-stages`, `df-chain`, `df-one`, `k8s-pods`, `k8s-containers`, `k8s-list`, `compose`.
#![allow(clippy::print_stdout)]

use plimsoll_lint::{lint_file, rules, LintConfig};
use std::time::Instant;

fn gen(kind: &str, n: usize) -> (String, String) {
    match kind {
        "df-stages" => ("Dockerfile".into(), "FROM debian:12\nRUN true\n".repeat(n)),
        "df-chain" => (
            "Dockerfile".into(),
            (0..n)
                .map(|i| {
                    if i == 0 {
                        "FROM debian:12 AS s0\nRUN curl x && wget y\n".to_string()
                    } else {
                        format!("FROM s{} AS s{i}\nCOPY --from=s{} /a /b/\nRUN pip install x\n", i - 1, i - 1)
                    }
                })
                .collect(),
        ),
        "df-one" => (
            "Dockerfile".into(),
            "FROM debian:12\n".to_string()
                + &"ARG A=1\nENV B=$A PIP_NO_CACHE_DIR=0\nRUN apt-get install -y foo && curl x | sh && pip install y && wget z\nEXPOSE 22 $B\nUSER root\nCOPY --from=nope a b c\nHEALTHCHECK CMD true\nCMD x\nSHELL [\"/bin/bash\", \"-c\"]\nRUN cd /x && chmod 777 y\n".repeat(n),
        ),
        "k8s-pods" => (
            "a.yaml".into(),
            (0..n)
                .map(|i| format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, labels: {{app: a{i}}}}}\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: x:latest\n    securityContext: {{privileged: true}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: n{i}}}\nspec:\n  podSelector: {{matchLabels: {{app: b{i}}}}}\n"))
                .collect(),
        ),
        "k8s-containers" => (
            "a.yaml".into(),
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  hostNetwork: true\n  containers:\n{}",
                (0..n)
                    .map(|i| format!("  - name: c{i}\n    image: x:latest\n    ports: [{{hostPort: 8{i}}}]\n    securityContext: {{privileged: true, capabilities: {{add: [SYS_ADMIN]}}}}\n"))
                    .collect::<String>()
            ),
        ),
        "k8s-list" => (
            "a.yaml".into(),
            format!(
                "apiVersion: v1\nkind: List\nitems:\n{}",
                (0..n)
                    .map(|i| format!("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: c{i}}}\n  data: {{a: b}}\n"))
                    .collect::<String>()
            ),
        ),
        "compose" => (
            "docker-compose.yml".into(),
            format!(
                "services:\n{}",
                (0..n)
                    .map(|i| format!("  s{i}:\n    image: x\n    privileged: true\n    cap_add: [SYS_ADMIN, NET_ADMIN]\n    network_mode: host\n"))
                    .collect::<String>()
            ),
        ),
        _ => panic!("unknown kind {kind}"),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().expect("KIND");
    let n: usize = args.next().and_then(|s| s.parse().ok()).expect("N");
    let only = args.next();
    let none = rules().iter().fold(LintConfig::default(), |c, r| c.disable(r.code));
    for m in [1, 2, 4] {
        let (path, src) = gen(&kind, n * m);
        let t = Instant::now();
        let _ = lint_file(&path, src.as_bytes(), &none);
        let base = t.elapsed();
        let mut slow = Vec::new();
        for r in rules().iter().filter(|r| only.as_deref().is_none_or(|o| o == r.code)) {
            let cfg = rules().iter().filter(|x| x.code != r.code).fold(LintConfig::default(), |c, x| c.disable(x.code));
            let t = Instant::now();
            let _ = lint_file(&path, src.as_bytes(), &cfg);
            let d = t.elapsed().saturating_sub(base);
            if d.as_millis() > 20 {
                slow.push(format!("{}={d:?}", r.code));
            }
        }
        let t = Instant::now();
        let all = lint_file(&path, src.as_bytes(), &LintConfig::default()).map(|f| f.len());
        println!(
            "{kind} x{m}: {} bytes, parse {base:?}, all rules {:?} ({all:?} findings); slow: {}",
            src.len(),
            t.elapsed(),
            slow.join(" ")
        );
    }
}
