//! Read-backs for S3.6, Redshift.1 and SSM.4: the finding's resource fixed, its twin untouched.

use riposte_tests::{MemberView, Scenario};

/// Whether a bucket's policy holds Riposte's cross-account deny.
async fn denies_partner(view: &MemberView, bucket: &str) -> bool {
    view.policy_sids(bucket)
        .await
        .unwrap_or_default()
        .iter()
        .any(|sid| sid == "RiposteDenyCrossAccountSensitiveActions")
}

/// Whether the cluster is (or, a change pending, is becoming) publicly accessible: Redshift shows an
/// accepted ModifyCluster under PendingModifiedValues while it applies it.
pub async fn cluster_public(view: &MemberView, id: &str) -> Option<bool> {
    let rs = aws_sdk_redshift::Client::new(&view.config);
    let out = rs
        .describe_clusters()
        .cluster_identifier(id)
        .send()
        .await
        .ok()?;
    let cluster = out.clusters().first()?;
    cluster
        .pending_modified_values()
        .and_then(|p| p.publicly_accessible())
        .or(cluster.publicly_accessible())
}

async fn document_shared_with(view: &MemberView, name: &str) -> Vec<String> {
    let ssm = aws_sdk_ssm::Client::new(&view.config);
    let out = ssm
        .describe_document_permission()
        .name(name)
        .permission_type(aws_sdk_ssm::types::DocumentPermissionType::Share)
        .send()
        .await;
    let mut who = out.map(|o| o.account_ids().to_vec()).unwrap_or_default();
    who.sort();
    who
}

/// SSM.4 (auto) is fixed after the first run; S3.6 and Redshift.1 wait for an analyst.
pub async fn assert_before_approval(b: &MemberView, scenario: &Scenario) {
    let incident = |k: &str| scenario.str(&format!("/incidents/shared/{k}"));
    let twin = |k: &str| scenario.str(&format!("/bystanders/shared/{k}"));
    assert!(document_shared_with(b, &incident("document"))
        .await
        .is_empty());
    assert_eq!(document_shared_with(b, &twin("document")).await, ["all"]);
    assert!(!denies_partner(b, &incident("bucket")).await);
    assert_eq!(cluster_public(b, &incident("cluster")).await, Some(true));
}

/// After the analyst's approval: the deny and the private cluster, the twins unchanged.
pub async fn assert_after_approval(b: &MemberView, scenario: &Scenario) {
    let incident = |k: &str| scenario.str(&format!("/incidents/shared/{k}"));
    let twin = |k: &str| scenario.str(&format!("/bystanders/shared/{k}"));
    assert!(denies_partner(b, &incident("bucket")).await);
    assert!(!denies_partner(b, &twin("bucket")).await);
    assert_eq!(cluster_public(b, &incident("cluster")).await, Some(false));
    assert_eq!(cluster_public(b, &twin("cluster")).await, Some(true));
}

/// Where a bucket's access logs go, if anywhere.
async fn logging_target(view: &MemberView, bucket: &str) -> Option<String> {
    let out = view
        .s3
        .get_bucket_logging()
        .bucket(bucket)
        .send()
        .await
        .ok()?;
    out.logging_enabled().map(|l| l.target_bucket().to_owned())
}

/// S3.9: the finding's bucket logs to the team's log bucket; its twin does not log.
pub async fn assert_access_logging(b: &MemberView, scenario: &Scenario) {
    let bucket = scenario.str("/incidents/access_logging/bucket");
    let logs = scenario.str("/incidents/access_logging/log_bucket");
    assert_eq!(logging_target(b, &bucket).await, Some(logs));
    let twin = scenario.str("/bystanders/access_logging/bucket");
    assert_eq!(logging_target(b, &twin).await, None);
}

/// The flow logs of a VPC: (traffic type, destination).
async fn flow_logs(view: &MemberView, vpc: &str) -> Vec<(String, String)> {
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("resource-id")
        .values(vpc)
        .build();
    let out = view.ec2.describe_flow_logs().filter(filter).send().await;
    out.map(|o| {
        o.flow_logs()
            .iter()
            .map(|l| {
                (
                    l.traffic_type().map_or("", |t| t.as_str()).to_owned(),
                    l.log_destination().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// EC2.6: the finding's VPC logs rejected traffic to the team's bucket; the default VPC has no flow log.
pub async fn assert_flow_logs(b: &MemberView, scenario: &Scenario) {
    let vpc = scenario.str("/incidents/subnet/vpc_id");
    let bucket = scenario.str("/incidents/access_logging/flow_log_bucket");
    assert_eq!(
        flow_logs(b, &vpc).await,
        [("REJECT".to_string(), format!("arn:aws:s3:::{bucket}"))]
    );
    let default = b
        .ec2
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("isDefault")
                .values("true")
                .build(),
        )
        .send()
        .await
        .ok()
        .and_then(|o| o.vpcs().first().and_then(|v| v.vpc_id().map(str::to_owned)))
        .unwrap_or_default();
    assert!(flow_logs(b, &default).await.is_empty());
}
