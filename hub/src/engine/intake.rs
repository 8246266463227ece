//! From messages to work: decode each message's findings, keep one delivery per finding (an analyst's
//! custom action wins over an Imported event), then replace each finding by Security Hub's own copy
//! (a message is only a pointer) and decide on that copy.

use riposte_shared::asff::Finding;
use riposte_shared::event::{Message, Source};
use riposte_shared::ids::{FindingRef, Region};
use riposte_shared::policy::{assess, Assessment, Decision, DecisionKind, Policy};
use riposte_shared::spec::Trigger;
use riposte_shared::writeback::RiposteStatus;
use std::collections::HashMap;

use crate::report::{Failure, FindingResult, RefusedMessage, WriteBackState};

/// One finding as one message delivered it.
pub struct Delivery {
    pub message_id: Option<String>,
    pub receive_count: Option<u32>,
    pub source: Source,
    pub region: Option<Region>,
    pub finding: Finding,
    /// Another delivery of the same finding in this batch is handled instead.
    pub duplicate: bool,
}

impl Delivery {
    /// An analyst's action (custom action or operator command), Riposte's or not.
    pub fn analyst(&self) -> bool {
        matches!(
            self.source,
            Source::CustomAction { .. } | Source::Operator { .. }
        )
    }
}

/// One finding's work: Security Hub's copy (or, in a plan, the message's), the decision, the result.
pub struct Work {
    pub finding: Finding,
    pub assessment: Assessment,
    pub result: FindingResult,
}

/// Split messages into deliveries and refused messages (unreadable bodies and findings).
pub fn deliveries(messages: Vec<Message>, run: &str) -> (Vec<Delivery>, Vec<RefusedMessage>) {
    let mut refused = Vec::new();
    let mut out = Vec::new();
    for message in messages {
        let content = match message.content {
            Ok(content) => content,
            Err(reason) => {
                tracing::warn!(
                    run,
                    message_id = message.id.as_deref().unwrap_or(""),
                    reason,
                    "message refused"
                );
                refused.push(RefusedMessage {
                    message_id: message.id,
                    reason,
                });
                continue;
            }
        };
        for finding in content.findings {
            match finding {
                Ok(finding) => out.push(Delivery {
                    message_id: message.id.clone(),
                    receive_count: message.receive_count,
                    source: content.source.clone(),
                    region: content.region.clone(),
                    finding,
                    duplicate: false,
                }),
                Err(reason) => {
                    tracing::warn!(
                        run,
                        message_id = message.id.as_deref().unwrap_or(""),
                        reason,
                        "finding refused"
                    );
                    refused.push(RefusedMessage {
                        message_id: message.id.clone(),
                        reason,
                    });
                }
            }
        }
    }
    mark_duplicates(&mut out);
    (out, refused)
}

/// One delivery per finding: the first, unless a later one is an analyst's custom action and the kept
/// one is not.
fn mark_duplicates(deliveries: &mut [Delivery]) {
    let mut kept: HashMap<FindingRef, usize> = HashMap::new();
    for i in 0..deliveries.len() {
        let reference = deliveries[i].finding.reference();
        match kept.get(&reference).copied() {
            None => {
                kept.insert(reference, i);
            }
            Some(j) if deliveries[i].analyst() && !deliveries[j].analyst() => {
                deliveries[j].duplicate = true;
                kept.insert(reference, i);
            }
            Some(_) => deliveries[i].duplicate = true,
        }
    }
}

/// Decide on the finding the delivery carries (`plan`, offline).
pub fn on_message_copy(delivery: Delivery, policy: &Policy) -> Work {
    let finding = delivery.finding.clone();
    decided(delivery, finding, policy)
}

/// An Imported event that already shows a workflow past NEW is the echo of a write-back (Riposte's
/// claim or outcome): never a reason to act, so not even worth a call.
pub fn riposte_s_own_event(delivery: &Delivery) -> bool {
    !delivery.analyst()
        && delivery
            .finding
            .workflow_status()
            .is_some_and(|w| w != "NEW")
}

/// A delivery skipped on the message alone: a duplicate, Riposte's own echo, or one the message
/// already shows is not Riposte's to handle. A forged message can make Riposte do less, never more.
pub fn without_security_hub(delivery: Delivery, on_message: Assessment) -> Work {
    let echo = riposte_s_own_event(&delivery);
    let finding = delivery.finding.clone();
    let mut work = decided_with(delivery, finding, on_message);
    if echo && !matches!(work.assessment.decision, Decision::Skip(_)) {
        work.assessment.decision = Decision::Skip(format!(
            "the event already shows workflow {}: an echo of a write-back, nothing to do",
            work.finding.workflow_status().unwrap_or_default()
        ));
        work.result.decision = work.assessment.decision.kind();
        work.result.reason = work.assessment.decision.reason().to_owned();
        work.result.status = None;
        work.result.planned_steps.clear();
    }
    work
}

/// Decide on Security Hub's copy; a finding Security Hub does not hold is refused and goes nowhere.
pub fn on_security_hub_copy(delivery: Delivery, copies: &[Finding], policy: &Policy) -> Work {
    if delivery.duplicate {
        return on_message_copy(delivery, policy);
    }
    let reference = delivery.finding.reference();
    match copies.iter().find(|c| c.reference() == reference) {
        Some(copy) => {
            let copy = copy.clone();
            decided(delivery, copy, policy)
        }
        None => not_held(delivery),
    }
}

