//! The hub of the operator story: its settings and kill-switch parameters, limits table and audit
//! bucket in the hub account, engines built like Lambda containers, the `riposte` binary, and readers
//! of Security Hub's findings, the team's notifications and a bucket's whole public-access state.

use riposte_hub::cli::HubEngine;
use riposte_tests::{
    audit_bucket, create_audit_bucket, create_limits_table, sqs_event, Emulator, MemberView,
    Scenario, LIMITS_TABLE as TABLE,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;

pub const SETTINGS: &str = "/riposte/settings";
pub const KILL_SWITCH: &str = "/riposte/kill-switch";
/// The containers keep what they read this long (RIPOSTE_SETTINGS_TTL_SECONDS).
const TTL_SECONDS: u64 = 1;

pub struct Hub {
    /// The hub's S3 client, for the audit archive.
    audit: aws_sdk_s3::Client,
    /// Everything the team and the operator were shown: notifications and CLI output, for leak scans.
    pub shown: std::sync::Mutex<Vec<String>>,
    ssm: aws_sdk_ssm::Client,
    securityhub: aws_sdk_securityhub::Client,
    sqs: aws_sdk_sqs::Client,
    notice_queue: String,
    events: Vec<Value>,
    region: String,
    hub_account: String,
}

/// Security Hub's copy of a finding, as far as the story reads it.
#[derive(Debug)]
pub struct Finding {
    pub workflow: String,
    pub note: String,
    fields: BTreeMap<String, String>,
}

impl Finding {
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// Everything that makes a bucket public or not, as stored.
#[derive(Debug, PartialEq)]
pub struct BucketState {
    block_public_access: Option<[bool; 4]>,
    acl_public: bool,
    policy: Option<Value>,
}

impl BucketState {
    pub async fn read(view: &MemberView, bucket: &str) -> Self {
        let policy = view
            .s3
            .get_bucket_policy()
            .bucket(bucket)
            .send()
            .await
            .ok()
            .and_then(|p| serde_json::from_str(p.policy()?).ok());
        Self {
            block_public_access: view.public_access_block(bucket).await,
            acl_public: view.stored_acl_is_public(bucket).await,
            policy,
        }
    }
}

impl Hub {
    /// The parameters (settings empty, switch off), the limits table and the audit bucket.
    pub async fn set_up(emulator: &Emulator, scenario: &Scenario) -> Self {
        let sdk = emulator.sdk(scenario.hub_credentials());
        create_limits_table(emulator, scenario).await;
        let audit = create_audit_bucket(emulator, scenario).await;
        let hub = Self {
            audit,
            shown: std::sync::Mutex::new(Vec::new()),
            ssm: aws_sdk_ssm::Client::new(&sdk),
            securityhub: aws_sdk_securityhub::Client::new(&sdk),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            notice_queue: scenario.str("/notification_queue_url"),
            events: emulator.events(),
            region: scenario.str("/region"),
            hub_account: scenario.str("/hub_account"),
        };
        hub.put_settings("").await;
        hub.put_kill_switch("off").await;
        hub
    }

    async fn put(&self, name: &str, value: &str) {
        self.ssm
            .put_parameter()
            .name(name)
            .value(if value.is_empty() {
                "# defaults"
            } else {
                value
            })
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .overwrite(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
    pub async fn put_settings(&self, toml: &str) {
        self.put(SETTINGS, toml).await;
    }
    pub async fn put_kill_switch(&self, value: &str) {
        self.put(KILL_SWITCH, value).await;
    }
    pub async fn delete_kill_switch(&self) {
        self.ssm
            .delete_parameter()
            .name(KILL_SWITCH)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
    pub async fn wait_ttl(&self) {
        tokio::time::sleep(std::time::Duration::from_millis(TTL_SECONDS * 1000 + 200)).await;
    }

    /// The wiring the hub stack gives a container (environment variables).
    fn wiring(&self, scenario: &Scenario) -> Vec<(&'static str, String)> {
        vec![
            ("RIPOSTE_SNS_TOPIC_ARN", scenario.str("/topic_arn")),
            ("RIPOSTE_CONFIG_PARAMETER", SETTINGS.into()),
            ("RIPOSTE_KILL_SWITCH_PARAMETER", KILL_SWITCH.into()),
            ("RIPOSTE_SETTINGS_TTL_SECONDS", TTL_SECONDS.to_string()),
            ("RIPOSTE_LIMITS_TABLE", TABLE.into()),
            ("RIPOSTE_AUDIT_BUCKET", audit_bucket(scenario)),
            ("RIPOSTE_AUDIT_BUCKET_OWNER", self.hub_account.clone()),
        ]
    }

    /// A hub container: the engine the Lambda builds from its environment.
    pub fn engine(&self, emulator: &Emulator, scenario: &Scenario) -> HubEngine {
        let wiring = self.wiring(scenario);
        let config = riposte_hub::config::Config::from_lookup(|name| {
            wiring
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        riposte_hub::cli::engine_from(&emulator.sdk(scenario.hub_credentials()), config, false)
    }

    /// One Lambda invocation with these EventBridge events in an SQS batch; the run's report as JSON.
    pub async fn lambda(&self, engine: &HubEngine, events: &[Value]) -> Value {
        let (_, report) = riposte_hub::lambda::run(engine, sqs_event(events), None)
            .await
            .unwrap_or_else(|e| panic!("handler: {e}"));
        serde_json::to_value(&report).unwrap_or_default()
    }

    /// The scenario's Imported event of this finding.
    pub fn imported(&self, id: &str) -> Value {
        self.events
            .iter()
            .find(|e| e["detail"]["findings"][0]["Id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no Imported event for {id}"))
    }

    /// The custom action `action_id` chosen on this finding, `later` seconds from now.
    pub fn custom_action(&self, id: &str, action_id: &str, name: &str, later: i64) -> Value {
        let mut event = self.imported(id);
        let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(later);
        event["id"] = format!("action-{action_id}-{later}").into();
        event["detail-type"] = "Security Hub Findings - Custom Action".into();
        event["time"] = at.format(&Rfc3339).unwrap_or_default().into();
        event["resources"] = json!([format!(
            "arn:aws:securityhub:{}:{}:action/custom/{action_id}",
            self.region, self.hub_account
        )]);
        event["detail"]["actionName"] = name.into();
        event["detail"]["actionDescription"] = "chosen in the console".into();
        event
    }

    pub async fn finding(&self, id: &str) -> Finding {
        let filters = aws_sdk_securityhub::types::AwsSecurityFindingFilters::builder()
            .id(aws_sdk_securityhub::types::StringFilter::builder()
                .value(id)
                .comparison(aws_sdk_securityhub::types::StringFilterComparison::Equals)
                .build())
            .build();
        let out = self
            .securityhub
            .get_findings()
            .filters(filters)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let f = out
            .findings()
            .first()
            .unwrap_or_else(|| panic!("no finding {id}"));
        Finding {
            workflow: f
                .workflow()
                .and_then(|w| w.status())
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            note: f
                .note()
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_owned(),
            fields: f
                .user_defined_fields()
                .map(|u| u.clone().into_iter().collect())
                .unwrap_or_default(),
        }
    }

    /// The notifications the team received since the last call (their headlines and descriptions).
    pub async fn notices(&self) -> Vec<String> {
        let mut all = Vec::new();
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.notice_queue)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
            if out.messages().is_empty() {
                return all;
            }
            for m in out.messages() {
                let document = m
                    .body()
                    .and_then(|b| serde_json::from_str::<Value>(b).ok())
                    .and_then(|e| serde_json::from_str::<Value>(e["Message"].as_str()?).ok())
                    .unwrap_or_default();
                all.push(document["content"].to_string());
                if let Ok(mut shown) = self.shown.lock() {
                    shown.push(m.body().unwrap_or_default().to_owned());
                }
                if let Some(handle) = m.receipt_handle() {
                    let _ = self
                        .sqs
                        .delete_message()
                        .queue_url(&self.notice_queue)
                        .receipt_handle(handle)
                        .send()
                        .await;
                }
            }
        }
    }

    /// A new OU under the root holding `account` (moved by the management account); its id.
    pub async fn move_to_new_ou(
        &self,
        emulator: &Emulator,
        scenario: &Scenario,
        account: &str,
    ) -> String {
        let orgs =
            aws_sdk_organizations::Client::new(&emulator.sdk(scenario.management_credentials()));
        let root = orgs
            .list_roots()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let root = root
            .roots()
            .first()
            .and_then(|r| r.id())
            .unwrap_or_default()
            .to_owned();
        let ou = orgs
            .create_organizational_unit()
            .parent_id(&root)
            .name("sandboxes")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let ou = ou
            .organizational_unit()
            .and_then(|o| o.id())
            .unwrap_or_default()
            .to_owned();
        orgs.move_account()
            .account_id(account)
            .source_parent_id(&root)
            .destination_parent_id(&ou)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        ou
    }

    /// Run `riposte ARGS` from a workstation with the hub's wiring: (exit code, stdout, stderr).
    pub fn cli(
        &self,
        emulator: &Emulator,
        scenario: &Scenario,
        args: &[&str],
    ) -> (i32, String, String) {
        let out = riposte_tests::riposte(emulator, scenario, args, &self.wiring(scenario));
        if let Ok(mut shown) = self.shown.lock() {
            shown.push(String::from_utf8_lossy(&out.stdout).into_owned());
            shown.push(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// The hub's JSON log lines, captured like CloudWatch would receive them.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut log) = self.0.lock() {
            log.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Capture this test binary's logs at info, in the Lambda's format.
    pub fn install() -> Self {
        let captured = Self::default();
        let writer = captured.clone();
        let subscriber = riposte_hub::cli::json_subscriber(
            move || writer.clone(),
            tracing_subscriber::EnvFilter::new("info"),
        );
        let _ = tracing::subscriber::set_global_default(subscriber);
        captured
    }
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|log| String::from_utf8_lossy(&log).into_owned())
            .unwrap_or_default()
    }
}

impl Hub {
    /// Every audit record archived so far, as text.
    pub async fn audit_records(&self, scenario: &Scenario) -> Vec<String> {
        let s3 = &self.audit;
        let bucket = audit_bucket(scenario);
        let listed = s3
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let mut records = Vec::new();
        for key in listed.contents().iter().filter_map(|o| o.key()) {
            let object = s3
                .get_object()
                .bucket(&bucket)
                .key(key)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
            let body = object
                .body
                .collect()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            records.push(String::from_utf8_lossy(&body.into_bytes()).into_owned());
        }
        records
    }
}

/// The values of the user's linked secrets (current and previous), read in its account.
pub async fn secret_values(view: &MemberView, scenario: &Scenario) -> Vec<String> {
    let sm = aws_sdk_secretsmanager::Client::new(&view.config);
    let mut values = Vec::new();
    for i in 0..2 {
        let arn = scenario.str(&format!(
            "/incidents/user_compromise/linked_secrets/{i}/arn"
        ));
        for stage in ["AWSCURRENT", "AWSPREVIOUS"] {
            let got = sm
                .get_secret_value()
                .secret_id(&arn)
                .version_stage(stage)
                .send()
                .await;
            values.extend(got.ok().and_then(|v| v.secret_string().map(str::to_owned)));
        }
    }
    values
}
