//! A Systems Manager document is shared with everyone (control SSM.4): remove `all` from its share
//! permission. SSM shares a document with everyone or with named accounts, not both, so afterwards it is
//! shared with no one; the owner re-shares it with the accounts that need it.

use serde_json::json;

use super::{excluded_by_live_tag, failed, RunContext};
use crate::arn::Arn;
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::SsmPort;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "document-sharing",
    title: "Stop sharing a Systems Manager document with everyone",
    triggers: &[
        Trigger::Control("SSM.4"),
        Trigger::ConfigRule("ssm-document-not-public"),
    ],
    steps: &[
        "skip the document when it carries the exclusion tag",
        "remove `all` from who the document is shared with; record it for undo",
        "verify by reading the share permission back",
    ],
    grants: &[
        Grant::on("ssm:ListTagsForResource"),
        Grant::on("ssm:DescribeDocumentPermission"),
        Grant::on("ssm:ModifyDocumentPermission"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("sharing a document publicly again is done by hand"),
};

/// The document named by the finding's resource (`arn:<partition>:ssm:<region>:<acct>:document/<name>`;
/// ASFF has no document type, so any resource with such an ARN).
pub fn target(finding: &Finding) -> Result<Target, String> {
    let arn = finding
        .resources
        .iter()
        .filter_map(|r| Arn::parse(&r.id))
        .find(|a| a.service == "ssm" && a.resource_type() == Some("document"))
        .ok_or("finding without an SSM document ARN")?;
    if arn.account() != Some(finding.aws_account_id.as_str()) {
        return Err(format!("document {arn} is not in the finding's account {}", finding.aws_account_id));
    }
    Ok(Target::Resource { arn })
}

pub async fn run<P: SsmPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a document", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (name, label) = (arn.resource_id(), target.label());
    let (read, write) = ("ssm:DescribeDocumentPermission", "ssm:ModifyDocumentPermission");
    if let Some(report) = excluded_by_live_tag(ctx, "ssm:ListTagsForResource", &label, || ports.document_tags(name)).await {
        return report;
    }
    let shared = match ports.document_shared_with(name).await {
        Ok(Some(shared)) => shared,
        Ok(None) => return PlaybookReport::conclude(Vec::new(), Err(format!("document {name} does not exist").into())),
        Err(e) => return PlaybookReport::conclude(vec![failed("private", read, &label, e)], Ok(())),
    };
    // The API's pattern for "everyone" is `(?i)all` (SSM API reference, ModifyDocumentPermission).
    if !shared.iter().any(|a| a.eq_ignore_ascii_case("all")) {
        let step = StepRecord::new("private", Some(write), &label, StepOutcome::AlreadyDone, "the document is not public");
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let step = match ports.unshare_document_publicly(name).await {
        Ok(()) => StepRecord::new("private", Some(write), &label, StepOutcome::Done, format!("{name} is no longer shared with everyone"))
            .with_prior(json!({ "document": name, "shared_with": shared })),
        Err(e) => return PlaybookReport::conclude(vec![failed("private", write, &label, e)], Ok(())),
    };
    let private = |after: &Option<Vec<String>>| after.as_ref().is_none_or(|a| !a.iter().any(|a| a.eq_ignore_ascii_case("all")));
    let verified = match super::settle::until(ports, || ports.document_shared_with(name), private).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) | Ok(Err(None)) => Err(format!("document {name} is gone").into()),
        Ok(Err(Some(_))) => Err(super::settle::propagating(format!("{name} is still public"))),
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

    #[test]
    fn the_public_share_goes_and_the_twin_is_untouched() {
        let shared = vec!["all".to_string()];
        let fake = FakeAccount::new(FakeState {
            documents: BTreeMap::from([
                ("patch-all".to_string(), (shared.clone(), BTreeMap::new())),
                ("twin".to_string(), (shared, BTreeMap::new())),
            ]),
            ..FakeState::default()
        });
        let arn = crate::arn::Arn::parse("arn:aws:ssm:us-east-1:111111111111:document/patch-all");
        let target = Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert!(fake.with_state(|s| s.documents["patch-all"].0.is_empty()));
        assert_eq!(fake.with_state(|s| s.documents["twin"].0.clone()), ["all"]);
    }

    #[test]
    fn a_share_with_all_in_any_case_is_public() {
        let fake = FakeAccount::new(FakeState {
            documents: BTreeMap::from([("patch-all".to_string(), (vec!["All".to_string()], BTreeMap::new()))]),
            ..FakeState::default()
        });
        let arn = "arn:aws:ssm:us-east-1:111111111111:document/patch-all";
        let target = Target::Resource { arn: crate::arn::Arn::parse(arn).unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert!(report.steps.iter().all(|s| s.outcome == StepOutcome::Done), "{report:?}");
    }
}
