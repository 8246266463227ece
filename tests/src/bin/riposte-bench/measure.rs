//! The measurements, each returning its Markdown section.

use riposte_tests::{
    create_deployed_resources, deployed_config_default_pace, member_calls, process_usage,
    sqs_event, tally, Emulator, Scenario,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use crate::capacity::Measured;

pub struct Bench {
    emulator: Emulator,
}

/// The `p` quantile (0..1) of `values`, nearest rank.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

fn command(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .current_dir(riposte_tests::repo_root())
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// When, on what and how this run was made: date, commit, build profile.
pub fn stamp() -> String {
    format!(
        "{}, commit `{}`, {} build, {} cores",
        command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        command("git", &["rev-parse", "--short", "HEAD"]),
        profile(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    )
}

pub fn header(runs: usize, load: &riposte_tests::load::Load) -> String {
    let (findings, latency, instances) = (load.findings, load.latency_ms, load.instances);
    let spread = format!("{} accounts × {}", load.accounts, load.regions.join(", "));
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let profile = profile();
    format!(
        "# Benchmarks\n\nWritten by `riposte-bench` (see README, \"Proofs beyond the scenario tests\"); never edited by hand.\n\n\
         | | |\n|---|---|\n| date | {} |\n| commit | `{}` |\n| machine | {} cores, {} |\n| build | {profile} (hub and bench); the emulator is moto 5.2.5 in its own Python process on the same machine |\n| conditions | the hub wired as the stack deploys it (SNS topic, audit archive, limits table: counts taken, no limit set); single-finding runs: {runs} per playbook; throughput: {findings} findings over {spread}, {latency} ms added by the emulator to every AWS call, {instances} hub instances, SQS batches of 100, the default `[pacing]` buckets (no settings document's pacing: what a new user gets) |\n\n\
         Times on the emulator are not AWS times: a call costs ≈ 3 ms of loopback and Python here, 20–100 ms on AWS. \
         The call counts are what AWS would see.\n\n",
        command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        command("git", &["rev-parse", "--short", "HEAD"]),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        cpu
    )
}

/// Calls of this hub instance that waited for a pacing token, and throttling answers it saw.
fn paced(engine: &riposte_hub::cli::HubEngine) -> (u64, u64) {
    engine.pacer.as_ref().map_or((0, 0), |p| p.counts())
}

impl Bench {
    pub fn start() -> Self {
        Self {
            emulator: Emulator::start(),
        }
    }

    async fn container(&self, scenario: &Scenario) -> riposte_hub::cli::HubEngine {
        riposte_hub::cli::engine_from(
            &self.emulator.sdk(scenario.hub_credentials()),
            deployed_config_default_pace(scenario),
            false,
        )
    }

    fn events_by_id(&self) -> BTreeMap<String, Value> {
        self.emulator
            .events()
            .into_iter()
            .filter_map(|e| Some((e["detail"]["findings"][0]["Id"].as_str()?.to_owned(), e)))
            .collect()
    }

    /// Deliver `events` as one SQS batch: (wall ms, this process's CPU ms, the run's report).
    async fn deliver(
        &self,
        engine: &riposte_hub::cli::HubEngine,
        events: &[Value],
    ) -> (f64, f64, riposte_hub::report::RunReport) {
        let (cpu0, _) = process_usage();
        let started = Instant::now();
        let (_, report) = riposte_hub::lambda::run(engine, sqs_event(events), None)
            .await
            .unwrap_or_else(|e| panic!("handler: {e}"));
        let wall = started.elapsed().as_secs_f64() * 1000.0;
        let (cpu1, _) = process_usage();
        (wall, (cpu1 - cpu0) * 1000.0, report)
    }

    /// Every coverage finding alone, on one warm container: the calls it costs.
    pub async fn per_playbook(&self) -> String {
        let scenario = self.emulator.scenario_set("coverage");
        create_deployed_resources(&self.emulator, &scenario).await;
        let events = self.events_by_id();
        let hub = scenario.str("/hub_account");
        let engine = self.container(&scenario).await;
        let mut out = String::from("## Calls per finding, per playbook\n\nEach coverage finding delivered alone to one warm hub instance (`--set coverage`). Member: calls in the member account; Security Hub: its reads and write-backs for this batch of one (at a batch of 100 they amortize to ≈ 0.05 GetFindings + 0.02–0.04 BatchUpdateFindings per finding); STS: AssumeRole, once per account and region per instance (the first finding of an account pays it).\n\n| finding | playbook | outcome | member | Security Hub | STS | member calls |\n|---|---|---|---|---|---|---|\n");
        for f in scenario.manifest["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let Some(event) = f["id"].as_str().and_then(|id| events.get(id)) else {
                continue;
            };
            self.emulator.clear_calls();
            let (_, _, report) = self.deliver(&engine, std::slice::from_ref(event)).await;
            let calls = self.emulator.calls();
            let member = member_calls(&calls, &hub);
            let securityhub = calls
                .iter()
                .filter(|c| c["service"] == "securityhub")
                .count();
            let sts = calls
                .iter()
                .filter(|c| c["operation"] == "AssumeRole")
                .count();
            let result = report.findings.first();
            let outcome = result
                .and_then(|r| r.status.map(|s| s.as_str().to_owned()))
                .unwrap_or_else(|| {
                    result
                        .map(|r| format!("{:?}", r.decision))
                        .unwrap_or_default()
                });
            let ops: Vec<String> = tally(member.iter().copied())
                .iter()
                .map(|(k, n)| format!("{k}×{n}"))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {outcome} | {} | {securityhub} | {sts} | {} |",
                f["key"].as_str().unwrap_or("?"),
                result.and_then(|r| r.playbook.clone()).unwrap_or_default(),
                member.len(),
                ops.join(", ")
            );
        }
        out.push('\n');
        out
    }

    /// One finding warm (p50/p95), the 100 + 100 batch, and the release bootstrap's cold start.
    pub async fn singles_and_batch(&self, runs: usize, measured: &mut Measured) -> String {
        let runs = runs.max(1);
        let count = (runs + 102).to_string();
        let scenario = self
            .emulator
            .scenario_with(&["--set", "batch", "--count", &count]);
        create_deployed_resources(&self.emulator, &scenario).await;
        let events = self.events_by_id();
        let account = scenario.str("/incidents/users/account_id");
        let user =
            |i: usize| events[&scenario.finding_id(&format!("user:batch-user-{i:04}"))].clone();
        let bucket = |i: usize| {
            events[&scenario.finding_id(&format!("bucket:riposte-batch-{i:04}-{account}"))].clone()
        };
        let engine = self.container(&scenario).await;
        self.deliver(&engine, &[user(0), bucket(0)]).await;
        let mut out = format!("## One finding, end to end, warm\n\nDelivered alone, {runs} times per playbook, to a warm hub instance (session cached). Wall: the handler from SQS event to response (read Security Hub's copy, blast-radius counts, claim, playbook, verification, write-back, notification, audit record). Hub CPU: this process's CPU time over the same span (all its threads, from `schedstat`) (the emulator runs in another process); waiting on AWS ≈ wall − CPU.\n\n| playbook | wall p50 ms | wall p95 ms | hub CPU p50 ms | hub CPU p95 ms | waiting p50 ms | calls that waited for a token |\n|---|---|---|---|---|---|---|\n");
        let hub = scenario.str("/hub_account");
        for (name, make, single) in [
            (
                "credential-compromise (user)",
                &user as &dyn Fn(usize) -> Value,
                &mut measured.user,
            ),
            ("public-bucket", &bucket, &mut measured.bucket),
        ] {
            let (mut walls, mut cpus, mut waits) = (Vec::new(), Vec::new(), Vec::new());
            let (paced_before, _) = paced(&engine);
            for i in 1..=runs {
                self.emulator.clear_calls();
                let (wall, cpu, _) = self.deliver(&engine, &[make(i)]).await;
                if i == 1 {
                    let calls = self.emulator.calls();
                    single.calls = calls.len();
                    single.member = member_calls(&calls, &hub).len();
                }
                walls.push(wall);
                cpus.push(cpu);
                waits.push(wall - cpu);
            }
            single.wall_p50_ms = percentile(&mut walls, 0.5);
            single.cpu_p50_ms = percentile(&mut cpus, 0.5);
            let (paced_after, _) = paced(&engine);
            let _ = writeln!(
                out,
                "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
                percentile(&mut walls, 0.5),
                percentile(&mut walls, 0.95),
                percentile(&mut cpus, 0.5),
                percentile(&mut cpus, 0.95),
                percentile(&mut waits, 0.5),
                paced_after - paced_before
            );
        }

        let fresh = self.container(&scenario).await;
        let mut batch = Vec::new();
        for i in runs + 1..=runs + 100 {
            batch.push(user(i));
            batch.push(bucket(i));
        }
        self.emulator.clear_calls();
        let started = Instant::now();
        for chunk in batch.chunks(100) {
            self.deliver(&fresh, chunk).await;
        }
        let wall = started.elapsed().as_secs_f64();
        let calls = self.emulator.calls();
        let member = member_calls(&calls, &hub).len();
        measured.batch_calls = calls.len();
        measured.batch_member = member;
        measured.batch_wall_s = Some(wall);
        let (waited, throttled) = paced(&fresh);
        let _ = write!(out, "\n## 100 compromised users + 100 public buckets\n\nOne account, a fresh hub instance, two SQS batches of 100, the default `[pacing]` buckets. Calls/s at the emulator: every call of the run over its wall time; the emulator (one Python process) serves them one at a time, so when no call waited for a token it, not the pacing, is the bound.\n\n| wall s | calls in all | member | hub (STS, Security Hub, blast-radius counts, SNS, audit) | calls/s at the emulator | calls that waited for a token | throttling answers |\n|---|---|---|---|---|---|---|\n| {wall:.2} | {} | {member} | {} | {:.0} | {waited} | {throttled} |\n\n", calls.len(), calls.len() - member, calls.len() as f64 / wall.max(f64::EPSILON));

        out.push_str(&self.cold_start(&scenario, user(runs + 101), measured));
        out
    }

    fn cold_start(&self, scenario: &Scenario, event: Value, measured: &mut Measured) -> String {
        let exe = std::env::current_exe().unwrap_or_default();
        let bootstrap = exe.with_file_name("bootstrap");
        if !bootstrap.exists() {
            return format!("## Cold start\n\nNot measured: {} is missing (`cargo build --release -p riposte-hub --bins` first).\n\n", bootstrap.display());
        }
        let env = vec![
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("AWS_ENDPOINT_URL", self.emulator.url.clone()),
            ("AWS_REGION", scenario.str("/region")),
            (
                "AWS_ACCESS_KEY_ID",
                scenario.str("/hub_credentials/access_key_id"),
            ),
            (
                "AWS_SECRET_ACCESS_KEY",
                scenario.str("/hub_credentials/secret_access_key"),
            ),
            (
                "AWS_SESSION_TOKEN",
                scenario.str("/hub_credentials/session_token"),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("RIPOSTE_SNS_TOPIC_ARN", scenario.str("/topic_arn")),
            (
                "RIPOSTE_QUEUE_ARN",
                riposte_tests::FINDINGS_QUEUE_ARN.into(),
            ),
        ];
        let cold = crate::coldstart::measure(&bootstrap, &env, &sqs_event(&[event]).to_string());
        measured.cold_start_ms = Some(cold.first_event_ms);
        measured.cold_rss_mib = Some(cold.peak_rss_mib);
        format!("## Cold start of `bootstrap`\n\nThe `bootstrap` built beside this benchmark (release when the benchmark is run with `--release`), from process start to the first event's response, against a local stand-in of the Lambda Runtime API, the emulator behind it (settings from defaults: no SSM read). Includes the first AssumeRole and the TLS-free loopback connections; on Lambda, add the platform's init and TLS handshakes.\n\n| first event handled ms | peak RSS MiB | binary MiB |\n|---|---|---|\n| {:.0} | {:.1} | {:.1} |\n\n", cold.first_event_ms, cold.peak_rss_mib, cold.binary_mib)
    }

    /// Findings per second per hub instance with latency injected on every call, at the default pace.
    pub async fn throughput(
        &self,
        load: &riposte_tests::load::Load,
        measured: &mut Measured,
    ) -> String {
        let (_, r) = load.run(&self.emulator).await;
        let per_instance =
            r.findings as f64 / r.wall_s.max(f64::EPSILON) / load.instances.max(1) as f64;
        measured.throughput = Some((
            r.findings,
            load.latency_ms,
            format!("{} accounts × {}", load.accounts, load.regions.join(", ")),
            per_instance,
        ));
        r.markdown(load)
    }
}
