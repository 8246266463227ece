//! The network and credential half of isolation: the no-traffic group, the interfaces, the profile.

use serde_json::json;

use super::deny_policy_name;
use crate::arn::Arn;
use crate::audit::{Failure, StepOutcome, StepRecord};
use crate::playbooks::failed;
use crate::ports::{Ec2Port, IamPort, Instance};

/// The VPC's isolation group, created once, with no rule left: its id, and the step that got it.
pub async fn group<P: Ec2Port>(ports: &P, vpc: &str, label: &str) -> (StepRecord, Option<String>) {
    let name = format!("riposte-isolation-{vpc}");
    let (found, created) = match ports.find_security_group(vpc, &name).await {
        Ok(Some(id)) => (id, false),
        Ok(None) => {
            let about = "Riposte isolation: no inbound, no outbound";
            match ports.create_security_group(vpc, &name, about).await {
                Ok(id) => (id, true),
                Err(e) => return (failed("isolation-group", "ec2:CreateSecurityGroup", label, e), None),
            }
        }
        Err(e) => return (failed("isolation-group", "ec2:DescribeSecurityGroups", label, e), None),
    };
    // A new group allows all egress; an existing one may have been edited: no rule may stay.
    let rules = match ports.security_group_rules(&found).await {
        Ok(rules) => rules,
        Err(e) => return (failed("isolation-group", "ec2:DescribeSecurityGroupRules", label, e), None),
    };
    let egress: Vec<String> = rules.iter().filter(|r| r.egress).map(|r| r.id.clone()).collect();
    let ingress = rules.len() - egress.len();
    if ingress > 0 {
        let detail = format!("isolation group {found} has {ingress} inbound rule(s): fix it by hand");
        let step = StepRecord::new("isolation-group", None, label, StepOutcome::Failed, detail);
        return (step, None);
    }
    if !egress.is_empty() {
        if let Err(e) = ports.revoke_egress(&found, &egress).await {
            return (failed("isolation-group", "ec2:RevokeSecurityGroupEgress", label, e), None);
        }
    }
    let (outcome, detail) = match (created, egress.is_empty()) {
        (true, _) => (StepOutcome::Done, format!("created isolation group {found} ({name}), no rule")),
        (false, false) => (StepOutcome::Done, format!("removed the egress rules of isolation group {found}")),
        (false, true) => (StepOutcome::AlreadyDone, format!("isolation group {found} exists, no rule")),
    };
    let step = StepRecord::new("isolation-group", Some("ec2:CreateSecurityGroup"), label, outcome, detail)
        .with_prior(json!({ "group_id": found, "created": created }));
    (step, Some(found))
}

/// Every network interface of the instance in the isolation group alone.
pub async fn interfaces<P: Ec2Port>(ports: &P, instance: &Instance, group: &str, label: &str) -> StepRecord {
    let api = "ec2:ModifyNetworkInterfaceAttribute";
    let wanted = vec![group.to_owned()];
    let moved: Vec<_> = instance.interfaces.iter().filter(|i| i.groups != wanted).collect();
    if moved.is_empty() {
        let detail = "every network interface is already isolated";
        return StepRecord::new("isolate-network", Some(api), label, StepOutcome::AlreadyDone, detail);
    }
    for interface in &moved {
        if let Err(e) = ports.set_interface_groups(&interface.id, &wanted).await {
            return failed("isolate-network", api, label, e);
        }
    }
    StepRecord::new(
        "isolate-network",
        Some(api),
        label,
        StepOutcome::Done,
        format!("{} network interface(s) moved to isolation group {group}", moved.len()),
    )
    .with_prior(json!({ "instance_id": instance.id, "interfaces": moved }))
}

