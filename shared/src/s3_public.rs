//! S3's own meaning of "public" for bucket policies (Amazon S3 User Guide, "Blocking public access to
//! your Amazon S3 storage" → "The meaning of 'public'"), read both ways: a statement is public unless it
//! grants only to fixed values of an AWS principal, or is pinned by a condition to fixed values of
//! `aws:SourceIp` (ranges no wider than /8 IPv4, /32 IPv6), `aws:SourceArn`, `aws:SourceVpc`,
//! `aws:SourceVpce`, `aws:SourceOwner`, `aws:SourceAccount`, `aws:PrincipalOrgID` and the other
//! principal keys, `s3:DataAccessPointArn` (a wildcard only for the access point's name),
//! `s3:DataAccessPointAccount` (the standard "delegate access control to access points" statement),
//! `s3:x-amz-server-side-encryption-aws-kms-key-id`, or `aws:userid` (`AROLEID:*` is fixed). A value with a wildcard or a policy variable (`${aws:userid}`)
//! is not fixed; negated operators, `…IfExists`, `Null` and `ForAllValues:` pass when the key is
//! absent and pin nothing. A `Federated` principal, `*` anywhere in a principal and any `NotPrincipal`
//! are public. The emulator's GetBucketPolicyStatus applies the same rules
//! (`tests/emulator/riposte_emulator/s3_public.py`).

use serde_json::Value;

/// Condition keys whose fixed values make a statement to everyone non-public.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgpaths",
    "aws:userid",
    "aws:sourceip",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
];

/// The statements of a policy document, whether `Statement` is one object or a list.
pub fn statements(document: &Value) -> Vec<Value> {
    match document.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// Values of a JSON string, number or list of them, as text (IAM reads `111122223333` and
/// `"111122223333"` alike).
fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.to_string()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Array(list) => list.iter().flat_map(texts).collect(),
        _ => Vec::new(),
    }
}

fn has_wildcard_or_variable(value: &str) -> bool {
    value.contains('*') || value.contains('?') || value.contains("${")
}

/// A principal is open to the public when it is `*`, contains a wildcard anywhere, or is federated
/// (web identity and SAML users are outside the account's control).
fn principal_is_public(principal: &Value) -> bool {
    match principal {
        Value::String(s) => has_wildcard_or_variable(s),
        Value::Object(map) => map.iter().any(|(kind, value)| {
            kind.eq_ignore_ascii_case("Federated")
                || texts(value).iter().any(|v| has_wildcard_or_variable(v))
        }),
        // Not a principal IAM accepts (S3 refuses such a policy): nothing is granted to anyone.
        _ => false,
    }
}

/// An IP range no wider than S3's public threshold (`/8` for IPv4, `/32` for IPv6).
fn narrow_range(cidr: &str) -> bool {
    let cidr = cidr.trim();
    let (address, prefix) = cidr
        .split_once('/')
        .unwrap_or((cidr, if cidr.contains(':') { "128" } else { "32" }));
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    if address.contains(':') {
        address.parse::<std::net::Ipv6Addr>().is_ok() && (32..=128).contains(&prefix)
    } else {
        address.parse::<std::net::Ipv4Addr>().is_ok() && (8..=32).contains(&prefix)
    }
}

/// A fixed value of the key: no wildcard, no policy variable; `aws:userid` may be `AROLEID:*` (a role's
/// sessions); `aws:SourceIp` must be a narrow range.
fn fixed_value(key: &str, value: &str) -> bool {
    match key {
        "aws:sourceip" => !has_wildcard_or_variable(value) && narrow_range(value),
        "aws:userid" => {
            let id = value.strip_suffix(":*").unwrap_or(value);
            !id.is_empty() && !has_wildcard_or_variable(id)
        }
        "s3:dataaccesspointarn" => access_point_arn_is_fixed(value),
        _ => !value.is_empty() && !has_wildcard_or_variable(value),
    }
}

/// `arn:<partition>:s3:<region>:<account>:accesspoint/<name>`: the User Guide allows a wildcard in the
/// access point's name only; partition, region and a numeric account must be fixed.
fn access_point_arn_is_fixed(value: &str) -> bool {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let Some(name) = parts.get(5).and_then(|r| r.strip_prefix("accesspoint/")) else {
        return !has_wildcard_or_variable(value);
    };
    let prefix = parts[..5].join(":");
    !has_wildcard_or_variable(&prefix)
        && !parts[4].is_empty()
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && !name.contains("${")
}

/// One condition that pins the statement to fixed accounts, networks, services or access points.
fn restricts(operator: &str, key: &str, value: &Value) -> bool {
    let operator = operator.to_ascii_lowercase();
    let key = key.to_ascii_lowercase();
    let opens = operator.contains("not")
        || operator.ends_with("ifexists")
        || operator == "null"
        || operator.starts_with("forallvalues:");
    let values = texts(value);
    !opens
        && RESTRICTING_KEYS.contains(&key.as_str())
        && !values.is_empty()
        && values.iter().all(|v| fixed_value(&key, v))
}

fn has_restricting_condition(statement: &Value) -> bool {
    let Some(conditions) = statement.get("Condition").and_then(Value::as_object) else {
        return false;
    };
    conditions.iter().any(|(operator, keys)| {
        keys.as_object().is_some_and(|keys| {
            keys.iter()
                .any(|(key, value)| restricts(operator, key, value))
        })
    })
}

/// An `Allow` to a public principal (or with any `NotPrincipal`) without a condition that pins it.
pub fn is_public_statement(statement: &Value) -> bool {
    let open_principal = statement.get("Principal").is_some_and(principal_is_public)
        || statement.get("NotPrincipal").is_some();
    statement.get("Effect").and_then(Value::as_str) == Some("Allow")
        && open_principal
        && !has_restricting_condition(statement)
}

/// Whether any statement of the document is public.
pub fn is_public_policy(document: &Value) -> bool {
    statements(document).iter().any(is_public_statement)
}

/// The `Sid`s of the public statements (`<no Sid>` for anonymous ones).
pub fn public_sids(document: &Value) -> Vec<String> {
    statements(document)
        .iter()
        .filter(|s| is_public_statement(s))
        .map(|s| {
            s.get("Sid")
                .and_then(Value::as_str)
                .unwrap_or("<no Sid>")
                .to_owned()
        })
        .collect()
}

/// The policy without its public statements, or `None` when nothing would remain.
pub fn without_public_statements(document: &Value) -> Option<Value> {
    let kept: Vec<Value> = statements(document)
        .into_iter()
        .filter(|s| !is_public_statement(s))
        .collect();
    if kept.is_empty() {
        return None;
    }
    let mut reduced = document.clone();
    if let Some(object) = reduced.as_object_mut() {
        object.insert("Statement".into(), Value::Array(kept));
    }
    Some(reduced)
}

#[cfg(test)]
#[path = "s3_public_tests.rs"]
mod tests;
