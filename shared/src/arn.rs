//! Resource names, parsed in one place: ARNs (`arn:partition:service:region:account:resource`) and the
//! ASFF ids Security Hub gives resources that have no ARN (`AWS::IAM::AccessKey:AKIA…`,
//! `AWS::::Account:123456789012`). Every other module asks these types; none splits on `:` itself.

use serde::Serialize;
use std::fmt;

/// An Amazon Resource Name. The resource part keeps its own shape (`user/path/alice`,
/// `security-group/sg-1`, `function:name`, a bucket's bare name); [`Arn::resource_type`] and
/// [`Arn::resource_id`] read it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

impl Arn {
    /// `None` unless the value has the `arn:` prefix, six fields, a partition, a service and a resource.
    pub fn parse(value: &str) -> Option<Arn> {
        let mut parts = value.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let mut field = || parts.next().map(str::to_owned);
        let arn = Arn {
            partition: field()?,
            service: field()?,
            region: field()?,
            account: field()?,
            resource: field()?,
        };
        let named = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
        (named(&arn.partition) && named(&arn.service) && !arn.resource.is_empty()).then_some(arn)
    }

    /// The account field, when the resource type has one (S3 buckets and AWS-managed policies do not:
    /// `aws` there names AWS itself, not an account).
    pub fn account(&self) -> Option<&str> {
        Some(self.account.as_str()).filter(|a| !a.is_empty() && *a != "aws")
    }

    /// The region field, when the resource is regional.
    pub fn region(&self) -> Option<&str> {
        Some(self.region.as_str()).filter(|r| !r.is_empty())
    }

    /// The resource type before the first `/` or `:` (`user`, `security-group`, `function`, `db`);
    /// `None` for resources named bare (a bucket, an SNS topic, an SQS queue).
    pub fn resource_type(&self) -> Option<&str> {
        self.resource
            .split_once(['/', ':'])
            .map(|(kind, _)| kind)
            .filter(|k| !k.is_empty())
    }

    /// The resource after its type (`path/alice`, `sg-1`, `name:qualifier`), or the bare name.
    pub fn resource_id(&self) -> &str {
        self.resource
            .split_once(['/', ':'])
            .map_or(self.resource.as_str(), |(_, id)| id)
    }

    /// The last element of the resource id: an IAM name without its path.
    pub fn name(&self) -> &str {
        self.resource_id()
            .rsplit('/')
            .next()
            .unwrap_or(&self.resource)
    }

    /// The bucket of an S3 bucket ARN (`arn:aws:s3:::name`: no region, no account, no `/`).
    pub fn bucket(&self) -> Option<&str> {
        (self.service == "s3"
            && self.region.is_empty()
            && self.account.is_empty()
            && !self.resource.contains('/'))
        .then_some(self.resource.as_str())
    }

    /// Whether this is an IAM `kind` (`user`, `role`) ARN of `account` whose name is `name`.
    pub fn is_iam(&self, kind: &str, account: &str, name: &str) -> bool {
        self.service == "iam"
            && self.account() == Some(account)
            && self.resource_type() == Some(kind)
            && self.name() == name
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Arn {
            partition,
            service,
            region,
            account,
            resource,
        } = self;
        write!(f, "arn:{partition}:{service}:{region}:{account}:{resource}")
    }
}

/// A resource id as ASFF writes it: an ARN, or `AWS::<Service>::<Type>:<id>` for resources without one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "kebab-case")]
pub enum ResourceId {
    Arn(Arn),
    /// `AWS::IAM::AccessKey:AKIA…` (service `IAM`), `AWS::::Account:123456789012` (no service).
    Asff {
        service: String,
        kind: String,
        id: String,
    },
}

