//! An RDS snapshot is public (control RDS.1): remove `all` from who may restore it. Shares with named
//! accounts stay. Works for DB snapshots and DB cluster snapshots alike.

use serde_json::json;

use super::{excluded_by_live_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{RdsPort, SnapshotKind};
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "db-snapshot-private",
    title: "Make a public RDS snapshot private",
    triggers: &[
        Trigger::Control("RDS.1"),
        Trigger::ConfigRule("rds-snapshots-public-prohibited"),
    ],
    steps: &[
        "skip the snapshot when it carries the exclusion tag",
        "remove `all` from the accounts that may restore it (named accounts stay); record it for undo",
        "verify by reading the restore attribute back",
    ],
    grants: &[
        Grant::on("rds:ListTagsForResource"),
        Grant::on("rds:DescribeDBSnapshotAttributes"),
        Grant::on("rds:ModifyDBSnapshotAttribute"),
        Grant::on("rds:DescribeDBClusterSnapshotAttributes"),
        Grant::on("rds:ModifyDBClusterSnapshotAttribute"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("sharing a snapshot publicly again is done by hand"),
};

/// The snapshot named by the finding's `AwsRdsDbSnapshot` (`…:snapshot:<id>`) or
/// `AwsRdsDbClusterSnapshot` (`…:cluster-snapshot:<id>`) resource.
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsRdsDbSnapshot", "snapshot")
        .or_else(|_| crate::target::arn_resource(finding, "AwsRdsDbClusterSnapshot", "cluster-snapshot"))
}

pub async fn run<P: RdsPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a snapshot", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (id, label) = (arn.name(), target.label());
    let (kind, read, write) = match arn.resource_type() {
        Some("cluster-snapshot") => (
            SnapshotKind::Cluster,
            "rds:DescribeDBClusterSnapshotAttributes",
            "rds:ModifyDBClusterSnapshotAttribute",
        ),
        _ => (SnapshotKind::Instance, "rds:DescribeDBSnapshotAttributes", "rds:ModifyDBSnapshotAttribute"),
    };
    if let Some(report) = excluded_by_live_tag(ctx, "rds:ListTagsForResource", &label, || async { ports.rds_tags(&arn.to_string()).await }).await {
        return report;
    }
    let restorers = match ports.snapshot_restorers(kind, id).await {
        Ok(Some(restorers)) => restorers,
        Ok(None) => return PlaybookReport::conclude(Vec::new(), Err(format!("snapshot {id} does not exist").into())),
        Err(e) => return PlaybookReport::conclude(vec![failed("private", read, &label, e)], Ok(())),
    };
    if !restorers.iter().any(|a| a == "all") {
        let step = StepRecord::new("private", Some(write), &label, StepOutcome::AlreadyDone, "the snapshot is not public");
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let step = match ports.unshare_snapshot_publicly(kind, id).await {
        Ok(()) => StepRecord::new("private", Some(write), &label, StepOutcome::Done, format!("{id} is no longer public"))
            .with_prior(json!({ "snapshot": id, "kind": kind, "restore": restorers })),
        Err(e) => return PlaybookReport::conclude(vec![failed("private", write, &label, e)], Ok(())),
    };
    let private = |after: &Option<Vec<String>>| after.as_ref().is_none_or(|a| !a.iter().any(|a| a == "all"));
    let verified = match super::settle::until(ports, || ports.snapshot_restorers(kind, id), private).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) | Ok(Err(None)) => Err(format!("snapshot {id} is gone").into()),
        Ok(Err(Some(_))) => Err(super::settle::propagating(format!("{id} is still public"))),
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

    const ARN: &str = "arn:aws:rds:us-east-1:111111111111:cluster-snapshot:nightly";

    #[test]
    fn only_the_public_share_goes_and_named_accounts_keep_theirs() {
        let shared = vec!["all".to_string(), "222222222222".to_string()];
        let fake = FakeAccount::new(FakeState {
            db_snapshots: BTreeMap::from([
                ((SnapshotKind::Cluster, "nightly".to_string()), (shared.clone(), ARN.to_string(), BTreeMap::new())),
                ((SnapshotKind::Instance, "nightly".to_string()), (shared, ARN.replace("cluster-", ""), BTreeMap::new())),
            ]),
            ..FakeState::default()
        });
        let target = Target::Resource { arn: crate::arn::Arn::parse(ARN).unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        let restorers = |kind| fake.with_state(|s| s.db_snapshots[&(kind, "nightly".to_string())].0.clone());
        assert_eq!(restorers(SnapshotKind::Cluster), ["222222222222"]);
        assert_eq!(restorers(SnapshotKind::Instance), ["all", "222222222222"], "the other kind is untouched");
    }
}
