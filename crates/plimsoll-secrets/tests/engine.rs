//! Engine behaviour: prefilter windows, positions, pairing, overlaps, allowlists, limits, config.

use plimsoll_secrets::{ScanConfig, Scanner, SecretsError, SkipReason};

const GHP: &str = "ghp_R7xK2mQ9vT4wZ8bN1cL5yH3jF6dS0aP2eU4i";

fn ids(scanner: &Scanner, path: &str, text: &str) -> Vec<String> {
    scanner.scan(path, text.as_bytes()).into_iter().map(|m| m.rule_id).collect()
}

#[test]
fn line_and_column_are_one_based_and_point_at_the_secret() {
    let s = Scanner::builtin();
    let text = format!("# comment\nGITHUB_TOKEN = \"{GHP}\"\nDEBUG = True\n");
    let m = s.scan("app/settings.py", text.as_bytes());
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!((m[0].rule_id.as_str(), m[0].line, m[0].column), ("github-pat", 2, 17));
    assert_eq!(m[0].secret(text.as_bytes()).unwrap(), GHP.as_bytes());
    assert_eq!(m[0].masked, "ghp_*****");
}

#[test]
fn many_matches_get_increasing_lines() {
    let s = Scanner::builtin();
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!("line {i}\n"));
        if i % 10 == 0 {
            text.push_str(&format!("  token: {GHP}\n"));
        }
    }
    let lines: Vec<u32> = s.scan("x", text.as_bytes()).iter().map(|m| m.line).collect();
    assert_eq!(lines, [2, 13, 24, 35, 46]);
}

#[test]
fn aws_key_id_and_secret_are_paired() {
    let s = Scanner::builtin();
    let text = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n[prod]\naws_access_key_id = AKIA4HKQ7ZR2WXMV3N5T\naws_secret_access_key = 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\n";
    let m = s.scan("app/config/aws_credentials", text.as_bytes());
    let got: Vec<_> = m.iter().map(|m| (m.rule_id.as_str(), m.line, m.pair.as_ref().map(|p| p.line))).collect();
    assert_eq!(
        got,
        [
            ("aws-access-key-id", 2, Some(3)),
            ("aws-secret-access-key", 3, Some(2)),
            ("aws-access-key-id", 6, Some(7)),
            ("aws-secret-access-key", 7, Some(6)),
        ]
    );
    assert_eq!(m[0].pair.as_ref().unwrap().rule_id, "aws-secret-access-key");
    assert_eq!(m[0].masked, "AKIA*****");
}

#[test]
fn a_lone_key_id_is_reported_unpaired() {
    let s = Scanner::builtin();
    let m = s.scan(
        "x",
        b"id=AKIA4HKQ7ZR2WXMV3N5T\n\n\n\n\n\n\n\naws_secret_access_key=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",
    );
    assert_eq!(m.len(), 2);
    assert!(m.iter().all(|m| m.pair.is_none()), "9 lines apart is too far: {m:?}");
}

#[test]
fn a_specific_rule_wins_over_a_generic_one_on_the_same_value() {
    let s = Scanner::builtin();
    // `api_token = ...` also matches generic-secret, and .npmrc also npmrc-auth.
    assert_eq!(ids(&s, "x", &format!("api_token = \"{GHP}\"")), ["github-pat"]);
    let npmrc = "//registry.npmjs.org/:_authToken=npm_SKLVPA2oQUP44XPSL2oRlPhDBuqOSg5ApYzT\n";
    assert_eq!(ids(&s, "root/.npmrc", npmrc), ["npm-access-token"]);
}

#[test]
fn a_gcp_key_file_is_one_finding_not_also_a_pem_one() {
    let s = Scanner::builtin();
    let json = r#"{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n"}"#;
    assert_eq!(ids(&s, "sa.json", json), ["gcp-service-account"]);
}

#[test]
fn private_key_reports_the_begin_line_and_spans_lines() {
    let s = Scanner::builtin();
    let body = "MIICXQIBAAKBgQDAB3idWTmrlvgxIJppLIxQm6mWphCItNK4/iZLqvDLBBlp9jY7\n".repeat(12);
    let text = format!("x\ny\n-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n");
    let m = s.scan("root/.ssh/id_rsa", text.as_bytes());
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].rule_id.as_str(), m[0].line, m[0].column), ("private-key", 3, 1));
    assert!(m[0].secret(text.as_bytes()).unwrap().ends_with(b"-----END RSA PRIVATE KEY-----"));
}

