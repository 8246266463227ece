"""The coverage scenario: the same organization, hub and spokes as the core scenario, then one incident per
coverage playbook in workload-b, each with a bystander that must stay as it is, and their findings imported.

python -m riposte_emulator.scenario --endpoint URL --set coverage

Findings are shaped like the public samples: account-level controls carry an `AwsAccount` resource
`AWS::::Account:<id>` (finding-control-s3-1-account-level.json, sh-imported-control-ec2-7.json); resource controls
carry the resource's ARN, as security_group_finding does for EC2.
"""

import io
import json
import uuid
import zipfile
from typing import Any

import requests

from . import asff

WEAK_PASSWORD_POLICY = {"MinimumPasswordLength": 10, "RequireNumbers": True, "AllowUsersToChangePassword": True,
                        "MaxPasswordAge": 60, "PasswordReusePrevention": 5, "HardExpiry": True}
BYSTANDER_PASSWORD_POLICY = {"MinimumPasswordLength": 8}
MFA_USER = "console-without-mfa"
MINER_ROLE, MINER_PROFILE = "batch-worker-role", "batch-worker-profile"
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


def setup_databases(world: Any, account: str) -> tuple[dict, dict]:
    """RDS: an instance with one day of backups and no minor upgrades (RDS.11, RDS.13), a public one (RDS.2), a
    public snapshot also shared with one account (RDS.1); a twin of each that stays as it is."""
    rds = world.admin("rds", account)

    def instance(name: str, public: bool) -> None:
        rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                               AllocatedStorage=20, MasterUsername="riposte", MasterUserPassword="Emulator-only-1",
                               PubliclyAccessible=public, BackupRetentionPeriod=1, AutoMinorVersionUpgrade=False)

    for name, public in (("orders-db", False), ("reports-db", True), ("analytics-db", True)):
        instance(name, public)
    for snapshot in ("orders-nightly", "orders-weekly"):
        rds.create_db_snapshot(DBSnapshotIdentifier=snapshot, DBInstanceIdentifier="orders-db")
        rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=snapshot, AttributeName="restore",
                                         ValuesToAdd=["all", "210987654321"])
    arn = rds.describe_db_snapshots(DBSnapshotIdentifier="orders-nightly")["DBSnapshots"][0]["DBSnapshotArn"]
    db_arn = rds.describe_db_instances(DBInstanceIdentifier="orders-db")["DBInstances"][0]["DBInstanceArn"]
    public_arn = rds.describe_db_instances(DBInstanceIdentifier="reports-db")["DBInstances"][0]["DBInstanceArn"]
    return ({"instance": "orders-db", "instance_arn": db_arn, "public_instance": "reports-db",
             "public_instance_arn": public_arn, "snapshot": "orders-nightly", "snapshot_arn": arn},
            {"instance": "analytics-db", "snapshot": "orders-weekly"})


def setup_snapshots(world: Any, account: str, twin_account: str, region: str) -> tuple[dict, dict]:
    """EC2.1: a public EBS snapshot (also shared with one named account) and a private one in the finding's
    account; a public snapshot in another account that the finding does not name."""
    snapshots = {}
    for key, acct, public in (("public", account, True), ("private", account, False), ("twin", twin_account, True)):
        ec2 = world.admin("ec2", acct)
        volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=1)["VolumeId"]
        snapshot = ec2.create_snapshot(VolumeId=volume, Description=f"riposte {key}")["SnapshotId"]
        if public:
            ec2.modify_snapshot_attribute(SnapshotId=snapshot, Attribute="createVolumePermission",
                                          OperationType="add", GroupNames=["all"], UserIds=["210987654321"])
        snapshots[key] = snapshot
    return ({"public_snapshot": snapshots["public"], "private_snapshot": snapshots["private"]},
            {"account_id": twin_account, "public_snapshot": snapshots["twin"]})


