//! A Redshift cluster is publicly accessible (control Redshift.1): make it private. BI clients outside
//! the VPC lose the cluster, so the default mode waits for an analyst's approval.

use serde_json::json;

use super::{excluded_by_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::RedshiftPort;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "cluster-public-access",
    title: "Make a publicly accessible Redshift cluster private",
    triggers: &[
        Trigger::Control("Redshift.1"),
        Trigger::ConfigRule("redshift-cluster-public-access-check"),
    ],
    steps: &[
        "read the cluster; skip it when it carries the exclusion tag",
        "set PubliclyAccessible=false; record the previous value",
        "verify by reading the cluster back",
    ],
    grants: &[
        Grant::on("redshift:DescribeClusters"),
        Grant::on("redshift:ModifyCluster"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Approve,
    threat: false,
};

/// The cluster named by the finding's `AwsRedshiftCluster` resource (`…:cluster:<id>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsRedshiftCluster", "cluster")
}

pub async fn run<P: RedshiftPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a cluster", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (id, label) = (arn.name(), target.label());
    let (read, write) = ("redshift:DescribeClusters", "redshift:ModifyCluster");
    let cluster = match ports.cluster(id).await {
        Ok(Some(cluster)) => cluster,
        Ok(None) => return PlaybookReport::conclude(Vec::new(), Err(format!("cluster {id} does not exist").into())),
        Err(e) => return PlaybookReport::conclude(vec![failed("private", read, &label, e)], Ok(())),
    };
    if let Some(report) = excluded_by_tag(ctx, Ok(cluster.tags.clone()), read, &label) {
        return report;
    }
    if !cluster.publicly_accessible {
        let step = StepRecord::new("private", Some(write), &label, StepOutcome::AlreadyDone, "the cluster is not publicly accessible");
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let step = match ports.make_cluster_private(id).await {
        Ok(()) => StepRecord::new(
            "private",
            Some(write),
            &label,
            StepOutcome::Done,
            format!("{id} is no longer publicly accessible: clients outside its VPC lose it"),
        )
        .with_prior(json!({ "cluster": id, "publicly_accessible": true })),
        Err(e) => return PlaybookReport::conclude(vec![failed("private", write, &label, e)], Ok(())),
    };
    let verified = match ports.cluster(id).await {
        Ok(Some(after)) if !after.publicly_accessible => Ok(()),
        Ok(Some(_)) => Err(format!("{id} still reads as publicly accessible").into()),
        Ok(None) => Err(format!("cluster {id} is gone").into()),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use crate::ports::RedshiftCluster;
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    #[test]
    fn the_findings_cluster_becomes_private_and_its_twin_stays_public() {
        let public = |id: &str| RedshiftCluster { id: id.into(), publicly_accessible: true, ..RedshiftCluster::default() };
        let fake = FakeAccount::new(FakeState {
            clusters: BTreeMap::from([("bi".to_string(), public("bi")), ("twin".to_string(), public("twin"))]),
            ..FakeState::default()
        });
        let arn = crate::arn::Arn::parse("arn:aws:redshift:us-east-1:111111111111:cluster:bi");
        let target = Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert!(!fake.with_state(|s| s.clusters["bi"].publicly_accessible));
        assert!(fake.with_state(|s| s.clusters["twin"].publicly_accessible));
    }
}
