//! Security Hub in the aggregation region, with the hub's own credentials: Security Hub's own copies of
//! the findings (GetFindings by Id and ProductArn) and the write-back (BatchUpdateFindings: one payload for at most 100 findings).

use aws_sdk_securityhub::types::{
    AwsSecurityFindingFilters, AwsSecurityFindingIdentifier, NoteUpdate, StringFilter,
    StringFilterComparison, WorkflowStatus, WorkflowUpdate,
};
use riposte_shared::asff::Finding;
use riposte_shared::ids::FindingRef;
use riposte_shared::ports::{FindingsPort, PortResult, Unprocessed};
use riposte_shared::writeback::{WriteBack, UPDATED_BY};

mod asff_json;

/// GetFindings accepts at most 20 values per filter field.
const IDS_PER_CALL: usize = 20;
use std::time::Instant;

use super::{log_call, port_error};

#[derive(Clone, Debug)]
pub struct SecurityHub {
    client: aws_sdk_securityhub::Client,
}

impl SecurityHub {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self {
            client: aws_sdk_securityhub::Client::new(config),
        }
    }
    pub fn from_client(client: aws_sdk_securityhub::Client) -> Self {
        Self { client }
    }
}

pub fn equals(value: &str) -> StringFilter {
    StringFilter::builder()
        .value(value)
        .comparison(StringFilterComparison::Equals)
        .build()
}

impl SecurityHub {
    /// Every finding matching `filters`, all pages.
    async fn query(
        &self,
        filters: AwsSecurityFindingFilters,
        what: &str,
    ) -> PortResult<Vec<aws_sdk_securityhub::types::AwsSecurityFinding>> {
        let started = Instant::now();
        let mut pages = self
            .client
            .get_findings()
            .filters(filters)
            .max_results(100)
            .into_paginator()
            .send();
        let mut copies = Vec::new();
        let mut result = Ok(());
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => copies.extend(page.findings().iter().cloned()),
                Err(e) => {
                    result = Err(port_error("securityhub:GetFindings", e));
                    break;
                }
            }
        }
        log_call("securityhub:GetFindings", what, started, &result);
        result.map(|()| copies)
    }

    /// Active NEW findings matching the sweep's filters, one page at a time at most every 350 ms
    /// (GetFindings allows 3 requests a second), at most `limit` of them.
    pub async fn active_new(
        &self,
        base: AwsSecurityFindingFilters,
        limit: usize,
    ) -> PortResult<Vec<Finding>> {
        let mut filters = base;
        filters.workflow_status = Some(vec![equals("NEW")]);
        filters.record_state = Some(vec![equals("ACTIVE")]);
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        let mut pace = tokio::time::interval(std::time::Duration::from_millis(350));
        loop {
            pace.tick().await;
            let started = Instant::now();
            let page = self
                .client
                .get_findings()
                .filters(filters.clone())
                .max_results(100)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| port_error("securityhub:GetFindings", e));
            log_call("securityhub:GetFindings", "sweep page", started, &page);
            let page = page?;
            found.extend(
                page.findings()
                    .iter()
                    .filter_map(|f| asff_json::to_finding(f).ok()),
            );
            token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if token.is_none() || found.len() >= limit {
                found.truncate(limit);
                return Ok(found);
            }
        }
    }

    /// The findings with these ids (any product): what an operator names on the command line.
    pub async fn find_by_ids(&self, ids: &[String]) -> PortResult<Vec<Finding>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(IDS_PER_CALL) {
            let filters = AwsSecurityFindingFilters::builder()
                .set_id(Some(chunk.iter().map(|id| equals(id)).collect()))
                .build();
            let copies = self
                .query(filters, &format!("{} finding id(s)", chunk.len()))
                .await?;
            found.extend(copies.iter().filter_map(|f| asff_json::to_finding(f).ok()));
        }
        Ok(found)
    }
}

impl FindingsPort for SecurityHub {
    async fn get_findings(&self, findings: &[FindingRef]) -> PortResult<Vec<Finding>> {
        let mut copies = Vec::new();
        for chunk in findings.chunks(IDS_PER_CALL) {
            let mut products: Vec<&str> = chunk.iter().map(|f| f.product_arn.as_str()).collect();
            products.sort_unstable();
            products.dedup();
            let filters = AwsSecurityFindingFilters::builder()
                .set_id(Some(chunk.iter().map(|f| equals(&f.id)).collect()))
                .set_product_arn(Some(products.into_iter().map(equals).collect()))
                .build();
            copies.extend(
                self.query(filters, &format!("{} finding(s)", chunk.len()))
                    .await?,
            );
        }
        // Only exact (Id, ProductArn) pairs asked for: the filters match the cross product.
        copies
            .iter()
            .filter(|f| {
                findings.iter().any(|r| {
                    f.id() == Some(r.id.as_str()) && f.product_arn() == Some(r.product_arn.as_str())
                })
            })
            // One copy the domain cannot read is left out (then refused as not held), not the batch.
            .filter_map(|f| match asff_json::to_finding(f) {
                Ok(finding) => Some(Ok(finding)),
                Err(reason) => {
                    tracing::warn!(reason, "Security Hub's copy left out");
                    None
                }
            })
            .collect()
    }

    async fn update_findings(
        &self,
        findings: &[FindingRef],
        payload: &WriteBack,
    ) -> PortResult<Vec<Unprocessed>> {
        let mut request = self
            .client
            .batch_update_findings()
            .workflow(
                WorkflowUpdate::builder()
                    .status(WorkflowStatus::from(payload.workflow_status.as_str()))
                    .build(),
            )
            .note(
                NoteUpdate::builder()
                    .text(&payload.note)
                    .updated_by(UPDATED_BY)
                    .build(),
            )
            .set_user_defined_fields(Some(payload.fields.clone().into_iter().collect()));
        for finding in findings {
            request = request.finding_identifiers(
                AwsSecurityFindingIdentifier::builder()
                    .id(&finding.id)
                    .product_arn(&finding.product_arn)
                    .build(),
            );
        }
        let started = Instant::now();
        let result = request
            .send()
            .await
            .map_err(|e| port_error("securityhub:BatchUpdateFindings", e));
        log_call(
            "securityhub:BatchUpdateFindings",
            &format!("{} finding(s)", findings.len()),
            started,
            &result,
        );
        Ok(result?
            .unprocessed_findings()
            .iter()
            .filter_map(|u| {
                let id = u.finding_identifier()?;
                Some(Unprocessed {
                    finding: FindingRef {
                        id: id.id()?.to_owned(),
                        product_arn: id.product_arn()?.to_owned(),
                    },
                    code: u.error_code().unwrap_or_default().to_owned(),
                    message: u.error_message().unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }
}
