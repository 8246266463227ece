//! EC2 security groups through the member session.

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, HttpTokensState, Tag};
use riposte_shared::ports::*;
use std::collections::BTreeMap;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::ec2_instances as instances;
use super::{absent_as_none, MemberClients};

impl Ec2Port for MemberClients {
    async fn describe_security_group(&self, group_id: &str) -> PortResult<Option<SecurityGroup>> {
        let request = self.ec2.describe_security_groups().group_ids(group_id);
        let out = absent_as_none(
            call!(
                self,
                Api::Ec2DescribeSecurityGroups,
                group_id,
                request.send()
            ),
            &["InvalidGroup.NotFound"],
        )?;
        Ok(out
            .and_then(|o| o.security_groups().first().cloned())
            .and_then(|g| {
                Some(SecurityGroup {
                    id: g.group_id()?.to_owned(),
                    name: g.group_name().unwrap_or_default().to_owned(),
                    vpc_id: g.vpc_id().map(str::to_owned),
                    tags: tags(g.tags()),
                })
            }))
    }

    async fn security_group_rules(&self, group_id: &str) -> PortResult<Vec<SecurityGroupRule>> {
        let mut rules = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let request = self
                .ec2
                .describe_security_group_rules()
                .filters(Filter::builder().name("group-id").values(group_id).build())
                .set_next_token(token.take());
            let out = call!(
                self,
                Api::Ec2DescribeSecurityGroupRules,
                group_id,
                request.send()
            )?;
            rules.extend(out.security_group_rules().iter().filter_map(|r| {
                Some(SecurityGroupRule {
                    id: r.security_group_rule_id()?.to_owned(),
                    egress: r.is_egress().unwrap_or(false),
                    protocol: r.ip_protocol().unwrap_or("-1").to_owned(),
                    from_port: r.from_port(),
                    to_port: r.to_port(),
                    cidr_ipv4: r.cidr_ipv4().map(str::to_owned),
                    cidr_ipv6: r.cidr_ipv6().map(str::to_owned),
                    referenced_group: r
                        .referenced_group_info()
                        .and_then(|g| g.group_id())
                        .map(str::to_owned),
                    prefix_list: r.prefix_list_id().map(str::to_owned),
                    description: r.description().map(str::to_owned),
                })
            }));
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(rules),
            }
        }
    }

    async fn revoke_ingress(&self, group_id: &str, rule_ids: &[String]) -> PortResult<()> {
        let request = self
            .ec2
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_security_group_rule_ids(Some(rule_ids.to_vec()));
        call!(
            self,
            Api::Ec2RevokeSecurityGroupIngress,
            group_id,
            request.send()
        )
        .map(|_| ())
    }

    async fn revoke_egress(&self, group_id: &str, rule_ids: &[String]) -> PortResult<()> {
        let request = self
            .ec2
            .revoke_security_group_egress()
            .group_id(group_id)
            .set_security_group_rule_ids(Some(rule_ids.to_vec()));
        call!(
            self,
            Api::Ec2RevokeSecurityGroupEgress,
            group_id,
            request.send()
        )
        .map(|_| ())
    }

    async fn ebs_encryption_by_default(&self) -> PortResult<bool> {
        let request = self.ec2.get_ebs_encryption_by_default();
        let out = call!(
            self,
            Api::Ec2GetEbsEncryptionByDefault,
            "account",
            request.send()
        )?;
        Ok(out.ebs_encryption_by_default().unwrap_or(false))
    }

    async fn enable_ebs_encryption_by_default(&self) -> PortResult<()> {
        let request = self.ec2.enable_ebs_encryption_by_default();
        call!(
            self,
            Api::Ec2EnableEbsEncryptionByDefault,
            "account",
            request.send()
        )
        .map(|_| ())
    }

    async fn describe_subnet(&self, subnet_id: &str) -> PortResult<Option<Subnet>> {
        let request = self.ec2.describe_subnets().subnet_ids(subnet_id);
        let out = absent_as_none(
            call!(self, Api::Ec2DescribeSubnets, subnet_id, request.send()),
            &["InvalidSubnetID.NotFound"],
        )?;
        Ok(out
            .and_then(|o| o.subnets().first().cloned())
            .and_then(|s| {
                Some(Subnet {
                    id: s.subnet_id()?.to_owned(),
                    vpc_id: s.vpc_id().map(str::to_owned),
                    map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
                    default_for_az: s.default_for_az().unwrap_or(false),
                    tags: tags(s.tags()),
                })
            }))
    }

    async fn disable_public_ip_on_launch(&self, subnet_id: &str) -> PortResult<()> {
        let request = self
            .ec2
            .modify_subnet_attribute()
            .subnet_id(subnet_id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(false).build());
        call!(
            self,
            Api::Ec2ModifySubnetAttribute,
            subnet_id,
            request.send()
        )
        .map(|_| ())
    }

    async fn instance_metadata(&self, instance_id: &str) -> PortResult<Option<InstanceMetadata>> {
        let request = self.ec2.describe_instances().instance_ids(instance_id);
        let out = absent_as_none(
            call!(self, Api::Ec2DescribeInstances, instance_id, request.send()),
            &["InvalidInstanceID.NotFound"],
        )?;
        let instance = out.and_then(|o| {
            o.reservations()
                .iter()
                .flat_map(|r| r.instances())
                .find(|i| i.instance_id() == Some(instance_id))
                .cloned()
        });
        Ok(instance.map(|i| {
            let options = i.metadata_options();
            InstanceMetadata {
                instance_id: instance_id.to_owned(),
                http_tokens: options
                    .and_then(|m| m.http_tokens())
                    .map_or("optional", |t| t.as_str())
                    .to_owned(),
                http_endpoint: options
                    .and_then(|m| m.http_endpoint())
                    .map_or("enabled", |e| e.as_str())
                    .to_owned(),
                state: i
                    .state()
                    .and_then(|s| s.name())
                    .map(|n| n.as_str().to_owned()),
                tags: tags(i.tags()),
            }
        }))
    }

    async fn require_imdsv2(&self, instance_id: &str) -> PortResult<()> {
        let request = self
            .ec2
            .modify_instance_metadata_options()
            .instance_id(instance_id)
            // HttpEndpoint omitted: "If this parameter is not specified, the existing state is maintained"
            // (EC2 API reference, ModifyInstanceMetadataOptions). An endpoint the team turned off stays off.
            .http_tokens(HttpTokensState::Required);
        call!(
            self,
            Api::Ec2ModifyInstanceMetadataOptions,
            instance_id,
            request.send()
        )
        .map(|_| ())
    }

    async fn describe_instance(&self, id: &str) -> PortResult<Option<Instance>> {
        instances::describe(self, id).await
    }
    async fn tag_instance(&self, id: &str, tags: &BTreeMap<String, String>) -> PortResult<()> {
        instances::tag(self, id, tags).await
    }
    async fn protect_from_termination(&self, id: &str) -> PortResult<()> {
        instances::protect(self, id).await
    }
    async fn snapshot_volume(&self, volume: &str, description: &str) -> PortResult<String> {
        instances::snapshot(self, volume, description).await
    }
    async fn find_security_group(&self, vpc: &str, name: &str) -> PortResult<Option<String>> {
        instances::find_group(self, vpc, name).await
    }
    async fn create_security_group(
        &self,
        vpc: &str,
        name: &str,
        about: &str,
    ) -> PortResult<String> {
        instances::create_group(self, vpc, name, about).await
    }
    async fn set_interface_groups(&self, eni: &str, groups: &[String]) -> PortResult<()> {
        instances::set_groups(self, eni, groups).await
    }
    async fn profile_association(&self, id: &str) -> PortResult<Option<ProfileAssociation>> {
        instances::association(self, id).await
    }
    async fn disassociate_profile(&self, association: &str) -> PortResult<()> {
        instances::disassociate(self, association).await
    }
    async fn public_snapshot_candidates(&self, account: &str) -> PortResult<Vec<OwnSnapshot>> {
        instances::public_snapshot_candidates(self, account).await
    }
    async fn snapshot_is_public(&self, id: &str) -> PortResult<bool> {
        instances::snapshot_is_public(self, id).await
    }
    async fn make_snapshot_private(&self, id: &str) -> PortResult<()> {
        instances::make_snapshot_private(self, id).await
    }
    async fn vpc_flow_logs(&self, vpc: &str) -> PortResult<Vec<FlowLog>> {
        instances::vpc_flow_logs(self, vpc).await
    }
    async fn create_vpc_flow_log(&self, vpc: &str, destination: &str) -> PortResult<String> {
        instances::create_vpc_flow_log(self, vpc, destination).await
    }
}

pub(super) fn tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
        .collect()
}
