//! The policy's checks, each a question about the finding and its target with the reason as answer.

use crate::arn::{Arn, ResourceId};
use crate::asff::{Finding, SeverityLabel};
use crate::event::Source;
use crate::spec::PlaybookSpec;
use crate::target::{PrincipalKind, Target};
use crate::writeback::{RiposteStatus, FIELD_STATUS};

use super::{Decision, Policy};

/// An undo applies to a finding a run changed: remediated, or failed part-way.
pub(super) fn undo(finding: &Finding, source: &Source) -> Decision {
    let status = finding
        .user_defined_fields
        .get(FIELD_STATUS)
        .map(String::as_str)
        .unwrap_or("none");
    if status == RiposteStatus::Remediated.as_str() || status == RiposteStatus::Failed.as_str() {
        Decision::Undo(format!(
            "undo requested ({})",
            source.who().unwrap_or_default()
        ))
    } else {
        Decision::Skip(format!(
            "nothing to undo: riposte:status is {status}, Riposte changed nothing"
        ))
    }
}

pub(super) fn below_threshold(
    finding: &Finding,
    spec: &PlaybookSpec,
    policy: &Policy,
) -> Option<String> {
    if spec.threat && finding.is_guardduty() {
        let score = finding.guardduty_severity().unwrap_or(0.0);
        return (score < policy.guardduty_threshold).then(|| {
            format!(
                "GuardDuty severity {score:.1} is below the automatic threshold {:.1}",
                policy.guardduty_threshold
            )
        });
    }
    let label = finding
        .severity_label()
        .unwrap_or(SeverityLabel::Informational);
    (label < policy.threshold).then(|| {
        format!(
            "severity {} is below the automatic threshold {}",
            label.as_str(),
            policy.threshold.as_str()
        )
    })
}

/// The member account is the finding's `AwsAccountId`; a resource that names another one is refused.
pub(super) fn account_mismatch(finding: &Finding, target: &Target) -> Option<String> {
    let account = finding.aws_account_id.as_str();
    if let Target::Bucket {
        name,
        owner_account: Some(owner),
    } = target
    {
        if owner != account {
            return Some(format!(
                "bucket {name} is owned by account {owner}, not the finding's account {account}"
            ));
        }
    }
    finding.resources.iter().find_map(|r| {
        let id = ResourceId::parse(&r.id)?;
        let other = id.account().filter(|a| *a != account)?;
        Some(format!(
            "resource {} belongs to account {other}, not the finding's account {account}",
            r.id
        ))
    })
}

/// An instance GuardDuty reports as the target (`resourceRole` TARGET: inbound brute force, a Tor client
/// connecting to it) rather than the actor of the activity.
pub(super) fn victim_instance(finding: &Finding, target: &Target) -> bool {
    let instance =
        matches!(target, Target::Resource { arn } if arn.resource_type() == Some("instance"));
    let role = finding
        .product_field("aws/guardduty/service/resourceRole")
        .or_else(|| finding.product_field("resourceRole"));
    instance && role.as_deref() == Some("TARGET")
}

/// The hub's own role, the spoke role and configured break-glass principals are never touched.
pub(super) fn protected(finding: &Finding, target: &Target, policy: &Policy) -> Option<String> {
    let Target::IamPrincipal {
        principal, name, ..
    } = target
    else {
        return None;
    };
    let kind = match principal {
        PrincipalKind::User => "user",
        PrincipalKind::AssumedRole => "role",
        _ => return None,
    };
    if kind == "role" && (*name == policy.hub_role_name || *name == policy.spoke_role_name) {
        return Some(format!(
            "role {name} is Riposte's own role and is never touched"
        ));
    }
    if kind == "role" && is_platform_role(name) {
        return Some(format!(
            "role {name} runs the organization's platform (the spoke role may not change it)"
        ));
    }
    let account = finding.aws_account_id.as_str();
    policy
        .protected_principals
        .iter()
        .find(|arn| Arn::parse(arn).is_some_and(|arn| arn.is_iam(kind, account, name)))
        .map(|arn| format!("{kind} {name} is a protected principal ({arn})"))
}

/// The organization's, Control Tower's, StackSets' and IAM Identity Center's roles: the spoke template
/// denies changing them (`spoke-role` PROTECTED_ROLES), so their suspects go to a person.
fn is_platform_role(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "OrganizationAccountAccessRole",
        "AWSCloudFormationStackSetExecutionRole",
    ];
    const PREFIXES: &[&str] = &[
        "AWSControlTower",
        "aws-controltower-",
        "stacksets-exec-",
        "AWSReservedSSO_",
        "AWSServiceRoleFor",
    ];
    EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}
