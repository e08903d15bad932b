//! Differential tests of version ordering against the ecosystems' own implementations.
//!
//! For each scheme a seeded generator produces tricky versions (epochs, tildes, carets, letters,
//! leading zeros, pre-releases, invalid strings), pairs are formed (half of them by mutating one
//! side, so that long common prefixes are frequent), and one reference process compares all
//! pairs read from stdin. Every pair must agree. A test whose reference tool is missing skips
//! with a printed reason; `scripts/test.sh` installs the tools.
//!
//! Reference used per scheme: dpkg -> dpkg's `Dpkg::Version` (perl) plus `dpkg
//! --compare-versions` on a sample; rpm -> `rpm.ver` (python3-rpm); PEP 440 -> `packaging`;
//! SemVer -> node-semver; Go -> `golang.org/x/mod/semver`; Maven -> Maven's `ComparableVersion`;
//! RubyGems -> `Gem::Version`; Composer -> composer/semver + PHP `version_compare`. apk and
//! NuGet have no reference here: apk replays apk-tools' own test vectors, NuGet NuGet.Client's,
//! and both are checked for order laws; NuGet is also compared with SemVer 2.0 precedence on
//! the subset where the two must agree.

#![allow(clippy::print_stderr)]

use std::cmp::Ordering;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use plimsoll_advisory::version::{apk, composer, go, Scheme};

const PAIRS: usize = 12_000;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn digits(&mut self) -> String {
        match self.below(10) {
            0 => "0".into(),
            1 => format!("0{}", self.below(10)),
            2 => format!("{}", self.below(100_000)),
            3 => "10".into(),
            _ => format!("{}", self.below(12)),
        }
    }
}

/// Makes a pair: an independent second version, or a mutation of the first.
fn make_pairs(seed: u64, n: usize, gen: impl Fn(&mut Rng) -> String, atoms: &[&str]) -> Vec<(String, String)> {
    let mut r = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let a = gen(&mut r);
        let b = match r.below(10) {
            0..=3 => gen(&mut r),
            4 => a.clone(),
            _ => mutate(&mut r, &a, atoms),
        };
        out.push((a, b));
    }
    out
}

fn mutate(r: &mut Rng, a: &str, atoms: &[&str]) -> String {
    let chars: Vec<char> = a.chars().collect();
    let pos = r.below(chars.len() + 1);
    let (head, tail): (String, String) = (chars[..pos].iter().collect(), chars[pos..].iter().collect());
    match r.below(6) {
        0 => format!("{a}{}", r.pick(atoms)),
        1 => format!("{head}{}{tail}", r.pick(atoms)),
        2 => format!("{head}{}", tail.chars().skip(1).collect::<String>()),
        3 => head,
        4 => {
            // Bump or change a digit.
            let d = char::from(b'0' + r.below(10) as u8);
            match chars.iter().rposition(char::is_ascii_digit) {
                Some(i) => chars.iter().enumerate().map(|(j, c)| if j == i { d } else { *c }).collect(),
                None => format!("{a}{d}"),
            }
        }
        _ => format!("{head}{}{}", r.pick(atoms), tail.chars().skip(1).collect::<String>()),
    }
}

fn token(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "-1",
        Ordering::Equal => "0",
        Ordering::Greater => "1",
    }
}

/// Feeds `a\tb` lines to the reference and returns one output line per pair.
fn run_reference(mut cmd: Command, pairs: &[(String, String)]) -> Result<Vec<String>, String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    // Write from a thread so that a reference streaming its answers cannot deadlock us.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut out = String::new();
    child.stdout.take().ok_or("no stdout")?.read_to_string(&mut out).map_err(|e| e.to_string())?;
    let mut err = String::new();
    let _ = child.stderr.take().map(|mut s| s.read_to_string(&mut err));
    let _ = writer.join();
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("{cmd:?} failed ({status}): {}", err.lines().take(5).collect::<Vec<_>>().join(" | ")));
    }
    let lines: Vec<String> = out.lines().map(|l| l.trim().to_owned()).collect();
    if lines.len() != pairs.len() {
        return Err(format!("reference gave {} answers for {} pairs: {}", lines.len(), pairs.len(), err));
    }
    Ok(lines)
}

