//! Our own fixtures, one or more per format, with the edge cases each format has: npm aliases,
//! workspace members, git and path dependencies, PEP 440 local versions, Go `replace`, platform
//! gems, runtime packs.

use std::path::Path;

use plimsoll_inventory::lang::*;
use plimsoll_inventory::{Analyzer, Facts, ANALYZERS};
use plimsoll_model::{purl, Package, PackageOrigin};

const LOCAL: Option<PackageOrigin> = Some(PackageOrigin::Local);
const GIT: Option<PackageOrigin> = Some(PackageOrigin::Git);
const URL: Option<PackageOrigin> = Some(PackageOrigin::Url);

/// Runs the analyzer on `tests/fixtures/lang/<rel>`, checking that it (and only it, among the
/// language analyzers) wants the path.
fn run(a: &dyn Analyzer, rel: &str) -> Facts {
    let path = format!("app/{rel}");
    assert!(a.wants(&path), "{} does not want {path}", a.name());
    let others: Vec<_> = ANALYZERS
        .iter()
        .filter(|o| o.name() != a.name() && o.wants(&path) && !["go-binary", "cargo-auditable"].contains(&o.name()))
        .map(|o| o.name())
        .collect();
    assert!(others.is_empty(), "{path} is also wanted by {others:?}");
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lang").join(rel)).unwrap();
    let f = a.analyze(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert!(f.packages.iter().all(|p| p.found_in == path));
    f
}

/// `(name, version, dev, origin)` of every package, in file order.
fn summary(f: &Facts) -> Vec<(&str, &str, bool, Option<PackageOrigin>)> {
    f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dev, p.origin)).collect()
}

fn get<'a>(f: &'a Facts, name: &str) -> &'a Package {
    f.packages.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn python_installed_metadata() {
    let f = run(&python_metadata::PythonMetadata, "python/site-packages/requests-2.19.0.dist-info/METADATA");
    assert_eq!(summary(&f), [("requests", "2.19.0", false, None)]);
    assert_eq!(f.packages[0].licenses, ["Apache 2.0"]);
    // PEP 440 local version, PEP 639 licence expression over a licence text.
    let f = run(&python_metadata::PythonMetadata, "python/site-packages/torch-2.1.0+cpu.dist-info/METADATA");
    assert_eq!(summary(&f), [("torch", "2.1.0+cpu", false, None)]);
    assert_eq!(f.packages[0].licenses, ["BSD-3-Clause"]);
    let f = run(&python_metadata::PythonMetadata, "python/site-packages/PyYAML-5.4.1.egg-info/PKG-INFO");
    assert_eq!(summary(&f), [("PyYAML", "5.4.1", false, None)]);
    assert_eq!(f.packages[0].licenses, ["MIT"]);
    // The declared name stays; the purl is PEP 503-normalised.
    assert_eq!(purl::for_package(&f.packages[0], None), "pkg:pypi/pyyaml@5.4.1");
}

#[test]
fn python_requirements() {
    let f = run(&requirements::RequirementsTxt, "python/project/requirements.txt");
    assert_eq!(
        summary(&f),
        [
            ("requests", "2.19.0", false, None),
            ("urllib3", "1.24.1", false, None),
            ("Django", "2.2.0", false, None),
            ("torch", "2.1.0+cpu", false, None),
            ("zope.interface", "5.4.0", false, None),
        ]
    );
    assert_eq!(purl::for_package(get(&f, "zope.interface"), None), "pkg:pypi/zope-interface@5.4.0");
    assert_eq!(purl::for_package(get(&f, "torch"), None), "pkg:pypi/torch@2.1.0%2Bcpu");
    assert_eq!(
        f.warnings,
        [
            "line 7: `flask>=2.0` is not pinned with ==; not inventoried",
            "line 8: `numpy` is not pinned with ==; not inventoried",
            "line 9: `requests[security]==2.*` is not pinned with ==; not inventoried",
            "line 10: editable `git+https://github.com/me/mylib.git#egg=mylib` has no version; not inventoried",
            "line 11: `mypkg @ https://example.com/mypkg-1.0.tar.gz` is a URL or path, not a pinned version",
        ]
    );
}

