"""The coverage scenario: the same organization, hub and spokes as the core scenario, then one incident per
coverage playbook in workload-b, each with a bystander that must stay as it is, and their findings imported.

python -m riposte_emulator.scenario --endpoint URL --set coverage

Findings are shaped like the public samples: account-level controls carry an `AwsAccount` resource
`AWS::::Account:<id>` (finding-control-s3-1-account-level.json, sh-imported-control-ec2-7.json); resource controls
carry the resource's ARN, as security_group_finding does for EC2.
"""

import json
import uuid
from typing import Any

from . import asff

WEAK_PASSWORD_POLICY = {"MinimumPasswordLength": 10, "RequireNumbers": True, "AllowUsersToChangePassword": True,
                        "MaxPasswordAge": 60, "PasswordReusePrevention": 5, "HardExpiry": True}
BYSTANDER_PASSWORD_POLICY = {"MinimumPasswordLength": 8}
MFA_USER = "console-without-mfa"
LOG_DELIVERY_SID = "AllowLogDelivery"


def resource_finding(region: str, account: str, control: str, kind: str, resource_id: str, title: str,
                     now: str, severity: str = "MEDIUM", details: dict | None = None) -> dict:
    """A consolidated control finding on one resource (an ARN, or `AWS::::Account:<id>` for an account)."""
    finding = asff.control_finding(region, account, "S3.8", "placeholder", "placeholder", now)
    finding_id = f"arn:aws:securityhub:{region}:{account}:security-control/{control}/finding/{uuid.uuid4()}"
    resource: dict[str, Any] = {"Type": kind, "Id": resource_id, "Partition": "aws", "Region": region}
    if details:
        resource["Details"] = details
    normalized = {"LOW": 1, "MEDIUM": 40, "HIGH": 70, "CRITICAL": 90}[severity]
    finding.update({
        "Id": finding_id, "GeneratorId": f"security-control/{control}", "Title": title, "Description": title,
        "Resources": [resource], "Severity": {"Label": severity, "Normalized": normalized, "Original": severity},
        "FindingProviderFields": {"Severity": {"Label": severity, "Original": severity},
                                  "Types": list(asff.CONTROL_TYPES)},
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


def setup(world: Any, accounts: dict[str, str]) -> tuple[dict, dict]:
    """Plant the failing resources in workload-b and their bystanders (workload-b or workload-c)."""
    b, c, region = accounts["workload-b"], accounts["workload-c"], world.region
    iam_b, iam_c = world.admin("iam", b), world.admin("iam", c)
    iam_b.update_account_password_policy(**WEAK_PASSWORD_POLICY)
    iam_c.update_account_password_policy(**BYSTANDER_PASSWORD_POLICY)
    mfa_user = iam_b.create_user(UserName=MFA_USER)["User"]
    iam_b.create_login_profile(UserName=MFA_USER, Password="Emulator-only-0001!")

    ec2_b = world.admin("ec2", b)
    vpc = ec2_b.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    public, bystander_subnet = (ec2_b.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
                                for cidr in ("10.20.1.0/24", "10.20.2.0/24"))
    for subnet in (public, bystander_subnet):
        ec2_b.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    image = ec2_b.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    launched = ec2_b.run_instances(ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro", SubnetId=public,
                                   MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"})
    legacy, bystander_instance = (i["InstanceId"] for i in launched["Instances"])

    s3_b = world.admin("s3", b)
    tls_bucket, plain_bystander = f"riposte-plain-http-{b}", f"riposte-plain-http-bystander-{b}"
    for bucket in (tls_bucket, plain_bystander):
        s3_b.create_bucket(Bucket=bucket)
    s3_b.put_bucket_policy(Bucket=tls_bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": {
        "Sid": LOG_DELIVERY_SID, "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{tls_bucket}/logs/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": b}}}}))

    incidents = {
        "password_policy": {"account_id": b, "before": WEAK_PASSWORD_POLICY},
        "ebs_encryption": {"account_id": b, "region": region},
        "subnet": {"account_id": b, "vpc_id": vpc, "subnet_id": public},
        "imdsv2": {"account_id": b, "instance_id": legacy},
        "tls_bucket": {"account_id": b, "bucket": tls_bucket, "kept_sids": [LOG_DELIVERY_SID]},
        "mfa": {"account_id": b, "user_name": MFA_USER, "user_arn": mfa_user["Arn"]},
    }
    bystanders = {
        "password_policy": {"account_id": c, "policy": BYSTANDER_PASSWORD_POLICY},
        "ebs_encryption": {"account_id": c},
        "subnet": {"account_id": b, "subnet_id": bystander_subnet},
        "imdsv2": {"account_id": b, "instance_id": bystander_instance},
        "tls_bucket": {"account_id": b, "bucket": plain_bystander},
    }
    return incidents, bystanders


def planned_findings(region: str, incidents: dict, now: str) -> list[tuple[str, str, str, dict]]:
    """(key, playbook, resource, finding) per coverage incident."""
    i = incidents
    b = i["password_policy"]["account_id"]
    account = f"AWS::::Account:{b}"

    def ec2_arn(kind: str, rid: str) -> str:
        return f"arn:aws:ec2:{region}:{b}:{kind}/{rid}"

    subnet, instance = i["subnet"]["subnet_id"], i["imdsv2"]["instance_id"]
    bucket = i["tls_bucket"]["bucket"]
    return [
        ("password-length", "password-policy", account, resource_finding(
            region, b, "IAM.15", "AwsAccount", account,
            "Ensure IAM password policy requires minimum password length of 14 or greater", now)),
        ("password-reuse", "password-policy", account, resource_finding(
            region, b, "IAM.16", "AwsAccount", account, "Ensure IAM password policy prevents password reuse",
            now, severity="LOW")),
        ("ebs-encryption", "ebs-default-encryption", account, resource_finding(
            region, b, "EC2.7", "AwsAccount", account, "EBS default encryption should be enabled", now)),
        ("subnet-public-ip", "subnet-public-ip", subnet, resource_finding(
            region, b, "EC2.15", "AwsEc2Subnet", ec2_arn("subnet", subnet),
            "Amazon EC2 subnets should not automatically assign public IP addresses", now,
            details={"AwsEc2Subnet": {"SubnetId": subnet, "MapPublicIpOnLaunch": True}})),
        ("imdsv1-instance", "imdsv2", instance, resource_finding(
            region, b, "EC2.8", "AwsEc2Instance", ec2_arn("instance", instance),
            "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)", now, severity="HIGH",
            details={"AwsEc2Instance": {"MetadataOptions": {"HttpTokens": "optional"}}})),
        ("plain-http-bucket", "bucket-tls-only", bucket, resource_finding(
            region, b, "S3.5", "AwsS3Bucket", f"arn:aws:s3:::{bucket}",
            "S3 general purpose buckets should require requests to use SSL", now,
            details={"AwsS3Bucket": {"OwnerAccountId": b}})),
        ("console-without-mfa", "mfa-notice", i["mfa"]["user_name"], resource_finding(
            region, b, "IAM.5", "AwsIamUser", i["mfa"]["user_arn"],
            "MFA should be enabled for all IAM users that have a console password", now)),
    ]
