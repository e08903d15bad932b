//! The lockfile and installed-metadata fixtures of Trivy, Syft, osv-scanner and Grype in
//! `../shared/fixtures`: every one for our formats is parsed by the analyzer for its format, files
//! meant to hold packages yield some, and a hand-checked selection yields exactly the names and
//! versions the file states.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_inventory::lang::*;
use plimsoll_inventory::{Analyzer, Facts};
use plimsoll_model::PackageOrigin;

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if p.is_dir() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&p, out);
        } else if ft.is_file() {
            out.push(p);
        }
    }
}

/// The analyzer for a fixture, by its file name (the peers' parser tests rename files, e.g.
/// `package-lock_v3.json`, `yarn_happy.lock`, `distlib-0.3.1.METADATA`).
fn classify(rel: &str) -> Option<&'static dyn Analyzer> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let parent = rel.rsplit('/').nth(1).unwrap_or("").to_ascii_lowercase();
    let starts_ends = |s: &str, e: &str| name.starts_with(s) && name.ends_with(e);
    Some(match () {
        _ if (name == "METADATA" && parent.ends_with("dist-info"))
            || (name == "PKG-INFO" && parent.ends_with("egg-info"))
            || name.ends_with(".METADATA")
            || name.ends_with(".PKG-INFO")
            || name.ends_with(".egg-info") =>
        {
            &python_metadata::PythonMetadata
        }
        _ if starts_ends("requirement", ".txt") => &requirements::RequirementsTxt,
        _ if name == "poetry.lock" || starts_ends("poetry_", ".lock") => &poetry::PoetryLock,
        _ if name == "Pipfile.lock" || starts_ends("Pipfile_", ".lock") => &pipfile::PipfileLock,
        _ if name == "uv.lock" || starts_ends("uv_", ".lock") => &uv::UvLock,
        _ if name == "pdm.lock" => &pdm::PdmLock,
        _ if name.ends_with("package-lock.json") || starts_ends("package-lock_", ".json") => &npm_lock::NpmLock,
        _ if name.ends_with("yarn.lock") || starts_ends("yarn_", ".lock") => &yarn_lock::YarnLock,
        _ if name == "pnpm-lock.yaml" || starts_ends("pnpm-lock_", ".yaml") => &pnpm_lock::PnpmLock,
        _ if (rel.contains("node_modules/") && name == "package.json")
            || rel.contains("nodejs/packagejson/testdata/") =>
        {
            &node_modules::NodeModulesPackageJson
        }
        _ if name == "Cargo.lock" || starts_ends("cargo_", ".lock") => &cargo_lock::CargoLock,
        _ if name == "go.mod" || name == "gomod" => &go_mod::GoMod,
        _ if name.ends_with(".lockfile") => &gradle_lock::GradleLockfile,
        _ if [".jar", ".war", ".ear", ".hpi", ".jpi"].iter().any(|e| name.ends_with(e)) => &java_archive::JavaArchive,
        _ if name.starts_with("Gemfile") && name.ends_with(".lock") => &gemfile_lock::GemfileLock,
        _ if name.ends_with(".gemspec") && rel.contains("specifications/") => &gemspec::Gemspec,
        _ if name == "composer.lock" || starts_ends("composer_", ".lock") => &composer_lock::ComposerLock,
        _ if name == "installed.json" => &composer_installed::ComposerInstalled,
        _ if name.ends_with(".deps.json") => &dotnet_deps::DotnetDeps,
        _ if name == "packages.lock.json" || starts_ends("packages_lock", ".json") => &nuget_lock::NugetLock,
        _ => return None,
    })
}

