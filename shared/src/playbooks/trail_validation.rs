//! A CloudTrail trail does not validate its log files (control CloudTrail.4): turn on log file
//! validation, so tampering with delivered logs can be detected. Called in the trail's home region; an
//! organization trail can only be changed from the management account and is reported instead.

use serde_json::json;

use super::switch::{turn_on, Setting};
use super::{excluded_by_live_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::ports::{CloudTrailPort, Trail};
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "trail-validation",
    title: "Turn on log file validation for a CloudTrail trail",
    triggers: &[
        Trigger::Control("CloudTrail.4"),
        Trigger::ConfigRule("cloud-trail-log-file-validation-enabled"),
    ],
    steps: &[
        "read the trail: it must be this region's own, not an organization trail",
        "skip the trail when it carries the exclusion tag",
        "turn on log file validation",
        "verify with GetTrail",
    ],
    grants: &[
        Grant::on("cloudtrail:GetTrail"),
        Grant::on("cloudtrail:ListTags"),
        Grant::on("cloudtrail:UpdateTrail"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("turning log file validation off is done by hand"),
};

/// The trail named by the finding's `AwsCloudTrailTrail` resource (`…:trail/<name>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsCloudTrailTrail", "trail")
}

pub async fn run<P: CloudTrailPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a trail", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (trail_arn, label) = (arn.to_string(), target.label());
    if let Err(report) = managed_here(ports, ctx, &trail_arn, &label, "validation").await {
        return report;
    }
    let setting = Setting {
        step: "validation",
        what: "log file validation on",
        read_api: "cloudtrail:GetTrail",
        write_api: "cloudtrail:UpdateTrail",
        label: &label,
        prior: json!({ "trail": trail_arn, "log_file_validation": false }),
    };
    let read = || async { ports.get_trail(&trail_arn).await.map(|t| t.map(|t| t.log_file_validation)) };
    turn_on(ports, setting, read, || ports.enable_log_file_validation(&trail_arn)).await
}

/// The trail, when this account may change it here: not an organization trail (the management account's)
/// and this region is its home; not carrying the exclusion tag. Otherwise the report that ends the run.
pub(super) async fn managed_here<P: CloudTrailPort>(
    ports: &P,
    ctx: &RunContext,
    trail_arn: &str,
    label: &str,
    step: &str,
) -> Result<Trail, PlaybookReport> {
    let refuse = |reason: String| PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    let trail = match ports.get_trail(trail_arn).await {
        Ok(Some(trail)) => trail,
        Ok(None) => return Err(refuse(format!("trail {trail_arn} does not exist"))),
        Err(e) => {
            let step = failed(step, "cloudtrail:GetTrail", label, e);
            return Err(PlaybookReport::conclude(vec![step], Ok(())));
        }
    };
    if trail.organization {
        return Err(refuse(format!(
            "{label} is an organization trail: change it from the management account"
        )));
    }
    if let Some(home) = trail.home_region.as_deref().filter(|r| *r != ctx.region.as_str()) {
        return Err(refuse(format!("{label} lives in {home}, not {}", ctx.region)));
    }
    let tags = || ports.trail_tags(trail_arn);
    match excluded_by_live_tag(ctx, "cloudtrail:ListTags", label, tags).await {
        Some(report) => Err(report),
        None => Ok(trail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use crate::ports::Trail;
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    const ARN: &str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/main";

    fn account(organization: bool) -> FakeAccount {
        let trail = |arn: &str| Trail {
            arn: arn.into(),
            home_region: Some("us-east-1".into()),
            log_file_validation: false,
            organization,
            kms_key: None,
        };
        let other = ARN.replace("main", "other");
        FakeAccount::new(FakeState {
            trails: BTreeMap::from([
                (ARN.to_string(), (trail(ARN), BTreeMap::new())),
                (other.clone(), (trail(&other), BTreeMap::new())),
            ]),
            ..FakeState::default()
        })
    }

    fn target() -> Target {
        Target::Resource { arn: crate::arn::Arn::parse(ARN).unwrap_or_else(|| panic!("arn")) }
    }

    #[test]
    fn validation_is_turned_on_for_the_findings_trail_only() {
        let fake = account(false);
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target()));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert!(fake.with_state(|s| s.trails[ARN].0.log_file_validation));
        let other = ARN.replace("main", "other");
        assert!(!fake.with_state(|s| s.trails[&other].0.log_file_validation));
    }

    #[test]
    fn an_organization_trail_is_left_to_the_management_account() {
        let fake = account(true);
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target()));
        assert!(matches!(&report.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains("management")));
        assert!(!fake.calls().contains(&"cloudtrail:UpdateTrail".to_string()));
    }
}
