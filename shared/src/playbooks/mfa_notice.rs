//! MFA is missing for a console user or for the root user (controls IAM.5, IAM.6, IAM.9, IAM.19): no
//! one can enroll an MFA device for someone else, and deleting the user's password locks them out, so
//! Riposte changes nothing and tells the team who must act. The reason is written on the finding.

use super::RunContext;
use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::ports::IamPort;
use crate::spec::{Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "mfa-notice",
    title: "Tell the owner to enroll MFA (no automatic fix exists)",
    triggers: &[
        Trigger::Control("IAM.5"),
        Trigger::Control("IAM.6"),
        Trigger::Control("IAM.9"),
        Trigger::Control("IAM.19"),
        Trigger::ConfigRule("mfa-enabled-for-iam-console-access"),
        Trigger::ConfigRule("root-account-mfa-enabled"),
        Trigger::ConfigRule("root-account-hardware-mfa-enabled"),
        Trigger::ConfigRule("iam-user-mfa-enabled"),
    ],
    steps: &["change nothing: mark the finding NOTIFIED with who must enroll MFA, and tell the team"],
    grants: &[],
    risk: Risk::Low,
    mode: Mode::Notify(
        "MFA cannot be enrolled for someone else and removing the password would lock the user out: \
         the user (or, for root, the account owner) must enroll an MFA device",
    ),
    threat: false,
    undo: Inverse::None("changes nothing"),
};

/// The user of an `AwsIamUser` resource (IAM.5, IAM.19), else the account (IAM.6, IAM.9: root).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::iam_user(finding).or_else(|_| crate::target::account(finding))
}

/// Never called: the policy stops a notify-only playbook before it runs.
pub async fn run<P: IamPort>(_ports: &P, _ctx: &RunContext, target: &Target) -> PlaybookReport {
    let reason = format!("{} is notify-only: nothing to run on {}", SPEC.id, target.label());
    PlaybookReport::conclude(Vec::new(), Err(reason.into()))
}
