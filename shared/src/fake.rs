//! An in-memory member account implementing the ports, for tests of playbooks and the engine (feature
//! `fake`). It keeps real state, enforces the expected bucket owner like S3, records every call, and
//! can be told to fail a given API.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::ports::*;

mod data;
mod ec2;
mod ec2_instances;
mod iam;
mod rds;
mod s3;
mod secrets;

#[derive(Clone, Debug, Default)]
pub struct FakeUser {
    pub keys: Vec<AccessKey>,
    pub attached: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// Key id → unix seconds of its last use.
    pub last_used: BTreeMap<String, i64>,
    /// The unique id (`AIDA…`).
    pub id: String,
    /// Unix seconds the console password was created, when the user has one.
    pub password_created: Option<i64>,
    pub password_last_used: Option<i64>,
}

#[derive(Clone, Debug, Default)]
pub struct FakeRole {
    pub policies: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
pub struct FakeSecret {
    pub secret: LinkedSecret,
    pub tags: BTreeMap<String, String>,
    pub rotations: u32,
}

#[derive(Clone, Debug)]
pub struct FakeBucket {
    pub owner: String,
    pub tags: BTreeMap<String, String>,
    pub public_access_block: Option<PublicAccessBlock>,
    pub acl: BucketAcl,
    pub acls_disabled: bool,
    pub policy: Option<String>,
    /// What GetBucketPolicyStatus answers instead of S3's rules (to test a disagreement with them).
    pub policy_status_override: Option<bool>,
    /// Store a policy that no longer parses on PutBucketPolicy (to test verification).
    pub garble_policy_on_put: bool,
    /// Server access logging: (target bucket, prefix).
    pub logging: Option<(String, String)>,
}

impl FakeBucket {
    pub fn public(owner: &str, policy: Option<&str>) -> Self {
        Self {
            owner: owner.to_owned(),
            tags: BTreeMap::new(),
            public_access_block: None,
            acl: BucketAcl {
                owner_id: Some("owner-canonical-id".into()),
                grants: vec![
                    AclGrant {
                        grantee_type: "CanonicalUser".into(),
                        grantee: "owner-canonical-id".into(),
                        permission: "FULL_CONTROL".into(),
                    },
                    AclGrant {
                        grantee_type: "Group".into(),
                        grantee: "http://acs.amazonaws.com/groups/global/AllUsers".into(),
                        permission: "READ".into(),
                    },
                ],
            },
            acls_disabled: false,
            policy: policy.map(str::to_owned),
            policy_status_override: None,
            garble_policy_on_put: false,
            logging: None,
        }
    }
}

#[derive(Debug, Default)]
pub struct FakeState {
    pub users: BTreeMap<String, FakeUser>,
    pub roles: BTreeMap<String, FakeRole>,
    pub secrets: Vec<FakeSecret>,
    pub buckets: BTreeMap<String, FakeBucket>,
    pub security_groups: BTreeMap<String, (SecurityGroup, Vec<SecurityGroupRule>)>,
    pub password_policy: Option<PasswordPolicy>,
    pub ebs_encryption_by_default: bool,
    /// The account's own Block Public Access (S3 Control).
    pub account_public_access_block: Option<PublicAccessBlock>,
    pub subnets: BTreeMap<String, Subnet>,
    pub instances: BTreeMap<String, InstanceMetadata>,
    /// Instances as isolation sees them (interfaces, volumes, profile), by id.
    pub instance_details: BTreeMap<String, Instance>,
    /// Instance id → its instance-profile association.
    pub profile_associations: BTreeMap<String, ProfileAssociation>,
    /// Instance profile name → its roles.
    pub instance_profiles: BTreeMap<String, Vec<String>>,
    /// (volume, description) of every snapshot started.
    pub snapshots: Vec<(String, String)>,
    pub termination_protected: Vec<String>,
    /// VPC id → its flow logs.
    pub flow_logs: BTreeMap<String, Vec<FlowLog>>,
    /// EBS snapshots by id: (owner account, public, tags).
    pub ebs_snapshots: BTreeMap<String, (String, bool, BTreeMap<String, String>)>,
    /// SQS queues by name.
    pub queues: BTreeMap<String, FakeQueue>,
    /// DynamoDB tables by name: (point-in-time recovery on, ARN, tags).
    pub tables: BTreeMap<String, (bool, String, BTreeMap<String, String>)>,
    /// KMS keys by id: (key, rotation on, tags).
    pub keys: BTreeMap<String, (KmsKey, bool, BTreeMap<String, String>)>,
    /// CloudTrail trails by ARN, with their tags.
    pub trails: BTreeMap<String, (Trail, BTreeMap<String, String>)>,
    /// Lambda functions by name: (ARN, policy document, tags).
    pub functions: BTreeMap<String, FakeFunction>,
    /// SNS topics by ARN: (KMS key, tags).
    pub topics: BTreeMap<String, (Option<String>, BTreeMap<String, String>)>,
    /// Redshift clusters by id.
    pub clusters: BTreeMap<String, RedshiftCluster>,
    /// SSM documents by name: (accounts shared with, tags).
    pub documents: BTreeMap<String, (Vec<String>, BTreeMap<String, String>)>,
    /// RDS instances by id.
    pub db_instances: BTreeMap<String, DbInstance>,
    /// RDS snapshots by (kind, id): (accounts allowed to restore, ARN, tags).
    pub db_snapshots: BTreeMap<(SnapshotKind, String), FakeSnapshot>,
    /// ECR repositories by name: (scan on push, ARN, tags).
    pub repositories: BTreeMap<String, (bool, String, BTreeMap<String, String>)>,
}

/// A Lambda function: (ARN, policy document, tags).
pub type FakeFunction = (String, Option<String>, BTreeMap<String, String>);

/// An RDS snapshot: (accounts allowed to restore, ARN, tags).
pub type FakeSnapshot = (Vec<String>, String, BTreeMap<String, String>);

#[derive(Clone, Debug, Default)]
pub struct FakeQueue {
    pub url: String,
    pub owner: String,
    pub encryption: QueueEncryption,
    pub tags: BTreeMap<String, String>,
}

/// An injected failure: error kind, error code, remaining failures (`None`: always).
type Failure = (PortErrorKind, String, Option<u32>);

#[derive(Debug, Default)]
pub struct FakeAccount {
    pub state: Mutex<FakeState>,
    calls: Mutex<Vec<String>>,
    /// api → (error kind, error code, remaining failures; None = always)
    failures: Mutex<BTreeMap<String, Failure>>,
    /// The pauses a playbook asked for (`Settle`), which the fake does not wait.
    pauses: Mutex<Vec<std::time::Duration>>,
}

impl crate::ports::Settle for FakeAccount {
    async fn pause(&self, duration: std::time::Duration) -> bool {
        if let Ok(mut pauses) = self.pauses.lock() {
            pauses.push(duration);
        }
        true
    }
}

impl FakeAccount {
    pub fn new(state: FakeState) -> Self {
        Self {
            state: Mutex::new(state),
            ..Self::default()
        }
    }

