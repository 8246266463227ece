//! Table tests: every case of `tests/fixtures/s3-public-statements.json` — the example statements of the
//! S3 User Guide's "The meaning of 'public'" and the cases Riposte met. The emulator's
//! `test_s3_public.py` runs the same file against GetBucketPolicyStatus, so the two evaluators agree.

use super::*;

#[test]
fn every_shared_case_is_judged_as_s3_judges_it() {
    let path = format!(
        "{}/../tests/fixtures/s3-public-statements.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let table: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases = table["cases"].as_array().cloned().unwrap_or_default();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    for case in cases {
        let expected = case["public"].as_bool().unwrap_or_else(|| panic!("{case}"));
        assert_eq!(
            is_public_statement(&case["statement"]),
            expected,
            "{}: {}",
            case["why"],
            case["statement"]
        );
    }
}

#[test]
fn removing_public_statements_keeps_the_access_point_delegation() {
    let document: Value = serde_json::from_str(
        r#"{"Version":"2012-10-17","Statement":[
          {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
          {"Sid":"DelegateToAccessPoints","Effect":"Allow","Principal":{"AWS":"*"},"Action":"*",
           "Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
           "Condition":{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(public_sids(&document), ["PublicRead"]);
    let reduced = without_public_statements(&document).unwrap_or_else(|| panic!("emptied"));
    assert!(!is_public_policy(&reduced));
    assert_eq!(statements(&reduced).len(), 1);
    assert_eq!(statements(&reduced)[0]["Sid"], "DelegateToAccessPoints");
}

proptest::proptest! {
    #[test]
    fn analysis_never_panics_and_removal_leaves_nothing_public(text in ".{0,200}") {
        if let Ok(value) = serde_json::from_str::<Value>(&text) {
            if let Some(reduced) = without_public_statements(&value) {
                proptest::prop_assert!(!is_public_policy(&reduced));
            }
        }
    }
}
