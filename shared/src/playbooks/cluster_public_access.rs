//! A Redshift cluster is publicly accessible (control Redshift.1): make it private. BI clients outside
//! the VPC lose the cluster, so the default mode waits for an analyst's approval.

use serde_json::json;

use super::switch::{turn_on_from, Setting};
use super::{excluded_by_tag, RunContext};
use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::ports::{RedshiftCluster, RedshiftPort};
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
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
    undo: Inverse::None("the previous setting is in the audit record; make the cluster public again by hand"),
};

/// The cluster named by the finding's `AwsRedshiftCluster` resource (`…:cluster:<id>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsRedshiftCluster", "cluster")
}

use std::ops::Not;

pub async fn run<P: RedshiftPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a cluster", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (id, label) = (arn.name(), target.label());
    let read_api = "redshift:DescribeClusters";
    let first = ports.cluster(id).await;
    if let Ok(Some(cluster)) = &first {
        if let Some(report) = excluded_by_tag(ctx, Ok(cluster.tags.clone()), read_api, &label) {
            return report;
        }
    }
    let setting = Setting {
        step: "private",
        what: "not publicly accessible (clients outside its VPC lose it)",
        read_api,
        write_api: "redshift:ModifyCluster",
        label: &label,
        prior: json!({ "cluster": id, "publicly_accessible": true }),
    };
    // Redshift applies the change asynchronously and shows it under PendingModifiedValues meanwhile
    // (Redshift API reference, Cluster.PendingModifiedValues): a pending `false` is the fix under way.
    let private = |c: Option<RedshiftCluster>| {
        c.map(|c| c.pending_publicly_accessible.unwrap_or(c.publicly_accessible).not())
    };
    let read = || async { ports.cluster(id).await.map(private) };
    turn_on_from(ports, setting, first.map(private), read, || ports.make_cluster_private(id)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
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

    #[test]
    fn a_change_still_pending_reads_as_the_fix_under_way() {
        let cluster = RedshiftCluster {
            id: "warehouse".into(),
            publicly_accessible: true,
            pending_publicly_accessible: Some(false),
            ..RedshiftCluster::default()
        };
        let fake = FakeAccount::new(FakeState {
            clusters: BTreeMap::from([("warehouse".to_string(), cluster)]),
            ..FakeState::default()
        });
        let arn = crate::arn::Arn::parse("arn:aws:redshift:us-east-1:111111111111:cluster:warehouse");
        let target = Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(report.steps[0].outcome, crate::audit::StepOutcome::AlreadyDone, "{report:?}");
    }
}
