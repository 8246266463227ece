//! `cargo run -p riposte-tests --bin riposte-demo`: Riposte's main job on the local emulator, start to
//! finish. Starts the emulator, builds an organization (hub + 3 members + a sandbox without the spoke
//! role) with the two seed incidents, imports findings shaped like the public samples, runs the hub
//! through the Lambda code path on the SQS batch EventBridge would deliver, and prints before/after.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use riposte_tests::{sqs_event, Emulator, MemberView, Scenario};

/// What a finding's resource looks like, in one line.
async fn describe(view: &MemberView, kind: &str, resource: &str, scenario: &Scenario) -> String {
    match kind {
        "credential-compromise"
            if resource == scenario.str("/incidents/role_compromise/role_name") =>
        {
            match view
                .role_policy(resource, "RiposteRevokeOlderSessions")
                .await
            {
                Some(p) => format!(
                    "sessions issued before {} denied",
                    p["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"]
                        .as_str()
                        .unwrap_or("?")
                ),
                None => "stolen session credentials valid".into(),
            }
        }
        "credential-compromise" => {
            let keys = view.keys(resource).await;
            let active = keys.iter().filter(|(_, a)| *a).count();
            let deny = view
                .attached(resource)
                .await
                .iter()
                .any(|p| p.ends_with("/AWSDenyAll"));
            format!(
                "{active}/{} access keys active · AWSDenyAll: {}",
                keys.len(),
                if deny { "yes" } else { "no" }
            )
        }
        _ => {
            let bpa = match view.public_access_block(resource).await {
                Some(b) if b.iter().all(|x| *x) => "BPA on".to_string(),
                Some(_) => "BPA off".into(),
                None => "BPA unset".into(),
            };
            let acl = if view.acl_is_public(resource).await {
                "ACL public"
            } else {
                "ACL private"
            };
            let policy = match view.policy_sids(resource).await {
                Some(sids) => format!("policy: {}", sids.join(", ")),
                None => "no policy".into(),
            };
            format!("{bpa} · {acl} · {policy}")
        }
    }
}

async fn snapshot(emulator: &Emulator, scenario: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for finding in scenario.manifest["findings"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let account = finding["account_id"].as_str().unwrap_or_default();
        let view = MemberView::new(emulator, scenario, account).await;
        let kind = finding["kind"].as_str().unwrap_or_default();
        out.push(
            describe(
                &view,
                kind,
                finding["resource"].as_str().unwrap_or_default(),
                scenario,
            )
            .await,
        );
    }
    out
}

fn member_name(scenario: &Scenario, account: &str) -> String {
    scenario.manifest["members"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["account_id"] == account))
        .and_then(|m| m["name"].as_str())
        .map(|name| format!("{name}\n{account}"))
        .unwrap_or_else(|| account.to_owned())
}

async fn demo() {
    eprintln!("starting the local AWS emulator (the first start builds its Python virtualenv)…");
    let emulator = Emulator::start();
    let scenario = emulator.scenario();
    let events = emulator.events();
    let before = snapshot(&emulator, &scenario).await;

    let sdk = emulator.sdk(scenario.hub_credentials());
    let engine = riposte_hub::cli::engine_from(&sdk, scenario.hub_config(), false);
    let started = std::time::Instant::now();
    let (response, report) = riposte_hub::lambda::run(&engine, sqs_event(&events), None)
        .await
        .unwrap_or_else(|e| panic!("hub: {e}"));
    let batch_ms = started.elapsed().as_secs_f64() * 1000.0;
    let after = snapshot(&emulator, &scenario).await;

    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(170);
    table.set_header(vec![
        "finding",
        "account",
        "resource",
        "before",
        "after",
        "outcome",
        "playbook ms",
    ]);
    for (i, finding) in scenario.manifest["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let id = finding["id"].as_str().unwrap_or_default();
        let result = report.findings.iter().find(|f| f.finding_id == id);
        let outcome = result
            .map(|r| match r.status {
                Some(riposte_shared::writeback::RiposteStatus::Remediated) => {
                    let left: Vec<String> = r
                        .manual
                        .iter()
                        .map(|m| format!("\nleft for a human: {m}"))
                        .collect();
                    format!(
                        "remediated ({})\nverified, finding RESOLVED{}",
                        r.playbook.as_deref().unwrap_or(""),
                        left.concat()
                    )
                }
                status => format!(
                    "{} ({})\n{}",
                    status.map(|s| s.as_str()).unwrap_or("-"),
                    r.playbook.as_deref().unwrap_or(""),
                    r.reason
                ),
            })
            .unwrap_or_default();
        let label = format!(
            "{}\n{}",
            finding["key"].as_str().unwrap_or_default(),
            finding["control_id"].as_str().unwrap_or("GuardDuty")
        );
        table.add_row(vec![
            label,
            member_name(
                &scenario,
                finding["account_id"].as_str().unwrap_or_default(),
            ),
            finding["resource"].as_str().unwrap_or_default().to_owned(),
            before.get(i).cloned().unwrap_or_default(),
            after.get(i).cloned().unwrap_or_default(),
            outcome,
            result
                .map(|r| format!("{:.0}", r.hub_ms))
                .unwrap_or_default(),
        ]);
    }
    println!("{table}");
    println!(
        "run {}: {} findings in {batch_ms:.0} ms of hub time, {} AssumeRole call(s) for {} member accounts; SQS batchItemFailures: {}",
        report.run,
        report.findings.len(),
        engine.spokes.assume_role_calls(),
        scenario.manifest["findings"].as_array().map(|f| f.iter().filter_map(|f| f["account_id"].as_str()).collect::<std::collections::BTreeSet<_>>().len()).unwrap_or(0),
        response["batchItemFailures"],
    );
    println!("(the sandbox account has no spoke role yet: its finding fails, is marked NOTIFIED/failed, and its message is retried)");
}

fn main() {
    // Debug builds of the AWS SDK need a deep stack; run on a worker thread sized for it.
    let runtime = riposte_hub::cli::runtime().unwrap_or_else(|e| panic!("runtime: {e}"));
    runtime
        .block_on(async { tokio::spawn(demo()).await })
        .unwrap_or_else(|e| panic!("demo: {e}"));
}