/// Deny the profile role's credentials issued to this instance, then detach the profile.
pub async fn profile<P: Ec2Port + IamPort>(
    ports: &P,
    instance_arn: &str,
    id: &str,
    label: &str,
) -> Vec<StepRecord> {
    let association = match ports.profile_association(id).await {
        Ok(Some(association)) => association,
        Ok(None) => {
            let detail = "no instance profile attached";
            let api = Some("ec2:DisassociateIamInstanceProfile");
            return vec![StepRecord::new("detach-profile", api, label, StepOutcome::AlreadyDone, detail)];
        }
        Err(e) => return vec![failed("detach-profile", "ec2:DescribeIamInstanceProfileAssociations", label, e)],
    };
    let profile = Arn::parse(&association.profile_arn)
        .map(|arn| arn.name().to_owned())
        .unwrap_or_default();
    let mut steps = Vec::new();
    match ports.instance_profile_roles(&profile).await {
        Ok(roles) => {
            for role in roles {
                steps.push(deny_issued(ports, &role, id, instance_arn, label).await);
            }
        }
        Err(e) => steps.push(failed("deny-issued-credentials", "iam:GetInstanceProfile", label, e)),
    }
    let api = "ec2:DisassociateIamInstanceProfile";
    steps.push(match ports.disassociate_profile(&association.id).await {
        Ok(()) => StepRecord::new(
            "detach-profile",
            Some(api),
            label,
            StepOutcome::Done,
            format!("instance profile {profile} detached"),
        )
        .with_prior(json!({ "instance_id": id, "profile_arn": association.profile_arn })),
        Err(e) => failed("detach-profile", api, label, e),
    });
    steps
}

/// Credentials already issued to the instance outlive the detached profile: deny them by their source.
async fn deny_issued<P: IamPort>(ports: &P, role: &str, id: &str, instance_arn: &str, label: &str) -> StepRecord {
    let name = deny_policy_name(id);
    // What was there before, for the record (a second run finds its own deny).
    let existed = match ports.get_role_policy(role, &name).await {
        Ok(existing) => existing,
        Err(e) => return failed("deny-issued-credentials", "iam:GetRolePolicy", label, e),
    };
    let document = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyCredentialsOfTheIsolatedInstance",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": { "StringEquals": { "ec2:SourceInstanceARN": instance_arn } },
        }],
    });
    let api = "iam:PutRolePolicy";
    match ports.put_role_policy(role, &name, &document.to_string()).await {
        Ok(()) => StepRecord::new(
            "deny-issued-credentials",
            Some(api),
            label,
            StepOutcome::Done,
            format!("role {role} denies every call made with this instance's credentials"),
        )
        .with_prior(json!({ "role": role, "policy_name": name, "existed": existed.is_some(), "document": existed })),
        Err(e) => failed("deny-issued-credentials", api, label, e),
    }
}

/// Every interface in the isolation group alone, no profile attached.
pub async fn verify<P: Ec2Port>(ports: &P, id: &str, group: Option<&str>) -> Result<(), Failure> {
    use crate::playbooks::settle::{propagating, until};
    let Some(group) = group else {
        return Err("no isolation group: the instance is not isolated".to_owned().into());
    };
    // The isolation group must let nothing through: no rule at all, ingress or egress (someone may have
    // added one to the shared group since it was created).
    // Its egress rule was just revoked: the read may lag.
    if let Err(rules) = until(ports, || ports.security_group_rules(group), |r| r.is_empty()).await? {
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        return Err(format!("isolation group {group} has rules ({}): the instance is not cut off", ids.join(", ")).into());
    }
    let open = |i: &Option<crate::ports::Instance>| -> Vec<String> {
        i.iter()
            .flat_map(|i| &i.interfaces)
            .filter(|n| n.groups != [group])
            .map(|n| n.id.clone())
            .collect()
    };
    let done = |i: &Option<crate::ports::Instance>| {
        i.as_ref().is_none_or(|i| i.profile_arn.is_none()) && open(i).is_empty()
    };
    match until(ports, || ports.describe_instance(id), done).await? {
        Ok(Some(_)) => Ok(()),
        Ok(None) | Err(None) => Err(format!("instance {id} is gone").into()),
        Err(Some(i)) if !open(&Some(i.clone())).is_empty() => {
            Err(propagating(format!("interfaces not isolated: {}", open(&Some(i)).join(", "))))
        }
        Err(Some(i)) => Err(propagating(format!(
            "profile {} is still attached",
            i.profile_arn.unwrap_or_default()
        ))),
    }
}
