//! Reading a member account's state back, through OrganizationAccountAccessRole.

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use serde_json::Value;

use crate::{Emulator, Scenario};

/// Clients acting inside a member account (through OrganizationAccountAccessRole), for reading state back.
pub struct MemberView {
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub ec2: aws_sdk_ec2::Client,
    /// The read-back session, for clients of other services.
    pub config: SdkConfig,
}

impl MemberView {
    pub async fn new(emulator: &Emulator, scenario: &Scenario, account: &str) -> Self {
        Self::try_new(emulator, scenario, account)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`MemberView::new`], or why the read-back role could not be assumed.
    pub async fn try_new(
        emulator: &Emulator,
        scenario: &Scenario,
        account: &str,
    ) -> Result<Self, String> {
        let management = emulator.sdk(scenario.management_credentials());
        let assumed = aws_sdk_sts::Client::new(&management)
            .assume_role()
            .role_arn(format!(
                "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            ))
            .role_session_name("riposte-test-readback")
            .send()
            .await
            .map_err(|e| {
                format!(
                    "read-back role in {account}: {}",
                    riposte_hub::aws::explain::sdk_error(&e)
                )
            })?;
        let c = assumed
            .credentials
            .ok_or_else(|| format!("read-back role in {account}: no credentials"))?;
        let config = emulator.sdk(Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            None,
            "readback",
        ));
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build();
        Ok(Self {
            iam: aws_sdk_iam::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            ec2: aws_sdk_ec2::Client::new(&config),
            config,
        })
    }

    /// A security group's rules as (direction, protocol, port, source), sorted.
    pub async fn group_rules(&self, group_id: &str) -> Vec<String> {
        let out = self
            .ec2
            .describe_security_group_rules()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-id")
                    .values(group_id)
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let mut rules: Vec<String> = out
            .security_group_rules()
            .iter()
            .map(|r| {
                let source = r
                    .cidr_ipv4()
                    .or(r.cidr_ipv6())
                    .or(r.referenced_group_info().and_then(|g| g.group_id()))
                    .unwrap_or("?");
                let direction = if r.is_egress() == Some(true) {
                    "out"
                } else {
                    "in"
                };
                format!(
                    "{direction} {} {} {source}",
                    r.ip_protocol().unwrap_or("?"),
                    r.from_port().unwrap_or(-1)
                )
            })
            .collect();
        rules.sort();
        rules
    }

    /// (key id, active) of a user's access keys.
    pub async fn keys(&self, user: &str) -> Vec<(String, bool)> {
        let out = self
            .iam
            .list_access_keys()
            .user_name(user)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        out.access_key_metadata()
            .iter()
            .map(|k| {
                (
                    k.access_key_id().unwrap_or_default().to_owned(),
                    k.status() == Some(&aws_sdk_iam::types::StatusType::Active),
                )
            })
            .collect()
    }

    /// ARNs of the managed policies attached to a user.
    pub async fn attached(&self, user: &str) -> Vec<String> {
        let out = self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        out.attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_owned))
            .collect()
    }

    pub async fn user_policy(&self, user: &str, name: &str) -> Option<Value> {
        let out = self
            .iam
            .get_user_policy()
            .user_name(user)
            .policy_name(name)
            .send()
            .await
            .ok()?;
        document(out.policy_document())
    }

    pub async fn role_policy(&self, role: &str, name: &str) -> Option<Value> {
        let out = self
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .ok()?;
        document(out.policy_document())
    }

    /// The four Block Public Access settings, `None` when unset.
    pub async fn public_access_block(&self, bucket: &str) -> Option<[bool; 4]> {
        let out = self
            .s3
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .ok()?;
        let c = out.public_access_block_configuration()?;
        Some([
            c.block_public_acls().unwrap_or(false),
            c.ignore_public_acls().unwrap_or(false),
            c.block_public_policy().unwrap_or(false),
            c.restrict_public_buckets().unwrap_or(false),
        ])
    }

    /// The account's own four Block Public Access settings (S3 Control), `None` when unset.
    pub async fn account_public_access_block(&self, account: &str) -> Option<[bool; 4]> {
        use aws_sdk_s3control::error::ProvideErrorMetadata;
        let client = aws_sdk_s3control::Client::new(&self.config);
        let out = match client
            .get_public_access_block()
            .account_id(account)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => return None,
            Err(e) => panic!("GetPublicAccessBlock in {account}: {e:?}"),
        };
        let c = out.public_access_block_configuration()?;
        Some([
            c.block_public_acls().unwrap_or(false),
            c.ignore_public_acls().unwrap_or(false),
            c.block_public_policy().unwrap_or(false),
            c.restrict_public_buckets().unwrap_or(false),
        ])
    }

    /// True when the ACL grants anything to AllUsers or AuthenticatedUsers.
    pub async fn acl_is_public(&self, bucket: &str) -> bool {
        let out = self
            .s3
            .get_bucket_acl()
            .bucket(bucket)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        out.grants().iter().any(|g| {
            g.grantee()
                .and_then(|g| g.uri())
                .is_some_and(|u| u.ends_with("/AllUsers") || u.ends_with("/AuthenticatedUsers"))
        })
    }

    /// True when the *stored* ACL grants anything public: with IgnorePublicAcls on, S3 (and the
    /// emulator) show only the effective ACL, so this turns that one setting off, reads, and puts the
    /// bucket's Block Public Access back as it was.
    pub async fn stored_acl_is_public(&self, bucket: &str) -> bool {
        let prior = self.public_access_block(bucket).await;
        if let Some([bpa, _, bpp, rpb]) = prior {
            self.put_public_access_block(bucket, [bpa, false, bpp, rpb])
                .await;
        }
        let public = self.acl_is_public(bucket).await;
        if let Some(settings) = prior {
            self.put_public_access_block(bucket, settings).await;
        }
        public
    }

    async fn put_public_access_block(&self, bucket: &str, [bpa, ipa, bpp, rpb]: [bool; 4]) {
        let settings = aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
            .block_public_acls(bpa)
            .ignore_public_acls(ipa)
            .block_public_policy(bpp)
            .restrict_public_buckets(rpb)
            .build();
        self.s3
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(settings)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }

    /// S3's own verdict on the bucket policy (GetBucketPolicyStatus); `None` without a policy.
    pub async fn policy_is_public(&self, bucket: &str) -> Option<bool> {
        let out = self
            .s3
            .get_bucket_policy_status()
            .bucket(bucket)
            .send()
            .await
            .ok()?;
        out.policy_status()?.is_public()
    }

    /// The Sids of the bucket policy's statements, `None` when there is no policy.
    pub async fn policy_sids(&self, bucket: &str) -> Option<Vec<String>> {
        let out = self
            .s3
            .get_bucket_policy()
            .bucket(bucket)
            .send()
            .await
            .ok()?;
        let policy = document(out.policy()?)?;
        Some(
            policy["Statement"]
                .as_array()?
                .iter()
                .map(|s| s["Sid"].as_str().unwrap_or_default().to_owned())
                .collect(),
        )
    }
}

fn document(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok().or_else(|| {
        serde_json::from_str(&percent_encoding::percent_decode_str(text).decode_utf8_lossy()).ok()
    })
}
