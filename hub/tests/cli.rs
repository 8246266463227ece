//! The `riposte` binary on every public sample: it plans or refuses with exit code 2, never panics,
//! and names the playbook, principal or bucket, account and region of the GuardDuty and S3 samples.

use std::process::Command;

fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/public");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn plan(path: &std::path::Path, output: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["plan", "--output", output, "--event"])
        .arg(path)
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap_or_else(|e| panic!("cannot run riposte: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn no_public_sample_makes_the_binary_panic() {
    let files = fixtures();
    assert!(files.len() >= 28);
    for file in files {
        let (code, _, stderr) = plan(&file, "json");
        assert!(
            code == 0 || code == 2,
            "{}: exit {code}: {stderr}",
            file.display()
        );
        let refused = code == 2 && (stderr.starts_with("riposte: ") || stderr.contains("refused"));
        assert!(
            code == 0 || refused,
            "{}: refusal without a reason: {stderr}",
            file.display()
        );
    }
}

#[test]
fn plan_names_playbook_target_account_and_region_of_the_seed_samples() {
    let cases = [
        (
            "finding-control-s3-8.json",
            "public-bucket",
            "bucket/example",
            "111111111111",
            "remediate",
        ),
        // Another tool's custom action ("Ec2 aws"): not Riposte's to act on (the policy tests cover
        // this finding's UserName-only principal, which would be notify-only).
        (
            "sh-custom-action-guardduty-iam-consolelogin.json",
            "credential-compromise",
            "",
            "644160558196",
            "skip",
        ),
        (
            "api-getfindings-guardduty-iam-accesskeys-placebo.json",
            "credential-compromise",
            "user/brent.clements",
            "644160558196",
            "notify-only",
        ),
        // GuardDuty's sample findings (placeholder `GeneratedFindingUserName`) are never acted on.
        (
            "finding-guardduty-2018-tor-and-recon-iamuser-pair.json",
            "credential-compromise",
            "",
            "081476508764",
            "skip",
        ),
        (
            "finding-control-s3-2-resolved.json",
            "public-bucket",
            "",
            "111111111111",
            "skip",
        ),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/public");
    for (file, playbook, resource, account, decision) in cases {
        let (code, stdout, stderr) = plan(&dir.join(file), "json");
        assert_eq!(code, 0, "{file}: {stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_default();
        let findings = report["findings"].as_array().cloned().unwrap_or_default();
        let hit = findings.iter().find(|f| {
            f["playbook"] == playbook
                && f["account"] == account
                && f["region"] == "us-east-1"
                && f["decision"] == decision
        });
        let hit =
            hit.unwrap_or_else(|| panic!("{file}: no {playbook}/{decision} finding in {stdout}"));
        if !resource.is_empty() {
            assert_eq!(hit["resource"], resource, "{file}");
        }
    }
}

#[test]
fn bad_input_and_bad_configuration_exit_2_with_a_clear_message() {
    let dir = std::env::temp_dir().join(format!("riposte-cli-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let bad = dir.join("bad.json");
    let _ = std::fs::write(&bad, "{ not json");
    let (code, _, stderr) = plan(&bad, "table");
    assert_eq!(code, 2);
    assert!(stderr.contains("not JSON"), "{stderr}");
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/public/finding-control-s3-8.json");
    let settings = dir.join("riposte.toml");
    let _ = std::fs::write(
        &settings,
        "[remediation]\nseverity_threshold = \"SEVERE\"\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["plan", "--event"])
        .arg(&sample)
        .env("RIPOSTE_CONFIG_FILE", &settings)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("riposte.toml:2:22") && stderr.contains("SEVERE"),
        "{stderr}"
    );
    let missing = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["plan", "--event", "/nonexistent.json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn playbooks_lists_readable_triggers() {
    let out = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .arg("playbooks")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for wanted in ["S3.2", "S3.8", "GuardDuty IAMUser/*", "Config rule"] {
        assert!(text.contains(wanted), "{wanted} missing in {text}");
    }
    assert!(
        !text.contains("Control(") && !text.contains("GuardDutyResourceType"),
        "{text}"
    );
}

#[test]
fn config_check_reports_every_error_with_its_position_and_exits_2() {
    let dir = std::env::temp_dir().join(format!("riposte-check-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let draft = dir.join("draft.toml");
    let _ = std::fs::write(
        &draft,
        "[remediation]\nseverity_threshold = \"LOUD\"\n\n[limits]\nper_hour = 3\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["config", "check"])
        .arg(&draft)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("draft.toml:2:22") && stderr.contains("LOUD"),
        "{stderr}"
    );
    assert!(
        stderr.contains("draft.toml:5:1") && stderr.contains("per_hour"),
        "{stderr}"
    );
    // The shipped example is valid.
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/riposte.example.toml");
    let ok = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["config", "check"])
        .arg(&example)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn operator_commands_say_what_they_need_instead_of_failing_on_aws() {
    let run = |env: &[(&str, &str)]| {
        let out = Command::new(env!("CARGO_BIN_EXE_riposte"))
            .args([
                "approve",
                "arn:aws:securityhub:us-east-1:111111111111:finding/x",
            ])
            .env_clear()
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // Nothing may leave the machine: a closed port on loopback.
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("HOME", "/nonexistent")
            .envs(env.iter().copied())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--region"), "{stderr}");
    let (code, stderr) = run(&[("AWS_REGION", "us-east-1")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--profile") && stderr.contains("--hub-role-arn"),
        "{stderr}"
    );
}
