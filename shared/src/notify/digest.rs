//! Digests: when one run has many outcomes alike (a flood of public buckets in one account), the
//! team gets one message listing them instead of one message each. It spares the channel (an SNS
//! e-mail subscription that receives more than 10 messages a second is suspended; a chat channel
//! scrolls past a wall of identical alerts) and PublishBatch calls.

use serde_json::{json, Value};
use std::collections::BTreeMap;

use super::{ascii_subject, verb, Notice};
use crate::writeback::RiposteStatus;

/// Most findings in one digest: a chat message stays readable and far under SNS's 256 KB.
pub const DIGEST_MAX: usize = 25;

/// What one SNS message carries.
#[derive(Clone, Debug)]
pub enum Notification {
    /// One finding, threaded under its id.
    One(Box<Notice>),
    /// Findings of one run that share an outcome, a playbook and an account.
    Digest(Vec<Notice>),
}

impl Notification {
    /// The findings the message tells about.
    pub fn notices(&self) -> &[Notice] {
        match self {
            Notification::One(notice) => std::slice::from_ref(notice.as_ref()),
            Notification::Digest(notices) => notices,
        }
    }
}

/// Outcomes that always go one message per finding: a person must act on each (an urgent
/// containment by hand; an approval, which must be weighed finding by finding).
fn always_alone(status: RiposteStatus) -> bool {
    matches!(
        status,
        RiposteStatus::NeedsHuman | RiposteStatus::AwaitingApproval
    )
}

/// The order messages are sent in: what a person must act on first.
fn urgency(status: RiposteStatus) -> u8 {
    match status {
        RiposteStatus::NeedsHuman => 0,
        RiposteStatus::Failed => 1,
        RiposteStatus::AwaitingApproval => 2,
        _ => 3,
    }
}

/// A run's notices as messages: `digest_from` or more that share an outcome, a playbook and an
/// account go as digests of at most [`DIGEST_MAX`]; the others one message each (0: never a
/// digest). Needs-human and awaiting-approval notices always go alone. Urgent messages first.
pub fn compose(notices: Vec<Notice>, digest_from: usize) -> Vec<Notification> {
    let mut groups: BTreeMap<(u8, RiposteStatus, Option<String>, String), Vec<Notice>> =
        BTreeMap::new();
    for notice in notices {
        let key = (
            urgency(notice.status),
            notice.status,
            notice.playbook.clone(),
            notice.account.clone(),
        );
        groups.entry(key).or_default().push(notice);
    }
    let mut messages = Vec::new();
    for ((_, status, ..), group) in groups {
        if digest_from == 0 || group.len() < digest_from || always_alone(status) {
            messages.extend(group.into_iter().map(|n| Notification::One(Box::new(n))));
            continue;
        }
        let mut group = group.into_iter().peekable();
        while group.peek().is_some() {
            let chunk: Vec<Notice> = group.by_ref().take(DIGEST_MAX).collect();
            messages.push(match <[Notice; 1]>::try_from(chunk) {
                // The tail of a split group may be a single finding: it goes as itself.
                Ok([one]) => Notification::One(Box::new(one)),
                Err(chunk) => Notification::Digest(chunk),
            });
        }
    }
    messages
}

fn headline(notices: &[Notice]) -> String {
    let Some(n) = notices.first() else {
        return String::new();
    };
    format!(
        "Riposte {} {} findings ({}) in {}",
        verb(n.status),
        notices.len(),
        n.playbook.as_deref().unwrap_or("no playbook"),
        n.account
    )
}

/// One line per finding: what it was about and what happened (for a failure, why first).
fn line(notice: &Notice) -> String {
    let mut what: Vec<&str> = Vec::new();
    if notice.status == RiposteStatus::Failed || notice.actions.is_empty() {
        what.push(&notice.reason);
    }
    what.extend(notice.actions.iter().map(String::as_str));
    let what: Vec<String> = what.iter().map(|w| super::md(w)).collect();
    let mut line = format!(
        "{} ({}): {}",
        super::md(&notice.resource),
        notice.region,
        what.join("; ")
    );
    if let Some(url) = &notice.console_url {
        line.push_str(&format!(" <{url}|finding>"));
    }
    line
}

