//! Harness for Riposte's end-to-end tests: start the local AWS emulator (`scripts/emulator`), build the
//! scenario organization (`scripts/emulator-scenario`), give SDK clients for the hub and for reading a
//! member account's state back, and read the emulator's Imported-event, call and rotation logs.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod calls;
pub mod demo;
pub mod demo_records;
mod findings;
mod hub;
pub mod load;
mod view;

#[cfg(test)]
mod readme_tests;

pub use calls::{iam_action, member_calls, process_usage, sqs_event, tally, FINDINGS_QUEUE_ARN};
pub use findings::{all_findings, field, notifications, statuses};
pub use hub::{
    audit_bucket, create_audit_bucket, create_deployed_resources, create_limits_table,
    deployed_config, deployed_config_default_pace, deployed_config_with, without_pacing,
    LIMITS_TABLE,
};
pub use view::MemberView;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A running emulator process, stopped on drop.
pub struct Emulator {
    child: Child,
    pub url: String,
}

impl Emulator {
    /// Start `scripts/emulator 0` (creating its virtualenv on first use) and wait for its ready line.
    pub fn start() -> Self {
        let mut child = Command::new(repo_root().join("scripts/emulator"))
            .arg("0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start scripts/emulator: {e}"));
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("emulator has no stdout"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("riposte-emulator ready ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        // The first start builds the virtualenv from PyPI: allow it minutes.
        let url = rx
            .recv_timeout(Duration::from_secs(600))
            .unwrap_or_else(|e| {
                let _ = child.kill();
                panic!("emulator did not become ready: {e}")
            });
        Self { child, url }
    }

    /// Build the core scenario (resets the emulator) and return its manifest.
    pub fn scenario(&self) -> Scenario {
        self.scenario_set("core")
    }

    /// Build one scenario set (`core`, `coverage`; resets the emulator) and return its manifest.
    pub fn scenario_set(&self, which: &str) -> Scenario {
        self.scenario_with(&["--set", which])
    }

    /// Build a scenario from `scripts/emulator-scenario` arguments (`--set batch --count 101`).
    pub fn scenario_with(&self, args: &[&str]) -> Scenario {
        let out = Command::new(repo_root().join("scripts/emulator-scenario"))
            .arg(self.url.as_str())
            .args(args)
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("cannot run scripts/emulator-scenario: {e}"));
        assert!(out.status.success(), "scenario failed: {}", out.status);
        Scenario {
            manifest: serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("scenario manifest: {e}")),
        }
    }

    fn get(&self, path: &str, key: &str) -> Vec<Value> {
        let body: Value = ureq::get(&format!("{}{path}", self.url))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .into_json()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        body[key].as_array().cloned().unwrap_or_default()
    }

    /// The "Security Hub Findings - Imported" events Security Hub emitted so far, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.get("/_riposte/events", "events")
    }

    /// Every AWS request the emulator received (since the scenario finished), in order.
    pub fn calls(&self) -> Vec<Value> {
        self.get("/_riposte/calls", "calls")
    }

    /// Forget the calls recorded so far.
    pub fn clear_calls(&self) {
        ureq::delete(&format!("{}/_riposte/calls", self.url))
            .call()
            .unwrap_or_else(|e| panic!("DELETE /_riposte/calls: {e}"));
    }

    /// Arm the emulator's fault switch with one rule (tests/emulator/README.md): e.g.
    /// `{"operation": "UpdateAccessKey", "code": "Throttling", "count": 2}`.
    pub fn fault(&self, rule: Value) {
        ureq::post(&format!("{}/_riposte/faults", self.url))
            .send_json(rule)
            .unwrap_or_else(|e| panic!("POST /_riposte/faults: {e}"));
    }

    /// Arm the emulator's throttle switch (tests/emulator/README.md): calls of a service above a token
    /// bucket are answered with its throttling error, e.g. `{"service": "iam", "rate": 10, "burst": 10}`.
    /// `None` clears it. The answer: the settings and the calls passed and throttled per bucket.
    pub fn throttle(&self, setting: Option<&Value>) -> Value {
        let url = format!("{}/_riposte/throttle", self.url);
        let answer = match setting {
            Some(setting) => ureq::post(&url).send_json(setting.clone()),
            None => ureq::delete(&url).call(),
        };
        answer
            .unwrap_or_else(|e| panic!("/_riposte/throttle: {e}"))
            .into_json()
            .unwrap_or_else(|e| panic!("/_riposte/throttle: {e}"))
    }

    /// The throttle switch's settings and counts.
    pub fn throttled(&self) -> Value {
        ureq::get(&format!("{}/_riposte/throttle", self.url))
            .call()
            .unwrap_or_else(|e| panic!("GET /_riposte/throttle: {e}"))
            .into_json()
            .unwrap_or_else(|e| panic!("GET /_riposte/throttle: {e}"))
    }

    /// Disarm every fault rule.
    pub fn clear_faults(&self) {
        ureq::delete(&format!("{}/_riposte/faults", self.url))
            .call()
            .unwrap_or_else(|e| panic!("DELETE /_riposte/faults: {e}"));
    }

    /// Delay every AWS call by `ms` milliseconds (0: none).
    pub fn latency(&self, ms: u64) {
        let url = format!("{}/_riposte/latency", self.url);
        let answer = if ms == 0 {
            ureq::delete(&url).call()
        } else {
            ureq::post(&url).send_json(serde_json::json!({ "ms": ms }))
        };
        answer.unwrap_or_else(|e| panic!("/_riposte/latency: {e}"));
    }

    /// AWS, strictly (tests/emulator/README.md): every call of a spoke session is authorized against the
    /// spoke role's policies as IAM would; configuration reads lag writes by `lag_ms` (the hub's reads
    /// only: set-up and read-back sessions see the real state); RDS/Redshift changes wait under
    /// PendingModifiedValues as AWS documents. Call after building the scenario (a reset puts
    /// the switches back to off).
    pub fn strict(&self, lag_ms: u64) {
        ureq::post(&format!("{}/_riposte/lag", self.url))
            .send_json(serde_json::json!({ "ms": lag_ms }))
            .unwrap_or_else(|e| panic!("POST /_riposte/lag: {e}"));
        ureq::post(&format!("{}/_riposte/pending", self.url))
            .send_json(serde_json::json!({ "on": true, "redshift_ms": 200 }))
            .unwrap_or_else(|e| panic!("POST /_riposte/pending: {e}"));
        ureq::post(&format!("{}/_riposte/iam/eval", self.url))
            .send_json(serde_json::json!({ "enabled": true }))
            .unwrap_or_else(|e| panic!("POST /_riposte/iam/eval: {e}"));
    }

    /// Every role session STS issued so far, with its secret key and session token (for leak scans).
    pub fn issued_credentials(&self) -> Vec<Value> {
        self.get("/_riposte/sts/issued", "issued")
    }

    /// Secret rotations performed (the emulator's stand-in for a rotation Lambda).
    pub fn rotations(&self) -> Vec<Value> {
        self.get("/_riposte/rotations", "rotations")
    }

    /// The SDK configuration of a test: the emulator's endpoint, and every host name resolved to the
    /// loopback address. S3 Control puts the account id in front of the endpoint's host
    /// (`111111111111.127.0.0.1`), which no resolver answers; here it reaches the emulator, which routes
    /// by path (`/v20180820/…`). Product code keeps the standard resolver.
    pub fn sdk(&self, credentials: Credentials) -> SdkConfig {
        use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .build_with_resolver(Loopback);
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(http)
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build()
    }
}

