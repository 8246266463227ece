//! An ECR repository does not scan images on push (control ECR.1): turn scan on push on for that
//! repository (basic scanning); the registry's scanning configuration, which Inspector's enhanced
//! scanning may own, is not touched.

use serde_json::json;

use super::switch::{turn_on, Setting};
use super::{excluded_by_live_tag, RunContext};
use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::ports::EcrPort;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "repository-scanning",
    title: "Scan an ECR repository's images on push",
    triggers: &[
        Trigger::Control("ECR.1"),
        Trigger::ConfigRule("ecr-private-image-scanning-enabled"),
    ],
    steps: &[
        "skip the repository when it carries the exclusion tag",
        "turn on scan on push for the repository (the registry's configuration is left alone)",
        "verify with DescribeRepositories",
    ],
    grants: &[
        Grant::on("ecr:ListTagsForResource"),
        Grant::on("ecr:DescribeRepositories"),
        Grant::on("ecr:PutImageScanningConfiguration"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("turning scan on push off is done by hand"),
};

/// The repository named by the finding's `AwsEcrRepository` resource (`…:repository/<name>`; the name
/// may hold `/`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsEcrRepository", "repository")
}

pub async fn run<P: EcrPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a repository", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (repository, label) = (arn.resource_id(), target.label());
    if let Some(report) = excluded_by_live_tag(ctx, "ecr:ListTagsForResource", &label, || async { ports.repository_tags(&arn.to_string()).await }).await {
        return report;
    }
    let setting = Setting {
        step: "scan-on-push",
        what: "scan on push on",
        read_api: "ecr:DescribeRepositories",
        write_api: "ecr:PutImageScanningConfiguration",
        label: &label,
        prior: json!({ "repository": repository, "scan_on_push": false }),
    };
    let read = || ports.scan_on_push(repository);
    turn_on(ports, setting, read, || ports.enable_scan_on_push(repository)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    const ARN: &str = "arn:aws:ecr:us-east-1:111111111111:repository/team/api";

    #[test]
    fn a_repository_with_a_slash_in_its_name_scans_on_push_and_its_neighbour_does_not() {
        let fake = FakeAccount::new(FakeState {
            repositories: BTreeMap::from([
                ("team/api".to_string(), (false, ARN.to_string(), BTreeMap::new())),
                ("team/web".to_string(), (false, ARN.replace("api", "web"), BTreeMap::new())),
            ]),
            ..FakeState::default()
        });
        let target = Target::Resource { arn: crate::arn::Arn::parse(ARN).unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert!(fake.with_state(|s| s.repositories["team/api"].0));
        assert!(!fake.with_state(|s| s.repositories["team/web"].0));
        let again = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(again.steps[0].outcome, crate::audit::StepOutcome::AlreadyDone);
    }
}
