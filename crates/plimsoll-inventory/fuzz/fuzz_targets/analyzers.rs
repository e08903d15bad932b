//! Arbitrary bytes under every path some analyzer wants: no analyzer may panic, whatever the
//! input (package databases, lockfiles, binaries and archives all come from attackers).
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_inventory::ANALYZERS;

/// One path per analyzer family; the first input byte picks one.
const PATHS: &[&str] = &[
    "etc/os-release",
    "etc/alpine-release",
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/base",
    "var/lib/dpkg/info/libc6:amd64.list",
    "usr/share/doc/libc6/copyright",
    "lib/apk/db/installed",
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "var/lib/rpm/rpmdb.sqlite",
    "app/requirements.txt",
    "app/poetry.lock",
    "app/Pipfile.lock",
    "app/uv.lock",
    "usr/lib/python3/site-packages/x-1.0.dist-info/METADATA",
    "app/package-lock.json",
    "app/yarn.lock",
    "app/pnpm-lock.yaml",
    "app/node_modules/x/package.json",
    "app/Cargo.lock",
    "app/go.mod",
    "app/bin/server",
    "app/lib/x.jar",
    "app/Gemfile.lock",
    "app/composer.lock",
    "app/app.deps.json",
    "app/packages.lock.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, content)) = data.split_first() else { return };
    let path = PATHS[first as usize % PATHS.len()];
    for a in ANALYZERS {
        if a.wants(path) {
            let _ = a.analyze(path, content);
        }
    }
});