/// Fixtures that are broken on purpose, with why.
const MUST_FAIL: &[(&str, &str)] = &[
    ("/corrupt/package-lock.json", "corrupt on purpose"),
    ("/corrupt/pnpm-lock.yaml", "corrupt on purpose"),
    ("locks-many-with-invalid/composer.lock", "invalid JSON on purpose"),
    ("image-unknowns/package-lock.json", "empty/invalid on purpose"),
    ("empty-1.0.0-py3.8.egg-info", "empty file: no Name"),
    ("no-version/no-version-py3.8.egg-info", "no Version header"),
    ("core_deps/testdata/invalid.deps.json", "truncated JSON on purpose"),
    ("packagejson/testdata/invalid_package.json", "invalid JSON on purpose"),
    ("packagejson/testdata/invalid_name.json", "invalid npm package name on purpose"),
    ("cargo_invalid.lock", "invalid TOML on purpose"),
    ("npm/testdata/sad/package-lock.json", "invalid JSON on purpose"),
    ("unsupported_protocol/yarn.lock", "indented entry: not a yarn.lock"),
    ("composer/sad/composer.lock", "invalid on purpose"),
    ("composer-vendor/sad/installed.json", "invalid on purpose"),
    ("poetry/testdata/sad/poetry.lock", "invalid on purpose"),
    ("post-apps/poetry/sad/poetry.lock", "invalid on purpose"),
    ("broken-lock/uv.lock", "invalid on purpose"),
    ("secret/testdata/package-lock.json", "a secret-scanning fixture, not a lockfile"),
    ("bundler/testdata/Gemfile_malformed.lock", "malformed on purpose"),
    ("pnpm/testdata/sad/pnpm-lock.yaml", "`{broken}`: no lockfileVersion"),
];

/// Syft's path-glob fixtures hold placeholder text (`bogus`), whatever their name: an error or
/// nothing.
const PLACEHOLDERS: &str = "/glob-paths/";

/// Fixtures that parse but state no packages (or only unpinned ones).
const EMPTY: &[&str] = &[
    "locks-empty/",
    "gobin-httpclient/go.mod",
    "gobin-httpserver/go.mod",
    "testdata/go-project/go.mod",
    "testdata/go-project/nested/go.mod",
    "golang/testdata/archs/src/go.mod",
    "golang/testdata/corrupt/go.mod",
    "/xerrors/go.mod",
    "no-libraries.deps.json",
    "lockfile/testdata/empty.lockfile",
    "lockfiles/empty/gradle.lockfile",
    "without_name_and_version_package.json",
    "without_version_package.json",
    "requirements_compatible.txt",
    "requirements_with_templating_engine.txt",
    "lock-without-deps/packages.lock.json",
    "pip/testdata/empty/requirements.txt",
];

#[test]
fn every_fixture_parses() {
    let Some(root) = shared() else { return };
    let mut files = Vec::new();
    for d in ["trivy-fixtures", "syft-fixtures", "osv-scanner-fixtures", "grype-fixtures"] {
        walk(&root.join(d), &mut files);
    }
    files.sort();
    // Per analyzer: fixtures, parsed, broken on purpose (and refused), placeholders, packages.
    let mut per_analyzer: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    let mut problems = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
        let Some(a) = classify(&rel) else { continue };
        let bytes = std::fs::read(&f).unwrap();
        let entry = per_analyzer.entry(a.name()).or_default();
        entry[0] += 1;
        if rel.contains(PLACEHOLDERS) {
            entry[3] += 1;
            if let Ok(f) = a.analyze(&rel, &bytes) {
                assert!(f.packages.is_empty(), "{rel}: {:?}", f.packages);
            }
            continue;
        }
        let must_fail = MUST_FAIL.iter().find(|(p, _)| rel.contains(p));
        match (a.analyze(&rel, &bytes), must_fail) {
            (Ok(facts), None) => {
                entry[1] += 1;
                entry[4] += facts.packages.len();
                if facts.packages.is_empty() && !EMPTY.iter().any(|p| rel.contains(p)) {
                    problems.push(format!("{rel}: no packages (warnings: {:?})", facts.warnings));
                }
                for p in &facts.packages {
                    if p.name.is_empty() || p.version.is_empty() || p.found_in != rel {
                        problems.push(format!("{rel}: incomplete package {p:?}"));
                    }
                }
            }
            (Err(e), None) => problems.push(format!("{rel}: {e}")),
            (Ok(_), Some((_, why))) => problems.push(format!("{rel}: parsed, but it is {why}")),
            (Err(_), Some(_)) => entry[2] += 1,
        }
    }
    for (name, [files, ok, broken, placeholders, pkgs]) in &per_analyzer {
        eprintln!(
            "{name:20} {files:3} fixtures: {ok:3} parsed ({pkgs:5} packages), {broken} broken on purpose, \
             {placeholders} placeholders"
        );
    }
    // Every format but installed gemspecs and binaries, of which the peers keep no fixture.
    assert_eq!(per_analyzer.len(), 19, "{per_analyzer:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn analyze(root: &Path, rel: &str) -> Facts {
    let a = classify(rel).unwrap_or_else(|| panic!("no analyzer for {rel}"));
    let bytes = std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    a.analyze(rel, &bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts the file yields exactly these `(name, version)` pairs, in any order.
fn exactly(root: &Path, rel: &str, want: &[(&str, &str)]) -> Facts {
    let f = analyze(root, rel);
    let mut got: Vec<(&str, &str)> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
    got.sort();
    let mut want = want.to_vec();
    want.sort();
    assert_eq!(got, want, "{rel}");
    f
}

/// Asserts the file yields `count` packages including these.
fn includes(root: &Path, rel: &str, count: usize, want: &[(&str, &str)]) -> Facts {
    let f = analyze(root, rel);
    assert_eq!(f.packages.len(), count, "{rel}");
    for (n, v) in want {
        assert!(f.packages.iter().any(|p| p.name == *n && p.version == *v), "{rel}: no {n} {v}");
    }
    f
}

fn get<'a>(f: &'a Facts, name: &str, version: &str) -> &'a plimsoll_model::Package {
    f.packages.iter().find(|p| p.name == name && p.version == version).unwrap_or_else(|| panic!("no {name} {version}"))
}

