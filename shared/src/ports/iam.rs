//! IAM: users, keys, roles and their policies (global).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: String,
    pub active: bool,
    /// Unix seconds of the key's creation.
    #[serde(default)]
    pub created: Option<i64>,
}

/// The account password policy, every field UpdateAccountPasswordPolicy takes (it resets any it is not
/// given, so the policy is always written whole).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub minimum_length: i32,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub allow_users_to_change: bool,
    /// Days before a password expires; `None`: never.
    pub max_age_days: Option<i32>,
    /// Previous passwords a user may not reuse; `None`: no rule.
    pub reuse_prevention: Option<i32>,
    /// An expired password can only be reset by an administrator.
    pub hard_expiry: bool,
}

impl PasswordPolicy {
    /// What UpdateAccountPasswordPolicy sets when given no field (the API's documented defaults).
    pub const API_DEFAULTS: Self = Self {
        minimum_length: 6,
        require_symbols: false,
        require_numbers: false,
        require_uppercase: false,
        require_lowercase: false,
        allow_users_to_change: false,
        max_age_days: None,
        reuse_prevention: None,
        hard_expiry: false,
    };
}

/// A user as GetUser tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamUser {
    pub name: String,
    /// The unique id (`AIDA…`).
    pub id: String,
    /// Unix seconds of the password's last use; `None`: never (or no password).
    pub password_last_used: Option<i64>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

pub trait IamPort: super::Settle + Send + Sync {
    fn list_access_keys(
        &self,
        user: &str,
    ) -> impl Future<Output = PortResult<Vec<AccessKey>>> + Send;
    /// Unix seconds of the key's last use (`None`: never used, or not tracked yet).
    fn access_key_last_used(
        &self,
        key_id: &str,
    ) -> impl Future<Output = PortResult<Option<i64>>> + Send;
    fn deactivate_access_key(
        &self,
        user: &str,
        key_id: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Set a key Active again (`riposte undo`).
    fn activate_access_key(
        &self,
        user: &str,
        key_id: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Detach a managed policy (`riposte undo` detaches only `AWSDenyAll`).
    fn detach_user_policy(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Attach a managed policy (Riposte only ever attaches `AWSDenyAll`).
    fn attach_user_policy(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// ARNs of the managed policies attached to the user.
    fn list_attached_user_policies(
        &self,
        user: &str,
    ) -> impl Future<Output = PortResult<Vec<String>>> + Send;
    fn list_user_tags(
        &self,
        user: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
    fn list_role_tags(
        &self,
        role: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
    fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    fn get_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> impl Future<Output = PortResult<Option<String>>> + Send;
    /// `None` when the account has no custom password policy (NoSuchEntity).
    fn get_password_policy(
        &self,
    ) -> impl Future<Output = PortResult<Option<PasswordPolicy>>> + Send;
    /// Write the whole policy.
    fn update_password_policy(
        &self,
        policy: &PasswordPolicy,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// The roles of an instance profile (by name).
    fn instance_profile_roles(
        &self,
        profile: &str,
    ) -> impl Future<Output = PortResult<Vec<String>>> + Send;
    /// `None` when there is no such user.
    fn get_user(&self, user: &str) -> impl Future<Output = PortResult<Option<IamUser>>> + Send;
    /// The name of the user with this unique id (`AIDA…`), from ListUsers.
    fn user_name_by_id(&self, id: &str) -> impl Future<Output = PortResult<Option<String>>> + Send;
    /// Unix seconds of the console password's creation; `None` when the user has no password.
    fn login_profile_created(
        &self,
        user: &str,
    ) -> impl Future<Output = PortResult<Option<i64>>> + Send;
    fn delete_login_profile(&self, user: &str) -> impl Future<Output = PortResult<()>> + Send;
}
