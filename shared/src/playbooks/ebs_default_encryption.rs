//! EBS encryption by default is off in a region (control EC2.7): turn it on. It applies to volumes
//! created from now on, with the region's default key (`aws/ebs` unless the account chose another);
//! existing volumes are not touched.

use serde_json::json;

use super::switch::{turn_on, Setting};
use super::RunContext;
use crate::asff::Finding;
use crate::audit::PlaybookReport;
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
    let setting = Setting {
        step: "encrypt-by-default",
        what: "EBS encryption by default on",
        read_api: "ec2:GetEbsEncryptionByDefault",
        write_api: "ec2:EnableEbsEncryptionByDefault",
        label: &label,
        prior: json!({ "ebs_encryption_by_default": false, "region": ctx.region }),
    };
    let read = || async { ports.ebs_encryption_by_default().await.map(Some) };
    turn_on(ports, setting, read, || ports.enable_ebs_encryption_by_default()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{PlaybookOutcome, StepOutcome};
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