/// Compares our answers with the reference's and fails listing the first disagreements.
fn check(
    name: &str,
    reference: &str,
    pairs: &[(String, String)],
    theirs: &[String],
    ours: impl Fn(&str, &str) -> String,
) {
    let mut bad = Vec::new();
    let mut verdicts = [0usize; 4];
    for ((a, b), want) in pairs.iter().zip(theirs) {
        let got = ours(a, b);
        match want.as_str() {
            "-1" => verdicts[0] += 1,
            "0" => verdicts[1] += 1,
            "1" => verdicts[2] += 1,
            _ => verdicts[3] += 1,
        }
        if &got != want {
            bad.push(format!("{a:?} vs {b:?}: reference {want}, ours {got}"));
        }
    }
    eprintln!(
        "{name}: {} pairs vs {reference}: {} disagreements (reference verdicts <:{} =:{} >:{} other:{})",
        pairs.len(),
        bad.len(),
        verdicts[0],
        verdicts[1],
        verdicts[2],
        verdicts[3]
    );
    assert!(
        bad.is_empty(),
        "{name} disagrees with {reference} on {} pairs:\n{}",
        bad.len(),
        bad[..bad.len().min(25)].join("\n")
    );
    // A generator that only produced errors or equal pairs would prove nothing.
    assert!(verdicts[0] > pairs.len() / 10 && verdicts[2] > pairs.len() / 10, "{name}: too few ordered pairs");
    assert!(verdicts[0] + verdicts[1] + verdicts[2] >= 10_000, "{name}: fewer than 10,000 valid pairs");
}

fn scheme_token(scheme: Scheme, a: &str, b: &str) -> String {
    match scheme.compare(a, b) {
        Ok(o) => token(o).to_owned(),
        Err(_) => "E".to_owned(),
    }
}

fn tool_works(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn scratch_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plimsoll-advisory-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, contents).expect("write script");
    p
}

// ---------------------------------------------------------------------------------------------
// dpkg

const DPKG_ATOMS: &[&str] =
    &[".", "+", "~", "~~", "a", "b", "z", "A", "Z", "rc", "0", "1", "9", "10", "01", ".0", "+dfsg", "~rc1", "really"];

fn gen_dpkg(r: &mut Rng) -> String {
    let epoch = r.chance(25).then(|| format!("{}:", r.below(3)));
    let mut up = r.digits();
    for _ in 0..r.below(6) {
        up.push_str(r.pick(DPKG_ATOMS));
    }
    let revision = r.chance(60).then(|| {
        let mut rev =
            r.pick(&["1", "0", "2", "10", "1ubuntu1", "deb12u4", "1+b1", "0~bpo11+1", "a", "~", "1.1"]).to_owned();
        if r.chance(30) {
            rev.push_str(r.pick(&["+deb12u1", "~", ".1", "ubuntu0.22.04.1", "+b2", "build1"]));
        }
        rev
    });
    if revision.is_some() && r.chance(10) {
        up.push_str("-rc1");
    }
    if epoch.is_some() && r.chance(10) {
        up.push_str(":1");
    }
    format!("{}{up}{}", epoch.unwrap_or_default(), revision.map(|r| format!("-{r}")).unwrap_or_default())
}

/// The versions dpkg accepts without a warning, so that every reference parses them alike.
fn dpkg_strictly_valid(v: &str) -> bool {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) => (Some(e), rest),
        None => (None, v),
    };
    if epoch.is_some_and(|e| e.is_empty() || !e.bytes().all(|c| c.is_ascii_digit())) {
        return false;
    }
    let (up, rev) = match rest.rsplit_once('-') {
        Some((u, r)) => (u, Some(r)),
        None => (rest, None),
    };
    let up_ok = up.bytes().next().is_some_and(|c| c.is_ascii_digit())
        && up.bytes().all(|c| {
            c.is_ascii_alphanumeric()
                || b".+~".contains(&c)
                || (c == b'-' && rev.is_some())
                || (c == b':' && epoch.is_some())
        });
    let rev_ok =
        rev.is_none_or(|r| !r.is_empty() && r.bytes().all(|c| c.is_ascii_alphanumeric() || b".+~".contains(&c)));
    up_ok && rev_ok
}

