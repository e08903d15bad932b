//! Signature checks against a real registry on loopback (Debian's docker-registry with TLS
//! from a throwaway CA and htpasswd auth, images pushed with skopeo, signed with the Cosign
//! signing code `plimsoll sign` uses): a signed image by tag is allowed and the mutating answer
//! pins it to its digest; unsigned, wrongly signed, disallowed-registry and privileged pods
//! are denied with their own messages; a registry that went down denies (fail closed) unless
//! the digest was verified within the cache TTL.

use base64::Engine as _;
use plimsoll::image::Client;
use plimsoll::sign::SigningKey;
use plimsoll::testing::registry::LocalRegistry;
use plimsoll::testing::{ImageBuilder, LayerBuilder};
use plimsoll_admission::{Admission, AdmissionPolicy};
use serde_json::{json, Value};

fn review(object: &Value) -> Vec<u8> {
    let kind = object["kind"].as_str().unwrap();
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "e911857d-c318-11e8-bbad-025000000001",
            "kind": {"group": if kind == "Pod" { "" } else { "apps" }, "version": "v1", "kind": kind},
            "resource": {"group": if kind == "Pod" { "" } else { "apps" }, "version": "v1", "resource": "pods"},
            "namespace": "team",
            "operation": "CREATE",
            "userInfo": {"username": "admin"},
            "object": object,
            "oldObject": null,
            "dryRun": false
        }
    }))
    .unwrap()
}

fn pod(image: &str, privileged: bool) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "team"},
        "spec": {"containers": [{"name": "app", "image": image, "securityContext": {"privileged": privileged}}]}})
}

fn deployment(image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "team"},
        "spec": {"replicas": 50, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
        "spec": {"initContainers": [{"name": "init", "image": image}], "containers": [{"name": "app", "image": image}]}}}})
}

fn admission(host: &str, public_pem: &str, reg: &LocalRegistry) -> Admission {
    let text = format!(
        "apiVersion: plimsoll.dev/v1alpha1\nkind: AdmissionPolicy\nspec:\n  allowedRegistries: [\"{host}/\"]\n  \
         verifyImages:\n    - images: [\"{host}/*\"]\n      keys: [{}]\n  podSecurity: {{level: baseline}}\n",
        serde_json::to_string(public_pem).unwrap()
    );
    let mut a = Admission::new(AdmissionPolicy::parse(&text, "test policy", None).unwrap());
    a.registry = reg.options();
    a
}

fn answer(a: &Admission, object: &Value, mutate: bool) -> Value {
    a.review(&review(object), mutate).unwrap()["response"].clone()
}

fn message(r: &Value) -> String {
    assert_eq!(r["allowed"], false, "{r}");
    r["status"]["message"].as_str().unwrap().to_owned()
}

