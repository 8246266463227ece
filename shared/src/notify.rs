//! Notification rendering: an AWS Chatbot custom-notification document (Slack/Teams) and a plain-text
//! e-mail body, published together through SNS with `MessageStructure=json`.

use serde::Serialize;
use serde_json::{json, Value};

use crate::writeback::RiposteStatus;

mod digest;
pub use digest::{compose, Notification, DIGEST_MAX};

#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    pub finding_id: String,
    pub title: String,
    pub account: String,
    pub region: String,
    pub resource: String,
    pub playbook: Option<String>,
    pub status: RiposteStatus,
    /// Why: the decision's reason or the failure.
    pub reason: String,
    /// What was done, one line per step.
    pub actions: Vec<String>,
    /// What a human still has to do.
    pub next_steps: Vec<String>,
    pub run: String,
    /// The finding in the Security Hub console (the aggregation region).
    pub console_url: Option<String>,
    /// Where the run's audit record is (`s3://bucket/key`), when archived.
    pub audit_record: Option<String>,
}

/// The Security Hub console page showing exactly this finding.
pub fn console_url(region: &str, finding_id: &str) -> String {
    // The console's search syntax, URL-encoded twice: Id=\operator\:EQUALS\:<id>.
    let twice = url_encode(&url_encode(&format!("\\operator\\:EQUALS\\:{finding_id}")));
    format!("https://{region}.console.aws.amazon.com/securityhub/home?region={region}#/findings?search=Id%3D{twice}")
}

/// Everything but RFC 3986's unreserved characters encoded.
fn url_encode(text: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}

/// What a person does next about an awaiting finding: the console action and the exact command.
fn approval_steps(notice: &Notice) -> Vec<String> {
    vec![
        "Approve in Security Hub: select the finding, Actions → \"Riposte: approve\"".into(),
        format!("or run: riposte approve '{}'", notice.finding_id),
    ]
}

/// What Riposte did, as the headline's verb.
fn verb(status: RiposteStatus) -> &'static str {
    match status {
        RiposteStatus::Remediated => "remediated",
        RiposteStatus::Failed => "FAILED to remediate",
        RiposteStatus::Excluded => "left alone (excluded)",
        RiposteStatus::AwaitingApproval => "awaits approval for",
        RiposteStatus::NotifyOnly => "reports (no automatic action)",
        RiposteStatus::InProgress => "is remediating",
        RiposteStatus::NeedsHuman => "URGENT, needs a human for",
        RiposteStatus::Undone => "undid its remediation of",
        RiposteStatus::Ignored => "ignores, as an analyst chose,",
    }
}

/// Text a finding or a member account chose (titles, resource names, reasons, the steps naming them)
/// for Chatbot's client-markdown: markdown characters escaped, `&`, `<` and `>` as entities (Slack's
/// links, mentions and `<!channel>`), control characters as spaces — so a member account's finding or
/// resource name cannot add a link, a mention or formatting to the team's channel.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '*' | '_' | '`' | '~' | '[' | ']' | '(' | ')' | '#' | '|' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The same text for a plain-text line (a title, the e-mail's fields): control characters (a newline
/// that would forge an "Outcome:" line) as spaces.
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn headline(notice: &Notice) -> String {
    format!(
        "Riposte {}: {} in {} ({})",
        verb(notice.status),
        plain(&notice.resource),
        notice.account,
        notice.region
    )
}

