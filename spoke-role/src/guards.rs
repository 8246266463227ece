//! Deny statements that pin a grant to Riposte's use where IAM has a condition key to say it: a stolen
//! hub session holding the spoke role must not be able to turn a grant that closes something into one
//! that opens it. A guard is rendered only when the catalogue grants its action, and a test fails when
//! a guard names an action no playbook declares.

use serde_json::{json, Value};

/// One guard: deny `action` whenever `condition` holds, with why.
pub struct Guard {
    pub sid: &'static str,
    pub action: &'static str,
    /// The IAM condition block (`{"Null": {"ec2:Add/userId": "false"}}`).
    pub condition: fn() -> Value,
    pub why: &'static str,
}

/// The guards, in the order they are rendered.
pub const GUARDS: &[Guard] = &[
    Guard {
        sid: "SnapshotSharingOnlyRemovesAccounts",
        action: "ec2:ModifySnapshotAttribute",
        // `ec2:Add/userId`: the account ids a ModifySnapshotAttribute request adds to the
        // createVolumePermission (EC2 Service Authorization Reference, condition keys).
        condition: || json!({ "Null": { "ec2:Add/userId": "false" } }),
        why: "public-snapshots only removes the public group: sharing a snapshot with another account is denied",
    },
    Guard {
        sid: "SnapshotSharingOnlyRemovesGroups",
        action: "ec2:ModifySnapshotAttribute",
        // `ec2:Add/group`: the group (`all`) a request adds to the createVolumePermission.
        condition: || json!({ "Null": { "ec2:Add/group": "false" } }),
        why: "public-snapshots only removes the public group: making a snapshot public is denied",
    },
];

/// The guards' Deny statements for the actions in `granted`.
pub fn deny_statements(granted: &[&str]) -> Vec<Value> {
    GUARDS
        .iter()
        .filter(|g| granted.contains(&g.action))
        .map(|g| {
            json!({
                "Sid": g.sid,
                "Effect": "Deny",
                "Action": g.action,
                "Resource": "*",
                "Condition": (g.condition)(),
            })
        })
        .collect()
}