#[test]
fn signatures_decide_admission_and_mutation_pins_the_digest() {
    let reg = match LocalRegistry::start() {
        Ok(r) => r,
        Err(reason) => {
            plimsoll_test_support::require(&format!("no loopback registry: {reason}"));
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let image = ImageBuilder::new()
        .layer(LayerBuilder::new().file("srv/app", "app\n", 0o644).created_by("COPY app /srv"))
        .user("app");
    let built = image.write_oci_dir(&tmp.path().join("layout"), Some("t")).unwrap();
    for rt in ["team/app:v1", "team/unsigned:v1"] {
        reg.push_oci(&tmp.path().join("layout"), Some("t"), rt).unwrap();
    }
    let signer = SigningKey::generate();
    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    plimsoll::sign::sign(&client, &reg.reference("team/app:v1"), &signer).unwrap();
    let host = reg.host.clone();
    let signed = format!("{host}/team/app:v1");
    let pinned = format!("{host}/team/app@{}", built.manifest_digest);

    let a = admission(&host, &signer.verifying_key().to_pem().unwrap(), &reg);
    // Signed, by tag: allowed; the mutating answer pins every container of the template.
    let r = answer(&a, &deployment(&signed), true);
    assert_eq!(r["allowed"], true, "{r}");
    assert_eq!(r["patchType"], "JSONPatch");
    let patch: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD.decode(r["patch"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        patch,
        json!([
            {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": pinned},
            {"op": "replace", "path": "/spec/template/spec/initContainers/0/image", "value": pinned},
        ])
    );
    // The validating answer carries no patch; a digest reference needs none.
    let r = answer(&a, &pod(&signed, false), false);
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r.get("patch").is_none());
    let r = answer(&a, &pod(&pinned, false), true);
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r.get("patch").is_none(), "{r}");

    // Unsigned: denied, naming container, image and the missing signature.
    let unsigned = format!("{host}/team/unsigned:v1");
    let m = message(&answer(&a, &pod(&unsigned, false), true));
    assert!(m.contains(&format!("containers[app] image {unsigned}: ")) && m.contains("no signatures found"), "{m}");
    // Signed, but by another key than the policy's.
    let stranger = admission(&host, &SigningKey::generate().verifying_key().to_pem().unwrap(), &reg);
    let m = message(&answer(&stranger, &pod(&signed, false), false));
    assert!(
        m.contains("0 of the required 1 signatures") && m.contains("does not verify with the given public key"),
        "{m}"
    );
    // A registry outside allowedRegistries.
    let m = message(&answer(&a, &pod("docker.io/library/nginx:1.27", false), false));
    assert!(m.contains("docker.io/library/nginx:1.27 is not from an allowed registry"), "{m}");
    // Signed, but privileged under baseline.
    let m = message(&answer(&a, &pod(&signed, true), false));
    assert!(m.contains("violates PodSecurity \"baseline") && m.contains("privileged"), "{m}");

    // The registry goes down: a fresh webhook (empty cache) fails closed, naming the registry;
    // the one that verified the digest moments ago answers from its cache.
    drop(reg);
    let mut cold = admission_without_registry(&host, &signer);
    cold.registry = a.registry.clone();
    let m = message(&answer(&cold, &pod(&signed, false), false));
    assert!(m.contains(&format!("containers[app] image {signed}: registry {host}")), "{m}");
    assert_eq!(answer(&a, &pod(&signed, false), false)["allowed"], true);
}

fn admission_without_registry(host: &str, signer: &SigningKey) -> Admission {
    let text = format!(
        "apiVersion: plimsoll.dev/v1alpha1\nkind: AdmissionPolicy\nspec:\n  verifyImages:\n    - images: [\"{host}/*\"]\n      keys: [{}]\n",
        serde_json::to_string(&signer.verifying_key().to_pem().unwrap()).unwrap()
    );
    Admission::new(AdmissionPolicy::parse(&text, "test policy", None).unwrap())
}

/// A plimsoll report of `image` whose only finding is `severity` in busybox (fixed or not).
fn report(severity: plimsoll_model::Severity, fixed: bool, created_at: Option<&str>) -> Value {
    use plimsoll_model::vuln::{VulnStatus, Vulnerability};
    let mut r = plimsoll::empty_report("app", plimsoll_model::ArtifactKind::ContainerImage);
    if let Some(t) = created_at {
        r.created_at = t.to_owned();
    }
    r.vulnerabilities.push(Vulnerability {
        id: "CVE-2024-58251".into(),
        aliases: Vec::new(),
        related: Vec::new(),
        package_name: "busybox".into(),
        package_version: "1.36.1-r15".into(),
        package_kind: plimsoll_model::PackageKind::Apk,
        purl: "pkg:apk/alpine/busybox@1.36.1-r15".into(),
        fixed_version: fixed.then(|| "1.36.1-r16".into()),
        status: if fixed { VulnStatus::Fixed } else { VulnStatus::Unfixed },
        severity,
        severity_source: None,
        cvss: Vec::new(),
        title: None,
        description: None,
        references: Vec::new(),
        layer: None,
        data_source: "alpine-secdb".into(),
    });
    serde_json::to_value(r).unwrap()
}

#[test]
fn scan_attestations_decide_the_vulnerabilities_rule() {
    use plimsoll_model::Severity;
    let reg = match LocalRegistry::start() {
        Ok(r) => r,
        Err(reason) => {
            plimsoll_test_support::require(&format!("no loopback registry: {reason}"));
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    let scanner = SigningKey::generate();
    // One image per case (distinct content, so distinct digests and attestation tags).
    // (image, the attested report: top severity, fixed, created_at)
    type Attested<'a> = Option<(Severity, bool, Option<&'a str>)>;
    let cases: [(&str, Attested); 6] = [
        ("clean", Some((Severity::High, true, None))),
        ("critical", Some((Severity::Critical, true, None))),
        ("unfixed", Some((Severity::Critical, false, None))),
        ("stale", Some((Severity::Low, true, Some("2020-01-01T00:00:00Z")))),
        ("unattested", None),
        ("stranger", Some((Severity::Low, true, None))),
    ];
    for (name, att) in &cases {
        let layout = tmp.path().join(name);
        ImageBuilder::new()
            .layer(LayerBuilder::new().file("srv/name", format!("{name}\n"), 0o644))
            .write_oci_dir(&layout, Some("t"))
            .unwrap();
        reg.push_oci(&layout, Some("t"), &format!("team/{name}:v1")).unwrap();
        if let Some((sev, fixed, at)) = att {
            let stranger = SigningKey::generate();
            let key = if *name == "stranger" { &stranger } else { &scanner };
            plimsoll::sign::attest(
                &client,
                &reg.reference(&format!("team/{name}:v1")),
                key,
                "vuln",
                report(*sev, *fixed, *at),
            )
            .unwrap();
        }
    }
    let host = reg.host.clone();
    let text = format!(
        "apiVersion: plimsoll.dev/v1alpha1\nkind: AdmissionPolicy\nspec:\n  vulnerabilities:\n    maxSeverity: HIGH\n    \
         ignoreUnfixed: true\n    maxAge: 24h\n    keys: [{}]\n",
        serde_json::to_string(&scanner.verifying_key().to_pem().unwrap()).unwrap()
    );
    let mut a = Admission::new(AdmissionPolicy::parse(&text, "test policy", None).unwrap());
    a.registry = reg.options();
    let image = |name: &str| format!("{host}/team/{name}:v1");

    // A HIGH finding under maxSeverity HIGH: allowed, and pinned to the attested digest.
    let r = answer(&a, &pod(&image("clean"), false), true);
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r["patch"].is_string(), "{r}");
    let m = message(&answer(&a, &pod(&image("critical"), false), false));
    assert!(m.contains("shows 1 finding(s) above High: CVE-2024-58251 (Critical, busybox 1.36.1-r15)"), "{m}");
    // Unfixed CRITICAL with ignoreUnfixed: allowed.
    assert_eq!(answer(&a, &pod(&image("unfixed"), false), false)["allowed"], true);
    let m = message(&answer(&a, &pod(&image("stale"), false), false));
    assert!(m.contains("is from 2020-01-01T00:00:00Z, older than maxAge 1day"), "{m}");
    let m = message(&answer(&a, &pod(&image("unattested"), false), false));
    assert!(m.contains("no verified scan attestation") && m.contains("no attestations found"), "{m}");
    let m = message(&answer(&a, &pod(&image("stranger"), false), false));
    assert!(m.contains("no verified scan attestation") && m.contains("no signature verifies"), "{m}");
}
