//! EC2 instances through the member session: what isolation reads and changes.

use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, FlowLogsResourceType, LogDestinationType, OperationType,
    PermissionGroup, SnapshotAttributeName, Tag, TrafficType,
};
use riposte_shared::ports::*;
use std::collections::BTreeMap;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::{absent_as_none, MemberClients};

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

pub(super) async fn describe(c: &MemberClients, id: &str) -> PortResult<Option<Instance>> {
    let request = c.ec2.describe_instances().instance_ids(id);
    let out = absent_as_none(
        call!(c, Api::Ec2DescribeInstances, id, request.send()),
        &["InvalidInstanceID.NotFound"],
    )?;
    let found = out.and_then(|o| {
        o.reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| i.instance_id() == Some(id))
            .cloned()
    });
    Ok(found.map(|i| Instance {
        id: id.to_owned(),
        vpc_id: i.vpc_id().map(str::to_owned),
        state: i
            .state()
            .and_then(|s| s.name())
            .map(|n| n.as_str().to_owned()),
        interfaces: i
            .network_interfaces()
            .iter()
            .filter_map(|n| {
                Some(InstanceInterface {
                    id: n.network_interface_id()?.to_owned(),
                    groups: n
                        .groups()
                        .iter()
                        .filter_map(|g| g.group_id().map(str::to_owned))
                        .collect(),
                })
            })
            .collect(),
        volumes: i
            .block_device_mappings()
            .iter()
            .filter_map(|b| b.ebs()?.volume_id().map(str::to_owned))
            .collect(),
        profile_arn: i
            .iam_instance_profile()
            .and_then(|p| p.arn())
            .map(str::to_owned),
        tags: super::ec2::tags(i.tags()),
    }))
}

pub(super) async fn tag(
    c: &MemberClients,
    id: &str,
    tags: &BTreeMap<String, String>,
) -> PortResult<()> {
    let tags: Vec<Tag> = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let request = c.ec2.create_tags().resources(id).set_tags(Some(tags));
    call!(c, Api::Ec2CreateTags, id, request.send()).map(|_| ())
}

pub(super) async fn protect(c: &MemberClients, id: &str) -> PortResult<()> {
    let request = c
        .ec2
        .modify_instance_attribute()
        .instance_id(id)
        .disable_api_termination(AttributeBooleanValue::builder().value(true).build());
    call!(c, Api::Ec2ModifyInstanceAttribute, id, request.send()).map(|_| ())
}

pub(super) async fn snapshot(
    c: &MemberClients,
    volume: &str,
    description: &str,
) -> PortResult<String> {
    let request = c
        .ec2
        .create_snapshot()
        .volume_id(volume)
        .description(description);
    let out = call!(c, Api::Ec2CreateSnapshot, volume, request.send())?;
    Ok(out.snapshot_id().unwrap_or_default().to_owned())
}

pub(super) async fn find_group(
    c: &MemberClients,
    vpc: &str,
    name: &str,
) -> PortResult<Option<String>> {
    let request = c
        .ec2
        .describe_security_groups()
        .filters(filter("vpc-id", vpc))
        .filters(filter("group-name", name));
    let out = call!(c, Api::Ec2DescribeSecurityGroups, name, request.send())?;
    Ok(out
        .security_groups()
        .first()
        .and_then(|g| g.group_id())
        .map(str::to_owned))
}

pub(super) async fn create_group(
    c: &MemberClients,
    vpc: &str,
    name: &str,
    about: &str,
) -> PortResult<String> {
    let request = c
        .ec2
        .create_security_group()
        .vpc_id(vpc)
        .group_name(name)
        .description(about);
    let out = call!(c, Api::Ec2CreateSecurityGroup, name, request.send())?;
    Ok(out.group_id().unwrap_or_default().to_owned())
}

pub(super) async fn set_groups(c: &MemberClients, eni: &str, groups: &[String]) -> PortResult<()> {
    let request = c
        .ec2
        .modify_network_interface_attribute()
        .network_interface_id(eni)
        .set_groups(Some(groups.to_vec()));
    call!(
        c,
        Api::Ec2ModifyNetworkInterfaceAttribute,
        eni,
        request.send()
    )
    .map(|_| ())
}

