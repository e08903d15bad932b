//! Checks over the whole built-in catalogue: every rule's own examples, id hygiene, and the
//! generated rule reference in docs/secrets.md.
#![allow(clippy::print_stderr)]

use std::collections::HashSet;
use std::path::Path;

use plimsoll_secrets::rules::{builtin_specs, catalogue_markdown, RULE_FILES};
use plimsoll_secrets::Scanner;

#[test]
fn every_rule_passes_its_own_examples() {
    let scanner = Scanner::builtin();
    let failures = scanner.check_examples();
    for f in &failures {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} example failures (see stderr)", failures.len());
}

#[test]
fn every_rule_has_examples_keywords_and_a_description() {
    let scanner = Scanner::builtin();
    for (file, spec) in builtin_specs().unwrap() {
        assert_eq!(file, format!("{}.toml", spec.id), "file name must be the rule id");
        assert!(!spec.examples.matches.is_empty(), "{}: no positive example", spec.id);
        assert!(!spec.examples.no_match.is_empty(), "{}: no negative example", spec.id);
        assert!(scanner.rule_has_keywords(&spec.id), "{}: built-in rules need keywords", spec.id);
        assert!(spec.description.trim().len() > 20, "{}: write a description", spec.id);
    }
}

#[test]
fn ids_are_unique_and_every_rule_file_is_listed() {
    let specs = builtin_specs().unwrap();
    let ids: HashSet<_> = specs.iter().map(|(_, s)| s.id.clone()).collect();
    assert_eq!(ids.len(), specs.len(), "duplicate rule ids");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let on_disk: HashSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    let listed: HashSet<String> = RULE_FILES.iter().map(|(f, _)| (*f).to_owned()).collect();
    assert_eq!(on_disk, listed, "rules/ and RULE_FILES disagree");
}

#[test]
fn the_catalogue_covers_the_required_credential_kinds() {
    let scanner = Scanner::builtin();
    let ids: HashSet<&str> = scanner.rule_ids().collect();
    for id in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
        "gcp-service-account",
        "gcp-api-key",
        "azure-storage-account-key",
        "azure-storage-connection-string",
        "github-pat",
        "github-fine-grained-pat",
        "github-app-token",
        "gitlab-pat",
        "slack-bot-token",
        "slack-webhook-url",
        "stripe-secret-key",
        "twilio-api-key",
        "sendgrid-api-key",
        "npm-access-token",
        "pypi-upload-token",
        "dockerhub-pat",
        "private-key",
        "jwt",
        "database-url-password",
        "npmrc-auth",
        "pypirc-password",
        "git-credentials",
        "docker-config-auth",
        "netrc-password",
        "kubeconfig-client-key",
        "kubeconfig-token",
        "htpasswd-hash",
        "generic-password",
        "generic-secret",
    ] {
        assert!(ids.contains(id), "missing rule {id}");
    }
}

/// docs/secrets.md is generated from the rule files; this fails when it is stale. Regenerate with
/// `PLIMSOLL_BLESS=1 cargo test -p plimsoll-secrets --test catalogue`.
#[test]
fn docs_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/secrets.md");
    let want = catalogue_markdown().unwrap();
    if std::env::var_os("PLIMSOLL_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/secrets.md is stale: run `PLIMSOLL_BLESS=1 cargo test -p plimsoll-secrets --test catalogue`"
    );
    for (_, spec) in builtin_specs().unwrap() {
        assert!(have.contains(&format!("## {}\n", spec.id)), "{} missing from the docs", spec.id);
    }
}
