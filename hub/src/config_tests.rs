use super::*;
use std::collections::HashMap;

fn config(pairs: &[(&str, &str)]) -> Result<Config, Error> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn defaults_apply_when_nothing_is_set() {
    let c = config(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.policy.threshold,
        riposte_shared::asff::SeverityLabel::High
    );
    assert_eq!(
        c.policy.exclusion_tag,
        ("AutoRemediate".into(), "false".into())
    );
    assert_eq!(c.max_per_account, 16);
    assert_eq!(c.document, Settings::default());
}

#[test]
fn bad_wiring_names_the_variable_and_the_problem() {
    for (name, value) in [
        ("RIPOSTE_SNS_TOPIC_ARN", "my-topic"),
        ("RIPOSTE_SPOKE_ROLE_NAME", "bad role"),
        ("RIPOSTE_MAX_RECEIVE_COUNT", "0"),
        ("RIPOSTE_CONFIG_FILE", "/nonexistent/riposte.toml"),
    ] {
        let error = config(&[(name, value)])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains(name) && error.contains(value),
            "{name}: {error}"
        );
    }
}

#[test]
fn a_settings_file_drives_the_policy_and_its_errors_are_located() {
    let dir = std::env::temp_dir().join(format!("riposte-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        "[remediation]\nseverity_threshold = \"MEDIUM\"\n[principals]\nbreak_glass = [\"arn:aws:iam::111122223333:user/breakglass\"]\n[playbooks]\npublic-bucket = \"approve\"\n[destinations]\nsns_kms_key = \"alias/riposte-topics\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let c = config(&[("RIPOSTE_CONFIG_FILE", &good.to_string_lossy())])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.policy.threshold,
        riposte_shared::asff::SeverityLabel::Medium
    );
    assert_eq!(
        c.policy.protected_principals,
        vec!["arn:aws:iam::111122223333:user/breakglass".to_owned()]
    );
    assert_eq!(
        c.policy.modes.get("public-bucket"),
        Some(&riposte_shared::policy::ModeSetting::Approve)
    );
    assert_eq!(
        c.settings.sns_kms_key.as_deref(),
        Some("alias/riposte-topics")
    );
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[remediation]\nseverity = \"HIGH\"\n").unwrap_or_else(|e| panic!("{e}"));
    let error = config(&[("RIPOSTE_CONFIG_FILE", &bad.to_string_lossy())])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("bad.toml:2:1") && error.contains("severity"),
        "{error}"
    );
}