    /// Make `api` (an IAM action such as `iam:UpdateAccessKey`) fail `times` times (`None`: always).
    pub fn fail(&self, api: &str, kind: PortErrorKind, code: &str, times: Option<u32>) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.insert(api.to_owned(), (kind, code.to_owned(), times));
        }
    }

    /// Every call so far, as IAM action names, in order.
    /// The pauses playbooks asked for, in order.
    pub fn pauses(&self) -> Vec<std::time::Duration> {
        self.pauses.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn with_state<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        let mut guard = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    pub(crate) fn enter(&self, api: &str) -> PortResult<()> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(api.to_owned());
        }
        let Ok(mut failures) = self.failures.lock() else {
            return Ok(());
        };
        let Some((kind, code, remaining)) = failures.get_mut(api) else {
            return Ok(());
        };
        let error = PortError::new(*kind, api, Some(code), format!("injected {code}"));
        match remaining {
            None => Err(error),
            Some(0) => Ok(()),
            Some(n) => {
                *n -= 1;
                Err(error)
            }
        }
    }
}

/// Give way once to the other futures of a `join_all`, as a real call would while it waits on the
/// network: lets tests see what concurrent playbooks do to one resource.
pub(crate) async fn give_way() {
    struct Once(bool);
    impl std::future::Future for Once {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 {
                return std::task::Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
    Once(false).await
}
