//! EC2 security groups through the member session.

use aws_sdk_ec2::types::Filter;
use riposte_shared::ports::*;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::{absent_as_none, MemberClients};

impl Ec2Port for MemberClients {
    async fn describe_security_group(&self, group_id: &str) -> PortResult<Option<SecurityGroup>> {
        let request = self.ec2.describe_security_groups().group_ids(group_id);
        let out = absent_as_none(
            call!(Api::Ec2DescribeSecurityGroups, group_id, request.send()),
            &["InvalidGroup.NotFound"],
        )?;
        Ok(out
            .and_then(|o| o.security_groups().first().cloned())
            .and_then(|g| {
                Some(SecurityGroup {
                    id: g.group_id()?.to_owned(),
                    name: g.group_name().unwrap_or_default().to_owned(),
                    vpc_id: g.vpc_id().map(str::to_owned),
                    tags: g
                        .tags()
                        .iter()
                        .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                        .collect(),
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
            let out = call!(Api::Ec2DescribeSecurityGroupRules, group_id, request.send())?;
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
        call!(Api::Ec2RevokeSecurityGroupIngress, group_id, request.send()).map(|_| ())
    }

    async fn revoke_egress(&self, group_id: &str, rule_ids: &[String]) -> PortResult<()> {
        let request = self
            .ec2
            .revoke_security_group_egress()
            .group_id(group_id)
            .set_security_group_rule_ids(Some(rule_ids.to_vec()));
        call!(Api::Ec2RevokeSecurityGroupEgress, group_id, request.send()).map(|_| ())
    }
}
