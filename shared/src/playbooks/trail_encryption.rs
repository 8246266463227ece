//! A CloudTrail trail's log files are not encrypted with a KMS key (control CloudTrail.2): encrypt them
//! with the key the team chose (`destinations.cloudtrail_kms_key`). CloudTrail refuses a key whose policy does
//! not let it encrypt (`InsufficientEncryptionPolicyException`: reported, final), and readers without
//! `kms:Decrypt` lose the new logs: the note names the key. Called in the trail's home region;
//! organization trails are the management account's.

use serde_json::json;

use super::{failed, not_configured, RunContext, TeamSettings};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::CloudTrailPort;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "trail-encryption",
    title: "Encrypt a CloudTrail trail's log files with the team's KMS key",
    triggers: &[
        Trigger::Control("CloudTrail.2"),
        Trigger::ConfigRule("cloud-trail-encryption-enabled"),
    ],
    steps: &[
        "read the trail: it must be this region's own, not an organization trail; skip it when tagged",
        "encrypt it with destinations.cloudtrail_kms_key (unset: nothing changes, the finding says so); record the previous key",
        "verify with GetTrail",
    ],
    grants: &[
        Grant::on("cloudtrail:GetTrail"),
        Grant::on("cloudtrail:ListTags"),
        Grant::on("cloudtrail:UpdateTrail"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the previous key is in the audit record; set it back by hand"),
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
    let Some(key) = TeamSettings::resolve(ctx.settings.cloudtrail_kms_key.as_deref(), ctx) else {
        return not_configured("destinations.cloudtrail_kms_key", "the KMS key ARN or alias trails are encrypted with");
    };
    let (trail_arn, label) = (arn.to_string(), target.label());
    let write = "cloudtrail:UpdateTrail";
    let trail = match super::trail_validation::managed_here(ports, ctx, &trail_arn, &label, "encrypt").await {
        Ok(trail) => trail,
        Err(report) => return report,
    };
    if trail.kms_key.is_some() {
        let step = StepRecord::new("encrypt", Some(write), &label, StepOutcome::AlreadyDone, "the trail is encrypted with a KMS key");
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let step = match ports.encrypt_trail(&trail_arn, &key).await {
        Ok(()) => StepRecord::new(
            "encrypt",
            Some(write),
            &label,
            StepOutcome::Done,
            format!("log files now encrypted with {key}: whoever reads them needs kms:Decrypt on it"),
        )
        .with_prior(json!({ "trail": trail_arn, "kms_key": null })),
        Err(e) => return PlaybookReport::conclude(vec![failed("encrypt", write, &label, e)], Ok(())),
    };
    let verified = match ports.get_trail(&trail_arn).await {
        Ok(Some(after)) if after.kms_key.is_some() => Ok(()),
        Ok(_) => Err(format!("{label} reads back without a KMS key").into()),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
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

    fn account() -> FakeAccount {
        let trail = |arn: &str| Trail { arn: arn.into(), home_region: Some("us-east-1".into()), ..Trail::default() };
        let twin = ARN.replace("main", "twin");
        FakeAccount::new(FakeState {
            trails: BTreeMap::from([
                (ARN.to_string(), (trail(ARN), BTreeMap::new())),
                (twin.clone(), (trail(&twin), BTreeMap::new())),
            ]),
            ..FakeState::default()
        })
    }

    fn target() -> Target {
        Target::Resource { arn: crate::arn::Arn::parse(ARN).unwrap_or_else(|| panic!("arn")) }
    }

    #[test]
    fn the_trail_is_encrypted_with_the_configured_key_of_its_account_and_region() {
        let fake = account();
        let ctx = RunContext {
            settings: TeamSettings { cloudtrail_kms_key: Some("arn:aws:kms:{region}:{account}:alias/trails".into()), ..TeamSettings::default() },
            ..crate::playbooks::test_context("111111111111")
        };
        let report = block_on(run(&fake, &ctx, &target()));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        let key = fake.with_state(|s| s.trails[ARN].0.kms_key.clone());
        assert_eq!(key.as_deref(), Some("arn:aws:kms:us-east-1:111111111111:alias/trails"));
        let twin = ARN.replace("main", "twin");
        assert_eq!(fake.with_state(|s| s.trails[&twin].0.kms_key.clone()), None);
    }

    #[test]
    fn the_documented_cloudtrail_2_finding_targets_its_trail() {
        let finding: Finding = serde_json::from_value(crate::playbooks::public_sample("finding-docs-fsbp-cloudtrail-2.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(super::target(&finding).map(|t| t.label()), Ok("trail/AWSMacieTrail-DO-NOT-EDIT".into()));
    }

    #[test]
    fn without_a_configured_key_nothing_is_called_and_the_reason_names_the_setting() {
        let fake = account();
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target()));
        assert!(matches!(&report.outcome, PlaybookOutcome::Excluded { reason } if reason.contains("destinations.cloudtrail_kms_key")));
        assert!(fake.calls().is_empty());
    }
}
