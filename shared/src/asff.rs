//! The AWS Security Finding Format (ASFF) as far as Riposte reads it. Unknown fields are tolerated;
//! the account id is validated at decode.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

use crate::arn::Arn;
use crate::ids::{AccountId, FindingRef, Region};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Finding {
    pub id: String,
    pub product_arn: String,
    pub aws_account_id: AccountId,
    #[serde(default)]
    pub product_name: Option<String>,
    #[serde(default)]
    pub generator_id: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub last_observed_at: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub product_fields: BTreeMap<String, Value>,
    #[serde(default)]
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub compliance: Option<Compliance>,
    #[serde(default)]
    pub workflow: Option<Workflow>,
    #[serde(default)]
    pub workflow_state: Option<String>,
    #[serde(default)]
    pub record_state: Option<String>,
    #[serde(default)]
    pub finding_provider_fields: Option<FindingProviderFields>,
    #[serde(default)]
    pub user_defined_fields: BTreeMap<String, String>,
    #[serde(default)]
    pub note: Option<Note>,
    /// ASFF `Sample`: a sample finding, never acted on.
    #[serde(default)]
    pub sample: Option<bool>,
    /// Amazon Inspector's package vulnerabilities (and any product's that reports CVEs).
    #[serde(default)]
    pub vulnerabilities: Vec<crate::vulnerability::Vulnerability>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Severity {
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub normalized: Option<f64>,
    #[serde(default)]
    pub product: Option<f64>,
    #[serde(default)]
    pub original: Option<Value>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FindingProviderFields {
    #[serde(default)]
    pub severity: Option<Severity>,
    /// The types as the provider (GuardDuty) wrote them: BatchImportFindings only, which a member
    /// account cannot call under an AWS product. `Types` itself a member can rewrite with
    /// BatchUpdateFindings (Security Hub User Guide, "FindingProviderFields").
    #[serde(default)]
    pub types: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Compliance {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub security_control_id: Option<String>,
    /// The control's parameters as Security Hub evaluated it (`authorizedTcpPorts`, `maxAccessKeyAge`).
    #[serde(default)]
    pub security_control_parameters: Vec<ControlParameter>,
}

/// One of a control's parameters: its name and its values, as ASFF writes them (strings).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ControlParameter {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Workflow {
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Note {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub updated_by: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: String,
    pub id: String,
    #[serde(default)]
    pub partition: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub details: ResourceDetails,
}

/// Only the detail blocks the playbooks read; every other block is ignored.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceDetails {
    #[serde(default)]
    pub aws_iam_access_key: Option<IamAccessKeyDetails>,
    #[serde(default)]
    pub aws_s3_bucket: Option<S3BucketDetails>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IamAccessKeyDetails {
    #[serde(default)]
    pub principal_name: Option<String>,
    #[serde(default)]
    pub principal_type: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
    /// Deprecated by AWS in favour of `PrincipalName`, still present in older findings.
    #[serde(default)]
    pub user_name: Option<String>,
    /// The account the access key belongs to.
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub session_context: Option<SessionContext>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SessionContext {
    #[serde(default)]
    pub session_issuer: Option<SessionIssuer>,
}

/// Who issued a temporary session: `Type` is `Root`, `IAMUser` or `Role`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SessionIssuer {
    #[serde(default, rename = "Type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub user_name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3BucketDetails {
    #[serde(default)]
    pub owner_account_id: Option<String>,
}

/// Severity labels in rank order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SeverityLabel {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityLabel {
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value.trim().to_ascii_uppercase().as_str() {
            "INFORMATIONAL" => Self::Informational,
            "LOW" => Self::Low,
            "MEDIUM" => Self::Medium,
            "HIGH" => Self::High,
            "CRITICAL" => Self::Critical,
            _ => return None,
        })
    }
    /// The label Security Hub derives from a normalized 0–100 score.
    pub fn from_normalized(score: f64) -> Self {
        match score {
            s if s >= 90.0 => Self::Critical,
            s if s >= 70.0 => Self::High,
            s if s >= 40.0 => Self::Medium,
            s if s >= 1.0 => Self::Low,
            _ => Self::Informational,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Informational => "INFORMATIONAL",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

impl Finding {
    pub fn reference(&self) -> FindingRef {
        FindingRef {
            id: self.id.clone(),
            product_arn: self.product_arn.clone(),
        }
    }

    /// A `ProductFields` value as text (ASFF says strings; tolerate numbers).
    pub fn product_field(&self, key: &str) -> Option<String> {
        match self.product_fields.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The workflow status, falling back to the deprecated `WorkflowState`.
    pub fn workflow_status(&self) -> Option<&str> {
        self.workflow
            .as_ref()
            .and_then(|w| w.status.as_deref())
            .or(self.workflow_state.as_deref())
    }

    pub fn compliance_status(&self) -> Option<&str> {
        self.compliance.as_ref().and_then(|c| c.status.as_deref())
    }

    /// The region the resource lives in: the finding's `Region`, else the first resource's, else the
    /// region named in the finding id or product ARN.
    pub fn resource_region(&self, fallback: Option<&Region>) -> Option<Region> {
        let from_arn = |arn: &str| Arn::parse(arn).and_then(|a| a.region().map(str::to_owned));
        self.region
            .clone()
            .into_iter()
            .chain(self.resources.iter().filter_map(|r| r.region.clone()))
            .chain(from_arn(&self.id))
            .chain(from_arn(&self.product_arn))
            .find_map(|r| Region::parse(&r).ok())
            .or_else(|| fallback.cloned())
    }

    /// The control id: consolidated `SecurityControlId`, else the legacy per-standard `ControlId`.
    pub fn control_id(&self) -> Option<String> {
        self.compliance
            .as_ref()
            .and_then(|c| c.security_control_id.clone())
            .or_else(|| self.product_field("ControlId"))
            .filter(|id| !id.is_empty())
    }

    /// The values of the control's parameter `name`, as the finding carries them; `None` when absent
    /// (the control's default applies).
    pub fn control_parameter(&self, name: &str) -> Option<&[String]> {
        self.compliance
            .as_ref()?
            .security_control_parameters
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_slice())
    }

    /// The AWS Config rule name of a Config-integration finding.
    pub fn config_rule(&self) -> Option<String> {
        self.product_field("aws/config/ConfigRuleName")
            .or_else(|| self.product_field("RuleId").filter(|r| r.contains('-')))
            .filter(|r| !r.is_empty())
    }

    /// The AWS integration that produced the finding (`guardduty`, `securityhub`, `config`, …), read
    /// from `ProductArn` only: AWS products have no account in their ARN
    /// (`arn:aws:securityhub:us-east-1::product/aws/guardduty`), while anything a member account imports
    /// itself does. `ProductName` is not trusted: an importer can set it.
    pub fn aws_product(&self) -> Option<&str> {
        self.product_arn
            .split_once("::product/aws/")
            .map(|(_, product)| product)
            .filter(|p| !p.is_empty() && !p.contains('/'))
    }

    pub fn is_guardduty(&self) -> bool {
        self.aws_product() == Some("guardduty")
    }

    /// A GuardDuty sample finding (CreateSampleFindings): flagged in `ProductFields`, or naming
    /// GuardDuty's placeholder principal or key. Never acted on.
    pub fn is_guardduty_sample(&self) -> bool {
        let flagged = self
            .product_field("aws/guardduty/service/additionalInfo/sample")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let placeholder = |v: &Option<String>| {
            v.as_deref()
                .is_some_and(|v| v.starts_with("GeneratedFinding"))
        };
        flagged
            || self.sample == Some(true)
            || self.resources.iter().any(|r| {
                r.id.contains("GeneratedFinding")
                    || r.details.aws_iam_access_key.as_ref().is_some_and(|k| {
                        placeholder(&k.principal_name)
                            || placeholder(&k.user_name)
                            || placeholder(&k.access_key_id)
                            || placeholder(&k.principal_id)
                    })
            })
    }

    /// The label, from `Severity.Label` or derived from `Severity.Normalized`.
    pub fn severity_label(&self) -> Option<SeverityLabel> {
        let severity = self.severity.as_ref()?;
        severity
            .label
            .as_deref()
            .and_then(SeverityLabel::parse)
            .or_else(|| severity.normalized.map(SeverityLabel::from_normalized))
    }

    /// The finding's types as its provider wrote them (`FindingProviderFields.Types`), which a member
    /// account cannot rewrite; `Types` only for a finding that carries no provider types.
    pub fn provider_types(&self) -> &[String] {
        match &self.finding_provider_fields {
            Some(fields) if !fields.types.is_empty() => &fields.types,
            _ => &self.types,
        }
    }

    /// GuardDuty's own 0–8.9 score: `FindingProviderFields.Severity.Original`, else the deprecated
    /// `Severity.Product`, else `Severity.Normalized / 10`.
    pub fn guardduty_severity(&self) -> Option<f64> {
        let original = self
            .finding_provider_fields
            .as_ref()
            .and_then(|f| f.severity.as_ref())
            .and_then(|s| s.original.as_ref())
            .and_then(|v| match v {
                Value::String(s) => s.trim().parse::<f64>().ok(),
                Value::Number(n) => n.as_f64(),
                _ => None,
            });
        let severity = self.severity.as_ref();
        original
            .or_else(|| severity.and_then(|s| s.product))
            .or_else(|| severity.and_then(|s| s.normalized).map(|n| n / 10.0))
    }

    /// The most recent time the finding says the activity was seen, for convergence checks.
    pub fn observed_at(&self) -> Option<&str> {
        self.last_observed_at
            .as_deref()
            .or(self.updated_at.as_deref())
    }
}
