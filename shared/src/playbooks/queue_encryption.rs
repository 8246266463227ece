//! An SQS queue is not encrypted at rest (control SQS.1): turn on SSE-SQS. SQS-managed keys keep AWS
//! services that send to the queue (SNS, S3, EventBridge) working, which SSE-KMS with a key they may not
//! use would break. A queue already encrypted either way passes.

use serde_json::json;

use super::switch::{turn_on, Setting};
use super::{excluded_by_live_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::ports::SqsPort;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "queue-encryption",
    title: "Encrypt an SQS queue at rest with SQS-managed keys",
    triggers: &[Trigger::Control("SQS.1")],
    steps: &[
        "find the queue in the finding's account; skip it when it carries the exclusion tag",
        "turn on SSE-SQS unless the queue is already encrypted (SSE-SQS or SSE-KMS)",
        "verify by reading the queue's attributes back",
    ],
    grants: &[
        Grant::on("sqs:GetQueueUrl"),
        Grant::on("sqs:ListQueueTags"),
        Grant::on("sqs:GetQueueAttributes"),
        Grant::on("sqs:SetQueueAttributes"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("turning queue encryption off is done by hand"),
};

/// The queue named by the finding's `AwsSqsQueue` resource (`arn:aws:sqs:<region>:<acct>:<name>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::bare_resource(finding, "AwsSqsQueue", "sqs")
}

pub async fn run<P: SqsPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a queue", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let label = target.label();
    let url = match ports.queue_url(arn.name(), ctx.account.as_str()).await {
        Ok(Some(url)) => url,
        Ok(None) => {
            let reason = format!("queue {} does not exist in {}", arn.name(), ctx.account);
            return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
        }
        Err(e) => return PlaybookReport::conclude(vec![failed("encrypt", "sqs:GetQueueUrl", &label, e)], Ok(())),
    };
    if let Some(report) = excluded_by_live_tag(ctx, "sqs:ListQueueTags", &label, || ports.queue_tags(&url)).await {
        return report;
    }
    let setting = Setting {
        step: "encrypt",
        what: "encrypted at rest (SSE-SQS)",
        read_api: "sqs:GetQueueAttributes",
        write_api: "sqs:SetQueueAttributes",
        label: &label,
        prior: json!({ "queue_url": url, "sqs_managed_sse": false, "kms_key": null }),
    };
    let read = || async { ports.queue_encryption(&url).await.map(|e| Some(e.encrypted())) };
    turn_on(ports, setting, read, || ports.enable_queue_sse(&url)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{PlaybookOutcome, StepOutcome};
    use crate::fake::{FakeAccount, FakeQueue, FakeState};
    use crate::ports::QueueEncryption;
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    fn account(encryption: QueueEncryption) -> FakeAccount {
        let queue = |name: &str, encryption| FakeQueue {
            url: format!("https://sqs.us-east-1.amazonaws.com/111111111111/{name}"),
            owner: "111111111111".into(),
            encryption,
            tags: BTreeMap::new(),
        };
        FakeAccount::new(FakeState {
            queues: BTreeMap::from([
                ("orders".to_string(), queue("orders", encryption)),
                ("bystander".to_string(), queue("bystander", QueueEncryption::default())),
            ]),
            ..FakeState::default()
        })
    }

    fn target() -> Target {
        let arn = crate::arn::Arn::parse("arn:aws:sqs:us-east-1:111111111111:orders");
        Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) }
    }

    #[test]
    fn an_unencrypted_queue_gets_sse_sqs_and_its_neighbour_does_not() {
        let fake = account(QueueEncryption::default());
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target()));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert!(fake.with_state(|s| s.queues["orders"].encryption.sqs_managed));
        assert!(!fake.with_state(|s| s.queues["bystander"].encryption.sqs_managed));
    }

    #[test]
    fn a_queue_with_its_own_kms_key_is_left_as_it_is() {
        let kms = QueueEncryption { sqs_managed: false, kms_key: Some("alias/orders".into()) };
        let fake = account(kms.clone());
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target()));
        assert_eq!(report.steps[0].outcome, StepOutcome::AlreadyDone);
        assert_eq!(fake.with_state(|s| s.queues["orders"].encryption.clone()), kms);
    }

    #[test]
    fn another_accounts_queue_of_the_same_name_is_not_found() {
        let fake = account(QueueEncryption::default());
        let report = block_on(run(&fake, &crate::playbooks::test_context("222222222222"), &target()));
        assert!(matches!(report.outcome, PlaybookOutcome::Failed { .. }));
        assert!(!fake.with_state(|s| s.queues["orders"].encryption.sqs_managed));
    }
}
