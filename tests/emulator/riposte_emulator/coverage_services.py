"""The coverage scenario's data, logging and sharing services (RDS, EBS snapshots, Lambda, S3 sharing and logging,
Redshift, SSM, SQS, DynamoDB, KMS, CloudTrail, ECR, SNS): one incident and one twin each, and their findings.
Used by coverage.py."""

import io
import json
import zipfile
from typing import Any

from .asff import resource_finding


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
