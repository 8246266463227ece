//! Settings that change without a deploy: the document in an SSM parameter and the kill switch in
//! another, read together (one GetParameters call) at most every `ttl` (30 s by default) per container; the accounts of
//! scoped OUs from Organizations, cached for `OU_TTL`. A failed or invalid read keeps the last good
//! settings; with none yet the run fails (its messages are redelivered), so nothing runs on settings
//! nobody chose. Any kill-switch value but off/false/0/no pauses: a typo fails safe.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::Settings;
use crate::config::Config;
use crate::HubError;

pub const OU_TTL: Duration = Duration::from_secs(600);

/// The values of the kill-switch parameter that leave automatic remediation running (any case); any
/// other value pauses it, so a typo fails safe.
const OFF: &[&str] = &["off", "false", "0", "no", ""];

/// What one read produced.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub settings: Settings,
    pub kill_switch: bool,
}

pub struct LiveSettings {
    ssm: aws_sdk_ssm::Client,
    organizations: aws_sdk_organizations::Client,
    document: Option<String>,
    kill_switch: Option<String>,
    snapshot: moka::future::Cache<(), Arc<Snapshot>>,
    ous: moka::future::Cache<String, Arc<BTreeSet<String>>>,
    last_good: Mutex<Option<Arc<Snapshot>>>,
}

impl LiveSettings {
    /// `None` when neither parameter is named and the settings scope no OU: `config` is final as read.
    pub fn new(sdk: &aws_config::SdkConfig, config: &Config) -> Option<Self> {
        let scope = &config.document.scope;
        let ous = !scope.include_ous.is_empty() || !scope.exclude_ous.is_empty();
        let (document, kill_switch) = (
            config.config_parameter.clone(),
            config.kill_switch_parameter.clone(),
        );
        (document.is_some() || kill_switch.is_some() || ous).then(|| Self {
            ssm: aws_sdk_ssm::Client::new(sdk),
            organizations: aws_sdk_organizations::Client::new(sdk),
            document,
            kill_switch,
            snapshot: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(config.settings_ttl)
                .build(),
            ous: moka::future::Cache::builder()
                .max_capacity(256)
                .time_to_live(OU_TTL)
                .build(),
            last_good: Mutex::new(None),
        })
    }

    /// The configuration to run with now: `base` (the wiring) with the current settings, kill switch and
    /// OU-expanded scope.
    pub async fn config(&self, base: &Config) -> Result<Config, HubError> {
        let snapshot = self
            .snapshot
            .try_get_with((), self.read(base))
            .await
            .map_err(|e| HubError::Settings(e.to_string()))?;
        let mut config = base.with_settings(&snapshot.settings)?;
        config.policy.kill_switch = snapshot.kill_switch;
        self.expand_ous(&snapshot.settings, &mut config).await?;
        Ok(config)
    }

    async fn read(&self, base: &Config) -> Result<Arc<Snapshot>, String> {
        let fresh = self.fetch(base).await;
        let mut last = self.last_good.lock().unwrap_or_else(|p| p.into_inner());
        match fresh {
            Ok(snapshot) => {
                let snapshot = Arc::new(snapshot);
                *last = Some(snapshot.clone());
                Ok(snapshot)
            }
            Err(reason) => match last.clone() {
                Some(previous) => {
                    tracing::error!(
                        reason,
                        "settings not refreshed: the last good ones stay in force"
                    );
                    Ok(previous)
                }
                None => Err(reason),
            },
        }
    }

    async fn fetch(&self, base: &Config) -> Result<Snapshot, String> {
        let names: Vec<String> = self
            .document
            .iter()
            .chain(&self.kill_switch)
            .cloned()
            .collect();
        if names.is_empty() {
            // Only OUs to resolve: the document is the file's (or the defaults).
            return Ok(Snapshot {
                settings: base.document.clone(),
                kill_switch: false,
            });
        }
        let out = self
            .ssm
            .get_parameters()
            .set_names(Some(names))
            .with_decryption(true)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            // The switch is read with the document: unreadable, the settings fail (or the last good
            // stay) and the switch of the last good read applies.
            Err(e) => {
                return Err(crate::aws::explain::failed(
                    "reading the settings parameters (ssm:GetParameters)",
                    &e,
                ))
            }
        };
        let value = |name: &Option<String>| {
            name.as_ref().and_then(|n| {
                out.parameters()
                    .iter()
                    .find(|p| p.name() == Some(n.as_str()))
                    .and_then(|p| p.value().map(str::to_owned))
            })
        };
        let settings = match (&self.document, value(&self.document)) {
            (None, _) => base.document.clone(),
            (Some(name), None) => return Err(format!("settings parameter {name} does not exist")),
            (Some(name), Some(text)) => Settings::parse(&text).map_err(|errors| {
                let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                format!("settings parameter {name} is invalid: {}", list.join("; "))
            })?,
        };
        // A missing switch parameter is off: creating it is how the switch is thrown.
        let kill_switch = value(&self.kill_switch)
            .is_some_and(|v| !OFF.contains(&v.trim().to_ascii_lowercase().as_str()));
        Ok(Snapshot {
            settings,
            kill_switch,
        })
    }

    async fn expand_ous(&self, settings: &Settings, config: &mut Config) -> Result<(), HubError> {
        let scope = &settings.scope;
        for (ous, accounts) in [
            (
                &scope.include_ous,
                &mut config.policy.scope.include_accounts,
            ),
            (
                &scope.exclude_ous,
                &mut config.policy.scope.exclude_accounts,
            ),
        ] {
            for ou in ous {
                let members = self
                    .ous
                    .try_get_with(
                        ou.to_string(),
                        accounts_under(&self.organizations, ou.to_string()),
                    )
                    .await
                    .map_err(|e| HubError::Settings(e.to_string()))?;
                accounts.extend(members.iter().cloned());
            }
        }
        // Scoped to OUs that hold no account: nothing is in scope, not everything.
        if !scope.include_ous.is_empty() && config.policy.scope.include_accounts.is_empty() {
            config.policy.scope.include_accounts.insert("none".into());
        }
        Ok(())
    }
}

/// Every account under `parent` (an OU or root), at any depth.
pub async fn accounts_under(
    organizations: &aws_sdk_organizations::Client,
    parent: String,
) -> Result<Arc<BTreeSet<String>>, String> {
    let mut accounts = BTreeSet::new();
    let mut parents = vec![parent];
    while let Some(parent) = parents.pop() {
        let mut pages = organizations
            .list_accounts_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| orgs_error(&parent, &crate::aws::explain::sdk_error(&e)))?;
            accounts.extend(
                page.accounts()
                    .iter()
                    .filter_map(|a| a.id().map(str::to_owned)),
            );
        }
        let mut pages = organizations
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| orgs_error(&parent, &crate::aws::explain::sdk_error(&e)))?;
            parents.extend(
                page.organizational_units()
                    .iter()
                    .filter_map(|u| u.id().map(str::to_owned)),
            );
        }
    }
    Ok(Arc::new(accounts))
}

fn orgs_error(parent: &str, cause: &str) -> String {
    format!(
        "cannot list the accounts under {parent} ({cause}): the hub account must be an AWS \
         Organizations delegated administrator with organizations:List* (or drop the OU from the scope)"
    )
}
