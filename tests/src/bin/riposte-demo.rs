//! `cargo run -p riposte-tests --bin riposte-demo`: Riposte's main job on the local emulator, start to
//! finish. Starts the emulator, builds an organization (hub + 3 members + a sandbox without the spoke
//! role) with the two seed incidents, imports findings shaped like the public samples, runs the hub —
//! wired as the hub stack deploys it: notification topic, audit archive, limits table — through the
//! Lambda code path on the SQS batch EventBridge would deliver, and prints before/after, then what the
//! team is told, what is written back on the finding, and where the audit record is.

use std::collections::BTreeMap;

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use riposte_hub::report::{FindingResult, RunReport};
use riposte_shared::writeback::RiposteStatus;
use riposte_tests::demo::{describe, Shown};
use riposte_tests::{sqs_event, Emulator, MemberView, Scenario};
use serde_json::Value;

/// The scenario's findings, as the manifest lists them.
fn entries(scenario: &Scenario) -> Vec<Value> {
    scenario.manifest["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn text<'a>(entry: &'a Value, key: &str) -> &'a str {
    entry[key].as_str().unwrap_or_default()
}

/// What each finding's row describes: its playbook's target on Security Hub's copy of the finding.
async fn resources(emulator: &Emulator, scenario: &Scenario) -> Vec<Shown> {
    let hub =
        riposte_hub::aws::securityhub::SecurityHub::new(&emulator.sdk(scenario.hub_credentials()));
    let entries = entries(scenario);
    let ids: Vec<String> = entries.iter().map(|e| text(e, "id").to_owned()).collect();
    let found = hub.find_by_ids(&ids).await.unwrap_or_else(|e| {
        eprintln!("riposte-demo: cannot read the findings back ({e}); their resources show as —");
        Vec::new()
    });
    entries
        .iter()
        .map(|e| {
            found
                .iter()
                .find(|f| f.id == text(e, "id"))
                .map(|f| Shown::of_finding(text(e, "kind"), f))
                .unwrap_or(Shown::Other)
        })
        .collect()
}

async fn snapshot(emulator: &Emulator, scenario: &Scenario, shown: &[Shown]) -> Vec<String> {
    let mut views: BTreeMap<String, Result<MemberView, String>> = BTreeMap::new();
    let mut out = Vec::new();
    for (entry, shown) in entries(scenario).iter().zip(shown) {
        let account = text(entry, "account_id").to_owned();
        if !views.contains_key(&account) {
            let view = MemberView::try_new(emulator, scenario, &account).await;
            views.insert(account.clone(), view);
        }
        let view = &views[&account];
        out.push(describe(view, shown).await);
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

fn outcome(result: Option<&FindingResult>) -> String {
    let Some(r) = result else {
        return "—".into();
    };
    let playbook = r.playbook.as_deref().unwrap_or("");
    match r.status {
        Some(RiposteStatus::Remediated) => {
            let left: String = r
                .manual
                .iter()
                .map(|m| format!("\nleft for a human: {m}"))
                .collect();
            format!("remediated ({playbook})\nverified, finding RESOLVED{left}")
        }
        status => format!(
            "{} ({playbook})\n{}",
            status.map(|s| s.as_str()).unwrap_or("-"),
            r.reason
        ),
    }
}

fn table(scenario: &Scenario, report: &RunReport, before: &[String], after: &[String]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(170)
        .set_header(vec![
            "finding",
            "account",
            "resource",
            "before",
            "after",
            "outcome",
            "playbook ms",
        ]);
    for (i, entry) in entries(scenario).iter().enumerate() {
        let result = report
            .findings
            .iter()
            .find(|f| f.finding_id == text(entry, "id"));
        let trigger = entry["control_id"].as_str().unwrap_or("GuardDuty");
        table.add_row(vec![
            format!("{}\n{trigger}", text(entry, "key")),
            member_name(scenario, text(entry, "account_id")),
            text(entry, "resource").to_owned(),
            before.get(i).cloned().unwrap_or_else(|| "—".into()),
            after.get(i).cloned().unwrap_or_else(|| "—".into()),
            outcome(result),
            result
                .map(|r| format!("{:.0}", r.hub_ms))
                .unwrap_or_default(),
        ]);
    }
    table
}

async fn demo() {
    eprintln!("starting the local AWS emulator (the first start builds its Python virtualenv)…");
    let emulator = Emulator::start();
    let scenario = emulator.scenario();
    let events = emulator.events();
    riposte_tests::create_deployed_resources(&emulator, &scenario).await;
    let shown = resources(&emulator, &scenario).await;
    let before = snapshot(&emulator, &scenario, &shown).await;

    let sdk = emulator.sdk(scenario.hub_credentials());
    let engine =
        riposte_hub::cli::engine_from(&sdk, riposte_tests::deployed_config(&scenario), false);
    let started = std::time::Instant::now();
    let (response, report) = match riposte_hub::lambda::run(&engine, sqs_event(&events), None).await
    {
        Ok(done) => done,
        Err(e) => {
            eprintln!("riposte-demo: the hub refused the batch: {e}");
            std::process::exit(1);
        }
    };
    let batch_ms = started.elapsed().as_secs_f64() * 1000.0;
    let after = snapshot(&emulator, &scenario, &shown).await;

    println!("{}", table(&scenario, &report, &before, &after));
    let accounts: std::collections::BTreeSet<&str> = scenario.manifest["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["account_id"].as_str())
        .collect();
    println!(
        "run {}: {} findings in {batch_ms:.0} ms of hub time, {} AssumeRole call(s) for {} member accounts; SQS batchItemFailures: {}",
        report.run,
        report.findings.len(),
        engine.spokes.assume_role_calls(),
        accounts.len(),
        response["batchItemFailures"],
    );
    println!("(the sandbox account has no spoke role yet: its finding fails, is marked NOTIFIED/failed, and its message is retried)");
    riposte_tests::demo_records::print(&emulator, &scenario, &report).await;
}

fn main() {
    // Debug builds of the AWS SDK need a deep stack; run on a worker thread sized for it.
    let runtime = match riposte_hub::cli::runtime() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("riposte-demo: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = runtime.block_on(async { tokio::spawn(demo()).await }) {
        eprintln!("riposte-demo: the demo stopped: {e}");
        std::process::exit(1);
    }
}