const TRIVY_PARSER: &str = "trivy-fixtures/pkg/dependency/parser";

#[test]
fn python_fixtures() {
    let Some(root) = shared() else { return };
    let pip = format!("{TRIVY_PARSER}/python/pip/testdata");
    exactly(
        &root,
        &format!("{pip}/requirements_flask.txt"),
        &[
            ("click", "8.0.0"),
            ("Flask", "2.0.0"),
            ("itsdangerous", "2.0.0"),
            ("Jinja2", "3.0.0"),
            ("MarkupSafe", "2.0.0"),
            ("Werkzeug", "2.0.0"),
        ],
    );
    exactly(&root, &format!("{pip}/requirements_utf16le.txt"), &[("attrs", "20.3.0")]);
    exactly(&root, &format!("{pip}/requirements_hash.txt"), &[("FooProject", "1.2"), ("Jinja2", "3.0.0")]);
    exactly(&root, &format!("{pip}/requirement_exstras.txt"), &[("pyjwt", "2.1.0"), ("celery", "4.4.7")]);
    exactly(
        &root,
        &format!("{pip}/requirements_comments.txt"),
        &[("click", "8.0.0"), ("Flask", "2.0.0"), ("Jinja2", "3.0.0"), ("MarkupSafe", "2.0.0")],
    );
    let f = exactly(&root, &format!("{pip}/requirements_operator.txt"), &[("Django", "2.3.4"), ("SomeProject", "5.4")]);
    assert_eq!(f.warnings.len(), 6, "{:?}", f.warnings);
    let f = exactly(
        &root,
        "syft-fixtures/syft/pkg/cataloger/python/testdata/requires/requirements.txt",
        &[
            ("flask", "4.0.0"),
            ("urllib3", "1.26.20"),
            ("foo", "1.0.0"),
            ("SomeProject", "5.4"),
            ("dots-._allowed", "1.0.0"),
            ("argh", "0.26.2"),
            ("argh", "0.26.3"),
            ("celery", "4.4.7"),
            ("FrIeNdLy-_-bArD", "1.0.0"),
            ("local-version", "1.2.3+gcr.2"),
        ],
    );
    assert!(f.warnings.iter().any(|w| w.contains("sqlalchemy")), "{:?}", f.warnings);

    let pk = format!("{TRIVY_PARSER}/python/packaging/testdata");
    let f = exactly(&root, &format!("{pk}/distlib-0.3.1.METADATA"), &[("distlib", "0.3.1")]);
    assert_eq!(f.packages[0].licenses, ["Python license"]);
    let f = exactly(&root, &format!("{pk}/setuptools-51.3.3-py3.8.egg-info.PKG-INFO"), &[("setuptools", "51.3.3")]);
    assert_eq!(f.packages[0].licenses, ["MIT License"]);
    exactly(&root, &format!("{pk}/unidecode-egg-info.PKG-INFO"), &[("Unidecode", "0.4.1")]);
    exactly(&root, &format!("{pk}/distlib-0.3.1-py3.9.egg-info"), &[("distlib", "0.3.1")]);
    let f = exactly(
        &root,
        "syft-fixtures/syft/pkg/cataloger/python/testdata/site-packages/uppercase/egg-name/EGG-INFO/PKG-INFO",
        &[("requests", "2.22.0")],
    );
    assert_eq!(f.packages[0].licenses, ["Apache 2.0"]);

    let f = includes(
        &root,
        &format!("{TRIVY_PARSER}/python/poetry/testdata/poetry_v2_flask.lock"),
        15,
        &[("flask", "1.0.3"), ("werkzeug", "3.1.3"), ("attrs", "25.1.0")],
    );
    assert!(!get(&f, "flask", "1.0.3").dev);
    assert!(get(&f, "attrs", "25.1.0").dev, "groups = [\"dev\"]");
    let f = includes(
        &root,
        "syft-fixtures/syft/pkg/cataloger/python/testdata/poetry/dev-deps/poetry.lock",
        4,
        &[("added-value", "0.14.2"), ("alabaster", "0.7.12"), ("appnope", "0.1.0"), ("asciitree", "0.3.3")],
    );
    assert!(f.packages.iter().all(|p| p.dev), "category = \"dev\"");
    exactly(
        &root,
        &format!("{TRIVY_PARSER}/python/pipenv/testdata/Pipfile_normal.lock"),
        &[
            ("certifi", "2019.3.9"),
            ("chardet", "3.0.4"),
            ("idna", "2.8"),
            ("pyyaml", "5.1"),
            ("requests", "2.21.0"),
            ("urllib3", "1.24.2"),
        ],
    );
    let f = includes(
        &root,
        "syft-fixtures/syft/pkg/cataloger/python/testdata/pipfile-lock/Pipfile.lock",
        6,
        &[("aio-pika", "6.8.0"), ("aiohttp", "3.7.4.post0"), ("astroid", "2.5.2")],
    );
    assert!(get(&f, "astroid", "2.5.2").dev, "develop section");
    let f = includes(
        &root,
        &format!("{TRIVY_PARSER}/python/uv/testdata/uv_normal.lock"),
        21,
        &[("normal", "0.1.0"), ("httpx", "0.28.1"), ("pytest", "8.3.4"), ("colorama", "0.4.6"), ("socksio", "1.0.0")],
    );
    assert_eq!(get(&f, "normal", "0.1.0").origin, Some(PackageOrigin::Local), "the virtual root");
    assert!(get(&f, "pytest", "8.3.4").dev && get(&f, "colorama", "0.4.6").dev, "only reached from the dev group");
    assert!(!get(&f, "socksio", "1.0.0").dev, "httpx[socks] is a run-time extra");
    let f = includes(
        &root,
        "syft-fixtures/syft/pkg/cataloger/python/testdata/pdm-lock/pdm.lock",
        10,
        &[("certifi", "2025.1.31"), ("chardet", "3.0.4"), ("colorama", "0.3.9")],
    );
    assert!(get(&f, "colorama", "0.3.9").dev && !get(&f, "chardet", "3.0.4").dev);
}

