//! The `riposte` binary as a newcomer meets it: a closed pipe never panics it, and every AWS failure it
//! reports says what failed, the likely cause and the fix, with no Rust debug text.

use std::io::Read;
use std::process::{Command, Stdio};

/// Text that is Rust's debug output, never a person's message.
const DEBUG_TEXT: [&str; 6] = [
    "DispatchFailure",
    "ServiceError {",
    "Some(",
    "ConnectorError",
    "panicked",
    "RUST_BACKTRACE",
];

#[test]
fn a_closed_stdout_ends_the_command_quietly_with_the_sigpipe_status() {
    let commands: [&[&str]; 7] = [
        &["playbooks"],
        &["playbooks", "--long"],
        &["playbooks", "--output", "json"],
        &["event-pattern", "print"],
        &["spoke-role", "print"],
        &["docs", "print"],
        &["config", "example"],
    ];
    for args in commands {
        for _ in 0..10 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_riposte"))
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"));
            // The reader goes away before (or while) the command writes, as `| head -0` would.
            drop(child.stdout.take());
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
            assert!(
                matches!(status.code(), Some(0 | 141)),
                "riposte {args:?}: {status}: {stderr}"
            );
            assert!(stderr.is_empty(), "riposte {args:?} said: {stderr}");
        }
    }
}

#[test]
fn head_reads_the_first_line_and_the_command_stops_quietly() {
    for args in [["playbooks", ""], ["event-pattern", "print"]] {
        let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
        for _ in 0..10 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_riposte"))
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"));
            let mut first = [0u8; 1];
            if let Some(mut out) = child.stdout.take() {
                let _ = out.read_exact(&mut first);
            }
            let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                matches!(out.status.code(), Some(0 | 141)),
                "{args:?}: {stderr}"
            );
            assert!(stderr.is_empty(), "{args:?}: {stderr}");
        }
    }
}

/// Run `riposte args` with nothing of this machine's AWS set-up: no profile files, no credentials
/// unless given, and an endpoint on a closed loopback port, so nothing leaves the machine.
fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), format!("{stdout}{stderr}"))
}

fn assert_readable(args: &[&str], text: &str) {
    for debug in DEBUG_TEXT {
        assert!(!text.contains(debug), "riposte {args:?}: {debug} in {text}");
    }
    assert!(
        text.len() < 600,
        "riposte {args:?}: {} characters: {text}",
        text.len()
    );
}

const FINDING: &str = "arn:aws:securityhub:us-east-1:111111111111:finding/x";

fn aws_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["spokes", "verify"],
        vec!["sweep", "--dry-run"],
        vec!["approve", FINDING],
        vec!["undo", FINDING],
        vec!["actions", "create"],
    ]
}

#[test]
fn without_credentials_each_command_says_how_to_give_them() {
    for args in aws_commands() {
        let (code, text) = run(&args, &[("AWS_REGION", "us-east-1")]);
        assert_eq!(code, Some(2), "riposte {args:?}: {text}");
        assert!(
            text.contains("no AWS credentials were found") && text.contains("--profile"),
            "riposte {args:?}: {text}"
        );
        assert_readable(&args, &text);
    }
}

#[test]
fn an_unknown_profile_is_named() {
    for args in aws_commands() {
        let mut args = args.clone();
        args.extend(["--profile", "nope"]);
        let (code, text) = run(&args, &[("AWS_REGION", "us-east-1")]);
        assert_eq!(code, Some(2), "riposte {args:?}: {text}");
        assert!(
            text.contains("the AWS profile \"nope\" does not exist"),
            "riposte {args:?}: {text}"
        );
        assert_readable(&args, &text);
    }
}

#[test]
fn no_region_is_said_the_same_way_everywhere() {
    let mut commands = aws_commands();
    commands.push(vec!["remediate", "--finding", FINDING]);
    for args in commands {
        let (code, text) = run(&args, &[]);
        assert_eq!(code, Some(2), "riposte {args:?}: {text}");
        assert!(
            text.contains("no AWS region: give --region REGION"),
            "riposte {args:?}: {text}"
        );
        assert_readable(&args, &text);
    }
}

#[test]
fn an_unreachable_endpoint_is_named_with_the_fix() {
    let keys = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00"),
        ("AWS_SECRET_ACCESS_KEY", "example"),
    ];
    for args in aws_commands() {
        let (code, text) = run(&args, &keys);
        assert_eq!(code, Some(2), "riposte {args:?}: {text}");
        assert!(
            text.contains("the AWS endpoint cannot be reached")
                && text.contains("AWS_ENDPOINT_URL"),
            "riposte {args:?}: {text}"
        );
        assert_readable(&args, &text);
    }
}

#[test]
fn config_show_reads_the_parameter_with_profile_and_region_and_says_why_it_cannot() {
    let parameter = [("RIPOSTE_CONFIG_PARAMETER", "/riposte/settings")];
    let (code, text) = run(&["config", "show", "--region", "us-east-1"], &parameter);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("reading the settings parameters (ssm:GetParameters) failed")
            && text.contains("no AWS credentials were found"),
        "{text}"
    );
    assert_readable(&["config", "show"], &text);
    let (code, text) = run(&["config", "show", "--profile", "nope"], &parameter);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("\"nope\" does not exist"), "{text}");
    let (code, text) = run(&["config", "show"], &parameter);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("no AWS region: give --region REGION"),
        "{text}"
    );
}

#[test]
fn the_compact_catalogue_has_one_line_per_playbook_and_json_has_plain_words() {
    let out = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .arg("playbooks")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let ids = riposte_shared::catalogue::CATALOGUE.len();
    assert_eq!(
        text.lines().count(),
        ids + 1,
        "header + one line each:\n{text}"
    );
    let json = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["playbooks", "--output", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let json = String::from_utf8_lossy(&json.stdout);
    for internal in [
        "${AWS::",
        "guard-duty",
        "config-rule",
        "\"kind\"",
        "iam-user\"",
        "Restores",
    ] {
        assert!(!json.contains(internal), "{internal} in the JSON catalogue");
    }
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(parsed.as_array().map(Vec::len), Some(ids));
}
