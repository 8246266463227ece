//! The hub's Security Hub read back: every finding, and Riposte's fields on them.

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
