//! The CLI in shell pipes: `taut atlas muscles | head -1` must end quietly, as Unix tools do (exit 0, or
//! killed by SIGPIPE, which a shell reports as 141), never with a broken-pipe panic; errors go to stderr.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_taut"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut text).expect("stderr reads");
    }
    text
}

/// Exit 0, or the SIGPIPE death that shells report as 141: both are what `head` expects of a writer.
fn quiet_end(status: ExitStatus) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(13) {
            return true;
        }
    }
    status.code() == Some(0)
}

/// Commands whose output is large enough to fill a pipe, so the writer must meet the closed end.
const COMMANDS: &[&[&str]] = &[
    &["atlas", "muscles"],
    &["atlas", "muscles", "--json"],
    &["atlas", "regions", "--json"],
    &["atlas", "show", "trapezius"],
    &["plan", "catalog", "--json"],
    &["differential", "--region", "temple:right", "--json"],
    &["eval", "--json"],
];

#[test]
fn a_reader_that_closes_at_once_ends_the_command_quietly() {
    for args in COMMANDS {
        let mut child = spawn(args);
        // The read end is closed before the command writes anything: its very first write meets a closed pipe.
        drop(child.stdout.take());
        let stderr = stderr_of(&mut child);
        let status = child.wait().expect("the command ends");
        assert!(quiet_end(status), "{args:?} ended with {status:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?} complained: {stderr}");
    }
}

#[test]
fn head_one_reads_one_line_and_the_command_ends_quietly() {
    for args in COMMANDS {
        let mut child = spawn(args);
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).expect("one line");
        assert!(!first.trim().is_empty(), "{args:?} printed nothing");
        // The reader is dropped here, as `head -1` exits after its line.
        let stderr = stderr_of(&mut child);
        let status = child.wait().expect("the command ends");
        assert!(quiet_end(status), "{args:?} ended with {status:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    }
}

#[test]
fn errors_go_to_stderr_even_when_stdout_is_closed() {
    let mut child = spawn(&["atlas", "show", "no-such-muscle"]);
    drop(child.stdout.take());
    let stderr = stderr_of(&mut child);
    let status = child.wait().expect("the command ends");
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error:"), "{stderr}");
    assert!(stderr.contains("no-such-muscle"), "{stderr}");
}
