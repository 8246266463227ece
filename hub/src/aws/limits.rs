//! Blast-radius limits: automatic remediations counted per member account and per playbook per clock
//! hour in a DynamoDB table every hub instance shares. A count is taken by a conditional `ADD` (the
//! condition keeps it at or under the limit whatever the concurrency); when the second count is refused
//! the first is given back. The first finding refused in an hour also wins a conditional "notice" item,
//! so the team is told once per account (or playbook) and hour.

use aws_sdk_dynamodb::types::AttributeValue;
use riposte_shared::ports::PortResult;
use std::time::Instant;
use time::OffsetDateTime;

use super::{log_call, port_error};

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
        (per_account, per_playbook): (u32, u32),
        now: OffsetDateTime,
    ) -> PortResult<Taken> {
        let (hour, expires) = hour(now);
        let account_key = format!("account#{account}#{hour}");
        let playbook_key = format!("playbook#{playbook}#{hour}");
        if !self.add(&account_key, per_account, expires).await? {
            let tell = self.first_notice(&account_key, expires).await?;
            return Ok(Taken::Refused {
                reason: format!(
                    "blast-radius limit: {per_account} automatic remediations in account {account} this hour (limits.per_account_per_hour)"
                ),
                tell,
            });
        }
        if !self.add(&playbook_key, per_playbook, expires).await? {
            self.give_back(&account_key).await?;
            let tell = self.first_notice(&playbook_key, expires).await?;
            return Ok(Taken::Refused {
                reason: format!(
                    "blast-radius limit: {per_playbook} automatic remediations by playbook {playbook} this hour (limits.per_playbook_per_hour)"
                ),
                tell,
            });
        }
        Ok(Taken::Granted)
    }

    /// Add one to `counter` unless it reached `limit` (0: no limit, still counted). False when refused.
    async fn add(&self, counter: &str, limit: u32, expires: i64) -> PortResult<bool> {
        let started = Instant::now();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("counter", AttributeValue::S(counter.to_owned()))
            .update_expression("ADD #c :one SET expires_at = :expires")
            .expression_attribute_names("#c", "count")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":expires", AttributeValue::N(expires.to_string()));
        if limit > 0 {
            update = update
                .condition_expression("attribute_not_exists(#c) OR #c < :limit")
                .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()));
        }
        let result = update.send().await;
        let outcome = passed(result);
        log_call("dynamodb:UpdateItem", counter, started, &outcome);
        outcome
    }

    async fn give_back(&self, counter: &str) -> PortResult<()> {
        let started = Instant::now();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("counter", AttributeValue::S(counter.to_owned()))
            .update_expression("ADD #c :minus")
            .expression_attribute_names("#c", "count")
            .expression_attribute_values(":minus", AttributeValue::N("-1".into()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| port_error("dynamodb:UpdateItem", e));
        log_call("dynamodb:UpdateItem", counter, started, &result);
        result
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
