//! Start-up failures are one clear line on stderr and a non-zero exit, never a panic.

use std::process::Command;

fn run_server(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.args(args);
    // Isolate from the developer's shell and any .env file.
    command.env_clear().current_dir(std::env::temp_dir());
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("run the server binary");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_clear_line(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected exactly one line, got: {stderr}");
    assert!(lines[0].starts_with("parley: "), "{stderr}");
    assert!(
        lines[0].contains(needle),
        "expected {needle:?} in: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_database_that_does_not_exist_fails_with_one_line() {
    let url = "postgres://postgres:secretpw@127.0.0.1:5432/parley_no_such_database";
    for command in ["serve", "migrate"] {
        let (code, stderr) = run_server(&[command], &[("DATABASE_URL", url)]);
        assert_eq!(code, 1, "{stderr}");
        assert_one_clear_line(&stderr, "cannot connect to PostgreSQL");
        assert!(stderr.contains("parley_no_such_database"), "{stderr}");
        assert!(!stderr.contains("secretpw"), "password leaked: {stderr}");
    }
}

#[test]
fn an_unreachable_database_fails_with_one_line() {
    let (code, stderr) = run_server(
        &[],
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/x")],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_one_clear_line(&stderr, "cannot connect to PostgreSQL");
}

#[test]
fn invalid_configuration_fails_with_one_line() {
    let (code, stderr) = run_server(&[], &[("SITE_ADDR", "not-an-address")]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "invalid SITE_ADDR");

    let (code, stderr) = run_server(&[], &[("APP_ENV", "production")]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "invalid JWT_SECRET");

    let (code, stderr) = run_server(&[], &[("LOG_LEVEL", "server=nonsense=x")]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "LOG_LEVEL");
}

#[test]
fn unknown_commands_print_usage() {
    let (code, stderr) = run_server(&["frobnicate"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("usage: server"), "{stderr}");
}
