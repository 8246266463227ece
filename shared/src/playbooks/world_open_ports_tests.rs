use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeState};
use crate::ports::{PortErrorKind, SecurityGroup};
use futures::executor::block_on;

fn ctx() -> RunContext {
    crate::playbooks::test_context("111111111111")
}

fn rule(id: &str, protocol: &str, ports: (i32, i32), v4: Option<&str>, v6: Option<&str>) -> SecurityGroupRule {
    SecurityGroupRule {
        id: id.into(),
        protocol: protocol.into(),
        from_port: Some(ports.0),
        to_port: Some(ports.1),
        cidr_ipv4: v4.map(str::to_owned),
        cidr_ipv6: v6.map(str::to_owned),
        ..Default::default()
    }
}

fn account() -> FakeAccount {
    let mut state = FakeState::default();
    let group = SecurityGroup { id: "sg-1".into(), name: "web".into(), vpc_id: Some("vpc-1".into()), tags: Default::default() };
    let rules = vec![
        rule("sgr-ssh-world", "tcp", (22, 22), Some("0.0.0.0/0"), None),
        rule("sgr-ssh-world-v6", "tcp", (22, 22), None, Some("::/0")),
        rule("sgr-ssh-office", "tcp", (22, 22), Some("203.0.113.0/24"), None),
        rule("sgr-https-world", "tcp", (443, 443), Some("0.0.0.0/0"), None),
        rule("sgr-postgres-world", "tcp", (5432, 5432), Some("0.0.0.0/0"), None),
        SecurityGroupRule { egress: true, ..rule("sgr-egress", "-1", (-1, -1), Some("0.0.0.0/0"), None) },
    ];
    state.security_groups.insert("sg-1".into(), (group, rules));
    FakeAccount::new(state)
}

fn left(fake: &FakeAccount) -> Vec<String> {
    fake.with_state(|s| s.security_groups["sg-1"].1.iter().map(|r| r.id.clone()).collect())
}

fn group(ports: PortPolicy) -> Target {
    Target::SecurityGroup { group_id: "sg-1".into(), ports }
}

#[test]
fn ec2_13_revokes_only_world_open_ssh() {
    let fake = account();
    let report = block_on(run(&fake, &ctx(), &group(PortPolicy::Listed(&[22]))));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    assert_eq!(left(&fake), ["sgr-ssh-office", "sgr-https-world", "sgr-postgres-world", "sgr-egress"]);
}

#[test]
fn ec2_19_revokes_every_world_open_high_risk_port_and_keeps_https() {
    let fake = account();
    block_on(run(&fake, &ctx(), &group(PortPolicy::Listed(HIGH_RISK_PORTS))));
    assert_eq!(left(&fake), ["sgr-ssh-office", "sgr-https-world", "sgr-egress"]);
}

#[test]
fn ec2_18_keeps_authorized_ports_and_leaves_a_wide_rule_that_serves_them_for_a_person() {
    let fake = account();
    fake.with_state(|s| {
        if let Some((_, rules)) = s.security_groups.get_mut("sg-1") {
            rules.push(rule("sgr-all-world", "-1", (-1, -1), Some("0.0.0.0/0"), None));
        }
    });
    let report = block_on(run(&fake, &ctx(), &group(PortPolicy::AllBut { tcp: AUTHORIZED_PORTS.to_vec(), udp: Vec::new() })));
    // The world-open rules on forbidden ports go; the one that also serves 443 stays, named, and the
    // finding is not called fixed.
    assert_eq!(left(&fake), ["sgr-ssh-office", "sgr-https-world", "sgr-egress", "sgr-all-world"]);
    assert!(report.manual.iter().any(|m| m.contains("sgr-all-world") && m.contains("tcp 443")), "{:?}", report.manual);
    assert!(
        matches!(&report.outcome, PlaybookOutcome::Failed { reason, retryable: false } if reason.contains("sgr-all-world")),
        "{report:?}"
    );
    let prior = report.steps[0].prior.clone().unwrap_or_default();
    assert_eq!(prior["ingress_rules"].as_array().map(Vec::len), Some(3));
}

#[test]
fn ec2_18_honours_the_findings_authorized_ports() {
    let finding: Finding = serde_json::from_value(serde_json::json!({
        "Id": "f", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "AwsAccountId": "111111111111",
        "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.18", "SecurityControlParameters": [
            {"Name": "authorizedTcpPorts", "Value": ["5432"]},
            {"Name": "authorizedUdpPorts", "Value": ["500,4500"]}
        ]},
        "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": "arn:aws:ec2:us-east-1:111111111111:security-group/sg-1"}]
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    let target = target(&finding).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(target, group(PortPolicy::AllBut { tcp: vec![5432], udp: vec![500, 4500] }));
    let fake = account();
    let report = block_on(run(&fake, &ctx(), &target));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    // 5432 is authorized here; 443 is not, so its world-open rule goes too.
    assert_eq!(left(&fake), ["sgr-ssh-office", "sgr-postgres-world", "sgr-egress"]);
}

#[test]
fn a_second_run_only_reads_and_a_denied_revoke_fails() {
    let fake = account();
    let target = group(PortPolicy::Listed(&[22]));
    block_on(run(&fake, &ctx(), &target));
    let second = block_on(run(&fake, &ctx(), &target));
    assert_eq!(second.steps[0].outcome, StepOutcome::AlreadyDone);
    let denied = account();
    denied.fail("ec2:RevokeSecurityGroupIngress", PortErrorKind::Denied, "UnauthorizedOperation", None);
    let report = block_on(run(&denied, &ctx(), &target));
    assert!(matches!(report.outcome, PlaybookOutcome::Failed { retryable: false, .. }));
}

#[test]
fn the_control_decides_the_ports() {
    let mut finding: Finding = serde_json::from_value(serde_json::json!({
        "Id": "f", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "AwsAccountId": "111111111111",
        "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.18"},
        "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": "arn:aws:ec2:us-east-1:111111111111:security-group/sg-1"}]
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(target(&finding), Ok(group(PortPolicy::AllBut { tcp: AUTHORIZED_PORTS.to_vec(), udp: Vec::new() })));
    if let Some(c) = finding.compliance.as_mut() {
        c.security_control_id = Some("EC2.19".into());
    }
    assert_eq!(target(&finding), Ok(group(PortPolicy::Listed(HIGH_RISK_PORTS))));
}

#[test]
fn a_group_carrying_the_exclusion_tag_is_left_alone() {
    let fake = account();
    fake.with_state(|s| {
        if let Some((g, _)) = s.security_groups.get_mut("sg-1") {
            g.tags.insert("AutoRemediate".into(), "false".into());
        }
    });
    let ctx = RunContext {
        exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
        ..ctx()
    };
    let report = block_on(run(&fake, &ctx, &group(PortPolicy::Listed(&[22]))));
    assert!(matches!(report.outcome, PlaybookOutcome::Excluded { .. }), "{report:?}");
    assert_eq!(left(&fake).len(), 6);
}
