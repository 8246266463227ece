//! End to end against the local emulator, the coverage playbooks: the coverage scenario plants one failing
//! resource per playbook in workload-b with a bystander beside it (same account or workload-c), imports
//! the findings in their real shapes, and the Lambda handler runs them. Every assertion reads state
//! back from the emulator (moto models each call used here: `../shared/reference/controls.md`).

#[path = "coverage/account_bpa.rs"]
mod account_bpa;
#[path = "coverage/data_services.rs"]
mod data_services;
#[path = "coverage/databases.rs"]
mod databases;
#[path = "coverage/instances.rs"]
mod instances;
#[path = "coverage/misuse.rs"]
mod misuse;
#[path = "coverage/shared_resources.rs"]
mod shared_resources;
#[path = "coverage/vulnerabilities.rs"]
mod vulnerabilities;

use instances::{http_tokens, isolation_view};
use riposte_tests::{iam_action, member_calls, sqs_event, Emulator, MemberView, Scenario};
use serde_json::Value;
use std::collections::BTreeMap;

/// How long the hub's reads lag its writes here: an unretried read-back right after a write sees the old
/// value, a retried one (0.25 s, then 0.5 s) the new.
const LAG_MS: u64 = 400;

async fn run_lambda(emulator: &Emulator, scenario: &Scenario, events: &[Value]) -> Value {
    let sdk = emulator.sdk(scenario.hub_credentials());
    let engine = riposte_hub::cli::engine_from(&sdk, scenario.hub_config(), false);
    riposte_hub::lambda::handle(&engine, sqs_event(events), None)
        .await
        .unwrap_or_else(|e| panic!("handler: {e}"))
}

