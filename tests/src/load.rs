//! A flood of findings through the Lambda handler, shared by the load test (which asserts what must
//! hold) and the benchmark (which prints the figures): the `batch` scenario spread over accounts and
//! regions, SQS batches of 100 shared round-robin by several hub instances (Lambda containers), the
//! emulator adding latency to every call. Everything is measured from the emulator's side: the calls it
//! recorded (with their arrival times) and the peak of calls in flight per account.

use futures::future::join_all;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use crate::{
    create_deployed_resources, deployed_config_with, member_calls, sqs_event, Emulator, Scenario,
};

/// The settings of a load run: the defaults (the `[pacing]` rates included), with MEDIUM controls
/// remediated as in the other tests, and the blast-radius counts taken in the limits table with no limit
/// set (a storm past the default 50 an hour would wait for approval). A run may append its own.
pub const LOAD_SETTINGS: &str = "[remediation]\nseverity_threshold = \"MEDIUM\"\n[limits]\nper_account_per_hour = 0\nper_playbook_per_hour = 0\n";

/// The window in which the pace is checked: a bucket of rate r holding b tokens lets at most
/// b + r·W calls through in any W seconds. The emulator stamps a call when it reads it, so calls
/// sent evenly can arrive bunched when it is busy: the limit allows `SLACK_MS` more of refill.
const WINDOW_MS: i128 = 4_000;
const SLACK_MS: f64 = 1_000.0;

#[derive(Clone, Debug)]
pub struct Load {
    /// Findings in all: half compromised users, half public buckets.
    pub findings: usize,
    pub accounts: usize,
    pub regions: Vec<String>,
    pub latency_ms: u64,
    pub instances: usize,
    /// Appended to `LOAD_SETTINGS`.
    pub settings: String,
    /// The emulator's throttle switch during the run (`Emulator::throttle`), for the member account.
    pub throttle: Option<Value>,
}

/// The pace seen in one bucket's key: (service, account, region or "global").
#[derive(Clone, Debug)]
pub struct Pace {
    pub calls: usize,
    /// Most calls that arrived within `WINDOW_MS`.
    pub max_in_window: usize,
    /// Calls per second from the key's first call to its last.
    pub sustained: f64,
    /// Seconds from the key's first call to its last.
    pub span_s: f64,
}

#[derive(Debug)]
pub struct LoadReport {
    pub findings: usize,
    pub wall_s: f64,
    pub cpu_ms_per_finding: f64,
    pub peak_mib: f64,
    /// Messages the handler asked SQS to redeliver.
    pub redelivered: Vec<Value>,
    /// Finding id → Riposte status, read back from Security Hub.
    pub statuses: BTreeMap<String, String>,
    pub tally: BTreeMap<String, usize>,
    pub member_calls: usize,
    /// AssumeRole calls expected: the accounts each instance's batches span, summed over instances.
    pub expected_assume_roles: usize,
    /// Peak of calls in flight per member account.
    pub in_flight: BTreeMap<String, u64>,
    pub paces: BTreeMap<(String, String, String), Pace>,
    /// The same per service, every account and region together.
    pub service_paces: BTreeMap<String, Pace>,
    pub max_per_account: usize,
    /// The `[pacing]` bucket per service prefix.
    pub shapes: BTreeMap<String, riposte_hub::aws::pacer::Shape>,
    /// Each instance's token buckets, as the run left them.
    pub pacers: Vec<std::sync::Arc<riposte_hub::aws::pacer::Pacer>>,
    /// The throttle switch's counts at the end of the run (`Value::Null` without one).
    pub throttled: Value,
}

/// What the emulator saw of a run.
struct Observed {
    wall_s: f64,
    cpu_s: f64,
    peak_mib: f64,
    redelivered: Vec<Value>,
}