#[test]
fn dpkg_against_dpkg() {
    if !tool_works("perl", &["-MDpkg::Version", "-e1"]) {
        plimsoll_test_support::require("dpkg differential: perl with Dpkg::Version (libdpkg-perl) is not installed");
        return;
    }
    let pairs: Vec<_> = make_pairs(1, PAIRS, gen_dpkg, DPKG_ATOMS)
        .into_iter()
        .filter(|(a, b)| dpkg_strictly_valid(a) && dpkg_strictly_valid(b))
        .collect();
    assert!(pairs.len() > 10_000, "generator too weak: {}", pairs.len());
    let script = r#"use strict; use Dpkg::Version;
        while (my $l = <STDIN>) { chomp $l; my ($a, $b) = split /\t/, $l, -1;
          my $r = version_compare($a, $b); print $r < 0 ? "-1\n" : $r > 0 ? "1\n" : "0\n"; }"#;
    let mut cmd = Command::new("perl");
    cmd.args(["-e", script]);
    let theirs = run_reference(cmd, &pairs).expect("Dpkg::Version");
    check("dpkg", "Dpkg::Version (perl)", &pairs, &theirs, |a, b| scheme_token(Scheme::Dpkg, a, b));

    // dpkg's C implementation on a sample (one process per comparison, so keep it small).
    if !tool_works("dpkg", &["--version"]) {
        plimsoll_test_support::require("dpkg --compare-versions sample: dpkg not installed");
        return;
    }
    let mut disagreements = Vec::new();
    for (a, b) in pairs.iter().step_by(pairs.len() / 300) {
        let lt = Command::new("dpkg").args(["--compare-versions", a, "lt", b]).status().expect("dpkg").success();
        let eq = Command::new("dpkg").args(["--compare-versions", a, "eq", b]).status().expect("dpkg").success();
        let want = if lt {
            "-1"
        } else if eq {
            "0"
        } else {
            "1"
        };
        let got = scheme_token(Scheme::Dpkg, a, b);
        if got != want {
            disagreements.push(format!("{a} vs {b}: dpkg {want}, ours {got}"));
        }
    }
    eprintln!("dpkg: 300 pairs vs dpkg --compare-versions: {} disagreements", disagreements.len());
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// rpm

const RPM_ATOMS: &[&str] = &[
    ".", "_", "+", "~", "^", "a", "b", "rc", "git", "Z", "0", "1", "01", "10", "999", "~rc1", "^post", ".el9", "%", "-",
];

fn gen_rpm(r: &mut Rng) -> String {
    let epoch = match r.below(8) {
        0 => "1:".to_owned(),
        1 => "0:".to_owned(),
        2 => format!("{}:", r.below(12)),
        _ => String::new(),
    };
    let mut v = if r.chance(90) { r.digits() } else { r.pick(&["a", "beta", "Z"]).to_owned() };
    for _ in 0..r.below(6) {
        let atom = r.pick(RPM_ATOMS);
        if atom != "-" {
            v.push_str(atom);
        }
    }
    let release = if r.chance(70) {
        let mut rel = r.pick(&["1", "2", "0", "24", "41", "1a", "beta"]).to_owned();
        for _ in 0..r.below(3) {
            rel.push_str(r.pick(&[".el9", ".el8_3", "_0", "~beta", "^git", ".fc38", "a", ".1", "~", "^"]));
        }
        format!("-{rel}")
    } else {
        String::new()
    };
    format!("{epoch}{v}{release}")
}

fn python_with(module: &str) -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|py| tool_works(py, &["-c", &format!("import {module}")]))
}

#[test]
fn rpm_against_rpm() {
    let Some(py) = python_with("rpm") else {
        plimsoll_test_support::require("rpm differential: no python3 with the rpm module (Debian package python3-rpm)");
        return;
    };
    let pairs: Vec<_> = make_pairs(2, PAIRS, gen_rpm, RPM_ATOMS)
        .into_iter()
        .filter(|(a, b)| {
            // rpm.ver() needs a non-empty version part; both sides must parse for us too.
            Scheme::Rpm.parse(a).is_ok() && Scheme::Rpm.parse(b).is_ok() && !a.contains('\t') && !b.contains('\t')
        })
        .collect();
    assert!(pairs.len() > 10_000, "generator too weak: {}", pairs.len());
    let script = "import sys, rpm\nout = []\nfor l in sys.stdin:\n    a, b = l.rstrip('\\n').split('\\t')\n    x, y = rpm.ver(a), rpm.ver(b)\n    out.append('-1' if x < y else ('1' if x > y else '0'))\nprint('\\n'.join(out))\n";
    let mut cmd = Command::new(py);
    cmd.args(["-c", script]);
    let theirs = run_reference(cmd, &pairs).expect("python rpm");
    check("rpm", "rpm.ver (python3-rpm)", &pairs, &theirs, |a, b| scheme_token(Scheme::Rpm, a, b));
}

// ---------------------------------------------------------------------------------------------
// PEP 440

const PEP440_ATOMS: &[&str] = &[
    ".", "a", "b", "rc", "c", ".post", "-", "_", "dev", ".dev", "+", "local", "0", "1", "10", "01", "!", "alpha",
    "pre", "r", "v",
];