/// The Chatbot custom notification. `threadId` is stable per finding so every message about it threads.
pub fn chatbot(notice: &Notice) -> Value {
    let mut description = format!("*{}*\n{}", md(&notice.title), md(&notice.reason));
    for action in &notice.actions {
        description.push_str(&format!("\n• {}", md(action)));
    }
    let mut next_steps: Vec<String> = notice.next_steps.iter().map(|s| md(s)).collect();
    if notice.status == RiposteStatus::AwaitingApproval {
        next_steps.extend(approval_steps(notice));
    }
    if let Some(url) = &notice.console_url {
        description.push_str(&format!("\n<{url}|Open the finding in Security Hub>"));
    }
    description.push_str(&format!("\nRun {}", notice.run));
    if let Some(record) = &notice.audit_record {
        description.push_str(&format!(", audit record {record}"));
    }
    json!({
        "version": "1.0",
        "source": "custom",
        "id": format!("{}:{}", notice.run, notice.finding_id),
        "content": {
            "textType": "client-markdown",
            "title": headline(notice).replace('<', "&lt;").replace('>', "&gt;"),
            "description": description,
            "nextSteps": next_steps,
            "keywords": [notice.status.as_str(), notice.playbook.clone().unwrap_or_default(), notice.account.clone()],
        },
        "metadata": {
            "threadId": notice.finding_id,
            "summary": headline(notice),
            "eventType": format!("riposte.{}", notice.status.as_str()),
            "relatedResources": [notice.resource, notice.finding_id],
            "additionalContext": {
                "account": notice.account, "region": notice.region, "run": notice.run,
                "playbook": notice.playbook.clone().unwrap_or_default(),
            },
        },
    })
}

pub fn email(notice: &Notice) -> String {
    let mut body = format!(
        "{}\n\nFinding: {}\n{}\nAccount: {}\nRegion: {}\nResource: {}\nPlaybook: {}\nOutcome: {}\nWhy: {}\n",
        headline(notice),
        plain(&notice.title),
        notice.finding_id,
        notice.account,
        notice.region,
        plain(&notice.resource),
        notice.playbook.as_deref().unwrap_or("none"),
        notice.status.as_str(),
        notice.reason,
    );
    if !notice.actions.is_empty() {
        body.push_str("\nWhat Riposte did:\n");
        for action in &notice.actions {
            body.push_str(&format!("  - {action}\n"));
        }
    }
    let mut next_steps = notice.next_steps.clone();
    if notice.status == RiposteStatus::AwaitingApproval {
        next_steps.extend(approval_steps(notice));
    }
    if !next_steps.is_empty() {
        body.push_str("\nWhat is left for you:\n");
        for step in &next_steps {
            body.push_str(&format!("  - {step}\n"));
        }
    }
    if let Some(url) = &notice.console_url {
        body.push_str(&format!("\nThe finding: {url}\n"));
    }
    body.push_str(&format!(
        "\nRun {} — the audit record: {}.\n",
        notice.run,
        notice.audit_record.as_deref().unwrap_or("the hub's log")
    ));
    body
}

/// SNS subjects: ASCII, no line breaks, under 100 characters.
fn ascii_subject(headline: &str) -> String {
    headline
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .take(99)
        .collect()
}

/// The message's SNS subject (what an e-mail subscriber sees first).
pub fn subject(message: &Notification) -> String {
    match message {
        Notification::One(notice) => ascii_subject(&headline(notice)),
        Notification::Digest(notices) => digest::subject(notices),
    }
}

