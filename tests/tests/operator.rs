//! Operator control end to end on the emulator, one organization for the whole story: settings read from
//! an SSM parameter and changed without a redeploy, the approval round trip (custom action and CLI, an
//! expired approval refused), blast-radius limits under concurrent hub instances, the kill switch, undo of
//! a bucket and of a user (and its refusal after a manual change), and "ignore". Every assertion reads
//! state back from the emulator.

use riposte_tests::{Emulator, MemberView, Scenario, TEST_SETTINGS};
use serde_json::json;

#[path = "operator/limits.rs"]
mod limits;
#[path = "operator/support.rs"]
mod support;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_steer_approve_limit_pause_and_undo_without_a_redeploy() {
    let logs = Captured::install();
    let emulator = Emulator::start();
    let scenario = emulator.scenario();
    let hub = Hub::set_up(&emulator, &scenario).await;
    let b = scenario.member("workload-b");
    let view_b = MemberView::new(&emulator, &scenario, &b).await;
    let a = scenario.str("/incidents/user_compromise/account_id");
    let view_a = MemberView::new(&emulator, &scenario, &a).await;
    let public = scenario.str("/incidents/public_bucket/bucket");
    let mixed = scenario.str("/incidents/mixed_bucket/bucket");
    let user = scenario.str("/incidents/user_compromise/user_name");
    let public_before = BucketState::read(&view_b, &public).await;
    let keys_before = view_a.keys(&user).await;
    assert!(
        keys_before.iter().any(|(_, active)| *active),
        "{keys_before:?}"
    );