/// What is left for people, each step once, naming the resource it is about.
/// `escape` renders the member-chosen text for the medium (markdown or plain).
fn next_steps(notices: &[Notice], escape: fn(&str) -> String) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    for n in notices {
        for step in &n.next_steps {
            let step = format!("{}: {}", escape(&n.resource), escape(step));
            if !steps.contains(&step) {
                steps.push(step);
            }
        }
    }
    steps
}

fn record_line(notices: &[Notice]) -> String {
    let Some(n) = notices.first() else {
        return String::new();
    };
    match &n.audit_record {
        Some(record) => format!("Run {}, audit record {record}", n.run),
        None => format!("Run {}", n.run),
    }
}

/// The Chatbot custom notification for a digest, threaded per run, outcome, playbook and account.
pub fn chatbot(notices: &[Notice]) -> Value {
    let Some(n) = notices.first() else {
        return Value::Null;
    };
    let headline = headline(notices);
    let mut description = format!("*{} findings*", notices.len());
    for notice in notices {
        description.push_str(&format!(
            "\n• *{}*: {}",
            super::md(&notice.title),
            line(notice)
        ));
    }
    description.push_str(&format!("\n{}", record_line(notices)));
    let playbook = n.playbook.clone().unwrap_or_default();
    json!({
        "version": "1.0",
        "source": "custom",
        "id": format!("{}:{}:{playbook}:{}:{}", n.run, n.status.as_str(), n.account, n.finding_id),
        "content": {
            "textType": "client-markdown",
            "title": headline,
            "description": description,
            "nextSteps": next_steps(notices, super::md),
            "keywords": [n.status.as_str(), playbook, n.account],
        },
        "metadata": {
            "threadId": format!("{}:{}:{playbook}:{}", n.run, n.status.as_str(), n.account),
            "summary": headline,
            "eventType": format!("riposte.{}", n.status.as_str()),
            "relatedResources": notices.iter().flat_map(|n| [n.resource.clone(), n.finding_id.clone()]).collect::<Vec<_>>(),
            "additionalContext": {
                "account": n.account, "run": n.run, "playbook": playbook,
                "findings": notices.len().to_string(),
            },
        },
    })
}

/// The plain-text e-mail for a digest: every finding with its id, console link and outcome.
pub fn email(notices: &[Notice]) -> String {
    let mut body = format!("{}\n", headline(notices));
    for n in notices {
        body.push_str(&format!(
            "\n- {}\n  {}\n  Resource: {} ({})\n  Why: {}\n",
            super::plain(&n.title),
            n.finding_id,
            super::plain(&n.resource),
            n.region,
            super::plain(&n.reason)
        ));
        for action in &n.actions {
            body.push_str(&format!("  Done: {action}\n"));
        }
        if let Some(url) = &n.console_url {
            body.push_str(&format!("  {url}\n"));
        }
    }
    let steps = next_steps(notices, super::plain);
    if !steps.is_empty() {
        body.push_str("\nWhat is left for you:\n");
        for step in &steps {
            body.push_str(&format!("  - {step}\n"));
        }
    }
    body.push_str(&format!("\n{}.\n", record_line(notices)));
    body
}

