//! The operator's commands on named findings — `approve`, `ignore`, `undo`, `remediate --finding` — run
//! from a workstation through the same engine as the Lambda, as the caller or as the hub role.

use clap::Args;
use riposte_shared::event::{AnalystAction, Content, Message, Source};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{engine_from, print_json, Output};
use crate::aws::explain;
use crate::aws::securityhub::SecurityHub;
use crate::config::Config;
use crate::engine::Mode;
use crate::HubError;

/// How the CLI reaches AWS from a workstation.
#[derive(Args, Debug, Clone, Default)]
pub struct Access {
    /// Assume this role first (the hub stack's HubRoleArn output; its OperatorPrincipalArn parameter
    /// names who may). Without it the caller's own credentials are used.
    #[arg(long)]
    pub hub_role_arn: Option<String>,
    /// A named profile of the AWS CLI configuration.
    #[arg(long)]
    pub profile: Option<String>,
    /// The aggregation region (where Security Hub holds the findings); default AWS_REGION.
    #[arg(long)]
    pub region: Option<String>,
}

/// The findings an analyst's command acts on, and how to reach them.
#[derive(Args, Debug)]
pub struct OnFindings {
    /// Finding ids (Security Hub's `Id`); for `undo`, also run ids (`r-YYYYMMDD-…`, the finding's
    /// riposte:run).
    #[arg(required = true)]
    pub finding_ids: Vec<String>,
    #[command(flatten)]
    pub access: Access,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// The SDK configuration and the caller's identity, or a message saying what is missing.
pub async fn connect(access: &Access) -> Result<(aws_config::SdkConfig, String), HubError> {
    let mut sdk = sdk_for(access).await?;
    if let Some(role) = &access.hub_role_arn {
        let provider = aws_config::sts::AssumeRoleProvider::builder(role)
            .session_name("riposte-operator")
            .configure(&sdk)
            .build()
            .await;
        sdk = sdk
            .into_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(provider),
            )
            .build();
    }
    let who = aws_sdk_sts::Client::new(&sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            HubError::Usage(match &access.hub_role_arn {
                Some(role) => format!(
                    "{}. Your credentials (--profile, or AWS_PROFILE / keys) must belong to the hub stack's OperatorPrincipalArn.",
                    explain::failed(&format!("acting as {role}"), &e)
                ),
                None => format!(
                    "{}. To act as the hub role, add --hub-role-arn ARN (the hub stack's HubRoleArn).",
                    explain::failed("finding who you are (sts:GetCallerIdentity)", &e)
                ),
            })
        })?
        .arn
        .unwrap_or_else(|| "unknown caller".into());
    Ok((sdk, who))
}

/// The SDK configuration for `access` (a known profile, a region), without calling AWS.
pub async fn sdk_for(access: &Access) -> Result<aws_config::SdkConfig, HubError> {
    if let Some(profile) = &access.profile {
        explain::check_profile(profile)
            .await
            .map_err(HubError::Usage)?;
    }
    let sdk =
        crate::aws::load_sdk_config_for(access.profile.as_deref(), access.region.as_deref()).await;
    if sdk.region().is_none() {
        return Err(HubError::Usage(explain::NO_REGION.into()));
    }
    Ok(sdk)
}

/// Run `action` on the named findings: Security Hub's copies, decided and acted on by the engine.
pub async fn run(action: AnalystAction, on: OnFindings) -> Result<i32, HubError> {
    let OnFindings {
        finding_ids,
        access,
        output,
    } = on;
    let (finding_ids, access) = (&finding_ids[..], &access);
    let config = Config::from_env()?;
    let (sdk, who) = connect(access).await?;
    let finding_ids = &expand_runs(&sdk, &config, action, finding_ids).await?[..];
    let found = SecurityHub::new(&sdk)
        .find_by_ids(finding_ids)
        .await
        .map_err(|e| HubError::Usage(format!("cannot read the findings from Security Hub: {e}")))?;
    let missing: Vec<&String> = finding_ids
        .iter()
        .filter(|id| !found.iter().any(|f| &f.id == *id))
        .collect();
    for id in &missing {
        eprintln!("riposte: Security Hub holds no finding {id} in this region");
    }
    if found.is_empty() {
        return Ok(2);
    }
    let time = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    let message = Message {
        id: None,
        receive_count: None,
        content: Ok(Content {
            source: Source::Operator { action, who, time },
            region: sdk
                .region()
                .and_then(|r| riposte_shared::ids::Region::parse(r.as_ref()).ok()),
            findings: found.into_iter().map(Ok).collect(),
        }),
    };
    let engine = engine_from(&sdk, config, false);
    let report = engine.run(vec![message], Mode::Remediate).await;
    match output {
        Output::Table => out!("{}", report.table()),
        Output::Json => print_json(&report),
    }
    // Refused (expired, changed, already handled) or failed: the operator must look.
    let refused = report.findings.iter().any(|f| {
        f.failed()
            || f.status.is_none() && f.decision != riposte_shared::policy::DecisionKind::Remediate
    });
    Ok(if !missing.is_empty() {
        2
    } else if refused {
        1
    } else {
        0
    })
}

/// `undo RUN_ID`: the findings the run changed (remediated or failed part-way), from its audit record.
async fn expand_runs(
    sdk: &aws_config::SdkConfig,
    config: &Config,
    action: AnalystAction,
    ids: &[String],
) -> Result<Vec<String>, HubError> {
    let is_run = |id: &str| id.starts_with("r-") && !id.contains(':') && !id.contains('/');
    if action != AnalystAction::Undo || !ids.iter().any(|id| is_run(id)) {
        return Ok(ids.to_vec());
    }
    let Some((bucket, owner)) = &config.audit_bucket else {
        return Err(HubError::Usage(
            "undo by run id needs the audit archive: set RIPOSTE_AUDIT_BUCKET and RIPOSTE_AUDIT_BUCKET_OWNER".into(),
        ));
    };
    let archive = crate::aws::audit::AuditArchive::new(sdk, bucket, owner);
    let mut out = Vec::new();
    for id in ids {
        if !is_run(id) {
            out.push(id.clone());
            continue;
        }
        let record = archive.get(id).await.map_err(|e| {
            HubError::Usage(format!("cannot read the audit record of run {id}: {e}"))
        })?;
        let changed = record["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| {
                f["steps"].as_array().is_some_and(|s| !s.is_empty())
                    && matches!(f["status"].as_str(), Some("remediated" | "failed"))
            });
        out.extend(changed.filter_map(|f| f["finding_id"].as_str().map(str::to_owned)));
    }
    Ok(out)
}

/// Create Riposte's custom actions (the hub stack's ActionTargets), keeping existing ones.
pub async fn create_actions(access: &Access) -> Result<i32, HubError> {
    let (sdk, _) = connect(access).await?;
    let client = aws_sdk_securityhub::Client::new(&sdk);
    for (action, id, name) in AnalystAction::ALL {
        let created = client
            .create_action_target()
            .id(id)
            .name(name)
            .description(action.description())
            .send()
            .await;
        match created {
            Ok(out) => outln!("created {}", out.action_target_arn().unwrap_or(id)),
            Err(e)
                if aws_sdk_securityhub::error::ProvideErrorMetadata::code(&e)
                    == Some("ResourceConflictException") =>
            {
                outln!("exists  {id} ({name})")
            }
            Err(e) => {
                return Err(HubError::Usage(explain::failed(
                    &format!("creating the custom action {name}"),
                    &e,
                )))
            }
        }
    }
    Ok(0)
}
