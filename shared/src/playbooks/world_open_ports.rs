//! World-open ingress on forbidden ports (controls EC2.13 — 22, EC2.14 — 3389, EC2.19 — high-risk
//! ports, EC2.18 — anything but 80/443): revoke only the rules that open a forbidden port to `0.0.0.0/0`
//! or `::/0`. Every other rule of the group stays (a rule from a known network, an authorized port).
//! A world-open rule that also serves an authorized port (80/443, or EC2.18's own) is not revoked: it is
//! named for a person and the finding stays failed, rather than cutting off what must stay public.

use serde_json::json;

use super::{excluded_by_live_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::spec::{Mode, Grant, PlaybookSpec, Risk, Trigger, Inverse};
use crate::ports::{Ec2Port, SecurityGroupRule};
use crate::target::{security_group_id, PortPolicy, Target};

/// EC2.19's high-risk ports (the control's own list).
pub const HIGH_RISK_PORTS: &[i32] = &[
    20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500,
    5601, 8080, 8088, 8888, 9200, 9300,
];
/// EC2.18's default authorized ports.
pub const AUTHORIZED_PORTS: &[i32] = &[80, 443];

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "world-open-ports",
    title: "Revoke world-open ingress on forbidden ports",
    triggers: &[
        Trigger::Control("EC2.13"),
        Trigger::Control("EC2.14"),
        Trigger::Control("EC2.18"),
        Trigger::Control("EC2.19"),
        Trigger::ConfigRule("restricted-ssh"),
        Trigger::ConfigRule("vpc-sg-open-only-to-authorized-ports"),
    ],
    steps: &[
        "skip when the group carries the exclusion tag",
        "read the group's rules",
        "revoke only the ingress rules that open a forbidden port (EC2.13: 22, EC2.14: 3389, EC2.19: the high-risk ports, EC2.18: any but the finding's authorizedTcpPorts/authorizedUdpPorts, 80/443 and none by default) to 0.0.0.0/0 or ::/0; every other rule stays",
        "a world-open rule that also serves an authorized port (80/443, or EC2.18's) is not revoked: it is named for a person and the finding stays failed",
        "verify by reading the rules back",
    ],
    grants: &[
        Grant::on("ec2:DescribeSecurityGroups"),
        Grant::on("ec2:DescribeSecurityGroupRules"),
        Grant::on("ec2:RevokeSecurityGroupIngress"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the removed rules are in the audit record (step prior); re-adding a world-open rule is a deliberate act, done by hand"),
};

/// The group, and the ports its control forbids to the whole internet.
pub fn target(finding: &Finding) -> Result<Target, String> {
    let ports = match (finding.control_id().as_deref(), finding.config_rule().as_deref()) {
        (Some("EC2.13"), _) => PortPolicy::Listed(&[22]),
        (Some("EC2.14"), _) => PortPolicy::Listed(&[3389]),
        (Some("EC2.19"), _) => PortPolicy::Listed(HIGH_RISK_PORTS),
        (Some("EC2.18"), _) => PortPolicy::AllBut {
            tcp: parameter_ports(finding, "authorizedTcpPorts").unwrap_or_else(|| AUTHORIZED_PORTS.to_vec()),
            udp: parameter_ports(finding, "authorizedUdpPorts").unwrap_or_default(),
        },
        (None, Some(rule)) if rule.contains("restricted-ssh") => PortPolicy::Listed(&[22]),
        (None, Some(_)) => PortPolicy::AllBut { tcp: AUTHORIZED_PORTS.to_vec(), udp: Vec::new() },
        (other, _) => return Err(format!("no port rule for control {}", other.unwrap_or("none"))),
    };
    Ok(Target::SecurityGroup {
        group_id: security_group_id(finding)?,
        ports,
    })
}

/// A port-list parameter of the finding's control (`["80", "443"]`, or `"80,443"` in one value); `None`
/// when absent, so the control's default applies. A value that is not a port is ignored.
fn parameter_ports(finding: &Finding, name: &str) -> Option<Vec<i32>> {
    let values = finding.control_parameter(name)?;
    Some(
        values
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|p| p.trim().parse::<i32>().ok())
            .filter(|p| (0..=65_535).contains(p))
            .collect(),
    )
}

fn offending(rule: &SecurityGroupRule, ports: &PortPolicy) -> bool {
    !rule.egress
        && rule.world_open()
        && ports.forbids(&rule.protocol, rule.from_port, rule.to_port)
}

pub async fn run<P: Ec2Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::SecurityGroup {
        group_id,
        ports: policy,
    } = target
    else {
        return PlaybookReport::conclude(
            Vec::new(),
            Err(format!("{} is not a security group", target.label()).into()),
        );
    };
    let label = target.label();
    let tags = || async {
        let group = ports.describe_security_group(group_id).await;
        group.map(|g| g.map(|g| g.tags).unwrap_or_default())
    };
    if let Some(report) = excluded_by_live_tag(ctx, "ec2:DescribeSecurityGroups", &label, tags).await {
        return report;
    }
    let rules = match ports.security_group_rules(group_id).await {
        Ok(rules) => rules,
        Err(e) => {
            let step = failed("revoke-world-open", "ec2:DescribeSecurityGroupRules", &label, e);
            return PlaybookReport::conclude(vec![step], Ok(()));
        }
    };
    // A world-open rule that also serves an authorized port (443 on 0-65535) is not cut off
    // automatically: revoking it would stop what must stay public. It is named for a person.
    let (tcp, udp) = policy.authorized();
    let (kept, revoke): (Vec<&SecurityGroupRule>, Vec<&SecurityGroupRule>) =
        rules.iter().filter(|r| offending(r, policy)).partition(|r| serves(r, &tcp, &udp));
    let for_a_person: Vec<StepRecord> = kept
        .iter()
        .map(|rule| {
            StepRecord::new(
                "revoke-world-open",
                None,
                &label,
                StepOutcome::NeedsHuman,
                format!(
                    "rule {} ({} {}) opens a forbidden port to the internet but also serves an authorized port ({}): not revoked; narrow it by hand",
                    rule.id,
                    rule.protocol,
                    port_range(rule),
                    authorized_list(&tcp, &udp)
                ),
            )
        })
        .collect();
    let left_over = |steps: Vec<StepRecord>| {
        let reason = format!(
            "world-open rule(s) {} left for a person: each also serves an authorized port",
            kept.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
        );
        PlaybookReport::conclude(steps, Err(reason.into()))
    };
    if revoke.is_empty() && !kept.is_empty() {
        return left_over(for_a_person);
    }
    if revoke.is_empty() {
        let step = StepRecord::new(
            "revoke-world-open",
            Some("ec2:RevokeSecurityGroupIngress"),
            &label,
            StepOutcome::AlreadyDone,
            "no world-open rule on a forbidden port",
        );
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let ids: Vec<String> = revoke.iter().map(|r| r.id.clone()).collect();
    let mut steps = vec![match ports.revoke_ingress(group_id, &ids).await {
        Ok(()) => StepRecord::new(
            "revoke-world-open",
            Some("ec2:RevokeSecurityGroupIngress"),
            &label,
            StepOutcome::Done,
            format!("revoked world-open rule(s) {}", ids.join(", ")),
        )
        .with_prior(json!({ "group_id": group_id, "ingress_rules": revoke })),
        Err(e) => failed("revoke-world-open", "ec2:RevokeSecurityGroupIngress", &label, e),
    }];
    let left = |now: &Vec<SecurityGroupRule>| now.iter().find(|r| ids.contains(&r.id)).map(|r| r.id.clone());
    let verified = match super::settle::until(ports, || ports.security_group_rules(group_id), |now| left(now).is_none()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(now)) => Err(super::settle::propagating(format!("rule {} is still there", left(&now).unwrap_or_default()))),
        Err(e) => Err(e.into()),
    };
    if !kept.is_empty() && verified.is_ok() {
        steps.extend(for_a_person);
        return left_over(steps);
    }
    PlaybookReport::conclude(steps, verified)
}

