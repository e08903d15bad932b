//! Lints the files given as arguments (all together, so NetworkPolicy coverage spans them) and
//! prints one JSON finding per line; errors go to stderr. Used for comparisons with other
//! linters until the CLI wires `plimsoll config`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

fn main() {
    let mut linter = plimsoll_lint::Linter::new(plimsoll_lint::LintConfig::default());
    for path in std::env::args().skip(1) {
        let content = match std::fs::read(&path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        if let Err(e) = linter.add(&path, &content) {
            eprintln!("{e}");
        }
    }
    for f in linter.finish() {
        println!("{}", serde_json::to_string(&f).unwrap_or_default());
    }
}
