use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeRole, FakeState};
use crate::ports::{InstanceInterface, PortErrorKind, ProfileAssociation};
use futures::executor::block_on;

const ARN: &str = "arn:aws:ec2:us-east-1:111111111111:instance/i-0miner";

fn instance(id: &str, eni: &str) -> Instance {
    Instance {
        id: id.into(),
        vpc_id: Some("vpc-1".into()),
        state: Some("running".into()),
        interfaces: vec![InstanceInterface {
            id: eni.into(),
            groups: vec!["sg-web".into(), "sg-ssh".into()],
        }],
        volumes: vec![format!("vol-{id}")],
        profile_arn: None,
        tags: BTreeMap::new(),
    }
}

fn account() -> FakeAccount {
    let mut state = FakeState::default();
    state.instance_details.insert("i-0miner".into(), instance("i-0miner", "eni-miner"));
    state.instance_details.insert("i-0neighbour".into(), instance("i-0neighbour", "eni-neighbour"));
    let profile = "arn:aws:iam::111111111111:instance-profile/app-profile";
    state.profile_associations.insert(
        "i-0miner".into(),
        ProfileAssociation { id: "iip-assoc-1".into(), profile_arn: profile.into() },
    );
    state.instance_profiles.insert("app-profile".into(), vec!["app-role".into()]);
    state.roles.insert("app-role".into(), FakeRole::default());
    FakeAccount::new(state)
}

fn target() -> Target {
    Target::Resource { arn: crate::arn::Arn::parse(ARN).unwrap_or_else(|| panic!("arn")) }
}

fn ctx() -> RunContext {
    RunContext {
        exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
        ..crate::playbooks::test_context("111111111111")
    }
}

