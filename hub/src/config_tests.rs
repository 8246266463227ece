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
    assert_eq!(c.policy.threshold, SeverityLabel::High);
    assert_eq!(
        c.policy.exclusion_tag,
        ("AutoRemediate".into(), "false".into())
    );
    assert_eq!(c.max_per_account, 4);
}

#[test]
fn bad_values_name_the_variable_and_the_problem() {
    for (name, value) in [
        ("RIPOSTE_SEVERITY_THRESHOLD", "SEVERE"),
        ("RIPOSTE_GUARDDUTY_THRESHOLD", "eleven"),
        ("RIPOSTE_EXCLUSION_TAG", "AutoRemediate"),
        ("RIPOSTE_PROTECTED_PRINCIPALS", "alice"),
        ("RIPOSTE_REQUIRE_APPROVAL", "delete-everything"),
        ("RIPOSTE_MAX_PER_ACCOUNT", "0"),
        ("RIPOSTE_SNS_TOPIC_ARN", "my-topic"),
        ("RIPOSTE_SPOKE_ROLE_NAME", "bad role"),
        ("RIPOSTE_SNS_KMS_KEY", "my-key"),
        ("RIPOSTE_CLOUDTRAIL_KMS_KEY", "arn:aws:s3:::bucket"),
        ("RIPOSTE_ACCESS_LOG_BUCKET", "Logs_Bucket"),
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
fn kms_keys_are_arns_or_aliases_with_placeholders() {
    let c = config(&[
        (
            "RIPOSTE_CLOUDTRAIL_KMS_KEY",
            "arn:aws:kms:{region}:{account}:alias/trails",
        ),
        ("RIPOSTE_SNS_KMS_KEY", "alias/riposte-topics"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.settings.cloudtrail_kms_key.as_deref(),
        Some("arn:aws:kms:{region}:{account}:alias/trails")
    );
    assert_eq!(
        c.settings.sns_kms_key.as_deref(),
        Some("alias/riposte-topics")
    );
}
