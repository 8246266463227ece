//! Security Hub in the aggregation region, with the hub's own credentials: the findings' current state
//! (GetFindings) and the write-back (BatchUpdateFindings: one payload for at most 100 findings).

use aws_sdk_securityhub::types::{
    AwsSecurityFindingFilters, AwsSecurityFindingIdentifier, NoteUpdate, StringFilter,
    StringFilterComparison, WorkflowStatus, WorkflowUpdate,
};
use riposte_shared::ids::FindingRef;
use riposte_shared::ports::{FindingState, FindingsPort, PortResult, Unprocessed};
use riposte_shared::writeback::{WriteBack, FIELD_STATUS, UPDATED_BY};

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

impl FindingsPort for SecurityHub {
    async fn current_state(&self, findings: &[FindingRef]) -> PortResult<Vec<FindingState>> {
        let mut states = Vec::new();
        for chunk in findings.chunks(IDS_PER_CALL) {
            let ids = chunk.iter().map(|f| {
                StringFilter::builder()
                    .value(&f.id)
                    .comparison(StringFilterComparison::Equals)
                    .build()
            });
            let filters = AwsSecurityFindingFilters::builder()
                .set_id(Some(ids.collect()))
                .build();
            let started = Instant::now();
            let result = self
                .client
                .get_findings()
                .filters(filters)
                .max_results(100)
                .send()
                .await
                .map_err(|e| port_error("securityhub:GetFindings", e));
            log_call(
                "securityhub:GetFindings",
                &format!("{} finding(s)", chunk.len()),
                started,
                &result,
            );
            states.extend(result?.findings().iter().map(|f| {
                FindingState {
                    finding: FindingRef {
                        id: f.id().unwrap_or_default().to_owned(),
                        product_arn: f.product_arn().unwrap_or_default().to_owned(),
                    },
                    workflow_status: f
                        .workflow()
                        .and_then(|w| w.status())
                        .map(|s| s.as_str().to_owned()),
                    record_state: f.record_state().map(|s| s.as_str().to_owned()),
                    riposte_status: f
                        .user_defined_fields()
                        .and_then(|u| u.get(FIELD_STATUS))
                        .cloned(),
                }
            }));
        }
        Ok(states)
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