fn gen_pep440(r: &mut Rng) -> String {
    let mut v = String::new();
    if r.chance(5) {
        v.push('v');
    }
    if r.chance(10) {
        v.push_str(&format!("{}!", r.below(3)));
    }
    v.push_str(&r.digits());
    for _ in 0..r.below(4) {
        v.push('.');
        v.push_str(&r.digits());
    }
    if r.chance(40) {
        v.push_str(r.pick(&["", ".", "-", "_"]));
        v.push_str(r.pick(&["a", "b", "rc", "c", "alpha", "beta", "pre", "preview", "RC", "A"]));
        if r.chance(80) {
            v.push_str(r.pick(&["", ".", "-"]));
            v.push_str(&r.digits());
        }
    }
    if r.chance(25) {
        v.push_str(r.pick(&[".post", "post", "-", ".r", "rev", "-post", "_post"]));
        if r.chance(80) || v.ends_with('-') {
            v.push_str(&r.digits());
        }
    }
    if r.chance(25) {
        v.push_str(r.pick(&[".dev", "dev", "-dev", "_dev", ".DEV"]));
        if r.chance(70) {
            v.push_str(&r.digits());
        }
    }
    if r.chance(15) {
        v.push('+');
        v.push_str(r.pick(&["abc", "1", "abc.5", "ubuntu-1", "0.1", "Z", "a_b"]));
    }
    v
}

#[test]
fn pep440_against_packaging() {
    let Some(py) = python_with("packaging.version") else {
        plimsoll_test_support::require(
            "PEP 440 differential: no python3 with `packaging` (pip install packaging or python3-packaging)",
        );
        return;
    };
    let pairs = make_pairs(3, 16_000, gen_pep440, PEP440_ATOMS);
    let script = "import sys\nfrom packaging.version import Version, InvalidVersion\nout = []\nfor l in sys.stdin:\n    a, b = l.rstrip('\\n').split('\\t')\n    try:\n        x, y = Version(a), Version(b)\n        out.append('-1' if x < y else ('1' if x > y else '0'))\n    except InvalidVersion:\n        out.append('E')\nprint('\\n'.join(out))\n";
    let mut cmd = Command::new(py);
    cmd.args(["-c", script]);
    let theirs = run_reference(cmd, &pairs).expect("packaging");
    check("pep440", "python packaging", &pairs, &theirs, |a, b| scheme_token(Scheme::Pep440, a, b));
}

// ---------------------------------------------------------------------------------------------
// SemVer (node-semver)

const SEMVER_ATOMS: &[&str] = &[".", "-", "+", "alpha", "beta", "rc", "0", "1", "11", "2", "x-y", "a1", "01", "v", " "];

fn gen_semver(r: &mut Rng) -> String {
    let num = |r: &mut Rng| match r.below(12) {
        0 => "01".to_owned(),
        1 => format!("{}", r.below(1_000_000)),
        _ => format!("{}", r.below(4)),
    };
    let mut v = String::new();
    if r.chance(5) {
        v.push('v');
    }
    v.push_str(&format!("{}.{}.{}", num(r), num(r), num(r)));
    if r.chance(50) {
        v.push('-');
        let n = 1 + r.below(3);
        let ids: Vec<String> = (0..n)
            .map(|_| match r.below(3) {
                0 => num(r),
                _ => r.pick(&["alpha", "beta", "rc", "x-y", "-", "a1", "1a", "RC", "pre"]).to_owned(),
            })
            .collect();
        v.push_str(&ids.join("."));
    }
    if r.chance(15) {
        v.push('+');
        v.push_str(r.pick(&["build", "001", "sha.5", "exp.sha.5114f85", "x"]));
    }
    v
}

#[test]
fn semver_against_node_semver() {
    let node_path = "/usr/lib/node_modules/npm/node_modules:/usr/share/nodejs:/usr/lib/nodejs";
    let probe = Command::new("node")
        .args(["-e", "require('semver')"])
        .env("NODE_PATH", node_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        plimsoll_test_support::optional("SemVer differential: node with the `semver` package is not installed");
        return;
    }
    let pairs = make_pairs(4, 25_000, gen_semver, SEMVER_ATOMS);
    let script = r#"const semver = require('semver'); const lines = require('fs').readFileSync(0, 'utf8').split('\n');
        const out = []; for (const l of lines) { if (l === '') continue; const [a, b] = l.split('\t');
        try { out.push(String(semver.compare(a, b))); } catch (e) { out.push('E'); } }
        process.stdout.write(out.join('\n') + '\n');"#;
    let mut cmd = Command::new("node");
    cmd.args(["-e", script]).env("NODE_PATH", node_path);
    let theirs = run_reference(cmd, &pairs).expect("node semver");
    check("semver", "node-semver compare()", &pairs, &theirs, |a, b| scheme_token(Scheme::Semver, a, b));
}

// ---------------------------------------------------------------------------------------------
// Go

const GO_ATOMS: &[&str] = &[".", "-", "+", "v", "0", "1", "01", "incompatible", "pre", "20191109021931", "rc.1", "x"];

