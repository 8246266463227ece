//! EC2 in the member account's region: security groups and their rules.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

/// A security group as DescribeSecurityGroups tells it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One security group rule (DescribeSecurityGroupRules: one source per rule).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroupRule {
    pub id: String,
    pub egress: bool,
    /// `tcp`, `udp`, `icmp`, … or `-1` (all traffic).
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidr_ipv4: Option<String>,
    pub cidr_ipv6: Option<String>,
    pub referenced_group: Option<String>,
    pub prefix_list: Option<String>,
    pub description: Option<String>,
}

impl SecurityGroupRule {
    /// Open to the whole internet (`0.0.0.0/0` or `::/0`).
    pub fn world_open(&self) -> bool {
        self.cidr_ipv4.as_deref() == Some("0.0.0.0/0") || self.cidr_ipv6.as_deref() == Some("::/0")
    }
}

/// A subnet as DescribeSubnets tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: Option<String>,
    pub map_public_ip_on_launch: bool,
    /// The default subnet of its Availability Zone (a default VPC's subnets are public by design).
    pub default_for_az: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An instance's metadata service options (DescribeInstances `MetadataOptions`) and tags.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceMetadata {
    pub instance_id: String,
    /// `required` (IMDSv2 only) or `optional` (IMDSv1 allowed).
    pub http_tokens: String,
    /// `enabled` or `disabled`.
    pub http_endpoint: String,
    pub state: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An instance as DescribeInstances tells it: what isolation changes and records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub vpc_id: Option<String>,
    pub state: Option<String>,
    pub interfaces: Vec<InstanceInterface>,
    /// EBS volume ids attached to the instance.
    pub volumes: Vec<String>,
    /// The instance profile's ARN, when one is attached.
    pub profile_arn: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One network interface of an instance and its security groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInterface {
    pub id: String,
    pub groups: Vec<String>,
}

/// An instance profile's association with an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileAssociation {
    pub id: String,
    pub profile_arn: String,
}

/// An EBS snapshot the account owns that may be public.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnSnapshot {
    pub id: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A VPC flow log as DescribeFlowLogs tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowLog {
    pub id: String,
    /// `ALL`, `ACCEPT` or `REJECT`.
    pub traffic_type: String,
    pub destination: Option<String>,
    /// `ACTIVE` when delivering.
    pub status: String,
}

/// EC2 in the member account's region.
pub trait Ec2Port: super::Settle + Send + Sync {
    /// `None` when the group does not exist.
    fn describe_security_group(
        &self,
        group_id: &str,
    ) -> impl Future<Output = PortResult<Option<SecurityGroup>>> + Send;
    fn security_group_rules(
        &self,
        group_id: &str,
    ) -> impl Future<Output = PortResult<Vec<SecurityGroupRule>>> + Send;
    fn revoke_ingress(
        &self,
        group_id: &str,
        rule_ids: &[String],
    ) -> impl Future<Output = PortResult<()>> + Send;
    fn revoke_egress(
        &self,
        group_id: &str,
        rule_ids: &[String],
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Whether new EBS volumes in the region are encrypted by default.
    fn ebs_encryption_by_default(&self) -> impl Future<Output = PortResult<bool>> + Send;
    fn enable_ebs_encryption_by_default(&self) -> impl Future<Output = PortResult<()>> + Send;
    /// `None` when the subnet does not exist.
    fn describe_subnet(
        &self,
        subnet_id: &str,
    ) -> impl Future<Output = PortResult<Option<Subnet>>> + Send;
    fn disable_public_ip_on_launch(
        &self,
        subnet_id: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// `None` when the instance does not exist.
    fn instance_metadata(
        &self,
        instance_id: &str,
    ) -> impl Future<Output = PortResult<Option<InstanceMetadata>>> + Send;
    /// `HttpTokens=required` with the endpoint left enabled.
    fn require_imdsv2(&self, instance_id: &str) -> impl Future<Output = PortResult<()>> + Send;
    /// `None` when the instance does not exist.
    fn describe_instance(
        &self,
        instance_id: &str,
    ) -> impl Future<Output = PortResult<Option<Instance>>> + Send;
    fn tag_instance(
        &self,
        instance_id: &str,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// `DisableApiTermination=true`: evidence is not destroyed by a hasty terminate.
    fn protect_from_termination(
        &self,
        instance_id: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Start a snapshot of the volume; its id.
    fn snapshot_volume(
        &self,
        volume_id: &str,
        description: &str,
    ) -> impl Future<Output = PortResult<String>> + Send;
    /// The id of the VPC's security group of that name, if any.
    fn find_security_group(
        &self,
        vpc_id: &str,
        name: &str,
    ) -> impl Future<Output = PortResult<Option<String>>> + Send;
    /// Create a security group (EC2 gives it one egress rule to everywhere); its id.
    fn create_security_group(
        &self,
        vpc_id: &str,
        name: &str,
        description: &str,
    ) -> impl Future<Output = PortResult<String>> + Send;
    /// Replace the security groups of a network interface.
    fn set_interface_groups(
        &self,
        interface_id: &str,
        groups: &[String],
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// The instance's current instance-profile association, if any.
    fn profile_association(
        &self,
        instance_id: &str,
    ) -> impl Future<Output = PortResult<Option<ProfileAssociation>>> + Send;
    fn disassociate_profile(
        &self,
        association_id: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Snapshots `account` owns in the region that EC2 lists as restorable by everyone (candidates:
    /// each is confirmed with `snapshot_is_public`).
    fn public_snapshot_candidates(
        &self,
        account: &str,
    ) -> impl Future<Output = PortResult<Vec<OwnSnapshot>>> + Send;
    /// Whether the snapshot's createVolumePermission holds the group `all`.
    fn snapshot_is_public(
        &self,
        snapshot_id: &str,
    ) -> impl Future<Output = PortResult<bool>> + Send;
    /// Remove the group `all` from the snapshot's createVolumePermission (named accounts stay).
    fn make_snapshot_private(
        &self,
        snapshot_id: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// The flow logs of a VPC.
    fn vpc_flow_logs(&self, vpc_id: &str) -> impl Future<Output = PortResult<Vec<FlowLog>>> + Send;
    /// Log the VPC's rejected traffic to an S3 bucket (`arn:…:s3:::bucket[/prefix]`); the flow log's id.
    fn create_vpc_flow_log(
        &self,
        vpc_id: &str,
        destination: &str,
    ) -> impl Future<Output = PortResult<String>> + Send;
}
