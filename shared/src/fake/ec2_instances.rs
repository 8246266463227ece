//! The fake's EC2 instances as isolation sees them: interfaces and their groups, volumes, profiles.

use std::collections::BTreeMap;

use super::FakeAccount;
use crate::ports::*;

impl FakeAccount {
    pub(super) fn describe_instance_details(
        &self,
        instance_id: &str,
    ) -> PortResult<Option<Instance>> {
        self.enter("ec2:DescribeInstances")?;
        Ok(self.with_state(|s| {
            let mut instance = s.instance_details.get(instance_id)?.clone();
            instance.profile_arn = s
                .profile_associations
                .get(instance_id)
                .map(|a| a.profile_arn.clone());
            Some(instance)
        }))
    }

    pub(super) fn instance_tags(
        &self,
        id: &str,
        tags: &BTreeMap<String, String>,
    ) -> PortResult<()> {
        let api = "ec2:CreateTags";
        self.enter(api)?;
        self.with_state(|s| match s.instance_details.get_mut(id) {
            Some(i) => {
                i.tags.extend(tags.clone());
                Ok(())
            }
            None => Err(not_found(api, "InvalidInstanceID.NotFound", id)),
        })
    }

    pub(super) fn protect(&self, id: &str) -> PortResult<()> {
        self.enter("ec2:ModifyInstanceAttribute")?;
        self.with_state(|s| s.termination_protected.push(id.to_owned()));
        Ok(())
    }

    pub(super) fn snapshot(&self, volume: &str, description: &str) -> PortResult<String> {
        self.enter("ec2:CreateSnapshot")?;
        Ok(self.with_state(|s| {
            s.snapshots
                .push((volume.to_owned(), description.to_owned()));
            format!("snap-{}", s.snapshots.len())
        }))
    }

    pub(super) fn group_named(&self, vpc: &str, name: &str) -> PortResult<Option<String>> {
        self.enter("ec2:DescribeSecurityGroups")?;
        Ok(self.with_state(|s| {
            s.security_groups
                .values()
                .find(|(g, _)| g.name == name && g.vpc_id.as_deref() == Some(vpc))
                .map(|(g, _)| g.id.clone())
        }))
    }

    /// Like EC2: a new group allows all egress.
    pub(super) fn new_group(&self, vpc: &str, name: &str) -> PortResult<String> {
        self.enter("ec2:CreateSecurityGroup")?;
        Ok(self.with_state(|s| {
            let id = format!("sg-riposte{}", s.security_groups.len());
            let group = SecurityGroup {
                id: id.clone(),
                name: name.to_owned(),
                vpc_id: Some(vpc.to_owned()),
                tags: BTreeMap::new(),
            };
            let egress = SecurityGroupRule {
                id: format!("sgr-{id}-egress"),
                egress: true,
                protocol: "-1".into(),
                cidr_ipv4: Some("0.0.0.0/0".into()),
                ..SecurityGroupRule::default()
            };
            s.security_groups.insert(id.clone(), (group, vec![egress]));
            id
        }))
    }

    pub(super) fn interface_groups(&self, eni: &str, groups: &[String]) -> PortResult<()> {
        let api = "ec2:ModifyNetworkInterfaceAttribute";
        self.enter(api)?;
        self.with_state(|s| {
            let found = s
                .instance_details
                .values_mut()
                .flat_map(|i| i.interfaces.iter_mut())
                .find(|i| i.id == eni);
            match found {
                Some(interface) => {
                    interface.groups = groups.to_vec();
                    Ok(())
                }
                None => Err(not_found(api, "InvalidNetworkInterfaceID.NotFound", eni)),
            }
        })
    }

    pub(super) fn association(&self, instance: &str) -> PortResult<Option<ProfileAssociation>> {
        self.enter("ec2:DescribeIamInstanceProfileAssociations")?;
        Ok(self.with_state(|s| s.profile_associations.get(instance).cloned()))
    }

    pub(super) fn disassociate(&self, association: &str) -> PortResult<()> {
        let api = "ec2:DisassociateIamInstanceProfile";
        self.enter(api)?;
        self.with_state(|s| {
            let before = s.profile_associations.len();
            s.profile_associations.retain(|_, a| a.id != association);
            if s.profile_associations.len() == before {
                return Err(not_found(api, "InvalidAssociationID.NotFound", association));
            }
            Ok(())
        })
    }
}

impl FakeAccount {
    pub(super) fn snapshot_candidates(&self, account: &str) -> PortResult<Vec<OwnSnapshot>> {
        self.enter("ec2:DescribeSnapshots")?;
        Ok(self.with_state(|s| {
            s.ebs_snapshots
                .iter()
                .filter(|(_, (owner, public, _))| owner == account && *public)
                .map(|(id, (_, _, tags))| OwnSnapshot {
                    id: id.clone(),
                    tags: tags.clone(),
                })
                .collect()
        }))
    }

    pub(super) fn snapshot_public(&self, id: &str) -> PortResult<bool> {
        let api = "ec2:DescribeSnapshotAttribute";
        self.enter(api)?;
        self.with_state(|s| s.ebs_snapshots.get(id).map(|x| x.1))
            .ok_or_else(|| not_found(api, "InvalidSnapshot.NotFound", id))
    }

    pub(super) fn snapshot_private(&self, id: &str) -> PortResult<()> {
        let api = "ec2:ModifySnapshotAttribute";
        self.enter(api)?;
        self.with_state(|s| match s.ebs_snapshots.get_mut(id) {
            Some(snapshot) => {
                snapshot.1 = false;
                Ok(())
            }
            None => Err(not_found(api, "InvalidSnapshot.NotFound", id)),
        })
    }
}

fn not_found(api: &str, code: &str, id: &str) -> PortError {
    PortError::new(PortErrorKind::NotFound, api, Some(code), id)
}