fn gen_go(r: &mut Rng) -> String {
    let mut v = if r.chance(95) { "v".to_owned() } else { String::new() };
    v.push_str(&r.digits());
    let parts = match r.below(10) {
        0 => 0,
        1 => 1,
        _ => 2,
    };
    for _ in 0..parts {
        v.push('.');
        v.push_str(&r.digits());
    }
    match r.below(6) {
        0 => v.push_str(&format!(
            "-{}.{:014}-{:012x}",
            r.below(2),
            20_190_000_000_000u64 + r.below(9_999_999) as u64,
            r.next() >> 16
        )),
        1 => v.push_str(&format!("-{:014}-{:012x}", 20_190_000_000_000u64 + r.below(9_999_999) as u64, r.next() >> 16)),
        2 => {
            v.push('-');
            v.push_str(r.pick(&["rc.1", "alpha", "beta.2", "0", "01", "pre.x-y", "1.2.3"]));
        }
        _ => {}
    }
    if r.chance(15) {
        v.push_str(r.pick(&["+incompatible", "+meta", "+", "+a.b"]));
    }
    v
}

#[test]
fn go_against_x_mod_semver() {
    let gopath = Path::new("/usr/share/gocode");
    if !tool_works("go", &["version"]) || !gopath.join("src/golang.org/x/mod/semver/semver.go").exists() {
        plimsoll_test_support::require(
            "Go differential: needs `go` and golang.org/x/mod under /usr/share/gocode (Debian golang-golang-x-mod-dev)",
        );
        return;
    }
    let pairs = make_pairs(5, PAIRS, gen_go, GO_ATOMS);
    let src = scratch_file(
        "gocmp.go",
        r#"package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), "\t", 2)
		fmt.Fprintln(w, semver.Compare(p[0], p[1]))
	}
}
"#,
    );
    let mut cmd = Command::new("go");
    cmd.arg("run").arg(&src).env("GO111MODULE", "off").env("GOPATH", gopath).env("GOFLAGS", "");
    if std::env::var_os("GOCACHE").is_none() {
        cmd.env("GOCACHE", std::env::temp_dir().join("plimsoll-advisory-gocache"));
    }
    let theirs = run_reference(cmd, &pairs).expect("go x/mod/semver");
    check("go", "golang.org/x/mod/semver.Compare", &pairs, &theirs, |a, b| token(go::compare_str(a, b)).to_owned());
}

// ---------------------------------------------------------------------------------------------
// Maven

const MAVEN_ATOMS: &[&str] = &[
    ".",
    "-",
    "alpha",
    "a",
    "b",
    "beta",
    "m",
    "milestone",
    "rc",
    "cr",
    "snapshot",
    "SNAPSHOT",
    "ga",
    "final",
    "sp",
    "RELEASE",
    "foo",
    "0",
    "00",
    "1",
    "10",
    "2",
    "Final",
    "_",
    "",
];

fn gen_maven(r: &mut Rng) -> String {
    let mut v = r.digits();
    for _ in 0..r.below(6) {
        match r.below(3) {
            0 => {
                v.push_str(r.pick(&[".", "-", "", "."]));
                v.push_str(&r.digits());
            }
            _ => {
                v.push_str(r.pick(&[".", "-", "", "-", "_"]));
                v.push_str(r.pick(MAVEN_ATOMS));
            }
        }
    }
    if r.chance(3) {
        v.push_str("123456789012345678901");
    }
    v
}

fn maven_jar() -> Option<PathBuf> {
    let candidates = ["/usr/share/java/maven3-artifact.jar", "/usr/share/maven/lib/maven-artifact-3.x.jar"];
    candidates.iter().map(PathBuf::from).find(|p| p.exists()).or_else(|| {
        std::fs::read_dir("/usr/share/maven/lib").ok()?.flatten().map(|e| e.path()).find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("maven-artifact") && n.ends_with(".jar"))
        })
    })
}

#[test]
fn maven_against_comparable_version() {
    let Some(jar) = maven_jar() else {
        plimsoll_test_support::optional("Maven differential: maven-artifact jar not found (Debian package maven)");
        return;
    };
    if !tool_works("java", &["-version"]) {
        plimsoll_test_support::optional("Maven differential: no java");
        return;
    }
    let pairs: Vec<_> = make_pairs(6, PAIRS, gen_maven, MAVEN_ATOMS)
        .into_iter()
        .filter(|(a, b)| !a.contains('\t') && !b.contains('\t'))
        .collect();
    let src = scratch_file(
        "MavenCmp.java",
        r#"import java.io.*;
import org.apache.maven.artifact.versioning.ComparableVersion;
public class MavenCmp {
    public static void main(String[] args) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        PrintWriter w = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, "UTF-8")));
        String l;
        while ((l = r.readLine()) != null) {
            String[] p = l.split("\t", -1);
            int c = new ComparableVersion(p[0]).compareTo(new ComparableVersion(p[1]));
            w.println(c < 0 ? -1 : (c > 0 ? 1 : 0));
        }
        w.flush();
    }
}
"#,
    );
    let mut cmd = Command::new("java");
    cmd.arg("-cp").arg(&jar).arg(&src);
    let theirs = run_reference(cmd, &pairs).expect("maven ComparableVersion");
    check("maven", "Maven ComparableVersion (3.8)", &pairs, &theirs, |a, b| scheme_token(Scheme::Maven, a, b));
}