def setup_functions(world: Any, account: str, role_arn: str) -> tuple[dict, dict]:
    """Lambda.1: a function anyone may invoke, beside a pinned S3 trigger and a partner account; a twin
    function with the same policy that no finding names."""
    lam = world.admin("lambda", account)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    arns = {}
    for name in ("image-resize", "image-thumbs"):
        arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="handler.handler",
                                  Code={"ZipFile": buffer.getvalue()})["FunctionArn"]
        lam.add_permission(FunctionName=name, StatementId="Anyone", Action="lambda:InvokeFunction", Principal="*")
        lam.add_permission(FunctionName=name, StatementId="FromUploads", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::uploads", SourceAccount=account)
        lam.add_permission(FunctionName=name, StatementId="Partner", Action="lambda:InvokeFunction",
                           Principal="210987654321")
        arns[name] = arn
    return ({"function": "image-resize", "function_arn": arns["image-resize"],
             "kept_sids": ["FromUploads", "Partner"]},
            {"function": "image-thumbs"})


def setup_shared_resources(world: Any, account: str) -> tuple[dict, dict]:
    """S3.6: a bucket whose policy lets a partner account put policies and ACLs; Redshift.1: a public cluster;
    SSM.4: a document shared with everyone. A twin of each that no finding names."""
    s3, rs, ssm = world.admin("s3", account), world.admin("redshift", account), world.admin("ssm", account)
    buckets = [f"riposte-partner-share-{account}", f"riposte-partner-twin-{account}"]
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "PartnerWrites", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": ["s3:GetObject", "s3:Put*"], "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}))
    clusters = ["bi-warehouse", "bi-twin"]
    for cluster in clusters:
        rs.create_cluster(ClusterIdentifier=cluster, NodeType="dc2.large", MasterUsername="riposte",
                          MasterUserPassword="Emulator0nly", PubliclyAccessible=True)
    arn = f"arn:aws:redshift:{world.region}:{account}:cluster:{clusters[0]}"
    documents = ["patch-everything", "patch-twin"]
    content = {"schemaVersion": "2.2", "description": "patch", "mainSteps": [
        {"action": "aws:runShellScript", "name": "patch", "inputs": {"runCommand": ["yum -y update"]}}]}
    for document in documents:
        ssm.create_document(Name=document, Content=json.dumps(content), DocumentType="Command")
        # SSM shares a document either with everyone or with named accounts, never both at once.
        ssm.modify_document_permission(Name=document, PermissionType="Share", AccountIdsToAdd=["all"])
    return ({"bucket": buckets[0], "cluster": clusters[0], "cluster_arn": arn, "document": documents[0],
             "document_arn": f"arn:aws:ssm:{world.region}:{account}:document/{documents[0]}"},
            {"bucket": buckets[1], "cluster": clusters[1], "document": documents[1]})


