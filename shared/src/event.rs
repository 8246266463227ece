//! Decoding what arrives: an SQS event of EventBridge events, one EventBridge event ("Security Hub
//! Findings - Imported" or "- Custom Action"), a bare ASFF finding or a list of them, or a GetFindings
//! response. Anything else is refused with a reason; one bad finding never hides the others.

use serde::Deserialize;
use serde_json::Value;

use crate::asff::Finding;
use crate::ids::Region;
use crate::Error;

pub const DETAIL_TYPE_IMPORTED: &str = "Security Hub Findings - Imported";
pub const DETAIL_TYPE_CUSTOM_ACTION: &str = "Security Hub Findings - Custom Action";

/// Where a batch of findings came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Imported,
    CustomAction {
        action_name: String,
        action_target_arn: Option<String>,
        /// The event's `time`: when the analyst chose the action.
        time: Option<String>,
        /// The event's `id`, recorded as who approved (the event names no user).
        event_id: Option<String>,
    },
    /// An operator's command (`riposte approve|remediate|ignore|undo FINDING_ID`).
    Operator {
        action: AnalystAction,
        /// The caller's identity (STS GetCallerIdentity ARN).
        who: String,
        time: String,
    },
    /// A bare finding, list of findings or GetFindings response (CLI input).
    Direct,
    /// Security Hub's own copies, just read by `riposte sweep` (never decoded from input).
    Sweep,
}

/// What an analyst asked for, through a custom action or the CLI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnalystAction {
    /// Run a playbook awaiting approval (refused when expired, changed or already handled).
    Approve,
    /// Run now, whatever the mode (unless the playbook is off or the target protected).
    Remediate,
    /// Suppress the finding with a note; never acted on.
    Ignore,
    /// Restore what a run changed.
    Undo,
}

impl AnalystAction {
    /// The action target ids and names the hub stack creates (`cloudformation/hub.yaml`).
    pub const ALL: [(Self, &'static str, &'static str); 4] = [
        (Self::Approve, "RiposteApprove", "Riposte: approve"),
        (Self::Remediate, "RiposteRemediate", "Riposte: remediate"),
        (Self::Ignore, "RiposteIgnore", "Riposte: ignore"),
        (Self::Undo, "RiposteUndo", "Riposte: undo"),
    ];

    /// A custom action's meaning, from its action target ARN (`…:action/custom/RiposteApprove`), else
    /// its name; `None` for another tool's action.
    pub fn of_custom_action(target_arn: Option<&str>, name: &str) -> Option<Self> {
        let id = target_arn.and_then(|arn| arn.rsplit('/').next());
        Self::ALL
            .iter()
            .find(|(_, action_id, action_name)| {
                id == Some(*action_id) || (id.is_none() && name == *action_name)
            })
            .map(|(action, _, _)| *action)
    }

    /// What the custom action does, as the console shows it.
    pub fn description(self) -> &'static str {
        match self {
            Self::Approve => {
                "Run the Riposte playbook awaiting approval for the selected findings."
            }
            Self::Remediate => "Run the matching Riposte playbook on the selected findings now.",
            Self::Ignore => {
                "Suppress the selected findings with a note: Riposte never acts on them."
            }
            Self::Undo => "Restore what Riposte changed for the selected findings.",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Remediate => "remediate",
            Self::Ignore => "ignore",
            Self::Undo => "undo",
        }
    }
}

impl Source {
    /// The analyst's action, when this is one of Riposte's.
    pub fn analyst_action(&self) -> Option<AnalystAction> {
        match self {
            Source::CustomAction {
                action_name,
                action_target_arn,
                ..
            } => AnalystAction::of_custom_action(action_target_arn.as_deref(), action_name),
            Source::Operator { action, .. } => Some(*action),
            _ => None,
        }
    }

    /// When the analyst acted (RFC 3339).
    pub fn time(&self) -> Option<&str> {
        match self {
            Source::CustomAction { time, .. } => time.as_deref(),
            Source::Operator { time, .. } => Some(time),
            _ => None,
        }
    }

    /// What the event or the caller tells about who acted.
    pub fn who(&self) -> Option<String> {
        match self {
            Source::CustomAction {
                action_name,
                event_id,
                ..
            } => Some(format!(
                "Security Hub custom action \"{action_name}\" (event {})",
                event_id.as_deref().unwrap_or("-")
            )),
            Source::Operator { who, .. } => Some(who.clone()),
            _ => None,
        }
    }
}

/// One delivery unit: an SQS message, or the whole input when it is not an SQS event.
#[derive(Debug)]
pub struct Message {
    /// The SQS message id, reported back in `batchItemFailures`.
    pub id: Option<String>,
    /// SQS `ApproximateReceiveCount`: which delivery of the message this is.
    pub receive_count: Option<u32>,
    pub content: Result<Content, String>,
}

#[derive(Debug)]
pub struct Content {
    pub source: Source,
    /// The envelope's region (the aggregation region), when there is an envelope.
    pub region: Option<Region>,
    /// Each finding decoded, or refused with the reason.
    pub findings: Vec<Result<Finding, String>>,
}

#[derive(Deserialize)]
struct SqsRecord {
    #[serde(rename = "messageId")]
    message_id: String,
    body: String,
    #[serde(default)]
    attributes: SqsAttributes,
}

#[derive(Default, Deserialize)]
struct SqsAttributes {
    #[serde(rename = "ApproximateReceiveCount", default)]
    receive_count: Option<String>,
}