#[test]
fn binary_files_are_skipped_unless_a_rule_asks() {
    let s = Scanner::builtin();
    let mut content = b"\x7fELF\x00\x00".to_vec();
    content.extend_from_slice(GHP.as_bytes());
    let out = s.scan_detailed("usr/bin/tool", &content);
    assert_eq!(out.skipped, Some(SkipReason::Binary));
    assert!(out.matches.is_empty());

    let config = ScanConfig::from_toml(
        r#"
        [[rules]]
        id = "acme-key"
        title = "ACME key"
        severity = "HIGH"
        keywords = ["acme_"]
        regex = '''acme_[0-9a-f]{32}'''
        binary = true
        "#,
        "test.toml",
    )
    .unwrap();
    let s = Scanner::new(&config).unwrap();
    let mut content = b"\x7fELF\x00\x00 acme_0123456789abcdef0123456789abcdef ".to_vec();
    content.extend_from_slice(GHP.as_bytes());
    // Only the binary-ok rule runs on binary content.
    assert_eq!(ids(&s, "usr/bin/tool", std::str::from_utf8(&content).unwrap()), ["acme-key"]);
}

#[test]
fn size_limit_and_path_allowlists() {
    let mut config = ScanConfig::default();
    config.max_file_size = 64;
    config.allow.paths.push(r"(^|/)fixtures/".into());
    let s = Scanner::new(&config).unwrap();
    let big = format!("{}{GHP}", " ".repeat(100));
    assert_eq!(s.scan_detailed("a", big.as_bytes()).skipped, Some(SkipReason::TooLarge { size: 140, limit: 64 }));
    assert_eq!(s.scan_detailed("app/fixtures/t.txt", GHP.as_bytes()).skipped, Some(SkipReason::AllowedPath));
    assert!(!s.wants_path("app/fixtures/t.txt"));
    // Built-in allowlist: docs and third-party test fixtures, not the application's own tests.
    assert!(!s.wants_path("usr/share/doc/git/README"));
    assert!(!s.wants_path("usr/lib/python3/site-packages/requests/tests/test_auth.py"));
    assert!(!s.wants_path("usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA"));
    assert!(!s.wants_path("usr/lib/google-cloud-sdk/lib/third_party/kubernetes/config/kube_config_test.py"));
    assert!(!s.wants_path("app/node_modules/jws/lib/sign.spec.js"));
    assert!(!s.wants_path("usr/local/lib/python3.11/test/certdata/keycert.pem"));
    assert!(s.wants_path("app/tests/test_settings.py"));
    assert!(s.wants_path("app/config_test.go"));
    assert!(s.wants_path("/app/settings.py"));
    assert!(s.wants_path("root/.ssh/id_rsa"));
    assert!(s.wants_path(".env"));
    assert!(!s.wants_path("usr/share/icons/x.PNG"));
    assert!(!s.wants_path("app/lib/log4j-core-2.14.1.jar"));
}

#[test]
fn secret_allowlist_and_disabled_rules() {
    let config = ScanConfig::from_toml(
        &format!("disabled_rules = [\"aws-access-key-id\"]\n[allow]\nsecrets = ['''^{GHP}$''']\n"),
        "c.toml",
    )
    .unwrap();
    let s = Scanner::new(&config).unwrap();
    assert!(!s.rule_ids().any(|id| id == "aws-access-key-id"));
    assert!(ids(&s, "x", &format!("t={GHP} k=AKIA4HKQ7ZR2WXMV3N5T")).is_empty());
    assert_eq!(ids(&s, "x", "t=ghp_CJdObOIRpFqaDZeV7G5IfQHeVVEqZe2qpUWn"), ["github-pat"]);
}

#[test]
fn config_errors_name_the_problem() {
    let err = |toml: &str| Scanner::new(&ScanConfig::from_toml(toml, "my.toml").unwrap()).unwrap_err();
    assert!(matches!(err("disabled_rules = [\"no-such-rule\"]"), SecretsError::UnknownDisabledRule { .. }));
    let dup = "[[rules]]\nid = \"github-pat\"\ntitle = \"x\"\nseverity = \"LOW\"\nregex = 'x'\nkeywords = ['x']\n";
    assert!(matches!(err(dup), SecretsError::DuplicateRule { .. }));
    let bad_re = "[[rules]]\nid = \"bad\"\ntitle = \"x\"\nseverity = \"LOW\"\nregex = '('\nkeywords = ['x']\n";
    let e = err(bad_re);
    assert!(e.to_string().contains("my.toml") && e.to_string().contains("`bad`"), "{e}");
    let bad_id = "[[rules]]\nid = \"Bad_Id\"\ntitle = \"x\"\nseverity = \"LOW\"\nregex = 'x'\n";
    assert!(matches!(err(bad_id), SecretsError::Rule { .. }));
    // A huge counted repetition must hit the size limit rather than allocate without bound.
    let huge = "[[rules]]\nid = \"huge\"\ntitle = \"x\"\nseverity = \"LOW\"\nregex = '(?:[a-z]{1000}){1000}'\n";
    assert!(matches!(err(huge), SecretsError::Rule { .. }));
}

