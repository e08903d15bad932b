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