pub fn subject(notices: &[Notice]) -> String {
    ascii_subject(&headline(notices))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(i: usize, status: RiposteStatus, account: &str) -> Notice {
        Notice {
            finding_id: format!(
                "arn:aws:securityhub:us-east-1:{account}:security-control/S3.8/finding/f-{i}"
            ),
            title: "S3 general purpose buckets should block public access".into(),
            account: account.into(),
            region: "us-east-1".into(),
            resource: format!("bucket/b-{i}"),
            playbook: Some("public-bucket".into()),
            status,
            reason: "meets the policy".into(),
            actions: vec![format!("public access block on b-{i}")],
            next_steps: Vec::new(),
            run: "run-1".into(),
            console_url: None,
            audit_record: Some("s3://audit/riposte/runs/run-1.json".into()),
        }
    }

    fn shape(messages: &[Notification]) -> Vec<(bool, usize)> {
        messages
            .iter()
            .map(|m| (matches!(m, Notification::Digest(_)), m.notices().len()))
            .collect()
    }

    #[test]
    fn alike_outcomes_of_one_account_go_as_one_digest_the_rest_alone() {
        let mut notices: Vec<Notice> = (0..7)
            .map(|i| notice(i, RiposteStatus::Remediated, "111122223333"))
            .collect();
        notices.extend((7..9).map(|i| notice(i, RiposteStatus::Remediated, "444455556666")));
        notices.push(notice(9, RiposteStatus::Failed, "111122223333"));
        let messages = compose(notices, 5);
        let mut got = shape(&messages);
        got.sort();
        assert_eq!(got, vec![(false, 1), (false, 1), (false, 1), (true, 7)]);
        // Nothing lost, nothing twice.
        let mut ids: Vec<&str> = messages
            .iter()
            .flat_map(|m| m.notices().iter().map(|n| n.finding_id.as_str()))
            .collect();
        assert_eq!(ids.len(), 10);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 10);
        assert_eq!(
            shape(&compose(
                (0..7)
                    .map(|i| notice(i, RiposteStatus::Remediated, "1"))
                    .collect(),
                0
            ))
            .len(),
            7
        );
    }

    #[test]
    fn a_large_group_is_split_and_a_lone_tail_goes_as_itself() {
        let many = |n: usize| {
            (0..n)
                .map(|i| notice(i, RiposteStatus::Remediated, "1"))
                .collect()
        };
        assert_eq!(
            shape(&compose(many(60), 5)),
            vec![(true, 25), (true, 25), (true, 10)]
        );
        assert_eq!(shape(&compose(many(26), 5)), vec![(true, 25), (false, 1)]);
        assert_eq!(shape(&compose(many(4), 5)), vec![(false, 1); 4]);
    }

    #[test]
    fn a_failure_digest_names_every_finding_with_its_reason_and_link() {
        let notices: Vec<Notice> = (0..3)
            .map(|i| Notice {
                reason: format!("s3:PutBucketAcl denied on b-{i}"),
                console_url: Some(format!("https://console/f-{i}")),
                next_steps: vec!["grant the spoke role s3:PutBucketAcl".into()],
                ..notice(i, RiposteStatus::Failed, "111122223333")
            })
            .collect();
        let doc = chatbot(&notices);
        let description = doc["content"]["description"].as_str().unwrap_or_default();
        let mail = email(&notices);
        for (i, n) in notices.iter().enumerate() {
            assert!(description.contains(&n.resource), "{description}");
            assert!(
                description.contains(&format!("denied on b-{i}")),
                "{description}"
            );
            assert!(
                description.contains(&format!("<https://console/f-{i}|finding>")),
                "{description}"
            );
            assert!(
                mail.contains(&n.finding_id) && mail.contains(&n.reason),
                "{mail}"
            );
        }
        let steps: Vec<&str> = doc["content"]["nextSteps"]
            .as_array()
            .map(|s| s.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(steps.len(), 3, "one per resource: {steps:?}");
        assert!(mail.contains("s3://audit/"), "{mail}");
        assert_eq!(
            doc["metadata"]["threadId"],
            "run-1:failed:public-bucket:111122223333"
        );
        assert!(subject(&notices).starts_with("Riposte FAILED to remediate 3 findings"));
        assert!(subject(&notices).len() < 100);
    }

    #[test]
    fn urgent_and_approval_notices_go_alone_and_urgent_ones_first() {
        let mut notices: Vec<Notice> = Vec::new();
        for status in [
            RiposteStatus::Remediated,
            RiposteStatus::AwaitingApproval,
            RiposteStatus::NeedsHuman,
        ] {
            notices.extend((0..6).map(|i| notice(i, status, "111122223333")));
        }
        let messages = compose(notices, 5);
        assert_eq!(shape(&messages).len(), 13, "one digest, twelve alone");
        assert!(
            matches!(messages.first(), Some(Notification::One(n)) if n.status == RiposteStatus::NeedsHuman)
        );
        let digests: Vec<_> = messages
            .iter()
            .filter(|m| matches!(m, Notification::Digest(_)))
            .collect();
        assert_eq!(digests.len(), 1);
        assert!(digests[0]
            .notices()
            .iter()
            .all(|n| n.status == RiposteStatus::Remediated));
    }
}
