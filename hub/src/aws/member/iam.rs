//! IAM through the member session.

use aws_sdk_iam::types::StatusType;
use riposte_shared::ports::*;
use std::collections::BTreeMap;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::MemberClients;
use super::{absent_as_none, decode_document};

impl IamPort for MemberClients {
    async fn list_access_keys(&self, user: &str) -> PortResult<Vec<AccessKey>> {
        // A user has at most two access keys: one page.
        let out = call!(
            self,
            Api::IamListAccessKeys,
            user,
            self.iam.list_access_keys().user_name(user).send()
        )?;
        Ok(out
            .access_key_metadata()
            .iter()
            .filter_map(|k| {
                Some(AccessKey {
                    id: k.access_key_id()?.to_owned(),
                    active: k.status() == Some(&StatusType::Active),
                    created: k.create_date().map(|d| d.secs()),
                })
            })
            .collect())
    }
    async fn access_key_last_used(&self, key_id: &str) -> PortResult<Option<i64>> {
        let out = call!(
            self,
            Api::IamGetAccessKeyLastUsed,
            key_id,
            self.iam
                .get_access_key_last_used()
                .access_key_id(key_id)
                .send()
        )?;
        Ok(out
            .access_key_last_used()
            .and_then(|u| u.last_used_date())
            .map(|d| d.secs()))
    }
    async fn deactivate_access_key(&self, user: &str, key_id: &str) -> PortResult<()> {
        let request = self
            .iam
            .update_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .status(StatusType::Inactive);
        call!(self, Api::IamUpdateAccessKey, user, request.send()).map(|_| ())
    }
    async fn activate_access_key(&self, user: &str, key_id: &str) -> PortResult<()> {
        let request = self
            .iam
            .update_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .status(StatusType::Active);
        call!(self, Api::IamUpdateAccessKey, user, request.send()).map(|_| ())
    }
    async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> PortResult<()> {
        let request = self
            .iam
            .detach_user_policy()
            .user_name(user)
            .policy_arn(policy_arn);
        call!(self, Api::IamDetachUserPolicy, user, request.send()).map(|_| ())
    }
    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> PortResult<()> {
        let request = self
            .iam
            .attach_user_policy()
            .user_name(user)
            .policy_arn(policy_arn);
        call!(self, Api::IamAttachUserPolicy, user, request.send()).map(|_| ())
    }
    async fn list_attached_user_policies(&self, user: &str) -> PortResult<Vec<String>> {
        // At most 20 managed policies can be attached to a user: one page of 100.
        let request = self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .max_items(100);
        let out = call!(self, Api::IamListAttachedUserPolicies, user, request.send())?;
        Ok(out
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_owned))
            .collect())
    }
    async fn list_user_tags(&self, user: &str) -> PortResult<BTreeMap<String, String>> {
        // At most 50 tags per user: one page of 100.
        let out = call!(
            self,
            Api::IamListUserTags,
            user,
            self.iam
                .list_user_tags()
                .user_name(user)
                .max_items(100)
                .send()
        )?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }
    async fn list_role_tags(&self, role: &str) -> PortResult<BTreeMap<String, String>> {
        let out = call!(
            self,
            Api::IamListRoleTags,
            role,
            self.iam
                .list_role_tags()
                .role_name(role)
                .max_items(100)
                .send()
        )?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }
    async fn put_role_policy(&self, role: &str, name: &str, document: &str) -> PortResult<()> {
        let request = self
            .iam
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document);
        call!(self, Api::IamPutRolePolicy, role, request.send()).map(|_| ())
    }
    async fn get_role_policy(&self, role: &str, name: &str) -> PortResult<Option<String>> {
        let out = absent_as_none(
            call!(
                self,
                Api::IamGetRolePolicy,
                role,
                self.iam
                    .get_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send()
            ),
            &["NoSuchEntity"],
        )?;
        Ok(out.map(|o| decode_document(o.policy_document())))
    }
    async fn get_password_policy(&self) -> PortResult<Option<PasswordPolicy>> {
        let out = absent_as_none(
            call!(
                self,
                Api::IamGetAccountPasswordPolicy,
                "account",
                self.iam.get_account_password_policy().send()
            ),
            &["NoSuchEntity"],
        )?;
        Ok(out
            .and_then(|o| o.password_policy().cloned())
            .map(|p| PasswordPolicy {
                minimum_length: p.minimum_password_length().unwrap_or(6),
                require_symbols: p.require_symbols(),
                require_numbers: p.require_numbers(),
                require_uppercase: p.require_uppercase_characters(),
                require_lowercase: p.require_lowercase_characters(),
                allow_users_to_change: p.allow_users_to_change_password(),
                max_age_days: p.max_password_age().filter(|d| *d > 0),
                reuse_prevention: p.password_reuse_prevention().filter(|r| *r > 0),
                hard_expiry: p.hard_expiry().unwrap_or(false),
            }))
    }
    async fn update_password_policy(&self, policy: &PasswordPolicy) -> PortResult<()> {
        // Every field, every time: the API resets the ones it is not given.
        let request = self
            .iam
            .update_account_password_policy()
            .minimum_password_length(policy.minimum_length)
            .require_symbols(policy.require_symbols)
            .require_numbers(policy.require_numbers)
            .require_uppercase_characters(policy.require_uppercase)
            .require_lowercase_characters(policy.require_lowercase)
            .allow_users_to_change_password(policy.allow_users_to_change)
            .set_max_password_age(policy.max_age_days)
            .set_password_reuse_prevention(policy.reuse_prevention)
            .hard_expiry(policy.hard_expiry);
        call!(
            self,
            Api::IamUpdateAccountPasswordPolicy,
            "account",
            request.send()
        )
        .map(|_| ())
    }
    async fn instance_profile_roles(&self, profile: &str) -> PortResult<Vec<String>> {
        let request = self
            .iam
            .get_instance_profile()
            .instance_profile_name(profile);
        let out = call!(self, Api::IamGetInstanceProfile, profile, request.send())?;
        Ok(out
            .instance_profile()
            .map(|p| p.roles().iter().map(|r| r.role_name().to_owned()).collect())
            .unwrap_or_default())
    }
    async fn get_user(&self, user: &str) -> PortResult<Option<IamUser>> {
        let request = self.iam.get_user().user_name(user);
        let out = absent_as_none(
            call!(self, Api::IamGetUser, user, request.send()),
            &["NoSuchEntity"],
        )?;
        Ok(out.and_then(|o| o.user().cloned()).map(|u| IamUser {
            name: u.user_name().to_owned(),
            id: u.user_id().to_owned(),
            password_last_used: u.password_last_used().map(|d| d.secs()),
            tags: u
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        }))
    }
    async fn user_name_by_id(&self, id: &str) -> PortResult<Option<String>> {
        let mut marker: Option<String> = None;
        loop {
            let request = self
                .iam
                .list_users()
                .max_items(1000)
                .set_marker(marker.take());
            let out = call!(self, Api::IamListUsers, id, request.send())?;
            if let Some(user) = out.users().iter().find(|u| u.user_id() == id) {
                return Ok(Some(user.user_name().to_owned()));
            }
            match out.marker() {
                Some(next) if out.is_truncated() => marker = Some(next.to_owned()),
                _ => return Ok(None),
            }
        }
    }
    async fn login_profile_created(&self, user: &str) -> PortResult<Option<i64>> {
        let request = self.iam.get_login_profile().user_name(user);
        let out = absent_as_none(
            call!(self, Api::IamGetLoginProfile, user, request.send()),
            &["NoSuchEntity"],
        )?;
        Ok(out.and_then(|o| o.login_profile().map(|p| p.create_date().secs())))
    }
    async fn delete_login_profile(&self, user: &str) -> PortResult<()> {
        let request = self.iam.delete_login_profile().user_name(user);
        call!(self, Api::IamDeleteLoginProfile, user, request.send()).map(|_| ())
    }
}