// ---------------------------------------------------------------------------------------------
// RubyGems

const GEM_ATOMS: &[&str] = &[".", "-", "a", "b", "pre", "rc", "beta", "0", "1", "10", "01", "A", "p", " ", "_"];

fn gen_gem(r: &mut Rng) -> String {
    let mut v = r.digits();
    for _ in 0..r.below(5) {
        v.push('.');
        match r.below(4) {
            0 => v.push_str(r.pick(&["a", "b", "pre", "rc", "beta", "A", "p", "alpha1", "rc2"])),
            _ => v.push_str(&r.digits()),
        }
    }
    if r.chance(15) {
        v.push('-');
        v.push_str(r.pick(&["rc1", "beta.2", "x-y", "1", "pre"]));
    }
    if r.chance(3) {
        v = format!(" {v} ");
    }
    v
}

#[test]
fn rubygems_against_gem_version() {
    if !tool_works("ruby", &["-e", "Gem::Version"]) {
        plimsoll_test_support::require("RubyGems differential: ruby is not installed");
        return;
    }
    let pairs = make_pairs(7, 16_000, gen_gem, GEM_ATOMS);
    let script = r#"out = []; STDIN.each_line { |l| a, b = l.chomp("\n").split("\t", -1)
        begin; out << (Gem::Version.new(a) <=> Gem::Version.new(b)).to_s; rescue ArgumentError; out << "E"; end }
        puts out"#;
    let mut cmd = Command::new("ruby");
    cmd.args(["-e", script]);
    let theirs = run_reference(cmd, &pairs).expect("ruby");
    check("rubygems", "Gem::Version", &pairs, &theirs, |a, b| scheme_token(Scheme::RubyGems, a, b));
}

// ---------------------------------------------------------------------------------------------
// Composer

const COMPOSER_ATOMS: &[&str] = &[
    ".", "-", "beta", "b", "RC", "rc", "alpha", "a", "patch", "pl", "p", "dev", "stable", "0", "1", "10", "x", "+foo",
    "v", "@dev",
];

fn gen_composer(r: &mut Rng) -> String {
    if r.chance(3) {
        return r.pick(&["dev-master", "master", "dev-feature/x", "2.x-dev", "1.0.x-dev", "dev-main"]).to_owned();
    }
    if r.chance(5) {
        return format!("20{:02}-{:02}-{:02}", r.below(30), 1 + r.below(12), 1 + r.below(28));
    }
    let mut v = String::new();
    if r.chance(10) {
        v.push('v');
    }
    v.push_str(&r.digits());
    for _ in 0..r.below(4) {
        v.push('.');
        v.push_str(&r.digits());
    }
    if r.chance(40) {
        v.push_str(r.pick(&["", "-", ".", "_"]));
        v.push_str(r.pick(&["beta", "b", "RC", "rc", "alpha", "a", "patch", "pl", "p", "stable", "BETA"]));
        if r.chance(60) {
            v.push_str(r.pick(&["", ".", "-"]));
            v.push_str(&r.digits());
        }
    }
    if r.chance(10) {
        v.push_str(r.pick(&["-dev", ".dev", "dev"]));
    }
    if r.chance(5) {
        v.push_str("+build.1");
    }
    v
}

fn composer_token(a: &str, b: &str) -> String {
    match (composer::normalize(a), composer::normalize(b)) {
        (Some(x), Some(y)) if x.starts_with("dev-") || y.starts_with("dev-") => "N".to_owned(),
        (Some(x), Some(y)) => token(composer::php_version_compare(x.as_bytes(), y.as_bytes())).to_owned(),
        _ => "E".to_owned(),
    }
}

