//! Notifications through SNS: PublishBatch (≤ 10 per call) with `MessageStructure=json`, carrying the
//! Chatbot document as `default` and the plain-text e-mail as `email`.

use aws_sdk_sns::types::PublishBatchRequestEntry;
use riposte_shared::notify::{self, Notification};
use riposte_shared::ports::{NotifyPort, PortError, PortErrorKind, PortResult};
use std::time::Instant;

use super::{log_call, port_error};

const MAX_BATCH: usize = 10;

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
        for chunk in messages.chunks(MAX_BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    PublishBatchRequestEntry::builder()
                        .id(format!("n{i}"))
                        .message(notify::sns_message(n))
                        .message_structure("json")
                        .subject(notify::subject(n))
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
            failures.extend(
                result?
                    .failed()
                    .iter()
                    .map(|f| format!("{}: {}", f.code(), f.message().unwrap_or_default())),
            );
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
