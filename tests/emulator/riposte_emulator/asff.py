"""ASFF findings for the scenario, shaped like the public samples in tests/fixtures/public/:
consolidated control findings like finding-control-s3-12-consolidated.json / finding-control-s3-8.json, GuardDuty
IAM findings like api-getfindings-guardduty-iam-accesskeys-placebo.json (newer "aws/guardduty/service/..."
ProductFields keys as in finding-docs-guardduty-ssh-bruteforce.json).
"""

import uuid
from typing import Any

CONTROLS = {
    "S3.2": ("S3 general purpose buckets should block public read access",
             "This control checks whether an Amazon S3 general purpose bucket permits public read access. It "
             "evaluates the block public access settings, the bucket policy, and the bucket access control list "
             "(ACL). The control fails if the bucket permits public read access.",
             "securityhub-s3-bucket-public-read-prohibited-5c2f4a1b"),
    "S3.8": ("S3 general purpose buckets should block public access",
             "This control checks whether an Amazon S3 general purpose bucket blocks public access at the bucket "
             "level. The control fails if any of the following settings are set to false: ignorePublicAcls, "
             "blockPublicPolicy, blockPublicAcls, restrictPublicBuckets.",
             "securityhub-s3-bucket-level-public-access-prohibited-727dd3b1"),
}
CONTROL_TYPES = ["Software and Configuration Checks/Industry and Regulatory Standards"]
ATTACKER_IP = "198.51.100.77"  # TEST-NET-2, never routable


def control_finding(region: str, account: str, control: str, bucket: str, owner_id: str, now: str) -> dict:
    title, description, rule = CONTROLS[control]
    product_arn = f"arn:aws:securityhub:{region}::product/aws/securityhub"
    finding_id = f"arn:aws:securityhub:{region}:{account}:security-control/{control}/finding/{uuid.uuid4()}"
    bucket_arn = f"arn:aws:s3:::{bucket}"
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": product_arn,
        "ProductName": "Security Hub",
        "CompanyName": "AWS",
        "Region": region,
        "GeneratorId": f"security-control/{control}",
        "AwsAccountId": account,
        "Types": list(CONTROL_TYPES),
        "FirstObservedAt": now,
        "LastObservedAt": now,
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": {"Label": "HIGH", "Normalized": 70, "Original": "HIGH"},
        "Title": title,
        "Description": description,
        "Remediation": {"Recommendation": {
            "Text": "For information on how to correct this issue, consult the AWS Security Hub controls "
                    "documentation.",
            "Url": f"https://docs.aws.amazon.com/console/securityhub/{control}/remediation"}},
        "ProductFields": {
            "RelatedAWSResources:0/name": rule,
            "RelatedAWSResources:0/type": "AWS::Config::ConfigRule",
            "aws/securityhub/ProductName": "Security Hub",
            "aws/securityhub/CompanyName": "AWS",
            "Resources:0/Id": bucket_arn,
            "aws/securityhub/FindingId": f"{product_arn}/{finding_id}",
        },
        "Resources": [{
            "Type": "AwsS3Bucket",
            "Id": bucket_arn,
            "Partition": "aws",
            "Region": region,
            "Details": {"AwsS3Bucket": {"OwnerId": owner_id, "OwnerAccountId": account, "CreatedAt": now}},
        }],
        "Compliance": {
            "Status": "FAILED",
            "SecurityControlId": control,
            "AssociatedStandards": [{"StandardsId": "standards/aws-foundational-security-best-practices/v/1.0.0"}],
        },
        "WorkflowState": "NEW",
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": {"Label": "HIGH", "Original": "HIGH"}, "Types": list(CONTROL_TYPES)},
    }


def user_control_finding(region: str, account: str, user_arn: str, now: str) -> dict:
    """IAM.3 on an IAM user, shaped like tests/fixtures/public/finding-control-iam-3.json (severity MEDIUM)."""
    finding = control_finding(region, account, "S3.8", "placeholder", "placeholder", now)
    control = "IAM.3"
    finding_id = f"arn:aws:securityhub:{region}:{account}:security-control/{control}/finding/{uuid.uuid4()}"
    product_arn = finding["ProductArn"]
    finding.update({
        "Id": finding_id,
        "GeneratorId": f"security-control/{control}",
        "Title": "IAM users' access keys should be rotated every 90 days or less",
        "Description": "This AWS control checks whether the active access keys are rotated within 90 days.",
        "Severity": {"Label": "MEDIUM", "Normalized": 40, "Original": "MEDIUM"},
        "FindingProviderFields": {"Severity": {"Label": "MEDIUM", "Original": "MEDIUM"},
                                  "Types": list(CONTROL_TYPES)},
        "Resources": [{"Type": "AwsIamUser", "Id": user_arn, "Partition": "aws", "Region": region}],
    })
    finding["Remediation"]["Recommendation"]["Url"] = (
        f"https://docs.aws.amazon.com/console/securityhub/{control}/remediation")
    finding["ProductFields"].update({
        "RelatedAWSResources:0/name": "securityhub-access-keys-rotated-3dd4f050",
        "Resources:0/Id": user_arn,
        "aws/securityhub/FindingId": f"{product_arn}/{finding_id}",
    })
    finding["Compliance"]["SecurityControlId"] = control
    return finding