impl Load {
    pub async fn run(&self, emulator: &Emulator) -> (Scenario, LoadReport) {
        let scenario = self.scenario(emulator);
        create_deployed_resources(emulator, &scenario).await;
        let hub = scenario.str("/hub_account");
        let settings = format!("{LOAD_SETTINGS}{}", self.settings);
        let config = scenario.hub_config_with(&settings);
        let containers: Vec<riposte_hub::cli::HubEngine> = (0..self.instances)
            .map(|_| {
                let config = deployed_config_with(&scenario, &settings);
                let sdk = emulator.sdk(scenario.hub_credentials());
                riposte_hub::cli::engine_from(&sdk, config, false)
            })
            .collect();
        let events = emulator.events();
        // Users first, then buckets (the scenario's import order): every batch of 100 is one playbook.
        let batches: Vec<&[Value]> = events.chunks(100).collect();
        let shares: Vec<Vec<&[Value]>> = (0..self.instances)
            .map(|i| {
                batches
                    .iter()
                    .skip(i)
                    .step_by(self.instances)
                    .copied()
                    .collect()
            })
            .collect();
        let throttle = self.throttle.as_ref().map(|t| {
            let mut t = t.clone();
            t["account_id"] = Value::from(scenario.str("/incidents/users/account_id"));
            t
        });
        if let Some(setting) = &throttle {
            emulator.throttle(Some(setting));
        }
        let observed = self.drive(emulator, &containers, &shares).await;
        let throttled = if throttle.is_some() {
            let counts = emulator.throttled();
            emulator.throttle(None);
            counts
        } else {
            Value::Null
        };
        let calls = emulator.calls();
        let member = member_calls(&calls, &hub);
        let report = LoadReport {
            findings: events.len(),
            wall_s: observed.wall_s,
            cpu_ms_per_finding: observed.cpu_s * 1000.0 / events.len().max(1) as f64,
            peak_mib: observed.peak_mib,
            redelivered: observed.redelivered,
            statuses: crate::statuses(emulator, &scenario).await,
            tally: crate::tally(&calls),
            member_calls: member.len(),
            expected_assume_roles: shares.iter().map(|s| accounts_of(s).len()).sum(),
            in_flight: in_flight(emulator, &hub),
            paces: paces(&member, false),
            service_paces: paces(&member, true)
                .into_iter()
                .map(|((service, _, _), pace)| (service, pace))
                .collect(),
            max_per_account: config.max_per_account,
            shapes: riposte_hub::aws::pacer::Service::ALL
                .iter()
                .map(|s| (s.prefix().to_owned(), config.document.pacing.shape(*s)))
                .collect(),
            pacers: containers.iter().filter_map(|c| c.pacer.clone()).collect(),
            throttled,
        };
        (scenario, report)
    }

    /// Every instance handles its share of the batches, one after the other, all instances at once,
    /// with the emulator's latency on.
    async fn drive(
        &self,
        emulator: &Emulator,
        containers: &[riposte_hub::cli::HubEngine],
        shares: &[Vec<&[Value]>],
    ) -> Observed {
        emulator.latency(self.latency_ms);
        emulator.clear_calls();
        let _ = ureq::delete(&format!("{}/_riposte/inflight", emulator.url)).call();
        let (cpu_before, _) = crate::process_usage();
        let started = Instant::now();
        let runs = containers
            .iter()
            .zip(shares)
            .map(|(container, share)| async move {
                let mut redelivered = Vec::new();
                for batch in share {
                    let response = riposte_hub::lambda::handle(container, sqs_event(batch), None)
                        .await
                        .unwrap_or_else(|e| panic!("handler: {e}"));
                    let failures = response["batchItemFailures"].as_array().cloned();
                    redelivered.extend(failures.unwrap_or_default());
                }
                redelivered
            });
        let redelivered = join_all(runs).await.into_iter().flatten().collect();
        let wall_s = started.elapsed().as_secs_f64();
        let (cpu_after, peak_mib) = crate::process_usage();
        emulator.latency(0);
        Observed {
            wall_s,
            cpu_s: cpu_after - cpu_before,
            peak_mib,
            redelivered,
        }
    }

    fn scenario(&self, emulator: &Emulator) -> Scenario {
        let count = (self.findings / 2).max(1).to_string();
        let accounts = self.accounts.max(1).to_string();
        let mut args = vec!["--set", "batch", "--count", &count, "--accounts", &accounts];
        let regions = self.regions.join(",");
        if !regions.is_empty() {
            args.extend(["--regions", regions.as_str()]);
        }
        emulator.scenario_with(&args)
    }
}

