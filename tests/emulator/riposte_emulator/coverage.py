"""The coverage scenario: the same organization, hub and spokes as the core scenario, then one incident per
coverage playbook in workload-b, each with a bystander that must stay as it is, and their findings imported.

python -m riposte_emulator.scenario --endpoint URL --set coverage

Findings are shaped like the public samples: account-level controls carry an `AwsAccount` resource
`AWS::::Account:<id>` (finding-control-s3-1-account-level.json, sh-imported-control-ec2-7.json); resource controls
carry the resource's ARN, as security_group_finding does for EC2.
"""

import json
from typing import Any

import requests

from . import asff
from .asff import resource_finding
from .coverage_inspector import inspector_findings
from .coverage_services import (database_findings, data_findings, setup_access_logging, setup_data_services,
                                setup_databases, setup_functions, setup_shared_resources, setup_snapshots)

WEAK_PASSWORD_POLICY = {"MinimumPasswordLength": 10, "RequireNumbers": True, "AllowUsersToChangePassword": True,
                        "MaxPasswordAge": 60, "PasswordReusePrevention": 5, "HardExpiry": True}
BYSTANDER_PASSWORD_POLICY = {"MinimumPasswordLength": 8}
MFA_USER = "console-without-mfa"
MINER_ROLE, MINER_PROFILE = "batch-worker-role", "batch-worker-profile"
LOG_DELIVERY_SID = "AllowLogDelivery"


def setup(world: Any, accounts: dict[str, str]) -> tuple[dict, dict]:
    """Plant the failing resources in workload-b and their bystanders (workload-b or workload-c)."""
    b, c, region = accounts["workload-b"], accounts["workload-c"], world.region
    iam_b, iam_c = world.admin("iam", b), world.admin("iam", c)
    iam_b.update_account_password_policy(**WEAK_PASSWORD_POLICY)
    iam_c.update_account_password_policy(**BYSTANDER_PASSWORD_POLICY)
    mfa_user = iam_b.create_user(UserName=MFA_USER)["User"]
    iam_b.create_login_profile(UserName=MFA_USER, Password="Emulator-only-0001!")

    dormant = setup_dormant_users(world, b)

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
    # The team turned the legacy instance's metadata endpoint off: still EC2.8 (HttpTokens optional), and the
    # fix must not turn the endpoint back on.
    ec2_b.modify_instance_metadata_options(InstanceId=legacy, HttpEndpoint="disabled")

    miner, neighbour = setup_instances(world, b, vpc, public, image)

    data, data_bystanders = setup_data_services(world, b)
    databases, database_twins = setup_databases(world, b)
    snapshots, snapshot_twin = setup_snapshots(world, b, c, region)
    function, function_twin = setup_functions(world, b, f"arn:aws:iam::{b}:role/{MINER_ROLE}")
    shared, shared_twins = setup_shared_resources(world, b)
    logging, logging_twin = setup_access_logging(world, b)
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
        "compromised_instance": {"account_id": b, "vpc_id": vpc, **miner},
        "attacked_instance": {"account_id": b, "vpc_id": vpc, **neighbour},
        "data": {"account_id": b, **data},
        "dormant_user": {"account_id": b, **dormant["dormant"]},
        "databases": {"account_id": b, **databases},
        "snapshots": {"account_id": b, **snapshots},
        "function": {"account_id": b, **function},
        "shared": {"account_id": b, **shared},
        "access_logging": {"account_id": b, **logging},
        # Inspector's finding names the EC2.8 bystander: notify-only, so it must stay untouched too.
        "vulnerable_instance": {"account_id": b, "instance_id": bystander_instance},
        # S3.1: neither workload-b nor workload-c has an account-level Block Public Access.
        "account_bpa": {"account_id": b},
    }
    bystanders = {
        "password_policy": {"account_id": c, "policy": BYSTANDER_PASSWORD_POLICY},
        "ebs_encryption": {"account_id": c},
        "subnet": {"account_id": b, "subnet_id": bystander_subnet},
        "imdsv2": {"account_id": b, "instance_id": bystander_instance},
        "tls_bucket": {"account_id": b, "bucket": plain_bystander},
        "data": {"account_id": b, **data_bystanders},
        "dormant_user": {"account_id": b, **dormant["recent"]},
        "databases": {"account_id": b, **database_twins},
        "snapshots": snapshot_twin,
        "function": {"account_id": b, **function_twin},
        "shared": {"account_id": b, **shared_twins},
        "access_logging": {"account_id": b, **logging_twin},
        "account_bpa": {"account_id": c},
    }
    return incidents, bystanders


def setup_instances(world: Any, account: str, vpc: str, subnet: str, image: str) -> tuple[dict, dict]:
    """A crypto-mining instance (with an instance profile) and its neighbour in the same group and subnet."""
    ec2, iam = world.admin("ec2", account), world.admin("iam", account)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=MINER_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    profile = iam.create_instance_profile(InstanceProfileName=MINER_PROFILE)["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName=MINER_PROFILE, RoleName=MINER_ROLE)
    web = ec2.create_security_group(GroupName="riposte-app", Description="app servers", VpcId=vpc)["GroupId"]
    launched = ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro", SubnetId=subnet,
                                 SecurityGroupIds=[web])
    miner, neighbour = (i["InstanceId"] for i in launched["Instances"])
    ec2.associate_iam_instance_profile(IamInstanceProfile={"Arn": profile["Arn"]}, InstanceId=miner)
    return ({"instance_id": miner, "groups": [web], "role": MINER_ROLE, "profile_arn": profile["Arn"]},
            {"instance_id": neighbour, "groups": [web]})