impl ResourceId {
    pub fn parse(value: &str) -> Option<ResourceId> {
        if let Some(arn) = Arn::parse(value) {
            return Some(ResourceId::Arn(arn));
        }
        let (service, rest) = value.strip_prefix("AWS::")?.split_once("::")?;
        let (kind, id) = rest.split_once(':')?;
        (!kind.is_empty() && !id.is_empty()).then(|| ResourceId::Asff {
            service: service.to_owned(),
            kind: kind.to_owned(),
            id: id.to_owned(),
        })
    }

    /// The account the resource belongs to: an ARN's account field, or the id of an `Account` resource.
    pub fn account(&self) -> Option<&str> {
        match self {
            ResourceId::Arn(arn) => arn.account(),
            ResourceId::Asff { kind, id, .. } if kind == "Account" => Some(id),
            ResourceId::Asff { .. } => None,
        }
    }

    /// The id after the type: an ARN's last name element, or the ASFF id (`AKIA…`).
    pub fn id(&self) -> &str {
        match self {
            ResourceId::Arn(arn) => arn.name(),
            ResourceId::Asff { id, .. } => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_read_field_by_field() {
        let user = Arn::parse("arn:aws:iam::123456789012:user/team/alice").expect("user");
        assert_eq!(user.account(), Some("123456789012"));
        assert_eq!(user.region(), None);
        assert_eq!(user.resource_type(), Some("user"));
        assert_eq!(user.resource_id(), "team/alice");
        assert_eq!(user.name(), "alice");
        assert!(user.is_iam("user", "123456789012", "alice"));
        assert!(!user.is_iam("role", "123456789012", "alice"));
        assert_eq!(
            user.to_string(),
            "arn:aws:iam::123456789012:user/team/alice"
        );

        let sg = Arn::parse("arn:aws-cn:ec2:cn-north-1:123456789012:security-group/sg-0abc")
            .expect("sg");
        assert_eq!(
            (
                sg.partition.as_str(),
                sg.region(),
                sg.resource_type(),
                sg.name()
            ),
            (
                "aws-cn",
                Some("cn-north-1"),
                Some("security-group"),
                "sg-0abc"
            )
        );
        let function = Arn::parse("arn:aws:lambda:eu-west-1:123456789012:function:rotate:$LATEST")
            .expect("function");
        assert_eq!(function.resource_type(), Some("function"));
        assert_eq!(function.resource_id(), "rotate:$LATEST");

        let bucket = Arn::parse("arn:aws:s3:::my.bucket").expect("bucket");
        assert_eq!(
            (bucket.bucket(), bucket.account()),
            (Some("my.bucket"), None)
        );
        assert_eq!(bucket.resource_type(), None);
        let object = Arn::parse("arn:aws:s3:::my.bucket/key").expect("object");
        assert_eq!(object.bucket(), None);
        let managed = Arn::parse("arn:aws:iam::aws:policy/AWSDenyAll").expect("managed");
        assert_eq!(managed.account(), None);
    }

    #[test]
    fn non_arns_are_refused() {
        for bad in [
            "",
            "arn",
            "arn:aws:s3::",
            "arn::iam::1:user/a",
            "arn:aws::r:1:x",
            "arn:aws:s3:::",
            "ARN:aws:s3:::b",
            "my-bucket",
        ] {
            assert_eq!(Arn::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn asff_ids_name_resources_without_an_arn() {
        let account = ResourceId::parse("AWS::::Account:111111111111").expect("account");
        assert_eq!(account.account(), Some("111111111111"));
        let key = ResourceId::parse("AWS::IAM::AccessKey:AKIAEXAMPLE").expect("key");
        assert_eq!((key.account(), key.id()), (None, "AKIAEXAMPLE"));
        assert!(matches!(
            ResourceId::parse("arn:aws:s3:::b"),
            Some(ResourceId::Arn(_))
        ));
        for bad in [
            "AWS::",
            "AWS::::Account:",
            "AWS::IAM::AccessKey",
            "aws::::Account:1",
        ] {
            assert_eq!(ResourceId::parse(bad), None, "{bad}");
        }
    }
}