/// Security Hub's copy of one finding, as JSON (the shape a custom action event carries).
async fn finding_json(emulator: &Emulator, scenario: &Scenario, id: &str) -> Value {
    let imported = emulator.events();
    imported
        .iter()
        .flat_map(|e| {
            e["detail"]["findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|f| f["Id"] == id)
        .unwrap_or_else(|| {
            panic!(
                "no Imported event for {id} ({})",
                scenario.str("/hub_account")
            )
        })
}

/// (workflow status, riposte:status, note) per finding id.
async fn outcomes(
    emulator: &Emulator,
    scenario: &Scenario,
) -> BTreeMap<String, (String, String, String)> {
    let hub = aws_sdk_securityhub::Client::new(&emulator.sdk(scenario.hub_credentials()));
    let page = hub
        .get_findings()
        .max_results(100)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    page.findings()
        .iter()
        .map(|f| {
            let status = f
                .user_defined_fields()
                .and_then(|u| u.get("riposte:status"))
                .cloned()
                .unwrap_or_default();
            (
                f.id().unwrap_or_default().to_owned(),
                (
                    f.workflow()
                        .and_then(|w| w.status())
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    status,
                    f.note()
                        .and_then(|n| n.text())
                        .unwrap_or_default()
                        .to_owned(),
                ),
            )
        })
        .collect()
}

async fn password_policy(view: &MemberView) -> Option<aws_sdk_iam::types::PasswordPolicy> {
    let out = view.iam.get_account_password_policy().send().await.ok()?;
    out.password_policy().cloned()
}

async fn ebs_default(view: &MemberView) -> bool {
    let out = view.ec2.get_ebs_encryption_by_default().send().await;
    out.ok()
        .and_then(|o| o.ebs_encryption_by_default())
        .unwrap_or(false)
}

async fn maps_public_ip(view: &MemberView, subnet: &str) -> Option<bool> {
    let out = view
        .ec2
        .describe_subnets()
        .subnet_ids(subnet)
        .send()
        .await
        .ok()?;
    out.subnets().first()?.map_public_ip_on_launch()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_coverage_playbook_fixes_its_resource_and_leaves_the_bystander() {
    let emulator = Emulator::start();
    let scenario = emulator.scenario_set("coverage");
    // AWS's consistency: the hub's reads lag its writes, RDS/Redshift changes go pending.
    emulator.strict(LAG_MS);
    let imported = emulator.events();
    assert_eq!(
        imported.len(),
        31,
        "the coverage scenario imports thirty-one findings"
    );
    let response = run_lambda(&emulator, &scenario, &imported).await;
    assert_eq!(
        response["batchItemFailures"],
        serde_json::json!([]),
        "{response}"
    );
    let calls = emulator.calls();

    let b = MemberView::new(&emulator, &scenario, &scenario.member("workload-b")).await;
    let c = MemberView::new(&emulator, &scenario, &scenario.member("workload-c")).await;

    // IAM.15 raised the length; every other field stays as the owner set it. IAM.16 (LOW, below the
    // MEDIUM threshold) is notify-only, so reuse prevention is still 5. workload-c is untouched.
    let policy = password_policy(&b)
        .await
        .unwrap_or_else(|| panic!("no policy in b"));
    assert_eq!(policy.minimum_password_length(), Some(14));
    assert_eq!(policy.password_reuse_prevention(), Some(5));
    assert_eq!(policy.max_password_age(), Some(60));
    assert!(policy.require_numbers() && policy.allow_users_to_change_password());
    assert_eq!(policy.hard_expiry(), Some(true));
    let bystander = password_policy(&c)
        .await
        .unwrap_or_else(|| panic!("no policy in c"));
    assert_eq!(bystander.minimum_password_length(), Some(8));

    // EC2.7: on in workload-b's region, still off in workload-c.
    assert!(ebs_default(&b).await);
    assert!(!ebs_default(&c).await);

    // EC2.15: the finding's subnet stops assigning public addresses; its sibling still does.
    let subnet = scenario.str("/incidents/subnet/subnet_id");
    assert_eq!(maps_public_ip(&b, &subnet).await, Some(false));
    let sibling = scenario.str("/bystanders/subnet/subnet_id");
    assert_eq!(maps_public_ip(&b, &sibling).await, Some(true));

    // S3.5: the deny is added beside the log-delivery statement; the bystander bucket has no policy.
    let bucket = scenario.str("/incidents/tls_bucket/bucket");
    assert_eq!(
        b.policy_sids(&bucket).await,
        Some(vec![
            "AllowLogDelivery".into(),
            "RiposteDenyInsecureTransport".into()
        ])
    );
    let plain = scenario.str("/bystanders/tls_bucket/bucket");
    assert_eq!(b.policy_sids(&plain).await, None);

    // IAM.8: the dormant user's keys are inactive and its password gone; the recent user keeps both.
    for (who, active, password) in [("incidents", false, false), ("bystanders", true, true)] {
        let user = scenario.str(&format!("/{who}/dormant_user/user_name"));
        let keys = b.keys(&user).await;
        assert!(
            keys.len() == 2 && keys.iter().all(|(_, a)| *a == active),
            "{user}: {keys:?}"
        );
        let profile = b.iam.get_login_profile().user_name(&user).send().await;
        assert_eq!(profile.is_ok(), password, "{user}");
    }

    // SQS.1, DynamoDB.2, KMS.4, CloudTrail.4, ECR.1; RDS.1, RDS.11, RDS.13.
    data_services::assert_fixed_beside_untouched(&b, &scenario).await;
    data_services::assert_function_policies(&b, &scenario).await;
    shared_resources::assert_before_approval(&b, &scenario).await;
    shared_resources::assert_access_logging(&b, &scenario).await;
    shared_resources::assert_flow_logs(&b, &scenario).await;
    databases::assert_fixed_beside_untouched(&b, &scenario).await;
    databases::assert_snapshots(&b, &c, &scenario).await;
    // RDS.2 waits for an analyst.
    let public_db = scenario.str("/incidents/databases/public_instance");
    assert!(databases::instance(&b, &public_db).await.0);

    // EC2.8 waits for an analyst: nothing changed yet. Its metadata endpoint is off, and stays off.
    let instance = scenario.str("/incidents/imdsv2/instance_id");
    assert_eq!(
        http_tokens(&b, &instance).await.as_deref(),
        Some("optional/disabled")
    );

    let state = outcomes(&emulator, &scenario).await;
    vulnerabilities::assert_reported(&emulator, &scenario, &state, &calls).await;
    account_bpa::assert_awaiting(&b, &c, &scenario, &state).await;
    let of = |key: &str| state[&scenario.finding_id(key)].clone();
    for key in [
        "password-length",
        "ebs-encryption",
        "subnet-public-ip",
        "plain-http-bucket",
        "plain-queue",
        "table-without-recovery",
        "key-without-rotation",
        "trail-without-validation",
        "repository-without-scanning",
        "dormant-user",
        "db-backups",
        "db-minor-upgrades",
        "public-db-snapshot",
        "public-snapshots",
        "public-function",
        "public-document",
        "trail-without-encryption",
        "plain-topic",
        "unlogged-bucket",
        "vpc-without-flow-logs",
    ] {
        let (workflow, status, note) = of(key);
        assert_eq!(
            (workflow.as_str(), status.as_str()),
            ("RESOLVED", "remediated"),
            "{key}: {note}"
        );
    }
    let (workflow, status, note) = of("console-without-mfa");
    assert_eq!(
        (workflow.as_str(), status.as_str()),
        ("NOTIFIED", "notify-only")
    );
    assert!(note.contains("MFA cannot be enrolled"), "{note}");
    let (_, status, note) = of("password-reuse");
    assert_eq!(status, "notify-only", "{note}");
    let (workflow, status, _) = of("imdsv1-instance");
    assert_eq!(
        (workflow.as_str(), status.as_str()),
        ("NOTIFIED", "awaiting-approval")
    );
    // The crypto-mining instance waits for an analyst too; the brute-forced one is the victim.
    let (_, status, _) = of("crypto-mining-instance");
    assert_eq!(status, "awaiting-approval");
    let (_, status, note) = of("brute-forced-instance");
    assert!(
        status == "notify-only" && note.contains("TARGET"),
        "{status}: {note}"
    );
    let miner = scenario.str("/incidents/compromised_instance/instance_id");
    let app_group = scenario.str("/incidents/compromised_instance/groups/0");
    assert_eq!(
        isolation_view(&b, &miner).await,
        (vec![app_group.clone()], true)
    );

    // The notify-only MFA finding made no call about its user.
    let mfa_user = scenario.str("/incidents/mfa/user_name");
    assert!(
        !calls.iter().any(|c| c.to_string().contains(&mfa_user)),
        "a call named {mfa_user}"
    );
    // Every member call is one the catalogue declares.
    let declared: Vec<&str> = riposte_shared::catalogue::all_grants()
        .iter()
        .map(|g| g.action)
        .collect();
    let member = member_calls(&calls, &scenario.str("/hub_account"));
    assert!(member.len() >= 12, "{member:?}");
    for call in member {
        assert!(
            declared.contains(&iam_action(call).as_str()),
            "undeclared call {call}"
        );
        if call["service"] == "s3" {
            assert_eq!(call["expected_bucket_owner"], call["account_id"], "{call}");
        }
    }

    // The analyst approves EC2.8 and the isolation through the custom action: now they run.
    let mut approved = Vec::new();
    let approve = [
        "imdsv1-instance",
        "crypto-mining-instance",
        "public-db",
        "partner-bucket",
        "public-cluster",
        "account-bpa",
    ];
    for key in approve {
        approved.push(finding_json(&emulator, &scenario, &scenario.finding_id(key)).await);
    }
    let hub_account = scenario.str("/hub_account");
    let approval = serde_json::json!({
        "version": "0", "id": "approval", "detail-type": "Security Hub Findings - Custom Action",
        "source": "aws.securityhub", "account": hub_account, "region": "us-east-1",
        "resources": [format!("arn:aws:securityhub:us-east-1:{hub_account}:action/custom/RiposteRemediate")],
        "detail": { "actionName": "Riposte: remediate", "actionDescription": "Run the Riposte playbook now",
                    "findings": approved },
    });
    let response = run_lambda(&emulator, &scenario, &[approval]).await;
    assert_eq!(
        response["batchItemFailures"],
        serde_json::json!([]),
        "{response}"
    );
    // IMDSv2 required, and the endpoint the team turned off is not turned back on (the request omits
    // HttpEndpoint: "the existing state is maintained").
    assert_eq!(
        http_tokens(&b, &instance).await.as_deref(),
        Some("required/disabled")
    );
    let other = scenario.str("/bystanders/imdsv2/instance_id");
    assert_eq!(
        http_tokens(&b, &other).await.as_deref(),
        Some("optional/enabled")
    );

    // Isolated: its interface in a group with no rule, no profile, a snapshot kept, the role's
    // credentials issued to it denied. The neighbour keeps its group.
    let (groups, profile) = isolation_view(&b, &miner).await;
    assert!(!profile, "the instance profile is still attached");
    assert_eq!(groups.len(), 1);
    assert_ne!(groups[0], app_group);
    let rules = b.group_rules(&groups[0]).await;
    assert!(rules.is_empty(), "{rules:?}");
    let neighbour = scenario.str("/incidents/attacked_instance/instance_id");
    assert_eq!(isolation_view(&b, &neighbour).await.0, vec![app_group]);
    let snapshots = b.ec2.describe_snapshots().owner_ids("self").send().await;
    let evidence = snapshots
        .map(|o| {
            o.snapshots()
                .iter()
                .filter(|s| s.description().is_some_and(|d| d.contains(&miner)))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(evidence, 1);
    let role = scenario.str("/incidents/compromised_instance/role");
    let deny = b
        .role_policy(&role, &format!("RiposteIsolatedInstance-{miner}"))
        .await
        .unwrap_or_default();
    assert!(deny.to_string().contains(&miner), "{deny}");

    let after = outcomes(&emulator, &scenario).await;
    assert!(
        !databases::instance(&b, &public_db).await.0,
        "RDS.2 approved: private"
    );
    shared_resources::assert_after_approval(&b, &scenario).await;
    account_bpa::assert_blocked(&b, &c, &scenario).await;
    misuse::grants_cannot_be_turned_around(&emulator, &scenario).await;
    for key in approve {
        let (workflow, status, note) = after[&scenario.finding_id(key)].clone();
        assert_eq!(
            (workflow.as_str(), status.as_str()),
            ("RESOLVED", "remediated"),
            "{key}: {note}"
        );
    }
}
