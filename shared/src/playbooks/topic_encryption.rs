//! An SNS topic is not encrypted at rest (control SNS.1): encrypt it with the key the team chose
//! (`destinations.sns_kms_key`). There is no SNS-managed option, and with `alias/aws/sns` AWS services that
//! publish to the topic (CloudWatch alarms, EventBridge, S3) fail: the chosen key must admit them, and the
//! note names it.

use serde_json::json;

use super::{excluded_by_live_tag, failed, not_configured, TeamSettings, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::SnsPort;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "topic-encryption",
    title: "Encrypt an SNS topic with the team's KMS key",
    triggers: &[
        Trigger::Control("SNS.1"),
        Trigger::ConfigRule("sns-encrypted-kms"),
    ],
    steps: &[
        "skip the topic when it carries the exclusion tag",
        "encrypt it with destinations.sns_kms_key (unset: nothing changes, the finding says so); record that it was not",
        "verify with GetTopicAttributes",
    ],
    grants: &[
        Grant::on("sns:ListTagsForResource"),
        Grant::on("sns:GetTopicAttributes"),
        Grant::on("sns:SetTopicAttributes"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the previous key is in the audit record; set it back by hand"),
};

/// The topic named by the finding's `AwsSnsTopic` resource (`arn:aws:sns:<region>:<acct>:<name>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::bare_resource(finding, "AwsSnsTopic", "sns")
}

pub async fn run<P: SnsPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a topic", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let Some(key) = TeamSettings::resolve(ctx.settings.sns_kms_key.as_deref(), ctx) else {
        return not_configured("destinations.sns_kms_key", "the KMS key ARN or alias topics are encrypted with");
    };
    let (topic, label) = (arn.to_string(), target.label());
    let (read, write) = ("sns:GetTopicAttributes", "sns:SetTopicAttributes");
    if let Some(report) = excluded_by_live_tag(ctx, "sns:ListTagsForResource", &label, || ports.topic_tags(&topic)).await {
        return report;
    }
    match ports.topic_kms_key(&topic).await {
        Ok(Some(None)) => {}
        Ok(Some(Some(_))) => {
            let step = StepRecord::new("encrypt", Some(write), &label, StepOutcome::AlreadyDone, "the topic is encrypted");
            return PlaybookReport::conclude(vec![step], Ok(()));
        }
        Ok(None) => return PlaybookReport::conclude(Vec::new(), Err(format!("topic {topic} does not exist").into())),
        Err(e) => return PlaybookReport::conclude(vec![failed("encrypt", read, &label, e)], Ok(())),
    }
    let step = match ports.encrypt_topic(&topic, &key).await {
        Ok(()) => StepRecord::new(
            "encrypt",
            Some(write),
            &label,
            StepOutcome::Done,
            format!("encrypted with {key}: AWS services publishing to it need that key's permission"),
        )
        .with_prior(json!({ "topic": topic, "kms_key": null })),
        Err(e) => return PlaybookReport::conclude(vec![failed("encrypt", write, &label, e)], Ok(())),
    };
    let verified = match ports.topic_kms_key(&topic).await {
        Ok(Some(Some(_))) => Ok(()),
        Ok(_) => Err(format!("{label} reads back unencrypted").into()),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    const ARN: &str = "arn:aws:sns:us-east-1:111111111111:alerts";

    #[test]
    fn the_topic_is_encrypted_with_the_configured_key_and_its_twin_is_not() {
        let twin = ARN.replace("alerts", "twin");
        let fake = FakeAccount::new(FakeState {
            topics: BTreeMap::from([
                (ARN.to_string(), (None, BTreeMap::new())),
                (twin.clone(), (None, BTreeMap::new())),
            ]),
            ..FakeState::default()
        });
        let ctx = RunContext {
            settings: TeamSettings { sns_kms_key: Some("alias/riposte-topics".into()), ..TeamSettings::default() },
            ..crate::playbooks::test_context("111111111111")
        };
        let target = Target::Resource { arn: crate::arn::Arn::parse(ARN).unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &ctx, &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert_eq!(fake.with_state(|s| s.topics[ARN].0.clone()).as_deref(), Some("alias/riposte-topics"));
        assert_eq!(fake.with_state(|s| s.topics[&twin].0.clone()), None);
    }
}
