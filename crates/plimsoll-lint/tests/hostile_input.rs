//! Hostile and malformed input: parsers must return errors (naming the line) instead of
//! panicking, and stay bounded in memory. Includes a deterministic mutation pass over sample
//! inputs (a small stand-in for the fuzz targets in `fuzz/`).

use plimsoll_lint::{lint_file, FileKind, LintConfig, Linter};

const DOCKERFILE: &str = "# syntax=docker/dockerfile:1\n# escape=\\\nARG V=3.12\nFROM python:${V}-slim AS build\nRUN --mount=type=cache,target=/root/.cache \\\n    pip install --no-cache-dir -r req.txt && \\\n    # comment\n    apt-get update | sh\nCOPY --from=build <<EOF /app/\nhello\nEOF\nRUN <<-'A' bash\n\techo $(curl -s x | sh)\n\tA\nONBUILD RUN echo \"q'uote\" `x`\nENV A=\"b c\" D=${E:-f}\nHEALTHCHECK --interval=5s CMD [\"true\"]\nUSER 0:0\n";
const MANIFEST: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: n}\nspec:\n  template:\n    metadata:\n      labels: {app: d}\n      annotations: {container.apparmor.security.beta.kubernetes.io/a: unconfined}\n    spec:\n      hostPID: true\n      securityContext: {sysctls: [{name: kernel.x}]}\n      containers:\n      - name: a\n        image: 'x:latest'\n        env: [{name: TOKEN, value: abc}]\n        securityContext: {capabilities: {add: [SYS_ADMIN]}, procMount: Unmasked}\n      volumes: [{name: v, hostPath: {path: /var/run/docker.sock}}]\n---\nkind: List\napiVersion: v1\nitems: [&a {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [*a]}}]\n";

/// Deterministic xorshift, so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = seed.to_vec();
    let edits = 1 + rng.next() % 8;
    const INTERESTING: &[u8] = b"\\`'\"$({[<>|&;#-=:*\n\t ";
    for _ in 0..edits {
        if v.is_empty() {
            break;
        }
        let i = (rng.next() % v.len() as u64) as usize;
        match rng.next() % 4 {
            0 => v[i] = INTERESTING[(rng.next() % INTERESTING.len() as u64) as usize],
            1 => {
                v.truncate(i);
            }
            2 => {
                let j = (rng.next() % v.len() as u64) as usize;
                let chunk: Vec<u8> = v[i.min(j)..i.max(j)].to_vec();
                v.splice(i..i, chunk);
            }
            _ => v[i] = (rng.next() & 0xff) as u8,
        }
    }
    v
}

#[test]
fn mutated_inputs_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let cfg = LintConfig::default();
    for _ in 0..3000 {
        let d = mutate(DOCKERFILE.as_bytes(), &mut rng);
        let _ = lint_file("Dockerfile", &d, &cfg);
        let m = mutate(MANIFEST.as_bytes(), &mut rng);
        for kind in [FileKind::Kubernetes, FileKind::Compose] {
            let mut l = Linter::new(cfg.clone());
            if l.add_as("m.yaml", &m, kind).is_ok() {
                let _ = l.finish();
            }
        }
    }
}

#[test]
fn yaml_bomb_is_an_error_naming_the_file() {
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let e = lint_file("bomb.yaml", s.as_bytes(), &LintConfig::default()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("bomb.yaml: line "), "{msg}");
    assert!(msg.contains("alias bomb"), "{msg}");
}

