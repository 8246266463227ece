//! What the team's settings add to the policy: a mode per playbook and the scope.

use serde::Serialize;
use std::collections::BTreeSet;

use crate::ids::Region;

/// What the team chose for one playbook: its default mode overridden, or the playbook turned off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModeSetting {
    Auto,
    Approve,
    Notify,
    Off,
}

/// Accounts and regions in scope. Empty `include_accounts`: every account but the excluded ones; OUs are
/// expanded to their accounts before the policy sees them. Empty `regions`: every region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub include_accounts: BTreeSet<String>,
    pub exclude_accounts: BTreeSet<String>,
    pub regions: BTreeSet<String>,
}

impl Scope {
    /// Why a finding in this account and region is out of scope, if it is.
    pub fn excludes(&self, account: &str, region: Option<&Region>) -> Option<String> {
        if self.exclude_accounts.contains(account) {
            return Some(format!(
                "account {account} is excluded by the scope settings"
            ));
        }
        if !self.include_accounts.is_empty() && !self.include_accounts.contains(account) {
            return Some(format!(
                "account {account} is not in the scope settings' accounts"
            ));
        }
        let region = region.map(Region::as_str)?;
        (!self.regions.is_empty() && !self.regions.contains(region))
            .then(|| format!("region {region} is not one of the regions Riposte covers"))
    }
}