/// The SNS message for `MessageStructure=json`: the Chatbot document as `default`, the e-mail as
/// `email`.
pub fn sns_message(message: &Notification) -> String {
    let (chatbot, email) = match message {
        Notification::One(notice) => (chatbot(notice), email(notice)),
        Notification::Digest(notices) => (digest::chatbot(notices), digest::email(notices)),
    };
    json!({ "default": chatbot.to_string(), "email": email }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn notice(status: RiposteStatus) -> Notice {
        Notice {
            finding_id: "arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f".into(),
            title: "Credentials used from a Tor exit node".into(),
            account: "111122223333".into(),
            region: "us-east-1".into(),
            resource: "user/ci-deployer".into(),
            playbook: Some("credential-compromise".into()),
            status,
            reason: "meets the policy".into(),
            actions: vec!["access key AKIA1 set Inactive".into()],
            next_steps: vec!["secret legacy has no rotation configured: rotate it by hand".into()],
            run: "run-1".into(),
            console_url: Some(console_url(
                "us-east-1",
                "arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f",
            )),
            audit_record: Some("s3://audit/riposte/runs/2026/11/30/run-1.json".into()),
        }
    }

    #[test]
    fn the_sns_message_carries_a_chatbot_document_and_an_email() {
        let message: Value = serde_json::from_str(&sns_message(&Notification::One(Box::new(
            notice(RiposteStatus::Remediated),
        ))))
        .unwrap_or_default();
        let chatbot: Value = serde_json::from_str(message["default"].as_str().unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(chatbot["version"], "1.0");
        assert_eq!(chatbot["source"], "custom");
        assert_eq!(
            chatbot["metadata"]["threadId"],
            "arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f"
        );
        assert!(message["email"]
            .as_str()
            .unwrap_or_default()
            .contains("rotate it by hand"));
    }

    #[test]
    fn awaiting_approval_tells_how_to_approve() {
        let doc = chatbot(&notice(RiposteStatus::AwaitingApproval));
        let steps = doc["content"]["nextSteps"].to_string();
        assert!(steps.contains("Riposte: approve"), "{steps}");
        assert!(
            steps.contains(
                "riposte approve 'arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f'"
            ),
            "{steps}"
        );
        let mail = email(&notice(RiposteStatus::AwaitingApproval));
        assert!(
            mail.contains("riposte approve") && mail.contains("s3://audit/"),
            "{mail}"
        );
        let description = doc["content"]["description"].to_string();
        assert!(
            description.contains("Credentials used from a Tor exit node"),
            "{description}"
        );
        assert!(description.contains("https://us-east-1.console.aws.amazon.com/securityhub/home?region=us-east-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aarn%253Aaws%253Aguardduty"), "{description}");
        assert!(subject(&Notification::One(Box::new(notice(RiposteStatus::Failed)))).len() < 100);
    }
}

#[cfg(test)]
mod escaping_tests {
    use super::*;

    fn forged() -> Notice {
        let mut notice = super::tests::notice(RiposteStatus::Remediated);
        notice.title = "Looks fine [click here](https://evil.example) <https://evil.example|Open> <!channel>\nOutcome: remediated".into();
        notice.resource = "user/*admin*_x".into();
        notice.reason = "policy `Sid` [x](y)".into();
        notice.actions = vec!["removed <@U123>".into()];
        notice.next_steps = vec!["see [docs](https://evil.example)".into()];
        notice
    }

    #[test]
    fn finding_text_cannot_add_links_mentions_or_formatting_to_the_channel() {
        let doc = chatbot(&forged());
        let markdown = format!(
            "{}{}",
            doc["content"]["description"], doc["content"]["nextSteps"]
        );
        for raw in [
            "](https://evil",
            "<https://evil",
            "<!channel>",
            "<@U123>",
            "*admin*",
            "`Sid`",
        ] {
            assert!(!markdown.contains(raw), "{raw} survived in {markdown}");
        }
        assert!(!doc["content"]["title"]
            .to_string()
            .contains("<https://evil"));
        let description = doc["content"]["description"].as_str().unwrap_or_default();
        assert!(
            description.contains("\\[click here\\]\\(https://evil.example\\)"),
            "{description}"
        );
        assert!(
            !description.contains("\nOutcome: remediated"),
            "a forged line: {description}"
        );
        // Riposte's own console link stays a link.
        assert!(
            description.contains("|Open the finding in Security Hub>"),
            "{description}"
        );
    }

    #[test]
    fn the_email_keeps_each_field_on_its_line() {
        let body = email(&forged());
        let outcome_lines = body.lines().filter(|l| l.starts_with("Outcome: ")).count();
        assert_eq!(outcome_lines, 1, "{body}");
        assert!(
            body.lines()
                .any(|l| l.starts_with("Finding: ") && l.ends_with("Outcome: remediated")),
            "{body}"
        );
    }
}
