//! Identifiers validated once at decode time: account ids, regions, finding references.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::Error;

/// A 12-digit AWS account id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(value: &str) -> Result<Self, Error> {
        if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(Error::InvalidAccountId {
                value: value.chars().take(64).collect(),
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Error> {
        Self::parse(&value)
    }
}

impl From<AccountId> for String {
    fn from(value: AccountId) -> String {
        value.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS region name such as `us-east-1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    pub fn parse(value: &str) -> Result<Self, Error> {
        let ok = (4..=32).contains(&value.len())
            && value.contains('-')
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && value.bytes().last().is_some_and(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(Error::InvalidRegion {
                value: value.chars().take(64).collect(),
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The ARN partition this region belongs to.
    pub fn partition(&self) -> &'static str {
        if self.0.starts_with("cn-") {
            "aws-cn"
        } else if self.0.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }
}

impl TryFrom<String> for Region {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Error> {
        Self::parse(&value)
    }
}

impl From<Region> for String {
    fn from(value: Region) -> String {
        value.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What BatchUpdateFindings needs to name one finding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingRef {
    pub id: String,
    pub product_arn: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_exactly_twelve_digits() {
        assert!(AccountId::parse("123456789012").is_ok());
        for bad in ["12345678901", "1234567890123", "12345678901a", "", "null"] {
            assert!(AccountId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_know_their_partition() {
        assert_eq!(Region::parse("us-east-1").map(|r| r.partition()), Ok("aws"));
        assert_eq!(
            Region::parse("cn-north-1").map(|r| r.partition()),
            Ok("aws-cn")
        );
        assert_eq!(
            Region::parse("us-gov-west-1").map(|r| r.partition()),
            Ok("aws-us-gov")
        );
        assert!(Region::parse("US-EAST-1").is_err());
        assert!(Region::parse("").is_err());
    }
}
