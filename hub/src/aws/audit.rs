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

    /// The object key of a run's record.
    pub fn key(run: &str, at: OffsetDateTime) -> String {
        format!(
            "riposte/runs/{:04}/{:02}/{:02}/{run}.json",
            at.year(),
            u8::from(at.month()),
            at.day()
        )
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