#[test]
fn the_instance_is_cut_off_after_its_evidence_is_kept_and_its_neighbour_is_untouched() {
    let fake = account();
    let report = block_on(run(&fake, &ctx(), &target()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:#?}");
    let calls = fake.calls();
    let position = |api: &str| calls.iter().position(|c| c == api).unwrap_or(usize::MAX);
    assert!(position("ec2:CreateSnapshot") < position("ec2:ModifyNetworkInterfaceAttribute"));
    fake.with_state(|s| {
        let miner = &s.instance_details["i-0miner"];
        let group = miner.interfaces[0].groups.clone();
        assert_eq!(group.len(), 1);
        let (isolation, rules) = &s.security_groups[&group[0]];
        assert_eq!(isolation.name, "riposte-isolation-vpc-1");
        assert!(rules.is_empty(), "the isolation group allows nothing");
        assert_eq!(s.instance_details["i-0neighbour"].interfaces[0].groups, ["sg-web", "sg-ssh"]);
        assert!(s.profile_associations.is_empty());
        assert_eq!(s.snapshots.len(), 1);
        assert_eq!(s.termination_protected, ["i-0miner"]);
        assert!(miner.tags.contains_key("riposte:isolated"));
        let deny = &s.roles["app-role"].policies[&deny_policy_name("i-0miner")];
        assert!(deny.contains(ARN), "{deny}");
    });
    // The previous groups and profile are recorded for undo.
    let priors: Vec<&serde_json::Value> = report.steps.iter().filter_map(|s| s.prior.as_ref()).collect();
    assert!(priors.iter().any(|p| p["interfaces"][0]["groups"] == json!(["sg-web", "sg-ssh"])));
    assert!(priors.iter().any(|p| p["profile_arn"].as_str().is_some_and(|a| a.ends_with("app-profile"))));
}

#[test]
fn a_second_run_reuses_the_isolation_group_and_changes_nothing_more() {
    let fake = account();
    block_on(run(&fake, &ctx(), &target()));
    let again = block_on(run(&fake, &ctx(), &target()));
    assert_eq!(again.outcome, PlaybookOutcome::Remediated, "{again:#?}");
    assert_eq!(fake.calls().iter().filter(|c| *c == "ec2:CreateSecurityGroup").count(), 1);
    let network = again.steps.iter().find(|s| s.step == "isolate-network");
    assert_eq!(network.map(|s| s.outcome), Some(StepOutcome::AlreadyDone));
}

#[test]
fn a_failed_move_is_reported_and_the_instance_is_not_called_isolated() {
    let fake = account();
    fake.fail("ec2:ModifyNetworkInterfaceAttribute", PortErrorKind::Denied, "UnauthorizedOperation", None);
    let report = block_on(run(&fake, &ctx(), &target()));
    assert!(matches!(report.outcome, PlaybookOutcome::Failed { retryable: false, .. }), "{:?}", report.outcome);
}

#[test]
fn an_instance_of_an_auto_scaling_group_is_flagged_for_a_person() {
    let fake = account();
    fake.with_state(|s| {
        if let Some(i) = s.instance_details.get_mut("i-0miner") {
            i.tags.insert("aws:autoscaling:groupName".into(), "web-asg".into());
        }
    });
    let report = block_on(run(&fake, &ctx(), &target()));
    assert!(report.manual.iter().any(|m| m.contains("web-asg")), "{:?}", report.manual);
}

#[test]
fn an_isolation_group_someone_opened_is_not_called_isolation() {
    let fake = account();
    block_on(run(&fake, &ctx(), &target()));
    // Someone adds an ingress rule to the shared isolation group; the next isolation must not pass.
    fake.with_state(|s| {
        if let Some((_, rules)) = s
            .security_groups
            .values_mut()
            .find(|(g, _)| g.name.starts_with("riposte-isolation-"))
        {
            rules.push(crate::ports::SecurityGroupRule {
                id: "sgr-opened".into(),
                protocol: "tcp".into(),
                from_port: Some(22),
                to_port: Some(22),
                cidr_ipv4: Some("0.0.0.0/0".into()),
                ..Default::default()
            });
        }
    });
    let again = block_on(run(&fake, &ctx(), &target()));
    assert!(
        matches!(&again.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains("isolation group") && reason.contains("inbound")),
        "{again:#?}"
    );
}

#[test]
fn verification_reads_the_isolation_group_itself() {
    let fake = account();
    block_on(run(&fake, &ctx(), &target()));
    let group = fake.with_state(|s| {
        s.security_groups
            .iter()
            .find(|(_, (g, _))| g.name.starts_with("riposte-isolation-"))
            .map(|(id, _)| id.clone())
            .unwrap_or_default()
    });
    assert_eq!(block_on(super::isolate::verify(&fake, "i-0miner", Some(&group))), Ok(()));
    fake.with_state(|s| {
        if let Some((_, rules)) = s.security_groups.get_mut(&group) {
            rules.push(crate::ports::SecurityGroupRule { id: "sgr-late".into(), egress: true, protocol: "-1".into(), ..Default::default() });
        }
    });
    let verified = block_on(super::isolate::verify(&fake, "i-0miner", Some(&group)));
    assert!(verified.is_err_and(|f| f.reason.contains("sgr-late")));
}

#[test]
fn isolating_a_second_instance_of_the_role_never_lifts_the_first_ones_deny() {
    let fake = account();
    block_on(run(&fake, &ctx(), &target()));
    // The neighbour runs with the same profile (and role); it is isolated in turn.
    fake.with_state(|s| {
        let profile = "arn:aws:iam::111111111111:instance-profile/app-profile";
        s.profile_associations.insert(
            "i-0neighbour".into(),
            ProfileAssociation { id: "iip-assoc-2".into(), profile_arn: profile.into() },
        );
    });
    let neighbour = "arn:aws:ec2:us-east-1:111111111111:instance/i-0neighbour";
    let second = Target::Resource { arn: crate::arn::Arn::parse(neighbour).unwrap_or_else(|| panic!("arn")) };
    let report = block_on(run(&fake, &ctx(), &second));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:#?}");
    fake.with_state(|s| {
        let policies = &s.roles["app-role"].policies;
        assert!(policies[&deny_policy_name("i-0miner")].contains(ARN), "the first deny stays: {policies:?}");
        assert!(policies[&deny_policy_name("i-0neighbour")].contains(neighbour));
    });
}
