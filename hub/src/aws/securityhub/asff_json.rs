//! Security Hub's copy of a finding, from the SDK's `AwsSecurityFinding` to the domain's ASFF type,
//! through the same JSON names and the same decoder as a message's finding: the decision and the
//! playbook then read Security Hub's copy exactly as they would read an event's. Only the fields the
//! domain reads are carried.

use aws_sdk_securityhub::types::{
    AwsIamAccessKeyDetails, AwsSecurityFinding, Resource, Severity, Vulnerability,
};
use riposte_shared::asff::Finding;
use serde_json::{json, Map, Value};

/// Insert `key: value` when the value is present.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value);
    }
}

fn text(value: Option<&str>) -> Option<Value> {
    value.map(|v| Value::String(v.to_owned()))
}

fn severity(s: &Severity) -> Value {
    let mut map = Map::new();
    put(&mut map, "Label", s.label().map(|l| json!(l.as_str())));
    put(&mut map, "Normalized", s.normalized().map(|n| json!(n)));
    put(&mut map, "Product", s.product().map(|p| json!(p)));
    put(&mut map, "Original", text(s.original()));
    Value::Object(map)
}

// `UserName` is deprecated in favour of `PrincipalName` but older findings carry only it.
#[allow(deprecated)]
fn access_key(k: &AwsIamAccessKeyDetails) -> Value {
    let mut map = Map::new();
    put(&mut map, "UserName", text(k.user_name()));
    put(&mut map, "PrincipalId", text(k.principal_id()));
    put(&mut map, "PrincipalType", text(k.principal_type()));
    put(&mut map, "PrincipalName", text(k.principal_name()));
    put(&mut map, "AccountId", text(k.account_id()));
    put(&mut map, "AccessKeyId", text(k.access_key_id()));
    if let Some(issuer) = k.session_context().and_then(|c| c.session_issuer()) {
        let mut i = Map::new();
        put(&mut i, "Type", text(issuer.r#type()));
        put(&mut i, "PrincipalId", text(issuer.principal_id()));
        put(&mut i, "Arn", text(issuer.arn()));
        put(&mut i, "AccountId", text(issuer.account_id()));
        put(&mut i, "UserName", text(issuer.user_name()));
        map.insert("SessionContext".into(), json!({ "SessionIssuer": i }));
    }
    Value::Object(map)
}

fn resource(r: &Resource) -> Value {
    let mut map = Map::new();
    put(&mut map, "Type", text(r.r#type()));
    put(&mut map, "Id", text(r.id()));
    put(
        &mut map,
        "Partition",
        r.partition().map(|p| json!(p.as_str())),
    );
    put(&mut map, "Region", text(r.region()));
    put(&mut map, "Tags", r.tags().map(|t| json!(t)));
    let mut details = Map::new();
    if let Some(d) = r.details() {
        put(
            &mut details,
            "AwsIamAccessKey",
            d.aws_iam_access_key().map(access_key),
        );
        put(
            &mut details,
            "AwsS3Bucket",
            d.aws_s3_bucket()
                .map(|b| json!({ "OwnerAccountId": b.owner_account_id() })),
        );
    }
    map.insert("Details".into(), Value::Object(details));
    Value::Object(map)
}

/// A vulnerability and its packages (Amazon Inspector): the fields the notice names.
fn vulnerability(v: &Vulnerability) -> Value {
    let packages: Vec<Value> = v
        .vulnerable_packages()
        .iter()
        .map(|p| {
            let mut map = Map::new();
            put(&mut map, "Name", text(p.name()));
            put(&mut map, "Version", text(p.version()));
            put(&mut map, "Release", text(p.release()));
            put(&mut map, "FixedInVersion", text(p.fixed_in_version()));
            put(&mut map, "Remediation", text(p.remediation()));
            Value::Object(map)
        })
        .collect();
    let mut map = Map::new();
    put(&mut map, "Id", text(v.id()));
    map.insert("VulnerablePackages".into(), Value::Array(packages));
    put(
        &mut map,
        "FixAvailable",
        v.fix_available().map(|f| json!(f.as_str())),
    );
    Value::Object(map)
}

/// The finding as ASFF JSON (only the fields the domain reads).
pub fn to_json(f: &AwsSecurityFinding) -> Value {
    let mut map = Map::new();
    put(&mut map, "Id", text(f.id()));
    put(&mut map, "ProductArn", text(f.product_arn()));
    put(&mut map, "AwsAccountId", text(f.aws_account_id()));
    put(&mut map, "ProductName", text(f.product_name()));
    put(&mut map, "GeneratorId", text(f.generator_id()));
    put(&mut map, "Region", text(f.region()));
    map.insert("Types".into(), json!(f.types()));
    put(&mut map, "CreatedAt", text(f.created_at()));
    put(&mut map, "UpdatedAt", text(f.updated_at()));
    put(&mut map, "LastObservedAt", text(f.last_observed_at()));
    put(&mut map, "Title", text(f.title()));
    put(&mut map, "Sample", f.sample().map(Value::Bool));
    put(&mut map, "Severity", f.severity().map(severity));
    put(
        &mut map,
        "ProductFields",
        f.product_fields().map(|p| json!(p)),
    );
    put(
        &mut map,
        "UserDefinedFields",
        f.user_defined_fields().map(|u| json!(u)),
    );
    map.insert(
        "Resources".into(),
        Value::Array(f.resources().iter().map(resource).collect()),
    );
    put(
        &mut map,
        "Compliance",
        f.compliance().map(|c| {
            json!({
                "Status": c.status().map(|s| s.as_str()),
                "SecurityControlId": c.security_control_id(),
                "SecurityControlParameters": c.security_control_parameters().iter().map(|p| json!({
                    "Name": p.name(),
                    "Value": p.value(),
                })).collect::<Vec<_>>(),
            })
        }),
    );
    put(
        &mut map,
        "Workflow",
        f.workflow()
            .map(|w| json!({ "Status": w.status().map(|s| s.as_str()) })),
    );
    put(
        &mut map,
        "WorkflowState",
        f.workflow_state().map(|w| json!(w.as_str())),
    );
    put(
        &mut map,
        "RecordState",
        f.record_state().map(|r| json!(r.as_str())),
    );
    put(
        &mut map,
        "FindingProviderFields",
        f.finding_provider_fields().map(|p| {
            json!({ "Severity": p.severity().map(|s| json!({
                "Label": s.label().map(|l| l.as_str()),
                "Original": s.original(),
            })), "Types": p.types() })
        }),
    );
    map.insert(
        "Vulnerabilities".into(),
        Value::Array(f.vulnerabilities().iter().map(vulnerability).collect()),
    );
    put(
        &mut map,
        "Note",
        f.note()
            .map(|n| json!({ "Text": n.text(), "UpdatedBy": n.updated_by() })),
    );
    Value::Object(
        strip_nulls(Value::Object(map))
            .as_object()
            .cloned()
            .unwrap_or_default(),
    )
}

/// `null`s stand for absent fields in ASFF; drop them so the domain's defaults apply.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(list) => Value::Array(list.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// Decode Security Hub's copy with the domain's decoder; a copy it cannot read is an error, never
/// silently replaced by the message's.
pub fn to_finding(f: &AwsSecurityFinding) -> Result<Finding, String> {
    serde_json::from_value(to_json(f)).map_err(|e| {
        format!(
            "Security Hub's copy of finding {} does not decode: {e}",
            f.id().unwrap_or("<no id>")
        )
    })
}
