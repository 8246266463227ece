//! Amazon Inspector, notify-only: the published findings (`sh-findings-inspector-ec2-ecr.json`) moved into
//! workload-b. Nothing is changed; each finding is NOTIFIED with the same note (so their write-back
//! groups), and its notice names every vulnerable package, its installed version and the version that
//! fixes it. The emulator's Security Hub keeps `Vulnerabilities` as imported, as Security Hub does.

use riposte_tests::{member_calls, notifications, Emulator, Scenario};
use serde_json::Value;
use std::collections::BTreeMap;

pub async fn assert_reported(
    emulator: &Emulator,
    scenario: &Scenario,
    state: &BTreeMap<String, (String, String, String)>,
    calls: &[Value],
) {
    let documents = notifications(emulator, scenario).await;
    let expected: [(&str, &[&str]); 2] = [
        (
            "vulnerable-instance",
            &["CVE-2022-3643: update kernel 4.14.301-224.520.amzn2 to 0:5.10.162-141.675.amzn2 (yum update kernel)"],
        ),
        (
            "vulnerable-image",
            &[
                "CVE-2022-32149: update golang.org/x/text 0.3.8-0.20220509174342-b4bca84b0361 to 0.3.8 (Update text to 0.3.8)",
                "CVE-2022-32149: update golang.org/x/text 0.3.3 to 0.3.8 (Update text to 0.3.8)",
            ],
        ),
    ];
    let mut notes = Vec::new();
    for (key, fixes) in expected {
        let id = scenario.finding_id(key);
        let (workflow, status, note) = state[&id].clone();
        assert_eq!(
            (workflow.as_str(), status.as_str()),
            ("NOTIFIED", "notify-only"),
            "{key}: {note}"
        );
        assert!(note.contains("does not patch software"), "{note}");
        notes.push(note.replace(&id, ""));
        let about: Vec<&Value> = documents
            .iter()
            .filter(|d| d["metadata"]["threadId"] == id.as_str())
            .collect();
        assert_eq!(about.len(), 1, "{key}: one notice");
        let steps: Vec<&str> = about[0]["content"]["nextSteps"]
            .as_array()
            .map(|s| s.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // The channel gets them as markdown, package text escaped (`\(` renders as `(`).
        let wanted: Vec<String> = fixes
            .iter()
            .map(|f| riposte_shared::notify::md(f))
            .collect();
        assert_eq!(&steps[..fixes.len()], wanted, "{key}: {steps:?}");
    }
    assert_eq!(notes[0], notes[1], "the note is the same for both findings");
    // Notify-only: no member call names the instance or the image's repository.
    let instance = scenario.str("/incidents/vulnerable_instance/instance_id");
    for call in member_calls(calls, &scenario.str("/hub_account")) {
        let text = call.to_string();
        assert!(
            !text.contains(&instance) && !text.contains("riposte-app-images"),
            "{call}"
        );
    }
}
