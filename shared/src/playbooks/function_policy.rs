//! A Lambda function's resource-based policy lets anyone invoke it (control Lambda.1): remove only the
//! public statements — a principal of everyone with no condition pinning the caller to fixed accounts,
//! organizations, sources or networks — by their Sid. Statements for named accounts and services, and
//! pinned ones, stay. A function URL with `AuthType NONE` is public by design: its statement is public
//! too, and removing it closes the URL (the note says which statements went).

use serde_json::json;

use super::{excluded_by_live_tag, failed, parse_document, statements, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::LambdaPort;
use crate::s3_public::is_public_statement;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "function-policy",
    title: "Remove the public statements of a Lambda function's policy",
    triggers: &[
        Trigger::Control("Lambda.1"),
        Trigger::ConfigRule("lambda-function-public-access-prohibited"),
    ],
    steps: &[
        "skip the function when it carries the exclusion tag",
        "read the function policy; remove each public statement by its Sid (pinned and named statements stay); record them for undo",
        "verify that the policy read back has no public statement",
    ],
    grants: &[
        Grant::on("lambda:ListTags"),
        Grant::on("lambda:GetPolicy"),
        Grant::on("lambda:RemovePermission"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the removed statements are in the audit record (step prior); add them back by hand"),
};

/// The function named by the finding's `AwsLambdaFunction` resource (`…:function:<name>[:qualifier]`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsLambdaFunction", "function")
}

pub async fn run<P: LambdaPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a function", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (function, label) = (arn.resource_id(), target.label());
    let (step, write) = ("public-statements", "lambda:RemovePermission");
    if let Some(report) = excluded_by_live_tag(ctx, "lambda:ListTags", &label, || async { ports.function_tags(&arn.to_string()).await }).await {
        return report;
    }
    let public = match ports.function_policy(function).await {
        Ok(policy) => public_statements(policy.as_deref()),
        Err(e) => return PlaybookReport::conclude(vec![failed(step, "lambda:GetPolicy", &label, e)], Ok(())),
    };
    let public = match public {
        Ok(public) => public,
        Err(reason) => return PlaybookReport::conclude(Vec::new(), Err(reason.into())),
    };
    if public.is_empty() {
        let record = StepRecord::new(step, Some(write), &label, StepOutcome::AlreadyDone, "no public statement");
        return PlaybookReport::conclude(vec![record], Ok(()));
    }
    let mut steps = Vec::new();
    for statement in &public {
        let sid = statement["Sid"].as_str().unwrap_or_default();
        steps.push(match ports.remove_permission(function, sid).await {
            Ok(()) => StepRecord::new(step, Some(write), &label, StepOutcome::Done, format!("public statement {sid} removed"))
                .with_prior(json!({ "function": function, "statement": statement })),
            Err(e) => failed(step, write, &label, e),
        });
    }
    let closed = |policy: &Option<String>| public_statements(policy.as_deref()).is_ok_and(|left| left.is_empty());
    let verified = match super::settle::until(ports, || ports.function_policy(function), closed).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(policy)) => match public_statements(policy.as_deref()) {
            Ok(left) => Err(super::settle::propagating(format!("{} public statement(s) left", left.len()))),
            Err(reason) => Err(reason.into()),
        },
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(steps, verified)
}

/// The public statements of a policy (none when there is no policy); an unreadable policy is an error.
fn public_statements(policy: Option<&str>) -> Result<Vec<serde_json::Value>, String> {
    let Some(policy) = policy else {
        return Ok(Vec::new());
    };
    let document = parse_document(policy).ok_or("the function policy does not parse as JSON")?;
    Ok(statements(&document)
        .into_iter()
        .filter(|s| s["Effect"] == "Allow" && is_public_statement(s) && s["Sid"].is_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    const ARN: &str = "arn:aws:lambda:us-east-1:111111111111:function:resize";

    /// Public, pinned to a bucket of the account, and a named account: only the first is public.
    fn policy() -> String {
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": ARN},
            {"Sid": "FromBucket", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
             "Action": "lambda:InvokeFunction", "Resource": ARN,
             "Condition": {"StringEquals": {"AWS:SourceAccount": "111111111111"},
                           "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"}}},
            {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
             "Action": "lambda:InvokeFunction", "Resource": ARN}]})
        .to_string()
    }

    fn account() -> FakeAccount {
        FakeAccount::new(FakeState {
            functions: BTreeMap::from([
                ("resize".to_string(), (ARN.to_string(), Some(policy()), BTreeMap::new())),
                ("thumbs".to_string(), (ARN.replace("resize", "thumbs"), Some(policy()), BTreeMap::new())),
            ]),
            ..FakeState::default()
        })
    }

    fn sids(fake: &FakeAccount, function: &str) -> Vec<String> {
        let policy = fake.with_state(|s| s.functions[function].1.clone()).unwrap_or_default();
        let document: serde_json::Value = serde_json::from_str(&policy).unwrap_or_default();
        statements(&document).iter().filter_map(|s| s["Sid"].as_str().map(str::to_owned)).collect()
    }

    #[test]
    fn only_the_public_statement_goes_and_the_other_function_keeps_it() {
        let fake = account();
        let target = Target::Resource { arn: crate::arn::Arn::parse(ARN).unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:#?}");
        assert_eq!(sids(&fake, "resize"), ["FromBucket", "Partner"]);
        assert_eq!(sids(&fake, "thumbs"), ["Anyone", "FromBucket", "Partner"]);
        assert_eq!(report.steps[0].prior.as_ref().map(|p| &p["statement"]["Sid"]), Some(&json!("Anyone")));
        let again = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(again.steps[0].outcome, StepOutcome::AlreadyDone);
    }

    #[test]
    fn a_function_without_a_policy_is_not_public() {
        assert_eq!(public_statements(None), Ok(Vec::new()));
        assert!(public_statements(Some("{not json")).is_err());
    }
}
