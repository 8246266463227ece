//! The hub's Security Hub read back: every finding, and Riposte's fields on them; and what the team was told.

use serde_json::Value;

use crate::{Emulator, Scenario};

/// Every finding in the hub's Security Hub, every page.
pub async fn all_findings(
    emulator: &Emulator,
    scenario: &Scenario,
) -> Vec<aws_sdk_securityhub::types::AwsSecurityFinding> {
    let hub = aws_sdk_securityhub::Client::new(&emulator.sdk(scenario.hub_credentials()));
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = hub
            .get_findings()
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        token = page.next_token().map(str::to_owned);
        out.extend(page.findings.unwrap_or_default());
        if token.is_none() {
            return out;
        }
    }
}

/// A Riposte field (`riposte:status`, `riposte:playbook`) of a finding, "" when absent.
pub fn field(finding: &aws_sdk_securityhub::types::AwsSecurityFinding, key: &str) -> String {
    finding
        .user_defined_fields()
        .and_then(|u| u.get(key))
        .cloned()
        .unwrap_or_default()
}

/// Security Hub's `riposte:status` of every finding, by id.
pub async fn statuses(
    emulator: &Emulator,
    scenario: &Scenario,
) -> std::collections::BTreeMap<String, String> {
    all_findings(emulator, scenario)
        .await
        .iter()
        .map(|f| {
            (
                f.id().unwrap_or_default().to_owned(),
                field(f, "riposte:status"),
            )
        })
        .collect()
}

/// Every Chatbot document the hub's topic delivered to the scenario's SQS tap so far: the queue read until
/// empty (received messages stay hidden for its visibility timeout, longer than this loop).
pub async fn notifications(emulator: &Emulator, scenario: &Scenario) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(&emulator.sdk(scenario.hub_credentials()));
    let mut out = Vec::new();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(scenario.str("/notification_queue_url"))
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        if received.messages().is_empty() {
            return out;
        }
        out.extend(
            received
                .messages()
                .iter()
                .filter_map(|m| serde_json::from_str::<Value>(m.body()?).ok())
                .filter_map(|envelope| serde_json::from_str(envelope["Message"].as_str()?).ok()),
        );
    }
}
