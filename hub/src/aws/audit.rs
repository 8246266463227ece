//! The optional audit archive: one JSON object per run in the hub account's audit bucket
//! (`riposte/runs/YYYY/MM/DD/<run>.json`), written with `ExpectedBucketOwner`.

use aws_sdk_s3::primitives::ByteStream;
use riposte_shared::ports::PortResult;
use std::time::Instant;
use time::OffsetDateTime;

use super::{log_call, port_error};
use crate::report::RunReport;

#[derive(Clone, Debug)]
pub struct AuditArchive {
    s3: aws_sdk_s3::Client,
    bucket: String,
    owner: String,
}

impl AuditArchive {
    pub fn new(config: &aws_config::SdkConfig, bucket: &str, owner: &str) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        Self {
            s3: aws_sdk_s3::Client::from_conf(s3),
            bucket: bucket.to_owned(),
            owner: owner.to_owned(),
        }
    }

    /// The object key of a run's record: its day comes from the run id (`r-YYYYMMDD-…`), else `at`.
    pub fn key(run: &str, at: OffsetDateTime) -> String {
        let day = run
            .strip_prefix("r-")
            .and_then(|rest| rest.get(..8))
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
        match day {
            Some(d) => format!(
                "riposte/runs/{}/{}/{}/{run}.json",
                &d[..4],
                &d[4..6],
                &d[6..8]
            ),
            None => format!(
                "riposte/runs/{:04}/{:02}/{:02}/{run}.json",
                at.year(),
                u8::from(at.month()),
                at.day()
            ),
        }
    }

    /// Where a run's record is (or will be) archived: `s3://bucket/key`.
    pub fn location(&self, run: &str) -> String {
        format!(
            "s3://{}/{}",
            self.bucket,
            Self::key(run, OffsetDateTime::now_utc())
        )
    }

    /// A run's record, as archived.
    pub async fn get(&self, run: &str) -> PortResult<serde_json::Value> {
        let key = Self::key(run, OffsetDateTime::now_utc());
        let started = Instant::now();
        let result = match self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .expected_bucket_owner(&self.owner)
            .send()
            .await
        {
            Ok(out) => out
                .body
                .collect()
                .await
                .map_err(|e| riposte_shared::ports::PortError {
                    kind: riposte_shared::ports::PortErrorKind::Transient,
                    api: "s3:GetObject".into(),
                    code: None,
                    message: e.to_string(),
                })
                .and_then(|body| {
                    serde_json::from_slice(&body.into_bytes()).map_err(|e| {
                        riposte_shared::ports::PortError {
                            kind: riposte_shared::ports::PortErrorKind::Other,
                            api: "s3:GetObject".into(),
                            code: None,
                            message: format!("the record is not JSON: {e}"),
                        }
                    })
                }),
            Err(e) => Err(port_error("s3:GetObject", e)),
        };
        log_call("s3:GetObject", &key, started, &result);
        result
    }

    pub async fn put(&self, report: &RunReport) -> PortResult<String> {
        let key = Self::key(&report.run, OffsetDateTime::now_utc());
        let body = serde_json::to_vec(report).unwrap_or_default();
        let started = Instant::now();
        let result = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .expected_bucket_owner(&self.owner)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| port_error("s3:PutObject", e));
        log_call("s3:PutObject", &key, started, &result);
        result.map(|_| key)
    }
}
