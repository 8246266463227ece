//! The settings' value types: each validates itself while the document is read, so a bad value is
//! reported at its own line and column.

use riposte_shared::arn::Arn;
use riposte_shared::asff::SeverityLabel;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A value's text with `{account}` and `{region}` filled in with examples, for checking its shape.
fn filled(value: &str) -> String {
    value
        .replace("{account}", "123456789012")
        .replace("{region}", "us-east-1")
}

macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                let check: fn(&str) -> Result<(), String> = $check;
                check(&value).map(|()| Self(value))
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_string!(
    /// A 12-digit account id.
    Account,
    |v| riposte_shared::ids::AccountId::parse(v)
        .map(|_| ())
        .map_err(|_| format!("`{v}` is not a 12-digit account id"))
);
checked_string!(
    /// An organizational unit id (`ou-xxxx-xxxxxxxx`) or the root (`r-xxxx`).
    OrgUnit,
    |v| {
        let ok = (v.starts_with("ou-") || v.starts_with("r-"))
            && v.len() <= 68
            && v[2..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then_some(())
            .ok_or_else(|| format!("`{v}` is not an organizational unit id (ou-…) or root id (r-…)"))
    }
);
checked_string!(
    /// An AWS region name.
    RegionName,
    |v| riposte_shared::ids::Region::parse(v)
        .map(|_| ())
        .map_err(|_| format!("`{v}` is not an AWS region"))
);
checked_string!(
    /// An IAM user or role ARN.
    PrincipalArn,
    |v| {
        let ok = Arn::parse(v).is_some_and(|arn| {
            arn.service == "iam"
                && arn
                    .account()
                    .is_some_and(|a| riposte_shared::ids::AccountId::parse(a).is_ok())
                && matches!(arn.resource_type(), Some("user" | "role"))
        });
        ok.then_some(())
            .ok_or_else(|| format!("`{v}` is not an IAM user or role ARN"))
    }
);
checked_string!(
    /// A playbook id from the catalogue.
    PlaybookId,
    |v| riposte_shared::catalogue::find(v)
        .map(|_| ())
        .ok_or_else(|| format!("`{v}` is not a playbook id (see `riposte playbooks`)"))
);
checked_string!(
    /// A KMS key ARN (`…:key/…` or `…:alias/…`) or an `alias/…` name; `{account}` and `{region}` allowed.
    KmsKey,
    |v| {
        let f = filled(v);
        let arn_ok = Arn::parse(&f).is_some_and(|a| {
            a.service == "kms" && matches!(a.resource_type(), Some("key" | "alias"))
        });
        (arn_ok || (f.starts_with("alias/") && f.len() > 6))
            .then_some(())
            .ok_or_else(|| format!("`{v}` is not a KMS key ARN or alias"))
    }
);
checked_string!(
    /// An S3 bucket name; `{account}` and `{region}` allowed.
    BucketName,
    |v| {
        let f = filled(v);
        let ok = (3..=63).contains(&f.len())
            && f.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-'));
        ok.then_some(())
            .ok_or_else(|| format!("`{v}` is not an S3 bucket name"))
    }
);
checked_string!(
    /// An S3 bucket ARN (`arn:aws:s3:::bucket[/prefix]`); `{account}` and `{region}` allowed.
    BucketArn,
    |v| Arn::parse(&filled(v))
        .is_some_and(|a| a.service == "s3" && a.account.is_empty())
        .then_some(())
        .ok_or_else(|| format!("`{v}` is not an S3 bucket ARN"))
);
checked_string!(
    /// A tag key (1–128 characters).
    TagKey,
    |v| (1..=128)
        .contains(&v.chars().count())
        .then_some(())
        .ok_or_else(|| "a tag key has 1 to 128 characters".to_owned())
);

/// A whole number from `MIN` to `MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Bounded<const MIN: u32, const MAX: u32>(u32);

impl<const MIN: u32, const MAX: u32> Bounded<MIN, MAX> {
    /// `value` clamped into the range (for defaults written in code).
    pub const fn new(value: u32) -> Self {
        Self(if value < MIN {
            MIN
        } else if value > MAX {
            MAX
        } else {
            value
        })
    }
    pub fn get(self) -> u32 {
        self.0
    }
}
impl<const MIN: u32, const MAX: u32> TryFrom<i64> for Bounded<MIN, MAX> {
    type Error = String;
    fn try_from(value: i64) -> Result<Self, String> {
        u32::try_from(value)
            .ok()
            .filter(|v| (MIN..=MAX).contains(v))
            .map(Self)
            .ok_or_else(|| format!("{value} is not a number from {MIN} to {MAX}"))
    }
}
impl<const MIN: u32, const MAX: u32> From<Bounded<MIN, MAX>> for i64 {
    fn from(value: Bounded<MIN, MAX>) -> i64 {
        i64::from(value.0)
    }
}

/// A GuardDuty severity score, 0 to 8.9 (GuardDuty's scale; 10 accepted as "never").
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Score(f64);

impl Score {
    pub const fn new(value: f64) -> Self {
        Self(value)
    }
    pub fn get(self) -> f64 {
        self.0
    }
}
impl TryFrom<f64> for Score {
    type Error = String;
    fn try_from(value: f64) -> Result<Self, String> {
        (0.0..=10.0)
            .contains(&value)
            .then_some(Self(value))
            .ok_or_else(|| format!("{value} is not a GuardDuty score from 0 to 10"))
    }
}
impl From<Score> for f64 {
    fn from(value: Score) -> f64 {
        value.0
    }
}

/// A Security Hub severity label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(pub SeverityLabel);

impl TryFrom<String> for Label {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        SeverityLabel::parse(&value).map(Self).ok_or_else(|| {
            format!("`{value}` is not one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL")
        })
    }
}
impl From<Label> for String {
    fn from(value: Label) -> String {
        value.0.as_str().to_owned()
    }
}
