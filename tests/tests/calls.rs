//! Calls per finding and per batch (issue 13), counted by the emulator's call recorder: the calls the hub
//! makes are the product's cost, so a regression in them fails here. One emulator, the `batch` scenario
//! (201 compromised users with one active key each, 201 public buckets, all in workload-a; users 0 and 1
//! have a linked secret), one hub container per phase as a Lambda instance would hold it.
//!
//! Targets: a user ≤ 6 member calls plus its share of one ListSecrets per account and region per batch;
//! a bucket ≤ 9 member calls; 100 users + 100 buckets in two SQS batches of 100 (the hub stack's largest
//! `BatchSize`) ≤ 1,520 calls in all. The hub's part has floors set by AWS, not by Riposte: GetFindings
//! takes at most 20 values per filter field (5 calls per 100 ids); BatchUpdateFindings applies one payload
//! per call (one claim for every playbook, then one outcome per playbook). So per batch of 100 the hub
//! needs 5 GetFindings + 3 BatchUpdateFindings, plus one AssumeRole for the account: with the member calls
//! at their targets, 1,500 + 2 ListSecrets + 17 = 1,519.
//!
//! The hub as the stack deploys it adds, per batch: one PublishBatch to the SNS topic (the notices of
//! alike outcomes go as digests of 25), one PutObject to the audit archive (both optional), and the
//! blast-radius counts: one UpdateItem for the account and one per playbook (conditional when a limit is
//! set; here none is, so that every finding runs), a run's counts taken together. So the batch is measured twice: on the hub as deployed (1,519 + 2 PublishBatch +
//! 2 PutObject + 6 UpdateItem + the RotateSecret of user 1's linked secret = 1,530), and on a bare hub
//! (users and buckets 101–200, no linked secret), against the 1,520.