#[test]
fn python_lockfiles() {
    let f = run(&poetry::PoetryLock, "python/project/poetry.lock");
    assert_eq!(
        summary(&f),
        [
            ("certifi", "2024.2.2", false, None),
            ("pytest", "8.1.1", true, None),
            ("mylib", "0.3.0+local.1", false, LOCAL),
            ("gitdep", "1.2.0", false, GIT),
        ]
    );
    let f = run(&pipfile::PipfileLock, "python/project/Pipfile.lock");
    assert_eq!(
        summary(&f),
        [
            ("django-extra", "eef2ed5504d225858d4e4f5d77a838082ca6053e", false, GIT),
            ("requests", "2.19.0", false, None),
            ("pytest", "8.1.1", true, None),
        ]
    );
    assert_eq!(f.warnings, ["`mylib` (./mylib) has no version; not inventoried"]);
    let f = run(&uv::UvLock, "python/project/uv.lock");
    assert_eq!(
        summary(&f),
        [
            ("app", "0.1.0", false, LOCAL),
            ("shared", "0.2.0", false, LOCAL),
            ("localdep", "1.0.0+local", false, LOCAL),
            ("gitdep", "1.2.0", false, GIT),
            ("requests", "2.19.0", false, None),
            ("urllib3", "1.24.1", false, None),
            ("pytest", "8.1.1", true, None),
            ("pluggy", "1.4.0", true, None),
        ]
    );
    let f = run(&pdm::PdmLock, "python/project/pdm.lock");
    assert_eq!(
        summary(&f),
        [
            ("requests", "2.19.0", false, None),
            ("pysocks", "1.7.1", false, None),
            ("pytest", "8.1.1", true, None),
            ("mylib", "0.3.0", false, LOCAL),
            ("gitdep", "1.2.0", false, GIT),
        ]
    );
}

#[test]
fn npm_lockfiles() {
    let f = run(&npm_lock::NpmLock, "node/v1/package-lock.json");
    assert_eq!(
        summary(&f),
        [
            ("gitdep", "2c0a5b8c3f4d9e1a7b6c5d4e3f2a1b0c9d8e7f6a", false, GIT),
            ("lodash", "4.17.15", false, None),
            ("mocha", "10.0.0", true, None),
            ("debug", "4.3.4", true, None),
            ("ms", "2.1.2", true, None),
            ("ms", "2.0.0", false, None),
            ("string-width", "4.2.3", false, None),
        ]
    );
    assert_eq!(f.warnings, ["`mylib` is `file:../mylib`, not a registry version; not inventoried"]);

    let f = run(&npm_lock::NpmLock, "node/v3/package-lock.json");
    assert_eq!(
        summary(&f),
        [
            ("monorepo", "1.0.0", false, LOCAL),
            ("fsevents", "2.3.3", true, None),
            ("gitdep", "1.4.0", false, GIT),
            ("jest", "29.7.0", true, None),
            ("lodash", "4.17.15", false, None),
            ("string-width", "4.2.3", false, None),
            ("@me/api", "0.1.0", false, LOCAL),
            ("lodash", "4.17.21", false, None),
            ("web", "0.2.0", false, LOCAL),
        ]
    );
    assert_eq!(purl::for_package(get(&f, "@me/api"), None), "pkg:npm/%40me/api@0.1.0");
    assert_eq!(get(&f, "lodash").licenses, ["MIT"]);

    let f = run(&npm_lock::NpmLock, "node/shrinkwrap/npm-shrinkwrap.json");
    assert_eq!(summary(&f), [("cli", "2.0.0", false, LOCAL), ("minimist", "1.2.5", false, None)]);
}

