//! A customer-managed KMS key does not rotate (control KMS.4): turn on automatic rotation (yearly). Only
//! enabled symmetric keys of KMS origin that are not multi-Region replicas can rotate; any other key is
//! reported with the reason. Rotation is transparent to the key's users.

use serde_json::json;

use super::switch::{turn_on, Setting};
use super::{excluded_by_live_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::ports::KmsPort;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "key-rotation",
    title: "Turn on automatic rotation of a customer-managed KMS key",
    triggers: &[
        Trigger::Control("KMS.4"),
        Trigger::ConfigRule("cmk-backing-key-rotation-enabled"),
    ],
    steps: &[
        "read the key: only enabled customer-managed symmetric keys of KMS origin (not replicas) rotate",
        "skip the key when it carries the exclusion tag",
        "turn on automatic rotation",
        "verify with GetKeyRotationStatus",
    ],
    grants: &[
        Grant::on("kms:DescribeKey"),
        Grant::on("kms:ListResourceTags"),
        Grant::on("kms:GetKeyRotationStatus"),
        Grant::on("kms:EnableKeyRotation"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("turning key rotation off is done by hand (`aws kms disable-key-rotation`)"),
};

/// The key named by the finding's `AwsKmsKey` resource (`…:key/<id>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsKmsKey", "key")
}

pub async fn run<P: KmsPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a key", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (key, label) = (arn.name(), target.label());
    match ports.describe_key(key).await {
        Ok(Some(found)) => {
            if let Some(reason) = found.cannot_rotate() {
                return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
            }
        }
        Ok(None) => {
            let reason = format!("key {key} does not exist");
            return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
        }
        Err(e) => return PlaybookReport::conclude(vec![failed("rotation", "kms:DescribeKey", &label, e)], Ok(())),
    }
    if let Some(report) = excluded_by_live_tag(ctx, "kms:ListResourceTags", &label, || ports.key_tags(key)).await {
        return report;
    }
    let setting = Setting {
        step: "rotation",
        what: "automatic key rotation on",
        read_api: "kms:GetKeyRotationStatus",
        write_api: "kms:EnableKeyRotation",
        label: &label,
        prior: json!({ "key_id": key, "rotation": false }),
    };
    let read = || async { ports.key_rotation_enabled(key).await.map(Some) };
    turn_on(ports, setting, read, || ports.enable_key_rotation(key)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use crate::ports::KmsKey;
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    fn key(id: &str, spec: &str, origin: &str) -> KmsKey {
        KmsKey {
            id: id.into(),
            manager: "CUSTOMER".into(),
            spec: spec.into(),
            origin: origin.into(),
            state: "Enabled".into(),
            replica: false,
        }
    }

    fn account() -> FakeAccount {
        let keys = [
            key("k-sym", "SYMMETRIC_DEFAULT", "AWS_KMS"),
            key("k-rsa", "RSA_2048", "AWS_KMS"),
            key("k-imported", "SYMMETRIC_DEFAULT", "EXTERNAL"),
            key("k-bystander", "SYMMETRIC_DEFAULT", "AWS_KMS"),
        ];
        FakeAccount::new(FakeState {
            keys: keys.into_iter().map(|k| (k.id.clone(), (k, false, BTreeMap::new()))).collect(),
            ..FakeState::default()
        })
    }

    fn target(id: &str) -> Target {
        let arn = crate::arn::Arn::parse(&format!("arn:aws:kms:us-east-1:111111111111:key/{id}"));
        Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) }
    }

    #[test]
    fn a_symmetric_customer_key_rotates_and_no_other_key_changes() {
        let fake = account();
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target("k-sym")));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert!(fake.with_state(|s| s.keys["k-sym"].1));
        assert!(!fake.with_state(|s| s.keys["k-bystander"].1));
    }

    #[test]
    fn keys_that_cannot_rotate_are_reported_with_the_reason_and_never_called() {
        for (id, why) in [("k-rsa", "symmetric"), ("k-imported", "imported")] {
            let fake = account();
            let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target(id)));
            assert!(
                matches!(&report.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains(why)),
                "{id}: {:?}",
                report.outcome
            );
            assert_eq!(fake.calls(), ["kms:DescribeKey"], "{id}");
        }
    }
}