pub(super) async fn association(
    c: &MemberClients,
    id: &str,
) -> PortResult<Option<ProfileAssociation>> {
    let request = c
        .ec2
        .describe_iam_instance_profile_associations()
        .filters(filter("instance-id", id))
        .filters(filter("state", "associated"));
    let out = call!(
        c,
        Api::Ec2DescribeIamInstanceProfileAssociations,
        id,
        request.send()
    )?;
    Ok(out
        .iam_instance_profile_associations()
        .iter()
        .find_map(|a| {
            Some(ProfileAssociation {
                id: a.association_id()?.to_owned(),
                profile_arn: a.iam_instance_profile()?.arn()?.to_owned(),
            })
        }))
}

pub(super) async fn disassociate(c: &MemberClients, association: &str) -> PortResult<()> {
    let request = c
        .ec2
        .disassociate_iam_instance_profile()
        .association_id(association);
    call!(
        c,
        Api::Ec2DisassociateIamInstanceProfile,
        association,
        request.send()
    )
    .map(|_| ())
}

pub(super) async fn public_snapshot_candidates(
    c: &MemberClients,
    account: &str,
) -> PortResult<Vec<OwnSnapshot>> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        // The owner-id filter repeats `self`: some emulators ignore OwnerIds.
        let request = c
            .ec2
            .describe_snapshots()
            .owner_ids("self")
            .restorable_by_user_ids("all")
            .filters(filter("owner-id", account))
            .set_next_token(token.take());
        let out = call!(c, Api::Ec2DescribeSnapshots, account, request.send())?;
        found.extend(out.snapshots().iter().filter_map(|s| {
            Some(OwnSnapshot {
                id: s.snapshot_id()?.to_owned(),
                tags: super::ec2::tags(s.tags()),
            })
        }));
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(found),
        }
    }
}

pub(super) async fn snapshot_is_public(c: &MemberClients, id: &str) -> PortResult<bool> {
    let request = c
        .ec2
        .describe_snapshot_attribute()
        .snapshot_id(id)
        .attribute(SnapshotAttributeName::CreateVolumePermission);
    let out = call!(c, Api::Ec2DescribeSnapshotAttribute, id, request.send())?;
    Ok(out
        .create_volume_permissions()
        .iter()
        .any(|p| p.group() == Some(&PermissionGroup::All)))
}

pub(super) async fn make_snapshot_private(c: &MemberClients, id: &str) -> PortResult<()> {
    // The OperationType/GroupNames form: the documented equivalent of CreateVolumePermission.Remove.
    let request = c
        .ec2
        .modify_snapshot_attribute()
        .snapshot_id(id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(OperationType::Remove)
        .group_names("all");
    call!(c, Api::Ec2ModifySnapshotAttribute, id, request.send()).map(|_| ())
}

pub(super) async fn vpc_flow_logs(c: &MemberClients, vpc: &str) -> PortResult<Vec<FlowLog>> {
    let request = c
        .ec2
        .describe_flow_logs()
        .filter(filter("resource-id", vpc));
    let out = call!(c, Api::Ec2DescribeFlowLogs, vpc, request.send())?;
    Ok(out
        .flow_logs()
        .iter()
        .map(|l| FlowLog {
            id: l.flow_log_id().unwrap_or_default().to_owned(),
            traffic_type: l.traffic_type().map_or("", |t| t.as_str()).to_owned(),
            destination: l.log_destination().map(str::to_owned),
            status: l.flow_log_status().unwrap_or_default().to_owned(),
        })
        .collect())
}

pub(super) async fn create_vpc_flow_log(
    c: &MemberClients,
    vpc: &str,
    destination: &str,
) -> PortResult<String> {
    let request = c
        .ec2
        .create_flow_logs()
        .resource_ids(vpc)
        .resource_type(FlowLogsResourceType::Vpc)
        .traffic_type(TrafficType::Reject)
        .log_destination_type(LogDestinationType::S3)
        .log_destination(destination);
    let out = call!(c, Api::Ec2CreateFlowLogs, vpc, request.send())?;
    if let Some(failure) = out.unsuccessful().first().and_then(|u| u.error()) {
        let code = failure.code().unwrap_or("FlowLogCreationFailed");
        return Err(PortError::new(
            PortErrorKind::Invalid,
            "ec2:CreateFlowLogs",
            Some(code),
            failure.message().unwrap_or_default(),
        ));
    }
    Ok(out.flow_log_ids().first().cloned().unwrap_or_default())
}
