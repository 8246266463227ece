//! What a playbook acts on, and reading it from a finding's resources. A leaf module: the playbooks
//! import it; it imports only the finding model and the ARN parser.

use serde::Serialize;

use crate::arn::{Arn, ResourceId};
use crate::asff::{Finding, Resource};
use crate::ids::AccountId;

/// What a playbook acts on, extracted from the finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Target {
    IamPrincipal {
        principal: PrincipalKind,
        name: String,
        access_key_id: Option<String>,
        principal_id: Option<String>,
    },
    Bucket {
        name: String,
        owner_account: Option<String>,
    },
    SecurityGroup {
        group_id: String,
        /// The ingress ports the control forbids to the whole internet.
        ports: PortPolicy,
    },
    /// An account-level setting (S3.1 Block Public Access, EBS encryption by default, the password
    /// policy), named by an `AwsAccount` resource (`AWS::::Account:<id>`).
    Account { account: AccountId },
    /// Any other resource named by its ARN (snapshot, db, function, key, trail, topic, queue, …).
    Resource { arn: Arn },
}

/// Which ports a security-group control forbids to the whole internet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "ports", rename_all = "kebab-case")]
pub enum PortPolicy {
    /// These ports (EC2.13: 22, EC2.14: 3389, EC2.19: the high-risk list).
    Listed(&'static [i32]),
    /// Every port but the authorized ones (EC2.18: its `authorizedTcpPorts`, 80 and 443 by default, and
    /// `authorizedUdpPorts`, none by default).
    AllBut { tcp: Vec<i32>, udp: Vec<i32> },
    /// No rule at all (EC2.2: the default security group).
    NoRules,
}

impl PortPolicy {
    /// The ports a world-open rule may keep serving (EC2.18's authorized ports; 80 and 443 for the
    /// others, which forbid a list): (tcp, udp).
    pub fn authorized(&self) -> (Vec<i32>, Vec<i32>) {
        match self {
            PortPolicy::AllBut { tcp, udp } => (tcp.clone(), udp.clone()),
            _ => (vec![80, 443], Vec::new()),
        }
    }

    /// Whether a rule on `protocol` covering `from..=to` opens a forbidden port.
    pub fn forbids(&self, protocol: &str, from: Option<i32>, to: Option<i32>) -> bool {
        let (from, to) = match (protocol, from, to) {
            ("-1", _, _) => (0, 65_535),
            ("tcp" | "udp" | "6" | "17", Some(f), Some(t)) if f <= t => (f.max(0), t.min(65_535)),
            ("tcp" | "udp" | "6" | "17", _, _) => (0, 65_535),
            // ICMP and other protocols carry no port.
            _ => return matches!(self, PortPolicy::NoRules),
        };
        match self {
            PortPolicy::Listed(ports) => ports.iter().any(|p| (from..=to).contains(p)),
            PortPolicy::AllBut { tcp, udp } => {
                let allowed: &[i32] = match protocol {
                    "tcp" | "6" => tcp,
                    "udp" | "17" => udp,
                    _ => &[],
                };
                (from..=to).any(|p| !allowed.contains(&p))
            }
            PortPolicy::NoRules => true,
        }
    }
}

impl Target {
    /// A short display form: `user/alice`, `role/app`, `root`, `bucket/name`.
    pub fn label(&self) -> String {
        match self {
            Target::IamPrincipal {
                principal: PrincipalKind::Root,
                ..
            } => "root".into(),
            Target::IamPrincipal {
                principal, name, ..
            } => format!("{}/{name}", principal.as_str()),
            Target::Bucket { name, .. } => format!("bucket/{name}"),
            Target::SecurityGroup { group_id, .. } => format!("security-group/{group_id}"),
            Target::Account { account } => format!("account/{account}"),
            Target::Resource { arn } => arn.resource.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    User,
    AssumedRole,
    Root,
    /// Federated users and other principal types no playbook step can contain.
    Other,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::AssumedRole => "role",
            Self::Root => "root",
            Self::Other => "principal",
        }
    }
}

/// The finding's first resource of an ASFF type (`AwsS3Bucket`, `AwsIamUser`, `AwsAccount`, …).
pub fn resource<'a>(finding: &'a Finding, kind: &str) -> Result<&'a Resource, String> {
    finding
        .resources
        .iter()
        .find(|r| r.kind == kind)
        .ok_or_else(|| format!("finding without an {kind} resource"))
}

/// The ARN of the finding's first resource of an ASFF type.
pub fn resource_arn(finding: &Finding, kind: &str) -> Result<Arn, String> {
    let resource = resource(finding, kind)?;
    Arn::parse(&resource.id)
        .ok_or_else(|| format!("{kind} resource id {} is not an ARN", resource.id))
}

/// The security group named by an `AwsEc2SecurityGroup` resource
/// (`arn:<partition>:ec2:<region>:<acct>:security-group/sg-…`).
pub fn security_group_id(finding: &Finding) -> Result<String, String> {
    let arn = resource_arn(finding, "AwsEc2SecurityGroup")?;
    Some(arn.name())
        .filter(|id| {
            arn.resource_type() == Some("security-group") && id.starts_with("sg-") && id.len() > 3
        })
        .map(str::to_owned)
        .ok_or_else(|| format!("resource id {arn} names no security group"))
}

