//! The account password policy is weak (controls IAM.7 and IAM.11–IAM.17): raise what the control asks
//! and keep every other field. UpdateAccountPasswordPolicy resets any field it is not given, so the
//! policy is always written whole, from the one read; a field is only ever made stronger. A
//! Config-rule finding (no control id) raises the whole IAM.7 baseline.

use serde_json::json;

use super::{failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{IamPort, PasswordPolicy};
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "password-policy",
    title: "Strengthen the account password policy",
    triggers: &[
        Trigger::Control("IAM.7"),
        Trigger::Control("IAM.11"),
        Trigger::Control("IAM.12"),
        Trigger::Control("IAM.13"),
        Trigger::Control("IAM.14"),
        Trigger::Control("IAM.15"),
        Trigger::Control("IAM.16"),
        Trigger::Control("IAM.17"),
        Trigger::ConfigRule("iam-password-policy"),
    ],
    steps: &[
        "read the account password policy (none: the API's defaults)",
        "raise what the control asks (classes, length 14, reuse 24, age 90); keep every other field",
        "write the whole policy once; record the previous one for undo",
        "verify by reading the policy back field by field",
    ],
    grants: &[
        Grant::on("iam:GetAccountPasswordPolicy"),
        Grant::on("iam:UpdateAccountPasswordPolicy"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the previous policy is in the audit record (step prior); weakening a password policy is done by hand"),
};

/// The account named by the finding's `AwsAccount` resource.
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::account(finding)
}

/// `policy` raised to what `control` asks; every other field as it was.
pub fn strengthened(policy: &PasswordPolicy, control: Option<&str>) -> PasswordPolicy {
    let mut out = policy.clone();
    let classes = |out: &mut PasswordPolicy| {
        out.require_uppercase = true;
        out.require_lowercase = true;
        out.require_symbols = true;
        out.require_numbers = true;
    };
    match control {
        Some("IAM.11") => out.require_uppercase = true,
        Some("IAM.12") => out.require_lowercase = true,
        Some("IAM.13") => out.require_symbols = true,
        Some("IAM.14") => out.require_numbers = true,
        Some("IAM.15") => out.minimum_length = out.minimum_length.max(14),
        Some("IAM.16") => out.reuse_prevention = Some(out.reuse_prevention.unwrap_or(0).max(24)),
        Some("IAM.17") => {
            out.max_age_days = Some(out.max_age_days.map_or(90, |d| d.min(90)));
            // An expiring password must be changeable by its user, or every user needs an admin.
            out.allow_users_to_change = true;
        }
        // IAM.7's parameters: the four character classes and at least 8 characters.
        _ => {
            classes(&mut out);
            out.minimum_length = out.minimum_length.max(8);
        }
    }
    out
}

/// The `iam-password-policy` Config rule's own defaults (AWS Config managed rule): the four classes,
/// length 14, reuse 24, maximum age 90 — never weaker than what is set.
fn config_rule_defaults(policy: &PasswordPolicy) -> PasswordPolicy {
    let mut out = strengthened(policy, Some("IAM.7"));
    out.minimum_length = out.minimum_length.max(14);
    out.reuse_prevention = Some(out.reuse_prevention.unwrap_or(0).max(24));
    out.max_age_days = Some(out.max_age_days.map_or(90, |d| d.min(90)));
    out.allow_users_to_change = true;
    out
}

/// IAM.7 as the finding's parameters set it: a class a parameter does not require stays as the account
/// has it; length, reuse and age are only ever strengthened.
fn with_parameters(base: &PasswordPolicy, ctx: &RunContext) -> PasswordPolicy {
    let mut out = strengthened(base, Some("IAM.7"));
    let not_required = |name: &str| ctx.flag_parameter(name) == Some(false);
    if not_required("RequireUppercaseCharacters") {
        out.require_uppercase = base.require_uppercase;
    }
    if not_required("RequireLowercaseCharacters") {
        out.require_lowercase = base.require_lowercase;
    }
    if not_required("RequireSymbols") {
        out.require_symbols = base.require_symbols;
    }
    if not_required("RequireNumbers") {
        out.require_numbers = base.require_numbers;
    }
    let number = |name: &str| ctx.number_parameter(name).and_then(|n| i32::try_from(n).ok());
    if let Some(length) = number("MinimumPasswordLength") {
        out.minimum_length = out.minimum_length.max(length);
    }
    if let Some(reuse) = number("PasswordReusePrevention") {
        out.reuse_prevention = Some(out.reuse_prevention.unwrap_or(0).max(reuse));
    }
    if let Some(age) = number("MaxPasswordAge") {
        out.max_age_days = Some(out.max_age_days.map_or(age, |d| d.min(age)));
        out.allow_users_to_change = true;
    }
    out
}

pub async fn run<P: IamPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let label = target.label();
    let current = match ports.get_password_policy().await {
        Ok(current) => current,
        Err(e) => {
            let step = failed("read-policy", "iam:GetAccountPasswordPolicy", &label, e);
            return PlaybookReport::conclude(vec![step], Ok(()));
        }
    };
    let base = current.clone().unwrap_or(PasswordPolicy::API_DEFAULTS);
    let wanted = match (ctx.control.as_deref(), ctx.config_rule.as_deref()) {
        (None, Some(rule)) if rule.contains("iam-password-policy") => config_rule_defaults(&base),
        (Some("IAM.7"), _) => with_parameters(&base, ctx),
        (control, _) => strengthened(&base, control),
    };
    let api = "iam:UpdateAccountPasswordPolicy";
    if current.as_ref() == Some(&wanted) {
        let step = StepRecord::new(
            "strengthen-policy",
            Some(api),
            &label,
            StepOutcome::AlreadyDone,
            "the password policy already meets the control",
        );
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let step = match ports.update_password_policy(&wanted).await {
        Ok(()) => StepRecord::new(
            "strengthen-policy",
            Some(api),
            &label,
            StepOutcome::Done,
            changes(&base, &wanted),
        )
        // `null`: the account had no custom policy (undo deletes it).
        .with_prior(json!({ "password_policy": current })),
        Err(e) => return PlaybookReport::conclude(vec![failed("strengthen-policy", api, &label, e)], Ok(())),
    };
    let verified = match super::settle::until(ports, || ports.get_password_policy(), |read| read.as_ref() == Some(&wanted)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(_)) => Err(super::settle::propagating("the password policy does not read back as written".into())),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

/// What changed, for the note: `minimum length 8 → 14, reuse prevention none → 24`.
fn changes(before: &PasswordPolicy, after: &PasswordPolicy) -> String {
    let show = |v: Option<i32>| v.map_or("none".to_owned(), |v| v.to_string());
    let mut out = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name} {a} → {b}"));
        }
    };
    field("minimum length", before.minimum_length.to_string(), after.minimum_length.to_string());
    for (name, a, b) in [
        ("uppercase", before.require_uppercase, after.require_uppercase),
        ("lowercase", before.require_lowercase, after.require_lowercase),
        ("symbols", before.require_symbols, after.require_symbols),
        ("numbers", before.require_numbers, after.require_numbers),
        ("users may change", before.allow_users_to_change, after.allow_users_to_change),
    ] {
        field(name, a.to_string(), b.to_string());
    }
    field("maximum age", show(before.max_age_days), show(after.max_age_days));
    field("reuse prevention", show(before.reuse_prevention), show(after.reuse_prevention));
    format!("password policy: {}", out.join(", "))
}

#[cfg(test)]
#[path = "password_policy_tests.rs"]
mod tests;