#[test]
fn yarn_lockfiles() {
    let f = run(&yarn_lock::YarnLock, "node/yarn-classic/yarn.lock");
    assert_eq!(
        summary(&f),
        [
            ("@babel/code-frame", "7.12.13", false, None),
            ("lodash", "4.17.15", false, None),
            ("string-width", "4.2.3", false, None),
            ("gitdep", "1.4.0", false, GIT),
            ("mylib", "0.3.0", false, LOCAL),
            ("linked", "0.0.0", false, LOCAL),
        ]
    );
    let f = run(&yarn_lock::YarnLock, "node/yarn-berry/yarn.lock");
    assert_eq!(
        summary(&f),
        [
            ("gitdep", "1.4.0", false, GIT),
            ("lodash", "4.17.15", false, None),
            ("lodash", "4.17.21", false, None),
            ("monorepo", "1.0.0", false, LOCAL),
            ("resolve", "1.22.8", false, None),
            ("string-width", "4.2.3", false, None),
        ]
    );
}

#[test]
fn pnpm_lockfiles() {
    let f = run(&pnpm_lock::PnpmLock, "node/pnpm-v5/pnpm-lock.yaml");
    assert_eq!(
        summary(&f),
        [
            ("@jest/core", "29.7.0", true, None),
            ("jest", "29.7.0", true, None),
            ("lodash", "4.17.15", false, None),
            ("react-dom", "17.0.2", false, None),
            ("react", "17.0.2", false, None),
        ]
    );
    let f = run(&pnpm_lock::PnpmLock, "node/pnpm-v6/pnpm-lock.yaml");
    assert_eq!(
        summary(&f),
        [
            ("lodash", "4.17.15", false, None),
            ("react-dom", "17.0.2", false, None),
            ("string-width", "4.2.3", false, None),
            ("typescript", "5.4.5", true, None),
            ("gitdep", "1.4.0", false, URL),
        ]
    );
    let f = run(&pnpm_lock::PnpmLock, "node/pnpm-v9/pnpm-lock.yaml");
    assert_eq!(
        summary(&f),
        [
            ("debug", "4.3.4", false, None),
            ("gitdep", "1.4.0", false, URL),
            ("has-flag", "4.0.0", false, None),
            ("jest-util", "29.7.0", true, None),
            ("ms", "2.1.2", false, None),
            ("repo", "0.5.0", false, GIT),
            ("string-width", "4.2.3", false, None),
            ("supports-color", "8.1.1", false, None),
        ]
    );
}

#[test]
fn node_modules_package_json() {
    let a = node_modules::NodeModulesPackageJson;
    let f = run(&a, "node/installed/node_modules/lodash/package.json");
    assert_eq!(summary(&f), [("lodash", "4.17.15", false, None)]);
    assert_eq!(f.packages[0].licenses, ["MIT"]);
    let f = run(&a, "node/installed/node_modules/@babel/core/package.json");
    assert_eq!(summary(&f), [("@babel/core", "7.12.3", false, None)]);
    assert_eq!(f.packages[0].licenses, ["MIT"]);
    assert!(!a.wants("app/node/installed/node_modules/lodash/fp/package.json"), "not a package root");
}

#[test]
fn cargo_lockfiles() {
    let f = run(&cargo_lock::CargoLock, "rust/v1/Cargo.lock");
    assert_eq!(
        summary(&f),
        [("demo", "0.1.0", false, LOCAL), ("libc", "0.2.54", false, None), ("time", "0.1.43", false, None)]
    );
    let f = run(&cargo_lock::CargoLock, "rust/v3/Cargo.lock");
    assert_eq!(
        summary(&f),
        [
            ("app", "0.1.0", false, LOCAL),
            ("helper", "0.2.0", false, LOCAL),
            ("smallvec", "1.6.0", false, None),
            ("smallvec", "1.13.2", false, None),
        ]
    );
    let f = run(&cargo_lock::CargoLock, "rust/v4/Cargo.lock");
    assert_eq!(
        summary(&f),
        [
            ("workspace-member", "0.1.0", false, LOCAL),
            ("gitdep", "0.3.0", false, GIT),
            ("serde", "1.0.200", false, None),
            ("private", "2.0.0", false, None),
        ]
    );
}

