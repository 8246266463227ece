//! The hub account's own resources a test wires its hub with: the audit archive and the limits table.

use crate::{Emulator, Scenario};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

/// The hub stack's limits table (blast-radius counts), as the tests name it.
pub const LIMITS_TABLE: &str = "riposte-limits";

/// The hub stack's audit archive bucket name, in the hub account.
pub fn audit_bucket(scenario: &Scenario) -> String {
    format!("riposte-audit-{}", scenario.str("/hub_account"))
}

/// Create the audit archive bucket; the hub's S3 client for reading it back.
pub async fn create_audit_bucket(emulator: &Emulator, scenario: &Scenario) -> aws_sdk_s3::Client {
    let config = emulator.sdk(scenario.hub_credentials());
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket(audit_bucket(scenario))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    s3
}

/// Create the limits table with the hub stack's key schema (`counter`, a string).
pub async fn create_limits_table(emulator: &Emulator, scenario: &Scenario) {
    let ddb = aws_sdk_dynamodb::Client::new(&emulator.sdk(scenario.hub_credentials()));
    ddb.create_table()
        .table_name(LIMITS_TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("counter")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("counter")
                .key_type(KeyType::Hash)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
}

/// A hub wired as the hub stack deploys it: the SNS topic (the tests' wiring has it), the audit archive
/// and the limits table, with the tests' settings and the blast-radius counts taken but no limit set, so
/// that every finding runs and the counting costs what it costs. Create the resources first with
/// [`create_deployed_resources`].
pub fn deployed_config(scenario: &Scenario) -> riposte_hub::config::Config {
    deployed_config_with(scenario, &deployed_settings())
}

/// [`deployed_config`] at the pace a user gets: the tests' settings without their unpaced
/// `[pacing]` table, so every bucket has its default burst and rate (the benchmarks' and the
/// call-count test's).
pub fn deployed_config_default_pace(scenario: &Scenario) -> riposte_hub::config::Config {
    deployed_config_with(scenario, &without_pacing(&deployed_settings()))
}

fn deployed_settings() -> String {
    format!(
        "{}\n[limits]\nper_account_per_hour = 0\nper_playbook_per_hour = 0\n",
        crate::TEST_SETTINGS
    )
}

/// A settings document without its `[pacing]` table (from its header to the next table's).
pub fn without_pacing(settings: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in settings.lines() {
        let header = line.trim_start().starts_with('[');
        if header {
            skipping = line.trim() == "[pacing]";
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// [`deployed_config`]'s wiring with a settings document of the caller's own (the load runs': paced).
pub fn deployed_config_with(scenario: &Scenario, settings: &str) -> riposte_hub::config::Config {
    let mut config = scenario.hub_config_with(settings);
    config.audit_bucket = Some((audit_bucket(scenario), scenario.str("/hub_account")));
    config.limits_table = Some(LIMITS_TABLE.into());
    config
}

/// The audit archive bucket and the limits table of [`deployed_config`]; the hub's S3 client.
pub async fn create_deployed_resources(
    emulator: &Emulator,
    scenario: &Scenario,
) -> aws_sdk_s3::Client {
    create_limits_table(emulator, scenario).await;
    create_audit_bucket(emulator, scenario).await
}