    // 0. `riposte sweep` finds what existed before: --dry-run changes nothing, then it fixes.
    let default_group = scenario.finding_id("default-group");
    let group = scenario.str("/incidents/security_groups/default_group");
    let rules_before = view_b.group_rules(&group).await;
    assert!(!rules_before.is_empty());
    let (code, out, err) = hub.cli(
        &emulator,
        &scenario,
        &["sweep", "--control", "EC2.2", "--dry-run"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let planned: Vec<serde_json::Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        planned
            .iter()
            .any(|f| f["finding_id"] == default_group.as_str() && f["decision"] == "remediate"),
        "{out}"
    );
    assert_eq!(
        view_b.group_rules(&group).await,
        rules_before,
        "a dry run changes nothing"
    );
    assert_eq!(hub.finding(&default_group).await.workflow, "NEW");
    let (code, out, err) = hub.cli(&emulator, &scenario, &["sweep", "--control", "EC2.2"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        hub.finding(&default_group).await.field("riposte:status"),
        "remediated"
    );
    assert!(
        view_b.group_rules(&group).await.is_empty(),
        "the default group allows nothing"
    );

    // 1. The settings parameter makes both playbooks wait for approval.
    hub.put_settings(&format!(
        "{TEST_SETTINGS}\n[limits]\nper_account_per_hour = 2\n[playbooks]\npublic-bucket = \"approve\"\ncredential-compromise = \"approve\"\n"
    ))
    .await;
    let engine = hub.engine(&emulator, &scenario);
    let ids = ["public-bucket", "mixed-bucket", "user-compromise"].map(|k| scenario.finding_id(k));
    hub.lambda(
        &engine,
        &ids.iter().map(|id| hub.imported(id)).collect::<Vec<_>>(),
    )
    .await;
    for id in &ids {
        let f = hub.finding(id).await;
        assert_eq!(
            (f.workflow.as_str(), f.field("riposte:status")),
            ("NOTIFIED", "awaiting-approval"),
            "{id}"
        );
        assert!(
            f.field("riposte:expires").ends_with('Z') && f.field("riposte:fingerprint").len() == 16,
            "{f:?}"
        );
    }
    assert_eq!(
        BucketState::read(&view_b, &public).await,
        public_before,
        "nothing changes while it waits"
    );
    assert_eq!(view_a.keys(&user).await, keys_before);

    // 2. "Riposte: approve" on the public bucket runs its playbook; who approved is on the finding.
    let approve = hub.custom_action(&ids[0], "RiposteApprove", "Riposte: approve", 0);
    let report = hub.lambda(&engine, &[approve]).await;
    let f = hub.finding(&ids[0]).await;
    assert_eq!(
        (f.workflow.as_str(), f.field("riposte:status")),
        ("RESOLVED", "remediated"),
        "{report:#}"
    );
    assert!(
        f.field("riposte:approved-by").contains("Riposte: approve"),
        "{f:?}"
    );
    assert_eq!(view_b.public_access_block(&public).await, Some([true; 4]));

    // 3. An approval after the expiry is refused: the user keeps its keys.
    let late = hub.custom_action(&ids[2], "RiposteApprove", "Riposte: approve", 25 * 3600);
    let report = hub.lambda(&engine, &[late]).await;
    assert!(report.to_string().contains("expired"), "{report}");
    assert_eq!(
        hub.finding(&ids[2]).await.field("riposte:status"),
        "awaiting-approval"
    );
    assert_eq!(view_a.keys(&user).await, keys_before);

    // 4. `riposte approve` from a workstation: the user is contained, the mixed bucket closed.
    let (code, out, err) = hub.cli(
        &emulator,
        &scenario,
        &["approve", &ids[2], &ids[1], "--output", "json"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(view_a.keys(&user).await.iter().all(|(_, active)| !active));
    assert_eq!(view_b.policy_is_public(&mixed).await, Some(false));
    let f = hub.finding(&ids[2]).await;
    assert!(
        f.field("riposte:approved-by").starts_with("arn:aws:sts::"),
        "{f:?}"
    );

    // 5. A settings change applies to the running hub within its TTL, without a redeploy: public
    // buckets back to automatic, compromised credentials to notify-only.
    hub.put_settings(&format!(
        "{TEST_SETTINGS}\n[limits]\nper_account_per_hour = 2\n[playbooks]\ncredential-compromise = \"notify\"\n"
    ))
    .await;
    hub.wait_ttl().await;
    let role = scenario.finding_id("role-compromise");
    hub.lambda(&engine, &[hub.imported(&role)]).await;
    let f = hub.finding(&role).await;
    assert_eq!(f.field("riposte:status"), "notify-only");
    assert!(f.note.contains("set to notify in the settings"), "{f:?}");

    // 6. Two hub instances at once, three automatic findings in one account, at most two per hour, one
    // of which the sweep already took (analysts' approvals are not counted). excluded-bucket's tag is
    // on the live bucket: it takes a count like the others.
    let second = hub.engine(&emulator, &scenario);
    let capped =
        ["world-open-ssh", "hidden-acl-bucket", "excluded-bucket"].map(|k| scenario.finding_id(k));
    let drained_before = hub.notices().await;
    let first_batch = [hub.imported(&capped[0]), hub.imported(&capped[1])];
    let second_batch = [hub.imported(&capped[2])];
    let reports = tokio::join!(
        hub.lambda(&engine, &first_batch),
        hub.lambda(&second, &second_batch),
    );
    let mut statuses = Vec::new();
    for id in &capped {
        let f = hub.finding(id).await;
        if f.field("riposte:status") == "awaiting-approval" {
            assert!(f.note.contains("blast-radius limit"), "{f:?}");
        }
        statuses.push(f.field("riposte:status").to_owned());
    }
    let waiting = statuses
        .iter()
        .filter(|s| *s == "awaiting-approval")
        .count();
    let ran = statuses
        .iter()
        .filter(|s| *s == "remediated" || *s == "excluded")
        .count();
    assert_eq!((waiting, ran), (2, 1), "{statuses:?} {reports:#?}");
    let notices = hub.notices().await;
    let limit_notices = notices
        .iter()
        .filter(|n| n.contains("blast-radius limit"))
        .count();
    assert_eq!(
        limit_notices, 1,
        "told once: {notices:#?} (before: {drained_before:?})"
    );
    limits::hold_under_concurrency(&emulator, &scenario).await;

    // 7. The kill switch, read first and on its own: with a settings document that has just become
    // invalid (the last good one stays), an automatic fix becomes notify-only.
    hub.put_kill_switch("on").await;
    hub.put_settings("[remediation]\nseverity_threshold = \"LOUD\"\n")
        .await;
    hub.wait_ttl().await;
    let old_keys = scenario.finding_id("old-keys");
    let laggard = scenario.str("/incidents/old_keys/user_name");
    let old_account = scenario.str("/incidents/old_keys/account_id");
    let view_old = MemberView::new(&emulator, &scenario, &old_account).await;
    let laggard_keys = view_old.keys(&laggard).await;
    hub.lambda(&engine, &[hub.imported(&old_keys)]).await;
    let f = hub.finding(&old_keys).await;
    assert_eq!(f.field("riposte:status"), "notify-only");
    assert!(f.note.contains("kill switch"), "{f:?}");
    assert_eq!(view_old.keys(&laggard).await, laggard_keys);
    hub.put_settings("").await;
    kill_switch_levels(
        &emulator, &scenario, &hub, &engine, &ids[0], &view_b, &public,
    )
    .await;
    hub.put_kill_switch("off").await;
    hub.wait_ttl().await;

    // 8. "Riposte: undo" puts the bucket back exactly; the next Imported event does not redo it.
    let undo = hub.custom_action(&ids[0], "RiposteUndo", "Riposte: undo", 0);
    hub.lambda(&engine, &[undo]).await;
    assert_eq!(BucketState::read(&view_b, &public).await, public_before);
    let f = hub.finding(&ids[0]).await;
    assert_eq!(
        (f.workflow.as_str(), f.field("riposte:status")),
        ("NOTIFIED", "undone")
    );
    hub.lambda(&engine, &[hub.imported(&ids[0])]).await;
    assert_eq!(BucketState::read(&view_b, &public).await, public_before);

    // 9. `riposte undo RUN_ID` undoes what the CLI approval run did: the user gets its keys back and
    // loses AWSDenyAll; the mixed bucket, whose policy was changed by hand since, is refused (exit 1),
    // saying what changed, and keeps the manual policy.
    let manual = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Manual", "Effect": "Deny",
        "Principal": "*", "Action": "s3:DeleteBucket", "Resource": format!("arn:aws:s3:::{mixed}")}]});
    view_b
        .s3
        .put_bucket_policy()
        .bucket(&mixed)
        .policy(manual.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let run = hub.finding(&ids[2]).await.field("riposte:run").to_owned();
    assert_eq!(
        run,
        hub.finding(&ids[1]).await.field("riposte:run"),
        "one approval run"
    );
    let (code, out, err) = hub.cli(&emulator, &scenario, &["undo", &run]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("bucket policy differs"), "{out}");
    assert_eq!(view_a.keys(&user).await, keys_before);
    assert!(!view_a
        .attached(&user)
        .await
        .iter()
        .any(|p| p.ends_with("/AWSDenyAll")));
    assert_eq!(hub.finding(&ids[2]).await.field("riposte:status"), "undone");
    assert_eq!(
        view_b.policy_sids(&mixed).await,
        Some(vec!["Manual".to_owned()])
    );
    assert_eq!(
        hub.finding(&ids[1]).await.field("riposte:status"),
        "remediated"
    );

    // 10. "Riposte: ignore" suppresses a finding with a note.
    let sandbox = scenario.finding_id("sandbox-bucket");
    let ignore = hub.custom_action(&sandbox, "RiposteIgnore", "Riposte: ignore", 0);
    hub.lambda(&engine, &[ignore]).await;
    let f = hub.finding(&sandbox).await;
    assert_eq!(
        (f.workflow.as_str(), f.field("riposte:status")),
        ("SUPPRESSED", "ignored")
    );

    // 11. `riposte spokes verify`, as the hub role (--hub-role-arn): the sandbox has no spoke role, the
    // workloads answer; exit 1.
    let hub_role = scenario.str("/hub_role_arn");
    let verify = [
        "spokes",
        "verify",
        "--output",
        "json",
        "--hub-role-arn",
        hub_role.as_str(),
    ];
    let (code, out, err) = hub.cli(&emulator, &scenario, &verify);
    assert_eq!(code, 1, "{out}\n{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap_or_default();
    let health = |account: &str| {
        rows.iter()
            .find(|r| r["account"] == account)
            .map(|r| r["health"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(health(&scenario.member("sandbox")), "role-missing", "{out}");
    for name in ["workload-a", "workload-b", "workload-c"] {
        assert_eq!(health(&scenario.member(name)), "ok", "{name}: {out}");
    }
    // 12. Scope by OU and account: with the sandbox's OU excluded, it is out of scope and every in-scope
    // account is ok.
    let sandboxes = hub
        .move_to_new_ou(&emulator, &scenario, &scenario.member("sandbox"))
        .await;
    // The management and security accounts get no spoke role from the StackSet: out of scope by id.
    let (management, security) = (
        scenario.str("/management_account"),
        scenario.str("/hub_account"),
    );
    hub.put_settings(&format!(
        "{TEST_SETTINGS}\n[scope]\nexclude_ous = [\"{sandboxes}\"]\nexclude_accounts = [\"{management}\", \"{security}\"]\n"
    ))
    .await;
    let (code, out, err) = hub.cli(&emulator, &scenario, &verify);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("out-of-scope"), "{out}");

    // 13. `riposte actions create` makes the four custom actions once.
    let (code, out, _) = hub.cli(&emulator, &scenario, &["actions", "create"]);
    assert_eq!((code, out.matches("created").count()), (0, 4), "{out}");
    let (code, out, _) = hub.cli(&emulator, &scenario, &["actions", "create"]);
    assert_eq!((code, out.matches("exists").count()), (0, 4), "{out}");

    // 14. Nothing the hub logged, archived, notified or printed holds a secret: not the hub's keys, not
    // any session STS issued (spoke sessions included), not the values of the secrets it rotated.
    let mut needles: Vec<String> = emulator
        .issued_credentials()
        .iter()
        .flat_map(|c| [c["secret_access_key"].clone(), c["session_token"].clone()])
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    needles.push(scenario.str("/hub_credentials/secret_access_key"));
    needles.push(scenario.str("/hub_credentials/session_token"));
    needles.extend(secret_values(&view_a, &scenario).await);
    assert!(needles.len() >= 10, "{} secrets to look for", needles.len());
    let mut haystacks = hub.audit_records(&scenario).await;
    assert!(!haystacks.is_empty(), "audit records archived");
    haystacks.push(logs.text());
    assert!(
        logs.text().contains("riposte::audit"),
        "the hub's logs were captured"
    );
    hub.notices().await;
    haystacks.extend(hub.shown.lock().map(|s| s.clone()).unwrap_or_default());
    for needle in needles.iter().filter(|n| n.len() >= 8) {
        for (i, hay) in haystacks.iter().enumerate() {
            assert!(
                !hay.contains(needle.as_str()),
                "a secret leaked into output #{i}"
            );
        }
    }
}

/// The switch at `all` stops an analyst's undo too (the bucket stays as the fix left it); a switch
/// parameter that goes missing pauses, as `riposte config show` reads it with the hub's wiring.
async fn kill_switch_levels(
    emulator: &Emulator,
    scenario: &Scenario,
    hub: &Hub,
    engine: &riposte_hub::cli::HubEngine,
    finding: &str,
    view: &MemberView,
    bucket: &str,
) {
    let fixed = BucketState::read(view, bucket).await;
    hub.put_kill_switch("all").await;
    hub.wait_ttl().await;
    let undo = hub.custom_action(finding, "RiposteUndo", "Riposte: undo", 0);
    hub.lambda(engine, &[undo]).await;
    assert_eq!(BucketState::read(view, bucket).await, fixed);
    let (_, out, err) = hub.cli(emulator, scenario, &["config", "show"]);
    assert!(out.contains("# kill switch: ALL"), "{out}{err}");
    hub.delete_kill_switch().await;
    let (_, out, err) = hub.cli(emulator, scenario, &["config", "show"]);
    assert!(
        out.contains("# kill switch: ON"),
        "a missing switch pauses: {out}{err}"
    );
}
