//! S3.1, the account's own Block Public Access (S3 Control): every bucket of the account at once, so it
//! waits for an analyst's approval (the tests' threshold is MEDIUM, AWS's rating of S3.1); workload-c,
//! the bystander, keeps none.
//! The SDK puts the account id in front of the endpoint's host; the tests' resolver sends it to the
//! emulator, which serves S3 Control by path (moto models Get/PutPublicAccessBlock per account).

use riposte_tests::{MemberView, Scenario};
use std::collections::BTreeMap;

/// Before the analyst: awaiting approval, nothing changed in either account.
pub async fn assert_awaiting(
    b: &MemberView,
    c: &MemberView,
    scenario: &Scenario,
    state: &BTreeMap<String, (String, String, String)>,
) {
    let (workflow, status, note) = state[&scenario.finding_id("account-bpa")].clone();
    assert_eq!(
        (workflow.as_str(), status.as_str()),
        ("NOTIFIED", "awaiting-approval"),
        "{note}"
    );
    let (incident, bystander) = accounts(scenario);
    assert_eq!(b.account_public_access_block(&incident).await, None);
    assert_eq!(c.account_public_access_block(&bystander).await, None);
}

/// After the analyst's "remediate": all four settings on in workload-b, still none in workload-c.
pub async fn assert_blocked(b: &MemberView, c: &MemberView, scenario: &Scenario) {
    let (incident, bystander) = accounts(scenario);
    assert_eq!(
        b.account_public_access_block(&incident).await,
        Some([true; 4])
    );
    assert_eq!(c.account_public_access_block(&bystander).await, None);
}

fn accounts(scenario: &Scenario) -> (String, String) {
    (
        scenario.str("/incidents/account_bpa/account_id"),
        scenario.str("/bystanders/account_bpa/account_id"),
    )
}
