//! Notifications through SNS: PublishBatch (≤ 10 per call) with `MessageStructure=json`, carrying the
//! Chatbot document as `default` and the plain-text e-mail as `email`.

use aws_sdk_sns::types::PublishBatchRequestEntry;
use riposte_shared::notify::{self, Notification};
use riposte_shared::ports::{NotifyPort, PortError, PortErrorKind, PortResult};
use std::time::Instant;

use super::{log_call, port_error};

const MAX_BATCH: usize = 10;
/// PublishBatch's limit on the messages of one call together is 256 KiB; kept under it with room for
/// the subjects.
const MAX_BATCH_BYTES: usize = 250_000;

#[derive(Clone, Debug)]
pub struct Sns {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl Sns {
    pub fn new(config: &aws_config::SdkConfig, topic_arn: &str) -> Self {
        Self {
            client: aws_sdk_sns::Client::new(config),
            topic_arn: topic_arn.to_owned(),
        }
    }
}

impl NotifyPort for Sns {
    async fn notify(&self, messages: &[Notification]) -> PortResult<()> {
        let mut failures = Vec::new();
        for chunk in batches(messages) {
            let entries = chunk
                .into_iter()
                .enumerate()
                .map(|(i, (message, subject))| {
                    PublishBatchRequestEntry::builder()
                        .id(format!("n{i}"))
                        .message(message)
                        .message_structure("json")
                        .subject(subject)
                        .build()
                        .map_err(|e| {
                            PortError::new(PortErrorKind::Other, "sns:Publish", None, e.to_string())
                        })
                })
                .collect::<PortResult<Vec<_>>>()?;
            let started = Instant::now();
            let result = self
                .client
                .publish_batch()
                .topic_arn(&self.topic_arn)
                .set_publish_batch_request_entries(Some(entries))
                .send()
                .await
                .map_err(|e| port_error("sns:Publish", e));
            log_call("sns:Publish", &self.topic_arn, started, &result);
            // One call refused does not keep the next batch from being told.
            match result {
                Ok(out) => failures.extend(
                    out.failed()
                        .iter()
                        .map(|f| format!("{}: {}", f.code(), f.message().unwrap_or_default())),
                ),
                Err(e) => failures.push(e.to_string()),
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(PortError::new(
                PortErrorKind::Other,
                "sns:Publish",
                None,
                failures.join("; "),
            ))
        }
    }
}

/// The rendered messages (body, subject) in PublishBatch calls: at most 10 each, and together under
/// the call's byte limit.
fn batches(messages: &[Notification]) -> Vec<Vec<(String, String)>> {
    let mut calls: Vec<Vec<(String, String)>> = Vec::new();
    let mut bytes = 0;
    for n in messages {
        let entry = (notify::sns_message(n), notify::subject(n));
        let size = entry.0.len() + entry.1.len();
        match calls.last_mut() {
            Some(call) if call.len() < MAX_BATCH && bytes + size <= MAX_BATCH_BYTES => {
                call.push(entry);
                bytes += size;
            }
            _ => {
                calls.push(vec![entry]);
                bytes = size;
            }
        }
    }
    calls
}

/// The configured notifier: SNS when a topic is set, else nobody.
#[derive(Clone, Debug)]
pub enum Notifier {
    Off,
    Sns(Sns),
}

impl NotifyPort for Notifier {
    async fn notify(&self, messages: &[Notification]) -> PortResult<()> {
        match self {
            Notifier::Off => Ok(()),
            Notifier::Sns(sns) => sns.notify(messages).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use riposte_shared::notify::Notice;
    use riposte_shared::writeback::RiposteStatus;

    fn notice(i: usize, reason_bytes: usize) -> Notification {
        Notification::One(Box::new(Notice {
            finding_id: format!("f-{i}"),
            title: "t".into(),
            account: "111122223333".into(),
            region: "us-east-1".into(),
            resource: format!("bucket/b-{i}"),
            playbook: Some("public-bucket".into()),
            status: RiposteStatus::Failed,
            reason: "x".repeat(reason_bytes),
            actions: Vec::new(),
            next_steps: Vec::new(),
            run: "run-1".into(),
            console_url: None,
            audit_record: None,
        }))
    }

    #[test]
    fn a_call_carries_at_most_ten_messages_and_stays_under_the_byte_limit() {
        let small: Vec<Notification> = (0..23).map(|i| notice(i, 10)).collect();
        let sizes: Vec<usize> = batches(&small).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![10, 10, 3]);
        // Each message ≈ 60 KB (the reason is in the chat text and the e-mail): four per call.
        let large: Vec<Notification> = (0..9).map(|i| notice(i, 30_000)).collect();
        let calls = batches(&large);
        assert_eq!(calls.iter().map(Vec::len).sum::<usize>(), 9, "none lost");
        for call in &calls {
            let bytes: usize = call.iter().map(|(m, s)| m.len() + s.len()).sum();
            assert!(
                bytes <= MAX_BATCH_BYTES && call.len() < 9,
                "{bytes} in {}",
                call.len()
            );
        }
    }
}
