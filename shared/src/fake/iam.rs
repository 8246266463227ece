//! The fake's IAM: users, keys, roles.

use std::collections::BTreeMap;

use super::{FakeAccount, FakeRole, FakeUser};
use crate::ports::*;

impl FakeAccount {
    pub(super) fn user<T>(
        &self,
        api: &str,
        user: &str,
        f: impl FnOnce(&mut FakeUser) -> PortResult<T>,
    ) -> PortResult<T> {
        self.enter(api)?;
        self.with_state(|s| match s.users.get_mut(user) {
            None => Err(PortError::new(
                PortErrorKind::NotFound,
                api,
                Some("NoSuchEntity"),
                user,
            )),
            Some(u) => f(u),
        })
    }

    pub(super) fn role<T>(
        &self,
        api: &str,
        role: &str,
        f: impl FnOnce(&mut FakeRole) -> PortResult<T>,
    ) -> PortResult<T> {
        self.enter(api)?;
        self.with_state(|s| match s.roles.get_mut(role) {
            None => Err(PortError::new(
                PortErrorKind::NotFound,
                api,
                Some("NoSuchEntity"),
                role,
            )),
            Some(r) => f(r),
        })
    }
}

impl IamPort for FakeAccount {
    async fn list_access_keys(&self, user: &str) -> PortResult<Vec<AccessKey>> {
        self.user("iam:ListAccessKeys", user, |u| Ok(u.keys.clone()))
    }
    async fn access_key_last_used(&self, key_id: &str) -> PortResult<Option<i64>> {
        self.enter("iam:GetAccessKeyLastUsed")?;
        Ok(self.with_state(|s| {
            s.users
                .values()
                .find_map(|u| u.last_used.get(key_id).copied())
        }))
    }
    async fn deactivate_access_key(&self, user: &str, key_id: &str) -> PortResult<()> {
        self.user("iam:UpdateAccessKey", user, |u| {
            u.keys
                .iter_mut()
                .filter(|k| k.id == key_id)
                .for_each(|k| k.active = false);
            Ok(())
        })
    }
    async fn activate_access_key(&self, user: &str, key_id: &str) -> PortResult<()> {
        self.user("iam:UpdateAccessKey", user, |u| {
            u.keys
                .iter_mut()
                .filter(|k| k.id == key_id)
                .for_each(|k| k.active = true);
            Ok(())
        })
    }
    async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> PortResult<()> {
        self.user("iam:DetachUserPolicy", user, |u| {
            u.attached.retain(|p| p != policy_arn);
            Ok(())
        })
    }
    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> PortResult<()> {
        self.user("iam:AttachUserPolicy", user, |u| {
            if !u.attached.iter().any(|p| p == policy_arn) {
                u.attached.push(policy_arn.to_owned());
            }
            Ok(())
        })
    }
    async fn list_attached_user_policies(&self, user: &str) -> PortResult<Vec<String>> {
        self.user("iam:ListAttachedUserPolicies", user, |u| {
            Ok(u.attached.clone())
        })
    }
    async fn list_user_tags(&self, user: &str) -> PortResult<BTreeMap<String, String>> {
        self.user("iam:ListUserTags", user, |u| Ok(u.tags.clone()))
    }
    async fn list_role_tags(&self, role: &str) -> PortResult<BTreeMap<String, String>> {
        self.role("iam:ListRoleTags", role, |r| Ok(r.tags.clone()))
    }
    async fn put_role_policy(&self, role: &str, name: &str, document: &str) -> PortResult<()> {
        self.role("iam:PutRolePolicy", role, |r| {
            r.policies.insert(name.to_owned(), document.to_owned());
            Ok(())
        })
    }
    async fn get_role_policy(&self, role: &str, name: &str) -> PortResult<Option<String>> {
        self.role("iam:GetRolePolicy", role, |r| {
            Ok(r.policies.get(name).cloned())
        })
    }
    async fn get_password_policy(&self) -> PortResult<Option<PasswordPolicy>> {
        self.enter("iam:GetAccountPasswordPolicy")?;
        let policy = self.with_state(|s| s.password_policy.clone());
        super::give_way().await;
        Ok(policy)
    }
    async fn update_password_policy(&self, policy: &PasswordPolicy) -> PortResult<()> {
        self.enter("iam:UpdateAccountPasswordPolicy")?;
        // Like IAM: 6..=128 characters, age 1..=1095 days, reuse 1..=24.
        let valid = (6..=128).contains(&policy.minimum_length)
            && policy.max_age_days.is_none_or(|d| (1..=1095).contains(&d))
            && policy
                .reuse_prevention
                .is_none_or(|r| (1..=24).contains(&r));
        if !valid {
            return Err(PortError::new(
                PortErrorKind::Invalid,
                "iam:UpdateAccountPasswordPolicy",
                Some("ValidationError"),
                format!("{policy:?}"),
            ));
        }
        self.with_state(|s| s.password_policy = Some(policy.clone()));
        Ok(())
    }
    async fn instance_profile_roles(&self, profile: &str) -> PortResult<Vec<String>> {
        let api = "iam:GetInstanceProfile";
        self.enter(api)?;
        self.with_state(|s| s.instance_profiles.get(profile).cloned())
            .ok_or_else(|| {
                PortError::new(PortErrorKind::NotFound, api, Some("NoSuchEntity"), profile)
            })
    }
    async fn get_user(&self, user: &str) -> PortResult<Option<IamUser>> {
        self.enter("iam:GetUser")?;
        Ok(self.with_state(|s| {
            s.users.get(user).map(|u| IamUser {
                name: user.to_owned(),
                id: u.id.clone(),
                password_last_used: u.password_last_used,
                tags: u.tags.clone(),
            })
        }))
    }
    async fn user_name_by_id(&self, id: &str) -> PortResult<Option<String>> {
        self.enter("iam:ListUsers")?;
        Ok(self.with_state(|s| {
            s.users
                .iter()
                .find(|(_, u)| u.id == id)
                .map(|(n, _)| n.clone())
        }))
    }
    async fn login_profile_created(&self, user: &str) -> PortResult<Option<i64>> {
        self.user("iam:GetLoginProfile", user, |u| Ok(u.password_created))
    }
    async fn delete_login_profile(&self, user: &str) -> PortResult<()> {
        let api = "iam:DeleteLoginProfile";
        self.user(api, user, |u| match u.password_created.take() {
            Some(_) => Ok(()),
            None => Err(PortError::new(
                PortErrorKind::NotFound,
                api,
                Some("NoSuchEntity"),
                "no login profile",
            )),
        })
    }
}
