use super::*;
use crate::event::{decode, tests::fixture};

fn findings(name: &str) -> Vec<Finding> {
    decode(&fixture(name))
        .map(|m| {
            m.into_iter()
                .filter_map(|m| m.content.ok())
                .flat_map(|c| c.findings.into_iter().flatten())
                .collect()
        })
        .unwrap_or_default()
}

/// (playbook id, routing key) per finding.
type Routed = Vec<(Option<&'static str>, Option<RouteKey>)>;

fn routed(name: &str) -> Routed {
    findings(name)
        .iter()
        .map(|f| match route(f) {
            Route::Playbook { spec, key } => (Some(spec.id), Some(key)),
            Route::NoPlaybook { key, .. } => (None, key),
        })
        .collect()
}

fn control(id: &str) -> Option<RouteKey> {
    Some(RouteKey::Control(id.into()))
}
fn guardduty(t: &str) -> Option<RouteKey> {
    Some(RouteKey::GuardDuty(t.into()))
}

#[test]
fn real_samples_route_to_the_right_playbook() {
    let table: Vec<(&str, Routed)> = vec![
        (
            "finding-control-s3-8.json",
            vec![(Some("public-bucket"), control("S3.8"))],
        ),
        (
            "finding-control-s3-2-resolved.json",
            vec![(Some("public-bucket"), control("S3.2"))],
        ),
        ("finding-control-s3-4.json", vec![(None, control("S3.4"))]),
        (
            "finding-control-s3-12-consolidated.json",
            vec![(None, control("S3.12"))],
        ),
        (
            "finding-control-s3-1-account-level.json",
            vec![(Some("account-public-access-block"), control("S3.1"))],
        ),
        (
            "finding-docs-fsbp-cloudtrail-2.json",
            vec![(Some("trail-encryption"), control("CloudTrail.2"))],
        ),
        (
            "finding-docs-cis-1-2-0-rule-2-7.json",
            vec![(Some("trail-encryption"), control("CloudTrail.2"))],
        ),
        (
            "sh-imported-control-ec2-7.json",
            vec![(Some("ebs-default-encryption"), control("EC2.7"))],
        ),
        (
            "sh-imported-cis-1-4-access-keys-warning.json",
            vec![(None, None)],
        ),
        (
            "sh-custom-action-guardduty-iam-consolelogin.json",
            vec![(
                Some("credential-compromise"),
                guardduty("UnauthorizedAccess:IAMUser/ConsoleLogin"),
            )],
        ),
        (
            "finding-docs-guardduty-ssh-bruteforce.json",
            vec![(
                Some("instance-isolation"),
                guardduty("UnauthorizedAccess:EC2/SSHBruteForce"),
            )],
        ),
        (
            "finding-guardduty-2018-tor-and-recon-iamuser-pair.json",
            vec![
                (
                    Some("instance-isolation"),
                    guardduty("UnauthorizedAccess:EC2/TorIPCaller"),
                ),
                (
                    Some("credential-compromise"),
                    guardduty("Recon:IAMUser/MaliciousIPCaller"),
                ),
            ],
        ),
    ];
    for (name, expected) in table {
        assert_eq!(routed(name), expected, "{name}");
    }
    let placebo = routed("api-getfindings-guardduty-iam-accesskeys-placebo.json");
    assert_eq!(placebo.len(), 5);
    assert!(placebo
        .iter()
        .all(|(p, _)| *p == Some("credential-compromise")));
}

#[test]
fn the_consolidated_control_id_wins_over_the_legacy_one() {
    let mut finding = findings("finding-control-s3-8.json").remove(0);
    finding.compliance = Some(crate::asff::Compliance {
        status: Some("FAILED".into()),
        security_control_id: Some("S3.2".into()),
        ..Default::default()
    });
    assert_eq!(finding.control_id().as_deref(), Some("S3.2"));
}

#[test]
fn config_rule_names_route_with_and_without_deployment_suffixes() {
    let mut finding = findings("finding-control-s3-8.json").remove(0);
    finding.compliance = Some(crate::asff::Compliance {
        status: Some("FAILED".into()),
        security_control_id: None,
        ..Default::default()
    });
    finding.product_fields.clear();
    for (rule, expected) in [
        ("s3-bucket-public-read-prohibited", Some("public-bucket")),
        (
            "securityhub-s3-bucket-public-write-prohibited-a1b2c3",
            Some("public-bucket"),
        ),
        (
            "s3-bucket-public-read-prohibited-conformance-pack-x",
            Some("public-bucket"),
        ),
        ("s3-bucket-ssl-requests-only", Some("bucket-tls-only")),
        ("s3-bucket-logging-enabled", Some("bucket-access-logging")),
        ("s3-bucket-versioning-enabled", None),
    ] {
        finding
            .product_fields
            .insert("aws/config/ConfigRuleName".into(), rule.into());
        let got = match route(&finding) {
            Route::Playbook { spec, .. } => Some(spec.id),
            Route::NoPlaybook { .. } => None,
        };
        assert_eq!(got, expected, "{rule}");
    }
}

#[test]
fn guardduty_types_are_read_back_to_their_canonical_form() {
    let mut finding = findings("sh-custom-action-guardduty-iam-consolelogin.json").remove(0);
    for (types, expected) in [
        ("TTPs/Initial Access/UnauthorizedAccess:IAMUser-InstanceCredentialExfiltration.OutsideAWS", Some("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS")),
        ("Effects/Data Exfiltration/Exfiltration:S3-AnomalousBehavior", Some("Exfiltration:S3/AnomalousBehavior")),
        ("Software and Configuration Checks/Network Reachability", None),
    ] {
        finding.types = vec![types.into()];
        assert_eq!(guardduty_type(&finding).as_deref(), expected, "{types}");
    }
}

#[test]
fn inspector_package_vulnerabilities_route_to_the_notice_and_nothing_else_of_inspector_does() {
    let vulnerability = |id: &str| Some(RouteKey::Vulnerability(id.into()));
    assert_eq!(
        routed("sh-findings-inspector-ec2-ecr.json"),
        vec![
            (Some("vulnerability-notice"), vulnerability("CVE-2022-3643")),
            (
                Some("vulnerability-notice"),
                vulnerability("CVE-2022-32149")
            ),
        ]
    );
    // A network-reachability finding carries no vulnerability: no playbook.
    let mut reachability = findings("sh-findings-inspector-ec2-ecr.json").remove(0);
    reachability.vulnerabilities.clear();
    assert!(matches!(
        route(&reachability),
        Route::NoPlaybook { key: None, .. }
    ));
    // The same finding imported under a member account's own product is not Inspector's.
    let mut imported = findings("sh-findings-inspector-ec2-ecr.json").remove(0);
    imported.product_arn =
        "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default".into();
    assert!(matches!(route(&imported), Route::NoPlaybook { .. }));
}

#[test]
fn guardduty_findings_route_on_the_providers_types_which_members_cannot_rewrite() {
    let mut finding = findings("api-getfindings-guardduty-iam-accesskeys-placebo.json")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no finding in the sample"));
    let original = finding.types.clone();
    assert!(
        matches!(route(&finding), Route::Playbook { spec, .. } if spec.id == "credential-compromise")
    );
    // A member account rewrites Types with BatchUpdateFindings; the provider's copy stays.
    finding.finding_provider_fields = Some(crate::asff::FindingProviderFields {
        types: original,
        ..Default::default()
    });
    finding.types = vec!["Software and Configuration Checks/Benign".into()];
    assert!(
        matches!(route(&finding), Route::Playbook { spec, .. } if spec.id == "credential-compromise")
    );
    // And the other way round: a GuardDuty type written into Types by a member does not route a
    // finding whose provider said otherwise.
    finding.types = vec!["TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce".into()];
    finding.finding_provider_fields = Some(crate::asff::FindingProviderFields {
        types: vec!["Software and Configuration Checks/Benign".into()],
        ..Default::default()
    });
    assert!(!matches!(route(&finding), Route::Playbook { .. }));
}