def security_group_finding(region: str, account: str, control: str, group_id: str, title: str,
                           now: str) -> dict:
    """An EC2 security-group control (EC2.2, EC2.19), shaped like sh-custom-action-control-ec2-2.json."""
    finding = control_finding(region, account, "S3.8", "placeholder", "placeholder", now)
    finding_id = f"arn:aws:securityhub:{region}:{account}:security-control/{control}/finding/{uuid.uuid4()}"
    group_arn = f"arn:aws:ec2:{region}:{account}:security-group/{group_id}"
    finding.update({
        "Id": finding_id,
        "GeneratorId": f"security-control/{control}",
        "Title": title,
        "Description": title,
        "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": group_arn, "Partition": "aws", "Region": region,
                       "Details": {"AwsEc2SecurityGroup": {"GroupId": group_id, "OwnerId": account}}}],
    })
    finding["Remediation"]["Recommendation"]["Url"] = (
        f"https://docs.aws.amazon.com/console/securityhub/{control}/remediation")
    finding["ProductFields"].update({
        "RelatedAWSResources:0/name": f"securityhub-{control.lower()}-rule",
        "Resources:0/Id": group_arn,
        "aws/securityhub/FindingId": f"{finding['ProductArn']}/{finding_id}",
    })
    finding["Compliance"]["SecurityControlId"] = control
    return finding


def guardduty_finding(region: str, account: str, gd_type: str, title: str, description: str,
                      access_key_id: str, key_details: dict[str, Any], api: str, now: str) -> dict:
    """gd_type in GuardDuty's own spelling, e.g. UnauthorizedAccess:IAMUser/MaliciousIPCaller."""
    detector, native_id = uuid.uuid4().hex, uuid.uuid4().hex
    product_arn = f"arn:aws:securityhub:{region}::product/aws/guardduty"
    finding_id = f"arn:aws:guardduty:{region}:{account}:detector/{detector}/finding/{native_id}"
    asff_type = f"TTPs/Initial Access/{gd_type.replace('/', '-')}"
    service = "aws/guardduty/service"
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": product_arn,
        "ProductName": "GuardDuty",
        "CompanyName": "Amazon",
        "Region": region,
        "GeneratorId": f"arn:aws:guardduty:{region}:{account}:detector/{detector}",
        "AwsAccountId": account,
        "Types": [asff_type],
        "FirstObservedAt": now,
        "LastObservedAt": now,
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": {"Product": 8, "Label": "HIGH", "Normalized": 80},
        "Title": title,
        "Description": description,
        "SourceUrl": f"https://{region}.console.aws.amazon.com/guardduty/home?region={region}"
                     f"#/findings?macros=current&fId={native_id}",
        "ProductFields": {
            f"{service}/action/actionType": "AWS_API_CALL",
            f"{service}/action/awsApiCallAction/api": api,
            f"{service}/action/awsApiCallAction/serviceName": "s3.amazonaws.com",
            f"{service}/action/awsApiCallAction/callerType": "Remote IP",
            f"{service}/action/awsApiCallAction/remoteIpDetails/ipAddressV4": ATTACKER_IP,
            f"{service}/archived": "false",
            f"{service}/count": "1",
            f"{service}/detectorId": detector,
            f"{service}/eventFirstSeen": now,
            f"{service}/eventLastSeen": now,
            f"{service}/resourceRole": "TARGET",
            f"{service}/serviceName": "guardduty",
            "aws/securityhub/FindingId": f"{product_arn}/{finding_id}",
            "aws/securityhub/ProductName": "GuardDuty",
            "aws/securityhub/CompanyName": "Amazon",
        },
        "Resources": [{
            "Type": "AwsIamAccessKey",
            "Id": f"AWS::IAM::AccessKey:{access_key_id}",
            "Partition": "aws",
            "Region": region,
            "Details": {"AwsIamAccessKey": key_details},
        }],
        "Action": {
            "ActionType": "AWS_API_CALL",
            "AwsApiCallAction": {
                "Api": api, "ServiceName": "s3.amazonaws.com", "CallerType": "Remote ip",
                "RemoteIpDetails": {"IpAddressV4": ATTACKER_IP, "Organization": {"Asn": 64500, "AsnOrg": "EXAMPLE"}},
                "FirstSeen": now, "LastSeen": now,
            },
        },
        "WorkflowState": "NEW",
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": {"Label": "HIGH", "Original": "8.0"}, "Types": [asff_type]},
    }


def resource_finding(region: str, account: str, control: str, kind: str, resource_id: str, title: str,
                     now: str, severity: str = "MEDIUM", details: dict | None = None) -> dict:
    """A consolidated control finding on one resource (an ARN, or `AWS::::Account:<id>` for an account)."""
    finding = control_finding(region, account, "S3.8", "placeholder", "placeholder", now)
    finding_id = f"arn:aws:securityhub:{region}:{account}:security-control/{control}/finding/{uuid.uuid4()}"
    resource: dict[str, Any] = {"Type": kind, "Id": resource_id, "Partition": "aws", "Region": region}
    if details:
        resource["Details"] = details
    normalized = {"LOW": 1, "MEDIUM": 40, "HIGH": 70, "CRITICAL": 90}[severity]
    finding.update({
        "Id": finding_id, "GeneratorId": f"security-control/{control}", "Title": title, "Description": title,
        "Resources": [resource], "Severity": {"Label": severity, "Normalized": normalized, "Original": severity},
        "FindingProviderFields": {"Severity": {"Label": severity, "Original": severity},
                                  "Types": list(CONTROL_TYPES)},
    })
    finding["Remediation"]["Recommendation"]["Url"] = (
        f"https://docs.aws.amazon.com/console/securityhub/{control}/remediation")
    finding["ProductFields"].update({
        "RelatedAWSResources:0/name": f"securityhub-{control.lower().replace('.', '-')}-rule",
        "Resources:0/Id": resource_id,
        "aws/securityhub/FindingId": f"{finding['ProductArn']}/{finding_id}",
    })
    finding["Compliance"]["SecurityControlId"] = control
    return finding
