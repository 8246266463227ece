//! What each fuzz target checks, shared with the regression test (`shared/tests/fuzz_regressions.rs`),
//! which runs every committed seed and crasher through the same functions on stable Rust.
//! A check panics when an invariant breaks; decoding errors are fine, panics are not.

use riposte_shared::arn::Arn;
use riposte_shared::asff::{Finding, SeverityLabel};
use riposte_shared::event::{self, Content};
use riposte_shared::policy::{self, Decision, Policy};
use riposte_shared::s3_public;
use riposte_shared::target::Target;
use serde_json::Value;

/// The event decoder: any bytes in, messages or an error out, and every accessor the engine uses on a
/// decoded finding answers.
pub fn event_decoder(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(messages) = event::decode(text) else {
        return;
    };
    for message in messages {
        let Ok(content) = message.content else {
            continue;
        };
        let _ = content.source.analyst_action();
        let _ = content.source.who();
        for finding in content.findings.into_iter().flatten() {
            let _ = finding.reference();
            let _ = finding.control_id();
            let _ = finding.observed_at();
            let _ = riposte_shared::routing::route(&finding);
            let _ = riposte_shared::routing::guardduty_type(&finding);
        }
    }
}

/// Routing and the policy decision, under the default policy and a permissive one (every severity,
/// every GuardDuty score): whatever the input, a decision to act names a playbook and a target, and the
/// target never lies in another account than the finding's.
pub fn route_decide(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(messages) = event::decode(text) else {
        return;
    };
    let permissive = Policy {
        threshold: SeverityLabel::Informational,
        guardduty_threshold: 0.0,
        ..Policy::default()
    };
    for message in messages {
        let Ok(Content {
            source,
            region,
            findings,
        }) = message.content
        else {
            continue;
        };
        for finding in findings.into_iter().flatten() {
            for policy in [&Policy::default(), &permissive] {
                let assessment = policy::assess(&finding, &source, region.as_ref(), policy);
                if assessment.decision == Decision::Remediate {
                    same_account(&finding, &assessment);
                }
            }
        }
    }
}

fn same_account(finding: &Finding, assessment: &policy::Assessment) {
    let account = finding.aws_account_id.as_str();
    assert_eq!(
        assessment.account.as_str(),
        account,
        "assessed in another account"
    );
    assert!(
        assessment.playbook.is_some(),
        "remediate without a playbook"
    );
    let elsewhere = match &assessment.target {
        None => panic!("remediate without a target"),
        Some(Target::Bucket { owner_account, .. }) => {
            owner_account.as_deref().filter(|o| *o != account)
        }
        Some(Target::Account { account: named }) => Some(named.as_str()).filter(|n| *n != account),
        Some(Target::Resource { arn }) => arn_account(arn).filter(|a| *a != account),
        Some(Target::IamPrincipal { .. } | Target::SecurityGroup { .. }) => None,
    };
    assert!(
        elsewhere.is_none(),
        "target in account {elsewhere:?}, finding in {account}"
    );
}

fn arn_account(arn: &Arn) -> Option<&str> {
    arn.account().filter(|a| !a.is_empty())
}

/// The S3 public-policy analysis: any JSON document in; the verdict agrees with the statements, and
/// the policy Riposte would write back is never public.
pub fn s3_public(data: &[u8]) {
    let Ok(document) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let public = s3_public::is_public_policy(&document);
    let any = s3_public::statements(&document)
        .iter()
        .any(s3_public::is_public_statement);
    assert_eq!(public, any, "verdict disagrees with the statements");
    let _ = s3_public::public_sids(&document);
    if let Some(reduced) = s3_public::without_public_statements(&document) {
        assert!(
            !s3_public::is_public_policy(&reduced),
            "the rewritten policy is still public: {reduced}"
        );
    } else {
        assert!(
            s3_public::statements(&document)
                .iter()
                .all(s3_public::is_public_statement),
            "nothing kept, yet a statement was not public"
        );
    }
}