def setup_dormant_users(world: Any, account: str) -> dict[str, dict]:
    """IAM.8: a user whose two keys and console password were created 100 days ago and never used (aged through
    the emulator's /_riposte/iam/age: moto cannot backdate), and a recent user with the same credentials."""
    iam = world.admin("iam", account)
    users = {}
    for role, name in (("dormant", "dormant-contractor"), ("recent", "recent-contractor")):
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        keys = [iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"] for _ in range(2)]
        iam.create_login_profile(UserName=name, Password="Emulator-only-0001!")
        users[role] = {"user_name": name, "user_arn": arn, "access_key_ids": keys}
    requests.post(f"{world.endpoint}/_riposte/iam/age", timeout=30, json={
        "account_id": account, "user_name": "dormant-contractor", "days": 100}).raise_for_status()
    return users


def instance_threat_finding(region: str, account: str, gd_type: str, instance: str, vpc: str, role: str,
                            now: str) -> dict:
    """A GuardDuty EC2 finding shaped like finding-docs-guardduty-ssh-bruteforce.json (resourceRole ACTOR or
    TARGET), built on the IAM finding's envelope."""
    finding = asff.guardduty_finding(region, account, gd_type, gd_type, f"{gd_type} on {instance}", "AKIAUNUSED",
                                     {}, "none", now)
    finding["Types"] = [f"TTPs/Command and Control/{gd_type.replace('/', '-')}"]
    finding["FindingProviderFields"]["Types"] = finding["Types"]
    for key in [k for k in finding["ProductFields"] if "/action/" in k]:
        del finding["ProductFields"][key]
    finding["ProductFields"]["aws/guardduty/service/resourceRole"] = role
    finding.pop("Action", None)
    finding["Resources"] = [{"Type": "AwsEc2Instance", "Id": f"arn:aws:ec2:{region}:{account}:instance/{instance}",
                             "Partition": "aws", "Region": region,
                             "Details": {"AwsEc2Instance": {"Type": "t3.micro", "VpcId": vpc}}}]
    return finding


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
        ("account-bpa", "account-public-access-block", account, resource_finding(
            region, b, "S3.1", "AwsAccount", account,
            "S3 general purpose buckets should have block public access settings enabled", now)),
        ("public-snapshots", "public-snapshots", account, resource_finding(
            region, b, "EC2.1", "AwsAccount", account, "Amazon EBS snapshots should not be publicly restorable", now,
            severity="CRITICAL")),
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
        ("crypto-mining-instance", "instance-isolation", i["compromised_instance"]["instance_id"],
         instance_threat_finding(region, b, "CryptoCurrency:EC2/BitcoinTool.B!DNS",
                                 i["compromised_instance"]["instance_id"], i["compromised_instance"]["vpc_id"],
                                 "ACTOR", now)),
        *data_findings(region, b, i["data"], now),
        *database_findings(region, b, i["databases"], now),
        ("partner-bucket", "bucket-cross-account", i["shared"]["bucket"], resource_finding(
            region, b, "S3.6", "AwsS3Bucket", f"arn:aws:s3:::{i['shared']['bucket']}",
            "S3 general purpose bucket policies should restrict access to other AWS accounts", now, severity="HIGH",
            details={"AwsS3Bucket": {"OwnerAccountId": b}})),
        ("vpc-without-flow-logs", "vpc-flow-logs", i["subnet"]["vpc_id"], resource_finding(
            region, b, "EC2.6", "AwsEc2Vpc", f"arn:aws:ec2:{region}:{b}:vpc/{i['subnet']['vpc_id']}",
            "VPC flow logging should be enabled in all VPCs", now)),
        ("unlogged-bucket", "bucket-access-logging", i["access_logging"]["bucket"], resource_finding(
            region, b, "S3.9", "AwsS3Bucket", f"arn:aws:s3:::{i['access_logging']['bucket']}",
            "S3 general purpose buckets should have server access logging enabled", now,
            details={"AwsS3Bucket": {"OwnerAccountId": b}})),
        ("public-cluster", "cluster-public-access", i["shared"]["cluster"], resource_finding(
            region, b, "Redshift.1", "AwsRedshiftCluster", i["shared"]["cluster_arn"],
            "Amazon Redshift clusters should prohibit public access", now, severity="CRITICAL")),
        ("public-document", "document-sharing", i["shared"]["document"], resource_finding(
            region, b, "SSM.4", "Other", i["shared"]["document_arn"], "SSM documents should not be public", now,
            severity="CRITICAL")),
        ("public-function", "function-policy", i["function"]["function"], resource_finding(
            region, b, "Lambda.1", "AwsLambdaFunction", i["function"]["function_arn"],
            "Lambda function policies should prohibit public access", now, severity="CRITICAL")),
        ("dormant-user", "unused-credentials", i["dormant_user"]["user_name"], resource_finding(
            region, b, "IAM.8", "AwsIamUser", i["dormant_user"]["user_arn"],
            "Unused IAM user credentials should be removed", now)),
        ("brute-forced-instance", "instance-isolation", i["attacked_instance"]["instance_id"],
         instance_threat_finding(region, b, "UnauthorizedAccess:EC2/SSHBruteForce",
                                 i["attacked_instance"]["instance_id"], i["attacked_instance"]["vpc_id"],
                                 "TARGET", now)),
        *inspector_findings(region, b, i["vulnerable_instance"]["instance_id"], now),
    ]
