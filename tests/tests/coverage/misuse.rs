//! The spoke role in a stolen hub session's hands, with the emulator evaluating IAM (Emulator::strict):
//! the grants pinned to Riposte's use refuse their misuse, and the state read back is unchanged.

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{CreateVolumePermission, CreateVolumePermissionModifications, Tag};
use riposte_tests::{Emulator, MemberView, Scenario};

/// A session of the spoke role in `account`, assumed with the hub's credentials as the hub would.
async fn spoke_session(
    emulator: &Emulator,
    scenario: &Scenario,
    account: &str,
) -> aws_config::SdkConfig {
    let hub = emulator.sdk(scenario.hub_credentials());
    let assumed = aws_sdk_sts::Client::new(&hub)
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/{}",
            scenario.str("/spoke_role_name")
        ))
        .role_session_name("stolen-hub-session")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let c = assumed
        .credentials
        .unwrap_or_else(|| panic!("no credentials"));
    emulator.sdk(aws_credential_types::Credentials::new(
        c.access_key_id,
        c.secret_access_key,
        Some(c.session_token),
        None,
        "stolen",
    ))
}

pub async fn grants_cannot_be_turned_around(emulator: &Emulator, scenario: &Scenario) {
    let b = scenario.member("workload-b");
    let ec2 = aws_sdk_ec2::Client::new(&spoke_session(emulator, scenario, &b).await);
    let snapshot = scenario.str("/incidents/snapshots/private_snapshot");
    let share = |permission: CreateVolumePermission| {
        ec2.modify_snapshot_attribute()
            .snapshot_id(&snapshot)
            .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
            .create_volume_permission(
                CreateVolumePermissionModifications::builder()
                    .add(permission)
                    .build(),
            )
            .send()
    };
    // Exfiltration: share the snapshot with an outside account, or with everyone.
    let to_account = share(
        CreateVolumePermission::builder()
            .user_id("210987654321")
            .build(),
    )
    .await;
    assert_eq!(
        to_account
            .err()
            .and_then(|e| e.code().map(str::to_owned))
            .as_deref(),
        Some("UnauthorizedOperation")
    );
    let to_all = share(
        CreateVolumePermission::builder()
            .group(aws_sdk_ec2::types::PermissionGroup::All)
            .build(),
    )
    .await;
    assert_eq!(
        to_all
            .err()
            .and_then(|e| e.code().map(str::to_owned))
            .as_deref(),
        Some("UnauthorizedOperation")
    );

    // Tagging: the exclusion tag (or an ABAC key) is refused, Riposte's own keys are allowed.
    let miner = scenario.str("/incidents/compromised_instance/instance_id");
    let tag = |key: &str| {
        ec2.create_tags()
            .resources(&miner)
            .tags(Tag::builder().key(key).value("x").build())
            .send()
    };
    let excluded = tag("AutoRemediate").await;
    assert_eq!(
        excluded
            .err()
            .and_then(|e| e.code().map(str::to_owned))
            .as_deref(),
        Some("UnauthorizedOperation")
    );
    assert!(
        tag("riposte:misuse-check").await.is_ok(),
        "Riposte's own tag keys stay allowed"
    );

    // Read back as the organization's admin: nothing was shared, the exclusion tag is not there.
    let view = MemberView::new(emulator, scenario, &b).await;
    let permissions = view
        .ec2
        .describe_snapshot_attribute()
        .snapshot_id(&snapshot)
        .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        permissions.create_volume_permissions().is_empty(),
        "{permissions:?}"
    );
    let tags = view
        .ec2
        .describe_tags()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("resource-id")
                .values(&miner)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        !tags.tags().iter().any(|t| t.key() == Some("AutoRemediate")),
        "{tags:?}"
    );
}