#[test]
fn composer_against_composer_semver() {
    let autoload = "/usr/share/php/Composer/Semver/autoload.php";
    if !tool_works("php", &["-v"]) || !Path::new(autoload).exists() {
        plimsoll_test_support::require(&format!(
            "Composer differential: needs php and composer/semver ({autoload}; Debian packages php-cli composer)"
        ));
        return;
    }
    let pairs = make_pairs(8, 16_000, gen_composer, COMPOSER_ATOMS);
    let script = format!(
        r#"require '{autoload}'; $p = new Composer\Semver\VersionParser();
        while (($l = fgets(STDIN)) !== false) {{ [$a, $b] = explode("\t", rtrim($l, "\n"), 2);
          try {{ $x = $p->normalize($a); $y = $p->normalize($b); }} catch (\Exception $e) {{ echo "E\n"; continue; }}
          if (strpos($x, 'dev-') === 0 || strpos($y, 'dev-') === 0) {{ echo "N\n"; continue; }}
          echo version_compare($x, $y), "\n"; }}"#
    );
    let mut cmd = Command::new("php");
    cmd.args(["-r", &script]);
    let theirs = run_reference(cmd, &pairs).expect("php composer");
    check("composer", "composer/semver normalize + PHP version_compare", &pairs, &theirs, composer_token);
}

// ---------------------------------------------------------------------------------------------
// apk and NuGet: no reference implementation here.

/// Checks antisymmetry and that sorting yields a consistent total order.
fn check_order_laws(name: &str, versions: &[String], cmp: impl Fn(&str, &str) -> Ordering) -> usize {
    let mut r = Rng::new(99);
    let mut checked = 0;
    for _ in 0..PAIRS {
        let a = &versions[r.below(versions.len())];
        let b = &versions[r.below(versions.len())];
        assert_eq!(cmp(a, b), cmp(b, a).reverse(), "{name}: antisymmetry fails for {a} / {b}");
        assert_eq!(cmp(a, a), Ordering::Equal, "{name}: reflexivity fails for {a}");
        checked += 1;
    }
    let mut sorted = versions.to_vec();
    sorted.sort_by(|a, b| cmp(a, b));
    for _ in 0..PAIRS {
        let i = r.below(sorted.len());
        let j = r.below(sorted.len());
        let (i, j) = (i.min(j), i.max(j));
        assert_ne!(
            cmp(&sorted[i], &sorted[j]),
            Ordering::Greater,
            "{name}: not transitive around {} / {}",
            sorted[i],
            sorted[j]
        );
        checked += 1;
    }
    checked
}

fn gen_apk(r: &mut Rng) -> String {
    let mut v = r.digits();
    for _ in 0..r.below(4) {
        v.push('.');
        v.push_str(&r.digits());
    }
    if r.chance(15) {
        v.push(char::from(b'a' + r.below(26) as u8));
    }
    for _ in 0..r.below(3) {
        v.push('_');
        v.push_str(r.pick(&["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"]));
        if r.chance(60) {
            v.push_str(&r.digits());
        }
    }
    if r.chance(70) {
        v.push_str(&format!("-r{}", r.below(12)));
    }
    v
}

#[test]
fn apk_vectors_and_order_laws() {
    // A selection of apk-tools' test/version.data (https://gitlab.alpinelinux.org/alpine/apk-tools).
    let vectors = [
        "2.34 > 0.1.0_alpha",
        "23_foo > 4_beta",
        "1.0 < 1.0bc",
        "0.1.0_alpha = 0.1.0_alpha",
        "0.1.0_alpha2 > 0.1.0_alpha",
        "1.0.4-r3 < 1.0.4-r4",
        "1.1 > 1.1_alpha1",
        "1.2.1 > 1.2",
        "1.3_alpha2 < 1.3_alpha3",
        "0.8_beta4 < 4.8-r1",
        "3.10.18-r1 > 2.3.0b-r1",
        "2.3.0b-r1 < 2.3.0b-r2",
        "0.12.3 > 0.12",
        "1.2.11 < 1.2.12.1",
        "3.1_p16 < 3.1_p17",
        "1.06-r6 < 006",
        "006 > 1.0.0",
        "1.2.2-r1 > 1.2.2",
        "2.59 < 20050718-r1",
        "3.9.8-r5 > 2.01.01_alpha10",
        "1.0 > 0.99.3.20040818",
        "2.8.9-r1 > 2.8.9",
        "4.2.52_p2-r1 < 4.2.52_p4-r2",
        "1.02.07 < 1.02.10-r1",
        "20060720 > 3.0.20060720",
        "2.5.1-r8 < 2.5.1a-r1",
        "2.0.0_rc3-r1 > 1.5",
        "3.9_pre20060124 > 0.01",
        "1.1.7 < 6b-r7",
        "0.10.0 < 0.10.1_rc1",
        "1.1a < 1.3a",
        "0.15.1b-r2 > 0.15.1b",
        "22.7-r1 < 22.7.3-r1",
        "2.1_pre20 < 2.1_pre26",
        "2.10.1 > 02.08.01b",
        "3.81 > 1.6d",
        "1.2.07.8 < 1.2.12.04",
        "0.1_pre20060810 < 0.1_pre20060817",
        "0.59s-r11 < 0.65",
        "4.20 > 0.20070118",
        "0.20070118 < 0.20070207_rc1",
        "4.5_p1-r1 > 4.5_p1",
        "0.9.8c-r1 < 0.9.8d",
        "1.7 < 1.7b",
        "1.8.5 < 1.8.5_p2",
        "2.9.11_pre20051101-r3 > 2.9.11_pre20051101",
        "1.6.8_p12-r1 > 1.6.8_p9-r2",
        "0.9.28.1 < 087-r1",
        "104-r11 > 104-r9",
        "20040406-r1 > 2.12r-r4",
        "7.0.17 < 7.0.174",
        "1.3-r0 < 1.3.1-r0",
        "1.3_pre1-r1 < 1.3.2",
        "1.0_p10-r0 > 1.0_p9-r0",
        "0.1.0_alpha_pre2 < 0.1.0_alpha",
        "1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0",
    ];
    for line in vectors {
        let mut parts = line.split(' ');
        let (a, op, b) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let want = match op {
            "<" => Ordering::Less,
            ">" => Ordering::Greater,
            _ => Ordering::Equal,
        };
        assert_eq!(apk::compare_str(a, b), want, "{line}");
        assert_eq!(apk::compare_str(b, a), want.reverse(), "{line} (reversed)");
    }
    let mut r = Rng::new(9);
    let versions: Vec<String> = (0..4000).map(|_| gen_apk(&mut r)).collect();
    assert!(versions.iter().all(|v| apk::is_valid(v)), "generator produced an invalid apk version");
    let checked = check_order_laws("apk", &versions, apk::compare_str);
    eprintln!(
        "apk: {} apk-tools vectors and {checked} order-law checks pass (no apk reference on Debian)",
        vectors.len()
    );
}