#[test]
fn node_fixtures() {
    let Some(root) = shared() else { return };
    let npm = format!("{TRIVY_PARSER}/nodejs/npm/testdata");
    for (file, count) in [("package-lock_v1.json", 31), ("package-lock_v2.json", 32), ("package-lock_v3.json", 32)] {
        let f = includes(
            &root,
            &format!("{npm}/{file}"),
            count,
            &[
                ("@babel/helper-string-parser", "7.19.4"),
                ("body-parser", "1.18.3"),
                ("debug", "2.6.9"),
                ("debug", "2.5.2"),
            ],
        );
        assert!(get(&f, "debug", "2.5.2").dev && !get(&f, "debug", "2.6.9").dev, "{file}");
    }
    let f = exactly(
        &root,
        &format!("{npm}/package-lock_v3_with_workspace.json"),
        &[
            ("node_v3_with_workspace", "1.0.0"),
            ("nested_func", "1.0.0"),
            ("debug", "2.6.9"),
            ("debug", "2.5.2"),
            ("ms", "0.7.2"),
            ("ms", "2.0.0"),
        ],
    );
    assert_eq!(get(&f, "nested_func", "1.0.0").origin, Some(PackageOrigin::Local), "a workspace member");
    let f = analyze(&root, &format!("{npm}/package-lock_v3_with_legacy_licenses.json"));
    assert_eq!(get(&f, "pause-stream", "0.0.11").licenses, ["MIT", "Apache2"]);

    let yarn = format!("{TRIVY_PARSER}/nodejs/yarn/testdata");
    includes(
        &root,
        &format!("{yarn}/yarn_happy.lock"),
        18,
        &[("@babel/helper-regex", "7.4.4"), ("asap", "2.0.6"), ("jquery", "3.4.1"), ("strip-ansi", "4.0.0")],
    );
    includes(
        &root,
        &format!("{yarn}/yarn_v2_happy.lock"),
        17,
        &[("@types/color-name", "1.1.1"), ("node-gyp", "7.1.0")],
    );
    exactly(&root, &format!("{yarn}/yarn_v2_deps_with_protocol.lock"), &[("debug", "4.3.4"), ("ms", "2.1.2")]);
    exactly(&root, &format!("{yarn}/yarn_with_npm.lock"), &[("jquery", "3.6.0")]);
    let f = exactly(&root, &format!("{yarn}/yarn_with_git.lock"), &[("mapbox-gl-feature-drag-and-drop", "1.1.1")]);
    assert_eq!(f.packages[0].origin, Some(PackageOrigin::Git));
    let f = exactly(
        &root,
        &format!("{yarn}/yarn_with_local.lock"),
        &[("asap", "2.0.6"), ("jquery", "3.4.1"), ("promise", "8.0.3"), ("local-package", "0.0.1")],
    );
    assert_eq!(get(&f, "local-package", "0.0.1").origin, Some(PackageOrigin::Local));
    assert_eq!(get(&f, "asap", "2.0.6").origin, None, "`~2.0.6` is a range, not a home directory");
    let f = includes(
        &root,
        "syft-fixtures/syft/pkg/cataloger/javascript/testdata/yarn-berry/yarn.lock",
        9,
        &[("@babel/code-frame", "7.10.4"), ("newtest", "7.7.7")],
    );
    assert_eq!(get(&f, "newtest", "7.7.7").origin, Some(PackageOrigin::Local), "a workspace");

    let pnpm = format!("{TRIVY_PARSER}/nodejs/pnpm/testdata");
    exactly(
        &root,
        &format!("{pnpm}/pnpm-lock_normal.yaml"),
        &[("asap", "2.0.6"), ("jquery", "3.6.0"), ("promise", "8.1.0")],
    );
    exactly(
        &root,
        &format!("{pnpm}/pnpm-lock_v6.yaml"),
        &[("asap", "2.0.6"), ("jquery", "3.6.0"), ("promise", "8.1.0")],
    );
    let f = includes(
        &root,
        &format!("{pnpm}/pnpm-lock_with_dev.yaml"),
        85,
        &[("@babel/runtime", "7.18.3"), ("mocha", "10.0.0")],
    );
    assert!(get(&f, "mocha", "10.0.0").dev && !get(&f, "@babel/runtime", "7.18.3").dev);
    let f = includes(
        &root,
        &format!("{pnpm}/pnpm-lock_v9.yaml"),
        21,
        &[("jquery", "3.6.0"), ("ms", "2.0.0"), ("is-negative", "2.0.1"), ("lodash", "4.17.21"), ("debug", "4.3.5")],
    );
    assert!(get(&f, "jquery", "3.6.0").dev, "a devDependency");
    assert!(!get(&f, "ms", "2.0.0").dev, "also reached from finalhandler, a dependency");
    assert_eq!(get(&f, "is-negative", "2.0.1").origin, Some(PackageOrigin::Url));
    assert_eq!(get(&f, "lodash", "4.17.21").origin, Some(PackageOrigin::Local), "a file: tarball");
    exactly(&root, &format!("{pnpm}/pnpm-lock_v9_multiple_documents.yaml"), &[("is-number", "7.0.0")]);
    let f = analyze(&root, &format!("{pnpm}/pnpm-lock_v9_same-vers-diff-peers.yaml"));
    assert!(get(&f, "jest-runner", "27.5.1").dev && !get(&f, "jest-runner", "30.0.3").dev);
    assert!(!get(&f, "jest-pnp-resolver", "1.2.3").dev, "one of its peer variants is run time");
    exactly(
        &root,
        "syft-fixtures/syft/pkg/cataloger/javascript/testdata/pnpm-v5-peer-suffix/pnpm-lock.yaml",
        &[("acorn", "8.8.0"), ("acorn-jsx", "5.3.2"), ("webpack-cli", "4.10.0")],
    );

    let pj = format!("{TRIVY_PARSER}/nodejs/packagejson/testdata");
    let f = exactly(&root, &format!("{pj}/legacy_package.json"), &[("angular", "4.1.2")]);
    assert_eq!(f.packages[0].licenses, ["ISC"]);
    let f = analyze(&root, &format!("{pj}/legacy_array_package.json"));
    assert_eq!(f.packages[0].licenses, ["Public Domain", "MIT"]);
}

