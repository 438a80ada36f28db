//! Running the `convio` binary from a test.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs `convio` with `args`, without any `CONVIO_*` setting of the environment.
pub fn convio(args: &[&str]) -> Output {
    convio_with_env(args, &[])
}

/// Runs `convio` with `args` and exactly the `CONVIO_*` settings in `env` (any of the
/// caller's, in any letter case, removed) and no `RUST_LOG`.
pub fn convio_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_convio"));
    command.args(args).env_remove("RUST_LOG");
    for (name, _) in std::env::vars_os() {
        if name
            .to_string_lossy()
            .to_ascii_uppercase()
            .starts_with("CONVIO_")
        {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("the binary runs")
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A child process, killed when dropped (also when a test fails).
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `convio emulator --listen 127.0.0.1:0 --wsdl tests/fixtures/site/site.wsdl` running, with
/// the lines it printed up to "serving until interrupted".
pub fn site_emulator_process() -> (Running, Vec<String>) {
    emulator_process(Command::new(env!("CARGO_BIN_EXE_convio")).args([
        "emulator",
        "--listen",
        "127.0.0.1:0",
        "--wsdl",
        "tests/fixtures/site/site.wsdl",
    ]))
}

/// `command` (an emulator) running, with the lines it printed up to "serving until
/// interrupted" (at most 30).
pub fn emulator_process(command: &mut Command) -> (Running, Vec<String>) {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let stdout = child.stdout.take().expect("piped");
    let running = Running(child);
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines().take(30) {
        let line = line.expect("utf-8 output");
        let done = line.starts_with("serving until interrupted");
        lines.push(line);
        if done {
            break;
        }
    }
    (running, lines)
}

/// The rest of the first printed line that starts with `label`.
pub fn printed(lines: &[String], label: &str) -> Option<String> {
    lines
        .iter()
        .find_map(|line| line.strip_prefix(label).map(|rest| rest.trim().to_string()))
}
