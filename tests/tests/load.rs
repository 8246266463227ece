//! Load with nothing lost (issue 12, item 3): N findings (default 1,000: N/2 compromised users, then N/2 public
//! buckets, all in workload-a, one region) through the Lambda handler in SQS batches of 100, handled by H hub
//! instances at once (default 2), with L ms of latency injected by the emulator on every AWS call (default 5).
//! Every finding must end remediated in Security Hub's copy; AssumeRole = one per (account, region) per
//! instance; BatchUpdateFindings ≤ 2·⌈N/100⌉ (outcomes are uniform per batch); the per-account cap holds,
//! measured as the emulator's peak of calls in flight in the account (≤ max_per_account × H). Wall time, hub
//! CPU per finding and peak memory are printed, never asserted.
//!
//! The 10,000-finding run (one account and region here, not 20 × 2: the scenario has three spoke accounts):
//! `RIPOSTE_LOAD_FINDINGS=10000 RIPOSTE_LOAD_LATENCY_MS=30 cargo test --release -p riposte-tests --test load -- --nocapture`

use futures::future::join_all;
use riposte_tests::{audit_bucket, create_audit_bucket, sqs_event, Emulator};
use serde_json::Value;
use std::time::Instant;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_findings_is_absorbed_with_nothing_lost() {
    let findings = setting("RIPOSTE_LOAD_FINDINGS", 1_000).max(2);
    let latency = setting("RIPOSTE_LOAD_LATENCY_MS", 5) as u64;
    let instances = setting("RIPOSTE_LOAD_INSTANCES", 2).max(1);
    let emulator = Emulator::start();
    let count = (findings / 2).to_string();
    let scenario = emulator.scenario_with(&["--set", "batch", "--count", &count]);
    create_audit_bucket(&emulator, &scenario).await;
    let hub = scenario.str("/hub_account");
    let account = scenario.str("/incidents/users/account_id");
    let events = emulator.events();
    let n = events.len();
    let config = scenario.hub_config();
    let cap = config.max_per_account;

    let containers: Vec<riposte_hub::cli::HubEngine> = (0..instances)
        .map(|_| {
            let mut config = scenario.hub_config();
            config.audit_bucket = Some((audit_bucket(&scenario), hub.clone()));
            riposte_hub::cli::engine_from(&emulator.sdk(scenario.hub_credentials()), config, false)
        })
        .collect();
    // Users first, then buckets (the scenario's import order): every batch of 100 is one playbook.
    let batches: Vec<&[Value]> = events.chunks(100).collect();
    emulator.latency(latency);
    emulator.clear_calls();
    let _ = ureq::delete(&format!("{}/_riposte/inflight", emulator.url)).call();
    let (cpu_before, _) = riposte_tests::process_usage();
    let started = Instant::now();
    let runs = containers.iter().enumerate().map(|(i, container)| {
        let mine: Vec<&[Value]> = batches.iter().skip(i).step_by(instances).copied().collect();
        async move {
            let mut redelivered = Vec::new();
            for batch in mine {
                let response = riposte_hub::lambda::handle(container, sqs_event(batch), None)
                    .await
                    .unwrap_or_else(|e| panic!("handler: {e}"));
                redelivered.extend(
                    response["batchItemFailures"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            redelivered
        }
    });
    let redelivered: Vec<Value> = join_all(runs).await.into_iter().flatten().collect();
    let wall = started.elapsed().as_secs_f64();
    let (cpu_after, peak_mib) = riposte_tests::process_usage();
    emulator.latency(0);
    let peaks: Value = ureq::get(&format!("{}/_riposte/inflight", emulator.url))
        .call()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_json()
        .unwrap_or_else(|e| panic!("{e}"));
    let calls = emulator.calls();
    let table = riposte_tests::tally(&calls);
    let peak = peaks["peak"][&account].as_u64().unwrap_or(0) as usize;
    println!("load: {n} findings, {instances} instances, {latency} ms per call, batches of 100");
    println!("  wall {wall:.1} s, {:.1} findings/s", n as f64 / wall);
    println!(
        "  hub CPU {:.2} ms per finding (test process: engine + SDK; the emulator excluded), peak memory {peak_mib:.0} MiB",
        (cpu_after - cpu_before) * 1000.0 / n as f64
    );
    println!("  peak calls in flight in the member account: {peak} (cap {cap} per instance)");
    println!("  {} calls: {table:?}", calls.len());

    assert!(redelivered.is_empty(), "{redelivered:?}");
    let assume = table.get("sts:AssumeRole").copied().unwrap_or(0);
    assert_eq!(
        assume, instances,
        "one AssumeRole per (account, region) per instance"
    );
    let write_backs = table
        .get("securityhub:BatchUpdateFindings")
        .copied()
        .unwrap_or(0);
    assert!(
        write_backs <= 2 * n.div_ceil(100),
        "{write_backs} write-back calls"
    );
    assert!(
        peak >= 1 && peak <= cap * instances,
        "peak {peak} in flight"
    );

    // Nothing lost: every finding remediated in Security Hub's copy.
    let remediated = riposte_tests::statuses(&emulator, &scenario)
        .await
        .values()
        .filter(|s| *s == "remediated")
        .count();
    assert_eq!(remediated, n, "every finding remediated");
}
