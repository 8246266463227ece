//! Table tests: every example statement of the S3 User Guide's "The meaning of 'public'" (and of the
//! `PublicAccessBlockConfiguration` API reference that restates it), plus the cases Riposte met. The
//! emulator's `test_s3_public.py` runs the same kind of table against GetBucketPolicyStatus.

use super::*;

fn statement(condition: &str) -> Value {
    let text = format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"{condition}}}"#
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn the_user_guides_examples() {
    let cases = [
        // "The meaning of public": wildcard VPC → public; fixed VPC → not public.
        (
            r#","Condition":{"StringLike":{"aws:SourceVpc":"vpc-*"}}"#,
            true,
        ),
        (
            r#","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#,
            false,
        ),
        // The fixed keys the page lists.
        (
            r#","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}"#,
            false,
        ),
        (
            r#","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}}"#,
            false,
        ),
        (
            r#","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#,
            false,
        ),
        (
            r#","Condition":{"StringEquals":{"aws:SourceOwner":"111122223333"}}"#,
            false,
        ),
        (
            r#","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#,
            false,
        ),
        (
            r#","Condition":{"StringEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/k"}}"#,
            false,
        ),
        (
            r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
            false,
        ),
        // aws:userid: fixed, including the role-session pattern AROLEID:*; a policy variable is not fixed.
        (
            r#","Condition":{"StringEquals":{"aws:userid":"AIDAEXAMPLEUSERID"}}"#,
            false,
        ),
        (
            r#","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLEROLEID:*"}}"#,
            false,
        ),
        (r#","Condition":{"StringLike":{"aws:userid":"*"}}"#, true),
        (
            r#","Condition":{"StringEquals":{"aws:userid":"${aws:userid}"}}"#,
            true,
        ),
        // Delegating access control to access points (the S3 access points guide's statement).
        (
            r#","Condition":{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}"#,
            false,
        ),
        (
            r#","Condition":{"StringEquals":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:111122223333:accesspoint/ap"}}"#,
            false,
        ),
        (
            r#","Condition":{"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:*:111122223333:accesspoint/*"}}"#,
            true,
        ),
        (
            r#","Condition":{"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:111122223333:accesspoint/*"}}"#,
            false,
        ),
        // A number is read as its text.
        (
            r#","Condition":{"StringEquals":{"aws:SourceAccount":111122223333}}"#,
            false,
        ),
        // IP ranges: wider than /8 (IPv4) or /32 (IPv6) are public.
        (
            r#","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}"#,
            true,
        ),
        (
            r#","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            false,
        ),
        (
            r#","Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#,
            false,
        ),
        (
            r#","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","::/0"]}}"#,
            true,
        ),
        (
            r#","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            true,
        ),
        // Operators that pass when the key is absent pin nothing.
        (
            r#","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}"#,
            true,
        ),
        (
            r#","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#,
            true,
        ),
        (r#","Condition":{"Null":{"aws:SourceVpce":"false"}}"#, true),
        (
            r#","Condition":{"ForAllValues:StringEquals":{"aws:PrincipalOrgPaths":"o-a/r-b/ou-c/"}}"#,
            true,
        ),
        (r#","Condition":{"ArnLike":{"aws:SourceArn":"*"}}"#, true),
        // A condition on a key S3 does not count pins nothing.
        (
            r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#,
            true,
        ),
        ("", true),
    ];
    for (condition, public) in cases {
        assert_eq!(
            is_public_statement(&statement(condition)),
            public,
            "{condition}"
        );
    }
}

#[test]
fn principals() {
    let cases = [
        (
            r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"s3:GetObject"}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"s3:GetObject"}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject"}"#,
            true,
        ),
        (
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*"}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject"}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject"}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbaced"},"Action":"s3:GetObject"}"#,
            false,
        ),
    ];
    for (text, public) in cases {
        let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(is_public_statement(&value), public, "{text}");
    }
}

#[test]
fn removing_public_statements_keeps_the_access_point_delegation() {
    let document: Value = serde_json::from_str(
        r#"{"Version":"2012-10-17","Statement":[
          {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
          {"Sid":"DelegateToAccessPoints","Effect":"Allow","Principal":{"AWS":"*"},"Action":"*",
           "Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
           "Condition":{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(public_sids(&document), ["PublicRead"]);
    let reduced = without_public_statements(&document).unwrap_or_else(|| panic!("emptied"));
    assert!(!is_public_policy(&reduced));
    assert_eq!(statements(&reduced).len(), 1);
    assert_eq!(statements(&reduced)[0]["Sid"], "DelegateToAccessPoints");
}

proptest::proptest! {
    #[test]
    fn analysis_never_panics_and_removal_leaves_nothing_public(text in ".{0,200}") {
        if let Ok(value) = serde_json::from_str::<Value>(&text) {
            if let Some(reduced) = without_public_statements(&value) {
                proptest::prop_assert!(!is_public_policy(&reduced));
            }
        }
    }
}
