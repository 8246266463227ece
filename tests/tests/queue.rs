//! SQS semantics on the emulator: the hub's findings queue with the hub stack's redrive policy, fed to the
//! Lambda handler the way the event source mapping does with ReportBatchItemFailures — a poison message
//! is reported in `batchItemFailures` alone, reaches the dead-letter queue after `maxReceiveCount`
//! deliveries, and its good neighbours are handled once and never redelivered.

use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use riposte_tests::Emulator;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The hub stack's default `MaxReceiveCount` (cloudformation/hub.yaml), the queue's redrive.
fn stack_max_receive_count() -> u32 {
    let template =
        std::fs::read_to_string(riposte_tests::repo_root().join("cloudformation/hub.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
    let block = template
        .split("\n  MaxReceiveCount:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no MaxReceiveCount parameter"));
    block
        .lines()
        .find_map(|l| l.trim().strip_prefix("Default: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no MaxReceiveCount default"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_message_is_dead_lettered_alone_and_its_neighbours_are_handled_once() {
    let emulator = Emulator::start();
    let scenario = emulator.scenario();
    let sdk = emulator.sdk(scenario.hub_credentials());
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let max_receive = stack_max_receive_count();

    let dlq = sqs
        .create_queue()
        .queue_name("riposte-findings-dlq")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let dlq_url = dlq.queue_url().unwrap_or_default().to_owned();
    let dlq_arn = queue_arn(&sqs, &dlq_url).await;
    let redrive = json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive });
    let queue = sqs
        .create_queue()
        .queue_name("riposte-findings")
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let queue_url = queue.queue_url().unwrap_or_default().to_owned();
    let queue_arn = queue_arn(&sqs, &queue_url).await;

    // Two good Imported events between which a poison message sits.
    let events = emulator.events();
    let event = |key: &str| {
        let id = scenario.finding_id(key);
        events
            .iter()
            .find(|e| e["detail"]["findings"][0]["Id"] == id.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("no event for {key}"))
    };
    let bodies = [
        event("public-bucket").to_string(),
        "{ this is not an EventBridge event".to_owned(),
        event("hidden-acl-bucket").to_string(),
    ];
    for body in &bodies {
        sqs.send_message()
            .queue_url(&queue_url)
            .message_body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }

    // Wired to this queue, as the stack wires the function to its own (RIPOSTE_QUEUE_ARN).
    let mut config = scenario.hub_config();
    config.queue_arn = Some(queue_arn.clone());
    let engine = riposte_hub::cli::engine_from(&sdk, config, false);
    let mut deliveries: BTreeMap<String, u32> = BTreeMap::new();
    for _ in 0..(max_receive + 3) {
        let received = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let messages = received.messages();
        if messages.is_empty() {
            break;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                *deliveries
                    .entry(m.body().unwrap_or_default().to_owned())
                    .or_default() += 1;
                let count = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .cloned()
                    .unwrap_or_else(|| "1".into());
                json!({ "messageId": m.message_id(), "body": m.body(), "eventSource": "aws:sqs",
                        "eventSourceARN": queue_arn, "attributes": { "ApproximateReceiveCount": count } })
            })
            .collect();
        let answer = riposte_hub::lambda::handle(&engine, json!({ "Records": records }), None)
            .await
            .unwrap_or_else(|e| panic!("handler: {e}"));
        let failed: Vec<String> = answer["batchItemFailures"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
            .collect();
        // The event source mapping: delete what succeeded; what failed becomes visible again.
        for m in messages {
            let handle = m.receipt_handle().unwrap_or_default();
            if failed.iter().any(|id| Some(id.as_str()) == m.message_id()) {
                sqs.change_message_visibility()
                    .queue_url(&queue_url)
                    .receipt_handle(handle)
                    .visibility_timeout(0)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e:?}"));
            } else {
                sqs.delete_message()
                    .queue_url(&queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e:?}"));
            }
        }
        let poison_ids: Vec<String> = messages
            .iter()
            .filter(|m| m.body() == Some(bodies[1].as_str()))
            .filter_map(|m| m.message_id().map(str::to_owned))
            .collect();
        assert_eq!(
            failed, poison_ids,
            "only the poison message is reported failed"
        );
    }

    assert_eq!(deliveries.get(&bodies[0]), Some(&1), "{deliveries:#?}");
    assert_eq!(deliveries.get(&bodies[2]), Some(&1), "{deliveries:#?}");
    assert_eq!(
        deliveries.get(&bodies[1]),
        Some(&max_receive),
        "the poison message is delivered maxReceiveCount times"
    );
    let dead = sqs
        .receive_message()
        .queue_url(&dlq_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let dead: Vec<&str> = dead.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(
        dead,
        [bodies[1].as_str()],
        "the dead-letter queue holds the poison message alone"
    );
    let left = sqs
        .receive_message()
        .queue_url(&queue_url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(left.messages().is_empty(), "the findings queue is drained");
    let hub = aws_sdk_securityhub::Client::new(&sdk);
    for key in ["public-bucket", "hidden-acl-bucket"] {
        let filters = aws_sdk_securityhub::types::AwsSecurityFindingFilters::builder()
            .id(aws_sdk_securityhub::types::StringFilter::builder()
                .value(scenario.finding_id(key))
                .comparison(aws_sdk_securityhub::types::StringFilterComparison::Equals)
                .build())
            .build();
        let found = hub
            .get_findings()
            .filters(filters)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let workflow = found
            .findings()
            .first()
            .and_then(|f| f.workflow())
            .and_then(|w| w.status())
            .map(|s| s.as_str().to_owned());
        assert_eq!(workflow.as_deref(), Some("RESOLVED"), "{key}");
    }
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"))
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .unwrap_or_default()
}
