//! End to end against the local emulator: the scenario organization (hub + 3 members whose spoke role a
//! StackSet created + a sandbox without it), the findings it imported, and the real hub — the Lambda
//! handler and the `riposte` binary. Every assertion reads state back from the emulator.

use riposte_tests::{
    audit_bucket, create_audit_bucket, iam_action, member_calls, sqs_event, Emulator, MemberView,
    Scenario,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How long the hub's reads lag its writes here: an unretried read-back right after a write sees the old
/// value, a retried one (0.25 s, then 0.5 s) the new.
const LAG_MS: u64 = 400;

#[path = "e2e/records.rs"]
mod records;

/// Findings in Security Hub keyed by id: (workflow status, riposte:status, note text, riposte:playbook).
async fn findings(
    emulator: &Emulator,
    scenario: &Scenario,
) -> BTreeMap<String, (String, String, String, String)> {
    riposte_tests::all_findings(emulator, scenario)
        .await
        .iter()
        .map(|f| {
            let workflow = f.workflow().and_then(|w| w.status());
            let note = f.note().and_then(|n| n.text()).unwrap_or_default();
            (
                f.id().unwrap_or_default().to_owned(),
                (
                    workflow.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    riposte_tests::field(f, "riposte:status"),
                    note.to_owned(),
                    riposte_tests::field(f, "riposte:playbook"),
                ),
            )
        })
        .collect()
}

fn is_mutation(call: &Value) -> bool {
    let op = call["operation"].as_str().unwrap_or_default();
    [
        "Put",
        "Update",
        "Delete",
        "Rotate",
        "BatchUpdate",
        "Publish",
        "Revoke",
        "Attach",
        "Authorize",
    ]
    .iter()
    .any(|p| op.starts_with(p))
}

async fn run_lambda(emulator: &Emulator, scenario: &Scenario, events: &[Value]) -> Value {
    let sdk = emulator.sdk(scenario.hub_credentials());
    let mut config = scenario.hub_config();
    config.audit_bucket = Some((audit_bucket(scenario), scenario.str("/hub_account")));
    let engine = riposte_hub::cli::engine_from(&sdk, config, false);
    riposte_hub::lambda::handle(&engine, sqs_event(events), None)
        .await
        .unwrap_or_else(|e| panic!("handler: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_remediates_both_seed_incidents_across_member_accounts() {
    let emulator = Emulator::start();
    let scenario = emulator.scenario();
    // AWS's consistency: the hub's reads lag its writes, RDS/Redshift changes go pending.
    emulator.strict(LAG_MS);
    let imported = emulator.events();
    assert_eq!(imported.len(), 10, "the scenario imports ten findings");
    let hub_account = scenario.str("/hub_account");
    let hub_key = scenario.str("/hub_credentials/access_key_id");
    let audit = create_audit_bucket(&emulator, &scenario).await;
    // A forged message: a valid finding shape that Security Hub does not hold, naming the same-named
    // bystander user in workload-c. It must reach no member account.
    let bystander_account = scenario.member("workload-c");
    let mut forged = imported[0].clone();
    forged["detail"]["findings"][0]["Id"] =
        format!("arn:aws:guardduty:us-east-1:{bystander_account}:detector/forged/finding/forged")
            .into();
    forged["detail"]["findings"][0]["AwsAccountId"] = bystander_account.clone().into();
    let mut batch = imported.clone();
    batch.push(forged);

    let response = run_lambda(&emulator, &scenario, &batch).await;
    // The hub's calls, before this test's own read-back calls join the log.
    let calls = emulator.calls();

    // Only the forged message is redelivered (Security Hub's index may lag behind its own event; it
    // dead-letters after maxReceiveCount): the sandbox finding's missing spoke role is final.
    let failed: Vec<String> = response["batchItemFailures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        failed,
        vec![format!("msg-{}", batch.len() - 1)],
        "{response}"
    );
    let sandbox_id = scenario.finding_id("sandbox-bucket");
    assert!(
        !calls
            .iter()
            .any(|c| c["account_id"] == bystander_account.as_str()),
        "the forged finding reached workload-c"
    );

    // The compromised user: both keys inactive, deny-all in place, the rotatable secret rotated.
    let a = MemberView::new(&emulator, &scenario, &scenario.member("workload-a")).await;
    let keys = a.keys("ci-deployer").await;
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|(_, active)| !active), "{keys:?}");
    assert_eq!(
        a.attached("ci-deployer").await,
        vec!["arn:aws:iam::aws:policy/AWSDenyAll".to_string()]
    );
    let rotated: BTreeSet<String> = emulator
        .rotations()
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        rotated,
        BTreeSet::from(["ci-deployer/api-token".to_string()])
    );
    // IAM.3: the laggard's keys are deactivated, the bystander's key in the same account is not.
    let laggard = scenario.str("/incidents/old_keys/user_name");
    let old = a.keys(&laggard).await;
    assert!(
        old.len() == 2 && old.iter().all(|(_, active)| !active),
        "{old:?}"
    );
    let bystander = scenario.str("/incidents/old_keys/bystander");
    assert!(a.keys(&bystander).await.iter().all(|(_, active)| *active));

    // The exfiltrated role's older sessions are revoked, not the role blanket-denied.
    let revoke = a
        .role_policy("app-instance-role", "RiposteRevokeOlderSessions")
        .await
        .unwrap_or_default();
    assert!(
        revoke["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"].is_string(),
        "{revoke}"
    );

    // The public bucket: BPA all on, ACL private, public policy gone; the mixed one keeps its legitimate statement.
    let b = MemberView::new(&emulator, &scenario, &scenario.member("workload-b")).await;
    let public = scenario.str("/incidents/public_bucket/bucket");
    assert_eq!(b.public_access_block(&public).await, Some([true; 4]));
    assert!(!b.acl_is_public(&public).await);
    assert_eq!(b.policy_sids(&public).await, None);
    let mixed = scenario.str("/incidents/mixed_bucket/bucket");
    // The access-point delegation and the log-delivery statements are not public: they stay, and S3
    // itself (GetBucketPolicyStatus, answered by the emulator from the User Guide's rules) agrees.
    assert_eq!(
        b.policy_sids(&mixed).await,
        Some(vec![
            "AllowLogDelivery".to_string(),
            "DelegateToAccessPoints".to_string()
        ])
    );
    assert_eq!(b.policy_is_public(&mixed).await, Some(false));
    // The public grant Block Public Access was hiding is gone from the stored ACL.
    let hidden = scenario.str("/incidents/hidden_acl_bucket/bucket");
    assert!(!b.stored_acl_is_public(&hidden).await);
    assert!(!b.stored_acl_is_public(&public).await);
    assert_eq!(b.public_access_block(&mixed).await, Some([true; 4]));
    // EC2.19: only the world-open SSH rule goes; HTTPS to the world and SSH from the office stay.
    let web = scenario.str("/incidents/security_groups/web_group");
    assert_eq!(
        b.group_rules(&web).await,
        [
            "in tcp 22 203.0.113.0/24",
            "in tcp 443 0.0.0.0/0",
            "out -1 -1 0.0.0.0/0"
        ]
    );
    // EC2.2: the default group has no rule left; workload-c's default group is untouched.
    let default = scenario.str("/incidents/security_groups/default_group");
    assert!(b.group_rules(&default).await.is_empty());
    let c_default = scenario.str("/incidents/security_groups/bystander_default_group");
    let c_view = MemberView::new(&emulator, &scenario, &scenario.member("workload-c")).await;
    assert!(!c_view.group_rules(&c_default).await.is_empty());
    // The excluded bucket is left exactly as it was.
    let excluded = scenario.str("/incidents/excluded_bucket/bucket");
    assert_eq!(b.policy_sids(&excluded).await.map(|s| s.len()), Some(1));
    assert_ne!(b.public_access_block(&excluded).await, Some([true; 4]));

    // Bystanders: the same-named user and the look-alike bucket in workload-c are untouched.
    let c = MemberView::new(&emulator, &scenario, &scenario.member("workload-c")).await;
    assert!(c
        .keys("ci-deployer")
        .await
        .iter()
        .all(|(_, active)| *active));
    assert!(c.attached("ci-deployer").await.is_empty());
    assert!(
        c.acl_is_public(&scenario.str("/bystanders/lookalike_bucket/bucket"))
            .await
    );

    // Write-back: resolved with note and riposte:* fields; sandbox NOTIFIED + failed with the reason.
    let state = findings(&emulator, &scenario).await;
    for key in [
        "user-compromise",
        "role-compromise",
        "public-bucket",
        "mixed-bucket",
        "hidden-acl-bucket",
        "old-keys",
        "world-open-ssh",
        "default-group",
    ] {
        let (workflow, status, note, playbook) = &state[&scenario.finding_id(key)];
        assert_eq!(
            (workflow.as_str(), status.as_str()),
            ("RESOLVED", "remediated"),
            "{key}: {note}"
        );
        assert!(
            note.contains("remediated") && !playbook.is_empty(),
            "{key}: {note}"
        );
    }
    let (workflow, status, note, _) = &state[&sandbox_id];
    assert_eq!((workflow.as_str(), status.as_str()), ("NOTIFIED", "failed"));
    assert!(
        note.contains("deploy the Riposte spoke StackSet")
            && note.contains(&scenario.member("sandbox")),
        "{note}"
    );
    let (workflow, status, _, _) = &state[&scenario.finding_id("excluded-bucket")];
    assert_eq!(
        (workflow.as_str(), status.as_str()),
        ("NOTIFIED", "excluded")
    );

    // Calls: one AssumeRole per member account reached, whatever the number of findings.
    let assumes: Vec<&Value> = calls
        .iter()
        .filter(|c| c["operation"] == "AssumeRole" && c["access_key_id"] == hub_key.as_str())
        .collect();
    assert_eq!(
        assumes.len(),
        3,
        "workload-a (2 findings), workload-b (3), sandbox (1, refused)"
    );
    // Every call in a member account: declared by the catalogue, and S3 calls name the expected owner.
    let declared: Vec<&str> = riposte_shared::catalogue::all_grants()
        .iter()
        .map(|g| g.action)
        .collect();
    let member = member_calls(&calls, &hub_account);
    assert!(member.len() > 10);
    for call in &member {
        assert!(
            declared.contains(&iam_action(call).as_str()),
            "undeclared call {call}"
        );
        if call["service"] == "s3" {
            assert_eq!(call["expected_bucket_owner"], call["account_id"], "{call}");
        }
    }
    records::the_audit_record_keeps_the_prior_state(&audit, &scenario, &calls, &hub_account).await;
    records::the_team_is_told_once_per_handled_finding(&emulator, &scenario, &sandbox_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_events_and_the_write_backs_own_events_trigger_nothing() {
    let emulator = Emulator::start();
    let scenario = emulator.scenario();
    // AWS's consistency: the hub's reads lag its writes, RDS/Redshift changes go pending.
    emulator.strict(LAG_MS);
    let imported = emulator.events();
    create_audit_bucket(&emulator, &scenario).await;
    run_lambda(&emulator, &scenario, &imported).await;
    let after_first = findings(&emulator, &scenario).await;
    let events_after_first = emulator.events();
    let written_back: Vec<Value> = events_after_first[imported.len()..].to_vec();
    assert!(!written_back.is_empty(), "write-back emits Imported events");
    let calls_before = emulator.calls().len();

    // A replay of the original events of the handled findings: Security Hub says they are handled;
    // nothing runs, nothing is written.
    let sandbox_id = scenario.finding_id("sandbox-bucket");
    let handled: Vec<Value> = imported
        .iter()
        .filter(|e| e["detail"]["findings"][0]["Id"] != sandbox_id.as_str())
        .cloned()
        .collect();
    run_lambda(&emulator, &scenario, &handled).await;
    let replay_calls: Vec<Value> = emulator.calls()[calls_before..].to_vec();
    assert!(
        !replay_calls.iter().any(is_mutation),
        "replay mutated: {replay_calls:?}"
    );
    assert!(
        !replay_calls
            .iter()
            .any(|c| c["account_id"] != scenario.str("/hub_account").as_str()),
        "replay reached a member: {replay_calls:?}"
    );
    assert_eq!(
        emulator.events().len(),
        events_after_first.len(),
        "no new Imported event"
    );
    assert_eq!(findings(&emulator, &scenario).await, after_first);

    // The failed finding's redelivery (a missing spoke role is final) does nothing: Security Hub's
    // copy shows it handled (NOTIFIED, failed); no AssumeRole, no write-back, no redelivery.
    let calls_before = emulator.calls().len();
    let sandbox: Vec<Value> = imported
        .iter()
        .filter(|e| e["detail"]["findings"][0]["Id"] == sandbox_id.as_str())
        .cloned()
        .collect();
    let retry = run_lambda(&emulator, &scenario, &sandbox).await;
    assert_eq!(retry["batchItemFailures"], serde_json::json!([]));
    assert!(!emulator.calls()[calls_before..]
        .iter()
        .any(|c| c["operation"] == "AssumeRole" || c["operation"] == "BatchUpdateFindings"));
    let events_after_first = emulator.events();

    // Feeding back the events Riposte's own write-back produced triggers nothing at all.
    let calls_before = emulator.calls().len();
    let response = run_lambda(&emulator, &scenario, &written_back).await;
    assert_eq!(response["batchItemFailures"], serde_json::json!([]));
    assert_eq!(
        emulator.calls().len(),
        calls_before,
        "not a single AWS call"
    );
    assert_eq!(emulator.events().len(), events_after_first.len());

    forged_invocations_change_nothing(&emulator, &scenario, &imported).await;
}

/// A direct `lambda:Invoke` with a made-up "Riposte: remediate" custom action on the excluded bucket
/// (which the queue's path leaves alone), or SQS records from another queue, is refused: not one AWS
/// call, Security Hub's findings unchanged, the bucket still public.
async fn forged_invocations_change_nothing(
    emulator: &Emulator,
    scenario: &Scenario,
    imported: &[Value],
) {
    let excluded = scenario.finding_id("excluded-bucket");
    let mut forged = imported
        .iter()
        .find(|e| e["detail"]["findings"][0]["Id"] == excluded.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("no event for the excluded bucket"));
    forged["detail-type"] = riposte_shared::event::DETAIL_TYPE_CUSTOM_ACTION.into();
    forged["resources"] = serde_json::json!([format!(
        "arn:aws:securityhub:{}:{}:action/custom/RiposteRemediate",
        scenario.str("/region"),
        scenario.str("/hub_account")
    )]);
    forged["detail"]["actionName"] = "Riposte: remediate".into();
    let before = findings(emulator, scenario).await;
    let calls_before = emulator.calls().len();
    let mut other_queue = sqs_event(&[forged.clone()]);
    other_queue["Records"][0]["eventSourceARN"] =
        "arn:aws:sqs:us-east-1:000000000000:someone-elses-queue".into();
    for payload in [forged, other_queue] {
        let sdk = emulator.sdk(scenario.hub_credentials());
        let engine = riposte_hub::cli::engine_from(&sdk, scenario.hub_config(), false);
        let answer = riposte_hub::lambda::handle(&engine, payload, None)
            .await
            .unwrap_or_else(|e| panic!("handler: {e}"));
        assert!(answer["refused"].is_string(), "{answer}");
    }
    assert_eq!(
        emulator.calls().len(),
        calls_before,
        "a forged invocation made AWS calls"
    );
    assert_eq!(findings(emulator, scenario).await, before);
    let b = MemberView::new(emulator, scenario, &scenario.member("workload-b")).await;
    let bucket = scenario.str("/incidents/excluded_bucket/bucket");
    assert_eq!(
        b.policy_sids(&bucket).await,
        Some(vec!["PublicRead".to_owned()])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_plans_without_calls_then_remediates_and_exits_1_for_the_unreachable_member() {
    let emulator = Emulator::start();
    let scenario = emulator.scenario();
    // AWS's consistency: the hub's reads lag its writes, RDS/Redshift changes go pending.
    emulator.strict(LAG_MS);
    let mut imported = emulator.events();
    // A file is a pointer too: a finding Security Hub does not hold, naming the bystander in workload-c.
    let bystander_account = scenario.member("workload-c");
    let mut forged = imported[0].clone();
    forged["detail"]["findings"][0]["Id"] = "forged-by-file".into();
    forged["detail"]["findings"][0]["AwsAccountId"] = bystander_account.clone().into();
    imported.push(forged);
    let dir = std::env::temp_dir().join(format!("riposte-e2e-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let event_file = dir.join("events.json");
    let _ = std::fs::write(&event_file, sqs_event(&imported).to_string());
    let topic = [("RIPOSTE_SNS_TOPIC_ARN", scenario.str("/topic_arn"))];
    let riposte = |args: &[&str]| riposte_tests::riposte(&emulator, &scenario, args, &topic);
    let file = event_file.to_string_lossy().into_owned();

    let plan = riposte(&["plan", "--event", &file, "--output", "json"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap_or_default();
    // Nine (IAM.3 is MEDIUM: notify-only under the default threshold) plus the forged one: `plan`
    // reads the file alone (and the excluded bucket's tag lives on the bucket, which only `remediate`
    // reads).
    assert_eq!(
        plan["findings"]
            .as_array()
            .map(|f| f.iter().filter(|f| f["decision"] == "remediate").count()),
        Some(10)
    );
    assert!(emulator.calls().is_empty(), "plan made AWS calls");

    let run = riposte(&["remediate", "--event", &file, "--output", "json"]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_slice(&run.stdout).unwrap_or_default();
    let statuses: BTreeMap<String, String> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["finding_id"].as_str().unwrap_or_default().to_owned(),
                f["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        statuses[&scenario.finding_id("public-bucket")],
        "remediated"
    );
    assert_eq!(statuses[&scenario.finding_id("sandbox-bucket")], "failed");
    let forged = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["finding_id"] == "forged-by-file"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(forged["decision"], "refused", "{forged}");
    assert!(!emulator
        .calls()
        .iter()
        .any(|c| c["account_id"] == bystander_account.as_str()));
    assert_eq!(report["assume_role_calls"], 3);
    let b = MemberView::new(&emulator, &scenario, &scenario.member("workload-b")).await;
    assert_eq!(
        b.public_access_block(&scenario.str("/incidents/public_bucket/bucket"))
            .await,
        Some([true; 4])
    );
}