#[test]
fn deep_nesting_and_huge_inputs_are_refused() {
    let deep = format!("apiVersion: v1\nkind: Pod\nspec: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let mut l = Linter::new(LintConfig::default());
    assert!(l.add_as("deep.yaml", deep.as_bytes(), FileKind::Kubernetes).is_err());

    let huge = "RUN echo x\n".repeat(500_000);
    let e = lint_file("Dockerfile", huge.as_bytes(), &LintConfig::default()).unwrap_err();
    assert!(e.to_string().contains("bytes"), "{e}");

    let long_line = format!("FROM alpine:3.19\nRUN {}\n", "a && ".repeat(50_000));
    assert!(lint_file("Dockerfile", long_line.as_bytes(), &LintConfig::default()).is_ok());
}

#[test]
fn malformed_files_name_the_line() {
    let e = lint_file("p.yaml", b"apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n", &LintConfig::default());
    // Content detection needs valid YAML: an unparsable file is not recognised as a manifest.
    assert!(e.is_err());
    let mut l = Linter::new(LintConfig::default());
    let e = l.add_as("p.yaml", b"apiVersion: v1\nkind: Pod\nspec:\n  a: b\n c: d\n", FileKind::Kubernetes).unwrap_err();
    assert!(e.to_string().starts_with("p.yaml: line "), "{e}");
    let e = lint_file("Dockerfile", b"FROM a\nRUN <<EOF\nnever ends\n", &LintConfig::default()).unwrap_err();
    assert!(e.to_string().contains("line 2") && e.to_string().contains("unterminated heredoc"), "{e}");
}

/// Issue 17 defect 6: a privileged pod padded past the size limit was not even recognised (0
/// findings, no warning). It is now claimed as a manifest and refused with a typed limit.
#[test]
fn oversized_manifest_is_a_limit_not_a_silent_skip() {
    let mut pod = String::from("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext: {privileged: true}\n");
    let pad = plimsoll_lint::yaml::MAX_YAML_BYTES + 1 - pod.len();
    pod.push('#');
    pod.push_str(&"x".repeat(pad));
    assert_eq!(plimsoll_lint::detect("pod.yaml", pod.as_bytes()), Some(FileKind::Kubernetes));
    let e = Linter::new(LintConfig::default()).add("pod.yaml", pod.as_bytes()).unwrap_err();
    let d = e.limit().expect("a limit, not a syntax error");
    assert!(d.whole_file && d.path == "pod.yaml");
    assert!(
        matches!(d.limit, plimsoll_lint::Limit::FileSize { max, .. } if max == plimsoll_lint::yaml::MAX_YAML_BYTES)
    );
    assert!(e.to_string().starts_with("pod.yaml: line 1: file is "), "{e}");
}

/// Issue 17 defect 6: a JSON pod with one value nested 200 deep was dropped silently.
#[test]
fn json_pod_with_a_deep_value_is_linted() {
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let pod = format!("{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"p\", \"annotations\": {{\"x\": \"y\"}}}}, \"spec\": {{\"x-deep\": {deep}, \"containers\": [{{\"name\": \"a\", \"securityContext\": {{\"privileged\": true}}}}]}}}}");
    assert_eq!(plimsoll_lint::detect("pod.json", pod.as_bytes()), Some(FileKind::Kubernetes));
    let f = lint_file("pod.json", pod.as_bytes(), &LintConfig::default()).unwrap();
    assert!(f.iter().any(|m| m.rule_id == "PL-K8S-003"), "{f:?}");
    // Past the depth limit: claimed by its content, refused with a typed limit.
    let too_deep = pod.replace(&deep, &format!("{}1{}", "[".repeat(1000), "]".repeat(1000)));
    assert_eq!(plimsoll_lint::detect("pod.json", too_deep.as_bytes()), Some(FileKind::Kubernetes));
    let e = lint_file("pod.json", too_deep.as_bytes(), &LintConfig::default()).unwrap_err();
    assert!(matches!(e.limit().map(|d| &d.limit), Some(plimsoll_lint::Limit::Depth { .. })), "{e}");
}

/// Issue 17 defect 6: a legitimate 100k-item List was refused as an "alias bomb" (the node
/// count included plain nodes); alias expansion is now measured on its own.
#[test]
fn large_list_is_accepted_and_alias_bomb_still_refused() {
    let items: String = (0..100_000)
        .map(|i| {
            format!("- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c{i}, namespace: n}}, data: {{a: b}}}}\n")
        })
        .collect();
    let list = format!("apiVersion: v1\nkind: List\nitems:\n{items}");
    let docs = plimsoll_lint::yaml::parse_documents(&list).unwrap();
    assert_eq!(docs[0].get("items").unwrap().items().len(), 100_000);

    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..8 {
        let p = i - 1;
        bomb.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let e = lint_file("bomb.yaml", bomb.as_bytes(), &LintConfig::default()).unwrap_err();
    assert!(matches!(e.limit().map(|d| &d.limit), Some(plimsoll_lint::Limit::AliasExpansion { .. })), "{e}");
}

/// Lists nested past the flattening limit: their items are reported as not checked.
#[test]
fn deeply_nested_lists_are_a_diagnostic() {
    let mut doc = String::from("{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, securityContext: {privileged: true}}]}}");
    for _ in 0..6 {
        doc = format!("{{apiVersion: v1, kind: List, items: [{doc}]}}");
    }
    let mut l = Linter::new(LintConfig::default());
    l.add_as("lists.yaml", doc.as_bytes(), FileKind::Kubernetes).unwrap();
    let (findings, diags) = l.finish_with_diagnostics();
    assert!(findings.iter().all(|m| m.rule_id != "PL-K8S-003"));
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(!diags[0].whole_file);
    assert!(matches!(diags[0].limit, plimsoll_lint::Limit::ListNesting { .. }));
    assert!(diags[0].to_string().starts_with("lists.yaml: line 1: not checked"), "{}", diags[0]);
}

/// `curl | sh` hidden in command substitutions nested past the analysed depth: a diagnostic.
#[test]
fn deeply_nested_substitution_is_a_diagnostic() {
    let hidden = format!("FROM alpine:3.19\nRUN echo {}curl -s x | sh{}\n", "$(echo ".repeat(12), ")".repeat(12));
    let mut l = Linter::new(LintConfig::default());
    l.add("Dockerfile", hidden.as_bytes()).unwrap();
    let (_, diags) = l.finish_with_diagnostics();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!((diags[0].line, diags[0].whole_file), (2, false));
    assert!(matches!(diags[0].limit, plimsoll_lint::Limit::ShellNesting { .. }));
    // Within the depth, nothing is reported as skipped.
    let mut l = Linter::new(LintConfig::default());
    l.add("Dockerfile", b"FROM alpine:3.19\nRUN echo $(echo $(curl -s x | sh))\n").unwrap();
    assert!(l.diagnostics().is_empty());
}
