//! `riposte spokes verify`: is every account of the organization reachable? Lists the accounts
//! (Organizations, from the management account or a delegated administrator), tries the spoke role in each
//! in-scope active account and, with it, STS in every region the settings cover, and prints one row per
//! account. AWS answers AssumeRole with AccessDenied both when the role is missing and when its trust
//! refuses the hub, so "role missing" means either; "access denied" means the role was assumed but a
//! covered region refused it (an SCP, a disabled opt-in region).

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_sts::error::ProvideErrorMetadata;
use serde::Serialize;

use super::operator::{connect, Access};
use super::{print_json, Output};
use crate::config::Config;
use crate::HubError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    Ok,
    RoleMissing,
    AccessDenied,
    Suspended,
    OutOfScope,
    /// The check itself failed (throttling, network): try again.
    Unknown,
}

impl Health {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::RoleMissing => "role missing",
            Self::AccessDenied => "access denied",
            Self::Suspended => "suspended",
            Self::OutOfScope => "out of scope",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub account: String,
    pub name: String,
    pub health: Health,
    pub detail: String,
}

pub async fn verify(access: &Access, output: Output) -> Result<i32, HubError> {
    let base = Config::from_env()?;
    let (sdk, _) = connect(access).await?;
    // The scope in force: the settings parameter when there is one, OUs expanded.
    let config = match crate::settings::live::LiveSettings::new(&sdk, &base) {
        Some(live) => live.config(&base).await?,
        None => base,
    };
    let organizations = aws_sdk_organizations::Client::new(&sdk);
    let mut accounts = Vec::new();
    let mut pages = organizations.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            HubError::Usage(format!(
                "{}. Run from the management account or an Organizations delegated administrator.",
                crate::aws::explain::failed("listing the organization's accounts", &e)
            ))
        })?;
        accounts.extend(page.accounts().iter().cloned());
    }
    let sts = aws_sdk_sts::Client::new(&sdk);
    let partition = sdk
        .region()
        .map(|r| riposte_shared::ids::Region::parse(r.as_ref()).map(|r| r.partition()))
        .and_then(Result::ok)
        .unwrap_or("aws");
    let mut rows = Vec::new();
    for account in accounts {
        let id = account.id().unwrap_or_default().to_owned();
        let name = account.name().unwrap_or_default().to_owned();
        let active = account.state().map(|s| s.as_str()) == Some("ACTIVE")
            || account.status().map(|s| s.as_str()) == Some("ACTIVE");
        let (health, detail) = if !active {
            (Health::Suspended, "the account is not ACTIVE".to_owned())
        } else if let Some(reason) = config.policy.scope.excludes(&id, None) {
            (Health::OutOfScope, reason)
        } else {
            let role = format!(
                "arn:{partition}:iam::{id}:role/{}",
                config.policy.spoke_role_name
            );
            probe(&sts, &sdk, &role, &config).await
        };
        rows.push(Row {
            account: id,
            name,
            health,
            detail,
        });
    }
    let bad = rows.iter().any(|r| {
        !matches!(
            r.health,
            Health::Ok | Health::OutOfScope | Health::Suspended
        )
    });
    match output {
        Output::Json => print_json(&rows),
        Output::Table => {
            let mut table = comfy_table::Table::new();
            table
                .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
                .set_header(vec!["account", "name", "spoke", "detail"]);
            for r in &rows {
                table.add_row(vec![
                    r.account.as_str(),
                    r.name.as_str(),
                    r.health.as_str(),
                    r.detail.as_str(),
                ]);
            }
            outln!("{table}");
        }
    }
    Ok(if bad { 1 } else { 0 })
}

/// Assume the spoke role, then ask STS who we are in each covered region.
async fn probe(
    sts: &aws_sdk_sts::Client,
    sdk: &aws_config::SdkConfig,
    role: &str,
    config: &Config,
) -> (Health, String) {
    let assumed = sts
        .assume_role()
        .role_arn(role)
        .role_session_name("riposte-spokes-verify")
        .duration_seconds(900)
        .send()
        .await;
    let credentials = match assumed {
        Ok(out) => match out.credentials {
            Some(c) => Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token), None, "spoke"),
            None => return (Health::Unknown, "AssumeRole returned no credentials".into()),
        },
        Err(e) if matches!(e.code(), Some("AccessDenied" | "AccessDeniedException")) => {
            return (
                Health::RoleMissing,
                format!("cannot assume {role}: the role is missing or its trust refuses the hub; deploy the spoke StackSet to this account"),
            )
        }
        Err(e) => return (Health::Unknown, crate::aws::explain::failed("AssumeRole", &e)),
    };
    let mut regions: Vec<String> = config.regions.iter().map(ToString::to_string).collect();
    if regions.is_empty() {
        regions.extend(sdk.region().map(|r| r.as_ref().to_owned()));
    }
    for region in &regions {
        let session = sdk
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials.clone()))
            .region(aws_config::Region::new(region.clone()))
            .build();
        if let Err(e) = aws_sdk_sts::Client::new(&session)
            .get_caller_identity()
            .send()
            .await
        {
            return (
                Health::AccessDenied,
                format!(
                    "the spoke role was assumed but {region} refused it: {}",
                    crate::aws::explain::sdk_error(&e)
                ),
            );
        }
    }
    (
        Health::Ok,
        format!("assumed; reachable in {}", regions.join(", ")),
    )
}
