//! S3 Block Public Access is off at the account level (control S3.1): turn its four settings on with
//! S3 Control. The setting is the account's, for every region and every bucket at once: a bucket that
//! serves a public website or public downloads stops being public, so this waits for an analyst's
//! approval by default. The previous settings are recorded; existing bucket-level settings are not
//! touched.

use serde_json::json;

use super::switch::{turn_on_from, Setting};
use super::RunContext;
use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::ports::{PublicAccessBlock, S3Port};
use crate::spec::{Grant, Inverse, Mode, PlaybookSpec, Risk, Trigger};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "account-public-access-block",
    title: "Turn on S3 Block Public Access for the whole account",
    triggers: &[
        Trigger::Control("S3.1"),
        Trigger::ConfigRule("s3-account-level-public-access-blocks"),
    ],
    steps: &[
        "read the account's Block Public Access (S3 Control: one setting for every region and bucket)",
        "turn its four settings on (public websites and downloads of the account stop being public)",
        "record the previous settings; verify by reading them back",
    ],
    grants: &[
        Grant::on("s3:GetAccountPublicAccessBlock"),
        Grant::on("s3:PutAccountPublicAccessBlock"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Approve,
    threat: false,
    undo: Inverse::None(
        "the previous settings are in the audit record (step prior); set them back with \
         `aws s3control put-public-access-block`, or, when it was null (none), remove them with \
         `aws s3control delete-public-access-block`",
    ),
};

/// The account named by the finding's `AwsAccount` resource (`AWS::::Account:<id>`), the finding's own.
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::account(finding)
}

pub async fn run<P: S3Port>(ports: &P, _ctx: &RunContext, target: &Target) -> PlaybookReport {
    let label = target.label();
    let current = ports.get_account_public_access_block().await;
    let setting = Setting {
        step: "block-public-access",
        what: "Block Public Access on for the whole account (all four settings)",
        read_api: "s3:GetAccountPublicAccessBlock",
        write_api: "s3:PutAccountPublicAccessBlock",
        label: &label,
        prior: json!({ "account_public_access_block": current.as_ref().ok().copied().flatten() }),
    };
    let all_on = |settings: Option<PublicAccessBlock>| Some(settings.is_some_and(|s| s.all_on()));
    let read = || async { ports.get_account_public_access_block().await.map(all_on) };
    let write = || ports.put_account_public_access_block(PublicAccessBlock::ALL_ON);
    turn_on_from(ports, setting, current.map(all_on), read, write).await
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
    fn turns_every_setting_on_once_and_records_the_previous_ones() {
        let partial = PublicAccessBlock {
            block_public_acls: true,
            ..PublicAccessBlock::default()
        };
        let fake = FakeAccount::new(FakeState {
            account_public_access_block: Some(partial),
            ..FakeState::default()
        });
        let ctx = crate::playbooks::test_context("111111111111");
        let report = block_on(run(&fake, &ctx, &account()));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated);
        assert_eq!(
            fake.with_state(|s| s.account_public_access_block),
            Some(PublicAccessBlock::ALL_ON)
        );
        let prior = report.steps[0].prior.clone().unwrap_or_default();
        assert_eq!(prior["account_public_access_block"]["block_public_acls"], json!(true));
        assert_eq!(prior["account_public_access_block"]["block_public_policy"], json!(false));
        let again = block_on(run(&fake, &ctx, &account()));
        assert_eq!(again.steps[0].outcome, StepOutcome::AlreadyDone);
        assert_eq!(again.outcome, PlaybookOutcome::Remediated);
    }

    #[test]
    fn an_account_without_settings_is_recorded_as_none() {
        let fake = FakeAccount::new(FakeState::default());
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &account()));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated);
        assert_eq!(
            report.steps[0].prior.as_ref().map(|p| &p["account_public_access_block"]),
            Some(&json!(null))
        );
    }

    #[test]
    fn the_real_s3_1_finding_targets_its_account() {
        let sample = crate::playbooks::public_sample("finding-control-s3-1-account-level.json");
        let finding: Finding = serde_json::from_value(sample).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(target(&finding), Ok(account()));
    }

    /// AWS rates S3.1 MEDIUM, below the default HIGH threshold: a fix that waits for an analyst is put to
    /// one whatever the severity, not reported as notify-only (where "approve" would be refused).
    #[test]
    fn the_real_s3_1_finding_awaits_approval_under_the_default_settings() {
        let sample = crate::playbooks::public_sample("finding-control-s3-1-account-level.json");
        let mut finding: Finding = serde_json::from_value(sample).unwrap_or_else(|e| panic!("{e}"));
        finding.compliance = Some(crate::asff::Compliance {
            status: Some("FAILED".into()),
            security_control_id: Some("S3.1".into()),
            ..Default::default()
        });
        let policy = crate::policy::Policy::default();
        let decision =
            crate::policy::assess(&finding, &crate::event::Source::Imported, None, &policy).decision;
        assert_eq!(decision.name(), "await-approval", "{decision:?}");
    }

    #[test]
    fn a_denied_write_is_reported_and_nothing_claims_success() {
        let fake = FakeAccount::new(FakeState::default());
        fake.fail("s3:PutAccountPublicAccessBlock", PortErrorKind::Denied, "AccessDenied", None);
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &account()));
        assert!(matches!(report.outcome, PlaybookOutcome::Failed { .. }));
        assert_eq!(fake.with_state(|s| s.account_public_access_block), None);
        assert_eq!(
            fake.calls(),
            ["s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"]
        );
    }
}