/// The user named by an `AwsIamUser` resource (`arn:<partition>:iam::<acct>:user[/path/]<name>`).
pub fn iam_user(finding: &Finding) -> Result<Target, String> {
    let arn = resource_arn(finding, "AwsIamUser")?;
    if arn.service != "iam" || arn.resource_type() != Some("user") || arn.name().is_empty() {
        return Err(format!("resource id {arn} is not an IAM user ARN"));
    }
    Ok(Target::IamPrincipal {
        principal: PrincipalKind::User,
        name: arn.name().to_owned(),
        access_key_id: None,
        principal_id: None,
    })
}

/// The account named by an `AwsAccount` resource (`AWS::::Account:<id>`); it must be the finding's.
pub fn account(finding: &Finding) -> Result<Target, String> {
    let resource = resource(finding, "AwsAccount")?;
    let named = match ResourceId::parse(&resource.id) {
        Some(ResourceId::Asff { kind, id, .. }) if kind == "Account" => id,
        _ => return Err(format!("resource id {} names no account", resource.id)),
    };
    let account = &finding.aws_account_id;
    if named != account.as_str() {
        return Err(format!(
            "the account resource names {named}, not the finding's account {account}"
        ));
    }
    Ok(Target::Account {
        account: account.clone(),
    })
}

/// A resource of ASFF type `kind` whose ARN names a `resource_type` (`subnet`, `instance`, …) of the
/// finding's account: `Target::Resource`.
pub fn arn_resource(finding: &Finding, kind: &str, resource_type: &str) -> Result<Target, String> {
    let arn = resource_arn(finding, kind)?;
    if arn.resource_type() != Some(resource_type) || arn.name().is_empty() {
        return Err(format!("resource id {arn} names no {resource_type}"));
    }
    if arn.account() != Some(finding.aws_account_id.as_str()) {
        return Err(format!(
            "resource {arn} is not in the finding's account {}",
            finding.aws_account_id
        ));
    }
    Ok(Target::Resource { arn })
}

/// The instance of a GuardDuty EC2 finding's `AwsEc2Instance` resource. Some published GuardDuty
/// findings write the ARN with an empty slot (`arn:aws::ec2:<region>:<acct>:instance/i-…`): the instance
/// id is then read from the tail, and the ARN rebuilt in the finding's account and region.
pub fn instance(finding: &Finding) -> Result<Target, String> {
    let resource = resource(finding, "AwsEc2Instance")?;
    if let Some(arn) = Arn::parse(&resource.id).filter(|a| a.service == "ec2") {
        return arn_resource(finding, "AwsEc2Instance", "instance")
            .map(|_| Target::Resource { arn });
    }
    let id = resource
        .id
        .rsplit_once(":instance/")
        .map(|(_, id)| id)
        .filter(|id| id.starts_with("i-") && id.len() > 2 && !id.contains(['/', ':']))
        .ok_or_else(|| format!("resource id {} names no instance", resource.id))?;
    let region = finding
        .resource_region(None)
        .ok_or("the finding names no region")?;
    let arn = Arn {
        partition: region.partition().to_owned(),
        service: "ec2".into(),
        region: region.to_string(),
        account: finding.aws_account_id.to_string(),
        resource: format!("instance/{id}"),
    };
    Ok(Target::Resource { arn })
}

/// A resource of ASFF type `kind` named by a `service` ARN without a resource type (an SQS queue, an SNS
/// topic: `arn:aws:sqs:<region>:<acct>:<name>`) in the finding's account.
pub fn bare_resource(finding: &Finding, kind: &str, service: &str) -> Result<Target, String> {
    let arn = resource_arn(finding, kind)?;
    if arn.service != service || arn.resource_type().is_some() {
        return Err(format!("resource id {arn} is not a {service} ARN"));
    }
    if arn.account() != Some(finding.aws_account_id.as_str()) {
        return Err(format!(
            "resource {arn} is not in the finding's account {}",
            finding.aws_account_id
        ));
    }
    Ok(Target::Resource { arn })
}

/// The bucket named by an `AwsS3Bucket` resource (`arn:<partition>:s3:::<name>`), with the owner
/// Security Hub recorded for it.
pub fn bucket(finding: &Finding) -> Result<Target, String> {
    let resource = resource(finding, "AwsS3Bucket")?;
    let name = Arn::parse(&resource.id)
        .as_ref()
        .and_then(Arn::bucket)
        .filter(|name| valid_bucket_name(name))
        .map(str::to_owned)
        .ok_or_else(|| format!("resource id {} is not an S3 bucket ARN", resource.id))?;
    let owner_account = resource
        .details
        .aws_s3_bucket
        .as_ref()
        .and_then(|d| d.owner_account_id.clone());
    Ok(Target::Bucket {
        name,
        owner_account,
    })
}

/// DNS-compatible names, and the legacy us-east-1 names (upper case, underscores, up to 255 characters)
/// that S3 still serves.
fn valid_bucket_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

#[cfg(test)]
#[path = "target_tests.rs"]
mod tests;