#[test]
fn rust_go_fixtures() {
    let Some(root) = shared() else { return };
    let cargo = format!("{TRIVY_PARSER}/rust/cargo/testdata");
    let f = exactly(
        &root,
        &format!("{cargo}/cargo_normal.lock"),
        &[
            ("libc", "0.2.54"),
            ("normal", "0.1.0"),
            ("unsafe-any", "0.4.2"),
            ("typemap", "0.3.3"),
            ("idna", "0.1.5"),
            ("matches", "0.1.8"),
            ("percent-encoding", "1.0.1"),
            ("url", "1.7.2"),
        ],
    );
    assert_eq!(get(&f, "normal", "0.1.0").origin, Some(PackageOrigin::Local), "the root crate");
    includes(
        &root,
        &format!("{cargo}/cargo_v3.lock"),
        9,
        &[("memchr", "1.0.2"), ("memchr", "2.5.0"), ("app", "0.1.0")],
    );
    includes(&root, &format!("{cargo}/cargo_mixed.lock"), 8, &[("typemap", "0.3.3")]);

    let gomod = format!("{TRIVY_PARSER}/golang/mod/testdata");
    let f = exactly(
        &root,
        &format!("{gomod}/normal/go.mod"),
        &[
            ("github.com/aquasecurity/go-version", "v0.0.0-20240603093900-cf8a8d29271d"),
            ("github.com/davecgh/go-spew", "v1.1.2-0.20180830191138-d8f796af33cc"),
            ("github.com/pmezard/go-difflib", "v1.0.1-0.20181226105442-5d4384ee4fb2"),
            ("github.com/stretchr/testify", "v1.9.0"),
            ("golang.org/x/xerrors", "v0.0.0-20231012003039-104605ab7028"),
        ],
    );
    assert!(get(&f, "github.com/stretchr/testify", "v1.9.0").indirect);
    assert!(!get(&f, "github.com/aquasecurity/go-version", "v0.0.0-20240603093900-cf8a8d29271d").indirect);
    exactly(
        &root,
        &format!("{gomod}/replaced/go.mod"),
        &[
            ("github.com/aquasecurity/go-dep-parser", "v0.0.0-20220406074731-71021a481237"),
            ("golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1"),
        ],
    );
    // A replacement for another version than the required one does not apply.
    includes(
        &root,
        &format!("{gomod}/replaced-with-version-mismatch/go.mod"),
        3,
        &[("github.com/aquasecurity/go-dep-parser", "v0.0.0-20211224170007-df43bca6b6ff")],
    );
    let f = analyze(&root, &format!("{gomod}/replaced-with-local-path/go.mod"));
    assert_eq!(
        get(&f, "golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1").origin,
        Some(PackageOrigin::Local)
    );
    let f = analyze(&root, &format!("{gomod}/replaced-with-local-path-and-version-mismatch/go.mod"));
    assert_eq!(get(&f, "golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1").origin, None);
    let f = exactly(
        &root,
        "syft-fixtures/syft/pkg/cataloger/golang/testdata/go-mod-fixtures/many-packages/go.mod",
        &[
            ("github.com/anchore/go-testutils", "v0.0.0-20200624184116-66aa578126db"),
            ("github.com/anchore/go-version", "v1.2.2-0.20200701162849-18adb9c92b9b"),
            ("github.com/anchore/stereoscope", "v0.0.0-20200706164556-7cf39d7f4639"),
            ("github.com/anchore/archiver/v3", "v3.5.2"),
            ("github.com/bmatcuk/doublestar", "v8.8.8"),
            ("github.com/go-test/deep", "v1.0.6"),
        ],
    );
    assert!(f.warnings.iter().any(|w| w.contains("github.com/adrg/xdg v0.2.1")), "excluded: {:?}", f.warnings);
}

