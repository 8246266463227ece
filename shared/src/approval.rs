//! Approval requests: a finding waiting for an analyst carries when the request expires and a fingerprint
//! of what was assessed; an approval is accepted only for a finding still waiting, before the expiry,
//! and unchanged since.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::asff::Finding;
use crate::event::Source;
use crate::writeback::{RiposteStatus, FIELD_STATUS};

pub const FIELD_EXPIRES: &str = "riposte:expires";
pub const FIELD_FINGERPRINT: &str = "riposte:fingerprint";
pub const FIELD_APPROVED_BY: &str = "riposte:approved-by";

/// A digest of what the decision rested on: severity, compliance, record state, types, title and the
/// resources. Security Hub's `UpdatedAt` is left out: products re-import unchanged findings.
pub fn fingerprint(finding: &Finding) -> String {
    let mut resources: Vec<&str> = finding.resources.iter().map(|r| r.id.as_str()).collect();
    resources.sort_unstable();
    let parts = [
        finding
            .severity_label()
            .map(|l| l.as_str())
            .unwrap_or("-")
            .to_owned(),
        finding.compliance_status().unwrap_or("-").to_owned(),
        finding.record_state.clone().unwrap_or_default(),
        finding.types.join(","),
        finding.title.clone().unwrap_or_default(),
        resources.join(","),
    ];
    // FNV-1a, 64 bits: stable across builds and platforms (std's hasher is not promised to be).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.join("\u{1f}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// When a request made at `now` expires, to the minute (so one batch's requests share a payload more
/// often).
pub fn expiry(now: OffsetDateTime, hours: u32) -> String {
    let at = now + time::Duration::hours(i64::from(hours));
    let at = at
        .replace_second(0)
        .unwrap_or(at)
        .replace_nanosecond(0)
        .unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_default()
}

/// Why an approval of `finding` through `source` is refused, if it is.
pub fn refused(finding: &Finding, source: &Source) -> Option<String> {
    let fields = &finding.user_defined_fields;
    let status = fields
        .get(FIELD_STATUS)
        .map(String::as_str)
        .unwrap_or("none");
    if status != RiposteStatus::AwaitingApproval.as_str() {
        return Some(format!(
            "approval refused: the finding is not awaiting approval (riposte:status {status}, workflow {})",
            finding.workflow_status().unwrap_or("NEW")
        ));
    }
    let parse = |t: &str| OffsetDateTime::parse(t, &Rfc3339).ok();
    let Some(expires) = fields.get(FIELD_EXPIRES).and_then(|t| parse(t)) else {
        return Some("approval refused: the request records no expiry; ask again with \"Riposte: remediate\"".into());
    };
    let Some(at) = source.time().and_then(parse) else {
        return Some(
            "approval refused: the action carries no time to check the expiry against".into(),
        );
    };
    if at > expires {
        return Some(format!(
            "approval refused: the request expired at {}; use \"Riposte: remediate\" to act anyway",
            fields
                .get(FIELD_EXPIRES)
                .map(String::as_str)
                .unwrap_or_default()
        ));
    }
    if fields.get(FIELD_FINGERPRINT).map(String::as_str) != Some(fingerprint(finding).as_str()) {
        return Some(
            "approval refused: the finding changed since approval was requested (severity, compliance, \
             types, title or resources); review it and use \"Riposte: remediate\" to act on it as it is"
                .into(),
        );
    }
    None
}

#[cfg(test)]
#[path = "approval_tests.rs"]
mod tests;