/// Whether a rule's range covers one of the authorized ports of its protocol (any, for all traffic).
fn serves(rule: &SecurityGroupRule, tcp: &[i32], udp: &[i32]) -> bool {
    let (from, to) = match (rule.protocol.as_str(), rule.from_port, rule.to_port) {
        ("-1", _, _) | (_, None, _) | (_, _, None) => (0, 65_535),
        (_, Some(f), Some(t)) => (f.max(0), t.min(65_535)),
    };
    let covers = |ports: &[i32]| ports.iter().any(|p| (from..=to).contains(p));
    match rule.protocol.as_str() {
        "-1" => covers(tcp) || covers(udp),
        "tcp" | "6" => covers(tcp),
        "udp" | "17" => covers(udp),
        _ => false,
    }
}

fn port_range(rule: &SecurityGroupRule) -> String {
    match (rule.protocol.as_str(), rule.from_port, rule.to_port) {
        ("-1", _, _) => "all ports".into(),
        (_, Some(f), Some(t)) if f == t => format!("port {f}"),
        (_, Some(f), Some(t)) => format!("ports {f}-{t}"),
        _ => "all ports".into(),
    }
}

fn authorized_list(tcp: &[i32], udp: &[i32]) -> String {
    let list = |proto: &str, ports: &[i32]| ports.iter().map(|p| format!("{proto} {p}")).collect::<Vec<_>>();
    [list("tcp", tcp), list("udp", udp)].concat().join(", ")
}

#[cfg(test)]
#[path = "world_open_ports_tests.rs"]
mod tests;
