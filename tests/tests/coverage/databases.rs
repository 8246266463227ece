//! Read-backs for the RDS playbooks (RDS.1, RDS.2, RDS.11, RDS.13): the finding's instance or snapshot
//! fixed, its twin untouched.

use riposte_tests::{MemberView, Scenario};

/// (publicly accessible, backup retention days, auto minor version upgrade).
pub async fn instance(view: &MemberView, id: &str) -> (bool, i32, bool) {
    let rds = aws_sdk_rds::Client::new(&view.config);
    let out = rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await;
    let Some(db) = out.ok().and_then(|o| o.db_instances().first().cloned()) else {
        panic!("no DB instance {id}");
    };
    (
        db.publicly_accessible().unwrap_or(false),
        db.backup_retention_period().unwrap_or(0),
        db.auto_minor_version_upgrade().unwrap_or(false),
    )
}

/// Who may restore the snapshot.
async fn restorers(view: &MemberView, id: &str) -> Vec<String> {
    let rds = aws_sdk_rds::Client::new(&view.config);
    let out = rds
        .describe_db_snapshot_attributes()
        .db_snapshot_identifier(id)
        .send()
        .await;
    out.ok()
        .and_then(|o| o.db_snapshot_attributes_result().cloned())
        .map(|r| {
            r.db_snapshot_attributes()
                .iter()
                .filter(|a| a.attribute_name() == Some("restore"))
                .flat_map(|a| a.attribute_values().to_vec())
                .collect()
        })
        .unwrap_or_default()
}

/// RDS.11 and RDS.13 on one instance both hold; the public snapshot keeps only its named account.
pub async fn assert_fixed_beside_untouched(b: &MemberView, scenario: &Scenario) {
    let incident = |k: &str| scenario.str(&format!("/incidents/databases/{k}"));
    let twin = |k: &str| scenario.str(&format!("/bystanders/databases/{k}"));
    assert_eq!(instance(b, &incident("instance")).await, (false, 7, true));
    assert_eq!(instance(b, &twin("instance")).await, (true, 1, false));
    assert_eq!(restorers(b, &incident("snapshot")).await, ["210987654321"]);
    let mut public = restorers(b, &twin("snapshot")).await;
    public.sort();
    assert_eq!(public, ["210987654321", "all"]);
}

/// Who may create volumes from an EBS snapshot: `all` and account ids.
async fn volume_permissions(view: &MemberView, snapshot: &str) -> Vec<String> {
    let out = view
        .ec2
        .describe_snapshot_attribute()
        .snapshot_id(snapshot)
        .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await;
    let mut who: Vec<String> = out
        .map(|o| {
            o.create_volume_permissions()
                .iter()
                .filter_map(|p| {
                    p.group()
                        .map(|g| g.as_str().to_owned())
                        .or_else(|| p.user_id().map(str::to_owned))
                })
                .collect()
        })
        .unwrap_or_default();
    who.sort();
    who
}

/// EC2.1: the finding's account's public snapshot keeps only its named account; another account's
/// public snapshot stays public.
pub async fn assert_snapshots(b: &MemberView, c: &MemberView, scenario: &Scenario) {
    let public = scenario.str("/incidents/snapshots/public_snapshot");
    assert_eq!(volume_permissions(b, &public).await, ["210987654321"]);
    let private = scenario.str("/incidents/snapshots/private_snapshot");
    assert!(volume_permissions(b, &private).await.is_empty());
    let twin = scenario.str("/bystanders/snapshots/public_snapshot");
    assert_eq!(volume_permissions(c, &twin).await, ["210987654321", "all"]);
}
