use super::*;
use proptest::prelude::*;

pub(crate) fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../tests/fixtures/public/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn all_fixtures() -> Vec<String> {
    let dir = format!("{}/../tests/fixtures/public", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.retain(|n| n.ends_with(".json"));
    names.sort();
    names
}

/// (findings decoded, findings refused, input-level refusal)
fn outcome(name: &str) -> (usize, usize, Option<String>) {
    match decode(&fixture(name)) {
        Err(e) => (0, 0, Some(e.to_string())),
        Ok(messages) => messages
            .iter()
            .fold((0, 0, None), |(ok, bad, err), m| match &m.content {
                Ok(c) => (
                    ok + c.findings.iter().filter(|f| f.is_ok()).count(),
                    bad + c.findings.iter().filter(|f| f.is_err()).count(),
                    err,
                ),
                Err(e) => (ok, bad, Some(e.clone())),
            }),
    }
}

#[test]
fn every_public_sample_decodes_or_is_refused_with_a_reason() {
    let names = all_fixtures();
    assert!(names.len() >= 28, "fixtures missing: {names:?}");
    for name in names {
        let (ok, bad, refusal) = outcome(&name);
        let expected_refusal = name.starts_with("api-batchupdatefindings")
            || name.contains("ocsf")
            || name.contains("v2")
            || name.starts_with("gd-")
            || name.starts_with("config-");
        if expected_refusal {
            assert!(
                ok == 0 && (bad > 0 || refusal.is_some()),
                "{name} should be refused"
            );
        } else {
            assert!(
                ok > 0 && bad == 0 && refusal.is_none(),
                "{name}: ok={ok} bad={bad} refusal={refusal:?}"
            );
        }
    }
}

#[test]
fn the_v2_ocsf_envelope_is_refused_naming_the_format() {
    let (_, _, refusal) = outcome("sh-findings-imported-v2-guardduty-runtime.json");
    assert!(refusal.unwrap_or_default().contains("OCSF"));
    let Ok(messages) = decode(&fixture("finding-ocsf-v2-samples.json")) else {
        panic!("an array of findings is a known shape")
    };
    let content = messages[0].content.as_ref().map_err(|e| e.clone());
    let reasons: Vec<String> = content
        .map(|c| {
            c.findings
                .iter()
                .filter_map(|f| f.as_ref().err().cloned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(reasons.len(), 3);
    assert!(reasons.iter().all(|r| r.contains("OCSF")));
}

#[test]
fn native_guardduty_and_config_events_are_refused_with_the_reason() {
    assert!(outcome("gd-finding-iamuser-tor-ip-caller.json")
        .2
        .unwrap_or_default()
        .contains("through Security Hub"));
    assert!(
        outcome("config-compliance-change-loggroup-noncompliant.json")
            .2
            .unwrap_or_default()
            .contains("not handled")
    );
}

#[test]
fn a_custom_action_names_the_action_and_carries_every_selected_finding() {
    let Ok(messages) = decode(&fixture("sh-custom-action-two-findings-iam-6-rds-4.json")) else {
        panic!("decodes")
    };
    let Ok(content) = &messages[0].content else {
        panic!("decodes")
    };
    assert!(
        matches!(&content.source, Source::CustomAction { action_name, .. } if action_name == "CIS 1.5 - 1.11")
    );
    assert_eq!(content.findings.len(), 2);
}

#[test]
fn an_sqs_event_reports_each_message_on_its_own() {
    let good = fixture("sh-imported-control-ec2-7.json");
    let v2 = fixture("sh-findings-imported-v2-guardduty-runtime.json");
    let sqs = serde_json::json!({"Records": [
        {"messageId": "m1", "body": good, "eventSource": "aws:sqs"},
        {"messageId": "m2", "body": v2},
        {"messageId": "m3", "body": "{not json"},
    ]});
    let Ok(messages) = decode(&sqs.to_string()) else {
        panic!("an SQS event decodes")
    };
    let states: Vec<(Option<String>, bool)> = messages
        .iter()
        .map(|m| (m.id.clone(), m.content.is_ok()))
        .collect();
    assert_eq!(
        states,
        vec![
            (Some("m1".into()), true),
            (Some("m2".into()), false),
            (Some("m3".into()), false)
        ]
    );
}

#[test]
fn a_bad_account_id_refuses_only_that_finding() {
    let mut findings: serde_json::Value = serde_json::from_str(&fixture(
        "api-getfindings-guardduty-iam-accesskeys-placebo.json",
    ))
    .unwrap_or_default();
    findings["data"]["Findings"][1]["AwsAccountId"] = "12345".into();
    let Ok(messages) = decode(&findings.to_string()) else {
        panic!("decodes")
    };
    let Ok(content) = &messages[0].content else {
        panic!("decodes")
    };
    assert_eq!(content.findings.iter().filter(|f| f.is_err()).count(), 1);
    assert!(content.findings[1]
        .as_ref()
        .err()
        .is_some_and(|e| e.contains("12 digits")));
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(matches!(decode("not json"), Err(Error::NotJson { .. })));
    assert!(matches!(decode("{}"), Err(Error::UnknownInput { .. })));
    assert!(matches!(decode("42"), Err(Error::UnknownInput { .. })));
    assert!(decode(
        r#"{"detail-type":"Security Hub Findings - Imported","source":"aws.securityhub"}"#
    )
    .is_err());
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-zA-Z0-9:/ ._-]{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("Id".to_string()),
                    Just("AwsAccountId".to_string()),
                    Just("Resources".to_string()),
                    Just("detail-type".to_string()),
                    Just("Records".to_string()),
                    Just("Findings".to_string()),
                    "[A-Za-z]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn no_input_makes_decoding_panic(value in json_value(), text in ".{0,200}") {
        let _ = decode(&text);
        let _ = decode_value(value);
    }

    #[test]
    fn mutating_a_real_sample_never_panics_decode_or_routing(path in prop::sample::select(vec!["/AwsAccountId", "/Resources", "/Types", "/Severity", "/Workflow", "/ProductFields", "/Compliance", "/Resources/0/Id", "/Resources/0/Details"]), value in json_value()) {
        let mut finding: serde_json::Value = serde_json::from_str(&fixture("finding-control-s3-8.json")).unwrap_or_default();
        if let Some(slot) = finding.pointer_mut(path) { *slot = value; }
        if let Ok(messages) = decode_value(finding) {
            for m in messages { if let Ok(c) = m.content { for f in c.findings.into_iter().flatten() {
                let _ = crate::policy::assess(&f, &c.source, None, &crate::policy::Policy::default());
            } } }
        }
    }
}
