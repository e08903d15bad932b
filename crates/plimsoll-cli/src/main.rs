//! The `plimsoll` command line: argument parsing, settings, progress, printing and exit codes.
//! Everything else lives in the library crates.

#![allow(clippy::print_stderr)]

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

mod admission_cmd;
mod cli;
mod commands;
mod docker_cmd;
mod host_cmd;
mod k8s_cmd;
mod progress;
mod registry_cmd;
mod server_cmd;
mod sign_cmds;
mod tree_cmd;
mod verify_blob_cmd;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                // `plimsoll ... | head` is not an error.
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            for line in error_lines(&err) {
                let _ = writeln!(stderr, "{line}");
            }
            ExitCode::from(2)
        }
    }
}

/// `error: ...` then one `caused by: ...` per cause, leaving out a cause whose text the line
/// before already carries (errors that print their source), with control characters from the
/// input escaped so that they never reach the terminal raw.
fn error_lines(err: &anyhow::Error) -> Vec<String> {
    let mut lines = vec![format!("error: {}", printable(&err.to_string()))];
    let mut previous = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !previous.contains(&text) {
            lines.push(format!("  caused by: {}", printable(&text)));
        }
        previous = text;
    }
    lines
}

fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\n' { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_already_in_the_message_are_not_repeated_and_control_bytes_are_escaped() {
        // An error that prints its source, as `SignError::Io` does ("{path}: {source}").
        #[derive(Debug)]
        struct Tty(std::io::Error);
        impl std::fmt::Display for Tty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "/dev/tty: {}", self.0)
            }
        }
        impl std::error::Error for Tty {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let err = anyhow::Error::new(Tty(std::io::Error::other("No such device or address (os error 6)")))
            .context("cannot ask for the key passphrase");
        assert_eq!(
            error_lines(&err),
            [
                "error: cannot ask for the key passphrase",
                "  caused by: /dev/tty: No such device or address (os error 6)"
            ]
        );
        let hostile = anyhow::anyhow!("bad name `a\u{1b}[2Jb\u{7}`");
        assert_eq!(error_lines(&hostile), ["error: bad name `a\\u{1b}[2Jb\\u{7}`"]);
    }
}
