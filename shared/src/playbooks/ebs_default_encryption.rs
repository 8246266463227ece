//! EBS encryption by default is off in a region (control EC2.7): turn it on. It applies to volumes
//! created from now on, with the region's default key (`aws/ebs` unless the account chose another);
//! existing volumes are not touched.

use serde_json::json;

use super::{failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::Ec2Port;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "ebs-default-encryption",
    title: "Turn on EBS encryption by default in the finding's region",
    triggers: &[
        Trigger::Control("EC2.7"),
        Trigger::ConfigRule("ec2-ebs-encryption-by-default"),
    ],
    steps: &[
        "read whether EBS encryption by default is on in the region",
        "turn it on (new volumes only; the default key stays as the account chose)",
        "verify by reading the setting back",
    ],
    grants: &[
        Grant::on("ec2:GetEbsEncryptionByDefault"),
        Grant::on("ec2:EnableEbsEncryptionByDefault"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("turning EBS encryption by default off again is done by hand (`aws ec2 disable-ebs-encryption-by-default`)"),
};

/// The account named by the finding's `AwsAccount` resource; the setting is the finding's region's.
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::account(finding)
}

pub async fn run<P: Ec2Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let label = format!("{} in {}", target.label(), ctx.region);
    let (read, write) = ("ec2:GetEbsEncryptionByDefault", "ec2:EnableEbsEncryptionByDefault");
    let step = match ports.ebs_encryption_by_default().await {
        Ok(true) => StepRecord::new(
            "encrypt-by-default",
            Some(write),
            &label,
            StepOutcome::AlreadyDone,
            "EBS encryption by default is already on",
        ),
        Ok(false) => match ports.enable_ebs_encryption_by_default().await {
            Ok(()) => StepRecord::new(
                "encrypt-by-default",
                Some(write),
                &label,
                StepOutcome::Done,
                format!("EBS encryption by default turned on in {}", ctx.region),
            )
            .with_prior(json!({ "ebs_encryption_by_default": false, "region": ctx.region })),
            Err(e) => failed("encrypt-by-default", write, &label, e),
        },
        Err(e) => failed("encrypt-by-default", read, &label, e),
    };
    if step.outcome == StepOutcome::Failed {
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let verified = match ports.ebs_encryption_by_default().await {
        Ok(true) => Ok(()),
        Ok(false) => Err("EBS encryption by default still reads as off".to_owned().into()),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use crate::ports::PortErrorKind;
    use futures::executor::block_on;

    fn account() -> Target {
        Target::Account {
            account: crate::ids::AccountId::parse("111111111111").unwrap_or_else(|e| panic!("{e}")),
        }
    }

    #[test]
    fn turns_it_on_once_and_records_that_it_was_off() {
        let fake = FakeAccount::new(FakeState::default());
        let ctx = crate::playbooks::test_context("111111111111");
        let report = block_on(run(&fake, &ctx, &account()));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated);
        assert!(fake.with_state(|s| s.ebs_encryption_by_default));
        assert_eq!(report.steps[0].prior.as_ref().map(|p| &p["ebs_encryption_by_default"]), Some(&json!(false)));
        let again = block_on(run(&fake, &ctx, &account()));
        assert_eq!(again.steps[0].outcome, StepOutcome::AlreadyDone);
    }

    #[test]
    fn the_real_ec2_7_event_targets_its_account() {
        let event = crate::playbooks::public_sample("sh-imported-control-ec2-7.json");
        let finding: Finding = serde_json::from_value(event["detail"]["findings"][0].clone())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(target(&finding), Ok(account()));
    }

    #[test]
    fn a_denied_read_changes_nothing() {
        let fake = FakeAccount::new(FakeState::default());
        fake.fail("ec2:GetEbsEncryptionByDefault", PortErrorKind::Denied, "UnauthorizedOperation", None);
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &account()));
        assert!(matches!(report.outcome, PlaybookOutcome::Failed { .. }));
        assert!(!fake.with_state(|s| s.ebs_encryption_by_default));
        assert_eq!(fake.calls(), ["ec2:GetEbsEncryptionByDefault"]);
    }
}