/// Security Hub could not be read: nothing is acted on, and the message is retried.
pub fn unread(delivery: Delivery, reason: &str) -> Work {
    let mut work = on_message_copy(delivery, &Policy::default());
    work.assessment.decision = Decision::Skip(String::new());
    let result = &mut work.result;
    result.decision = DecisionKind::Deferred;
    result.reason = format!(
        "Security Hub cannot be read ({reason}): nothing was acted on; the message is retried"
    );
    result.status = None;
    result.planned_steps.clear();
    result.failure = Some(Failure::Transient);
    work
}

fn not_held(delivery: Delivery) -> Work {
    let mut work = on_message_copy(delivery, &Policy::default());
    work.assessment.decision = Decision::Refused(
        "Security Hub holds no finding with this Id and ProductArn: a message is only a pointer, so nothing was acted on".into(),
    );
    let result = &mut work.result;
    result.decision = work.assessment.decision.kind();
    result.reason = work.assessment.decision.reason().to_owned();
    // Nothing to write back to, and nobody to tell from an unverified message: the audit record and
    // the log keep it. Redelivered (it never reaches a member account) in case Security Hub's
    // index lags behind its own Imported event; the last delivery goes to the dead-letter queue.
    result.status = None;
    result.planned_steps.clear();
    result.failure = Some(Failure::Transient);
    work
}

fn decided(delivery: Delivery, finding: Finding, policy: &Policy) -> Work {
    let assessment = assess(&finding, &delivery.source, delivery.region.as_ref(), policy);
    decided_with(delivery, finding, assessment)
}

/// The work for a finding already assessed (the message copy assessed once to decide whether to fetch).
fn decided_with(delivery: Delivery, finding: Finding, mut assessment: Assessment) -> Work {
    if delivery.duplicate {
        assessment.decision = Decision::Skip("duplicate of another delivery in this batch".into());
    }
    let result = initial_result(&finding, &assessment, &delivery);
    Work {
        finding,
        assessment,
        result,
    }
}

/// Replace a decision taken before acting (a limit reached, the counts unreadable).
pub fn hold(work: &mut Work, decision: Decision) {
    work.result.status = status_of(&decision);
    work.result.decision = decision.kind();
    work.result.reason = decision.reason().to_owned();
    work.result.planned_steps.clear();
    work.assessment.decision = decision;
}

fn status_of(decision: &Decision) -> Option<RiposteStatus> {
    match decision {
        Decision::Remediate | Decision::Skip(_) | Decision::Undo(_) => None,
        Decision::Ignore(_) => Some(RiposteStatus::Ignored),
        Decision::NotifyOnly(_) => Some(RiposteStatus::NotifyOnly),
        Decision::AwaitApproval(_) => Some(RiposteStatus::AwaitingApproval),
        Decision::Excluded(_) => Some(RiposteStatus::Excluded),
        Decision::Escalate(_) => Some(RiposteStatus::NeedsHuman),
        Decision::Refused(_) => Some(RiposteStatus::Failed),
    }
}

fn initial_result(finding: &Finding, a: &Assessment, delivery: &Delivery) -> FindingResult {
    let status = status_of(&a.decision);
    let resource = a
        .target
        .as_ref()
        .map(|t| t.label())
        .or_else(|| finding.resources.first().map(|r| r.id.clone()))
        .unwrap_or_default();
    let requested_by = delivery.source.who();
    let reason = match (&delivery.source.analyst_action(), &requested_by) {
        (Some(action), Some(who)) if a.decision == Decision::Remediate => {
            format!("{} by {who}", action.as_str())
        }
        _ => a.decision.reason().to_owned(),
    };
    let mut fields = std::collections::BTreeMap::new();
    if let (Decision::Remediate, Some(who)) = (&a.decision, &requested_by) {
        fields.insert(
            riposte_shared::approval::FIELD_APPROVED_BY.to_owned(),
            who.chars().take(256).collect(),
        );
    }
    FindingResult {
        message_id: delivery.message_id.clone(),
        receive_count: delivery.receive_count,
        finding_id: finding.id.clone(),
        product_arn: finding.product_arn.clone(),
        created_at: finding.created_at.clone(),
        account: a.account.to_string(),
        region: a.region.as_ref().map(Region::to_string).unwrap_or_default(),
        resource,
        playbook: a.playbook.map(|p| p.id.to_owned()),
        decision: a.decision.kind(),
        reason,
        status,
        planned_steps: match (&a.decision, a.playbook) {
            (Decision::Remediate, Some(spec)) => spec.steps.iter().map(|s| s.to_string()).collect(),
            _ => Vec::new(),
        },
        steps: Vec::new(),
        manual: Vec::new(),
        fixes: match a.playbook {
            Some(spec) if spec.triggers.contains(&Trigger::InspectorVulnerability) => {
                riposte_shared::vulnerability::fixes(finding)
            }
            _ => Vec::new(),
        },
        write_back: WriteBackState::Pending,
        hub_ms: 0.0,
        failure: (status == Some(RiposteStatus::Failed)).then_some(Failure::Final),
        spoke_session: None,
        title: finding.title.clone(),
        requested_by,
        fields,
        quiet: false,
    }
}
