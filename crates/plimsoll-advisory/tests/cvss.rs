//! CVSS base scores against Red Hat's `cvss` Python library (which ports FIRST's calculators) on
//! generated vectors, and on every vector in the shared advisory corpus. Skips with a reason
//! when no Python with `cvss` is installed (`pip install cvss`).
#![allow(clippy::print_stderr)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use plimsoll_advisory::cvss;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

fn gen_v3(r: &mut Rng) -> String {
    let mut s = format!(
        "CVSS:{}/AV:{}/AC:{}/PR:{}/UI:{}/S:{}/C:{}/I:{}/A:{}",
        r.pick(&["3.0", "3.1"]),
        r.pick(&["N", "A", "L", "P"]),
        r.pick(&["L", "H"]),
        r.pick(&["N", "L", "H"]),
        r.pick(&["N", "R"]),
        r.pick(&["U", "C"]),
        r.pick(&["H", "L", "N"]),
        r.pick(&["H", "L", "N"]),
        r.pick(&["H", "L", "N"]),
    );
    if r.below(4) == 0 {
        s.push_str(&format!("/E:{}/RL:{}", r.pick(&["X", "U", "P", "F", "H"]), r.pick(&["X", "O", "T", "W", "U"])));
    }
    s
}

fn gen_v2(r: &mut Rng) -> String {
    format!(
        "AV:{}/AC:{}/Au:{}/C:{}/I:{}/A:{}",
        r.pick(&["L", "A", "N"]),
        r.pick(&["H", "M", "L"]),
        r.pick(&["M", "S", "N"]),
        r.pick(&["N", "P", "C"]),
        r.pick(&["N", "P", "C"]),
        r.pick(&["N", "P", "C"]),
    )
}

fn gen_v4(r: &mut Rng) -> String {
    let mut s = format!(
        "CVSS:4.0/AV:{}/AC:{}/AT:{}/PR:{}/UI:{}/VC:{}/VI:{}/VA:{}/SC:{}/SI:{}/SA:{}",
        r.pick(&["N", "A", "L", "P"]),
        r.pick(&["L", "H"]),
        r.pick(&["N", "P"]),
        r.pick(&["N", "L", "H"]),
        r.pick(&["N", "P", "A"]),
        r.pick(&["H", "L", "N"]),
        r.pick(&["H", "L", "N"]),
        r.pick(&["H", "L", "N"]),
        r.pick(&["H", "L", "N"]),
        r.pick(&["H", "L", "N"]),
        r.pick(&["H", "L", "N"]),
    );
    // Threat and environmental metrics on a third of the vectors.
    if r.below(3) == 0 {
        s.push_str(&format!("/E:{}", r.pick(&["X", "A", "P", "U"])));
        for m in ["CR", "IR", "AR"] {
            s.push_str(&format!("/{m}:{}", r.pick(&["X", "H", "M", "L"])));
        }
        s.push_str(&format!("/MAV:{}/MVC:{}", r.pick(&["X", "N", "P"]), r.pick(&["X", "H", "N"])));
        s.push_str(&format!("/MSI:{}/MSA:{}", r.pick(&["X", "S", "H", "N"]), r.pick(&["X", "S", "L"])));
    }
    s
}

fn python_with_cvss() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|py| {
        Command::new(py).args(["-c", "import cvss"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    })
}

fn reference_scores(py: &str, vectors: &[String]) -> Vec<String> {
    let script = "import sys\nfrom cvss import CVSS2, CVSS3, CVSS4\nout = []\nfor l in sys.stdin:\n    v = l.strip()\n    try:\n        if v.startswith('CVSS:4'):\n            s = CVSS4(v).base_score\n        elif v.startswith('CVSS:3'):\n            s = CVSS3(v).scores()[0]\n        else:\n            s = CVSS2(v).scores()[0]\n        out.append('%.1f' % float(s))\n    except Exception:\n        out.append('E')\nprint('\\n'.join(out))\n";
    let mut child =
        Command::new(py).args(["-c", script]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("python");
    let input: String = vectors.iter().map(|v| format!("{v}\n")).collect();
    let mut stdin = child.stdin.take().unwrap();
    let w = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let _ = w.join();
    assert!(child.wait().unwrap().success());
    out.lines().map(str::to_owned).collect()
}

fn compare(name: &str, vectors: &[String], theirs: &[String]) {
    assert_eq!(vectors.len(), theirs.len());
    let mut bad = Vec::new();
    for (v, want) in vectors.iter().zip(theirs) {
        let got = cvss::base_score(v).map(|s| format!("{s:.1}")).unwrap_or_else(|_| "E".into());
        if &got != want {
            bad.push(format!("{v}: reference {want}, ours {got}"));
        }
    }
    eprintln!("{name}: {} vectors vs Red Hat cvss: {} disagreements", vectors.len(), bad.len());
    assert!(bad.is_empty(), "{}", bad[..bad.len().min(20)].join("\n"));
}

#[test]
fn generated_vectors_against_red_hat_cvss() {
    let Some(py) = python_with_cvss() else {
        plimsoll_test_support::require("CVSS differential: no python3 with the `cvss` package (pip install cvss)");
        return;
    };
    let mut r = Rng(0x5eed);
    for (name, gen) in [("v2", gen_v2 as fn(&mut Rng) -> String), ("v3", gen_v3), ("v4", gen_v4)] {
        let vectors: Vec<String> = (0..10_000).map(|_| gen(&mut r)).collect();
        let theirs = reference_scores(py, &vectors);
        compare(name, &vectors, &theirs);
    }
}

#[test]
fn corpus_vectors_against_red_hat_cvss() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/advisories");
    if !root.is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", root.display()));
        return;
    }
    let Some(py) = python_with_cvss() else {
        plimsoll_test_support::require("CVSS corpus check: no python3 with the `cvss` package");
        return;
    };
    let loaded = plimsoll_advisory::load::load(&[root]).expect("load");
    let mut vectors: Vec<String> = loaded
        .advisories
        .iter()
        .flat_map(|a| a.severity.iter().chain(a.affected.iter().flat_map(|x| &x.severity)))
        .map(|s| s.score.clone())
        .filter(|s| s.starts_with("CVSS:") || s.starts_with("AV:"))
        .collect();
    vectors.sort();
    vectors.dedup();
    assert!(!vectors.is_empty());
    let theirs = reference_scores(py, &vectors);
    compare("corpus", &vectors, &theirs);
}