/// The emulator's peak of calls in flight per member account (the hub's own account left out).
fn in_flight(emulator: &Emulator, hub: &str) -> BTreeMap<String, u64> {
    let peaks: Value = ureq::get(&format!("{}/_riposte/inflight", emulator.url))
        .call()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_json()
        .unwrap_or_else(|e| panic!("{e}"));
    peaks["peak"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(account, _)| *account != hub)
                .map(|(a, n)| (a.clone(), n.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

/// The member accounts a list of batches spans (each Imported event names its finding's account).
fn accounts_of(batches: &[&[Value]]) -> BTreeSet<String> {
    batches
        .iter()
        .flat_map(|b| b.iter())
        .filter_map(|e| e["detail"]["findings"][0]["AwsAccountId"].as_str())
        .map(str::to_owned)
        .collect()
}

/// Milliseconds since the epoch of a recorded call (`time`, RFC 3339 with milliseconds).
fn millis(call: &Value) -> Option<i128> {
    let text = call["time"].as_str()?;
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(at.unix_timestamp_nanos() / 1_000_000)
}

/// The pace per bucket key, from the calls' arrival times; IAM is global: its key has no region.
/// `per_service`: one key per service, every account and region together.
fn paces(calls: &[&Value], per_service: bool) -> BTreeMap<(String, String, String), Pace> {
    let mut times: BTreeMap<(String, String, String), Vec<i128>> = BTreeMap::new();
    for call in calls {
        let field = |name: &str| call[name].as_str().unwrap_or("?").to_owned();
        let service = field("service");
        let key = match (per_service, service.as_str()) {
            (true, _) => (service, String::new(), String::new()),
            (false, "iam") => (service, field("account_id"), "global".to_owned()),
            (false, _) => (service, field("account_id"), field("region")),
        };
        if let Some(t) = millis(call) {
            times.entry(key).or_default().push(t);
        }
    }
    times.into_iter().map(|(key, t)| (key, pace(t))).collect()
}

fn pace(mut t: Vec<i128>) -> Pace {
    t.sort_unstable();
    let (mut start, mut max_in_window) = (0, 0);
    for end in 0..t.len() {
        while t[end] - t[start] >= WINDOW_MS {
            start += 1;
        }
        max_in_window = max_in_window.max(end - start + 1);
    }
    let span_s = match (t.first(), t.last()) {
        (Some(first), Some(last)) => (last - first) as f64 / 1000.0,
        _ => 0.0,
    };
    let sustained = if span_s > 0.0 {
        (t.len() - 1) as f64 / span_s
    } else {
        0.0
    };
    Pace {
        calls: t.len(),
        max_in_window,
        sustained,
        span_s,
    }
}

impl LoadReport {
    /// The most calls a key may see in `seconds`: each instance's bucket holds ⌈r⌉ and refills r/s
    /// (plus `SLACK_MS` of refill for arrival jitter). `None`: a service without a rate.
    pub fn limit(&self, service: &str, instances: usize, seconds: f64) -> Option<usize> {
        let shape = self.shapes.get(service).copied()?;
        let per_instance = f64::from(shape.burst) + shape.rate * (seconds + SLACK_MS / 1000.0);
        Some((per_instance.floor() as usize).saturating_mul(instances))
    }

    /// The most calls a key may see in `WINDOW_MS`.
    pub fn window_limit(&self, service: &str, instances: usize) -> Option<usize> {
        self.limit(service, instances, WINDOW_MS as f64 / 1000.0)
    }

    /// Per service: keys, calls, the busiest key's most calls in the window against its limit, and the
    /// mean sustained rate of the keys against the budget (rate × instances).
    pub fn pace_table(&self, instances: usize) -> String {
        let mut out = String::from(
            "| service | keys (account, region) | calls | busiest key: most calls in 4 s (limit) | sustained calls/s per key, mean (budget) |\n|---|---|---|---|---|\n",
        );
        let services: BTreeSet<&String> = self.paces.keys().map(|(s, _, _)| s).collect();
        for service in services {
            let keys: Vec<&Pace> = self
                .paces
                .iter()
                .filter(|((s, _, _), _)| s == service)
                .map(|(_, p)| p)
                .collect();
            let calls: usize = keys.iter().map(|p| p.calls).sum();
            let busiest = keys.iter().map(|p| p.max_in_window).max().unwrap_or(0);
            let mean = keys.iter().map(|p| p.sustained).sum::<f64>() / keys.len().max(1) as f64;
            let budget = self.shapes.get(service).map_or(0.0, |s| s.rate) * instances as f64;
            out.push_str(&format!(
                "| {service} | {} | {calls} | {busiest} ({}) | {mean:.1} ({budget:.1}) |\n",
                keys.len(),
                self.window_limit(service, instances).unwrap_or(0)
            ));
        }
        out
    }

    /// The run as a Markdown section (the benchmark's throughput section, the load test's record).
    pub fn markdown(&self, load: &Load) -> String {
        let (n, h) = (self.findings as f64, load.instances as f64);
        let mut out = format!("## Throughput with latency, at each account's pace\n\n{} findings (compromised users, then public buckets) spread over {} member accounts × {} ({} hub instances, SQS batches of 100), {} ms added by the emulator to every call (the emulator's latency switch, not fakes), the limits table wired (counts taken, no limit set), the default `[pacing]` rates (calls per second per service, account and region, per instance; IAM per account). Each account's findings wait for its tokens; other accounts' do not, so the hub's rate grows with the accounts a storm spans. {} of {} findings remediated (read back from Security Hub), {} messages sent back.\n\n| wall s | findings/s | findings/s per instance | member calls/s | AssumeRole | BatchUpdateFindings | peak calls in flight in one account | hub CPU ms per finding | peak memory MiB (test process) |\n|---|---|---|---|---|---|---|---|---|\n| {:.1} | {:.1} | {:.1} | {:.0} | {} | {} | {} | {:.2} | {:.0} |\n\n",
            self.findings, load.accounts, load.regions.join(", "), load.instances, load.latency_ms,
            self.remediated(), self.findings, self.redelivered.len(),
            self.wall_s, n / self.wall_s, n / self.wall_s / h, self.member_calls as f64 / self.wall_s,
            self.tally.get("sts:AssumeRole").unwrap_or(&0),
            self.tally.get("securityhub:BatchUpdateFindings").unwrap_or(&0),
            self.in_flight.values().max().unwrap_or(&0), self.cpu_ms_per_finding, self.peak_mib);
        out.push_str("How busy each service's budget was: the most calls one (service, account, region) key saw within 4 s against what its buckets allow (with 1 s of slack for the emulator's arrival stamps), and the keys' mean rate from their first call to their last against rate × instances. A mean well below the budget means something else bound the run: on this emulator, one Python process serving every call.\n\n");
        out.push_str(&self.pace_table(load.instances));
        out.push('\n');
        out
    }

    pub fn remediated(&self) -> usize {
        self.statuses
            .values()
            .filter(|s| *s == "remediated")
            .count()
    }
}