#[test]
fn go_mod() {
    let f = run(&go_mod::GoMod, "go/go.mod");
    let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.indirect, p.origin)).collect();
    assert_eq!(
        got,
        [
            ("golang.org/x/text", "v0.3.0", true, None),
            ("github.com/gorilla/mux", "v1.8.0", false, None),
            ("github.com/quoted/mod", "v1.2.3", false, None),
            ("github.com/new/name", "v1.0.5", false, None),
            ("github.com/exact/fork", "v1.0.1", false, None),
            ("example.com/local", "v0.0.0-00010101000000-000000000000", false, LOCAL),
            ("github.com/single/line", "v2.0.0+incompatible", false, None),
        ]
    );
    assert_eq!(f.warnings, ["github.com/bad/version v0.9.0 is required but excluded"]);
    assert_eq!(purl::for_package(&f.packages[0], None), "pkg:golang/golang.org/x/text@v0.3.0");
}

#[test]
fn gradle_lockfile() {
    let f = run(&gradle_lock::GradleLockfile, "java/gradle.lockfile");
    assert_eq!(
        summary(&f),
        [
            ("com.fasterxml.jackson.core:jackson-databind", "2.9.8", false, None),
            ("junit:junit", "4.13.2", true, None),
            ("org.apache.logging.log4j:log4j-core", "2.14.1", false, None),
            ("org.hamcrest:hamcrest-core", "1.3", true, None),
        ]
    );
    assert_eq!(purl::for_package(&f.packages[2], None), "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
}

#[test]
fn ruby() {
    let f = run(&gemfile_lock::GemfileLock, "ruby/project/Gemfile.lock");
    let got: Vec<_> =
        f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.arch.as_deref(), p.origin)).collect();
    assert_eq!(
        got,
        [
            ("gitgem", "0.4.0", None, GIT),
            ("admin", "1.0.0", None, LOCAL),
            ("nokogiri", "1.13.6", Some("x86_64-linux"), None),
            ("nokogiri", "1.13.6", Some("arm64-darwin"), None),
            ("racc", "1.6.0", None, None),
            ("rack", "2.2.3", None, None),
            ("rails", "5.2.0.rc1", None, None),
            ("sqlite3", "1.4.2", Some("x64-mingw-ucrt"), None),
        ]
    );
    let f = run(&gemspec::Gemspec, "ruby/specifications/rack-2.2.3.gemspec");
    assert_eq!(summary(&f), [("rack", "2.2.3", false, None)]);
    assert_eq!(f.packages[0].licenses, ["MIT"]);
    let f = run(&gemspec::Gemspec, "ruby/specifications/nokogiri-1.13.6-x86_64-linux.gemspec");
    assert_eq!((f.packages[0].version.as_str(), f.packages[0].arch.as_deref()), ("1.13.6", Some("x86_64-linux")));
    let f = run(&gemspec::Gemspec, "ruby/specifications/default/json-2.6.1.gemspec");
    assert_eq!(summary(&f), [("json", "2.6.1", false, None)]);
    assert_eq!(f.packages[0].licenses, ["Ruby"]);
    // Computed fields are not guessed: the stub line is absent, so there is no version.
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lang/ruby/specifications/computed-1.0.0.gemspec"),
    )
    .unwrap();
    assert!(gemspec::Gemspec.analyze("specifications/computed-1.0.0.gemspec", &bytes).is_err());
}