def setup_access_logging(world: Any, account: str) -> tuple[dict, dict]:
    """S3.9: the team's log bucket (admitting S3's log delivery by ACL and policy, as S3 requires), a bucket
    without access logging and its twin."""
    s3 = world.admin("s3", account)
    logs = f"riposte-access-logs-{account}-{world.region}"
    s3.create_bucket(Bucket=logs)
    s3.put_bucket_ownership_controls(Bucket=logs, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_bucket_acl(Bucket=logs, ACL="log-delivery-write")
    s3.put_bucket_policy(Bucket=logs, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{logs}/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]}))
    buckets = [f"riposte-unlogged-{account}", f"riposte-unlogged-twin-{account}"]
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
    # EC2.6: the team's flow-log bucket, admitting the log delivery service.
    flow_logs = f"riposte-flow-logs-{account}"
    s3.create_bucket(Bucket=flow_logs)
    s3.put_bucket_policy(Bucket=flow_logs, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "AWSLogDeliveryWrite", "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{flow_logs}/AWSLogs/{account}/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]}))
    return ({"bucket": buckets[0], "log_bucket": logs, "flow_log_bucket": flow_logs},
            {"bucket": buckets[1]})


def setup_data_services(world: Any, account: str) -> tuple[dict, dict]:
    """One unencrypted queue, table without recovery, key without rotation, trail without validation and
    repository without scan on push, each beside a twin that must stay as it is."""
    sqs, ddb, kms = world.admin("sqs", account), world.admin("dynamodb", account), world.admin("kms", account)
    ct, ecr, s3 = world.admin("cloudtrail", account), world.admin("ecr", account), world.admin("s3", account)
    queues = [sqs.create_queue(QueueName=n, Attributes={"SqsManagedSseEnabled": "false"})["QueueUrl"]
              for n in ("orders", "orders-bystander")]
    arns = [sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            for u in queues]
    tables = [ddb.create_table(TableName=n, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                               BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"]
              for n in ("ledger", "ledger-bystander")]
    keys = [kms.create_key(Description=d)["KeyMetadata"]["Arn"] for d in ("app data", "bystander data")]
    logs = f"riposte-trail-logs-{account}"
    s3.create_bucket(Bucket=logs)
    trails = [ct.create_trail(Name=n, S3BucketName=logs)["TrailARN"] for n in ("main", "main-bystander")]
    repos = [ecr.create_repository(repositoryName=n)["repository"]["repositoryArn"]
             for n in ("team/api", "team/web")]
    sns = world.admin("sns", account)
    topics = [sns.create_topic(Name=n)["TopicArn"] for n in ("alerts", "alerts-twin")]
    incident = {"queue_url": queues[0], "queue_arn": arns[0], "table_arn": tables[0], "key_arn": keys[0],
                "trail_arn": trails[0], "repository_arn": repos[0], "repository": "team/api", "topic_arn": topics[0]}
    bystander = {"queue_url": queues[1], "table": "ledger-bystander", "key_arn": keys[1], "trail_arn": trails[1],
                 "repository": "team/web", "topic_arn": topics[1]}
    return incident, bystander


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
    ]


def data_findings(region: str, account: str, data: dict, now: str) -> list[tuple[str, str, str, dict]]:
    def finding(control: str, kind: str, arn: str, title: str) -> dict:
        return resource_finding(region, account, control, kind, arn, title, now)

    return [
        ("plain-queue", "queue-encryption", data["queue_arn"], finding(
            "SQS.1", "AwsSqsQueue", data["queue_arn"], "Amazon SQS queues should be encrypted at rest")),
        ("table-without-recovery", "table-recovery", data["table_arn"], finding(
            "DynamoDB.2", "AwsDynamoDbTable", data["table_arn"],
            "DynamoDB tables should have point-in-time recovery enabled")),
        ("key-without-rotation", "key-rotation", data["key_arn"], finding(
            "KMS.4", "AwsKmsKey", data["key_arn"], "AWS KMS key rotation should be enabled")),
        ("trail-without-validation", "trail-validation", data["trail_arn"], finding(
            "CloudTrail.4", "AwsCloudTrailTrail", data["trail_arn"],
            "CloudTrail log file validation should be enabled")),
        ("trail-without-encryption", "trail-encryption", data["trail_arn"], finding(
            "CloudTrail.2", "AwsCloudTrailTrail", data["trail_arn"],
            "CloudTrail should have encryption at-rest enabled")),
        ("plain-topic", "topic-encryption", data["topic_arn"], finding(
            "SNS.1", "AwsSnsTopic", data["topic_arn"], "SNS topics should be encrypted at-rest using AWS KMS")),
        ("repository-without-scanning", "repository-scanning", data["repository_arn"], finding(
            "ECR.1", "AwsEcrRepository", data["repository_arn"],
            "ECR private repositories should have image scanning configured")),
    ]


def database_findings(region: str, account: str, db: dict, now: str) -> list[tuple[str, str, str, dict]]:
    def finding(control: str, kind: str, arn: str, title: str, severity: str = "MEDIUM") -> dict:
        return resource_finding(region, account, control, kind, arn, title, now, severity=severity)

    return [
        ("db-backups", "db-instance-settings", db["instance"], finding(
            "RDS.11", "AwsRdsDbInstance", db["instance_arn"], "RDS instances should have automatic backups enabled")),
        ("db-minor-upgrades", "db-instance-settings", db["instance"], finding(
            "RDS.13", "AwsRdsDbInstance", db["instance_arn"],
            "RDS automatic minor version upgrades should be enabled", severity="HIGH")),
        ("public-db", "db-public-access", db["public_instance"], finding(
            "RDS.2", "AwsRdsDbInstance", db["public_instance_arn"],
            "RDS DB Instances should prohibit public access", severity="CRITICAL")),
        ("public-db-snapshot", "db-snapshot-private", db["snapshot"], finding(
            "RDS.1", "AwsRdsDbSnapshot", db["snapshot_arn"], "RDS snapshot should be private", severity="CRITICAL")),
    ]
