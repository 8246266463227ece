//! The fake's EC2 security groups.

use std::collections::BTreeMap;

use super::FakeAccount;
use crate::ports::*;

impl Ec2Port for FakeAccount {
    async fn describe_security_group(&self, group_id: &str) -> PortResult<Option<SecurityGroup>> {
        self.enter("ec2:DescribeSecurityGroups")?;
        Ok(self.with_state(|s| s.security_groups.get(group_id).map(|(g, _)| g.clone())))
    }
    async fn security_group_rules(&self, group_id: &str) -> PortResult<Vec<SecurityGroupRule>> {
        self.enter("ec2:DescribeSecurityGroupRules")?;
        Ok(self.with_state(|s| {
            s.security_groups
                .get(group_id)
                .map(|(_, rules)| rules.clone())
                .unwrap_or_default()
        }))
    }
    async fn revoke_ingress(&self, group_id: &str, rule_ids: &[String]) -> PortResult<()> {
        self.revoke("ec2:RevokeSecurityGroupIngress", group_id, rule_ids, false)
    }
    async fn revoke_egress(&self, group_id: &str, rule_ids: &[String]) -> PortResult<()> {
        self.revoke("ec2:RevokeSecurityGroupEgress", group_id, rule_ids, true)
    }
    async fn ebs_encryption_by_default(&self) -> PortResult<bool> {
        self.enter("ec2:GetEbsEncryptionByDefault")?;
        Ok(self.with_state(|s| s.ebs_encryption_by_default))
    }
    async fn enable_ebs_encryption_by_default(&self) -> PortResult<()> {
        self.enter("ec2:EnableEbsEncryptionByDefault")?;
        self.with_state(|s| s.ebs_encryption_by_default = true);
        Ok(())
    }
    async fn describe_subnet(&self, subnet_id: &str) -> PortResult<Option<Subnet>> {
        self.enter("ec2:DescribeSubnets")?;
        Ok(self.with_state(|s| s.subnets.get(subnet_id).cloned()))
    }
    async fn disable_public_ip_on_launch(&self, subnet_id: &str) -> PortResult<()> {
        let api = "ec2:ModifySubnetAttribute";
        self.enter(api)?;
        self.with_state(|s| match s.subnets.get_mut(subnet_id) {
            Some(subnet) => {
                subnet.map_public_ip_on_launch = false;
                Ok(())
            }
            None => Err(not_found(api, "InvalidSubnetID.NotFound", subnet_id)),
        })
    }
    async fn instance_metadata(&self, instance_id: &str) -> PortResult<Option<InstanceMetadata>> {
        self.enter("ec2:DescribeInstances")?;
        Ok(self.with_state(|s| s.instances.get(instance_id).cloned()))
    }
    async fn require_imdsv2(&self, instance_id: &str) -> PortResult<()> {
        let api = "ec2:ModifyInstanceMetadataOptions";
        self.enter(api)?;
        self.with_state(|s| match s.instances.get_mut(instance_id) {
            Some(instance) => {
                // As EC2: the request names only HttpTokens; the endpoint keeps its state.
                instance.http_tokens = "required".into();
                Ok(())
            }
            None => Err(not_found(api, "InvalidInstanceID.NotFound", instance_id)),
        })
    }
    async fn describe_instance(&self, instance_id: &str) -> PortResult<Option<Instance>> {
        self.describe_instance_details(instance_id)
    }
    async fn tag_instance(&self, id: &str, tags: &BTreeMap<String, String>) -> PortResult<()> {
        self.instance_tags(id, tags)
    }
    async fn protect_from_termination(&self, instance_id: &str) -> PortResult<()> {
        self.protect(instance_id)
    }
    async fn snapshot_volume(&self, volume_id: &str, description: &str) -> PortResult<String> {
        self.snapshot(volume_id, description)
    }
    async fn find_security_group(&self, vpc_id: &str, name: &str) -> PortResult<Option<String>> {
        self.group_named(vpc_id, name)
    }
    async fn create_security_group(
        &self,
        vpc: &str,
        name: &str,
        _about: &str,
    ) -> PortResult<String> {
        self.new_group(vpc, name)
    }
    async fn set_interface_groups(&self, interface_id: &str, groups: &[String]) -> PortResult<()> {
        self.interface_groups(interface_id, groups)
    }
    async fn profile_association(
        &self,
        instance_id: &str,
    ) -> PortResult<Option<ProfileAssociation>> {
        self.association(instance_id)
    }
    async fn disassociate_profile(&self, association_id: &str) -> PortResult<()> {
        self.disassociate(association_id)
    }
    async fn public_snapshot_candidates(&self, account: &str) -> PortResult<Vec<OwnSnapshot>> {
        self.snapshot_candidates(account)
    }
    async fn snapshot_is_public(&self, snapshot_id: &str) -> PortResult<bool> {
        self.snapshot_public(snapshot_id)
    }
    async fn make_snapshot_private(&self, snapshot_id: &str) -> PortResult<()> {
        self.snapshot_private(snapshot_id)
    }
    async fn vpc_flow_logs(&self, vpc_id: &str) -> PortResult<Vec<FlowLog>> {
        self.enter("ec2:DescribeFlowLogs")?;
        Ok(self.with_state(|s| s.flow_logs.get(vpc_id).cloned().unwrap_or_default()))
    }
    async fn create_vpc_flow_log(&self, vpc_id: &str, destination: &str) -> PortResult<String> {
        self.enter("ec2:CreateFlowLogs")?;
        Ok(self.with_state(|s| {
            let logs = s.flow_logs.entry(vpc_id.to_owned()).or_default();
            let id = format!("fl-{}", logs.len() + 1);
            logs.push(FlowLog {
                id: id.clone(),
                traffic_type: "REJECT".into(),
                destination: Some(destination.to_owned()),
                status: "ACTIVE".into(),
            });
            id
        }))
    }
}

impl FakeAccount {
    /// Like EC2: every rule id must exist in the group and go the given direction.
    pub(super) fn revoke(
        &self,
        api: &str,
        group_id: &str,
        rule_ids: &[String],
        egress: bool,
    ) -> PortResult<()> {
        self.enter(api)?;
        self.with_state(|s| {
            let Some((_, rules)) = s.security_groups.get_mut(group_id) else {
                return Err(PortError::new(
                    PortErrorKind::NotFound,
                    api,
                    Some("InvalidGroup.NotFound"),
                    group_id,
                ));
            };
            let known = |id: &String| rules.iter().any(|r| &r.id == id && r.egress == egress);
            if let Some(missing) = rule_ids.iter().find(|id| !known(id)) {
                return Err(PortError::new(
                    PortErrorKind::NotFound,
                    api,
                    Some("InvalidSecurityGroupRuleId.NotFound"),
                    missing.clone(),
                ));
            }
            rules.retain(|r| !rule_ids.contains(&r.id));
            Ok(())
        })
    }
}

fn not_found(api: &str, code: &str, id: &str) -> PortError {
    PortError::new(PortErrorKind::NotFound, api, Some(code), id)
}
