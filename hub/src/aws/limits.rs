//! Blast-radius limits: automatic remediations counted per member account and per playbook per clock
//! hour in a DynamoDB table every hub instance shares. A run takes its counts together (`run.rs`): one
//! conditional `ADD` of n per account and per playbook, not one per finding. The condition keeps a count
//! at or under its limit whatever the concurrency; a refused `ADD` returns the count, and the room left
//! is taken instead. Counts a playbook's limit then refuses are given back to their accounts. The first
//! run refused under a counter in an hour also wins a conditional "notice" item, so the team is told once
//! per account (or playbook) and hour.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_smithy_types::retry::RetryConfig;
use riposte_shared::ports::{PortError, PortErrorKind, PortResult};
use std::time::Instant;
use time::OffsetDateTime;

use super::{log_call, port_error};

mod run;

/// Conditional `ADD`s tried on one counter: a refused one returns the count and the room left is asked for
/// next, so more than two happen only while other instances take the same counter's room at once. Past
/// them the run gives up, and its findings are retried.
const ATTEMPTS: usize = 5;

/// What taking the counts came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Taken {
    /// Under both limits: the remediation may run.
    Granted,
    /// A limit is reached: the reason, and whether this finding is the one that tells the team.
    Refused { reason: String, tell: bool },
}

#[derive(Clone, Debug)]
pub struct Limiter {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// The clock hour of `now` (`2026-11-30T14`), and when its items may be dropped (epoch seconds).
fn hour(now: OffsetDateTime) -> (String, i64) {
    let key = format!(
        "{:04}-{:02}-{:02}T{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour()
    );
    let start = now.unix_timestamp() - i64::from(now.minute()) * 60 - i64::from(now.second());
    (key, start + 2 * 3600)
}

/// A refused conditional `ADD`: the count it found (`None`: the item was not returned).
struct Full(Option<u32>);

impl Limiter {
    pub fn new(config: &aws_config::SdkConfig, table: &str) -> Self {
        Self {
            client: aws_sdk_dynamodb::Client::new(config),
            table: table.to_owned(),
        }
    }

    /// Count one automatic remediation of `playbook` in `account` now, within the limits (0: none).
    pub async fn take(
        &self,
        account: &str,
        playbook: &str,
        caps: (u32, u32),
        now: OffsetDateTime,
    ) -> PortResult<Taken> {
        let mut taken = self.take_all(&[(account, playbook)], caps, now).await;
        taken.pop().unwrap_or_else(|| Err(not_taken()))
    }

    /// Take `n` counts of `counter`, or as many as its limit leaves room for (0: no limit, all counted).
    async fn take_up_to(
        &self,
        counter: &str,
        n: usize,
        limit: u32,
        expires: i64,
    ) -> PortResult<usize> {
        let mut want = u32::try_from(n).unwrap_or(u32::MAX);
        if limit > 0 {
            want = want.min(limit);
        }
        for _ in 0..ATTEMPTS {
            if want == 0 {
                return Ok(0);
            }
            // Room for `want` more: the count is at most limit − want (no condition without a limit).
            let most = (limit > 0).then(|| limit - want);
            match self.add(counter, want, most, expires).await? {
                Ok(()) => return Ok(want as usize),
                Err(Full(count)) => want = want.min(limit.saturating_sub(count.unwrap_or(limit))),
            }
        }
        if want == 0 {
            return Ok(0);
        }
        Err(PortError::new(
            PortErrorKind::Transient,
            "dynamodb:UpdateItem",
            Some("Contended"),
            format!("{counter}: {ATTEMPTS} conditional updates refused while other hub instances took its room"),
        ))
    }

    /// Add `n` to `counter` unless it is above `most` (`None`: unconditionally). `Err(Full)` when refused.
    async fn add(
        &self,
        counter: &str,
        n: u32,
        most: Option<u32>,
        expires: i64,
    ) -> PortResult<Result<(), Full>> {
        let started = Instant::now();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("counter", AttributeValue::S(counter.to_owned()))
            .update_expression("ADD #c :n SET expires_at = :expires")
            .expression_attribute_names("#c", "count")
            .expression_attribute_values(":n", AttributeValue::N(n.to_string()))
            .expression_attribute_values(":expires", AttributeValue::N(expires.to_string()));
        if let Some(most) = most {
            update = update
                .condition_expression("attribute_not_exists(#c) OR #c <= :most")
                .expression_attribute_values(":most", AttributeValue::N(most.to_string()))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                );
        }
        let outcome = match update.send().await {
            Ok(_) => Ok(Ok(())),
            Err(e) => match e.as_service_error() {
                Some(aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(full)) => {
                    let count = full
                        .item()
                        .and_then(|item| item.get("count"))
                        .and_then(|c| c.as_n().ok())
                        .and_then(|c| c.parse().ok());
                    Ok(Err(Full(count)))
                }
                _ => Err(port_error("dynamodb:UpdateItem", e)),
            },
        };
        log_call("dynamodb:UpdateItem", counter, started, &outcome);
        outcome
    }

    /// Give `n` counts back to `counter`. Sent once, never retried by the SDK: an `ADD -n` applied twice
    /// (its answer lost, then retried) would leave room for n more than the limit. A failure is logged:
    /// the count then stays high for the hour, which holds back automatic fixes, never lets more through.
    async fn give_back(&self, counter: &str, n: usize) {
        let started = Instant::now();
        let once =
            aws_sdk_dynamodb::config::Builder::default().retry_config(RetryConfig::disabled());
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("counter", AttributeValue::S(counter.to_owned()))
            .update_expression("ADD #c :minus")
            .expression_attribute_names("#c", "count")
            .expression_attribute_values(":minus", AttributeValue::N(format!("-{n}")))
            .customize()
            .config_override(once)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| port_error("dynamodb:UpdateItem", e));
        log_call("dynamodb:UpdateItem", counter, started, &result);
    }

    /// True for exactly one caller per counter: the one that tells the team the limit was reached.
    async fn first_notice(&self, counter: &str, expires: i64) -> PortResult<bool> {
        let started = Instant::now();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("counter", AttributeValue::S(format!("notice#{counter}")))
            .update_expression("SET told = :yes, expires_at = :expires")
            .condition_expression("attribute_not_exists(told)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":expires", AttributeValue::N(expires.to_string()))
            .send()
            .await;
        let outcome = passed(result);
        log_call("dynamodb:UpdateItem", counter, started, &outcome);
        outcome
    }
}

/// An ask no count was decided for: never run unchecked, retried.
fn not_taken() -> PortError {
    PortError::new(
        PortErrorKind::Transient,
        "dynamodb:UpdateItem",
        None,
        "no blast-radius count was decided for this finding",
    )
}

/// A conditional update's answer: true when it was written, false when its condition refused it.
fn passed<T>(
    result: Result<
        T,
        aws_sdk_dynamodb::error::SdkError<
            aws_sdk_dynamodb::operation::update_item::UpdateItemError,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    >,
) -> PortResult<bool> {
    match result {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(port_error("dynamodb:UpdateItem", e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counters_are_per_clock_hour_and_kept_an_hour_past_it() {
        let now = time::macros::datetime!(2026-11-30 14:37:12 UTC);
        let (key, expires) = super::hour(now);
        assert_eq!(key, "2026-11-30T14");
        assert_eq!(
            expires,
            time::macros::datetime!(2026-11-30 16:00 UTC).unix_timestamp()
        );
    }
}