#[test]
fn user_rules_are_checked_against_their_own_examples() {
    let rule = |example: &str| {
        format!(
            "[[rules]]\nid = \"acme-key\"\ntitle = \"ACME\"\nseverity = \"HIGH\"\nkeywords = [\"acme_\"]\n\
             regex = '''acme_[0-9a-f]{{32}}'''\n[rules.examples]\nmatch = [\"{example}\"]\nno_match = [\"acme_123\"]\n"
        )
    };
    let ok = ScanConfig::from_toml(&rule("k=acme_0123456789abcdef0123456789abcdef"), "c").unwrap();
    assert!(Scanner::new(&ok).is_ok());
    let broken = ScanConfig::from_toml(&rule("k=acme_0123"), "c").unwrap();
    match Scanner::new(&broken) {
        Err(SecretsError::Examples { rule, failures }) => {
            assert_eq!(rule, "acme-key");
            assert!(failures.contains("no match"), "{failures}");
        }
        other => panic!("expected an examples error, got {other:?}"),
    }
}

#[test]
fn keywords_are_case_insensitive_and_rules_only_run_near_them() {
    let s = Scanner::builtin();
    // The keyword `twilio` is 3 lines away: inside the rule's context.
    let near = "# Twilio\n\n\nkey=SK69aad80b891baf90d0d3bf16295d0691\n";
    assert_eq!(ids(&s, "x", near), ["twilio-api-key"]);
    let far = "# Twilio\n\n\n\n\n\nkey=SK69aad80b891baf90d0d3bf16295d0691\n";
    assert!(ids(&s, "x", far).is_empty());
}

#[test]
fn hostile_inputs_do_not_panic_and_are_bounded() {
    let s = Scanner::builtin();
    // One enormous line full of keyword hits.
    let line = "password=".repeat(200_000);
    assert!(s.scan("x", line.as_bytes()).is_empty());
    // Thousands of real-looking matches: capped and marked truncated.
    let many = format!("{GHP}\n").repeat(5000);
    let out = s.scan_detailed("x", many.as_bytes());
    assert!(out.truncated);
    assert_eq!(out.matches.len(), 1000);
    assert_eq!(out.matches[999].line, 1000);
    // Invalid UTF-8 around a secret, an unterminated PEM block, and empty input.
    let mut bytes = vec![0xff, 0xfe, b'\n'];
    bytes.extend_from_slice(GHP.as_bytes());
    bytes.extend_from_slice(b"\xc3\n-----BEGIN RSA PRIVATE KEY-----\nMIIC");
    assert_eq!(ids(&s, "x", &String::from_utf8_lossy(&bytes)), ["github-pat"]);
    assert_eq!(s.scan("x", &bytes).len(), 1);
    assert!(s.scan("x", b"").is_empty());
}

#[test]
fn to_finding_keeps_location_and_mask_only() {
    let s = Scanner::builtin();
    let m = &s.scan("app/settings.py", format!("X = \"{GHP}\"").as_bytes())[0];
    let f = m.to_finding("app/settings.py", plimsoll_model::secret::SecretSource::File);
    assert_eq!((f.path.as_str(), f.line, f.column, f.match_len), ("app/settings.py", 1, 6, 40));
    assert!(f.secret.is_none() && f.layer.is_none() && f.hidden_by_layer.is_none());
}

#[test]
fn documented_aws_examples_are_found_in_the_app_but_not_in_third_party_packages() {
    let s = Scanner::builtin();
    let text = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n";
    assert_eq!(ids(&s, "app/config/aws_credentials", text), ["aws-access-key-id"]);
    assert!(ids(&s, "usr/local/lib/python3.11/site-packages/moto/sts/models.py", text).is_empty());
    // A real-looking key in a third-party package is still reported.
    let real = "aws_access_key_id = AKIA4HKQ7ZR2WXMV3N5T\n";
    assert_eq!(ids(&s, "usr/local/lib/python3.11/site-packages/moto/sts/models.py", real), ["aws-access-key-id"]);
    // User-scoped allows work the same way.
    let config =
        ScanConfig::from_toml("[[allow.scoped]]\npath = '^app/fixtures/'\nsecret = '^AKIA4HKQ'\n", "c.toml").unwrap();
    let s = Scanner::new(&config).unwrap();
    assert!(ids(&s, "app/fixtures/creds", real).is_empty());
    assert_eq!(ids(&s, "app/creds", real), ["aws-access-key-id"]);
}