/// Decode any supported input. An error means the input as a whole is unreadable (not JSON, not a
/// known shape); per-message and per-finding problems are reported inside the result.
pub fn decode(input: &str) -> Result<Vec<Message>, Error> {
    let value: Value = serde_json::from_str(input).map_err(|e| Error::NotJson {
        reason: e.to_string(),
    })?;
    decode_value(value)
}

pub fn decode_value(value: Value) -> Result<Vec<Message>, Error> {
    if let Some(records) = value.get("Records").and_then(Value::as_array) {
        let mut messages = Vec::with_capacity(records.len());
        for (index, record) in records.iter().enumerate() {
            let record: SqsRecord =
                serde_json::from_value(record.clone()).map_err(|e| Error::UnknownInput {
                    reason: format!("Records[{index}] is not an SQS record: {e}"),
                })?;
            let content = serde_json::from_str::<Value>(&record.body)
                .map_err(|e| format!("SQS message body is not JSON: {e}"))
                .and_then(|body| decode_one(body).map_err(|e| e.to_string()));
            messages.push(Message {
                id: Some(record.message_id),
                receive_count: record.attributes.receive_count.and_then(|n| n.parse().ok()),
                content,
            });
        }
        return Ok(messages);
    }
    Ok(vec![Message {
        id: None,
        receive_count: None,
        content: Ok(decode_one(value)?),
    }])
}

/// Decode one EventBridge event, bare finding(s) or GetFindings response.
fn decode_one(value: Value) -> Result<Content, Error> {
    if let Some(detail_type) = value.get("detail-type").and_then(Value::as_str) {
        return decode_envelope(detail_type, &value);
    }
    if let Some(findings) = value.get("Findings").and_then(Value::as_array) {
        return Ok(direct(findings));
    }
    // A recorded API response (placebo style) wraps the GetFindings response in `data`.
    if let Some(findings) = value.pointer("/data/Findings").and_then(Value::as_array) {
        return Ok(direct(findings));
    }
    if let Some(findings) = value.as_array() {
        return Ok(direct(findings));
    }
    if value.get("SchemaVersion").is_some()
        || value.get("ProductArn").is_some()
        || looks_ocsf(&value)
    {
        return Ok(direct(std::slice::from_ref(&value)));
    }
    Err(Error::UnknownInput {
        reason: "no `detail-type`, `Records`, `Findings` or ASFF `SchemaVersion` found".into(),
    })
}

fn decode_envelope(detail_type: &str, value: &Value) -> Result<Content, Error> {
    let source = match detail_type {
        DETAIL_TYPE_IMPORTED => Source::Imported,
        DETAIL_TYPE_CUSTOM_ACTION => Source::CustomAction {
            action_name: value.pointer("/detail/actionName").and_then(Value::as_str).unwrap_or_default().to_owned(),
            action_target_arn: value
                .get("resources")
                .and_then(Value::as_array)
                .and_then(|r| r.first())
                .and_then(Value::as_str)
                .map(str::to_owned),
            time: value.get("time").and_then(Value::as_str).map(str::to_owned),
            event_id: value.get("id").and_then(Value::as_str).map(str::to_owned),
        },
        "Findings Imported V2" => {
            return Err(Error::UnknownInput {
                reason: "detail-type `Findings Imported V2` carries OCSF findings (Security Hub V2), which Riposte does not support yet; route the ASFF \"Security Hub Findings - Imported\" events instead".into(),
            })
        }
        "GuardDuty Finding" => {
            return Err(Error::UnknownInput {
                reason: "detail-type `GuardDuty Finding` is GuardDuty's native event; Riposte reads GuardDuty findings through Security Hub (ASFF \"Security Hub Findings - Imported\")".into(),
            })
        }
        other => {
            return Err(Error::UnknownInput {
                reason: format!("detail-type `{other}` is not handled; expected `{DETAIL_TYPE_IMPORTED}` or `{DETAIL_TYPE_CUSTOM_ACTION}`"),
            })
        }
    };
    if value.get("source").and_then(Value::as_str) != Some("aws.securityhub") {
        return Err(Error::UnknownInput {
            reason: format!("`{detail_type}` event whose source is not aws.securityhub"),
        });
    }
    let findings = value
        .pointer("/detail/findings")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::UnknownInput {
            reason: format!("`{detail_type}` event without detail.findings"),
        })?;
    let region = value
        .get("region")
        .and_then(Value::as_str)
        .and_then(|r| Region::parse(r).ok());
    Ok(Content {
        source,
        region,
        findings: findings.iter().map(decode_finding).collect(),
    })
}

fn direct(findings: &[Value]) -> Content {
    Content {
        source: Source::Direct,
        region: None,
        findings: findings.iter().map(decode_finding).collect(),
    }
}

fn looks_ocsf(value: &Value) -> bool {
    value.get("class_uid").is_some() || value.get("finding_info").is_some()
}

fn decode_finding(value: &Value) -> Result<Finding, String> {
    if looks_ocsf(value) {
        return Err(
            "finding is in OCSF (Security Hub V2) format, which Riposte does not support yet"
                .into(),
        );
    }
    let id = value.get("Id").and_then(Value::as_str).unwrap_or("<no Id>");
    serde_json::from_value::<Finding>(value.clone())
        .map_err(|e| format!("finding {id} is not valid ASFF: {e}"))
}

#[cfg(test)]
#[path = "event_tests.rs"]
pub(crate) mod tests;