fn gen_nuget_semver_subset(r: &mut Rng) -> String {
    let mut v = format!("{}.{}.{}", r.below(4), r.below(12), r.below(3));
    if r.chance(60) {
        let n = 1 + r.below(3);
        let ids: Vec<String> = (0..n)
            .map(|_| match r.below(3) {
                0 => format!("{}", r.below(20)),
                _ => r.pick(&["alpha", "beta", "rc", "x-y", "a1", "1a", "pre", "-"]).to_owned(),
            })
            .collect();
        v.push('-');
        v.push_str(&ids.join("."));
    }
    if r.chance(10) {
        v.push_str("+meta.1");
    }
    v
}

#[test]
fn nuget_agrees_with_semver_on_the_common_subset_and_keeps_order_laws() {
    // On SemVer 2.0 versions with three numbers and lower-case labels, NuGet's order must be
    // SemVer precedence (NuGet documents SemVer 2.0 compliance).
    let mut r = Rng::new(10);
    let mut agree = 0;
    for _ in 0..10 * PAIRS {
        if agree == PAIRS {
            break;
        }
        let a = gen_nuget_semver_subset(&mut r);
        let b = if r.chance(50) {
            mutate(&mut r, &a, &[".", "1", "a", "-", "rc"])
        } else {
            gen_nuget_semver_subset(&mut r)
        };
        // NuGet reads labels like "-14" as negative numbers (int.TryParse); SemVer as text.
        let negative_label = |v: &str| {
            let pre = v.split('+').next().unwrap_or(v).split_once('-').map_or("", |(_, p)| p);
            pre.split('.').any(|l| l.len() > 1 && l.starts_with('-') && l[1..].bytes().all(|c| c.is_ascii_digit()))
        };
        if negative_label(&a) || negative_label(&b) {
            continue;
        }
        let (Ok(x), Ok(y)) = (Scheme::Semver.parse(&a), Scheme::Semver.parse(&b)) else { continue };
        let (Ok(nx), Ok(ny)) = (Scheme::NuGet.parse(&a), Scheme::NuGet.parse(&b)) else { continue };
        assert_eq!(nx.partial_cmp(&ny), x.partial_cmp(&y), "{a} vs {b}");
        agree += 1;
    }
    assert_eq!(agree, PAIRS, "generator produced too few comparable pairs");
    let mut r = Rng::new(11);
    let versions: Vec<String> = (0..4000)
        .map(|_| {
            let mut v = gen_nuget_semver_subset(&mut r);
            if r.chance(30) {
                v = v.replacen('.', &format!(".{}.", r.below(3)), 1);
            }
            if r.chance(30) {
                v = v.to_uppercase();
            }
            v
        })
        .filter(|v| Scheme::NuGet.parse(v).is_ok())
        .collect();
    let cmp = |a: &str, b: &str| Scheme::NuGet.compare(a, b).expect("valid");
    let checked = check_order_laws("nuget", &versions, cmp);
    eprintln!("nuget: {agree} pairs agree with SemVer precedence, {checked} order-law checks pass (no .NET here)");
}
