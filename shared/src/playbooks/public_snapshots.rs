//! The account has public EBS snapshots in a region (control EC2.1, an account-level finding that names
//! no snapshot): find the account's own snapshots restorable by everyone, confirm each from its
//! createVolumePermission, and remove the public group from each. Shares with named accounts stay;
//! a snapshot carrying the exclusion tag is left public and listed for a person.

use serde_json::json;

use super::{failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::Ec2Port;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "public-snapshots",
    title: "Make the account's public EBS snapshots private",
    triggers: &[
        Trigger::Control("EC2.1"),
        Trigger::ConfigRule("ebs-snapshot-public-restorable-check"),
    ],
    steps: &[
        "list the account's snapshots in the region restorable by everyone; confirm each from its createVolumePermission",
        "remove the public group from each (named accounts stay; tagged ones are left for a person); record them for undo",
        "verify each by reading its createVolumePermission back",
    ],
    grants: &[
        Grant::on("ec2:DescribeSnapshots"),
        Grant::on("ec2:DescribeSnapshotAttribute"),
        Grant::on("ec2:ModifySnapshotAttribute"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("sharing a snapshot publicly again is done by hand"),
};

/// The account named by the finding's `AwsAccount` resource; the snapshots are its, in the finding's
/// region.
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::account(finding)
}

pub async fn run<P: Ec2Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let label = format!("{} in {}", target.label(), ctx.region);
    let (step, write) = ("private-snapshots", "ec2:ModifySnapshotAttribute");
    let candidates = match ports.public_snapshot_candidates(ctx.account.as_str()).await {
        Ok(candidates) => candidates,
        Err(e) => return PlaybookReport::conclude(vec![failed(step, "ec2:DescribeSnapshots", &label, e)], Ok(())),
    };
    let mut steps = Vec::new();
    let mut made_private = Vec::new();
    for snapshot in candidates {
        let excluded = ctx
            .exclusion_tag
            .as_ref()
            .is_some_and(|(k, v)| snapshot.tags.get(k) == Some(v));
        match ports.snapshot_is_public(&snapshot.id).await {
            Ok(false) => continue,
            Ok(true) if excluded => steps.push(StepRecord::new(
                step,
                None,
                &label,
                StepOutcome::NeedsHuman,
                format!("{} is public and carries the exclusion tag: left public for a person to decide", snapshot.id),
            )),
            Ok(true) => steps.push(match ports.make_snapshot_private(&snapshot.id).await {
                Ok(()) => {
                    made_private.push(snapshot.id.clone());
                    StepRecord::new(step, Some(write), &label, StepOutcome::Done, format!("{} is no longer public", snapshot.id))
                        .with_prior(json!({ "snapshot": snapshot.id, "create_volume_permission": ["all"] }))
                }
                Err(e) => failed(step, write, &label, e),
            }),
            Err(e) => steps.push(failed(step, "ec2:DescribeSnapshotAttribute", &label, e)),
        }
    }
    if steps.is_empty() {
        steps.push(StepRecord::new(step, Some(write), &label, StepOutcome::AlreadyDone, "no public snapshot"));
    }
    let mut verified = Ok(());
    for id in &made_private {
        match ports.snapshot_is_public(id).await {
            Ok(false) => {}
            Ok(true) => verified = Err(format!("{id} is still public").into()),
            Err(e) => verified = Err(e.into()),
        }
    }
    let report = PlaybookReport::conclude(steps, verified);
    // A tagged snapshot stays public: the control still fails, so the finding must not read resolved.
    match (&report.outcome, report.manual.first()) {
        (crate::audit::PlaybookOutcome::Remediated, Some(left)) => PlaybookReport {
            outcome: crate::audit::PlaybookOutcome::Excluded { reason: left.clone() },
            ..report
        },
        _ => report,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    const ACCOUNT: &str = "111111111111";

    fn account() -> FakeAccount {
        let tagged = BTreeMap::from([("AutoRemediate".to_string(), "false".to_string())]);
        FakeAccount::new(FakeState {
            ebs_snapshots: BTreeMap::from([
                ("snap-public".to_string(), (ACCOUNT.to_string(), true, BTreeMap::new())),
                ("snap-dataset".to_string(), (ACCOUNT.to_string(), true, tagged)),
                ("snap-private".to_string(), (ACCOUNT.to_string(), false, BTreeMap::new())),
                ("snap-other-account".to_string(), ("222222222222".to_string(), true, BTreeMap::new())),
            ]),
            ..FakeState::default()
        })
    }

    fn public(fake: &FakeAccount, id: &str) -> bool {
        fake.with_state(|s| s.ebs_snapshots[id].1)
    }

    #[test]
    fn the_accounts_public_snapshots_become_private_except_a_tagged_one() {
        let fake = account();
        let ctx = RunContext {
            exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
            ..crate::playbooks::test_context(ACCOUNT)
        };
        let target = Target::Account { account: ctx.account.clone() };
        let report = block_on(run(&fake, &ctx, &target));
        // The tagged one stays public, so the finding is not resolved: excluded, with the reason.
        assert!(matches!(&report.outcome, PlaybookOutcome::Excluded { reason } if reason.contains("snap-dataset")));
        assert!(!public(&fake, "snap-public"));
        assert!(public(&fake, "snap-dataset"), "tagged: left for a person");
        assert!(report.manual.iter().any(|m| m.contains("snap-dataset")));
        assert!(public(&fake, "snap-other-account"), "another account's snapshot is never touched");
        let again = block_on(run(&fake, &ctx, &target));
        assert!(again.steps.iter().all(|s| s.outcome != StepOutcome::Done));
    }
}