/// Resolves every name to 127.0.0.1: tests only ever talk to the local emulator.
#[derive(Clone, Debug)]
struct Loopback;

impl aws_smithy_runtime_api::client::dns::ResolveDns for Loopback {
    fn resolve_dns<'a>(
        &'a self,
        _name: &'a str,
    ) -> aws_smithy_runtime_api::client::dns::DnsFuture<'a> {
        aws_smithy_runtime_api::client::dns::DnsFuture::ready(Ok(vec![std::net::IpAddr::V4(
            std::net::Ipv4Addr::LOCALHOST,
        )]))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The scenario manifest (see tests/emulator/README.md).
pub struct Scenario {
    pub manifest: Value,
}

impl Scenario {
    pub fn str(&self, pointer: &str) -> String {
        self.manifest
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("manifest has no {pointer}"))
            .to_owned()
    }

    pub fn hub_credentials(&self) -> Credentials {
        Credentials::new(
            self.str("/hub_credentials/access_key_id"),
            self.str("/hub_credentials/secret_access_key"),
            Some(self.str("/hub_credentials/session_token")),
            None,
            "scenario-hub",
        )
    }

    pub fn management_credentials(&self) -> Credentials {
        Credentials::new(
            self.str("/management_credentials/access_key_id"),
            self.str("/management_credentials/secret_access_key"),
            None,
            None,
            "scenario-management",
        )
    }

    pub fn member(&self, name: &str) -> String {
        self.manifest["members"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["name"] == name))
            .and_then(|m| m["account_id"].as_str())
            .unwrap_or_else(|| panic!("no member {name}"))
            .to_owned()
    }

    /// The id of the scenario finding with this key (`user-compromise`, `public-bucket`, …).
    pub fn finding_id(&self, key: &str) -> String {
        self.manifest["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["key"] == key))
            .and_then(|f| f["id"].as_str())
            .unwrap_or_else(|| panic!("no finding {key}"))
            .to_owned()
    }

    /// The configuration the hub runs with in these tests.
    pub fn hub_config(&self) -> riposte_hub::config::Config {
        self.hub_config_with(TEST_SETTINGS)
    }

    /// The hub's wiring for this scenario with a settings document of the test's own.
    pub fn hub_config_with(&self, settings: &str) -> riposte_hub::config::Config {
        let topic = self.str("/topic_arn");
        let wiring = riposte_hub::config::Config::from_lookup(|name| {
            (name == "RIPOSTE_SNS_TOPIC_ARN").then(|| topic.clone())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let settings =
            riposte_hub::settings::Settings::parse(settings).unwrap_or_else(|e| panic!("{e:?}"));
        let mut config = wiring
            .with_settings(&settings)
            .unwrap_or_else(|e| panic!("{e}"));
        config.queue_arn = Some(FINDINGS_QUEUE_ARN.into());
        config
    }
}

/// The settings document of these tests. IAM.3 findings are MEDIUM, and moto cannot backdate an access
/// key: a team that remediates MEDIUM controls, with keys "too old" from day 0 (the age rule is
/// unit-tested on a fake clock). CloudTrail.2 and SNS.1 encrypt with the team's key (moto does not check
/// key policies).
pub const TEST_SETTINGS: &str = r#"
# Unpaced: these tests read state, and AWS's rates would only slow them. Pacing is proven on its own (hub
# pacer_tests), under load with the defaults (tests/tests/load.rs), at the defaults for lone findings
# (tests/tests/calls.rs) and under an emulated throttle (tests/tests/faults.rs); the benchmarks run at the
# defaults (`without_pacing`).
[pacing]
iam = 10000
s3 = 10000
ec2 = 10000
secretsmanager = 10000
kms = 10000
cloudtrail = 10000
dynamodb = 10000
rds = 10000
lambda = 10000
ecr = 10000
ssm = 10000
redshift = 10000
sns = 10000
sqs = 10000

[remediation]
severity_threshold = "MEDIUM"
max_key_age_days = 0

[destinations]
cloudtrail_kms_key = "arn:aws:kms:{region}:{account}:alias/riposte-logs"
sns_kms_key = "arn:aws:kms:{region}:{account}:alias/riposte-topics"
access_log_bucket = "riposte-access-logs-{account}-{region}"
flow_log_destination = "arn:aws:s3:::riposte-flow-logs-{account}"
"#;

/// Run the `riposte` binary (built by `cargo test --workspace`) as an operator would from a workstation:
/// the hub's credentials, the emulator's endpoint, nothing else from this process's environment but
/// `PATH`, plus `env`.
pub fn riposte(
    emulator: &Emulator,
    scenario: &Scenario,
    args: &[&str],
    env: &[(&str, String)],
) -> std::process::Output {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("riposte")))
        .unwrap_or_default();
    assert!(
        exe.exists(),
        "{} missing: run `cargo test --workspace` (it builds the hub's binaries)",
        exe.display()
    );
    Command::new(exe)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", &emulator.url)
        .env("AWS_REGION", scenario.str("/region"))
        .env(
            "AWS_ACCESS_KEY_ID",
            scenario.str("/hub_credentials/access_key_id"),
        )
        .env(
            "AWS_SECRET_ACCESS_KEY",
            scenario.str("/hub_credentials/secret_access_key"),
        )
        .env(
            "AWS_SESSION_TOKEN",
            scenario.str("/hub_credentials/session_token"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}