#[test]
fn java_ruby_php_dotnet_fixtures() {
    let Some(root) = shared() else { return };
    exactly(
        &root,
        "syft-fixtures/cmd/syft/internal/test/integration/testdata/image-pkg-coverage/pkgs/java/example-jenkins-plugin.hpi",
        &[("io.jenkins.plugins:example-jenkins-plugin", "1.0-SNAPSHOT")],
    );
    let f = exactly(
        &root,
        &format!("{TRIVY_PARSER}/gradle/lockfile/testdata/happy.lockfile"),
        &[
            ("cglib:cglib-nodep", "2.1.2"),
            ("junit:junit", "4.13.2"),
            ("org.springframework:spring-asm", "3.1.3.RELEASE"),
            ("org.springframework:spring-beans", "5.0.5.RELEASE"),
        ],
    );
    assert!(get(&f, "junit:junit", "4.13.2").dev && !get(&f, "cglib:cglib-nodep", "2.1.2").dev);

    exactly(
        &root,
        &format!("{TRIVY_PARSER}/ruby/bundler/testdata/Gemfile_bundler2.lock"),
        &[
            ("coderay", "1.1.3"),
            ("concurrent-ruby", "1.1.10"),
            ("dotenv", "2.7.6"),
            ("faker", "2.21.0"),
            ("i18n", "1.10.0"),
            ("json", "2.6.2"),
            ("method_source", "1.0.0"),
            ("pry", "0.14.1"),
        ],
    );
    let f = includes(
        &root,
        "syft-fixtures/syft/pkg/cataloger/ruby/testdata/Gemfile.lock",
        52,
        &[("actionmailer", "4.1.1"), ("google-cloud-errors", "1.3.0"), ("turbolinks", "3.0.0")],
    );
    assert_eq!(get(&f, "turbolinks", "3.0.0").origin, Some(PackageOrigin::Git));
    assert_eq!(get(&f, "google-cloud-errors", "1.3.0").origin, Some(PackageOrigin::Local));

    let f = includes(
        &root,
        &format!("{TRIVY_PARSER}/php/composer/testdata/composer_happy.lock"),
        10,
        &[("guzzlehttp/guzzle", "6.5.8"), ("symfony/polyfill-intl-idn", "v1.27.0"), ("pear/log", "1.13.3")],
    );
    assert!(get(&f, "pear/log", "1.13.3").dev && !get(&f, "guzzlehttp/guzzle", "6.5.8").dev);
    assert_eq!(get(&f, "guzzlehttp/guzzle", "6.5.8").licenses, ["MIT"]);
    let php = "syft-fixtures/syft/pkg/cataloger/php/testdata/vendor";
    let f = exactly(
        &root,
        &format!("{php}/composer_2/installed.json"),
        &[("asm89/stack-cors", "1.3.0"), ("behat/mink", "v1.8.1")],
    );
    assert!(get(&f, "behat/mink", "v1.8.1").dev, "dev-package-names");
    exactly(
        &root,
        &format!("{php}/composer_1/installed.json"),
        &[("asm89/stack-cors", "1.3.0"), ("behat/mink", "v1.8.1")],
    );

    let deps = format!("{TRIVY_PARSER}/dotnet/core_deps/testdata");
    exactly(&root, &format!("{deps}/happy.deps.json"), &[("Newtonsoft.Json", "13.0.1")]);
    exactly(&root, &format!("{deps}/without-runtime.deps.json"), &[("JsonDiffPatch", "2.0.61"), ("Libuv", "1.9.1")]);
    exactly(
        &root,
        &format!("{deps}/self-contained.deps.json"),
        &[
            ("Newtonsoft.Json", "13.0.1"),
            ("Microsoft.AspNetCore.App.Runtime.linux-x64", "8.0.0"),
            ("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.0"),
        ],
    );
    let nuget = format!("{TRIVY_PARSER}/nuget/lock/testdata");
    exactly(
        &root,
        &format!("{nuget}/packages_lock_simple.json"),
        &[("Newtonsoft.Json", "12.0.3"), ("NuGet.Frameworks", "5.7.0")],
    );
    let f = includes(&root, &format!("{nuget}/packages_lock_multi.json"), 40, &[("AWSSDK.Core", "3.5.1.30")]);
    assert!(get(&f, "System.Collections", "4.3.0").indirect && !get(&f, "Newtonsoft.Json", "12.0.3").indirect);
}
