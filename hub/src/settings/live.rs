//! Settings that change without a deploy: the kill switch in an SSM parameter, read first and on its own,
//! and the document in another, at most every `ttl` (30 s by default) per container; the accounts of
//! scoped OUs from Organizations, cached for `OU_TTL`. A failed or invalid document read keeps the last
//! good settings (with none yet the run fails and its messages are redelivered, so nothing runs on
//! settings nobody chose) but never the last switch: the switch read now applies whatever the
//! document's state. Any switch value but off/false/0/no pauses automatic remediation (a typo fails
//! safe), `all` pauses analysts' actions too, and a switch parameter that is missing or unreadable
//! pauses.

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

/// The kill switch as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    /// Off: automatic remediation runs.
    Off,
    /// On (any value but off/all, a typo included, or a switch that is missing or unreadable):
    /// automatic remediation is paused; analysts' actions still run.
    Automatic,
    /// `all`: analysts' actions are paused too.
    All,
}

impl Switch {
    /// A parameter's value: off/false/0/no/"" leave remediation running, `all` stops everything, any
    /// other value pauses automatic remediation.
    pub fn parse(value: &str) -> Self {
        let value = value.trim().to_ascii_lowercase();
        if OFF.contains(&value.as_str()) {
            Switch::Off
        } else if value == "all" {
            Switch::All
        } else {
            Switch::Automatic
        }
    }
}

/// What one read produced.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub settings: Settings,
    pub switch: Switch,
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
        config.policy.kill_switch = snapshot.switch != Switch::Off;
        config.policy.analysts_paused = snapshot.switch == Switch::All;
        self.expand_ous(&snapshot.settings, &mut config).await?;
        Ok(config)
    }

    /// The switch first and on its own, then the document: an unreadable or invalid document keeps
    /// the last good one, but never the last switch — the switch read now applies, and a switch that
    /// cannot be read pauses.
    async fn read(&self, base: &Config) -> Result<Arc<Snapshot>, String> {
        let switch = self.switch().await;
        let fresh = self.document(base).await;
        let mut last = self.last_good.lock().unwrap_or_else(|p| p.into_inner());
        match fresh {
            Ok(settings) => {
                let snapshot = Arc::new(Snapshot { settings, switch });
                *last = Some(snapshot.clone());
                Ok(snapshot)
            }
            Err(reason) => match last.clone() {
                Some(previous) => {
                    tracing::error!(
                        reason,
                        "settings not refreshed: the last good ones stay in force"
                    );
                    Ok(Arc::new(Snapshot {
                        settings: previous.settings.clone(),
                        switch,
                    }))
                }
                None => Err(reason),
            },
        }
    }

    /// The kill switch, read on its own; without a switch parameter, off. A switch parameter that is
    /// missing or cannot be read pauses: someone deleted it, or the hub cannot tell. ssm:GetParameters
    /// (the hub role's one SSM read) with one name: a missing parameter comes back under
    /// InvalidParameters, not as an error.
    async fn switch(&self) -> Switch {
        let Some(name) = &self.kill_switch else {
            return Switch::Off;
        };
        match self.ssm.get_parameters().names(name).send().await {
            Ok(out) => match out.parameters().first().and_then(|p| p.value()) {
                Some(value) => Switch::parse(value),
                None => {
                    tracing::error!(
                        parameter = name,
                        alarm = "kill-switch-missing",
                        "kill switch parameter missing: automatic remediation paused"
                    );
                    Switch::Automatic
                }
            },
            Err(e) => {
                let reason = crate::aws::explain::failed(
                    &format!("reading the kill switch {name} (ssm:GetParameters)"),
                    &e,
                );
                tracing::error!(
                    reason,
                    alarm = "kill-switch-unreadable",
                    "kill switch unreadable: automatic remediation paused"
                );
                Switch::Automatic
            }
        }
    }

    /// The settings document: the parameter's, else the file's (or the defaults).
    async fn document(&self, base: &Config) -> Result<Settings, String> {
        let Some(name) = &self.document else {
            return Ok(base.document.clone());
        };
        let read = self
            .ssm
            .get_parameters()
            .names(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| {
                crate::aws::explain::failed(
                    "reading the settings parameters (ssm:GetParameters)",
                    &e,
                )
            })?;
        let text = read
            .parameters()
            .first()
            .and_then(|p| p.value())
            .ok_or_else(|| format!("settings parameter {name} does not exist"))?;
        Settings::parse(text).map_err(|errors| {
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            format!("settings parameter {name} is invalid: {}", list.join("; "))
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