use riposte_tests::{
    create_deployed_resources, deployed_config_default_pace, member_calls, sqs_event, Emulator,
    MemberView, Scenario,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// One alone, then 100 on the hub as deployed, then 100 on a bare hub.
const COUNT: usize = 201;
const USER_TARGET: usize = 6;
const BUCKET_TARGET: usize = 9;
/// Per SQS batch of 100 mixed findings: GetFindings ⌈100/20⌉, BatchUpdateFindings 1 claim + 2
/// outcomes (one per playbook).
const HUB_PER_BATCH: usize = 5 + 3;
/// Per SQS batch, on the hub as deployed: one audit record, one PublishBatch (four digests of 25), the
/// blast-radius counts (one update for the account, one per playbook).
const DEPLOYED_PER_BATCH: usize = 1 + 1 + 3;
/// The ceiling for 100 users + 100 buckets in one account.
const BATCH_CEILING: usize = 1_520;

/// How a hub is wired.
#[derive(Clone, Copy, PartialEq)]
enum Wiring {
    /// As the hub stack deploys it: the SNS topic, the audit archive, the limits table (counts taken, no
    /// limit set, so that every finding runs), the default `[pacing]`.
    Deployed,
    /// Without the two optional outputs (topic, archive) and without blast-radius limits.
    Bare,
}

fn engine(emulator: &Emulator, scenario: &Scenario, wiring: Wiring) -> riposte_hub::cli::HubEngine {
    let sdk = emulator.sdk(scenario.hub_credentials());
    let config = match wiring {
        Wiring::Deployed => deployed_config_default_pace(scenario),
        Wiring::Bare => riposte_hub::config::Config {
            sns_topic_arn: None,
            ..scenario.hub_config()
        },
    };
    riposte_hub::cli::engine_from(&sdk, config, false)
}

/// 100 users + 100 buckets, interleaved, in two SQS batches of 100, on a fresh container (its one
/// AssumeRole counts): the calls they cost, printed as a table.
async fn batch(
    emulator: &Emulator,
    scenario: &Scenario,
    wiring: Wiring,
    events: Vec<Value>,
) -> Vec<Value> {
    let container = engine(emulator, scenario, wiring);
    emulator.clear_calls();
    for batch in events.chunks(100) {
        deliver(&container, batch).await;
    }
    let calls = emulator.calls();
    let hub = match wiring {
        Wiring::Deployed => "the hub as deployed",
        Wiring::Bare => "a bare hub",
    };
    println!("100 users + 100 buckets on {hub}, {} calls:", calls.len());
    for (operation, n) in riposte_tests::tally(&calls) {
        println!("  {n:>5}  {operation}");
    }
    calls
}

async fn deliver(engine: &riposte_hub::cli::HubEngine, events: &[Value]) {
    let response = riposte_hub::lambda::handle(engine, sqs_event(events), None)
        .await
        .unwrap_or_else(|e| panic!("handler: {e}"));
    assert_eq!(
        response["batchItemFailures"].as_array().map(Vec::len),
        Some(0),
        "{response}"
    );
}

fn is_list_secrets(call: &Value) -> bool {
    call["operation"] == "ListSecrets"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_finding_costs_the_fewest_calls_and_a_batch_amortizes_the_rest() {
    let emulator = Emulator::start();
    let count = COUNT.to_string();
    let scenario = emulator.scenario_with(&["--set", "batch", "--count", &count]);
    let hub = scenario.str("/hub_account");
    create_deployed_resources(&emulator, &scenario).await;
    let by_id: BTreeMap<String, Value> = emulator
        .events()
        .into_iter()
        .filter_map(|e| Some((e["detail"]["findings"][0]["Id"].as_str()?.to_owned(), e)))
        .collect();
    let event = |key: &str| by_id[&scenario.finding_id(key)].clone();
    let users: Vec<String> = (0..COUNT).map(|i| format!("batch-user-{i:04}")).collect();
    let account = scenario.str("/incidents/users/account_id");
    let buckets: Vec<String> = (0..COUNT)
        .map(|i| format!("riposte-batch-{i:04}-{account}"))
        .collect();

    // One user alone (it has a linked secret: the listing finds it, the rotation is its own call).
    let container = engine(&emulator, &scenario, Wiring::Deployed);
    emulator.clear_calls();
    deliver(&container, &[event(&format!("user:{}", users[0]))]).await;
    let calls = emulator.calls();
    let member = member_calls(&calls, &hub);
    let lookups = member.iter().filter(|c| is_list_secrets(c)).count();
    let own: Vec<&Value> = member
        .iter()
        .copied()
        .filter(|c| !is_list_secrets(c) && c["operation"] != "RotateSecret")
        .collect();
    println!(
        "one user: {:?}",
        riposte_tests::tally(member.iter().copied())
    );
    assert!(
        own.len() <= USER_TARGET,
        "a user costs {:?}",
        riposte_tests::tally(own)
    );
    assert_eq!(lookups, 1, "one ListSecrets per account and region");

    // One bucket alone.
    emulator.clear_calls();
    deliver(&container, &[event(&format!("bucket:{}", buckets[0]))]).await;
    let calls = emulator.calls();
    let member = member_calls(&calls, &hub);
    println!(
        "one bucket: {:?}",
        riposte_tests::tally(member.iter().copied())
    );
    assert!(
        member.len() <= BUCKET_TARGET,
        "a bucket costs {:?}",
        riposte_tests::tally(member)
    );

    // At the default pace, neither lone finding waited for a token: each fits its buckets' burst.
    let paced = container.pacer.as_ref().map(|p| p.counts());
    assert_eq!(paced, Some((0, 0)), "(calls that waited, throttles)");

    // 100 users + 100 buckets on the hub as deployed (user 1 has a linked secret to rotate).
    let interleaved = |range: std::ops::Range<usize>| -> Vec<Value> {
        range
            .flat_map(|i| {
                [
                    event(&format!("user:{}", users[i])),
                    event(&format!("bucket:{}", buckets[i])),
                ]
            })
            .collect()
    };
    let calls = batch(&emulator, &scenario, Wiring::Deployed, interleaved(1..101)).await;
    let table = riposte_tests::tally(&calls);
    let member = member_calls(&calls, &hub).len();
    // 100 users and 100 buckets at their targets, one ListSecrets per batch, one linked secret rotated.
    let member_budget = 100 * USER_TARGET + 100 * BUCKET_TARGET + 2 + 1;
    assert!(member <= member_budget, "{member} member calls: {table:?}");
    // One AssumeRole for the account, whatever the number of findings.
    let hub_budget = 1 + 2 * (HUB_PER_BATCH + DEPLOYED_PER_BATCH);
    assert!(
        calls.len() - member <= hub_budget,
        "{} hub calls: {table:?}",
        calls.len() - member
    );
    assert_eq!(
        calls.iter().filter(|c| is_list_secrets(c)).count(),
        2,
        "one ListSecrets per account and region per batch"
    );
    assert_eq!(
        table.get("dynamodb:UpdateItem"),
        Some(&(2 * 3)),
        "the blast-radius counts: per batch one for the account and one per playbook, not per finding"
    );

    // The next 100 + 100 on a bare hub: the ceiling, every call counted.
    let calls = batch(&emulator, &scenario, Wiring::Bare, interleaved(101..COUNT)).await;
    let table = riposte_tests::tally(&calls);
    assert!(
        calls.len() <= BATCH_CEILING,
        "{} calls: {table:?}",
        calls.len()
    );
    let member = member_calls(&calls, &hub).len();
    assert!(
        member <= 100 * USER_TARGET + 100 * BUCKET_TARGET + 2,
        "{table:?}"
    );
    assert!(calls.len() - member <= 1 + 2 * HUB_PER_BATCH, "{table:?}");
    assert!(
        !table
            .keys()
            .any(|k| k.starts_with("sns:") || k.starts_with("dynamodb:") || k == "s3:PutObject"),
        "no topic, archive or limits table is wired: {table:?}"
    );

    // Nothing lost: every finding remediated in Security Hub's copy, every resource fixed on read-back,
    // and the bystanders as they were.
    let status = riposte_tests::statuses(&emulator, &scenario).await;
    let findings = scenario.manifest["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(findings.len(), 2 * COUNT);
    for f in &findings {
        let id = f["id"].as_str().unwrap_or_default();
        assert_eq!(
            status.get(id).map(String::as_str),
            Some("remediated"),
            "{f}"
        );
    }
    // Every finding of the hubs with a topic told to the team, in digests of at most 25: none lost to
    // the grouping; none of the hub without one.
    let told: Vec<Value> = riposte_tests::notifications(&emulator, &scenario).await;
    let named: std::collections::BTreeSet<&str> = told
        .iter()
        .flat_map(|n| {
            n["metadata"]["relatedResources"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .filter_map(Value::as_str)
        .collect();
    for i in 0..COUNT {
        for key in [
            format!("user:{}", users[i]),
            format!("bucket:{}", buckets[i]),
        ] {
            let id = scenario.finding_id(&key);
            assert_eq!(named.contains(id.as_str()), i <= 100, "{key}: notified?");
        }
    }
    assert!(
        told.len() <= 2 + 2 * 4,
        "{} messages: two alone, then per batch of the hub with a topic a digest of 25 per playbook",
        told.len()
    );
    let view = MemberView::new(&emulator, &scenario, &account).await;
    for user in &users {
        assert!(
            view.keys(user).await.iter().all(|(_, active)| !active),
            "{user}"
        );
        assert!(
            view.attached(user)
                .await
                .iter()
                .any(|p| p.ends_with("/AWSDenyAll")),
            "{user}"
        );
    }
    for bucket in &buckets {
        assert_eq!(
            view.public_access_block(bucket).await,
            Some([true; 4]),
            "{bucket}"
        );
        assert_eq!(
            view.policy_is_public(bucket).await,
            None,
            "{bucket}: the only statement was public"
        );
    }
    let bystander = scenario.str("/bystanders/user/user_name");
    assert!(view
        .keys(&bystander)
        .await
        .iter()
        .all(|(_, active)| *active));
    assert!(view.attached(&bystander).await.is_empty());
    let bucket = scenario.str("/bystanders/bucket/bucket");
    assert_eq!(view.public_access_block(&bucket).await, None);
    assert_eq!(view.policy_is_public(&bucket).await, Some(true));
}
