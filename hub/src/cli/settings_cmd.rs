//! `riposte config check|show|example`.

use super::ConfigAction;
use crate::config::{Config, VARIABLES};
use crate::settings::{Settings, EXAMPLE};
use crate::HubError;

pub async fn run(action: ConfigAction) -> Result<i32, HubError> {
    match action {
        ConfigAction::Example => {
            out!("{EXAMPLE}");
            Ok(0)
        }
        ConfigAction::Check { file } => Ok(check(&file)),
        ConfigAction::Show { access } => show(&access).await,
    }
}

/// Every error, `FILE:LINE:COLUMN: message`, on stderr; exit 2 when any.
fn check(file: &std::path::Path) -> i32 {
    let display = file.display();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("riposte: cannot read {display}: {e}");
            return 2;
        }
    };
    match Settings::parse(&text) {
        Ok(_) => {
            outln!("{display}: ok");
            0
        }
        Err(errors) => {
            for error in &errors {
                eprintln!("{display}:{error}");
            }
            eprintln!("{display}: {} error(s)", errors.len());
            2
        }
    }
}

async fn show(access: &super::operator::Access) -> Result<i32, HubError> {
    let base = Config::from_env()?;
    let scope = &base.document.scope;
    let needs_aws = base.config_parameter.is_some()
        || base.kill_switch_parameter.is_some()
        || !scope.include_ous.is_empty()
        || !scope.exclude_ous.is_empty();
    let live = if needs_aws {
        let sdk = match access.hub_role_arn {
            Some(_) => super::operator::connect(access).await?.0,
            None => super::operator::sdk_for(access).await?,
        };
        crate::settings::live::LiveSettings::new(&sdk, &base)
    } else {
        None
    };
    let source = match &base.config_parameter {
        Some(name) => format!("SSM parameter {name}"),
        None => std::env::var("RIPOSTE_CONFIG_FILE").unwrap_or_else(|_| "defaults".into()),
    };
    let config = match &live {
        Some(live) => live.config(&base).await?,
        None => base.clone(),
    };
    outln!("# Wiring (environment)");
    for (name, _) in VARIABLES {
        let value = std::env::var(name).unwrap_or_default();
        outln!(
            "# {name:<32} {}",
            if value.is_empty() { "-" } else { &value }
        );
    }
    outln!(
        "# kill switch: {}",
        match (config.policy.kill_switch, config.policy.analysts_paused) {
            (_, true) => "ALL - automatic remediation and analysts' actions are paused",
            (true, false) => "ON - automatic remediation is paused",
            (false, false) => "off",
        }
    );
    if !config.policy.scope.include_accounts.is_empty()
        || !config.document.scope.include_ous.is_empty()
    {
        let accounts: Vec<&str> = config
            .policy
            .scope
            .include_accounts
            .iter()
            .map(String::as_str)
            .collect();
        outln!(
            "# accounts in scope (OUs expanded): {}",
            accounts.join(", ")
        );
    }
    outln!("# Settings in force, from {source}\n");
    out!("{}", config.document.to_toml());
    Ok(0)
}
