//! Security Hub write-back: BatchUpdateFindings in the aggregation region, with the hub's own
//! credentials. One call applies one payload to at most 100 findings.

use aws_sdk_securityhub::types::{
    AwsSecurityFindingIdentifier, NoteUpdate, WorkflowStatus, WorkflowUpdate,
};
use riposte_shared::ids::FindingRef;
use riposte_shared::ports::{FindingsPort, PortResult, Unprocessed};
use riposte_shared::writeback::{WriteBack, UPDATED_BY};
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