#[test]
fn php() {
    let f = run(&composer_lock::ComposerLock, "php/project/composer.lock");
    assert_eq!(
        summary(&f),
        [
            ("guzzlehttp/guzzle", "7.4.4", false, None),
            ("symfony/http-kernel", "v4.4.13", false, None),
            ("acme/internal", "dev-main", false, LOCAL),
            ("phpunit/phpunit", "9.5.20", true, None),
        ]
    );
    assert_eq!(get(&f, "phpunit/phpunit").licenses, ["BSD-3-Clause"]);
    assert_eq!(purl::for_package(&f.packages[1], None), "pkg:composer/symfony/http-kernel@v4.4.13");
    let f = run(&composer_installed::ComposerInstalled, "php/vendor-v1/vendor/composer/installed.json");
    assert_eq!(summary(&f), [("monolog/monolog", "1.25.1", false, None)]);
    let f = run(&composer_installed::ComposerInstalled, "php/vendor-v2/vendor/composer/installed.json");
    assert_eq!(summary(&f), [("guzzlehttp/guzzle", "7.4.4", false, None), ("phpunit/phpunit", "9.5.20", true, None)]);
}

#[test]
fn dotnet() {
    let f = run(&dotnet_deps::DotnetDeps, "dotnet/App.deps.json");
    assert_eq!(
        summary(&f),
        [
            ("Newtonsoft.Json", "12.0.1", false, None),
            ("System.Text.Encodings.Web", "4.7.1", false, None),
            ("Microsoft.NETCore.App.Runtime.linux-x64", "6.0.5", false, None),
        ]
    );
    let f = run(&nuget_lock::NugetLock, "dotnet/packages.lock.json");
    let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.indirect)).collect();
    assert_eq!(
        got,
        [
            ("Newtonsoft.Json", "12.0.1", false),
            ("Serilog", "2.10.0", true),
            ("System.Text.Encodings.Web", "4.7.1", false),
            ("Newtonsoft.Json", "13.0.1", false),
        ]
    );
}

#[test]
fn analyzer_names_are_unique() {
    let mut names: Vec<_> = ANALYZERS.iter().map(|a| a.name()).collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n);
}

/// Lockfiles shipped inside installed dependencies describe those dependencies' development, not
/// what is installed.
#[test]
fn lockfiles_inside_dependency_trees_are_not_wanted() {
    let not_wanted: &[(&dyn Analyzer, &str)] = &[
        (&npm_lock::NpmLock, "app/node_modules/wrappy/package-lock.json"),
        (&yarn_lock::YarnLock, "app/node_modules/x/yarn.lock"),
        (&pnpm_lock::PnpmLock, "app/node_modules/.pnpm/x/node_modules/x/pnpm-lock.yaml"),
        (&cargo_lock::CargoLock, "root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/rand-0.8.5/Cargo.lock"),
        (&go_mod::GoMod, "root/go/pkg/mod/golang.org/x/text@v0.3.0/go.mod"),
        (&go_mod::GoMod, "src/app/vendor/github.com/x/y/go.mod"),
        (&composer_lock::ComposerLock, "app/vendor/guzzlehttp/guzzle/composer.lock"),
        (&gemfile_lock::GemfileLock, "usr/local/bundle/gems/rack-2.2.3/Gemfile.lock"),
        (&requirements::RequirementsTxt, "usr/lib/python3/dist-packages/foo/requirements.txt"),
        (&poetry::PoetryLock, "venv/lib/python3.11/site-packages/foo/poetry.lock"),
    ];
    for (a, path) in not_wanted {
        assert!(!a.wants(path), "{} wants {path}", a.name());
    }
    for (a, path) in [
        (&npm_lock::NpmLock as &dyn Analyzer, "app/package-lock.json"),
        (&cargo_lock::CargoLock, "Cargo.lock"),
        (&go_mod::GoMod, "go.mod"),
    ] {
        assert!(a.wants(path), "{} does not want {path}", a.name());
    }
}
